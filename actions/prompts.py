"""The forms' questions (`action_ask_<slot>`, found by Rasa's forms for every form): one short question each
(in the reply language), worded for the service being asked for, with choice buttons where the answers are few.

They are actions rather than `utter_ask_*` responses so that the wording can follow the service (an iqama
period vs. a visa duration) and so that the iqama question can offer name matches
(see actions/conversation.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType

from actions.common import active_service, speaking
from replies import _, ngettext
from residency.calendar import months_phrase, years_phrase
from residency.rules import RULES
from residency.services import SERVICES


def _inform_button(title: str, entity: str, value: str) -> dict:
    return {"title": title, "payload": f'/inform{{"{entity}": "{value}"}}'}


def occupation_buttons(titles: list[str]) -> list[dict]:
    """One button per suggested occupation (canonical titles of residency/occupations.yml)."""
    return [_inform_button(title, "occupation", title) for title in titles]


def _period_title(months: int) -> str:
    """ "3 أشهر" / "3 months"; whole years as years ("سنة" / "1 year")."""
    return years_phrase(months // 12) if months % 12 == 0 else months_phrase(months)


def iqama_period_buttons() -> list[dict]:
    return [_inform_button(_period_title(m), "duration", f"P{m}M") for m in RULES["iqama"]["allowed_periods_months"]]


class AskAction(Action, ABC):
    """Ask for one slot; subclasses set `slot` and word the question."""

    @property
    @abstractmethod
    def slot(self) -> str:
        """The slot asked for; subclasses set it as a class attribute."""

    def name(self) -> str:
        return f"action_ask_{self.slot}"

    @abstractmethod
    def question(self, service: str | None) -> tuple[str, list[dict]]:
        """The question text and its buttons, for the active service."""

    async def run(self, dispatcher, tracker: Tracker, domain) -> list[EventType]:
        with speaking(tracker):
            text, buttons = self.question(active_service(tracker))
        dispatcher.utter_message(text=text, buttons=buttons)
        return []


class AskBorderNumber(AskAction):
    slot = "border_number"

    def question(self, service):
        return _("What is the new worker's border number? (10 digits starting with 3 or 4)"), []


def iqama_periods() -> str:
    """ "3 أو 6 أو 9 أو 12 شهرًا" / "3, 6, 9 or 12 months", from the rules data."""
    periods = [str(m) for m in RULES["iqama"]["allowed_periods_months"]]
    listed = periods[0]
    for period in periods[1:-1]:
        listed = _("{choices}, {choice}").format(choices=listed, choice=period)
    if len(periods) > 1:
        listed = _("{choices} or {choice}").format(choices=listed, choice=periods[-1])
    return ngettext("{periods} month", "{periods} months", int(periods[-1])).format(periods=listed)


class AskDuration(AskAction):
    slot = "duration"

    def question(self, service):
        """The service's own question (residency/services: `questions`), with the iqama periods as buttons
        for a service that takes one; else the visa duration's."""
        handler = SERVICES.get(service or "")
        asked = handler.questions.get(self.slot) if handler else None
        if asked is None:
            return _("How long is the visa? Write it in months or days, e.g. 2 months or 90 days."), []
        if handler.iqama_periods:
            return _(asked).format(periods=iqama_periods()), iqama_period_buttons()
        return _(asked), []


class AskVisaType(AskAction):
    slot = "visa_type"

    def question(self, service):
        return _("Single or multiple exit/re-entry?"), [
            _inform_button(_("Single"), "visa_type", "single"),
            _inform_button(_("Multiple"), "visa_type", "multiple"),
        ]


class AskVisaNumber(AskAction):
    slot = "visa_number"

    def question(self, service):
        return _("What is the visa number? (10 digits starting with 6)"), []


class AskOccupation(AskAction):
    slot = "occupation"

    def question(self, service):
        return _("What is the new occupation? Write the job title, e.g. electrician, truck driver or accountant."), []


class AskEstablishmentNumber(AskAction):
    slot = "establishment_number"

    def question(self, service):
        return _("What is the receiving establishment's unified number? (10 digits starting with 7)"), []


class AskPassportNumber(AskAction):
    slot = "passport_number"

    def question(self, service):
        return _("What is the new passport number? As written in the passport, e.g. A12345678."), []


class AskDate(AskAction):
    slot = "date"

    def question(self, service):
        return _("When does the new passport expire? For example: 2031-05-01, or the Hijri date 1452/07/10."), []
