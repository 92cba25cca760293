"""Service requests: which slots feed which service inputs, and the quote shown for confirmation.

Flow: the service's form completes -> `action_quote_<service>` quotes it and stores the quote and a fresh
quote id -> the confirm step (actions/confirm_step.py) executes it on its button or a plain yes, with the
idempotency key "<sender>:<quote id>" -> receipt, pending slots cleared.
"""

from __future__ import annotations

import uuid
from abc import abstractmethod
from collections.abc import Callable
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    REQUEST_SLOTS,
    SERVICE_INTENTS,
    DomainAction,
    focus_on,
    focused_iqama,
    list_place,
    listed_iqama,
    latest_entities,
    latest_intent,
    pending_quote,
    reset_request,
    speaking,
    telegram_id,
    unit_of_work,
    worker_in_focus,
)
from actions.bulk import is_bulk, offer_bulk, quote_bulk_request, residents_phrase
from actions.render import (
    STALE_BUTTON,
    confirm_buttons,
    render_quote,
    render_replayed,
    service_label,
)
from replies import N_, _
from residency import services
from residency.errors import ResidencyError
from residency.services import Quote
from residency.services.bulk import PERSON_INPUTS, executed_count

# What a request of each service is made of, read from the service's declarations (residency/services,
# `Service.inputs`, `visa_kind`, `parameters`): nothing about a service's inputs is written here.
SERVICE_HANDLERS = {service: services.SERVICES[service] for service in SERVICE_INTENTS}
# service -> the slots its inputs are read from (its form's required slots, domain.yml)
SERVICE_INPUTS: dict[str, tuple[str, ...]] = {service: handler.inputs for service, handler in SERVICE_HANDLERS.items()}
# Services that take "an iqama or a visa number": the kind of visa the number may name.
VISA_KINDS = {service: handler.visa_kind for service, handler in SERVICE_HANDLERS.items() if handler.visa_kind}
NUMBER = services.NUMBER  # the input of those services: the visa number if given, else the iqama number
# Refusals that found nobody (the worker in focus stays who it was).
UNKNOWN_PERSON = frozenset(
    {
        "unknown_resident",
        "unknown_visa",
        "unknown_border_number",
        "wrong_length",
        "national_id",
        "not_iqama",
        "bad_check_digit",
        "wrong_kind",
        "not_a_number",
        "missing_number",
    }
)
# The slots that say whom a request is about.
PERSON_SLOTS = {"iqama_number", "visa_number", "border_number", "person_name", "iqama_numbers", "resident_group"}


def quote_inputs(service: str, slot: Callable[[str], Any]) -> dict[str, Any]:
    """The keyword inputs of `services.quote` for `service`, read from slots."""
    return SERVICE_HANDLERS[service].quote_inputs(slot)


def input_slots(service: str) -> set[str]:
    """The slots a service's inputs are read from."""
    return set(SERVICE_INPUTS[service])


def offer(dispatcher: CollectingDispatcher, quote: Quote) -> list[EventType]:
    """Show a quote with confirm/cancel buttons and keep it, under a fresh id, until answered."""
    quote_id = uuid.uuid4().hex
    focus_on(quote.resident_iqama, quote.resident_name)
    dispatcher.utter_message(text=render_quote(quote), buttons=confirm_buttons(quote_id))
    return [SlotSet("pending_quote", quote.to_dict()), SlotSet("pending_quote_id", quote_id)]


def pressed_quote_id(tracker: Tracker) -> str | None:
    """The quote a pressed confirm/cancel button belongs to (None for a typed answer)."""
    return latest_entities(tracker).get("quote_id")


def answered_stale_button(dispatcher: CollectingDispatcher, tracker: Tracker) -> bool:
    """When the latest message is a button of a quote that is not the pending one: replay that quote's
    receipt if it was executed, else say the button is stale; True when answered so."""
    pressed = pressed_quote_id(tracker)
    if pressed is None or pressed == tracker.get_slot("pending_quote_id"):
        return False
    key = f"{tracker.sender_id}:{pressed}"
    with unit_of_work() as uow:
        receipt = services.prior_receipt(uow, telegram_id(tracker), key)
        residents = 0 if receipt else executed_count(uow, telegram_id(tracker), key)
    if receipt:
        dispatcher.utter_message(text=render_replayed(receipt))
    elif residents:
        dispatcher.utter_message(
            text=_("This bulk request was already carried out ({residents}); nothing was charged again.").format(
                residents=residents_phrase(residents)
            )
        )
    else:
        dispatcher.utter_message(text=_(STALE_BUTTON))
    return True


def quote_and_offer(dispatcher: CollectingDispatcher, tracker: Tracker, service: str) -> list[EventType]:
    if is_bulk(tracker):
        return quote_and_offer_bulk(dispatcher, tracker, service)
    with unit_of_work() as uow:
        quote = services.quote(uow, telegram_id(tracker), service, **quote_inputs(service, tracker.get_slot))
    return offer(dispatcher, quote)


def quote_and_offer_bulk(dispatcher: CollectingDispatcher, tracker: Tracker, service: str) -> list[EventType]:
    """The combined offer of a request about several residents (actions/bulk.py); stored, so written."""
    inputs = {
        name: value for name, value in quote_inputs(service, tracker.get_slot).items() if name not in PERSON_INPUTS
    }
    with unit_of_work(read_only=False) as uow:
        bulk = quote_bulk_request(uow, telegram_id(tracker), tracker, service, inputs)
    return offer_bulk(dispatcher, bulk, uuid.uuid4().hex)


# The quote the form validation computed when the request became complete, for the quote action that
# follows in the same turn (bound to the user message it was made for): the rules run once per quote.
PREPARED_QUOTE = "prepared_quote"


def prepared(tracker: Tracker, quote: Quote) -> dict[str, Any]:
    return {"message_id": tracker.latest_message.get("message_id"), "quote": quote.to_dict()}


def prepared_quote(tracker: Tracker, service: str) -> Quote | None:
    """This turn's quote of `service` made by the form validation, if any."""
    kept = tracker.get_slot(PREPARED_QUOTE)
    message_id = tracker.latest_message.get("message_id")
    if not (isinstance(kept, dict) and message_id and kept.get("message_id") == message_id):
        return None
    quote = kept.get("quote") or {}
    return Quote.from_dict(quote) if quote.get("service") == service else None


def correction_of_pending(tracker: Tracker) -> str | None:
    """The pending quote's service when the latest message changes one of its inputs, else None."""
    quote = pending_quote(tracker)
    if quote is None:
        return None
    service = quote.get("service")
    if service in SERVICE_INPUTS and input_slots(service) & set(latest_entities(tracker)):
        return service
    return None


class QuoteAction(DomainAction):
    """`action_quote_<service>`: quote the completed form and offer it for confirmation."""

    @property
    @abstractmethod
    def service(self) -> str:
        """The service (intent) name; subclasses set it as a class attribute."""

    def name(self) -> str:
        return f"action_quote_{self.service}"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        quote = None if is_bulk(tracker) else prepared_quote(tracker, self.service)
        try:
            events = offer(dispatcher, quote) if quote else quote_and_offer(dispatcher, tracker, self.service)
        except ResidencyError as refused:
            if refused.code not in UNKNOWN_PERSON and not is_bulk(tracker):  # a refusal names who stays in focus
                focus_on(tracker.get_slot("iqama_number"))
            raise
        return [*events, SlotSet(PREPARED_QUOTE, None)]

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return reset_request()


# One quote action per service, from the services' declarations (residency/services).
ACTIONS_BY_SERVICE = {
    service: type(f"Quote_{service}", (QuoteAction,), {"service": service, "__module__": __name__})()
    for service in SERVICE_INPUTS
}

# Ids (N_): translated with _() where the reply is made.
CANCELLED = N_("Request cancelled; nothing was charged.")
CLOSED_FOR_ANOTHER = N_("I closed the open offer ({service}); nothing was charged.")


class ActionStartRequest(Action):
    """Before a service's form starts: forget the previous request's inputs, keeping what this very
    message says. A message that names no worker is about the worker of the request it switches from
    ("لا، ابي خروج نهائي له"), else the worker in focus (SPEC 10.2: "جدد اقامته سنة" after his card); one
    named by his place in the latest list shown («جدد اقامة الثاني سنة») is that resident. An
    open offer is closed, saying so; correcting the pending quote of the same service keeps all."""

    def name(self) -> str:
        return "action_start_request"

    async def run(self, dispatcher, tracker, domain) -> list[EventType]:
        said = set(latest_entities(tracker))
        forget_pending = [SlotSet("pending_quote", None), SlotSet("pending_quote_id", None)]
        if correction_of_pending(tracker) == latest_intent(tracker):
            return forget_pending
        open_offer = pending_quote(tracker)
        if open_offer is not None:
            with speaking(tracker):
                dispatcher.utter_message(
                    text=_(CLOSED_FOR_ANOTHER).format(service=service_label(open_offer["service"]))
                )
        keep = set(said) | ({"iqama_numbers"} if "iqama_number" in said else set())
        switching = tracker.active_loop_name is not None or open_offer is not None
        resident_service = takes_a_resident(requested_service(tracker))
        names_a_place = list_place(tracker.latest_message.get("text") or "") is not None
        picked = listed_iqama(tracker) if resident_service and not said & PERSON_SLOTS else None
        # A place past the list's end (or after it expired) names nobody known: the form asks, not the focus.
        names_nobody = not said & PERSON_SLOTS and not names_a_place
        if switching and names_nobody and tracker.get_slot("iqama_number"):
            keep |= PERSON_SLOTS
        events = [SlotSet(slot, None) for slot in REQUEST_SLOTS if slot not in keep] + forget_pending
        focus = focused_iqama(tracker) if names_nobody and "iqama_number" not in keep and resident_service else None
        if picked or focus:
            events.append(SlotSet("iqama_number", picked or focus))
        return events


def requested_service(tracker: Tracker) -> str | None:
    """The service the message asks for: its intent, else (a follow-up of an eligibility answer, "تمام
    طلعها") the service the answer was about."""
    intent = latest_intent(tracker)
    if intent in SERVICE_HANDLERS:
        return intent
    focus = worker_in_focus(tracker)
    return focus.get("service") if focus else None


def takes_a_resident(service: str | None) -> bool:
    """The service's request names a resident by iqama number (every service but the iqama's issue)."""
    return service in SERVICE_INPUTS and "iqama_number" in SERVICE_INPUTS[service]
