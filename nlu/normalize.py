"""Arabic matching-normalisation that remembers where each character came from.

Normalisation is for matching only: every normalised character keeps the index of the character of
the user's original text it came from, so spans found on the normalised text can be mapped back
onto what the user wrote.

Invisible and direction characters (residency.text_safety.is_control: RLM/LRM/ALM, the bidi
embeddings, overrides and isolates, zero-width space and joiner, BOM, other format and control
characters) and ZWNJ are dropped like diacritics: "266392<U+200F>3320" normalises to one number
and one token, whose span in the original text includes the mark inside it. A span is extended
over diacritics and tatweel that follow it, not over such characters.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import List, Tuple

from residency.text_safety import ZWNJ, is_control

# Harakat, shadda, sukun, superscript alef and Quranic marks; tatweel (kashida).
_MARKS = re.compile(r"[\u0610-\u061A\u064B-\u065F\u0670\u06D6-\u06ED\u0640]")

_CHAR_MAP = {
    "أ": "ا",
    "إ": "ا",
    "آ": "ا",
    "ٱ": "ا",
    "ى": "ي",
    "ی": "ي",
    "ئ": "ي",
    "ة": "ه",
    "ۀ": "ه",
    "ؤ": "و",
    # Urdu/Persian forms of heh, and letters typed without their dots (dotless beh, qaf, noon, feh).
    "ھ": "ه",
    "ہ": "ه",
    "ە": "ه",
    "ٮ": "ب",
    "ٯ": "ق",
    "ں": "ن",
    "ڡ": "ف",
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

DIGIT_CLASS = "0-9\u0660-\u0669\u06f0-\u06f9"
"""Regex character-class body matching a digit in any of the three digit forms."""


def is_mark(char: str) -> bool:
    """True for the diacritics and tatweel that normalisation drops (a span extends over them)."""
    return bool(_MARKS.match(char))


def is_removed(char: str) -> bool:
    """True for characters that normalisation drops: diacritics, tatweel, ZWNJ, and the invisible and
    direction characters of residency.text_safety.is_control."""
    return bool(_MARKS.match(char)) or char == ZWNJ or is_control(char)


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

        The end is extended over the diacritics and tatweel that directly follow the last character,
        so that "محمدٌ" maps to the whole word (not over a direction mark or other invisible character).
        """
        if end <= start:
            raise ValueError("empty span")
        original_start = self.origin[start]
        original_end = self.origin[end - 1] + 1
        while original_end < len(self.original) and is_mark(self.original[original_end]):
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


def without_controls(text: str) -> NormalizedText:
    """`text` with only its invisible and direction characters (and ZWNJ) dropped, nothing else
    changed, keeping each character's original index: for matchers that read the raw text."""
    kept = [(index, char) for index, char in enumerate(text) if not (char == ZWNJ or is_control(char))]
    return NormalizedText(original=text, text="".join(c for _, c in kept), origin=tuple(i for i, _ in kept))
