"""IdentifierExtractor: iqama, border, visa, establishment and passport numbers, by rule.

Works on the raw message text (not on tokens), so digits in any form (ASCII, ٠-٩, ۰-۹) and digit
groups separated by spaces or dashes ("٢١٨ ٠٩٦ ٧٩٢٥", "2180-967-925") are found whatever the
tokenizer did. Invisible and direction characters (RLM, right-to-left override, zero-width space,
...: residency.text_safety.is_control, and ZWNJ) are ignored wherever they are, also inside a number:
"266392<U+200F>3320" is the iqama number 2663923320, its span covering the mark. Ten-digit numbers are
found by nlu.numbers (Rasa-free, shared with nlu.limits). Ten-digit numbers are classified by their first digit:

- 2: iqama_number;
- 1: a Saudi national id. It is emitted as `iqama_number` on purpose: the dialogue then sees a
  national id in the iqama slot and refuses it with a clear explanation, instead of the user being
  asked again for a number they already gave;
- 3 or 4: border_number; 6: visa_number; 7: establishment_number;
- any other first digit (a phone number 05..., say): not an identifier.

The check digit is NOT verified here: a number with a wrong check digit is still extracted so the
dialogue can answer "this number is not valid". passport_number is 1-2 Latin letters followed by
6-9 digits, or a bare 7-9 digit number when the message mentions a passport (جواز, passport).

The extractor is authoritative for these five entity types: it drops any entity of those types (or
overlapping one of its own) that an earlier extractor such as CRF produced, and adds its own. Values
are ASCII digits with no spaces; start/end point into the original text. The kind of a ten-digit
number comes from residency.identifiers.classify_number, the domain's one definition of it.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from nlu.entities import RuleBasedExtractor, make_entity
from nlu.normalize import DIGIT_CLASS, normalize, without_controls
from nlu.numbers import digit_runs, ten_digit_spans
from residency.identifiers import IdKind, classify_number

IDENTIFIER_TYPES = ("iqama_number", "border_number", "visa_number", "establishment_number", "passport_number")


_DIGITS = f"[{DIGIT_CLASS}]"
_LETTERED_PASSPORT = re.compile(f"(?<![A-Za-z{DIGIT_CLASS}])[A-Za-z]{{1,2}}{_DIGITS}{{6,9}}(?!{_DIGITS})")
_PASSPORT_WORDS = ("جواز", "جوازه", "جوازات", "باسبور", "بسبور", "passport")
_PASSPORT_MENTION = re.compile("|".join(_PASSPORT_WORDS))


def ascii_digits(text: str) -> str:
    """Only the digits of `text`, as ASCII."""
    return "".join(c for c in normalize(text) if c.isdigit())


def find_identifiers(text: str) -> List[Dict[str, Any]]:
    """All identifier entities in `text` (see the module docstring)."""
    extractor = IdentifierExtractor.__name__
    view = without_controls(text)
    clean = view.text  # spans below are in `clean`; view.span maps them onto `text`

    def entity(entity_type: str, value: str, start: int, end: int) -> Dict[str, Any]:
        return make_entity(entity_type, value, *view.span(start, end), text, extractor)

    entities = []
    passports = [m.span() for m in _LETTERED_PASSPORT.finditer(clean)]
    for start, end in passports:
        entities.append(entity("passport_number", normalize(clean[start:end]).upper(), start, end))
    mentions_passport = bool(_PASSPORT_MENTION.search(normalize(clean)))
    for run in digit_runs(clean, passports):
        numbers = ten_digit_spans(run)
        for start, end in numbers:
            value = ascii_digits(clean[start:end])
            kind = classify_number(value)
            if kind is not None:
                # A national id goes in iqama_number on purpose: see the module docstring.
                entity_type = IdKind.IQAMA.value if kind is IdKind.NATIONAL_ID else kind.value
                entities.append(entity(entity_type, value, start, end))
        if mentions_passport and not numbers and len(run) == 1:
            start, end = run[0]
            if 7 <= end - start <= 9 and not _next_to_date_separator(clean, start, end):
                entities.append(entity("passport_number", ascii_digits(clean[start:end]), start, end))
    return sorted(entities, key=lambda e: e["start"])


def _next_to_date_separator(text: str, start: int, end: int) -> bool:
    return (start > 0 and text[start - 1] in "/.") or (end < len(text) and text[end] in "/.")


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class IdentifierExtractor(RuleBasedExtractor):
    """Authoritative rule-based extractor of the five identifier entity types."""

    owned_types = IDENTIFIER_TYPES

    def find(self, text: str) -> List[Dict[str, Any]]:
        return find_identifiers(text)
