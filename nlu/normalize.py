"""Arabic matching-normalisation that remembers where each character came from.

Normalisation is for matching only: every normalised character keeps the index of the character of
the user's original text it came from, so spans found on the normalised text can be mapped back
onto what the user wrote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Tuple

# Harakat, shadda, sukun, superscript alef and Quranic marks; tatweel (kashida).
_REMOVED = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640\u200c-\u200f\u061c]")

_CHAR_MAP = {
    "أ": "ا", "إ": "ا", "آ": "ا", "ٱ": "ا",
    "ى": "ي", "ی": "ي", "ئ": "ي",
    "ة": "ه", "ۀ": "ه",
    "ؤ": "و",
    "ک": "ك",
    "گ": "ك",
    "ڤ": "ف",
    "پ": "ب",
    "چ": "ج",
    "٫": ".",
    "،": ",",
    "؛": ";",
    "؟": "?",
}
for _i in range(10):
    _CHAR_MAP[chr(0x0660 + _i)] = str(_i)  # Arabic-Indic digits
    _CHAR_MAP[chr(0x06F0 + _i)] = str(_i)  # Persian (Extended Arabic-Indic) digits

DIGIT_CLASS = "0-9\u0660-\u0669\u06F0-\u06F9"
"""Regex character-class body matching a digit in any of the three digit forms."""


def is_removed(char: str) -> bool:
    """True for characters that normalisation drops (diacritics, tatweel, direction marks)."""
    return bool(_REMOVED.match(char))


def normalize_char(char: str) -> str:
    """Normalise one character (see `normalize`); returns '' for dropped characters."""
    if is_removed(char):
        return ""
    mapped = _CHAR_MAP.get(char)
    if mapped is not None:
        return mapped
    lowered = char.lower()
    return lowered if len(lowered) == 1 else char


def normalize(text: str) -> str:
    """Normalise for matching: no diacritics/tatweel, one alef, ي for ى, ه for ة, ASCII digits, lower case."""
    return "".join(normalize_char(c) for c in text)


@dataclass(frozen=True)
class NormalizedText:
    """A normalised text and, for each of its characters, the index in the original text."""

    original: str
    text: str
    origin: Tuple[int, ...]

    def span(self, start: int, end: int) -> Tuple[int, int]:
        """Map the normalised span [start, end) onto the original text.

        The end is extended over dropped characters (diacritics, tatweel) that directly follow the
        last character, so that "محمدٌ" maps to the whole word.
        """
        if end <= start:
            raise ValueError("empty span")
        original_start = self.origin[start]
        original_end = self.origin[end - 1] + 1
        while original_end < len(self.original) and is_removed(self.original[original_end]):
            original_end += 1
        return original_start, original_end


def normalize_with_offsets(text: str) -> NormalizedText:
    """Normalise `text` (see `normalize`) keeping each normalised character's original index."""
    chars: List[str] = []
    origin: List[int] = []
    for index, char in enumerate(text):
        normalised = normalize_char(char)
        for out in normalised:
            chars.append(out)
            origin.append(index)
    return NormalizedText(original=text, text="".join(chars), origin=tuple(origin))
