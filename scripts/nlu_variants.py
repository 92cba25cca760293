"""Generated variants of annotated NLU messages, for robustness measurements (issue 13 item 4).

Each kind rewrites a message the way users actually mistype it and moves the entity annotations with
the text, so a variant keeps the original's intent and entities (types and exact spans):

- hamza: أ إ آ -> ا (and a bare ا at a word's start -> أ), ؤ -> و, ئ -> ي
- taa_marbuta: ة -> ه, final ى <-> ي
- dropped_dots: letters typed without their dots (ي -> ى, ة -> ه, ب -> ٮ, ق -> ٯ, ن -> ں, ف -> ڡ) in one word
- typo: one letter deleted, doubled, swapped with the next or replaced by a keyboard neighbour, in one
  word outside the entities that is at least four letters long
- digits: every identifier written in Arabic-Indic digits, Persian digits, or spaced in groups
- english: an Arabic keyword replaced by the English word users mix in (اقامة -> iqama, تجديد -> renew ...)

`variants(example, seed)` returns (kind, text, entities) triples; a kind that changes nothing in a
message yields no variant. Deterministic for a seed.
"""

from __future__ import annotations

import random
import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

Entity = Dict[str, Any]
Segment = Tuple[str, Optional[Entity]]  # (text, the entity it is, or None)

KINDS = ("hamza", "taa_marbuta", "dropped_dots", "typo", "digits", "english")
NUMBER_ENTITIES = {"iqama_number", "border_number", "visa_number", "establishment_number"}
_AR_DIGITS = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
_FA_DIGITS = str.maketrans("0123456789", "۰۱۲۳۴۵۶۷۸۹")
_TO_ASCII = str.maketrans("٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹", "01234567890123456789")
_HAMZA = str.maketrans({"أ": "ا", "إ": "ا", "آ": "ا", "ؤ": "و", "ئ": "ي"})
_DOTLESS = {"ي": "ى", "ة": "ه", "ب": "ٮ", "ق": "ٯ", "ن": "ں", "ف": "ڡ"}
# Neighbours on the Arabic phone keyboard (the common one-letter slips).
_NEIGHBOURS = {
    "ض": "صش",
    "ص": "ضث",
    "ث": "صق",
    "ق": "ثف",
    "ف": "قغ",
    "غ": "فع",
    "ع": "غه",
    "ه": "عخ",
    "خ": "هح",
    "ح": "خج",
    "ج": "حد",
    "ش": "سض",
    "س": "شي",
    "ي": "سب",
    "ب": "يل",
    "ل": "با",
    "ا": "لت",
    "ت": "ان",
    "ن": "تم",
    "م": "نك",
    "ك": "مط",
    "ط": "كئ",
    "ئ": "ءط",
    "ء": "ئؤ",
    "ؤ": "ءر",
    "ر": "ؤلا",
    "ى": "ةر",
    "ة": "ىو",
    "و": "ةز",
    "ز": "وظ",
    "ظ": "زد",
    "د": "جظ",
}
# Arabic keyword (a regex on the text) -> the English word users mix in, first match replaced.
_ENGLISH = (
    (r"خروج و ?عود[ةه]", "exit re-entry"),
    (r"خروج نهائ[يى]", "final exit"),
    (r"الإ?[اإ]?قام[ةه]|[اإ]قام[ةه]", "iqama"),
    (r"تجديد|[اأ]جدد|جدد", "renew"),
    (r"تأشير[ةه]|تاشير[ةه]|فيز[اه]", "visa"),
    (r"جواز(?:ه)?", "passport"),
    (r"رخص[ةه]", "license"),
    (r"كفال[ةه]", "kafala"),
    (r"مهن[ةه]", "occupation"),
    (r"الرصيد|رصيد", "balance"),
    (r"العامل|عامل", "worker"),
    (r"تمديد|مدد", "extend"),
    (r"[اإ]لغاء|الغي|الغ", "cancel"),
)
_ARABIC_WORD = re.compile("[\u0621-\u064a]+")


def segments(text: str, entities: Iterable[Entity]) -> List[Segment]:
    """`text` cut into plain runs and entity spans, in order."""
    out: List[Segment] = []
    position = 0
    for entity in sorted(entities, key=lambda e: e["start"]):
        if entity["start"] < position:  # overlapping annotations: keep the first
            continue
        if entity["start"] > position:
            out.append((text[position : entity["start"]], None))
        out.append((text[entity["start"] : entity["end"]], entity))
        position = entity["end"]
    if position < len(text):
        out.append((text[position:], None))
    return out


def join(parts: List[Segment]) -> Tuple[str, List[Entity]]:
    """The text and the entities (offsets recomputed) of a list of segments."""
    text, entities = "", []
    for part, entity in parts:
        if entity is not None:
            entities.append({**entity, "start": len(text), "end": len(text) + len(part)})
        text += part
    return text, entities


def _map_all(parts: List[Segment], change) -> List[Segment]:
    return [
        (change(part) if entity is None or entity["entity"] not in NUMBER_ENTITIES else part, entity)
        for part, entity in parts
    ]


def _hamza(parts: List[Segment], rng: random.Random) -> List[Segment]:
    def change(part: str) -> str:
        stripped = part.translate(_HAMZA)
        if stripped != part:
            return stripped
        return re.sub(r"(?<![\w])ا(?=\w)", "أ", part, count=1)

    return _map_all(parts, change)


def _taa_marbuta(parts: List[Segment], rng: random.Random) -> List[Segment]:
    def change(part: str) -> str:
        changed = part.replace("ة", "ه")
        if changed != part:
            return changed
        return re.sub(r"[يى](?!\w)", lambda m: "ى" if m.group() == "ي" else "ي", part)

    return _map_all(parts, change)


def _words(parts: List[Segment], plain_only: bool, min_len: int) -> List[Tuple[int, re.Match]]:
    found = []
    for index, (part, entity) in enumerate(parts):
        if entity is not None and (plain_only or entity["entity"] in NUMBER_ENTITIES):
            continue
        found += [(index, m) for m in _ARABIC_WORD.finditer(part) if len(m.group()) >= min_len]
    return found


def _replace_word(parts: List[Segment], index: int, match: re.Match, word: str) -> List[Segment]:
    part, entity = parts[index]
    changed = list(parts)
    changed[index] = (part[: match.start()] + word + part[match.end() :], entity)
    return changed


def _dropped_dots(parts: List[Segment], rng: random.Random) -> List[Segment]:
    candidates = [(i, m) for i, m in _words(parts, False, 2) if any(c in _DOTLESS for c in m.group())]
    if not candidates:
        return parts
    index, match = rng.choice(candidates)
    word = "".join(_DOTLESS.get(c, c) for c in match.group())
    return _replace_word(parts, index, match, word)


def _typo(parts: List[Segment], rng: random.Random) -> List[Segment]:
    candidates = _words(parts, True, 4)
    if not candidates:
        return parts
    index, match = rng.choice(candidates)
    word = match.group()
    at = rng.randrange(1, len(word) - 1)  # first letter kept: people rarely miss it
    operation = rng.choice(("delete", "double", "swap", "neighbour"))
    if operation == "delete":
        word = word[:at] + word[at + 1 :]
    elif operation == "double":
        word = word[:at] + word[at] + word[at:]
    elif operation == "swap":
        word = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    else:
        word = word[:at] + rng.choice(_NEIGHBOURS.get(word[at], word[at])) + word[at + 1 :]
    return _replace_word(parts, index, match, word)


def _digits(parts: List[Segment], rng: random.Random) -> List[Segment]:
    style = rng.choice(("arabic", "persian", "spaced"))

    def change(part: str) -> str:
        ascii_digits = part.translate(_TO_ASCII).replace(" ", "").replace("-", "")
        if not ascii_digits.isdigit():
            return part
        if style == "arabic":
            return ascii_digits.translate(_AR_DIGITS)
        if style == "persian":
            return ascii_digits.translate(_FA_DIGITS)
        return f"{ascii_digits[:3]} {ascii_digits[3:6]} {ascii_digits[6:]}"

    return [
        (change(part) if entity is not None and entity["entity"] in NUMBER_ENTITIES else part, entity)
        for part, entity in parts
    ]


def _english(parts: List[Segment], rng: random.Random) -> List[Segment]:
    for pattern, english in _ENGLISH:
        for index, (part, entity) in enumerate(parts):
            if entity is not None:
                continue
            match = re.search(rf"(?<![\w]){pattern}(?![\w])", part)
            if match:
                changed = list(parts)
                changed[index] = (part[: match.start()] + english + part[match.end() :], entity)
                return changed
    return parts


_KIND_FUNCTIONS = {
    "hamza": _hamza,
    "taa_marbuta": _taa_marbuta,
    "dropped_dots": _dropped_dots,
    "typo": _typo,
    "digits": _digits,
    "english": _english,
}


def variants(
    text: str, entities: List[Entity], seed: int = 0, kinds: Iterable[str] = KINDS
) -> List[Tuple[str, str, List[Entity]]]:
    """(kind, text, entities) for each kind that changes the message."""
    out = []
    original = segments(text, entities)
    for kind in kinds:
        rng = random.Random(f"{seed}:{kind}:{text}")
        changed_text, changed_entities = join(_KIND_FUNCTIONS[kind](original, rng))
        if changed_text != text:
            out.append((kind, changed_text, changed_entities))
    return out
