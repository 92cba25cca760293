"""The forms' questions (`action_ask_<slot>`, found by Rasa's forms for every form): one short Arabic
question each, worded for the service being asked for, with choice buttons where the answers are few.

They are actions rather than `utter_ask_*` responses so that the wording can follow the service (an iqama
period vs. a visa duration) and so that the iqama question can offer name matches
(see actions/conversation.py).
"""

from __future__ import annotations

from abc import ABC, abstractmethod

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType

from actions.common import active_service, speaking
from residency.rules import RULES


def _inform_button(title: str, entity: str, value: str) -> dict:
    return {"title": title, "payload": f'/inform{{"{entity}": "{value}"}}'}


def occupation_buttons(titles: list[str]) -> list[dict]:
    """One button per suggested occupation (canonical titles of residency/occupations.yml)."""
    return [_inform_button(title, "occupation", title) for title in titles]


def iqama_period_buttons() -> list[dict]:
    titles = {12: "سنة"}
    return [
        _inform_button(titles.get(m, f"{m} أشهر"), "duration", f"P{m}M")
        for m in RULES["iqama"]["allowed_periods_months"]
    ]


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
        return "ما رقم الحدود للعامل الجديد؟ (10 أرقام يبدأ بالرقم 3 أو 4)", []


def iqama_periods() -> str:
    """ "3 أو 6 أو 9 أو 12 شهرًا", from the rules data."""
    return " أو ".join(str(m) for m in RULES["iqama"]["allowed_periods_months"]) + " شهرًا"


class AskDuration(AskAction):
    slot = "duration"

    def question(self, service):
        if service == "renew_iqama":
            return f"كم مدة التجديد؟ {iqama_periods()}.", iqama_period_buttons()
        if service == "issue_iqama":
            return f"كم مدة الإقامة؟ {iqama_periods()}.", iqama_period_buttons()
        if service == "extend_exit_reentry":
            return "كم شهرًا تضيف إلى التأشيرة؟ مثل: شهر أو شهرين.", []
        return "كم مدة التأشيرة؟ اكتبها بالأشهر أو بالأيام، مثل: شهرين أو 90 يومًا.", []


class AskVisaType(AskAction):
    slot = "visa_type"

    def question(self, service):
        return "خروج وعودة مفردة أم متعددة؟", [
            _inform_button("مفردة", "visa_type", "single"),
            _inform_button("متعددة", "visa_type", "multiple"),
        ]


class AskVisaNumber(AskAction):
    slot = "visa_number"

    def question(self, service):
        return "ما رقم التأشيرة؟ (10 أرقام يبدأ بالرقم 6)", []


class AskOccupation(AskAction):
    slot = "occupation"

    def question(self, service):
        return "ما المهنة الجديدة؟ اكتب المسمى المهني، مثل: فني كهرباء أو سائق شاحنة أو محاسب.", []


class AskEstablishmentNumber(AskAction):
    slot = "establishment_number"

    def question(self, service):
        return "ما الرقم الموحد للمنشأة المستقبلة؟ (10 أرقام يبدأ بالرقم 7)", []


class AskPassportNumber(AskAction):
    slot = "passport_number"

    def question(self, service):
        return "ما رقم الجواز الجديد؟ كما هو في الجواز، مثل A12345678.", []


class AskDate(AskAction):
    slot = "date"

    def question(self, service):
        return "ما تاريخ انتهاء الجواز الجديد؟ مثل: 2031-05-01 أو 1452/07/10 هـ.", []
