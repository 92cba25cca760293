"""The activity log (SPEC 10.4): who did what, when, for how much, for which resident.

Each line is written in the database transaction of what it records, so nothing is done without its line
and no line outlives a rollback:

- an execution: `services.execute` (`record_execution`, for a single request, each resident of a bulk
  request and an approved request, done as its agent) and a sponsorship transfer's acceptance or refusal
  (`respond_transfer`). Border events (the CLI standing in for the border system) are not a user's doing
  and are not logged;
- an owner's decision on an approval (`record_decision`, residency.services.approvals);
- a user change (`record_user_change`: an agent invited with a code, a user added, its services
  changed, suspended, reactivated, removed; residency.users and residency.activation);
- an activation (`record_activation`: a code turned the account into a user).

Reading (`activity`): an owner sees the establishment's lines, an agent only its own; filtered by person
(a Telegram id, or a user's display name written loosely) and by period ("today"; "week": since Sunday,
the first day of the Saudi working week; or since a date), newest first.
`establishment_activity` is the administrator's (CLI) view.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from replies import _
from residency import calendar, identifiers, queries
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal, Unauthorized
from residency.models import ActivityEntry, Approval, Transaction, User
from residency.names import name_matches
from residency.services.base import resolve_actor

PERIODS = ("today", "week")


def record(uow: UnitOfWork, establishment_id: int, kind: str, action: str, user_id: int | None, **facts: Any) -> None:
    """Add one line (not committed: it goes with the caller's transaction). `facts`: the other columns of
    `ActivityEntry` (amount, resident_id, iqama_number, resident_name, subject_user_id, transaction_id,
    approval_id, details)."""
    uow.repo.add(
        ActivityEntry(
            establishment_id=establishment_id,
            kind=kind,
            action=action,
            user_id=user_id,
            created_at=calendar.now().astimezone(timezone.utc),  # the system's "today" (MUQEEM_TODAY)
            **facts,
        ),
        flush=False,
    )


def record_execution(uow: UnitOfWork, transaction: Transaction) -> None:
    """The line of an executed transaction: its service, payer's amount, resident and receipt number."""
    resident = uow.repo.resident(transaction.resident_id) if transaction.resident_id else None
    record(
        uow,
        transaction.establishment_id,
        "execution",
        transaction.service,
        transaction.user_id,
        amount=transaction.total,
        resident_id=transaction.resident_id,
        iqama_number=resident.iqama_number if resident else None,
        resident_name=resident.name_ar if resident else None,
        transaction_id=transaction.id,
        details={"receipt_number": transaction.receipt_number},
    )


def record_user_change(
    uow: UnitOfWork, establishment_id: int, action: str, by_user_id: int | None, subject: User | None, **details: Any
) -> None:
    """A change to the establishment's users made by `by_user_id` (None: the administrator): `subject` is
    the user changed (None for a code not used yet); `details` say what (services, name, role)."""
    record(
        uow,
        establishment_id,
        "user",
        action,
        by_user_id,
        subject_user_id=subject.id if subject is not None else None,
        details=details,
    )


def record_decision(uow: UnitOfWork, approval: Approval, by_user_id: int) -> None:
    """An owner's decision on `approval` (its status now: approved, declined, lapsed, refused)."""
    quoted = approval.quote or {}
    record(
        uow,
        approval.establishment_id,
        "approval",
        approval.status,
        by_user_id,
        amount=approval.total,
        iqama_number=quoted.get("resident_iqama"),
        resident_name=quoted.get("resident_name"),
        approval_id=approval.id,
        details={"service": approval.service, "count": int((approval.result or {}).get("count", 1))},
    )


def record_activation(uow: UnitOfWork, user: User) -> None:
    """The account activated itself as `user` (its role and services)."""
    record(
        uow,
        user.establishment_id,
        "activation",
        user.role,
        user.id,
        subject_user_id=user.id,
        details={"services": sorted(user.service_set)},
    )


@dataclass(frozen=True)
class ActivityRow:
    """One line as read: when (aware UTC), who (its name, Telegram id; None: the administrator), what kind
    and action, the amount, the resident, the user it was about, the approval it decided, the details."""

    at: datetime
    who: str | None
    who_telegram_id: int | None
    kind: str
    action: str
    amount: int
    iqama_number: str | None
    resident_name: str | None
    subject: str | None
    approval_id: int | None
    details: dict[str, Any]


@dataclass(frozen=True)
class ActivityReport:
    """The lines asked for, newest first, with the filters used: the person's name (None: everyone) and
    the first day (None: from the beginning)."""

    rows: list[ActivityRow]
    person: str | None
    since: date | None


def user_name(user: User) -> str:
    """How a user is named to the owners: its display name, else its Telegram id."""
    return user.display_name or str(user.telegram_id)


def activity(uow: UnitOfWork, telegram_id: int, person: str | int | None = None, period: Any = None) -> ActivityReport:
    """The activity of the establishment the account works on: everyone's for an owner, its own for an
    agent. `person`: a Telegram id or a user's display name written loosely («أحمد»); `period`: "today",
    "week" (since Sunday), a date or an ISO date ("2026-11-01"), None: all.

    Errors: the actor's (resolve_actor); Unauthorized own_activity_only (an agent naming someone else);
    NotFound unknown_user, Refusal ambiguous_user (`find_user`); InvalidInput bad_activity_period."""
    actor = resolve_actor(uow, telegram_id)
    since = period_start(period)
    user = find_user(uow, actor.establishment_id, person) if person not in (None, "") else None
    if actor.role != "owner":
        if user is not None and user.id != actor.user_id:
            raise Unauthorized("own_activity_only", _("You can see only your own activity; the owner sees everyone's."))
        user = uow.repo.user(actor.user_id)
    rows = _rows(uow, actor.establishment_id, since, user.id if user is not None else None)
    return ActivityReport(rows, user_name(user) if user is not None else None, since)


def establishment_activity(uow: UnitOfWork, establishment_number: str, since: date | None = None) -> list[ActivityRow]:
    """Every line of the establishment since `since` (the administrator's CLI), newest first."""
    from residency.establishments import find_establishment  # it imports the services, which import this

    est = find_establishment(uow, establishment_number)
    return _rows(uow, est.id, since, None)


def period_start(period: Any) -> date | None:
    """The first day of `period` (see `activity`), in Riyadh's calendar."""
    if period is None or period == "":
        return None
    if isinstance(period, date):
        return calendar.plausible(period)
    text = str(period).strip().lower()
    today = calendar.today()
    if text == "today":
        return today
    if text == "week":
        return today - timedelta(days=(today.weekday() + 1) % 7)  # Monday is 0: Sunday is 6 -> 0 days back
    try:
        return calendar.parse_date(text)
    except InvalidInput:
        raise InvalidInput(
            "bad_activity_period",
            _("Say the period as today, this week, or since a date (like 2026-11-01)."),
            allowed=list(PERIODS),
        ) from None


def find_user(uow: UnitOfWork, establishment_id: int, person: str | int, removed: bool = True) -> User:
    """The establishment's user named by `person`: its Telegram id, or its display name written loosely
    (residency.names.name_matches); users removed from it too unless `removed` is False. NotFound
    unknown_user; Refusal ambiguous_user (details `users`: [{telegram_id, name}])."""
    users = [u for u in uow.repo.users_of(establishment_id) if removed or u.status != "removed"]
    text = identifiers.normalize_digits(str(person)).strip()
    found = [u for u in users if str(u.telegram_id) == text] or [
        u for u in users if u.display_name and name_matches(text, u.display_name)
    ]
    if len(found) == 1:
        return found[0]
    if not found:
        raise NotFound(
            "unknown_user",
            _(
                "No user of your establishment is called «{person}». Ask for the list of users to see their names."
            ).format(person=person),
        )
    raise Refusal(
        "ambiguous_user",
        _("Several users fit «{person}»: {names}. Say the full name.").format(
            person=person, names=_(", ").join(user_name(u) for u in found)
        ),
        users=[{"telegram_id": u.telegram_id, "name": user_name(u)} for u in found],
    )


def _rows(uow: UnitOfWork, establishment_id: int, since: date | None, user_id: int | None) -> list[ActivityRow]:
    start = datetime.combine(since, time(0), calendar.RIYADH).astimezone(timezone.utc) if since else None
    return [
        ActivityRow(
            at=entry.created_at if entry.created_at.tzinfo else entry.created_at.replace(tzinfo=timezone.utc),
            who=user_name(who) if who is not None else None,
            who_telegram_id=who.telegram_id if who is not None else None,
            kind=entry.kind,
            action=entry.action,
            amount=entry.amount,
            iqama_number=entry.iqama_number,
            resident_name=entry.resident_name,
            subject=user_name(subject) if subject is not None else None,
            approval_id=entry.approval_id,
            details=dict(entry.details or {}),
        )
        for entry, who, subject in queries.activity_entries(uow, establishment_id, start, user_id)
    ]


__all__ = [
    "ActivityReport",
    "ActivityRow",
    "activity",
    "establishment_activity",
    "find_user",
    "period_start",
    "record",
    "record_activation",
    "record_decision",
    "record_execution",
    "record_user_change",
    "user_name",
]
