"""Plumbing shared by every action: who is asking, one unit of work per domain call, typed errors to
Arabic answers, and the slots that make up one request.

Authorisation is never taken from slots (a typed `/intent{...}` payload can set any slot): every domain
call re-resolves the actor from `tracker.sender_id`, the Telegram user id.
"""

from __future__ import annotations

import asyncio
import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from sqlalchemy.exc import SQLAlchemyError

from actions.keywords import ARABIC_PLACE, ENGLISH_PLACE
from replies import N_, _, language, reply_language
from residency.db import UnitOfWork
from residency.accounts import establishments_of
from residency.languages import chosen_language, stored_language
from residency.names import normalize_name
from residency.errors import ResidencyError, Unauthorized
from residency.services import ALL_SERVICES, INPUT_SLOTS, SERVICES
from residency.services.base import NOT_ACTIVATED, resolve_actor

logger = logging.getLogger(__name__)

# Slots that hold one request: the services' inputs (residency.services.INPUT_SLOTS), who it is about when
# not by number (a name, several numbers, a group), and the list of names its iqama question showed.
REQUEST_SLOTS = INPUT_SLOTS + ("person_name", "iqama_numbers", "resident_group", "pick_list")
PENDING_SLOTS = ("pending_quote", "pending_quote_id")

# Intents of the services a confirmation executes, and of the inquiries and reports (answered at once):
# the domain's registered services and the rest of its permission list.
SERVICE_INTENTS = tuple(SERVICES)
QUESTION_INTENTS = tuple(service for service in ALL_SERVICES if service not in SERVICES) + (
    "check_eligibility",
    "request_document",
    "pending_approvals",
    "set_approval_threshold",
    "manage_users",
    "show_activity",
    "choose_establishment",
)

SYSTEM_FAILURE = N_("Sorry, the database cannot be reached right now and nothing was done. Try again in a moment.")
UNEXPECTED_FAILURE = N_(
    "Sorry, something unexpected went wrong and nothing was done. Try again or word your request differently."
)
FORM_SUFFIX = "_form"


def telegram_id(tracker: Tracker) -> int:
    """The sender's Telegram user id; a sender id that is not one is simply not an activated user."""
    sender = str(tracker.sender_id or "")
    if not sender.isdigit():
        raise Unauthorized("not_activated", _(NOT_ACTIVATED))
    return int(sender)


# The unit of work of the action run under way (DomainAction.run): every domain call of one run shares
# it, so a run is one database transaction and resolves its actor once.
_RUN: ContextVar[tuple[UnitOfWork, bool] | None] = ContextVar("muqeem_action_run", default=None)


@contextmanager
def unit_of_work(read_only: bool = True) -> Iterator[UnitOfWork]:
    """The action run's database transaction when one is open (and writable if a write is asked for);
    else a new one on the configured database (MUQEEM_DATABASE_URL), read-only unless the action
    executes a confirmed service."""
    run = _RUN.get()
    if run is not None and (read_only or not run[1]):
        yield run[0]
        return
    with UnitOfWork(read_only=read_only) as uow:
        yield uow


def _user_texts(tracker: Tracker) -> Iterator[str | None]:
    return (event.get("text") for event in reversed(tracker.events) if event.get("event") == "user")


def sender_language(tracker: Tracker, uow: UnitOfWork | None = None) -> str:
    """The language to answer the sender in: the one chosen with /lang, else the language of their latest
    message with letters in this conversation, else Arabic (replies.reply_language). The choice is read
    in `uow` (the action run's), else in a unit of work of its own; unreadable, it is skipped."""
    sender = str(tracker.sender_id or "")
    if uow is None:
        stored = chosen_language(sender)
    else:
        try:
            stored = stored_language(uow, int(sender)) if sender.isdigit() else None
        except SQLAlchemyError:  # the action's own work reports the failure, in the written language
            stored = None
    return reply_language(stored, _user_texts(tracker))


@contextmanager
def speaking(tracker: Tracker, uow: UnitOfWork | None = None) -> Iterator[str]:
    """Replies made inside the block are in the sender's language (`sender_language`, read in `uow` if given)."""
    with language(sender_language(tracker, uow)) as chosen:
        yield chosen


def latest_intent(tracker: Tracker) -> str | None:
    return (tracker.latest_message.get("intent") or {}).get("name")


def latest_entity(tracker: Tracker, entity: str) -> str | None:
    """The value of `entity` in the latest user message, if any."""
    value = next(tracker.get_latest_entity_values(entity), None)
    return None if value is None else str(value)


def latest_entities(tracker: Tracker) -> dict[str, str]:
    """Entity name -> value of the latest user message (the last one of a kind wins)."""
    return {e["entity"]: str(e["value"]) for e in tracker.latest_message.get("entities") or []}


def active_service(tracker: Tracker) -> str | None:
    """The service whose form is active (forms are named `<service>_form`), else None."""
    loop = tracker.active_loop_name
    if loop and loop.endswith(FORM_SUFFIX):
        return loop[: -len(FORM_SUFFIX)]
    return None


def is_fresh_user_turn(tracker: Tracker) -> bool:
    """True when no action ran since the latest user message, except the active form itself.

    A form validation action sees the same latest message when the form resumes after an
    interruption; only a fresh message may be judged (and rejected) by its intent.
    """
    form = tracker.active_loop_name
    for event in reversed(tracker.events):
        kind = event.get("event")
        if kind == "user":
            return True
        if kind == "action" and event.get("name") not in (form, "action_extract_slots", "action_listen"):
            return False
    return False


def reset_request() -> list[EventType]:
    """Forget the current request: its inputs and any quote waiting for confirmation."""
    return [SlotSet(slot, None) for slot in REQUEST_SLOTS + PENDING_SLOTS]


def answer_error(dispatcher: CollectingDispatcher, error: Exception) -> None:
    """The user's answer to a failure: the domain's message (with buttons to switch establishment when it names
    another of the account's, or asks to choose one), or a short apology."""
    if isinstance(error, ResidencyError):
        dispatcher.utter_message(text=error.message, buttons=switch_buttons(error.details))
    else:
        dispatcher.utter_message(text=_(SYSTEM_FAILURE))


SWITCH_TO = N_("Switch to {name}")


def switch_buttons(details: dict[str, Any]) -> list[dict[str, str]]:
    """Buttons choosing the establishments an error names (details `switch_to`, `establishments`): a request
    about a resident of another of the account's establishments never crosses silently (SPEC 10.4)."""
    named = ([details["switch_to"]] if details.get("switch_to") else []) + list(details.get("establishments") or [])
    return [
        {
            "title": _(SWITCH_TO).format(name=place["name"]),
            "payload": f'/choose_establishment{{"establishment_number": "{place["number"]}"}}',
        }
        for place in named
        if place.get("number")
    ]


class DomainAction(Action, ABC):
    """An action answering the sender: a sender who is not an activated user gets the activation hint
    and nothing else; typed errors become their Arabic message (and `on_error()` events); a database
    failure becomes a short apology and changes nothing."""

    @abstractmethod
    def perform(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        """The action's work; may raise the domain's typed errors."""

    def on_error(self, tracker: Tracker) -> list[EventType]:
        """Events after a failure (default: none)."""
        return []

    # True for an action that executes a confirmed service: its run's transaction is a writing one.
    writes = False
    # False for an action that an account holding several establishments may run before choosing one.
    needs_establishment = True

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        # The database work runs in a worker thread: the action server's event loop keeps serving.
        return await asyncio.to_thread(self._run, dispatcher, tracker, domain)

    def _run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        tokens = _FOCUS.set(None), _LISTED.set(None)
        try:
            events = self._answer(dispatcher, tracker, domain)
            focus, listed = _FOCUS.get(), _LISTED.get()
        finally:
            _FOCUS.reset(tokens[0])
            _LISTED.reset(tokens[1])
        return events + [SlotSet(slot, value) for slot, value in ((FOCUS_SLOT, focus), (LISTED_SLOT, listed)) if value]

    def _answer(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict) -> list[EventType]:
        spoken = reply_language(None, _user_texts(tracker))  # until the database says more
        try:
            with UnitOfWork(read_only=not self.writes) as uow:
                spoken = sender_language(tracker, uow)
                token = _RUN.set((uow, not self.writes))
                try:
                    with language(spoken):
                        require_activated(tracker, self.needs_establishment)
                        return self.perform(dispatcher, tracker, domain)
                finally:
                    _RUN.reset(token)
        except ResidencyError as error:  # its message was made in the sender's language when raised
            answer_error(dispatcher, error)
        except SQLAlchemyError:
            logger.exception("database failure in %s", self.name())
            with language(spoken):
                answer_error(dispatcher, RuntimeError())
        except Exception:  # noqa: BLE001 - any other failure: the apology, never an empty answer
            logger.exception("unexpected failure in %s", self.name())
            with language(spoken):
                dispatcher.utter_message(text=_(UNEXPECTED_FAILURE))
        with language(spoken):
            return self.on_error(tracker)


# The worker in focus (SPEC 10.2): the resident last named by the user or shown by the assistant (a card, a
# pick, a quote, a refusal, an eligibility answer, a receipt), for the sender's next messages that name no
# worker, until another is named or FOCUS_SECONDS pass. Kept in the slot `focus` ({"iqama_number", "name",
# "at": seconds since the epoch, "service": the service of an eligibility answer}); an action run names it
# with `focus_on`, and DomainAction sets the slot.
FOCUS_SLOT = "focus"
FOCUS_SECONDS = 30 * 60
_FOCUS: ContextVar[dict[str, Any] | None] = ContextVar("muqeem_focus", default=None)


def focus_on(iqama_number: str | None, name: str | None = None, service: str | None = None) -> None:
    """Make the resident the worker in focus once this action run ends (nothing for None)."""
    if iqama_number:
        focus = {"iqama_number": iqama_number, "name": name or "", "at": time.time()}
        _FOCUS.set({**focus, "service": service} if service else focus)


def worker_in_focus(tracker: Tracker, now: float | None = None) -> dict[str, Any] | None:
    """The worker in focus, unless FOCUS_SECONDS have passed since it was named."""
    focus = tracker.get_slot(FOCUS_SLOT)
    if not (isinstance(focus, dict) and focus.get("iqama_number")):
        return None
    try:
        age = (time.time() if now is None else now) - float(focus.get("at") or 0)
    except (TypeError, ValueError):
        return None
    return focus if age <= FOCUS_SECONDS else None  # a moment ahead: another server's clock


def focused_iqama(tracker: Tracker) -> str | None:
    focus = worker_in_focus(tracker)
    return focus["iqama_number"] if focus else None


# The residents of the latest list shown (a report of expiring iqamas or of residents abroad), in its order:
# a message naming a place in it («جدد اقامة اول واحد سنة», "the 2nd one") is about that resident, for
# FOCUS_SECONDS. Kept in the slot `listed` ({"iqama_numbers": [...], "at": seconds since the epoch}); an action
# run names it with `list_shown`, and DomainAction sets the slot.
LISTED_SLOT = "listed"
_LISTED: ContextVar[dict[str, Any] | None] = ContextVar("muqeem_listed", default=None)


def list_shown(iqama_numbers: Sequence[str]) -> None:
    """Remember the residents of a list just shown, in its order, once this action run ends."""
    if iqama_numbers:
        _LISTED.set({"iqama_numbers": list(iqama_numbers), "at": time.time()})


def list_place(text: str) -> int | None:
    """The place in a list the message names (1 the first, -1 the last), if it names one."""
    words = normalize_name(text)
    for place, pattern in ARABIC_PLACE.items():
        if pattern.search(words):
            return place
    return next((place for place, pattern in ENGLISH_PLACE.items() if pattern.search(text)), None)


def listed_iqama(tracker: Tracker, now: float | None = None) -> str | None:
    """The resident the latest message picks by their place in the latest list shown (None: it picks none,
    the place is past the list's end, or the list is older than FOCUS_SECONDS)."""
    listed = tracker.get_slot(LISTED_SLOT)
    place = list_place(tracker.latest_message.get("text") or "")
    if place is None or not (isinstance(listed, dict) and listed.get("iqama_numbers")):
        return None
    if (time.time() if now is None else now) - float(listed.get("at") or 0) > FOCUS_SECONDS:
        return None
    numbers = listed["iqama_numbers"]
    index = place - 1 if place > 0 else len(numbers) + place
    return numbers[index] if 0 <= index < len(numbers) else None


def require_activated(tracker: Tracker, in_establishment: bool = True) -> None:
    """Raise Unauthorized('not_activated') unless the sender is an activated user (of the establishment it
    works on, unless `in_establishment` is False: then of any)."""
    with unit_of_work() as uow:
        if in_establishment:
            resolve_actor(uow, telegram_id(tracker))
        else:
            establishments_of(uow, telegram_id(tracker))


def pending_quote(tracker: Tracker) -> dict[str, Any] | None:
    quote = tracker.get_slot("pending_quote")
    return quote if isinstance(quote, dict) and tracker.get_slot("pending_quote_id") else None
