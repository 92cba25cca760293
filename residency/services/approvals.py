"""Approvals, maker-checker (SPEC 9.3): an agent's confirmed request that needs an owner's approval waits,
and runs only when an owner approves it, with every rule checked again at that moment.

- `needs_approval`: the establishment has a threshold (`approval_above`, riyals; NULL: no approvals) and
  the confirmer is an agent, and the request's total is above it, or it is a final exit or a sponsorship
  transfer (whatever its fee). A bulk request counts its whole total. An owner's requests never wait.
- `submit`: records the request under the agent's confirmation key (a repeated confirmation submits
  nothing twice) and queues, for every owner, a message with approve / decline buttons
  (`/affirm{"approval_id": "N"}` / `/deny{"approval_id": "N"}`: the dialogue routes them to `decide`).
- `decide`: an owner approves (the request is executed as the agent, under the key "approval:N", so a
  double tap or two owners at once execute it once) or declines; a decided request reports its outcome
  and changes nothing. Undecided for 72 hours (`LAPSE_AFTER`) it lapses: deciding it then says so, and
  the daily run (`lapse_overdue`) marks it and tells the agent. The agent is told every outcome.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from replies import N_, _, language, ngettext
from residency import activity
from residency.activity import user_name
from residency.db import UnitOfWork
from residency.errors import NotFound, QuoteChanged, ResidencyError, Unauthorized
from residency.models import Approval, Notification, User, utcnow
from residency.services import execute
from residency.services.base import SERVICES, Actor, Quote, refuse_other_establishment, resolve_actor
from residency.services.bulk import execute_bulk, stored_offer
from residency.presentation.texts import describe_request

LAPSE_AFTER = timedelta(hours=72)
# Why an approved request whose terms changed since the agent confirmed it was not carried out (an id).
TERMS_CHANGED = N_(
    "its fees or details changed after it was sent for approval, so nothing was done and nothing was charged. "
    "Make the request again to see the current fees."
)


@dataclass(frozen=True)
class ApprovalView:
    """A request for approval as owners and agents see it: what is approved (the service, each resident it
    covers as (iqama or border number, name), the inputs other than the resident's number, the total) and
    who asked (`maker_name`: the agent's display name, else its Telegram id)."""

    id: int
    service: str
    total: int
    status: str
    count: int  # residents the request covers
    maker_user_id: int
    created_at: datetime
    outcome: dict[str, Any]
    replayed: bool = False
    maker_name: str = ""
    residents: tuple[tuple[str, str], ...] = ()  # a bulk request: those that can go
    inputs: dict[str, Any] = field(default_factory=dict)

    @property
    def lapses_at(self) -> datetime:
        return self.created_at + LAPSE_AFTER


def needs_approval(uow: UnitOfWork, actor: Actor, service: str, total: int) -> bool:
    threshold = uow.repo.establishment(actor.establishment_id).approval_above
    if actor.role == "owner" or threshold is None:
        return False
    return SERVICES[service].agent_needs_approval or total > threshold


def submit(
    uow: UnitOfWork,
    telegram_id: int,
    key: str,
    service: str,
    total: int,
    quote: Quote | None = None,
    bulk_quote_id: int | None = None,
    count: int = 1,
    summary: str = "",
) -> ApprovalView:
    """Record the agent's request for approval (once per confirmation `key`) and ask the owners."""
    actor = resolve_actor(uow, telegram_id)
    if quote is not None:
        refuse_other_establishment(actor, quote.establishment_number, quote.establishment_name)
    if bulk_quote_id is not None:
        stored_offer(uow, telegram_id, bulk_quote_id)  # of the establishment the account works on
    prior = uow.repo.approval_by_key(key)
    if prior is not None:
        return _view(uow, prior, replayed=True)
    row = Approval(
        establishment_id=actor.establishment_id,
        maker_user_id=actor.user_id,
        request_key=key,
        service=service,
        quote=quote.to_dict() if quote is not None else None,
        bulk_quote_id=bulk_quote_id,
        total=total,
        status="pending",
        result={"count": count, "summary": summary},
    )
    uow.repo.add(row)
    view = _view(uow, row)
    for owner in uow.repo.owners(actor.establishment_id):
        with language(owner.language):  # in the owner's language
            text = _(
                "A request awaiting your approval (no. {id}) from «{maker}»:\n{request}\n"
                "Total: {total} SAR. It lapses after 72 hours. Do you approve?"
            ).format(id=row.id, maker=view.maker_name, request=describe_request(view), total=total)
            buttons = decision_buttons(row.id)
        uow.repo.add(Notification(telegram_id=owner.telegram_id, text=text, buttons=buttons))
    uow.commit()
    return view


def decision_buttons(approval_id: int, suffix: str = "") -> list[dict[str, str]]:
    """The owner's approve / decline buttons of a request: dialogue payloads naming it (the confirm and
    cancel intents with the entity `approval_id`), written here once for the outbox and the chat."""
    return [
        {"title": _("Approve") + suffix, "payload": f'/affirm{{"approval_id": "{approval_id}"}}'},
        {"title": _("Decline") + suffix, "payload": f'/deny{{"approval_id": "{approval_id}"}}'},
    ]


def decide(uow: UnitOfWork, telegram_id: int, approval_id: int, approve: bool) -> ApprovalView:
    """An owner's decision on a pending request (see the module docstring), as the account's user in the
    request's establishment (its button works whatever establishment the account works on)."""
    actor = _decider(uow, telegram_id, approval_id)
    row = _locked(uow, actor, approval_id)
    if actor.role != "owner":
        raise Unauthorized("owner_only", _("Only the establishment's owner may approve or decline requests."))
    if row.status != "pending":
        return _view(uow, row, replayed=True)
    if _overdue(row):
        return _close(uow, row, actor, "lapsed", {})
    if not approve:
        return _close(uow, row, actor, "declined", {})
    maker = uow.repo.user(row.maker_user_id)
    try:
        outcome = _execute_as_maker(uow, maker.telegram_id, row)
    except QuoteChanged:  # no new offer is shown here: say what is true of this request
        uow.rollback()
        return _close(uow, _locked(uow, actor, approval_id), actor, "refused", {"message": _(TERMS_CHANGED)})
    except ResidencyError as error:  # a rule refuses it now: nothing ran
        uow.rollback()
        return _close(uow, _locked(uow, actor, approval_id), actor, "refused", {"message": error.message})
    row = _locked(uow, actor, approval_id)
    if row.status != "pending":  # another owner's tap finished first: same execution, told once
        return _view(uow, row, replayed=True)
    return _close(uow, row, actor, "approved", outcome)


def _decider(uow: UnitOfWork, telegram_id: int, approval_id: int) -> Actor:
    """The account's user in the establishment of the request; NotFound unknown_approval when the account
    holds no role there (exactly like an unknown number), and a stranger is told it is not activated."""
    row = uow.repo.approval(int(approval_id))
    if row is None or uow.repo.user_in(row.establishment_id, telegram_id) is None:
        resolve_actor(uow, telegram_id)
        raise _unknown_approval()
    return resolve_actor(uow, telegram_id, row.establishment_id)


def _unknown_approval() -> NotFound:
    return NotFound("unknown_approval", _("Your establishment has no request awaiting approval with this number."))


def _execute_as_maker(uow: UnitOfWork, maker_telegram_id: int, row: Approval) -> dict[str, Any]:
    """Carry the request out as its agent, in the request's establishment."""
    key = f"approval:{row.id}"
    if row.bulk_quote_id is not None:
        outcome = execute_bulk(uow, maker_telegram_id, row.bulk_quote_id, key, establishment_id=row.establishment_id)
        return {
            "done": len(outcome.done),
            "refused": len(outcome.refused),
            "charged": outcome.charged,
            "receipt_numbers": [receipt.receipt_number for _, receipt in outcome.done],
        }
    receipt = execute(uow, maker_telegram_id, row.quote, key, row.establishment_id)
    return {"done": 1, "refused": 0, "charged": receipt.total, "receipt_numbers": [receipt.receipt_number]}


def _locked(uow: UnitOfWork, actor: Actor, approval_id: int) -> Approval:
    row = uow.repo.approval(int(approval_id), lock=True)
    if row is None or row.establishment_id != actor.establishment_id:
        raise _unknown_approval()
    return row


def _overdue(row: Approval, now: datetime | None = None) -> bool:
    created = row.created_at if row.created_at.tzinfo else row.created_at.replace(tzinfo=timezone.utc)
    return (now or utcnow()) - created >= LAPSE_AFTER


# Ids (N_): translated with _() when the agent's message is made.
OUTCOME_TEXT = {
    "approved": N_(
        "The owner approved your request no. {id} and it was carried out: {done} done, {refused} refused, "
        "{charged} SAR charged."
    ),
    "declined": N_("The owner declined your request no. {id}; nothing was done and nothing was charged."),
    "lapsed": N_(
        "Your request no. {id} lapsed after 72 hours without a decision, so it was cancelled and nothing was "
        "charged. Make the request again if needed."
    ),
    "refused": N_("The owner approved your request no. {id} but it was not carried out: {message}"),
    "suspended": N_(
        "Your request no. {id} was cancelled because your access to the establishment was suspended; nothing was "
        "done and nothing was charged."
    ),
    "removed": N_(
        "Your request no. {id} was cancelled because your access to the establishment was removed; nothing was "
        "done and nothing was charged."
    ),
}


def _close(uow: UnitOfWork, row: Approval, actor: Actor | None, status: str, outcome: dict[str, Any]) -> ApprovalView:
    _settle(uow, row, actor, status, outcome)
    view = _view(uow, row)
    uow.commit()
    return view


def _settle(
    uow: UnitOfWork, row: Approval, actor: Actor | None, status: str, outcome: dict[str, Any], why: str | None = None
) -> None:
    """Give the request its final status, record an owner's decision (`actor`) in the activity log and tell
    the agent (OUTCOME_TEXT[why or status]); not committed."""
    row.status = status
    row.decided_at = utcnow()
    row.decided_by_user_id = actor.user_id if actor is not None else None
    row.result = {**(row.result or {}), **outcome}
    if actor is not None:
        activity.record_decision(uow, row, actor.user_id)
    maker = uow.repo.user(row.maker_user_id)
    with language(getattr(maker, "language", None)):  # in the agent's language (a refusal's message as made)
        text = _(OUTCOME_TEXT[why or status]).format(
            id=row.id, **{"done": 0, "refused": 0, "charged": 0, "message": "", **outcome}
        )
    uow.repo.add(Notification(telegram_id=maker.telegram_id, text=text, buttons=[]))


def _maker_gone(why: str, name: str, ids: list[int]) -> str:
    """What the other owners are told when an agent's pending requests lapse with its access."""
    figures = {"name": name, "ids": _(", ").join(str(i) for i in ids)}
    if why == "suspended":
        return ngettext(
            "«{name}» was suspended, so their request no. {ids} waiting for approval lapsed; nothing was done and "
            "nothing was charged.",
            "«{name}» was suspended, so their requests no. {ids} waiting for approval lapsed; nothing was done and "
            "nothing was charged.",
            len(ids),
        ).format(**figures)
    return ngettext(
        "«{name}» was removed, so their request no. {ids} waiting for approval lapsed; nothing was done and nothing "
        "was charged.",
        "«{name}» was removed, so their requests no. {ids} waiting for approval lapsed; nothing was done and nothing "
        "was charged.",
        len(ids),
    ).format(**figures)


def lapse_for_maker(uow: UnitOfWork, maker: User, why: str, by_user_id: int | None) -> list[int]:
    """An agent was suspended or removed (`why`): its pending requests lapse, it is told, and so is every
    owner of the establishment but the one who made the change (`by_user_id`; None: the administrator, every
    owner is told). Returns the requests' numbers; not committed."""
    rows = uow.repo.pending_approvals(maker.establishment_id, maker.id)
    for row in rows:
        _settle(uow, row, None, "lapsed", {}, why)
    ids = [row.id for row in rows]
    if not ids:
        return ids
    for owner in uow.repo.owners(maker.establishment_id):
        if owner.id == by_user_id:
            continue
        with language(owner.language):
            text = _maker_gone(why, user_name(maker), ids)
        uow.repo.add(Notification(telegram_id=owner.telegram_id, text=text, buttons=[]))
    return ids


def pending(uow: UnitOfWork, telegram_id: int) -> list[ApprovalView]:
    """What waits for a decision: an owner sees the establishment's, an agent its own; oldest first."""
    actor = resolve_actor(uow, telegram_id)
    maker = None if actor.role == "owner" else actor.user_id
    return [_view(uow, row) for row in uow.repo.pending_approvals(actor.establishment_id, maker) if not _overdue(row)]


def lapse_overdue(uow: UnitOfWork) -> int:
    """Mark every request undecided for 72 hours as lapsed and tell its agent (the daily run); returns how
    many lapsed."""
    rows = [row for row in uow.repo.pending_approvals() if _overdue(row)]
    for row in rows:
        _close(uow, row, None, "lapsed", {})
    return len(rows)


def _view(uow: UnitOfWork, row: Approval, replayed: bool = False) -> ApprovalView:
    result = dict(row.result or {})
    quotes = _quotes(uow, row)
    return ApprovalView(
        row.id,
        row.service,
        row.total,
        row.status,
        int(result.get("count", 1)),
        row.maker_user_id,
        row.created_at,
        result,
        replayed,
        maker_name=user_name(uow.repo.user(row.maker_user_id)),
        residents=tuple(_resident_of(quoted) for quoted in quotes),
        inputs={k: v for k, v in (quotes[0]["inputs"] if quotes else {}).items() if k not in RESIDENT_INPUTS},
    )


# The inputs naming the resident (shown with its name, not among the request's inputs).
RESIDENT_INPUTS = ("iqama_number", "border_number")


def _quotes(uow: UnitOfWork, row: Approval) -> list[dict[str, Any]]:
    """The stored quote of each resident the request covers (a bulk request: those that can go)."""
    if row.quote is not None:
        return [row.quote]
    bulk = uow.repo.bulk_quote(row.bulk_quote_id)
    return [item["quote"] for item in bulk.items if item.get("quote")] if bulk is not None else []


def _resident_of(quoted: dict[str, Any]) -> tuple[str, str]:
    number = quoted.get("resident_iqama") or quoted["inputs"].get("border_number") or ""
    return number, quoted.get("resident_name") or ""


def set_threshold(uow: UnitOfWork, telegram_id: int | None, establishment_id: int, amount: int | None) -> None:
    """Set (or, with None, turn off) the approval threshold; `telegram_id` None is the administrator's CLI,
    otherwise the user must be an owner of the establishment."""
    if telegram_id is not None:
        actor = resolve_actor(uow, telegram_id)
        if actor.role != "owner" or actor.establishment_id != establishment_id:
            raise Unauthorized("owner_only", _("Only the establishment's owner may set the approval threshold."))
    uow.repo.establishment(establishment_id).approval_above = amount
    uow.commit()


__all__ = [
    "ApprovalView",
    "LAPSE_AFTER",
    "decide",
    "decision_buttons",
    "lapse_for_maker",
    "lapse_overdue",
    "needs_approval",
    "pending",
    "set_threshold",
    "submit",
]
