"""Approvals in the conversation (maker-checker, SPEC 9.3; the rules are `residency.services.approvals`).

- An agent's confirmation that needs approval is submitted instead of executed (`submit_if_needed`),
  and the agent is told it waits.
- The owners' approve / decline buttons are `/affirm{"approval_id": "N"}` / `/deny{"approval_id": "N"}`:
  the confirm and cancel actions hand them to `answer_decision`.
- `pending_approvals` lists what waits (an owner: the establishment's, with buttons; an agent: its own).
- `set_approval_threshold`: the owner sets the threshold from chat (the amount in the message), or turns
  approvals off ("بدون موافقات").
"""

from __future__ import annotations

import re
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.bulk import residents_ar
from actions.common import latest_entities, telegram_id, unit_of_work
from actions.render import SERVICE_LABELS, render_quote_summary, riyals
from residency import calendar, identifiers
from residency.services import Quote, resolve_actor
from residency.services.approvals import (
    ApprovalView,
    decide,
    decision_buttons,
    needs_approval,
    pending,
    set_threshold,
    submit,
)

SHOWN_PENDING = 5
STATUS_LABELS = {"approved": "بالموافقة", "declined": "بالرفض", "lapsed": "بانقضاء المهلة", "refused": "ولم يُنفَّذ"}


def pressed_approval(tracker: Tracker) -> str | None:
    """The approval a pressed approve/decline button names, if the latest message is one."""
    return latest_entities(tracker).get("approval_id")


def submit_if_needed(uow, tracker: Tracker, pending_quote: dict[str, Any], key: str) -> ApprovalView | None:
    """Submit the confirmed request for approval when it needs one (None: execute it now)."""
    actor = resolve_actor(uow, telegram_id(tracker))
    service, total = pending_quote["service"], int(pending_quote.get("total") or 0)
    if not needs_approval(uow, actor, service, total):
        return None
    bulk_id = pending_quote.get("bulk_quote_id")
    label = SERVICE_LABELS.get(service, service)
    if bulk_id is not None:
        count = int(pending_quote.get("count") or 0)
        return submit(
            uow,
            actor.telegram_id,
            key,
            service,
            total,
            bulk_quote_id=int(bulk_id),
            count=count,
            summary=f"طلب جماعي: {label} لـ {residents_ar(count)}",
        )
    quote = Quote.from_dict(pending_quote)
    return submit(uow, actor.telegram_id, key, service, quote.total, quote=quote, summary=render_quote_summary(quote))


def render_submitted(view: ApprovalView) -> str:
    prefix = "سبق إرسال هذا الطلب" if view.replayed else "أرسلت الطلب"
    return (
        f"{prefix} إلى مالك المنشأة للموافقة (رقم {view.id}، الإجمالي {riyals(view.total)}). "
        "لم يُنفَّذ شيء ولم يُخصم أي مبلغ؛ يُنفَّذ عند موافقته وسأبلغك بقراره. تنقضي المهلة بعد 72 ساعة."
    )


def answer_decision(dispatcher: CollectingDispatcher, tracker: Tracker, approve: bool) -> None:
    """An owner's approve / decline button: decide, and say what it did."""
    with unit_of_work(read_only=False) as uow:
        view = decide(uow, telegram_id(tracker), int(pressed_approval(tracker)), approve)
    dispatcher.utter_message(text=render_decision(view))


def render_decision(view: ApprovalView) -> str:
    if view.replayed:
        return f"سبق البت في الطلب رقم {view.id} {STATUS_LABELS.get(view.status, '')}؛ لم يتغير شيء."
    outcome = view.outcome
    if view.status == "approved":
        return (
            f"تمت الموافقة على الطلب رقم {view.id} ونُفِّذ: {outcome.get('done', 0)} منفّذ، "
            f"{outcome.get('refused', 0)} لم يُنفَّذ، المخصوم {riyals(int(outcome.get('charged', 0)))}. أُبلغ الموظف."
        )
    if view.status == "declined":
        return f"رُفض الطلب رقم {view.id}؛ لم يُنفَّذ شيء ولم يُخصم أي مبلغ. أُبلغ الموظف."
    if view.status == "lapsed":
        return f"انقضت مهلة 72 ساعة على الطلب رقم {view.id} فأُلغي، ولم يُنفَّذ شيء."
    return f"لم يُنفَّذ الطلب رقم {view.id}: {outcome.get('message', '')}"


def answer_pending_approvals(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    with unit_of_work() as uow:
        actor = resolve_actor(uow, telegram_id(tracker))
        waiting = pending(uow, actor.telegram_id)
    if not waiting:
        dispatcher.utter_message(text="لا توجد طلبات بانتظار الموافقة.")
        return
    parts = [f"الطلبات بانتظار الموافقة ({len(waiting)}):"]
    for view in waiting:
        label = SERVICE_LABELS.get(view.service, view.service)
        count = f" لـ {residents_ar(view.count)}" if view.count > 1 else ""
        lapses = calendar.format_date(view.lapses_at.astimezone(calendar.RIYADH).date())
        parts.append(f"• رقم {view.id}: {label}{count} — {riyals(view.total)} — تنقضي مهلته {lapses}")
    buttons = []
    if actor.role == "owner":
        for view in waiting[:SHOWN_PENDING]:
            buttons += decision_buttons(view.id, suffix=f" {view.id}")
    dispatcher.utter_message(text="\n".join(parts), buttons=buttons)


_AMOUNT = re.compile(r"(\d[\d,٬]*)")
_OFF = re.compile(r"بدون|الغ|إلغ|ألغ|اوقف|أوقف|وقف|شيل|off|disable|stop|remove|no approvals?", re.IGNORECASE)
ASK_AMOUNT = "اذكر المبلغ، مثل: «حد الموافقة 5000 ريال»، أو «بدون موافقات» لإيقافها."


def answer_set_threshold(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The owner sets the approval threshold from chat ("أي طلب فوق 5000 يحتاج موافقتي"), or turns it off."""
    text = identifiers.normalize_digits(tracker.latest_message.get("text") or "")
    amount = _AMOUNT.search(text)
    if amount is None and not _OFF.search(text):
        dispatcher.utter_message(text=ASK_AMOUNT)
        return
    threshold = int(re.sub(r"[,٬]", "", amount.group(1))) if amount else None
    with unit_of_work(read_only=False) as uow:
        actor = resolve_actor(uow, telegram_id(tracker))
        set_threshold(uow, actor.telegram_id, actor.establishment_id, threshold)
    if threshold is None:
        dispatcher.utter_message(text="أُوقفت الموافقات: تُنفَّذ طلبات الموظفين عند تأكيدهم دون انتظار موافقتك.")
    else:
        dispatcher.utter_message(
            text=f"تم. طلبات الموظفين فوق {riyals(threshold)}، وكل خروج نهائي أو نقل خدمات يطلبونه، "
            "تنتظر موافقتك قبل التنفيذ (المهلة 72 ساعة)."
        )
