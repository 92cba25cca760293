"""Build rasa_sdk trackers the way Rasa sends them to the action server, and run actions on them."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import yaml
from rasa_sdk import Action, Tracker
from rasa_sdk.executor import CollectingDispatcher

DOMAIN: dict = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text(encoding="utf-8"))
SLOT_NAMES = list(DOMAIN["slots"]) + ["requested_slot"]


def turn(
    sender: Any,
    text: str = "",
    intent: str = "inform",
    entities: dict[str, str] | None = None,
    slots: dict[str, Any] | None = None,
    form: str | None = None,
    after: list[str] | None = None,
) -> Tracker:
    """A tracker whose latest event is a user message (`text`, `intent`, `entities`), followed by the
    slot events Rasa's extraction produced for those entities, then the actions named in `after`.
    `slots` are the values held before the message; entities also fill their slots."""
    entities = entities or {}
    message = {
        "text": text,
        "intent": {"name": intent, "confidence": 1.0},
        "entities": [{"entity": name, "value": value} for name, value in entities.items()],
    }
    values = {name: None for name in SLOT_NAMES}
    values.update(slots or {})
    events: list[dict] = [
        {"event": "action", "name": "action_listen"},
        {"event": "user", "text": text, "parse_data": message},
    ]
    for name, value in entities.items():
        if name in values and not intent.startswith(("inquire", "report")):
            values[name] = value
            events.append({"event": "slot", "name": name, "value": value})
    for action_name in after or []:
        events.append({"event": "action", "name": action_name})
    return Tracker(
        sender_id=str(sender),
        slots=values,
        latest_message=message,
        events=events,
        paused=False,
        followup_action=None,
        active_loop={"name": form} if form else {},
        latest_action_name=(after or ["action_listen"])[-1],
    )


def run(action: Action, tracker: Tracker) -> tuple[list[dict], list[dict]]:
    """(events, messages) of one action run."""
    dispatcher = CollectingDispatcher()
    events = asyncio.run(action.run(dispatcher, tracker, DOMAIN))
    return events, dispatcher.messages


def slot_events(events: list[dict]) -> dict[str, Any]:
    """The slots an action set (last value wins)."""
    return {e["name"]: e["value"] for e in events if e.get("event") == "slot"}


def texts(messages: list[dict]) -> str:
    return "\n".join(m.get("text") or "" for m in messages)
