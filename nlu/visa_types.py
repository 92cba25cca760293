"""VisaTypeExtractor: "مفردة", "متعدده", "multiple", "سنقل", Arabizi "mofrada" ... -> entity `visa_type` = single / multiple.

A closed vocabulary is served better by a keyword list than by CRF plus synonyms: every spelling
below works even if no training example has it, and the value is always normalised. Matching is on
normalised text; a leading clitic (و ف ب ل) is outside the span, the article ال inside it.
The extractor is authoritative for `visa_type`.
"""

from __future__ import annotations

import re
from typing import Any, Dict, List

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from nlu.entities import RuleBasedExtractor, make_entity
from nlu.normalize import normalize_with_offsets

# Normalised spellings (ة -> ه, no hamza); multi-word phrases use single spaces.
KEYWORDS = {
    "single": "مفرده مفرد مفردة سنقل سنجل سينجل سينقل فرديه فردي single سفره_وحده سفره_واحده مره_وحده مره_واحده "
    "one_trip one-time one_time single-entry mofrada mufrada mofradah mfrada mofrad",
    "multiple": "متعدده متعدد متعددة متعدد_السفرات مالتي مالتيبل ملتي multiple multi multi-entry عده_سفرات عده_مرات "
    "كذا_سفره اكثر_من_سفره mota3added mota3adida mota3addida muta3addida mt3dda",
}
_VALUE_BY_WORD = {
    word.replace("_", " ").replace("ة", "ه"): value for value, words in KEYWORDS.items() for word in words.split()
}
_KEYWORD = re.compile(
    r"(?<!\w)[وفبل]?(?P<word>(?:ال)?(?:"
    + "|".join(re.escape(w) for w in sorted(_VALUE_BY_WORD, key=len, reverse=True))
    + r"))(?!\w)"
)


def find_visa_types(text: str) -> List[Dict[str, Any]]:
    """All visa_type entities in `text`, values "single" or "multiple"."""
    normalized = normalize_with_offsets(text)
    entities = []
    for match in _KEYWORD.finditer(normalized.text):
        word = match.group("word")
        value = _VALUE_BY_WORD[word[2:] if word.startswith("ال") and word not in _VALUE_BY_WORD else word]
        start, end = normalized.span(*match.span("word"))
        entities.append(make_entity("visa_type", value, start, end, text, VisaTypeExtractor.__name__))
    return entities


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class VisaTypeExtractor(RuleBasedExtractor):
    """Authoritative keyword extractor of `visa_type` (see the module docstring)."""

    owned_types = ("visa_type",)

    def find(self, text: str) -> List[Dict[str, Any]]:
        return find_visa_types(text)
