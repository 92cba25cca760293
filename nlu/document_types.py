"""DocumentTypeExtractor: the document a user asks for, entity `document_type` = receipt / visa /
resident_report ("عطني الايصال", "ورقة الخروج والعودة", "كشف بيانات المقيم").

DocumentRequestIntent (before it): a message with a word that only a document request uses is
`request_document`, whatever the classifier guessed: a receipt word always («ابي ايصال العملية» was taken for
cancel, «ايصال آخر عملية» for the history, «ابي ايصال تجديد 2XXX» for a renewal), a PDF or a resident
statement («ابي تقريره pdf», «بيان مقيم») when the classifier saw no service, report or other request.

A closed vocabulary, like visa types: a keyword list serves it better than CRF plus synonyms. Only a
document request gets the entity ("تأشيرة" in a service request names the service, not a document),
so the extractor acts on messages whose intent is `request_document`. Matching is on normalised text.
"""

from __future__ import annotations

import re
from typing import List, Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.entities import IntentScopedExtractor, compile_keyword_patterns, first_keyword_match
from nlu.intent_rules import RuleBasedIntent, set_intent
from nlu.normalize import normalize

DOCUMENT_INTENT = "request_document"
# Normalised spellings (ة -> ه, no hamza on alef); the most specific first.
PATTERNS: Tuple[Tuple[str, str], ...] = (
    (
        "resident_report",
        r"(?:كشف|تقرير|بيان|برنت|ملف) (?:\w+ )?(?:بيانات|المقيم|العامل|الموظف|مقيم)|بطاقه (?:ال)?مقيم"
        r"|تقرير\w* (?:pdf )?(?:عن|ل|حق|حقت)|تقرير\w* pdf|pdf (?:عن|ل|حق)"
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


# Words only a document request uses (normalised): a receipt word always, a PDF or a resident statement when
# the classifier saw no other request.
_RECEIPT_WORDS = re.compile(r"(?:ال)?(?:ايصال|فاتوره|ريسيت)\w*|\b(?:receipt|invoice)s?\b")
_DOCUMENT_WORDS = re.compile(r"\bpdf\b|بيان (?:\w+ )?مقيم|تقرير\w* (?:pdf )?(?:عن|ل|حق)|resident (?:report|statement)")
OTHER_THAN_REQUESTS = frozenset(
    {"affirm", "deny", "cancel", "inform", "out_of_scope", "nlu_fallback", "greet", "thank", "help",
     "inquire_resident", "inquire_visa", "transaction_history"}
)  # fmt: skip
KEEP = frozenset({DOCUMENT_INTENT, "check_eligibility"})


def asks_for_document(text: str, intent: Optional[str]) -> bool:
    """True when `text` is a document request whatever the classifier said (module docstring)."""
    words = normalize(text).lower()
    if intent in KEEP:
        return False
    return bool(_RECEIPT_WORDS.search(words)) or (intent in OTHER_THAN_REQUESTS and bool(_DOCUMENT_WORDS.search(words)))


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class DocumentRequestIntent(RuleBasedIntent):
    """Sets `request_document` on messages that can only be document requests (module docstring)."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if asks_for_document(message.get(TEXT) or "", (message.get(INTENT) or {}).get("name")):
                set_intent(message, DOCUMENT_INTENT, 1.0)
        return messages
