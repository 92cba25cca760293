"""ServiceNameMapper: the `service` entity of an eligibility question, valued by the service's intent
name ("اطلع خروج وعودة" -> issue_exit_reentry), whatever words the user chose.

CRF finds the span; a span it learnt keeps the synonym's value, any other span is valued here by the
keywords below; a span that names no service is dropped, and so is every `service` entity of a message
that is not an eligibility question (a service request names its service by its intent). When the message is an eligibility question
and CRF found no span, the first keyword that names a service becomes the entity, so that "اقدر
اجدد له؟" still says which service is asked about. Matching is on normalised text (nlu.normalize).
"""

from __future__ import annotations

import re
from typing import Any, Dict, List, Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.entities import RuleBasedExtractor, compile_keyword_patterns, first_keyword_match, make_entity
from nlu.normalize import normalize, normalize_with_offsets

ELIGIBILITY_INTENT = "check_eligibility"
# An owner's request about users ("ضيف مندوب يقدر يجدد ويطلع خروج وعودة"): every service named is an entity.
USERS_INTENT = "manage_users"
# Patterns are written in normalised form (ة -> ه, ئ -> ي, no hamza on alef).
_CANCEL = r"(?:الغاء|الغا|الغي|نلغي|يلغي|تلغي|الغيه|cancel)"
_EXIT_REENTRY = r"(?:(?:ال)?خروج ?و ?(?:ال)?عوده|exit ?re-? ?entry|re-?entry|(?:ال)?تاشير\w*|visa)"
_FINAL_EXIT = r"(?:(?:ال)?خروج (?:ال)?نهايي|(?:ال)?نهايي|final exit)"
# Most specific first: "cancel the final exit" is a cancellation, not a final exit.
PATTERNS: Tuple[Tuple[str, str], ...] = (
    ("cancel_final_exit", rf"{_CANCEL}\w*(?: \w+){{0,2}} {_FINAL_EXIT}"),
    ("cancel_exit_reentry", rf"{_CANCEL}\w*(?: \w+){{0,2}} {_EXIT_REENTRY}"),
    ("extend_exit_reentry", r"(?:تمديد|تمدد|يمدد|نمدد|امدد|يتمدد|تتمدد|extend\w*|extension)"),
    ("issue_final_exit", _FINAL_EXIT),
    ("issue_exit_reentry", rf"{_EXIT_REENTRY}|يسافر|سفر"),
    ("transfer_sponsorship", r"(?:نقل|ننقل|انقل|ينقل|كفاله|كفالته|تنازل|نتنازل|transfer\w*|sponsorship)"),
    ("change_occupation", r"(?:مهنه|مهنته|المهنه|occupation|profession)"),
    ("update_passport", r"(?:جواز|الجواز|passport)"),
    ("issue_iqama", r"(?:اصدار|اطلع|نصدر|يطلع|تطلع|issue|first) (?:\w+ )?(?:اقامه|الاقامه|iqama)"),
    ("renew_iqama", r"(?:تجديد|التجديد|جدد|اجدد|نجدد|يجدد|تتجدد|renew\w*)"),
)
_COMPILED = compile_keyword_patterns(PATTERNS)
SERVICE_NAMES = frozenset(service for service, _ in PATTERNS)


# A verb of doing right before a service's noun belongs to its span, as annotated ("ياخذ خروج وعودة",
# "غير مهنة", "نعمل خروج نهائي"); modal verbs (يقدر، ينفع، يمكن) do not. Normalised; an optional
# person prefix (ا ت ن ي) before the stem.
_SERVICE_VERB = re.compile(
    r"(?:[اتني]?(?:اخذ|اخد|طلع|سوي|عمل|خلص|صدر|غير|عدل|حدث|حول|جدد|مدد|لغي|نقل|سفر|ستخرج)|اعمل|take|get|issue|change|do)"
)
_WORD_BEFORE = re.compile(r"(\S+)\s+$")


def widen_to_verb(text: str, start: int) -> int:
    """`start` moved back over a verb of doing right before it (see _SERVICE_VERB)."""
    match = _WORD_BEFORE.search(text[:start])
    if match and _SERVICE_VERB.fullmatch(normalize(match.group(1)).lower()):
        return match.start(1)
    return start


def service_named(text: str) -> Optional[str]:
    """The service that `text` names, if any."""
    found = find_service(text)
    return found[0] if found else None


def find_service(text: str) -> Optional[Tuple[str, int, int]]:
    """(service, start, end) of the first (most specific) service named in `text`, offsets into `text`."""
    return first_keyword_match(_COMPILED, text)


def find_services(text: str) -> List[Tuple[str, int, int]]:
    """(service, start, end) of every service named in `text`, most specific first where spans overlap
    ("ضيف مندوب يقدر يجدد ويطلع خروج وعودة": renew_iqama and issue_exit_reentry), in text order."""
    normalized = normalize_with_offsets(text)
    lowered = normalized.text.lower()
    found: List[Tuple[str, int, int]] = []
    taken: List[Tuple[int, int]] = []
    for value, pattern in _COMPILED:
        for match in pattern.finditer(lowered):
            start, end = match.span(1)
            if any(start < other_end and other_start < end for other_start, other_end in taken):
                continue
            taken.append((start, end))
            found.append((value, *normalized.span(start, end)))
    return sorted({value: (value, start, end) for value, start, end in reversed(found)}.values(), key=lambda f: f[1])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class ServiceNameMapper(RuleBasedExtractor):
    """Values `service` entities with service names (see the module docstring); stateless like the
    rule-based extractors, but it revalues CRF's spans instead of replacing them."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = (message.get(INTENT) or {}).get("name")
            entities = [
                self._valued(entity) if intent == ELIGIBILITY_INTENT else entity
                for entity in message.get(ENTITIES, [])
                if intent in (ELIGIBILITY_INTENT, USERS_INTENT) or entity.get("entity") != "service"
            ]
            entities = [entity for entity in entities if entity is not None]
            if intent == ELIGIBILITY_INTENT and not any(e["entity"] == "service" for e in entities):
                found = find_service(text)
                if found:
                    entities.append(make_entity("service", found[0], found[1], found[2], text, type(self).__name__))
            if intent == USERS_INTENT:  # the services an agent may use, all of them
                entities = [e for e in entities if e.get("entity") != "service"] + [
                    make_entity("service", value, start, end, text, type(self).__name__)
                    for value, start, end in find_services(text)
                ]
            if intent == ELIGIBILITY_INTENT:
                entities = [self._widened(text, entity) for entity in entities]
            message.set(ENTITIES, sorted(entities, key=lambda e: e["start"]), add_to_output=True)
        return messages

    @staticmethod
    def _widened(text: str, entity: Dict[str, Any]) -> Dict[str, Any]:
        start = widen_to_verb(text, entity["start"]) if entity["entity"] == "service" else entity["start"]
        return entity if start == entity["start"] else {**entity, "start": start, "text": text[start : entity["end"]]}

    @staticmethod
    def _valued(entity: Dict[str, Any]) -> Optional[Dict[str, Any]]:
        if entity.get("entity") != "service" or entity.get("value") in SERVICE_NAMES:
            return entity
        value = service_named(str(entity.get("value") or ""))
        return None if value is None else {**entity, "value": value}
