"""Shared helpers for the rule-based entity extractors."""

from __future__ import annotations

from typing import Any, Dict, Iterable, List

from rasa.shared.nlu.constants import (
    ENTITIES,
    ENTITY_ATTRIBUTE_END,
    ENTITY_ATTRIBUTE_START,
    ENTITY_ATTRIBUTE_TYPE,
)
from rasa.shared.nlu.training_data.message import Message


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
