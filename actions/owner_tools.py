"""The owner's tools in the conversation (SPEC 10.4): users from chat, the activity log, several
establishments. The rules are the domain's (residency.users, residency.activity, residency.accounts): an agent
asking for the users' tools is refused there with the reason.

- Users: «ضيف مندوب يقدر يجدد ويطلع خروج وعودة» opens a draft of the new agent's services (those named
  ticked), changed by buttons, then «إنشاء رمز التفعيل» answers with the one-time code; «مين المستخدمين» lists
  them; «وقف / رجع / احذف المندوب يوسف»; «غير صلاحيات يوسف» opens a draft of his services. The draft lives in
  the slot `agent_draft` ({"agent": telegram id or None for a new one, "name", "services"}); the buttons
  are `/manage_users{"user_action": ..., "service": ...}`.
- Activity: «وش سوى أحمد اليوم؟», "activity this week": the lines, and a CSV when they are over 20.
- Establishments: «اشتغل على مؤسسة النور», `/est` (sent by the front ends as `/choose_establishment`), or a
  button `/choose_establishment{"establishment_number": ...}`; without a choice, the list as buttons.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.common import latest_entities, latest_entity, telegram_id, unit_of_work
from actions.keywords import ACTIVITY_PERIODS, ARABIC_QUESTION_MARK, ESTABLISHMENT_CUES, ORDINALS, USER_ACTIONS
from actions.render import service_label
from replies import N_, _
from residency import accounts, activity, calendar, users
from residency.presentation import texts
from residency.accounts import Membership
from residency.services import ALL_SERVICES, SERVICES
from residency.services.base import INQUIRIES as INQUIRY_SERVICES
from residency.text_safety import isolate

DRAFT = "agent_draft"
# The toggles of a draft: each service, and the inquiries and reports as one.
INQUIRIES = "inquiries"
INQUIRIES_LABEL = N_("Inquiries and reports")
CREATE_CODE = N_("🔑 Create the activation code")
SAVE = N_("💾 Save")
DRAFT_CANCEL = N_("Cancel")
NEW_AGENT = N_("A new agent may use (tap to add or remove):")
AGENT_SERVICES = N_("«{name}» may use (tap to add or remove):")
CHOSEN_NONE = N_("nothing chosen yet")
INVITED = N_(
    "The activation code of the new agent{name}: {code}\nIt works once, until {until}. The agent sends “/start "
    "{code}” to this bot. Services: {services}."
)
USERS_HEADER = N_("👥 Users of the establishment:")
SUSPENDED = N_("«{name}» is suspended: their next message is refused.")
REMOVED = N_("«{name}» is removed: their next message is refused.")
LAPSED = N_("Their requests waiting for approval lapsed: {ids}.")
REACTIVATED = N_("«{name}» may work again, with the services they had.")
SERVICES_SAVED = N_("«{name}» may now use: {services}.")
WHICH_AGENT = N_("Which agent? Write their name as in the users list, e.g. “suspend agent Yousef”.")
CHOOSE = N_("Which establishment do you want to work on?")
WORKING_ON = N_("You are now working on {name} ({number}). Every quote and receipt names it.")


def _button(title: str, intent: str, **entities: Any) -> dict[str, str]:
    return {"title": title, "payload": f"/{intent}" + json.dumps(entities, ensure_ascii=False)}


# ---- users -------------------------------------------------------------------------------------------


def _draft_labels(services: list[str]) -> str:
    chosen = [service_label(service) for service in services if service in SERVICES]
    if any(service in INQUIRY_SERVICES for service in services):
        chosen.append(_(INQUIRIES_LABEL))
    return _(", ").join(chosen) if chosen else _(CHOSEN_NONE)


def _toggle(services: list[str], choice: str) -> list[str]:
    group = list(INQUIRY_SERVICES) if choice == INQUIRIES else [choice]
    if all(service in services for service in group):
        return [service for service in services if service not in group]
    return services + [service for service in group if service not in services]


def show_draft(dispatcher: CollectingDispatcher, draft: dict[str, Any]) -> list[EventType]:
    """The draft's services, with a toggle button for each and the button that finishes it."""
    head = _(AGENT_SERVICES).format(name=draft["name"]) if draft.get("agent") else _(NEW_AGENT)
    services = draft["services"]
    toggles = [
        _button(("✅ " if choice in services else "➕ ") + service_label(choice), "manage_users",
                user_action="toggle", service=choice)
        for choice in SERVICES
    ]  # fmt: skip
    inquiries_on = all(service in services for service in INQUIRY_SERVICES)
    toggles.append(
        _button(("✅ " if inquiries_on else "➕ ") + _(INQUIRIES_LABEL), "manage_users", user_action="toggle",
                service=INQUIRIES)
    )  # fmt: skip
    finish = _button(_(SAVE if draft.get("agent") else CREATE_CODE), "manage_users", user_action="finish")
    dispatcher.utter_message(
        text=f"{head}\n{_draft_labels(services)}",
        buttons=toggles + [finish, _button(_(DRAFT_CANCEL), "manage_users", user_action="drop")],
    )
    return [SlotSet(DRAFT, draft)]


def _agent_named(tracker: Tracker) -> str | None:
    """The agent a message or button names: its Telegram id (a button) or the name written."""
    return latest_entity(tracker, "agent") or latest_entity(tracker, "person_name")


def _user_action(tracker: Tracker) -> str:
    said = latest_entities(tracker).get("user_action")
    if said:
        return said
    text = tracker.latest_message.get("text") or ""
    return next((action for action, pattern in USER_ACTIONS if pattern.search(text)), "list")


def _finish(dispatcher: CollectingDispatcher, tracker: Tracker, draft: dict[str, Any]) -> list[EventType]:
    with unit_of_work(read_only=False) as uow:
        if draft.get("agent"):
            view = users.set_agent_services(uow, telegram_id(tracker), draft["agent"], draft["services"])
            text = _(SERVICES_SAVED).format(name=draft["name"], services=_draft_labels(list(view.services)))
        else:
            invited = users.add_agent(uow, telegram_id(tracker), draft["services"], draft.get("name"))
            text = _(INVITED).format(
                name=f" «{invited.name}»" if invited.name else "",
                code=invited.code,
                until=texts.format_moment(invited.expires_at),
                services=_draft_labels(list(invited.services)),
            )
    dispatcher.utter_message(text=text)
    return [SlotSet(DRAFT, None)]


def _take_away(dispatcher: CollectingDispatcher, tracker: Tracker, action: str, agent: str) -> None:
    with unit_of_work(read_only=False) as uow:
        if action == "reactivate":
            view = users.reactivate_agent(uow, telegram_id(tracker), agent)
            dispatcher.utter_message(text=_(REACTIVATED).format(name=view.name or view.telegram_id))
            return
        change = (users.suspend_agent if action == "suspend" else users.remove_agent)(uow, telegram_id(tracker), agent)
    done = SUSPENDED if action == "suspend" else REMOVED
    said = _(done).format(name=change.user.name or change.user.telegram_id)
    if change.lapsed_approvals:
        said += "\n" + _(LAPSED).format(ids=_(", ").join(str(i) for i in change.lapsed_approvals))
    dispatcher.utter_message(text=said)


def answer_users(dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
    """The users' tools (module docstring)."""
    action = _user_action(tracker)
    draft = tracker.get_slot(DRAFT) if isinstance(tracker.get_slot(DRAFT), dict) else None
    if action == "toggle" and draft is not None:
        return show_draft(dispatcher, {**draft, "services": _toggle(list(draft["services"]),
                                                                    latest_entity(tracker, "service") or "")})  # fmt: skip
    if action == "finish" and draft is not None:
        return _finish(dispatcher, tracker, draft)
    if action == "drop":
        dispatcher.utter_message(text=_("All right, nothing was changed."))
        return [SlotSet(DRAFT, None)]
    if action == "add":
        named = [value for value in tracker.get_latest_entity_values("service") if value in ALL_SERVICES]
        return show_draft(dispatcher, {"agent": None, "name": latest_entity(tracker, "person_name"), "services": named})
    if action in ("suspend", "reactivate", "remove", "edit"):
        agent = _agent_named(tracker)
        if agent is None:
            dispatcher.utter_message(text=_(WHICH_AGENT))
            return []
        if action != "edit":
            _take_away(dispatcher, tracker, action, agent)
            return []
        with unit_of_work() as uow:
            view = users.find_agent(uow, telegram_id(tracker), agent)
        return show_draft(dispatcher, {"agent": view.telegram_id, "name": view.name or str(view.telegram_id),
                                       "services": list(view.services)})  # fmt: skip
    with unit_of_work() as uow:
        views = users.list_users(uow, telegram_id(tracker))
    dispatcher.utter_message(text="\n".join([_(USERS_HEADER)] + [texts.render_user(view) for view in views]))
    return []


# ---- activity ----------------------------------------------------------------------------------------


def answer_activity(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """«وش سوى أحمد اليوم؟»: the lines of that person and period (an agent: its own), a CSV beside many."""
    text = tracker.latest_message.get("text") or ""
    period = latest_entity(tracker, "date") or next(
        (p for p, pattern in ACTIVITY_PERIODS if pattern.search(text)), None
    )
    if period == "month":
        period = calendar.today().replace(day=1)
    with unit_of_work() as uow:
        report = activity.activity(uow, telegram_id(tracker), _agent_named(tracker), period)
    dispatcher.utter_message(text=texts.render_activity(report))
    if texts.needs_activity_csv(report):
        table = base64.b64encode(texts.activity_csv(report.rows)).decode("ascii")
        dispatcher.utter_message(
            json_message={
                "document_base64": table,
                "filename": "activity.csv",
                "caption": _("The whole activity as CSV"),
            }
        )


# ---- several establishments --------------------------------------------------------------------------


def establishment_choice(tracker: Tracker) -> str | None:
    """The establishment the message chooses: a button's number, a place («الثانية»), or what is left of the
    text after the cue words («اشتغل على مؤسسة النور» -> «مؤسسة النور»); None: no choice made."""
    number = latest_entity(tracker, "establishment_number")
    if number:
        return number
    text = tracker.latest_message.get("text") or ""
    if text.startswith("/"):
        return None
    words = text.replace(ARABIC_QUESTION_MARK, " ").replace("?", " ").split()
    while words and words[0].lower() in ESTABLISHMENT_CUES:
        words.pop(0)
    if len(words) == 1 and words[0] in ORDINALS:
        return str(ORDINALS[words[0]])
    return " ".join(words) or None


def establishment_buttons(memberships: list[Membership]) -> list[dict[str, str]]:
    return [
        _button(("✅ " if m.current else "") + f"{m.establishment_name} ({m.establishment_number})",
                "choose_establishment", establishment_number=m.establishment_number)
        for m in memberships
    ]  # fmt: skip


def answer_choose_establishment(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    choice = establishment_choice(tracker)
    if choice is None:
        with unit_of_work() as uow:
            memberships = accounts.establishments_of(uow, telegram_id(tracker))
        dispatcher.utter_message(text=_(CHOOSE), buttons=establishment_buttons(memberships))
        return
    with unit_of_work(read_only=False) as uow:
        chosen = accounts.choose_establishment(uow, telegram_id(tracker), choice)
    dispatcher.utter_message(
        text=_(WORKING_ON).format(name=isolate(chosen.establishment_name), number=chosen.establishment_number)
    )
