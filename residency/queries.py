"""The read models: the SELECTs behind the reports, the inquiries' name search, the reminders, the cost
forecast and the documents, each a small function of the unit of work returning rows.

The callers (residency/reports.py, inquiries.py, reminders.py, forecast.py, documents.py) authorise the
sender and pass the establishment in: every function here that reads an establishment's data takes its id
and reads nothing else. Writes go through `Repository` (residency/repository.py). This module,
residency/repository.py and residency/db.py are the only ones that touch the session
(tests/domain/test_boundaries.py).

The statements are the ones their callers ran before they moved here, shape included: the indexes and the
benchmarks (scripts/bench_domain.py) rely on it, so change a query here as carefully as a schema.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import Bundle, aliased

from residency.models import ActivityEntry, BulkProgress, Notification, ReminderItem, Resident, Transaction, User, Visa

if TYPE_CHECKING:
    from residency.db import UnitOfWork


# --- reports (residency/reports.py) --------------------------------------------------------------------


def expiring_iqamas(uow: UnitOfWork, establishment_id: int, until: date) -> list:
    """(iqama number, Arabic name, iqama expiry, Latin name) of the residents whose iqama expires by `until`
    (or has expired), soonest first.

    Served by the (establishment_id, iqama_expiry) index; only the three columns shown are read, through
    the Core connection (no ORM row processing: this can be 10,000 rows)."""
    return (
        uow.session.connection()
        .execute(
            select(Resident.iqama_number, Resident.name_ar, Resident.iqama_expiry, Resident.name_en)
            .where(
                Resident.establishment_id == establishment_id,
                Resident.iqama_expiry.is_not(None),
                Resident.iqama_expiry <= until,
            )
            .order_by(Resident.iqama_expiry, Resident.iqama_number)
        )
        .all()
    )


def residents_abroad(uow: UnitOfWork, establishment_id: int) -> list:
    """(iqama number, Arabic name, visa kind, visa number, valid until, Latin name) of the residents outside the Kingdom,
    with the visa each left on (its latest used visa; the visa columns None when there is none)."""
    latest = aliased(Visa)
    latest_used = (
        select(func.max(latest.id))
        .where(latest.resident_id == Resident.id, latest.status == "used")
        .correlate(Resident)
        .scalar_subquery()
    )
    return uow.session.execute(
        select(Resident.iqama_number, Resident.name_ar, Visa.kind, Visa.number, Visa.valid_until, Resident.name_en)
        .outerjoin(Visa, Visa.id == latest_used)
        .where(Resident.establishment_id == establishment_id, Resident.location == "outside")
    ).all()


def transaction_history(uow: UnitOfWork, establishment_id: int, limit: int) -> list:
    """(Transaction, its resident's iqama number or None) of the establishment's latest `limit`
    transactions, newest first."""
    return uow.session.execute(
        select(Transaction, Resident.iqama_number)
        .outerjoin(Resident, Resident.id == Transaction.resident_id)
        .where(Transaction.establishment_id == establishment_id)
        .order_by(Transaction.created_at.desc(), Transaction.id.desc())
        .limit(limit)
    ).all()


# --- name search (residency/inquiries.py) --------------------------------------------------------------


def database_key(uow: UnitOfWork) -> str:
    """The URL of the database the unit of work reads (what a per-process cache keys its entries by)."""
    return str(uow.session.get_bind().url)


def resident_names(uow: UnitOfWork, establishment_id: int, changed_since: datetime | None = None) -> list:
    """(resident id, name key) of the establishment's residents with an iqama (only those changed since
    `changed_since` when given)."""
    stmt = select(Resident.id, Resident.name_key).where(
        Resident.establishment_id == establishment_id, Resident.iqama_number.is_not(None)
    )
    if changed_since is not None:
        stmt = stmt.where(Resident.updated_at >= changed_since)
    # Core rows, not ORM: this can be 100,000 of them. No ORDER BY: it would steer SQLite away from the
    # (establishment_id, updated_at) index, and the index ranks ties by resident id itself.
    return [tuple(row) for row in uow.session.connection().execute(stmt)]


def names_version(uow: UnitOfWork, establishment_id: int) -> datetime | None:
    """The establishment's latest `Resident.updated_at` (one look-up in the (establishment_id, updated_at)
    index), None when it has no residents."""
    return uow.session.execute(
        select(func.max(Resident.updated_at)).where(Resident.establishment_id == establishment_id)
    ).scalar_one()


def residents_among(uow: UnitOfWork, establishment_id: int, resident_ids: list[int]) -> list[Resident]:
    """Those of these residents that belong to the establishment (re-read: current names, and never a
    resident that has left it)."""
    return list(
        uow.session.execute(
            select(Resident).where(Resident.id.in_(resident_ids), Resident.establishment_id == establishment_id)
        ).scalars()
    )


# --- reminders (residency/reminders.py) ----------------------------------------------------------------


def _names() -> Bundle:
    """A resident's (Arabic name, Latin name), as one column of a row: a reminder shows the one of the
    owner's language."""
    return Bundle("names", Resident.name_ar, Resident.name_en)


def iqamas_expiring_between(uow: UnitOfWork, establishment_id: int, first: date, last: date) -> list:
    """(iqama number, (Arabic name, Latin name), iqama expiry) of the iqamas expiring from `first` to `last`,
    soonest first."""
    return uow.session.execute(
        select(Resident.iqama_number, _names(), Resident.iqama_expiry)
        .where(
            Resident.establishment_id == establishment_id,
            Resident.iqama_expiry >= first,
            Resident.iqama_expiry <= last,
        )
        .order_by(Resident.iqama_expiry, Resident.iqama_number)
    ).all()


def iqamas_expired_unrenewed(uow: UnitOfWork, establishment_id: int, today: date) -> list:
    """(iqama number, (Arabic name, Latin name), iqama expiry, late renewal offences) of the iqamas expired before
    `today`, longest expired first; not a resident who has left on a final exit."""
    left_for_good = exists().where(
        and_(Visa.resident_id == Resident.id, Visa.kind == "final_exit", Visa.status == "used")
    )
    return uow.session.execute(
        select(
            Resident.iqama_number,
            _names(),
            Resident.iqama_expiry,
            Resident.late_renewal_offences,
        )
        .where(
            Resident.establishment_id == establishment_id,
            Resident.iqama_number.is_not(None),
            Resident.iqama_expiry < today,
            ~left_for_good,
        )
        .order_by(Resident.iqama_expiry, Resident.iqama_number)
    ).all()


def exit_reentries_ending(uow: UnitOfWork, establishment_id: int, status: str, today: date, within_days: int) -> list:
    """(iqama number, (Arabic name, Latin name), visa number, valid until) of the exit/re-entry visas in `status` whose
    valid-until date is from today to `within_days` days on, soonest first."""
    return uow.session.execute(
        select(Resident.iqama_number, _names(), Visa.number, Visa.valid_until)
        .join(Visa, Visa.resident_id == Resident.id)
        .where(
            Resident.establishment_id == establishment_id,
            Visa.kind == "exit_reentry",
            Visa.status == status,
            Visa.valid_until >= today,
            Visa.valid_until <= today + timedelta(days=within_days),
        )
        .order_by(Visa.valid_until, Visa.number)
    ).all()


def owners_of_all_establishments(uow: UnitOfWork) -> list:
    """(establishment id, Telegram id) of every active owner, in the order they were registered (an account
    owning two establishments is in it twice)."""
    return uow.session.execute(
        select(User.establishment_id, User.telegram_id)
        .where(User.role == "owner", User.status == "active")
        .order_by(User.id)
    ).all()


def any_notification_keyed(uow: UnitOfWork, dedupe_keys: list[str]) -> bool:
    """Whether a notification with one of these dedupe keys has been queued."""
    return (
        uow.session.execute(select(Notification.id).where(Notification.dedupe_key.in_(dedupe_keys))).first() is not None
    )


def reminded_items(uow: UnitOfWork, establishment_id: int, sent_on: date) -> set[str]:
    """The item keys the establishment was reminded of on `sent_on`."""
    return set(
        uow.session.execute(
            select(ReminderItem.item_key).where(
                ReminderItem.establishment_id == establishment_id, ReminderItem.sent_on == sent_on
            )
        ).scalars()
    )


def pending_notifications(uow: UnitOfWork, limit: int) -> list[Notification]:
    """Notifications not yet sent, oldest first, detached from the session (readable after the unit of
    work ends)."""
    stmt = select(Notification).where(Notification.sent_at.is_(None)).order_by(Notification.id).limit(limit)
    pending = list(uow.session.execute(stmt).scalars())
    for notification in pending:
        uow.session.expunge(notification)
    return pending


# --- cost forecast (residency/forecast.py) -------------------------------------------------------------


def residents_to_renew(uow: UnitOfWork, establishment_id: int, last_day: date) -> list:
    """(id, iqama number, Arabic name, occupation, dependants, iqama expiry, late renewal offences) of the
    residents with an iqama expiring by `last_day` (or expired), soonest first."""
    return uow.session.execute(
        select(
            Resident.id,
            Resident.iqama_number,
            Resident.name_ar,
            Resident.occupation,
            Resident.dependants,
            Resident.iqama_expiry,
            Resident.late_renewal_offences,
        )
        .where(
            Resident.establishment_id == establishment_id,
            Resident.iqama_number.is_not(None),
            Resident.iqama_expiry.is_not(None),
            Resident.iqama_expiry <= last_day,
        )
        .order_by(Resident.iqama_expiry, Resident.iqama_number)
    ).all()


def final_exit_visas(uow: UnitOfWork, resident_ids: list[int]) -> list[Visa]:
    """The final exit visas (any status) of these residents."""
    return list(uow.session.scalars(select(Visa).where(Visa.kind == "final_exit", Visa.resident_id.in_(resident_ids))))


# --- documents (residency/presentation/documents.py) ----------------------------------------------------------------


def transaction_by_receipt(uow: UnitOfWork, establishment_id: int, receipt_number: int) -> Transaction | None:
    """The establishment's transaction with this receipt number."""
    stmt = select(Transaction).where(Transaction.establishment_id == establishment_id)
    return uow.session.scalar(stmt.where(Transaction.receipt_number == receipt_number))


def latest_transaction(uow: UnitOfWork, establishment_id: int, user_id: int | None = None) -> Transaction | None:
    """The establishment's latest transaction (of the user `user_id` when given)."""
    stmt = select(Transaction).where(Transaction.establishment_id == establishment_id)
    if user_id is not None:
        stmt = stmt.where(Transaction.user_id == user_id)
    return uow.session.scalar(stmt.order_by(Transaction.id.desc()).limit(1))


def latest_transaction_of(uow: UnitOfWork, establishment_id: int, resident_id: int) -> Transaction | None:
    """The establishment's latest transaction for this resident."""
    stmt = select(Transaction).where(Transaction.establishment_id == establishment_id)
    return uow.session.scalar(
        stmt.where(Transaction.resident_id == resident_id).order_by(Transaction.id.desc()).limit(1)
    )


# --- activity log (residency/activity.py, residency/users.py) ------------------------------------------


def activity_entries(uow: UnitOfWork, establishment_id: int, since: datetime | None, user_id: int | None) -> list:
    """(ActivityEntry, the user who did it or None, the user it was about or None) of the establishment's
    lines from `since` (all when None), of one user when `user_id` is given; newest first."""
    who, subject = aliased(User), aliased(User)
    stmt = (
        select(ActivityEntry, who, subject)
        .outerjoin(who, who.id == ActivityEntry.user_id)
        .outerjoin(subject, subject.id == ActivityEntry.subject_user_id)
        .where(ActivityEntry.establishment_id == establishment_id)
    )
    if since is not None:
        stmt = stmt.where(ActivityEntry.created_at >= since)
    if user_id is not None:
        stmt = stmt.where(ActivityEntry.user_id == user_id)
    return uow.session.execute(stmt.order_by(ActivityEntry.created_at.desc(), ActivityEntry.id.desc())).all()


def last_activity(uow: UnitOfWork, establishment_id: int) -> dict[int, datetime]:
    """{user id: when its latest line of the establishment's activity log was written}."""
    stmt = (
        select(ActivityEntry.user_id, func.max(ActivityEntry.created_at))
        .where(ActivityEntry.establishment_id == establishment_id, ActivityEntry.user_id.is_not(None))
        .group_by(ActivityEntry.user_id)
    )
    return dict(uow.session.execute(stmt).all())


def latest_bulk_progress(uow: UnitOfWork, telegram_id: int, since: datetime) -> BulkProgress | None:
    """The sender's bulk execution written to last, if that was at `since` or later."""
    stmt = select(BulkProgress).where(BulkProgress.telegram_id == telegram_id, BulkProgress.updated_at >= since)
    return uow.session.scalar(stmt.order_by(BulkProgress.updated_at.desc()).limit(1))
