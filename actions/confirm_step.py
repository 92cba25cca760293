"""The confirm step (SPEC 10.1): what a message means while a quote (or a bulk offer) waits for its answer.

`nlu.dialogue_state_policy.DialogueStatePolicy` sends every message at the confirm step here (except a new
service request, which the rules start), so the intent classifier's guess is never what executes. A message
is, in this order:

1. a button: the open quote's own confirm executes it, its cancel closes it; another quote's button replays
   that quote's receipt or says it is stale;
2. a plain yes (actions/confirmation_words.yml, matched on the whole message): executes;
3. a changed input ("خليها 6 شهور", "لا قصدي متعددة"): quoted again with the change;
4. a no or a hedge ("لا", "لا بس كنت ابي اعرف السعر", "مو الحين", "not now", or `deny` / `cancel` /
   `goodbye`): closed, nothing charged, and said so;
5. a question about the quote ("كم المجموع؟", "what's the total?", `help`): the quote again, still open;
6. another request (an inquiry, a report, ...): the quote is closed, that is said, and the request answered;
7. anything else (an emoji, "hmm", "wait", a thanks, a lone number ...): the question again, with the buttons.

Only 1 and 2 execute. With no quote open, a confirm or cancel says there is nothing to answer.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from pathlib import Path

import yaml
from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.approvals import answer_decision, render_submitted, submit_if_needed
from actions.bulk import answer_outcome, residents_phrase
from actions.common import (
    QUESTION_INTENTS,
    DomainAction,
    focus_on,
    latest_intent,
    pending_quote,
    reset_request,
    telegram_id,
    unit_of_work,
)
from actions.conversation import GOODBYE
from actions.inquiries import ANSWERS
from actions.keywords import QUESTION_MARKS
from actions.render import CONFIRM_QUESTION, confirm_buttons, document_buttons, render_quote, render_receipt, riyals
from actions.render import service_label
from actions.services import (
    CANCELLED,
    CLOSED_FOR_ANOTHER,
    answered_stale_button,
    correction_of_pending,
    offer,
    pressed_quote_id,
    quote_and_offer,
)
from replies import N_, _
from residency import services
from residency.errors import QuoteChanged
from residency.names import normalize_name
from residency.services import Quote
from residency.services.bulk import execute_bulk

WORDS_FILE = Path(__file__).with_name("confirmation_words.yml")
# Ids (N_): translated with _() where the reply is made.
HEDGED = N_("All right, I have not carried it out and nothing was charged. Write the request again when you decide.")
NOTHING_PENDING = N_("No request is waiting for confirmation, so nothing was done. Write your new request if you like.")
WAITING = N_("Your request is waiting for your confirmation: tap “Confirm” to carry it out, or “Cancel”.")
NOTHING_OPEN = N_("All right. There is no open request; write what you need whenever you like.")

# Arabizi digits inside Latin words stand for letters ("na3am", "la2"): kept as letters for matching.
_ARABIZI_DIGIT = re.compile(r"(?<=[A-Za-z])[2-9]|[2-9](?=[A-Za-z])")
_ARABIZI_LETTERS = {"2": "a", "3": "e", "4": "f", "5": "kh", "6": "t", "7": "h", "8": "q", "9": "q"}
_REPEATED = re.compile(r"(\w)\1{2,}")


def words_of(text: str) -> tuple[str, ...]:
    """The message's words for matching: normalised (residency.names), letters repeated 3+ times once."""
    text = _ARABIZI_DIGIT.sub(lambda m: _ARABIZI_LETTERS[m.group()], unicodedata.normalize("NFKC", text or ""))
    return tuple(_REPEATED.sub(r"\1", normalize_name(text)).split())


@lru_cache(maxsize=1)
def confirmation_words() -> dict[str, frozenset[tuple[str, ...]]]:
    """Each list of confirmation_words.yml as a set of normalised phrases (word tuples)."""
    data = yaml.load(WORDS_FILE.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # every entry a string
    return {kind: frozenset(filter(None, (words_of(p) for p in phrases))) for kind, phrases in data.items()}


def _segments(words: tuple[str, ...], phrases: frozenset[tuple[str, ...]]) -> list[tuple[str, ...]] | None:
    """`words` cut into phrases of `phrases`, longest first at each step (None when they do not cut so)."""
    if not words:
        return []
    for length in range(len(words), 0, -1):
        head = words[:length]
        if head in phrases:
            rest = _segments(words[length:], phrases)
            if rest is not None:
                return [head, *rest]
    return None


def is_plain_yes(text: str) -> bool:
    """The whole message is a yes of the list, alone or with polite words, and asks nothing."""
    if any(mark in (text or "") for mark in QUESTION_MARKS):
        return False
    lists = confirmation_words()
    segments = _segments(words_of(text), lists["yes"] | lists["polite"])
    return bool(segments) and any(segment in lists["yes"] for segment in segments)


def _contains(words: tuple[str, ...], phrases: frozenset[tuple[str, ...]]) -> bool:
    return any(words[i : i + len(p)] == p for p in phrases for i in range(len(words) - len(p) + 1))


def begins_with_no(text: str) -> bool:
    """The message begins with a no ("لا", "لا شكرا", "no ...", "cancel")."""
    words = words_of(text)
    return any(words[: len(p)] == p for p in confirmation_words()["no"])


def is_hedge(text: str) -> bool:
    """The message says not now ("مو الحين", "خلني افكر", "بس كنت ابي اعرف", "not now")."""
    return _contains(words_of(text), confirmation_words()["hedge"])


def asks_about_quote(text: str) -> bool:
    """A question mark, a fee word anywhere, or a question word first."""
    words, lists = words_of(text), confirmation_words()
    return (
        any(mark in (text or "") for mark in QUESTION_MARKS)
        or _contains(words, lists["fee_words"])
        or any(words[: len(p)] == p for p in lists["question_words"])
    )


# Intents that are requests of their own at the confirm step (answered by actions.inquiries.ANSWERS).
ANOTHER_REQUEST = frozenset(QUESTION_INTENTS) | {"forecast_costs"}
CLOSING_INTENTS = ("deny", "cancel", "goodbye")


def meaning(tracker: Tracker) -> str:
    """What the latest message says to the open quote (the module docstring's order)."""
    text = (tracker.latest_message or {}).get("text") or ""
    intent = latest_intent(tracker)
    pressed = pressed_quote_id(tracker)
    if pressed is not None:
        if pressed != tracker.get_slot("pending_quote_id"):
            return "stale_button"
        return "execute" if intent == "affirm" else "close"
    if is_plain_yes(text):
        return "execute"
    if intent not in ANOTHER_REQUEST and correction_of_pending(tracker):
        return "change"
    if is_hedge(text):
        return "hedge"
    if intent in CLOSING_INTENTS or begins_with_no(text):
        return "close"
    if intent in ANOTHER_REQUEST and not _contains(words_of(text), confirmation_words()["fee_words"]):
        return "another_request"
    if intent == "help" or asks_about_quote(text):
        return "show_again"
    return "ask_again"


def show_again(dispatcher: CollectingDispatcher, tracker: Tracker, quote: dict, text: str | None = None) -> None:
    """The open quote again (a bulk offer in short), with its own buttons."""
    quote_id = tracker.get_slot("pending_quote_id")
    if text is None and quote.get("bulk_quote_id") is not None:
        text = "\n".join(
            [
                _("Bulk request: {service} for {residents}").format(
                    service=service_label(quote["service"]), residents=residents_phrase(int(quote.get("count") or 0))
                ),
                _("Total: {amount}").format(amount=riyals(int(quote.get("total") or 0))),
                _(CONFIRM_QUESTION),
            ]
        )
    elif text is None:
        text = render_quote(Quote.from_dict(quote))
    dispatcher.utter_message(text=text, buttons=confirm_buttons(quote_id))


def execute_pending(dispatcher: CollectingDispatcher, tracker: Tracker, quote: dict) -> list[EventType]:
    """Execute the open quote exactly once (key "<sender>:<quote id>"); an agent's request that needs an
    owner's approval is submitted instead; a bulk offer runs per resident."""
    key = f"{tracker.sender_id}:{tracker.get_slot('pending_quote_id')}"
    with unit_of_work(read_only=False) as uow:
        waiting = submit_if_needed(uow, tracker, quote, key)
    if waiting is not None:
        dispatcher.utter_message(text=render_submitted(waiting))
        return reset_request()
    if quote.get("bulk_quote_id") is not None:
        with unit_of_work(read_only=False) as uow:
            answer_outcome(dispatcher, execute_bulk(uow, telegram_id(tracker), int(quote["bulk_quote_id"]), key))
        return reset_request()
    try:
        with unit_of_work(read_only=False) as uow:
            receipt = services.execute(uow, telegram_id(tracker), quote, key)
    except QuoteChanged as changed:
        dispatcher.utter_message(text=changed.message)
        return offer(dispatcher, Quote.from_dict(changed.details["quote"]))
    executed = Quote.from_dict(quote)
    focus_on(executed.resident_iqama, executed.resident_name)
    dispatcher.utter_message(text=render_receipt(receipt, executed), buttons=document_buttons(receipt, executed))
    return reset_request()


class ActionConfirmStep(DomainAction):
    """The answer to a message at the confirm step (module docstring); also a confirm or cancel with
    nothing open."""

    writes = True

    def name(self) -> str:
        return "action_confirm_step"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        quote = pending_quote(tracker)
        if quote is None:
            if not answered_stale_button(dispatcher, tracker):
                closing = latest_intent(tracker) in CLOSING_INTENTS
                dispatcher.utter_message(text=_(NOTHING_OPEN if closing else NOTHING_PENDING))
            return reset_request() if latest_intent(tracker) in CLOSING_INTENTS else []
        kind = meaning(tracker)
        if kind == "execute":
            return execute_pending(dispatcher, tracker, quote)
        if kind == "stale_button":
            answered_stale_button(dispatcher, tracker)
            return []
        if kind == "change":
            return quote_and_offer(dispatcher, tracker, correction_of_pending(tracker))
        if kind in ("close", "hedge"):
            closing = CANCELLED if kind == "close" else HEDGED
            dispatcher.utter_message(text=_(closing))
            if latest_intent(tracker) == "goodbye":
                dispatcher.utter_message(text=_(GOODBYE))
            return reset_request()
        if kind == "another_request":
            dispatcher.utter_message(text=_(CLOSED_FOR_ANOTHER).format(service=service_label(quote["service"])))
            answered = ANSWERS[latest_intent(tracker)](dispatcher, tracker) or []
            return reset_request() + answered
        if kind == "show_again":
            show_again(dispatcher, tracker, quote)
            return []
        show_again(dispatcher, tracker, quote, _(WAITING))
        return []

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return reset_request()


class ActionDecideApproval(DomainAction):
    """An owner's approve / decline button (`/affirm{"approval_id": "N"}`, `/deny{...}`), whatever else is
    open: the request is decided, and a form in progress then asks its question again."""

    writes = True

    def name(self) -> str:
        return "action_decide_approval"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        answer_decision(dispatcher, tracker, approve=latest_intent(tracker) == "affirm")
        return []
