"""Tolerant matching of people's names (Arabic and Latin), for search only: display keeps the original text.

`normalize_name` folds the spellings users mix up (hamza forms, taa marbuta, alef maqsura, diacritics,
tatweel, "عبد الله" / "عبدالله", Latin case and hyphens) into one form. `Resident.name_key` stores
`name_key_for(name_ar, name_en)`; whoever writes a resident's names writes that key too.
"""
from __future__ import annotations

import re
import unicodedata

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
