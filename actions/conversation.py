"""Conversation around the services: greeting and help menu, small talk, cancel, goodbye, a bare value
outside a form, a question in the middle of a form, and the iqama question (which searches by name when
given one).

Every answer here is a DomainAction, so a sender who is not an activated user gets only the activation
hint (`/start CODE`), whatever they write.
"""

from __future__ import annotations

import uuid
from abc import ABC

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType, SlotSet, UserUtteranceReverted
from rasa_sdk.executor import CollectingDispatcher

from actions.common import (
    DomainAction,
    active_service,
    latest_entities,
    latest_entity,
    latest_intent,
    listed_iqama,
    pending_quote,
    reset_request,
)
from actions import services as service_actions
from actions.inquiries import (
    ANSWERS,
    ASK_IQAMA,
    ASK_IQAMA_OR_VISA,
    ASK_NAME,
    PICK_LIST,
    answer_bare_iqama,
    answer_name_search,
    answer_visa,
)
from actions.keywords import ARABIC_QUESTION_MARK, GREETINGS
from actions.render import MENU, fee_rules
from actions.services import (
    VISA_KINDS,
)
from replies import LANGUAGES, N_, _, language
from residency import identifiers
from residency.errors import InvalidInput

# Ids (N_): translate with `_()` when replying.
NOTHING_OPEN = N_("There is no open request to cancel. Write what you need whenever you like.")
NOT_UNDERSTOOD_IN_FORM = N_("I did not understand your answer.")
NOT_UNDERSTOOD = N_(
    "I did not understand your request. Try for example: “renew iqama 2XXXXXXXXX for a year” or “whose iqamas "
    "expire this month?”, or write “help”."
)
GOODBYE = N_("Goodbye. If you need anything, write to me at any time.")
# Small talk outside a form (intent -> answer); in a form, SMALL_TALK_IN_FORM.
SMALL_TALK = {
    "thank": N_("You're welcome, always at your service."),
    "bot_challenge": N_(
        "I am an automated assistant for your establishment's residency services, not a human employee. "
        "Write “help” to see what I can do."
    ),
    "out_of_scope": N_(
        "That is outside what I can help you with. I handle the residency services of your establishment's "
        "workers: iqama renewal and issue, exit/re-entry, final exit, occupation change, sponsorship transfer, "
        "passport update, and inquiries and reports. Write “help” for examples."
    ),
    "nlu_fallback": NOT_UNDERSTOOD,
}
# Parsers whose Arabic error says why a number is not the one asked for ("هذا يبدو رقم حدود ...").
PARSERS = {
    "iqama_number": identifiers.parse_iqama,
    "border_number": identifiers.parse_border_number,
    "visa_number": identifiers.parse_visa_number,
    "establishment_number": identifiers.parse_establishment_number,
    "passport_number": identifiers.parse_passport_number,
}
SMALL_TALK_IN_FORM = {
    "greet": N_("Hello! Let's go on with your request."),
    "thank": N_("You're welcome! Let's go on with your request."),
    "bot_challenge": N_(
        "I am an automated residency services assistant, not a human employee. Let's go on with your request."
    ),
    "out_of_scope": N_(
        "That is outside what I can help you with. Let's go on with your request, or write “cancel” to stop it."
    ),
}


def _in_every_language(message_id: str) -> set[str]:
    """`message_id` as each reply language words it (to recognise the assistant's own earlier words)."""
    texts = set()
    for code in LANGUAGES:
        with language(code):
            texts.add(_(message_id))
    return texts


# A greeting returned in kind (SPEC 10.3), then one line on what the assistant does; "مساعدة" gives the list.
GREETING_ANSWERS = {
    "peace": N_("Wa alaikum assalam!"),
    "morning": N_("Good morning!"),
    "evening": N_("Good evening!"),
}
HELLO = N_("Hello!")
WHAT_I_DO = N_(
    "I do your workers' residency paperwork by chat: iqamas, visas, final exits, transfers, inquiries and "
    "reports. Write what you need, or “help” for examples."
)


def greeting_in_kind(text: str) -> str:
    """The answer to a greeting: «وعليكم السلام» to «السلام عليكم», «صباح النور» to «صباح الخير» ..."""
    kind = next((kind for kind, pattern in GREETINGS if pattern.search(text or "")), None)
    return _(GREETING_ANSWERS.get(kind, HELLO))


class ActionGreet(DomainAction):
    def name(self) -> str:
        return "action_greet"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        text = (tracker.latest_message or {}).get("text")
        dispatcher.utter_message(text=f"{greeting_in_kind(text)} {_(WHAT_I_DO)}")
        return []


class ActionHelp(DomainAction):
    def name(self) -> str:
        return "action_help"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        dispatcher.utter_message(text=_(MENU))
        return []


def _answers_name_prompt(tracker: Tracker) -> str | None:
    """The message, when it answers «اكتب اسم العامل ...» (the assistant's last words) and looks like a
    name (one to four words, letters only): a name the NLU did not know is still searched for."""
    said = next((e.get("text") for e in reversed(tracker.events) if e.get("event") == "bot"), None)
    text = (tracker.latest_message or {}).get("text") or ""
    words = text.replace(ARABIC_QUESTION_MARK, " ").replace("?", " ").split()
    if said in _in_every_language(ASK_NAME) and 1 <= len(words) <= 4 and all(w.isalpha() for w in words):
        return " ".join(words)
    return None


class ActionSmallTalk(DomainAction):
    """Thanks, "are you a bot?", out of scope, or a message the NLU is unsure of, outside a form (a name
    the NLU did not know, sent when asked for one, is searched for)."""

    def name(self) -> str:
        return "action_small_talk"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        name = _answers_name_prompt(tracker) if latest_intent(tracker) in ("nlu_fallback", "out_of_scope") else None
        if name:
            answer_name_search(dispatcher, tracker, name)
        else:
            dispatcher.utter_message(text=_(SMALL_TALK.get(latest_intent(tracker), NOT_UNDERSTOOD)))
        return []


class ActionDefaultFallback(DomainAction):
    """Rasa's fallback when no rule predicts the next action: the hint, and the message is forgotten."""

    def name(self) -> str:
        return "action_default_fallback"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        dispatcher.utter_message(text=_(NOT_UNDERSTOOD))
        return [UserUtteranceReverted()]

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return [UserUtteranceReverted()]


def _close_request(dispatcher: CollectingDispatcher, tracker: Tracker, closing: str) -> tuple[list[EventType], bool]:
    """Deactivate the form and forget the request; say `closing` when something was open."""
    was_open = tracker.active_loop_name is not None or pending_quote(tracker) is not None
    if was_open:
        dispatcher.utter_message(text=closing)
    return [ActiveLoop(None)] + reset_request(), was_open


class ClosingAction(DomainAction, ABC):
    """An answer that ends the open request; the request ends even when the answer fails."""

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return [ActiveLoop(None)] + reset_request()


class ActionCancelRequest(ClosingAction):
    """`cancel` at any step: stop the form, forget the request and any pending quote."""

    def name(self) -> str:
        return "action_cancel_request"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        events, was_open = _close_request(dispatcher, tracker, _(service_actions.CANCELLED))
        if not was_open:
            dispatcher.utter_message(text=_(NOTHING_OPEN))
        return events


class ActionGoodbye(ClosingAction):
    """Goodbye: an open request is cancelled rather than left half-done."""

    def name(self) -> str:
        return "action_goodbye"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        events, _was_open = _close_request(dispatcher, tracker, _(service_actions.CANCELLED))
        dispatcher.utter_message(text=_(GOODBYE))
        return events


class ActionHandleInform(DomainAction):
    """A bare value outside any request: a look-up of the number or name it carries (an iqama number, or a
    place in the latest report's list: a short card with buttons for the resident's likely services). At the confirm step the value goes to
    `action_confirm_step` instead (a changed input)."""

    def name(self) -> str:
        return "action_handle_inform"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        if latest_entity(tracker, "iqama_number"):
            answer_bare_iqama(dispatcher, tracker, latest_entity(tracker, "iqama_number"))
        elif latest_entity(tracker, "visa_number"):
            answer_visa(dispatcher, tracker)
        elif latest_entity(tracker, "person_name"):
            answer_name_search(dispatcher, tracker, latest_entity(tracker, "person_name"))
        elif picked := listed_iqama(tracker):  # «الثاني» after a report's list: his short card
            answer_bare_iqama(dispatcher, tracker, picked)
        else:
            dispatcher.utter_message(text=_(NOT_UNDERSTOOD))
        return []


class ActionAnswerQuestion(DomainAction):
    """Something other than the asked value in the middle of a form: answer it; the form then asks again.

    "كم الرسوم؟" (help) -> the current service's fee rules; "متى تنتهي اقامته؟" -> the card of the
    resident in the request; other inquiries and reports -> answered as usual; a number of the wrong
    kind -> why it is not the one asked for.
    """

    def name(self) -> str:
        return "action_answer_question"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        intent = latest_intent(tracker)
        asked = tracker.get_slot("requested_slot")
        name = latest_entity(tracker, "person_name")
        if intent == "help":
            service = active_service(tracker)
            if service:
                dispatcher.utter_message(text=fee_rules(service))
        elif intent in ANSWERS:
            return ANSWERS[intent](dispatcher, tracker) or []
        elif name or intent == "inquire_resident_by_name":
            # The iqama question itself offers the matches (action_ask_iqama_number).
            if asked != "iqama_number" and name:
                answer_name_search(dispatcher, tracker, name)
        elif intent in SMALL_TALK_IN_FORM:
            dispatcher.utter_message(text=_(SMALL_TALK_IN_FORM[intent]))
        else:
            dispatcher.utter_message(text=self._why_not_accepted(tracker, asked))
        return []

    @staticmethod
    def _why_not_accepted(tracker: Tracker, asked) -> str:
        parse = PARSERS.get(asked)
        for entity, value in latest_entities(tracker).items():
            if parse and entity in PARSERS:
                try:
                    parse(value)
                except InvalidInput as error:
                    return error.message
        return _(NOT_UNDERSTOOD_IN_FORM)


class ActionAskIqamaNumber(DomainAction):
    """The iqama question of every form; given a name instead ("خروج وعودة لمحمد"), the matches as
    buttons are the question: a tap on one of them (this list, slot `pick_list`) fills the iqama number
    and the form goes on; a button of any earlier list does not."""

    def name(self) -> str:
        return "action_ask_iqama_number"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        name = latest_entity(tracker, "person_name")
        if name and latest_entity(tracker, "iqama_number") is None:
            list_id = uuid.uuid4().hex[:12]
            answer_name_search(dispatcher, tracker, name, list_id)
            return [SlotSet(PICK_LIST, list_id)]
        takes_visa = active_service(tracker) in VISA_KINDS
        dispatcher.utter_message(text=_(ASK_IQAMA_OR_VISA if takes_visa else ASK_IQAMA))
        return []
