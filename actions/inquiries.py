"""Inquiries, reports and account status: answered at once, in or out of a form.

Each `answer_*` function parses what the message names (an entity, else the resident being talked about),
calls residency.inquiries / residency.reports and sends the text from residency.presentation.texts (in the reply
language). The actions below are thin wrappers; `action_answer_question` (actions/conversation.py) reuses
the same functions in the middle of a form.
"""

from __future__ import annotations

import base64
import json
from abc import abstractmethod

from rasa_sdk import Tracker
from rasa_sdk.events import EventType
from rasa_sdk.executor import CollectingDispatcher

from actions.approvals import answer_pending_approvals, answer_set_threshold
from actions.common import (
    DomainAction,
    focus_on,
    focused_iqama,
    list_shown,
    listed_iqama,
    latest_entities,
    latest_entity,
    telegram_id,
    unit_of_work,
)
from actions.owner_tools import answer_activity, answer_choose_establishment, answer_users
from actions.keywords import COUNT, COUNT_WORDS, LAST_TRANSACTION, RECEIPT_NUMBER
from actions.render import DOCUMENT_LABELS, render_eligibility, render_forecast
from actions.services import NUMBER, SERVICE_INPUTS, quote_inputs
from replies import N_, _, ngettext
from residency import calendar, forecast, identifiers, inquiries, reports, services
from residency.presentation import charts, documents, texts
from residency.errors import InvalidInput
from residency.rules import RULES

# Ids (N_): translate with `_()` when replying.
ASK_IQAMA = N_(
    "Send the worker's iqama number (10 digits starting with 2), or write their name and I will look them up."
)
ASK_IQAMA_OR_VISA = N_(
    "Send the worker's iqama number or the visa number (10 digits), or write the worker's name and I will look them up."
)
ASK_NAME = N_("Write the worker's name as on the iqama (in Arabic or English) and I will look them up.")
WHICH_SERVICE = N_(
    "Which service should I check? For example: “can I renew iqama 2XXXXXXXXX?”, “is an exit/re-entry possible "
    "for him?” or “can his sponsorship be transferred?”"
)
WHICH_DOCUMENT = N_(
    "Which document do you need? A transaction receipt, a visa sheet or a resident statement, with the iqama "
    "number, e.g. “receipt 2XXXXXXXXX”."
)
CSV_COLUMNS = (N_("Iqama number"), N_("Name"), N_("Iqama expiry date"), N_("Days left"))


def csv_header() -> tuple[str, ...]:
    """The expiring list's CSV columns in the current language."""
    return tuple(_(column) for column in CSV_COLUMNS)


# A pick list's buttons name their list (entity `pick_list`) and are resident inquiries, so a tap never
# fills a slot by itself: only the list shown as a form's iqama question (its id in the slot `pick_list`)
# answers that form (actions/forms.py); any other list's pick shows the resident.
SEARCH_LIST = "search"
PICK_LIST = "pick_list"


def match_buttons(matches, list_id: str = SEARCH_LIST, intent: str = "inquire_resident", **entities: str) -> list[dict]:
    """One button per match; its payload is the request the list was shown for (`intent` and `entities`),
    naming the resident and the list."""
    return [
        {
            "title": f"{texts.shown_name(m.name_ar, m.name_en)} ({m.iqama_number})",
            "payload": f"/{intent}" + _entities(**entities, iqama_number=m.iqama_number, pick_list=list_id),
        }
        for m in matches
    ]


def _entities(**values: str) -> str:
    return json.dumps(values, ensure_ascii=False)


def more_button(name: str, page: int, list_id: str = SEARCH_LIST) -> dict:
    """«المزيد»: the same name search, next page (entity `search_page`, used only by this payload)."""
    entities = _entities(person_name=name, search_page=str(page), pick_list=list_id)
    return {"title": _("More ➡️"), "payload": f"/inquire_resident_by_name{entities}"}


# A page asked for by a button: a few digits (a typed payload may say anything).
PAGE_DIGITS = 3


def _page_asked(tracker: Tracker) -> int:
    page = latest_entity(tracker, "search_page") or "1"
    return max(1, int(page)) if page.isdigit() and len(page) <= PAGE_DIGITS else 1


def answer_name_search(
    dispatcher: CollectingDispatcher,
    tracker: Tracker,
    name: str,
    list_id: str = SEARCH_LIST,
    intent: str = "inquire_resident",
    **entities: str,
) -> str | None:
    """Up to search.max_matches names as buttons continuing `intent` (with `entities`); «المزيد» when a few
    more match, a request for a narrower name when many do. A name that one resident alone matches is in
    focus, and its iqama number is returned."""
    with unit_of_work() as uow:
        result = inquiries.search_residents_page(uow, telegram_id(tracker), name, _page_asked(tracker))
    buttons = match_buttons(result.matches, list_id, intent, **entities)
    if result.more:
        buttons.append(more_button(name, result.page + 1, list_id))
    dispatcher.utter_message(text=texts.render_match_page(result), buttons=buttons)
    only = single_match(result)
    if only:
        focus_on(only.iqama_number, only.name_ar)
    return only.iqama_number if only else None


def single_match(result) -> object | None:
    """The match of a search that found exactly one resident, else None."""
    return result.matches[0] if result.found == 1 and len(result.matches) == 1 else None


def resident_named(
    dispatcher: CollectingDispatcher, tracker: Tracker, ask: str, intent: str, **entities: str
) -> str | None:
    """The iqama number of the resident this message is about: the number it names; the one resident its
    name matches (SPEC 10.2: one match goes on); else, when it names nobody, the resident of the request in
    progress (a question in the middle of a form), else the worker in focus. None
    when the answer is already given: a list of names to pick from (each pick continues `intent` with
    `entities`), no match, or `ask` (nobody named and nobody in focus)."""
    iqama = latest_entity(tracker, "iqama_number")
    name = latest_entity(tracker, "person_name")
    if iqama:
        return iqama
    if name:
        with unit_of_work() as uow:
            result = inquiries.search_residents_page(uow, telegram_id(tracker), name, _page_asked(tracker))
        only = single_match(result)
        if only:
            return only.iqama_number
        answer_name_search(dispatcher, tracker, name, SEARCH_LIST, intent, **entities)
        return None
    in_request = tracker.get_slot("iqama_number") if tracker.active_loop_name else None
    iqama = listed_iqama(tracker) or in_request or focused_iqama(tracker)
    if iqama is None:
        dispatcher.utter_message(text=_(ask))
    return iqama


def service_buttons(card) -> list[dict]:
    """The resident's likely services, then the full card and the visas; each payload is the request as
    if typed with the iqama number («جدد اقامة 2XXX»): the form asks for the rest and quotes first."""
    iqama = card.iqama_number
    buttons = [
        {"title": _(services.SERVICES[service].button), "payload": f'/{service}{{"iqama_number": "{iqama}"}}'}
        for service in inquiries.likely_services(card)
    ]
    buttons.append({"title": _("Full card"), "payload": f'/inquire_resident{{"iqama_number": "{iqama}"}}'})
    buttons.append({"title": _("Visas"), "payload": f'/inquire_visa{{"iqama_number": "{iqama}"}}'})
    return buttons


def answer_bare_iqama(dispatcher: CollectingDispatcher, tracker: Tracker, iqama: str) -> None:
    """A bare iqama number outside any request: a short card and buttons for the likely services."""
    with unit_of_work() as uow:
        card = inquiries.resident_card(uow, telegram_id(tracker), iqama)
    focus_on(card.iqama_number, card.name_ar)
    dispatcher.utter_message(text=texts.render_resident_summary(card), buttons=service_buttons(card))


def answer_resident_card(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The resident's card; a pick from a list of names: the short card with the likely services."""
    if latest_entity(tracker, "pick_list") and latest_entity(tracker, "iqama_number"):
        answer_bare_iqama(dispatcher, tracker, latest_entity(tracker, "iqama_number"))
        return
    iqama = resident_named(dispatcher, tracker, ASK_IQAMA, "inquire_resident")
    if iqama is None:
        return
    with unit_of_work() as uow:
        card = inquiries.resident_card(uow, telegram_id(tracker), iqama)
    focus_on(card.iqama_number, card.name_ar)
    dispatcher.utter_message(text=texts.render_resident_card(card))


def answer_driving_licence(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    iqama = resident_named(dispatcher, tracker, ASK_IQAMA, "inquire_driving_license")
    if iqama is None:
        return
    with unit_of_work() as uow:
        licence = inquiries.driving_licence(uow, telegram_id(tracker), iqama)
    focus_on(iqama, licence.name_ar if licence else None)
    dispatcher.utter_message(text=texts.render_licence(licence, iqama))


def answer_visa(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    visa_number = latest_entity(tracker, "visa_number")
    if visa_number:
        with unit_of_work() as uow:
            visa = inquiries.visa_by_number(uow, telegram_id(tracker), visa_number)
        focus_on(visa.iqama_number, visa.name_ar)
        dispatcher.utter_message(text=texts.render_visa(visa))
        return
    iqama = resident_named(dispatcher, tracker, ASK_IQAMA_OR_VISA, "inquire_visa")
    if iqama is None:
        return
    with unit_of_work() as uow:
        visas = inquiries.visas_of_resident(uow, telegram_id(tracker), iqama)
    focus_on(iqama, visas[0].name_ar if visas else None)
    dispatcher.utter_message(text=texts.render_visas(visas, iqama))


def _days_asked(tracker: Tracker) -> int | None:
    """ "خلال ٦٠ يوم" / "خلال شهرين" -> days; None for the report's default."""
    duration = latest_entity(tracker, "duration")
    if duration is None:
        return None
    parsed = calendar.Duration.parse(duration)
    return parsed.days or (calendar.add_months(calendar.today(), parsed.months) - calendar.today()).days


def answer_expiring(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    days = _days_asked(tracker)
    with unit_of_work() as uow:
        rows = reports.expiring_iqamas(uow, telegram_id(tracker), days)
    list_shown([row.iqama_number for row in rows])
    shown_days = days or RULES["reports"]["expiring_default_days"]
    dispatcher.utter_message(text=texts.render_expiring(rows, days))
    if not rows:
        return
    title = ngettext(
        "Iqamas expired or expiring within {days} day", "Iqamas expired or expiring within {days} days", shown_days
    ).format(days=shown_days)
    chart = charts.expiring_iqamas_chart([(r.name_ar, r.iqama_expiry, r.days_left) for r in rows], title)
    dispatcher.utter_message(json_message={"photo_base64": base64.b64encode(chart).decode("ascii"), "caption": title})
    table = charts.rows_to_csv([(r.iqama_number, r.name_ar, r.iqama_expiry, r.days_left) for r in rows], csv_header())
    dispatcher.utter_message(
        json_message={
            "document_base64": base64.b64encode(table).decode("ascii"),
            "filename": "expiring_iqamas.csv",
            "caption": _("The same list as a CSV file (opens in Excel)"),
        }
    )


def answer_abroad(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    with unit_of_work() as uow:
        rows = reports.residents_abroad(uow, telegram_id(tracker))
    list_shown([row.iqama_number for row in rows])
    dispatcher.utter_message(text=texts.render_abroad(rows))


def count_asked(text: str) -> int | None:
    """How many items the message asks for ("آخر ٥ عمليات", "last three"), if it says."""
    for digits, word in COUNT.findall(identifiers.normalize_digits(text)):
        if digits:
            return int(digits)
        if word.lower() in COUNT_WORDS:
            return COUNT_WORDS[word.lower()]
    return None


def answer_history(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The latest transactions: as many as asked for ("وريني اخر ٥ عمليات"), else the report's default."""
    with unit_of_work() as uow:
        rows = reports.transaction_history(uow, telegram_id(tracker), count_asked(tracker.latest_message.get("text")))
    dispatcher.utter_message(text=texts.render_history(rows))


def answer_account(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    with unit_of_work() as uow:
        status = reports.account_status(uow, telegram_id(tracker))
    dispatcher.utter_message(text=texts.render_account(status))


def answer_eligibility(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """ "اقدر اطلع خروج وعودة لـ 2XXX؟": every rule of that service checked, nothing charged or asked.
    The resident is the one named in the message (by number, or by a name one resident matches), else the
    worker in focus; who then stays in focus with the service, so that "تمام طلعها" asks for it."""
    service = latest_entity(tracker, "service")
    if service not in SERVICE_INPUTS:
        dispatcher.utter_message(text=_(WHICH_SERVICE))
        return
    said = latest_entities(tracker)
    if "iqama_number" in SERVICE_INPUTS[service] and not said.get("visa_number"):
        said["iqama_number"] = resident_named(dispatcher, tracker, ASK_IQAMA, "check_eligibility", service=service)
        if said["iqama_number"] is None:
            return
    inputs = quote_inputs(service, lambda slot: said.get(slot) or tracker.get_slot(slot))
    with unit_of_work() as uow:
        eligibility = services.check(uow, telegram_id(tracker), service, **inputs)
    who = inputs.get("iqama_number") or inputs.get(NUMBER) or inputs.get("border_number")
    if said.get("iqama_number"):
        focus_on(said["iqama_number"], service=service)
    dispatcher.utter_message(
        text=render_eligibility(eligibility, _("for resident {who}").format(who=who) if who else "")
    )


def _forecast_months(tracker: Tracker) -> int | str | None:
    """The horizon asked for: the longest duration of the message ("month by month for the coming
    year" -> 12), a duration in days as given (the forecast refuses it with what to write)."""
    durations = [value for value in tracker.get_latest_entity_values("duration")]
    months = []
    for value in durations:
        try:
            months.append(calendar.Duration.parse(value).months)
        except InvalidInput:
            return value
    return max(months) if months and all(months) else (durations[0] if durations else None)


def answer_forecast(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """ "كم بتكلفنا الاقامات الثلاث شهور الجاية؟": month by month, with a chart and a CSV."""
    with unit_of_work() as uow:
        result = forecast.forecast_costs(uow, telegram_id(tracker), _forecast_months(tracker))
    dispatcher.utter_message(text=render_forecast(result))
    if not result.iqamas:
        return
    title = _("Expected iqama renewal costs")
    chart = base64.b64encode(forecast.forecast_chart(result, title)).decode("ascii")
    dispatcher.utter_message(json_message={"photo_base64": chart, "caption": title})
    table = base64.b64encode(forecast.forecast_csv(result)).decode("ascii")
    dispatcher.utter_message(
        json_message={
            "document_base64": table,
            "filename": "iqama_cost_forecast.csv",
            "caption": _("The same forecast as a CSV file (opens in Excel)"),
        }
    )


def answer_document(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """ "ابي ورقة الخروج والعودة حق 2XXX": the PDF, with its verification code (muqeem document verify).

    Whose (SPEC 10.2): a receipt by its number ("ايصال رقم 12"), the latest transaction ("ايصال آخر عملية",
    an agent's own), the latest of the resident named or in focus (right after an execution: that one);
    a visa paper or a resident report of the resident named (number or name) or in focus."""
    kind = latest_entity(tracker, "document_type")
    if kind not in DOCUMENT_LABELS:
        dispatcher.utter_message(text=_(WHICH_DOCUMENT))
        return
    text = identifiers.normalize_digits(tracker.latest_message.get("text") or "")
    number = RECEIPT_NUMBER.search(text) if kind == "receipt" else None
    visa_number = latest_entity(tracker, "visa_number") if kind == "visa" else None
    iqama = None
    if number is None and visa_number is None and not (kind == "receipt" and LAST_TRANSACTION.search(text)):
        named = latest_entity(tracker, "iqama_number") or latest_entity(tracker, "person_name")
        if kind != "receipt" or named or focused_iqama(tracker):
            iqama = resident_named(dispatcher, tracker, ASK_IQAMA, "request_document", document_type=kind)
            if iqama is None:
                return
    with unit_of_work() as uow:
        document = documents.render_document(
            uow,
            telegram_id(tracker),
            kind,
            iqama_number=iqama,
            visa_number=visa_number,
            receipt_number=number.group(1) if number else None,
        )
    focus_on(iqama)
    caption = _("{document} — verification code: {code}").format(document=_(DOCUMENT_LABELS[kind]), code=document.code)
    dispatcher.utter_message(
        json_message={
            "document_base64": base64.b64encode(document.pdf).decode("ascii"),
            "filename": document.filename,
            "caption": caption,
        }
    )


# intent -> answer (its events, if any), for the actions below and for questions asked in the middle of a form
ANSWERS = {
    "pending_approvals": answer_pending_approvals,
    "set_approval_threshold": answer_set_threshold,
    "request_document": answer_document,
    "check_eligibility": answer_eligibility,
    "forecast_costs": answer_forecast,
    "inquire_resident": answer_resident_card,
    "inquire_driving_license": answer_driving_licence,
    "inquire_visa": answer_visa,
    "report_expiring_iqamas": answer_expiring,
    "report_residents_abroad": answer_abroad,
    "transaction_history": answer_history,
    "account_status": answer_account,
    "manage_users": answer_users,
    "show_activity": answer_activity,
    "choose_establishment": answer_choose_establishment,
}


class AnswerAction(DomainAction):
    """An action answering one inquiry or report intent with its `ANSWERS` function."""

    @property
    @abstractmethod
    def intent(self) -> str:
        """The intent answered; subclasses set it as a class attribute."""

    @property
    @abstractmethod
    def action_name(self) -> str:
        """The action's name in domain.yml; subclasses set it as a class attribute."""

    def name(self) -> str:
        return self.action_name

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        return ANSWERS[self.intent](dispatcher, tracker) or []


class ActionResidentCard(AnswerAction):
    intent, action_name = "inquire_resident", "action_resident_card"


class ActionDrivingLicence(AnswerAction):
    intent, action_name = "inquire_driving_license", "action_driving_licence"


class ActionVisaInfo(AnswerAction):
    intent, action_name = "inquire_visa", "action_visa_info"


class ActionExpiringIqamas(AnswerAction):
    intent, action_name = "report_expiring_iqamas", "action_expiring_iqamas"


class ActionResidentsAbroad(AnswerAction):
    intent, action_name = "report_residents_abroad", "action_residents_abroad"


class ActionTransactionHistory(AnswerAction):
    intent, action_name = "transaction_history", "action_transaction_history"


class ActionAccountStatus(AnswerAction):
    intent, action_name = "account_status", "action_account_status"


class ActionCheckEligibility(AnswerAction):
    intent, action_name = "check_eligibility", "action_check_eligibility"


class ActionForecastCosts(AnswerAction):
    intent, action_name = "forecast_costs", "action_forecast_costs"


class ActionSendDocument(AnswerAction):
    intent, action_name = "request_document", "action_send_document"


class ActionPendingApprovals(AnswerAction):
    intent, action_name = "pending_approvals", "action_pending_approvals"


class ActionSetApprovalThreshold(AnswerAction):
    intent, action_name = "set_approval_threshold", "action_set_approval_threshold"


class ActionSearchResidents(DomainAction):
    """A name search ("ابحث عن محمد خان"): the matches as buttons; with an iqama number, its card."""

    def name(self) -> str:
        return "action_search_residents"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        name = latest_entity(tracker, "person_name")
        if latest_entity(tracker, "iqama_number"):
            answer_resident_card(dispatcher, tracker)
        elif name:
            answer_name_search(dispatcher, tracker, name)
        else:
            dispatcher.utter_message(text=_(ASK_NAME))
        return []


class ActionManageUsers(AnswerAction):
    intent, action_name = "manage_users", "action_manage_users"


class ActionShowActivity(AnswerAction):
    intent, action_name = "show_activity", "action_show_activity"


class ActionChooseEstablishment(AnswerAction):
    """Runs before the account has chosen an establishment too (the choice is what it lacks)."""

    intent, action_name = "choose_establishment", "action_choose_establishment"
    needs_establishment = False
