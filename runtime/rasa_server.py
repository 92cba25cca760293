"""`python -m runtime.rasa_server run ...`: Rasa's own command line with measured fixes applied.

Speed-ups (results/bench.md):
- Rasa 3.6 checks every action-server response with `jsonschema.validate`, which re-checks the schema
  itself on every call: 27-40 ms of a ~65 ms turn on this machine. Here the validator is built once and
  reused; the check itself and its error message are unchanged.
- Every event of a conversation, on every message, is deserialised through `all_subclasses(Event)`,
  which walks the class tree each time; the classes do not change once Rasa has started, so the
  walk is cached.

A turn's cost independent of the conversation's length (SPEC 9.6): Rasa re-reads, re-featurises and
re-sends the working history of the current *session* on every turn (tracker store retrieval, the
policies' past states, the tracker posted to the action server). Here a finished request closes the
session: a message that arrives when no form is active starts a new session (`action_session_start`)
that carries over each slot's current value (a pending quote, a chosen resident, the language). So a
turn carries only what the current request needs; the record of what was done lives in the
transactions table. Rasa's own carry-over replays every SlotSet event of the old session, which would
grow session after session; here it is one SlotSet per slot that has a value.

Latency: the objects of the loaded model are frozen out of the garbage collector's full collections
(`load_agent_then_freeze`), whose pauses made the p99.

Memory: TensorFlow is not imported (runtime/deferred_modules.py): no component of ours uses it, and it was
about 370 MB of the server's 615 MB.

Everything else is `rasa` as installed (`muqeem servers` starts the Rasa server through this module).
"""

from __future__ import annotations

import gc
import os
import sys
from contextlib import nullcontext
from functools import lru_cache
from typing import Any

from runtime import deferred_modules

deferred_modules.install()  # before Rasa is imported below: its training-only modules stay unimported

import rasa.core.run
import rasa.shared.utils.common
import sqlalchemy as sa
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import ActionSessionStart, RemoteAction
from rasa.core.lock_store import LOCK_LIFETIME, LockStore, RedisLockStore
from rasa.core.processor import MessageProcessor
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.constants import SESSION_START_METADATA_SLOT
from rasa.shared.core.events import SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from runtime.hops import HOP_TOKEN_VARIABLE

_original_validate = RemoteAction._validate_action_result
_original_has_session_expired = MessageProcessor._has_session_expired
_original_sql_store_init = SQLTrackerStore.__init__
_original_lock = LockStore.lock
_original_load_agent_on_start = rasa.core.run.load_agent_on_start
# How often a message waiting for its sender's earlier message polls the lock (Rasa: 1 s).
LOCK_POLL_SECONDS = 0.005


@lru_cache(maxsize=1)
def _response_validator():
    spec = RemoteAction.action_response_format_spec()
    validator_class = validator_for(spec)
    validator_class.check_schema(spec)
    return validator_class(spec)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with the schema validator built once."""
    try:
        _response_validator().validate(result)
    except ValidationError:
        return _original_validate(self, result)  # raises with Rasa's own message
    return True


def request_closed(tracker: DialogueStateTracker) -> bool:
    """True when the session has answered at least one message and no form is active: the request
    it was about is finished (or waits only for a confirmation, which lives in slots)."""
    return tracker.active_loop_name is None and tracker.get_last_event_for(UserUttered) is not None


def has_session_expired(self: MessageProcessor, tracker: DialogueStateTracker) -> bool:
    """Rasa's inactivity expiry, or a closed request."""
    return request_closed(tracker) or _original_has_session_expired(self, tracker)


def carried_slots(tracker: DialogueStateTracker) -> list[SlotSet]:
    """One SlotSet per slot with a value (Rasa's own replays every SlotSet event of the session)."""
    return [
        SlotSet(name, slot.value)
        for name, slot in tracker.slots.items()
        if slot.value is not None and name != SESSION_START_METADATA_SLOT
    ]


# Indexes of the SQL tracker store's events beside Rasa's own on sender_id: the latest SessionStarted
# of a sender is an index-only backward scan, the session's events a range scan, whatever the length of
# the conversation (with sender_id alone both read every event of the sender: 1.8 ms at 27,000 events).
SESSION_INDEXES = {
    "ix_events_sender_type_timestamp": ("sender_id", "type_name", "timestamp"),
    "ix_events_sender_timestamp": ("sender_id", "timestamp"),
}


def _session_indexes() -> list[sa.Index]:
    events = SQLTrackerStore.SQLEvent.__table__
    existing = {index.name: index for index in events.indexes}
    return [
        existing.get(name) or sa.Index(name, *(events.c[column] for column in columns))
        for name, columns in SESSION_INDEXES.items()
    ]


def sql_store_init(self: SQLTrackerStore, *args: Any, **kwargs: Any) -> None:
    """SQLTrackerStore.__init__, then the session indexes on a table created before they existed."""
    _original_sql_store_init(self, *args, **kwargs)
    for index in _session_indexes():
        index.create(self.engine, checkfirst=True)


def event_query(self: SQLTrackerStore, session: Any, sender_id: str, fetch_events_from_all_sessions: bool) -> Any:
    """SQLTrackerStore._event_query with the latest session start read first, as a value.

    Rasa joins the events with a subquery for it; until PostgreSQL's statistics of the events table
    caught up, the plan re-ran that subquery for every event of the sender: 33 -> 359 ms a turn over
    the first 80 turns of a conversation (EXPLAIN ANALYZE: 134 ms for 1500 events)."""
    events = self.SQLEvent
    query = session.query(events).filter(events.sender_id == sender_id)
    if not fetch_events_from_all_sessions:
        session_start = (  # max(timestamp), written so that it reads one index entry
            session.query(events.timestamp)
            .filter(events.sender_id == sender_id, events.type_name == SessionStarted.type_name)
            .order_by(events.timestamp.desc())
            .limit(1)
            .scalar()
        )
        if session_start is not None:
            query = query.filter(events.timestamp >= session_start)
    return query.order_by(events.id)


def lock(
    self: LockStore,
    conversation_id: str,
    lock_lifetime: float = LOCK_LIFETIME,
    wait_time_in_seconds: float = LOCK_POLL_SECONDS,
) -> Any:
    """LockStore.lock polling every 5 ms instead of every second. A sender's second message that
    arrives while the first is processed waited a whole second; at 60 messages/s from 20 senders those
    waits kept overlapping the next messages, and every reply took about 1 s (p50 1011 ms)."""
    return _original_lock(self, conversation_id, lock_lifetime, wait_time_in_seconds)


# Rasa's Redis lock store reads a conversation's ticket lock, changes it and writes it back, with nothing
# in between to stop another replica doing the same: a replica finishing a message could overwrite the
# ticket another had just issued and delete the lock, and that message then failed with "Could not
# acquire lock" (an empty reply; seen in the scale-out test). Each read-change-write of a lock runs
# under a short Redis mutex of that conversation (the in-memory store serves one process: no mutex).
_issue_ticket = LockStore.issue_ticket
_update_lock = LockStore.update_lock
_finish_serving = LockStore.finish_serving


def _mutex(store: LockStore, conversation_id: str):
    if not isinstance(store, RedisLockStore):
        return nullcontext()
    return store.red.lock(f"{store.key_prefix}{conversation_id}:mutex", timeout=5, sleep=0.001, blocking_timeout=5)


def issue_ticket_atomically(self: LockStore, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
    with _mutex(self, conversation_id):
        return _issue_ticket(self, conversation_id, lock_lifetime)


def update_lock_atomically(self: LockStore, conversation_id: str) -> None:
    with _mutex(self, conversation_id):
        _update_lock(self, conversation_id)


def finish_serving_atomically(self: LockStore, conversation_id: str, ticket_number: int) -> None:
    with _mutex(self, conversation_id):
        _finish_serving(self, conversation_id, ticket_number)


def cleanup_atomically(self: LockStore, conversation_id: str, ticket_number: int) -> None:
    """LockStore.cleanup (finish serving; delete the lock when nobody waits) as one step."""
    with _mutex(self, conversation_id):
        _finish_serving(self, conversation_id, ticket_number)
        if not self.is_someone_waiting(conversation_id):
            self.delete_lock(conversation_id)


async def load_agent_then_freeze(*args: Any, **kwargs: Any) -> Any:
    """rasa.core.run.load_agent_on_start, then what was loaded is left out of the garbage collector's
    full collections (gc.freeze). Those walk every object of the process with the event loop stopped: 590
    ms here with TensorFlow loaded (500,000 objects), 300 ms without, and every message in flight waited
    for it, the tail of the latency (p99 449 ms at 60 messages/s). Frozen, a full collection walks only
    what the turns made since."""
    agent = await _original_load_agent_on_start(*args, **kwargs)
    gc.collect()
    gc.freeze()
    return agent


PATCHES = (
    (RemoteAction, "_validate_action_result", validate_action_result),
    (MessageProcessor, "_has_session_expired", has_session_expired),
    (ActionSessionStart, "_slot_set_events_from_tracker", staticmethod(carried_slots)),
    (SQLTrackerStore, "__init__", sql_store_init),
    (SQLTrackerStore, "_event_query", event_query),
    (LockStore, "lock", lock),
    (LockStore, "issue_ticket", issue_ticket_atomically),
    (LockStore, "update_lock", update_lock_atomically),
    (LockStore, "finish_serving", finish_serving_atomically),
    (LockStore, "cleanup", cleanup_atomically),
    (rasa.core.run, "load_agent_on_start", load_agent_then_freeze),
)


def apply() -> None:
    _session_indexes()
    for owner, attribute, replacement in PATCHES:
        setattr(owner, attribute, replacement)
    # Called as rasa.shared.utils.common.all_subclasses(...) at run time, so the module attribute is
    # what to replace; the cache is filled after start-up, when every class exists.
    rasa.shared.utils.common.all_subclasses = lru_cache(maxsize=None)(rasa.shared.utils.common.all_subclasses)


def with_auth_token(argv: list[str], env: dict[str, str]) -> list[str]:
    """`rasa run` arguments with `--auth-token` from MUQEEM_HOP_TOKEN (runtime.hops) when the HTTP API
    is enabled: the token stays out of the command line that other accounts can read. Given as one
    `--auth-token=TOKEN` argument: a random token may begin with "-", which argparse would take for an option."""
    token = env.get(HOP_TOKEN_VARIABLE)
    if token and "--enable-api" in argv and not any(arg.startswith("--auth-token") for arg in argv):
        return [*argv, f"--auth-token={token}"]
    return argv


if __name__ == "__main__":
    apply()
    sys.argv = with_auth_token(sys.argv, dict(os.environ))
    from rasa.__main__ import main

    main()
