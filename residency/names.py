"""Tolerant matching of people's names (Arabic and Latin), for search only: display keeps the original text.

`normalize_name` folds the spellings users mix up (hamza forms, taa marbuta, alef maqsura, diacritics,
tatweel, "عبد الله" / "عبدالله", Latin case and hyphens) into one form. `Resident.name_key` stores
`name_key_for(name_ar, name_en)`; whoever writes a resident's names writes that key too.
Invisible and direction characters (RLM, right-to-left override, zero-width space, ZWNJ, ...) are
dropped before anything else, so "مح<U+200B>مد" is matched as "محمد", not as two words.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Iterable

import numpy as np
from rapidfuzz import fuzz, process

from residency.models import Resident
from residency.text_safety import ZWNJ, strip_controls

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
# The definite article, dropped from words where matching ignores it (occupation titles).
ARTICLE = "ال"
# "عبد الله", "عبد الرحمن" -> "عبدالله", "عبدالرحمن" (the compound is one name).
_ABD_AL = re.compile(r"(?<!\S)عبد\s+ال")
# "Abdul Rahman", "Abd-al Aziz", "abd el kader" -> one word.
_ABD_LATIN = re.compile(r"(?<![a-z])abd(?: ?(ul|al|el|ur|ar|ol))? (?=[a-z])")
_NOT_NAME = re.compile(r"[^\w\s]|[\d_]")
_SPACES = re.compile(r"\s+")
_ARABIC_LETTER = re.compile("[\u0620-\u064a\u066e-\u06d3]")


def normalize_name(text: str) -> str:
    """The matching form of a name: folded Arabic letters, lower-case Latin, single spaces."""
    # ZWNJ only changes how letters join (text_safety keeps it for display): nothing to match on.
    text = strip_controls(unicodedata.normalize("NFKC", text or "")).replace(ZWNJ, "")
    text = _MARKS.sub("", text).translate(_LETTER_FOLDS).lower()
    text = _SPACES.sub(" ", _NOT_NAME.sub(" ", text)).strip()
    text = _ABD_AL.sub("عبدال", text)
    return _ABD_LATIN.sub(lambda m: "abd" + (m.group(1) or ""), text)


def is_arabic(text: str) -> bool:
    """True when `text` contains an Arabic letter (a query in Arabic is matched against Arabic names)."""
    return bool(_ARABIC_LETTER.search(text))


def strip_article(word: str) -> str:
    """A normalised word without its definite article: "ال" + at least three letters ("الة" (آلة) and "الات"
    keep theirs)."""
    return word[2:] if word.startswith(ARTICLE) and len(word) >= 5 else word


def name_matches(query: str, name: str, min_score: float = 80) -> bool:
    """Whether every word of `query` is a word of `name` written loosely: the folds of `normalize_name`, with
    or without the definite article, and a typo in a longer word (`fuzz.ratio` >= `min_score`): «النور» and
    «مؤسسه نور» fit «مؤسسة النور للتجارة». For the names of users and establishments (a few to match)."""
    words = [strip_article(word) for word in normalize_name(query).split()]
    name_words = [strip_article(word) for word in normalize_name(name).split()]
    return bool(words) and all(any(fuzz.ratio(word, other) >= min_score for other in name_words) for word in words)


def name_key_for(name_ar: str, name_en: str) -> str:
    """The value of `Resident.name_key`: the normalised Arabic name, a space, the normalised Latin name, cut
    to the column's length (NFKC can lengthen a name: one presentation-form ligature becomes 18 letters)."""
    key = f"{normalize_name(name_ar)} {normalize_name(name_en)}".strip()
    return key[: Resident.__table__.c.name_key.type.length]


class NameIndex:
    """An in-memory index of one establishment's names for fast tolerant search.

    Built from (resident_id, name_key) rows. Each distinct word of the names keeps the rows that contain
    it, so a query costs one fuzzy pass over the distinct words of its script (a few thousand, not the
    100,000 names) plus array arithmetic over the rows those words point to.

    Score of a name for a query: the mean, over the query's words, of the best `fuzz.ratio` between that
    word and a word of the name (a word under `min_score` counts 0), so word order, missing middle names
    and one typo per word are tolerated. Among equal scores a name with fewer unmatched words ranks first,
    then the lower resident id.
    """

    def __init__(self, rows: Iterable[tuple[int, str]]) -> None:
        ids: list[int] = []
        word_rows: dict[str, list[int]] = {}
        arabic_word: dict[str, bool] = {}
        counts: dict[bool, list[int]] = {True: [], False: []}
        for row, (resident_id, name_key) in enumerate(rows):
            ids.append(resident_id)
            arabic_words = 0
            words = (name_key or "").split()
            for word in words:
                arabic = arabic_word.get(word)
                if arabic is None:
                    arabic = arabic_word[word] = is_arabic(word)
                arabic_words += arabic
                postings = word_rows.get(word)
                if postings is None:
                    word_rows[word] = [row]
                elif postings[-1] != row:
                    postings.append(row)
            counts[True].append(arabic_words)
            counts[False].append(len(words) - arabic_words)
        self.ids = np.asarray(ids, dtype=np.int64)
        self._vocabulary = {arabic: [w for w in word_rows if arabic_word[w] == arabic] for arabic in (True, False)}
        self._postings = {
            arabic: [np.asarray(word_rows[w], dtype=np.int32) for w in words]
            for arabic, words in self._vocabulary.items()
        }
        self._word_counts = {arabic: np.maximum(np.asarray(c, dtype=np.float32), 1) for arabic, c in counts.items()}

    def __len__(self) -> int:
        return len(self.ids)

    def ranked(
        self, query: str, limit: int, min_score: float, exclude: Iterable[int] = ()
    ) -> list[tuple[int, float, float]]:
        """[(resident_id, score 0-100, share of the name's words matched)] of the best `limit` names scoring
        at least `min_score`, best first, leaving out the residents in `exclude`."""
        arabic = is_arabic(query)
        words = [w for w in normalize_name(query).split() if is_arabic(w) == arabic]
        if not words or not len(self.ids):
            return []
        vocabulary, postings = self._vocabulary[arabic], self._postings[arabic]
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
        excluded = np.fromiter(exclude, dtype=np.int64)
        if len(excluded):
            candidates = candidates[~np.isin(self.ids[candidates], excluded)]
        if not len(candidates):
            return []
        share = np.minimum(matched_words[candidates] / self._word_counts[arabic][candidates], 1)
        order = np.lexsort((self.ids[candidates], -share, -scores[candidates]))[:limit]
        return [(int(self.ids[candidates[i]]), float(scores[candidates[i]]), float(share[i])) for i in order]

    def search(self, query: str, limit: int, min_score: float) -> list[tuple[int, float]]:
        """[(resident_id, score 0-100)] of the best `limit` names scoring at least `min_score`, best first."""
        return [(resident_id, score) for resident_id, score, _ in self.ranked(query, limit, min_score)]


class LayeredNameIndex:
    """A big `NameIndex` plus the residents changed since it was built (small, re-indexed on each change),
    so that one renewal or rename does not rebuild 100,000 names. Immutable: `with_changes` returns a new one.
    """

    def __init__(self, base: NameIndex, changes: dict[int, str] | None = None) -> None:
        self.base = base
        self.changes = dict(changes or {})
        self._overlay = NameIndex(self.changes.items())

    def with_changes(self, rows: Iterable[tuple[int, str]]) -> "LayeredNameIndex":
        """This index with these (resident_id, name_key) rows replacing their earlier versions."""
        return LayeredNameIndex(self.base, {**self.changes, **dict(rows)})

    def search(self, query: str, limit: int, min_score: float) -> list[tuple[int, float]]:
        """Like `NameIndex.search`, over the base index with the changed residents' current names."""
        hits = self.base.ranked(query, limit, min_score, exclude=self.changes) + self._overlay.ranked(
            query, limit, min_score
        )
        hits.sort(key=lambda hit: (-hit[1], -hit[2], hit[0]))
        return [(resident_id, score) for resident_id, score, _ in hits[:limit]]
