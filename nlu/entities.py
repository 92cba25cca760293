"""Shared helpers and the base class of the rule-based entity extractors."""

from __future__ import annotations

import re
from typing import Any, Dict, Iterable, List, Optional, Tuple

from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
    INTENT,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from nlu.components import Stateless
from nlu.normalize import normalize_with_offsets


def make_entity(entity_type: str, value: Any, start: int, end: int, text: str, extractor: str) -> Dict[str, Any]:
    """An entity dict in Rasa's format; `text` is the user's original message."""
    return {
        "entity": entity_type,
        "value": value,
        "start": start,
        "end": end,
        "text": text[start:end],
        "confidence_entity": 1.0,
        "extractor": extractor,
    }


def _overlaps(a: Dict[str, Any], b: Dict[str, Any]) -> bool:
    return a[ENTITY_ATTRIBUTE_START] < b[ENTITY_ATTRIBUTE_END] and b[ENTITY_ATTRIBUTE_START] < a[ENTITY_ATTRIBUTE_END]


def replace_entities(message: Message, owned_types: Iterable[str], found: List[Dict[str, Any]]) -> None:
    """Make an extractor authoritative for `owned_types`.

    Drops every earlier entity of an owned type (e.g. from CRF) and every earlier entity that
    overlaps one of `found`, then adds `found`.
    """
    owned = set(owned_types)
    kept = [
        entity
        for entity in message.get(ENTITIES, [])
        if entity[ENTITY_ATTRIBUTE_TYPE] not in owned and not any(_overlaps(entity, new) for new in found)
    ]
    message.set(ENTITIES, sorted(kept + found, key=lambda e: e[ENTITY_ATTRIBUTE_START]), add_to_output=True)


def compile_keyword_patterns(patterns: Iterable[Tuple[str, str]]) -> Tuple[Tuple[str, "re.Pattern[str]"], ...]:
    """(value, normalised-text regex) pairs, each a whole word after an optional clitic (و ف ب ل)."""
    return tuple((value, re.compile(rf"(?<!\w)[وفبل]?({pattern})(?!\w)")) for value, pattern in patterns)


def first_keyword_match(compiled: Iterable[Tuple[str, "re.Pattern[str]"]], text: str) -> Optional[Tuple[str, int, int]]:
    """(value, start, end) of the first pattern, in order, found in the normalised `text`; offsets into `text`."""
    normalized = normalize_with_offsets(text)
    lowered = normalized.text.lower()
    for value, pattern in compiled:
        match = pattern.search(lowered)
        if match:
            start, end = normalized.span(*match.span(1))
            return value, start, end
    return None


class RuleBasedExtractor(Stateless, EntityExtractorMixin):
    """Base of the stateless extractors: no configuration, nothing learnt; authoritative for
    `owned_types` (earlier entities of those types, or overlapping the found ones, are replaced).

    Subclasses set `owned_types` and implement `find(text)`; each registers itself with
    `@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)`.
    """

    owned_types: Tuple[str, ...] = ()

    def find(self, text: str) -> List[Dict[str, Any]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def process(self, messages: List[Message]) -> List[Message]:
        """Replaces the owned entities of earlier extractors by the rule-based ones."""
        for message in messages:
            text = message.get(TEXT)
            if text:
                replace_entities(message, self.owned_types, self.find(text))
        return messages


class IntentScopedExtractor(RuleBasedExtractor):
    """A keyword extractor of one entity type that acts only on messages of some intents (elsewhere the
    same words mean something else); earlier entities of its type are dropped on the other intents.

    Subclasses set `entity` and `intents` and implement `find_span(text)` -> (value, start, end) or None.
    """

    entity: str = ""
    intents: frozenset = frozenset()

    @property
    def owned_types(self) -> Tuple[str, ...]:  # type: ignore[override]
        return (self.entity,)

    def find_span(self, text: str) -> Optional[Tuple[str, int, int]]:  # pragma: no cover - abstract
        raise NotImplementedError

    def find(self, text: str) -> List[Dict[str, Any]]:
        found = self.find_span(text)
        if found is None:
            return []
        value, start, end = found
        return [make_entity(self.entity, value, start, end, text, type(self).__name__)]

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            text = message.get(TEXT)
            if not text:
                continue
            asked = (message.get(INTENT) or {}).get("name") in self.intents
            replace_entities(message, self.owned_types, self.find(text) if asked else [])
        return messages
