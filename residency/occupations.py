"""The occupation classification (residency/occupations.yml) and tolerant matching against it.

The file is the one place for the occupations: the Saudi Standard Classification of Occupations
(ISCO-08 based) as an establishment meets it, each entry with its canonical Arabic title (`ar`, the
value stored on a resident), English title, ISCO-08 unit code, Arabic and English aliases, and the
`domestic` (no expat levy) and `saudi_only` (reserved for Saudis) flags.

Matching is on `normalize_occupation`: residency.names.normalize_name (hamza forms, ة/ه, ى/ي,
diacritics, tatweel, punctuation, Latin case) with the article ال dropped from every word
("المهندس المدني" = "مهندس مدني"). `find` is exact on that form (titles and aliases); `resolve` also
accepts a clear typo (one close candidate, rapidfuzz) and otherwise raises InvalidInput
`unknown_occupation` / `ambiguous_occupation` with up to 5 canonical titles in `details["suggestions"]`.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from rapidfuzz import fuzz, process

from replies import _, current_language
from residency.errors import InvalidInput
from residency.names import normalize_name, strip_article
from residency.text_safety import strip_controls

OCCUPATIONS_PATH = Path(__file__).with_name("occupations.yml")
MAX_SUGGESTIONS = 5
# A typo is taken as the occupation it resembles when this similar (rapidfuzz ratio, 0-100) and no
# other occupation comes within TYPO_MARGIN of it.
TYPO_MIN_SCORE = 88
TYPO_MARGIN = 6
# A word of the text stands for a word of a title this similar ("مهندز" for "مهندس").
WORD_TYPO_MIN_SCORE = 80
# Weaker resemblances are only offered as suggestions.
SUGGESTION_MIN_SCORE = 70
# Occupations named as examples in the unknown-occupation answer, by their English titles in occupations.yml
# (shown in the reply language).
EXAMPLES = ("Electrician", "Heavy truck driver", "Accountant")


@dataclass(frozen=True)
class Occupation:
    code: str
    ar: str
    en: str
    ar_aliases: tuple[str, ...]
    en_aliases: tuple[str, ...]
    domestic: bool
    saudi_only: bool

    def title(self) -> str:
        """The title in the reply language (Arabic `ar`, else `en`)."""
        return self.ar if current_language() == "ar" else self.en

    @property
    def names(self) -> tuple[str, ...]:
        """Every spelling that names this occupation: titles first, then aliases."""
        return (self.ar, self.en, *self.ar_aliases, *self.en_aliases)


def _close_word(word: str, words: set[str]) -> bool:
    """`word` is one of `words`, or (4 letters or more) one letter or so off one of them."""
    return word in words or (len(word) >= 4 and any(fuzz.ratio(word, w) >= WORD_TYPO_MIN_SCORE for w in words))


def normalize_occupation(text: str) -> str:
    """The matching form of an occupation's name (see the module docstring)."""
    return " ".join(strip_article(w) for w in normalize_name(str(text or "")).split())


class Classification:
    """The entries of occupations.yml with their look-ups."""

    def __init__(self, entries: list[Occupation]) -> None:
        self.entries = entries
        self.by_title = {e.ar: e for e in entries}
        self.by_key: dict[str, Occupation] = {}
        for entry in entries:
            for name in entry.names:
                self.by_key.setdefault(normalize_occupation(name), entry)
        self._keys = list(self.by_key)
        self._key_words = [set(k.split()) for k in self._keys]

    def titles(self) -> list[str]:
        return [e.ar for e in self.entries]

    def domestic_titles(self) -> set[str]:
        return {e.ar for e in self.entries if e.domestic}

    def find(self, text: str) -> Occupation | None:
        """The occupation a title or alias names exactly (after normalisation), else None."""
        return self.by_key.get(normalize_occupation(text))

    def _ranked(self, key: str) -> list[tuple[Occupation, float]]:
        """Occupations resembling `key`, best first, each once with its best score."""
        best: dict[str, tuple[Occupation, float]] = {}
        for name, score, _index in process.extract(
            key, self._keys, scorer=fuzz.ratio, limit=None, score_cutoff=SUGGESTION_MIN_SCORE
        ):
            entry = self.by_key[name]
            if entry.ar not in best or best[entry.ar][1] < score:
                best[entry.ar] = (entry, score)
        order = {e.ar: i for i, e in enumerate(self.entries)}
        return sorted(best.values(), key=lambda pair: (-pair[1], order[pair[0].ar]))

    def _containing(self, key: str, exact_only: bool = False) -> list[Occupation]:
        """Occupations one of whose names has every word of `key` ("مهندس" -> every engineer; a word
        with a typo counts too, after the exact ones): those whose Arabic title has them first, each group
        in file order (the commonest occupations first)."""
        words = key.split()
        rank: dict[str, tuple[int, int, int]] = {}
        order = {e.ar: i for i, e in enumerate(self.entries)}
        for name, name_words in zip(self._keys, self._key_words):
            exact = all(w in name_words for w in words)
            if not exact and (exact_only or not all(_close_word(w, name_words) for w in words)):
                continue
            entry = self.by_key[name]
            title_words = set(normalize_occupation(entry.ar).split())
            in_title = all(_close_word(w, title_words) for w in words)
            candidate = (0 if exact else 1, 0 if in_title else 1, order[entry.ar])
            rank[entry.ar] = min(rank.get(entry.ar, candidate), candidate)
        return [self.by_title[title] for title in sorted(rank, key=rank.__getitem__)]

    def suggestions(self, text: str, limit: int = MAX_SUGGESTIONS) -> list[Occupation]:
        """Up to `limit` occupations the text may mean: those it names part of, then look-alikes."""
        key = normalize_occupation(text)
        if not key:
            return []
        found: list[Occupation] = []
        for entry in [*self._containing(key), *(e for e, _score in self._ranked(key))]:
            if entry not in found:
                found.append(entry)
        return found[:limit]

    def resolve(self, text: str) -> Occupation:
        """The occupation `text` names: exact, or a clear typo; otherwise InvalidInput with suggestions."""
        written = strip_controls(str(text or "")).strip()
        key = normalize_occupation(written)
        exact = self.by_key.get(key)
        if exact is not None:
            return exact
        ranked = self._ranked(key) if key else []
        if (
            key
            and not self._containing(key, exact_only=True)
            and ranked
            and ranked[0][1] >= TYPO_MIN_SCORE
            and (len(ranked) == 1 or ranked[1][1] < ranked[0][1] - TYPO_MARGIN)
        ):
            return ranked[0][0]
        found = self.suggestions(written)
        suggestions = [e.ar for e in found]
        shown = _(", ").join(e.title() for e in found)
        close = [e for e, score in ranked if score >= 80]
        if (key and self._containing(key)) or len(close) >= 2:
            raise InvalidInput(
                "ambiguous_occupation",
                _(
                    "The occupation «{written}» could be more than one occupation of the classification. Choose "
                    "the one you mean: {choices}, or write the full title."
                ).format(written=written, choices=shown),
                written=written,
                suggestions=suggestions,
            )
        if suggestions:
            message = _(
                "The occupation «{written}» is not in the classification of occupations. The closest ones: "
                "{choices}. Choose one of them or write the occupation as the classification names it."
            ).format(written=written, choices=shown)
        else:
            examples = _(" or ").join(self.by_key[normalize_occupation(e)].title() for e in EXAMPLES)
            message = _(
                "The occupation «{written}» is not in the classification of occupations. Write the job title as "
                "the classification names it, e.g. {examples}."
            ).format(written=written, examples=examples)
        raise InvalidInput("unknown_occupation", message, written=written, suggestions=suggestions)


def _entry(raw: dict[str, Any]) -> Occupation:
    return Occupation(
        code=str(raw["code"]),
        ar=str(raw["ar"]),
        en=str(raw["en"]),
        ar_aliases=tuple(str(a) for a in raw.get("ar_aliases") or ()),
        en_aliases=tuple(str(a) for a in raw.get("en_aliases") or ()),
        domestic=bool(raw["domestic"]),
        saudi_only=bool(raw["saudi_only"]),
    )


def load_raw(path: Path = OCCUPATIONS_PATH) -> list[dict[str, Any]]:
    """The file's entries as written (the shape test reads them)."""
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)["occupations"]


@lru_cache(maxsize=1)
def classification() -> Classification:
    return Classification([_entry(raw) for raw in load_raw()])


def titles() -> list[str]:
    """The canonical Arabic titles, in file order."""
    return classification().titles()


def domestic_titles() -> set[str]:
    """The canonical titles of the domestic occupations (no expat levy)."""
    return classification().domestic_titles()


def find(text: str) -> Occupation | None:
    return classification().find(text)


def resolve(text: str) -> Occupation:
    return classification().resolve(text)
