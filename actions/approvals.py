"""Approvals in the conversation (maker-checker, SPEC 9.3; the rules are `residency.services.approvals`).

- An agent's confirmation that needs approval is submitted instead of executed (`submit_if_needed`),
  and the agent is told it waits.
- The owners' approve / decline buttons are `/affirm{"approval_id": "N"}` / `/deny{"approval_id": "N"}`:
  `action_decide_approval` hands them to `answer_decision`, whatever else is open.
- `pending_approvals` lists what waits (an owner: the establishment's, with buttons; an agent: its own).
- `set_approval_threshold`: the owner sets the threshold from chat (the amount in the message), or turns
  approvals off ("بدون موافقات").
"""

from __future__ import annotations

from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.bulk import residents_phrase
from actions.common import latest_entities, telegram_id, unit_of_work
from actions.keywords import AMOUNT, APPROVALS_OFF, THOUSANDS_SEPARATORS
from actions.render import render_quote_summary, riyals, service_label
from replies import N_, _
from residency import calendar, identifiers
from residency.presentation.texts import describe_request
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
# What a replayed decision says, by the request's status (ids).
ALREADY_DECIDED = {
    "approved": N_("Request {id} was already decided: approved. Nothing changed."),
    "declined": N_("Request {id} was already decided: declined. Nothing changed."),
    "lapsed": N_("Request {id} was already decided: it lapsed. Nothing changed."),
    "refused": N_("Request {id} was already decided and was not carried out. Nothing changed."),
}
ALREADY_DECIDED_OTHERWISE = N_("Request {id} was already decided; nothing changed.")


# An approval's number as a button carries it: a few ASCII digits (a typed payload may say anything).
APPROVAL_ID_DIGITS = 9
MALFORMED_BUTTON = N_(
    "This button is not valid, so nothing was done. Ask for the requests waiting for approval to get their "
    "buttons again."
)


def pressed_approval(tracker: Tracker) -> int | None:
    """The approval a pressed approve/decline button names (None when the message names none, or a
    malformed one)."""
    value = latest_entities(tracker).get("approval_id") or ""
    return int(value) if value.isascii() and value.isdigit() and len(value) <= APPROVAL_ID_DIGITS else None


def submit_if_needed(uow, tracker: Tracker, pending_quote: dict[str, Any], key: str) -> ApprovalView | None:
    """Submit the confirmed request for approval when it needs one (None: execute it now)."""
    actor = resolve_actor(uow, telegram_id(tracker))
    service, total = pending_quote["service"], int(pending_quote.get("total") or 0)
    if not needs_approval(uow, actor, service, total):
        return None
    bulk_id = pending_quote.get("bulk_quote_id")
    label = service_label(service)
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
            summary=_("Bulk request: {service} for {residents}").format(
                service=label, residents=residents_phrase(count)
            ),
        )
    quote = Quote.from_dict(pending_quote)
    return submit(uow, actor.telegram_id, key, service, quote.total, quote=quote, summary=render_quote_summary(quote))


def render_submitted(view: ApprovalView) -> str:
    if view.replayed:
        text = _(
            "This request was already sent to the establishment's owner for approval (number {id}, total "
            "{amount}). Nothing was done and nothing was charged; it is carried out when they approve, and I will "
            "tell you their decision. The request lapses after 72 hours."
        )
    else:
        text = _(
            "I sent the request to the establishment's owner for approval (number {id}, total {amount}). Nothing "
            "was done and nothing was charged; it is carried out when they approve, and I will tell you their "
            "decision. The request lapses after 72 hours."
        )
    return text.format(id=view.id, amount=riyals(view.total))


def answer_decision(dispatcher: CollectingDispatcher, tracker: Tracker, approve: bool) -> None:
    """An owner's approve / decline button: decide, and say what it did."""
    approval_id = pressed_approval(tracker)
    if approval_id is None:
        dispatcher.utter_message(text=_(MALFORMED_BUTTON))
        return
    with unit_of_work(read_only=False) as uow:
        view = decide(uow, telegram_id(tracker), approval_id, approve)
    dispatcher.utter_message(text=render_decision(view))


def render_decision(view: ApprovalView) -> str:
    if view.replayed:
        return _(ALREADY_DECIDED.get(view.status, ALREADY_DECIDED_OTHERWISE)).format(id=view.id)
    outcome = view.outcome
    if view.status == "approved":
        return _(
            "Request {id} approved and carried out: {done} done, {refused} not done, {amount} charged. The "
            "employee has been told."
        ).format(
            id=view.id,
            done=outcome.get("done", 0),
            refused=outcome.get("refused", 0),
            amount=riyals(int(outcome.get("charged", 0))),
        )
    if view.status == "declined":
        return _("Request {id} declined; nothing was done and nothing was charged. The employee has been told.").format(
            id=view.id
        )
    if view.status == "lapsed":
        return _("Request {id} lapsed after 72 hours and was cancelled; nothing was done.").format(id=view.id)
    return _("Request {id} was not carried out: {reason}").format(id=view.id, reason=outcome.get("message", ""))


def answer_pending_approvals(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    with unit_of_work() as uow:
        actor = resolve_actor(uow, telegram_id(tracker))
        waiting = pending(uow, actor.telegram_id)
    if not waiting:
        dispatcher.utter_message(text=_("No requests are waiting for approval."))
        return
    parts = [_("Requests waiting for approval ({n}):").format(n=len(waiting))]
    for view in waiting:  # each names its worker(s), the service, the inputs and the amount
        parts.append(
            _("• No. {id} from «{maker}» — {amount} — lapses {date}:\n{request}").format(
                id=view.id,
                maker=view.maker_name,
                amount=riyals(view.total),
                date=calendar.format_date(view.lapses_at.astimezone(calendar.RIYADH).date()),
                request=describe_request(view),
            )
        )
    buttons = []
    if actor.role == "owner":
        for view in waiting[:SHOWN_PENDING]:
            buttons += decision_buttons(view.id, suffix=f" {view.id}")
    dispatcher.utter_message(text="\n".join(parts), buttons=buttons)


ASK_AMOUNT = N_("Give the amount, e.g. “approval threshold 5000 SAR”, or “no approvals” to turn approvals off.")


def answer_set_threshold(dispatcher: CollectingDispatcher, tracker: Tracker) -> None:
    """The owner sets the approval threshold from chat ("أي طلب فوق 5000 يحتاج موافقتي"), or turns it off."""
    text = identifiers.normalize_digits(tracker.latest_message.get("text") or "")
    amount = AMOUNT.search(text)
    if amount is None and not APPROVALS_OFF.search(text):
        dispatcher.utter_message(text=_(ASK_AMOUNT))
        return
    threshold = int(THOUSANDS_SEPARATORS.sub("", amount.group(1))) if amount else None
    with unit_of_work(read_only=False) as uow:
        actor = resolve_actor(uow, telegram_id(tracker))
        set_threshold(uow, actor.telegram_id, actor.establishment_id, threshold)
    if threshold is None:
        dispatcher.utter_message(
            text=_(
                "Approvals are off: employees' requests are carried out when they confirm, without waiting for "
                "your approval."
            )
        )
    else:
        dispatcher.utter_message(
            text=_(
                "Done. Employees' requests above {amount}, and every final exit or sponsorship transfer they "
                "request, wait for your approval before they are carried out (time limit: 72 hours)."
            ).format(amount=riyals(threshold))
        )
