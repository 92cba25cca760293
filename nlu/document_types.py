"""DocumentTypeExtractor: the document a user asks for, entity `document_type` = receipt / visa /
resident_report ("عطني الايصال", "ورقة الخروج والعودة", "كشف بيانات المقيم").

A closed vocabulary, like visa types: a keyword list serves it better than CRF plus synonyms. Only a
document request gets the entity ("تأشيرة" in a service request names the service, not a document),
so the extractor acts on messages whose intent is `request_document`. Matching is on normalised text.
"""

from __future__ import annotations

from typing import Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from nlu.entities import IntentScopedExtractor, compile_keyword_patterns, first_keyword_match

DOCUMENT_INTENT = "request_document"
# Normalised spellings (ة -> ه, no hamza on alef); the most specific first.
PATTERNS: Tuple[Tuple[str, str], ...] = (
    (
        "resident_report",
        r"(?:كشف|تقرير|بيان|برنت|ملف) (?:\w+ )?(?:بيانات|المقيم|العامل|الموظف|مقيم)|بطاقه (?:ال)?مقيم"
        r"|resident (?:report|profile|card)|worker (?:report|profile)|employee (?:report|profile)",
    ),
    (
        "receipt",
        r"(?:ال)?(?:ايصال|وصل|فاتوره|فاتورة|سند|اثبات (?:ال)?دفع|اثبات (?:ال)?سداد|ريسيت)\w*"
        r"|receipts?|invoices?|proof of payment|payment slip",
    ),
    (
        "visa",
        r"(?:ورقه|ورقة|صوره|نسخه|برنت|طباعه) (?:\w+ )?(?:ال)?(?:خروج|تاشير\w*|فيزا)(?: ?و ?(?:ال)?عوده| (?:ال)?نهايي)?"
        r"|(?:ال)?تاشير\w*|(?:ال)?فيزا|visas?(?: paper| document| copy)?",
    ),
)
_COMPILED = compile_keyword_patterns(PATTERNS)
DOCUMENT_TYPES = frozenset(value for value, _ in PATTERNS)


def find_document_type(text: str) -> Optional[Tuple[str, int, int]]:
    """(document type, start, end) of the document named in `text`, offsets into `text`."""
    return first_keyword_match(_COMPILED, text)


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class DocumentTypeExtractor(IntentScopedExtractor):
    """Authoritative keyword extractor of `document_type`, on document requests only."""

    entity, intents = "document_type", frozenset({DOCUMENT_INTENT})

    def find_span(self, text: str) -> Optional[Tuple[str, int, int]]:
        return find_document_type(text)
