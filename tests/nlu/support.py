"""Small helpers shared by the NLU tests."""

from __future__ import annotations

from typing import Any, Dict, List, Optional

from rasa.shared.nlu.training_data.message import Message


def message(text: str, entities: Optional[List[Dict[str, Any]]] = None, intent: Optional[str] = None) -> Message:
    """A message with `text`, and entities and intent as if earlier components had set them."""
    msg = Message(data={"text": text})
    if entities is not None:
        msg.set("entities", entities)
    if intent is not None:
        msg.set("intent", {"name": intent, "confidence": 1.0})
    return msg


def found(msg: Message, entity_type: Optional[str] = None) -> List[tuple]:
    """(type, value, original text of the span) of the message's entities, optionally of one type."""
    text = msg.get("text")
    return [
        (e["entity"], e["value"], text[e["start"] : e["end"]])
        for e in msg.get("entities", [])
        if entity_type is None or e["entity"] == entity_type
    ]
