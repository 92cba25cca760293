"""One FormValidationAction per service form.

Each value is checked against the domain as it arrives (identifier shape and check digit, national id
instead of iqama, the resident or visa belongs to the sender's establishment, allowed periods ...); a bad
value gets the domain's Arabic message and its slot is emptied so that the form asks for it again. When
every input is there, the service is quoted once more so that an input only the whole request can judge
(an occupation equal to the current one, an unknown establishment ...) is asked for again too; a rule that
blocks the request as a whole is left to `action_quote_<service>` to report.

A fresh message whose intent is another service, an inquiry, a report or `cancel` rejects the form, so
that the rules handle it (switch, question, cancel); the form resumes or is replaced.
"""

from __future__ import annotations

import logging

import re
from abc import abstractmethod
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.forms import REQUESTED_SLOT, FormValidationAction
from rasa_sdk.types import DomainDict
from sqlalchemy.exc import SQLAlchemyError

from actions.common import (
    speaking,
    QUESTION_INTENTS,
    SERVICE_INTENTS,
    UNEXPECTED_FAILURE,
    answer_error,
    is_fresh_user_turn,
    latest_entities,
    latest_entity,
    latest_intent,
    listed_iqama,
    telegram_id,
    unit_of_work,
)
from actions.bulk import is_bulk
from actions.inquiries import PICK_LIST
from actions.prompts import occupation_buttons
from actions.services import PREPARED_QUOTE, SERVICE_INPUTS, VISA_KINDS, input_slots, prepared, quote_inputs

from replies import _
from residency import calendar, identifiers, inquiries, occupations, services
from residency.errors import ResidencyError
from residency.rules import RULES
from residency.services.base import ServiceContext, authorise, parse_period_months
from residency.services.iqama import arrival
from residency.services.resident_changes import refuse_saudi_only
from residency.services.visas import parse_entry_type

logger = logging.getLogger(__name__)

# Domain error codes that point at one input: the slot to ask for again.
SLOT_OF_ERROR = {
    "unknown_resident": "iqama_number",
    "unknown_visa": "visa_number",
    "unknown_border_number": "border_number",
    "bad_period": "duration",
    "bad_duration": "duration",
    "date_out_of_range": "duration",
    "passport_expiry_too_far": "date",
    "duration_too_long": "duration",
    "iqama_too_short": "duration",
    "bad_visa_type": "visa_type",
    "unknown_occupation": "occupation",
    "ambiguous_occupation": "occupation",
    "saudi_only_occupation": "occupation",
    "domestic_period": "duration",
    "same_occupation": "occupation",
    "unknown_establishment": "establishment_number",
    "same_establishment": "establishment_number",
    "bad_passport": "passport_number",
    "passport_number_taken": "passport_number",
    "bad_date": "date",
    "passport_expiry_past": "date",
    "passport_expiry_not_later": "date",
}
# The domain's view (sender authorised for the service) during one validation run.
_CONTEXT: ContextVar[ServiceContext] = ContextVar("service_context")
BARE_MONTHS = re.compile(r"\s*(\d{1,2})\s*")
# A free answer to "which occupation?" that no extractor recognised: a few words, letters only.
BARE_OCCUPATION = re.compile(r"[^\W\d_]+(?:[\s\-/]+[^\W\d_]+){0,5}")
# Intents under which such an answer is taken as the occupation (others are not an answer).
OCCUPATION_ANSWER_INTENTS = {"inform", "change_occupation", "nlu_fallback"}


# "اقامة 2XXXXXXXXX" / "visa 6XXXXXXXXX" is an inquiry outside a form; asked for that very number, it is
# the answer (the slots are not filled from inquiries' entities, so the form extracts it here).
INQUIRIES_NAMING = {
    "iqama_number": {"inquire_resident", "inquire_visa", "inquire_driving_license"},
    "visa_number": {"inquire_visa"},
}


def answers_the_question(tracker: Tracker) -> bool:
    """True when the latest message is an inquiry that gives only the number the form asks for, or a pick
    from the list of names the form's iqama question showed (a pick from any other list is not)."""
    asked = tracker.get_slot(REQUESTED_SLOT)
    entities = latest_entities(tracker)
    if PICK_LIST in entities:
        return asked == "iqama_number" and entities[PICK_LIST] == tracker.get_slot(PICK_LIST)
    return latest_intent(tracker) in INQUIRIES_NAMING.get(asked, ()) and set(entities) == {asked}


def answer_given(tracker: Tracker, slot: str) -> dict:
    if tracker.get_slot(REQUESTED_SLOT) == slot and is_fresh_user_turn(tracker) and answers_the_question(tracker):
        return {slot: latest_entity(tracker, slot)}
    return {}


class ServiceFormValidation(FormValidationAction):
    """Validation of `<service>_form`; subclasses set `service`."""

    @property
    @abstractmethod
    def service(self) -> str:
        """The service (intent) name; subclasses set it as a class attribute."""

    def name(self) -> str:
        return f"validate_{self.service}_form"

    async def run(self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict) -> list[EventType]:
        if is_fresh_user_turn(tracker) and self._interrupts(tracker) and not answers_the_question(tracker):
            return [ActionExecutionRejected(self.form_name())]
        try:
            # The sender's language is read in the validation's own unit of work.
            with unit_of_work() as uow, speaking(tracker, uow):
                try:
                    ctx = ServiceContext(uow, authorise(uow, telegram_id(tracker), self.service))
                except ResidencyError:
                    # End the form without a word: the quote action tells the sender why.
                    return [SlotSet(REQUESTED_SLOT, None)]
                # One unit of work for the whole validation, private to this request's task.
                token = _CONTEXT.set(ctx)
                try:
                    return await super().run(dispatcher, tracker, domain)
                finally:
                    _CONTEXT.reset(token)
        except SQLAlchemyError:
            # Nothing validated: the apology, then the same question again.
            with speaking(tracker):
                answer_error(dispatcher, RuntimeError())
            return []
        except Exception:  # noqa: BLE001 - never an empty answer (Rasa's REST channel would send [])
            logger.exception("unexpected failure in %s", self.name())
            with speaking(tracker):
                dispatcher.utter_message(text=_(UNEXPECTED_FAILURE))
            return []

    def _interrupts(self, tracker: Tracker) -> bool:
        """Another service, an inquiry or a report; or a cancel that gives none of this form's inputs
        ("خلاص ستة شهور" answers the duration question; "خلاص الغ الطلب" cancels)."""
        intent = latest_intent(tracker)
        if intent == "cancel":
            return not input_slots(self.service) & set(latest_entities(tracker))
        return intent in QUESTION_INTENTS or (intent in SERVICE_INTENTS and intent != self.service)

    async def required_slots(self, domain_slots, dispatcher, tracker, domain) -> list[str]:
        """For the services taking an iqama or a visa number, whichever of the two was given; for a bulk
        request (several numbers, or a group) neither: the combined quote judges each resident."""
        if is_bulk(tracker):
            return [s for s in domain_slots if s not in ("iqama_number", "visa_number")]
        if self.service not in VISA_KINDS:
            return domain_slots
        number = "visa_number" if tracker.get_slot("visa_number") else "iqama_number"
        return [number] + [s for s in domain_slots if s not in ("iqama_number", "visa_number")]

    async def get_validation_events(self, dispatcher, tracker, domain) -> list[EventType]:
        events = await super().get_validation_events(dispatcher, tracker, domain)
        if not events:
            return events
        tracker.add_slots(events)
        required = await self.required_slots(self.domain_slots(domain), dispatcher, tracker, domain)
        if required and all(tracker.get_slot(slot) is not None for slot in required):
            event = self._quote_complete_request(dispatcher, tracker)
            events.append(event)
            if event["name"] != PREPARED_QUOTE:  # an input to ask for again
                tracker.slots[event["name"]] = None
        return events

    def _quote_complete_request(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> EventType:
        """Quote the complete request: the quote, kept for this turn's quote action (PREPARED_QUOTE), or
        an error about one input, which empties that input."""
        ctx = _CONTEXT.get()
        if is_bulk(tracker):
            return SlotSet(PREPARED_QUOTE, None)  # the quote action makes the combined quote
        try:
            quote = services.quote(
                ctx.uow, ctx.actor.telegram_id, self.service, **quote_inputs(self.service, tracker.get_slot)
            )
        except ResidencyError as error:
            slot = SLOT_OF_ERROR.get(error.code)
            if slot == "visa_number" and not tracker.get_slot("visa_number"):
                slot = "iqama_number"
            if slot and tracker.get_slot(slot) is not None:
                answer_error(dispatcher, error)  # with the switch buttons it may name
                return SlotSet(slot, None)
            return SlotSet(PREPARED_QUOTE, None)  # refused as a whole: the quote action says why
        return SlotSet(PREPARED_QUOTE, prepared(tracker, quote))

    def _check(
        self, slot: str, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, probe: Callable
    ) -> dict:
        """{slot: probe(ctx)} or, on a domain error, its message and {slot: None}. An emptied slot
        (a new request forgets the previous one's values) is left empty without a word."""
        if value is None:
            return {slot: None}
        try:
            return {slot: probe(_CONTEXT.get())}
        except ResidencyError as error:
            answer_error(dispatcher, error)  # with the switch buttons it may name
            return {slot: None}

    # Validators shared by the forms (rasa_sdk calls validate_<slot> for the form's required slots).
    def validate_iqama_number(self, value: Any, dispatcher, tracker, domain) -> dict:
        if is_bulk(tracker):
            return {"iqama_number": value}  # each of the numbers is judged by the combined quote
        return self._check(
            "iqama_number", value, dispatcher, tracker, lambda ctx: ctx.resident(str(value)).iqama_number
        )

    def validate_visa_number(self, value: Any, dispatcher, tracker, domain) -> dict:
        kind = VISA_KINDS.get(self.service, "exit_reentry")

        def visa_of_establishment(ctx) -> str:
            _, visa = ctx.resident_and_visa(identifiers.parse_visa_number(str(value)), kind)
            return visa.number

        return self._check("visa_number", value, dispatcher, tracker, visa_of_establishment)

    def validate_border_number(self, value: Any, dispatcher, tracker, domain) -> dict:
        return self._check("border_number", value, dispatcher, tracker, lambda ctx: arrival(ctx, value).border_number)

    def validate_duration(self, value: Any, dispatcher, tracker, domain) -> dict:
        """A duration; for a service whose duration is an iqama period (residency/services: `iqama_periods`),
        3, 6, 9 or 12 months only (rules.yml)."""
        if services.SERVICES[self.service].iqama_periods:
            allowed = RULES["iqama"]["allowed_periods_months"]
            return self._check(
                "duration", value, dispatcher, tracker, lambda ctx: f"P{parse_period_months(value, allowed)}M"
            )
        return self._check("duration", value, dispatcher, tracker, lambda ctx: calendar.Duration.parse(value).iso())

    def validate_visa_type(self, value: Any, dispatcher, tracker, domain) -> dict:
        return self._check("visa_type", value, dispatcher, tracker, lambda ctx: parse_entry_type(value))

    def validate_occupation(self, value: Any, dispatcher, tracker, domain) -> dict:
        """The classification's canonical title (a title, an alias or a clear typo); when unsure, the
        domain's message with its suggestions (up to 5) as buttons and the question again; an occupation
        reserved for Saudis is refused at once. The same occupation as today is left to the complete quote."""
        if value is None:
            return {"occupation": None}
        try:
            title = occupations.resolve(str(value)).ar
            refuse_saudi_only(title)
        except ResidencyError as error:
            dispatcher.utter_message(
                text=error.message, buttons=occupation_buttons(error.details.get("suggestions") or [])
            )
            return {"occupation": None}
        return {"occupation": title}

    def extract_occupation(self, dispatcher, tracker, domain) -> dict:
        """A few words answering the occupation question that no extractor took ("كهربجي عمارات", a typo)
        are the occupation as written: validation then matches them or offers suggestions."""
        if tracker.get_slot("requested_slot") != "occupation" or not is_fresh_user_turn(tracker):
            return {}
        if latest_entity(tracker, "occupation") is not None or latest_intent(tracker) not in OCCUPATION_ANSWER_INTENTS:
            return {}
        text = (tracker.latest_message.get("text") or "").strip()
        if text.startswith("/") or not BARE_OCCUPATION.fullmatch(text):
            return {}
        return {"occupation": text}

    def validate_establishment_number(self, value: Any, dispatcher, tracker, domain) -> dict:
        return self._check(
            "establishment_number",
            value,
            dispatcher,
            tracker,
            lambda ctx: identifiers.parse_establishment_number(str(value)),
        )

    def validate_passport_number(self, value: Any, dispatcher, tracker, domain) -> dict:
        return self._check(
            "passport_number", value, dispatcher, tracker, lambda ctx: identifiers.parse_passport_number(str(value))
        )

    def validate_date(self, value: Any, dispatcher, tracker, domain) -> dict:
        return self._check("date", value, dispatcher, tracker, lambda ctx: calendar.parse_date(str(value)).isoformat())

    def extract_iqama_number(self, dispatcher, tracker, domain) -> dict:
        """The number given as the answer, the resident named by his place in the latest list shown, or the one
        resident a name in the message matches (SPEC 10.2: "الغي تأشيرة كريم يوسف"; several matches: the iqama
        question lists them)."""
        given = answer_given(tracker, "iqama_number")
        name = latest_entity(tracker, "person_name")
        picked = listed_iqama(tracker) if tracker.get_slot("requested_slot") == "iqama_number" else None
        if not given and picked and is_fresh_user_turn(tracker):  # «الثاني» after a report's list
            return {"iqama_number": picked}
        if given or not name or tracker.get_slot("iqama_number") or latest_entity(tracker, "iqama_number"):
            return given
        ctx = _CONTEXT.get()
        try:
            found = inquiries.search_residents_page(ctx.uow, ctx.actor.telegram_id, name, 1)
        except ResidencyError:  # not allowed to search: the iqama question asks for the number
            return {}
        return {"iqama_number": found.matches[0].iqama_number} if found.found == 1 and found.matches else {}

    def extract_visa_number(self, dispatcher, tracker, domain) -> dict:
        return answer_given(tracker, "visa_number")

    def extract_duration(self, dispatcher, tracker, domain) -> dict:
        """A bare number answering the duration question means months ("٦" -> P6M)."""
        if tracker.get_slot("requested_slot") != "duration" or not is_fresh_user_turn(tracker):
            return {}
        if latest_entity(tracker, "duration") is not None:
            return {}
        match = BARE_MONTHS.fullmatch(identifiers.normalize_digits(tracker.latest_message.get("text") or ""))
        return {"duration": f"P{int(match.group(1))}M"} if match else {}


# One validation action per service, from the services' declarations (residency/services).
VALIDATIONS_BY_SERVICE = {
    service: type(f"Validate_{service}_form", (ServiceFormValidation,), {"service": service, "__module__": __name__})()
    for service in SERVICE_INPUTS
}
