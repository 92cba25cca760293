"""Tolerant matching of people's names (Arabic and Latin), for search only: display keeps the original text.

`normalize_name` folds the spellings users mix up (hamza forms, taa marbuta, alef maqsura, diacritics,
tatweel, "عبد الله" / "عبدالله", Latin case and hyphens) into one form. `Resident.name_key` stores
`name_key_for(name_ar, name_en)`; whoever writes a resident's names writes that key too.
"""
from __future__ import annotations

import re
import unicodedata
from typing import Iterable

import numpy as np
from rapidfuzz import fuzz, process

# Harakat, Quranic marks, superscript alef and tatweel carry no identity in a name.
_MARKS = re.compile("[\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed\u0640]")
_LETTER_FOLDS = str.maketrans(
    {
        "أ": "ا",
        "إ": "ا",
        "آ": "ا",
        "ٱ": "ا",
        "ؤ": "و",
        "ئ": "ي",
        "ء": "",
        "ة": "ه",
        "ى": "ي",
        # Persian/Urdu letters that keyboards of some nationalities produce.
        "ی": "ي",
        "ې": "ي",
        "ک": "ك",
        "ہ": "ه",
        "ھ": "ه",
    }
)
# "عبد الله", "عبد الرحمن" -> "عبدالله", "عبدالرحمن" (the compound is one name).
_ABD_AL = re.compile(r"(?<!\S)عبد\s+ال")
# "Abdul Rahman", "Abd-al Aziz", "abd el kader" -> one word.
_ABD_LATIN = re.compile(r"(?<![a-z])abd(?: ?(ul|al|el|ur|ar|ol))? (?=[a-z])")
_NOT_NAME = re.compile(r"[^\w\s]|[\d_]")
_SPACES = re.compile(r"\s+")
_ARABIC_LETTER = re.compile("[\u0620-\u064a\u066e-\u06d3]")


def normalize_name(text: str) -> str:
    """The matching form of a name: folded Arabic letters, lower-case Latin, single spaces."""
    text = unicodedata.normalize("NFKC", text or "")
    text = _MARKS.sub("", text).translate(_LETTER_FOLDS).lower()
    text = _SPACES.sub(" ", _NOT_NAME.sub(" ", text)).strip()
    text = _ABD_AL.sub("عبدال", text)
    return _ABD_LATIN.sub(lambda m: "abd" + (m.group(1) or ""), text)


def is_arabic(text: str) -> bool:
    """True when `text` contains an Arabic letter (a query in Arabic is matched against Arabic names)."""
    return bool(_ARABIC_LETTER.search(text))


def name_key_for(name_ar: str, name_en: str) -> str:
    """The value of `Resident.name_key`: the normalised Arabic name, a space, the normalised Latin name."""
    return f"{normalize_name(name_ar)} {normalize_name(name_en)}".strip()


def split_name_key(name_key: str) -> tuple[str, str]:
    """(Arabic part, Latin part) of a `name_key`, told apart word by word by script."""
    arabic, latin = [], []
    for word in name_key.split():
        (arabic if is_arabic(word) else latin).append(word)
    return " ".join(arabic), " ".join(latin)


class NameIndex:
    """An in-memory index of one establishment's names for fast tolerant search.

    Built from (resident_id, name_key) rows. Each distinct word of the names (per script) keeps the rows
    that contain it, so a query costs one fuzzy pass over the distinct words (a few thousand, not the
    100,000 names) plus array arithmetic over the rows those words point to.

    Score of a name for a query: the mean, over the query's words, of the best `fuzz.ratio` between that
    word and a word of the name (a word under `min_score` counts 0), so word order, missing middle names
    and one typo per word are tolerated. Among equal scores a name with fewer unmatched words ranks first.
    """

    def __init__(self, rows: Iterable[tuple[int, str]]) -> None:
        ids: list[int] = []
        postings: dict[str, dict[str, list[int]]] = {"ar": {}, "en": {}}
        word_counts: dict[str, list[int]] = {"ar": [], "en": []}
        for row, (resident_id, name_key) in enumerate(rows):
            ids.append(resident_id)
            for script, part in zip(("ar", "en"), split_name_key(name_key or "")):
                words = part.split()
                word_counts[script].append(len(words))
                for word in set(words):
                    postings[script].setdefault(word, []).append(row)
        self.ids = np.asarray(ids, dtype=np.int64)
        self._vocabulary = {script: list(words) for script, words in postings.items()}
        self._postings = {
            script: [np.asarray(rows_, dtype=np.int32) for rows_ in words.values()]
            for script, words in postings.items()
        }
        self._word_counts = {script: np.maximum(np.asarray(c, dtype=np.float32), 1) for script, c in word_counts.items()}

    def __len__(self) -> int:
        return len(self.ids)

    def search(self, query: str, limit: int, min_score: float) -> list[tuple[int, float]]:
        """[(resident_id, score 0-100)] of the best `limit` names scoring at least `min_score`, best first."""
        script = "ar" if is_arabic(query) else "en"
        words = split_name_key(normalize_name(query))[0 if script == "ar" else 1].split()
        if not words or not len(self.ids):
            return []
        vocabulary, postings = self._vocabulary[script], self._postings[script]
        total = np.zeros(len(self.ids), dtype=np.float32)
        matched_words = np.zeros(len(self.ids), dtype=np.float32)
        for word in words:
            best = np.zeros(len(self.ids), dtype=np.float32)
            for _, similarity, position in process.extract(
                word, vocabulary, scorer=fuzz.ratio, processor=None, score_cutoff=min_score, limit=None
            ):
                rows = postings[position]
                best[rows] = np.maximum(best[rows], similarity)
            total += best
            matched_words += best > 0
        scores = total / len(words)
        candidates = np.flatnonzero(scores >= min_score)
        if not len(candidates):
            return []
        # Rank by score, then by the share of the name's words the query matched, then by row (stable).
        share = np.minimum(matched_words[candidates] / self._word_counts[script][candidates], 1)
        order = np.lexsort((candidates, -share, -scores[candidates]))[:limit]
        return [(int(self.ids[candidates[i]]), float(scores[candidates[i]])) for i in order]
