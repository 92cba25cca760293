"""The small repository the services read and write through (one per unit of work)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, time, timedelta, timezone

from sqlalchemy import func, or_, select, text, update
from sqlalchemy.orm import Session, joinedload

from residency import calendar
from residency.models import (
    Account,
    ActivationAttempt,
    ActivationCode,
    Approval,
    BulkProgress,
    BulkQuote,
    Establishment,
    LedgerEntry,
    Notification,
    Resident,
    Transaction,
    TransferRequest,
    User,
    Violation,
    Visa,
)


class Repository:
    """Queries scoped the way the services need them; `lock_rows` adds FOR UPDATE (PostgreSQL)."""

    def __init__(self, session: Session, lock_rows: bool = False) -> None:
        self.session = session
        self.lock_rows = lock_rows
        # Residents (by (establishment id, iqama)) and their visas read ahead by `prefetch_residents`.
        self._residents: dict[tuple[int, str], Resident | None] = {}
        self._visas: dict[int, list[Visa]] = {}

    def _one(self, stmt, lock: bool = False):
        if lock and self.lock_rows:
            stmt = stmt.with_for_update()
        return self.session.execute(stmt).scalars().first()

    def add(self, obj, flush: bool = True) -> None:
        """Add a new row; written at once (`flush`), or with the next flush or commit (`flush=False`: many
        rows, or rows whose unique constraints the commit is to check)."""
        self.session.add(obj)
        if flush:
            self.session.flush()

    def flush(self) -> None:
        """Write what was added or changed so far (inside the transaction: nothing is committed)."""
        self.session.flush()

    def advisory_lock(self, namespace: int, key: int) -> None:
        """A PostgreSQL advisory lock on (namespace, key) held until the transaction ends (PostgreSQL only)."""
        self.session.execute(text("SELECT pg_advisory_xact_lock(:ns, :key)"), {"ns": namespace, "key": key})

    # establishments and users
    def establishment_by_number(self, number: str, lock: bool = False) -> Establishment | None:
        return self._one(select(Establishment).where(Establishment.number == number), lock)

    def establishment(self, establishment_id: int, lock: bool = False) -> Establishment | None:
        return self._one(select(Establishment).where(Establishment.id == establishment_id), lock)

    def user_by_telegram_id(self, telegram_id: int) -> User | None:
        """One user row of the account, its earliest not removed (else its earliest): for what all its rows
        share, such as the reply language, and to tell a user from a stranger. The establishment it acts
        for is chosen by residency.services.base.resolve_actor, never by this."""
        stmt = select(User).where(User.telegram_id == telegram_id).order_by(User.status == "removed", User.id)
        return self._one(stmt)

    def memberships(self, telegram_id: int) -> list[User]:
        """Every user row of the account (one per establishment it holds a role in, whatever its status),
        oldest first, with their establishments."""
        stmt = (
            select(User)
            .options(joinedload(User.establishment))
            .where(User.telegram_id == telegram_id)
            .order_by(User.id)
        )
        return list(self.session.execute(stmt).scalars())

    def user_in(self, establishment_id: int, telegram_id: int, lock: bool = False) -> User | None:
        """The account's user row in this establishment (whatever its status)."""
        stmt = select(User).where(User.establishment_id == establishment_id, User.telegram_id == telegram_id)
        return self._one(stmt, lock)

    def account(self, telegram_id: int) -> Account | None:
        return self.session.get(Account, telegram_id)

    def user(self, user_id: int) -> User | None:
        return self._one(select(User).where(User.id == user_id))

    def any_establishment(self) -> bool:
        return self.session.execute(select(Establishment.id).limit(1)).first() is not None

    def users_of(self, establishment_id: int) -> list[User]:
        """The establishment's users (owners and agents), in the order they were registered."""
        stmt = select(User).where(User.establishment_id == establishment_id).order_by(User.id)
        return list(self.session.execute(stmt).scalars())

    # activation codes and attempts
    def activation_code_by_hash(self, code_hash: str) -> ActivationCode | None:
        """The code with this hash, row-locked (FOR UPDATE: PostgreSQL; SQLite holds its write lock)."""
        stmt = select(ActivationCode).where(ActivationCode.code_hash == code_hash).with_for_update()
        return self.session.execute(stmt).scalars().first()

    def recent_attempt_times(self, telegram_id: int, outcomes: tuple[str, ...], since: datetime, limit: int) -> list:
        """When the account's latest `limit` attempts with one of `outcomes` after `since` were made, newest first."""
        stmt = (
            select(ActivationAttempt.created_at)
            .where(
                ActivationAttempt.telegram_id == telegram_id,
                ActivationAttempt.outcome.in_(outcomes),
                ActivationAttempt.created_at > since,
            )
            .order_by(ActivationAttempt.created_at.desc())
            .limit(limit)
        )
        return list(self.session.execute(stmt).scalars())

    def owners(self, establishment_id: int) -> list[User]:
        """The establishment's active owners."""
        stmt = select(User).where(
            User.establishment_id == establishment_id, User.role == "owner", User.status == "active"
        )
        return list(self.session.execute(stmt.order_by(User.id)).scalars())

    # residents (always scoped to one establishment: another's resident is simply not found)
    def resident_by_iqama(self, establishment_id: int, iqama: str, lock: bool = False) -> Resident | None:
        if not lock and (establishment_id, iqama) in self._residents:
            return self._residents[(establishment_id, iqama)]
        stmt = select(Resident).where(Resident.establishment_id == establishment_id, Resident.iqama_number == iqama)
        return self._one(stmt, lock)

    @contextmanager
    def prefetched_residents(self, establishment_id: int, iqamas: list[str]) -> Iterator[None]:
        """Within the block, the unlocked reads of these residents and their visas come from two queries
        per 500 residents instead of two per resident (a bulk quote); forgotten when it ends."""
        try:
            for start in range(0, len(iqamas), 500):
                chunk = iqamas[start : start + 500]
                found = (
                    self.session.execute(
                        select(Resident).where(
                            Resident.establishment_id == establishment_id, Resident.iqama_number.in_(chunk)
                        )
                    )
                    .scalars()
                    .all()
                )
                self._residents.update({(establishment_id, iqama): None for iqama in chunk})
                self._residents.update({(establishment_id, r.iqama_number): r for r in found})
                self._visas.update({r.id: [] for r in found})
                visas = self.session.execute(
                    select(Visa)
                    .where(Visa.resident_id.in_([r.id for r in found]))
                    .order_by(Visa.issued_on.desc(), Visa.id.desc())
                ).scalars()
                for visa in visas:
                    self._visas[visa.resident_id].append(visa)
            yield
        finally:
            self._residents.clear()
            self._visas.clear()

    def resident(self, resident_id: int) -> Resident | None:
        return self.session.get(Resident, resident_id)

    def resident_by_border(self, establishment_id: int, border: str, lock: bool = False) -> Resident | None:
        stmt = select(Resident).where(Resident.establishment_id == establishment_id, Resident.border_number == border)
        return self._one(stmt, lock)

    def resident_by_iqama_any(self, iqama: str) -> Resident | None:
        """For the CLI (administrator) only: no establishment scope."""
        return self._one(select(Resident).where(Resident.iqama_number == iqama))

    def resident_by_border_any(self, border: str) -> Resident | None:
        """For the CLI (administrator) only: no establishment scope."""
        return self._one(select(Resident).where(Resident.border_number == border))

    def residents_matching_passport(self, establishment_id: int, passport_number: str, births: list[date]) -> list:
        """The establishment's residents with an iqama whose passport number is `passport_number` or whose
        birth date is one of `births` (the candidates of a passport photo, residency.passport_photo)."""
        stmt = select(Resident).where(
            Resident.establishment_id == establishment_id,
            Resident.iqama_number.is_not(None),
            or_(Resident.passport_number == passport_number, Resident.birth_date.in_(births)),
        )
        return self.session.execute(stmt).scalars().all()

    def residents_of_group(
        self, establishment_id: int, group: str, today: date, horizon: date | None, lapsed_since: date | None = None
    ) -> list[str]:
        """Iqama numbers of a bulk request's group (residency.services.bulk), soonest expiry first:
        `expiring` (iqama expiring from `today` to `horizon`, and those lapsed since `lapsed_since`: still in
        their grace), `expired`, `abroad`, `all`."""
        stmt = select(Resident.iqama_number).where(
            Resident.establishment_id == establishment_id, Resident.iqama_number.is_not(None)
        )
        if group == "expiring":
            stmt = stmt.where(Resident.iqama_expiry >= (lapsed_since or today), Resident.iqama_expiry <= horizon)
        elif group == "expired":
            stmt = stmt.where(Resident.iqama_expiry < today)
        elif group == "abroad":
            stmt = stmt.where(Resident.location == "outside")
        return list(self.session.execute(stmt.order_by(Resident.iqama_expiry, Resident.id)).scalars())

    def receipt_of_day(self, resident_id: int, service: str, day: date) -> int | None:
        """The receipt number of the resident's latest transaction of `service` on `day` (Riyadh), if any."""
        start = datetime.combine(day, time.min, tzinfo=calendar.RIYADH).astimezone(timezone.utc)
        stmt = (
            select(Transaction.receipt_number)
            .where(
                Transaction.resident_id == resident_id,
                Transaction.service == service,
                Transaction.created_at >= start,
                Transaction.created_at < start + timedelta(days=1),
            )
            .order_by(Transaction.id.desc())
            .limit(1)
        )
        return self.session.execute(stmt).scalar_one_or_none()

    def establishment_holding_resident(
        self, establishment_ids: list[int], iqama: str | None = None, border: str | None = None
    ) -> Establishment | None:
        """Which of these establishments has the resident with this iqama (or border) number, if any."""
        column, value = (Resident.iqama_number, iqama) if iqama is not None else (Resident.border_number, border)
        stmt = (
            select(Establishment)
            .join(Resident, Resident.establishment_id == Establishment.id)
            .where(column == value, Establishment.id.in_(establishment_ids))
        )
        return self._one(stmt)

    def establishment_holding_visa(self, establishment_ids: list[int], number: str) -> Establishment | None:
        """Which of these establishments has the resident holding visa `number`, if any."""
        stmt = (
            select(Establishment)
            .join(Resident, Resident.establishment_id == Establishment.id)
            .join(Visa, Visa.resident_id == Resident.id)
            .where(Visa.number == number, Establishment.id.in_(establishment_ids))
        )
        return self._one(stmt)

    def first_workers(self, establishment_id: int, count: int, occupations_aside: set[str]) -> list[int]:
        """Ids of the establishment's first `count` residents by hire date (none recorded: last; then id),
        residents of `occupations_aside` left out."""
        stmt = (
            select(Resident.id)
            .where(Resident.establishment_id == establishment_id, Resident.occupation.not_in(occupations_aside))
            .order_by(Resident.hire_date.is_(None), Resident.hire_date, Resident.id)
            .limit(count)
        )
        return list(self.session.execute(stmt).scalars())

    def resident_count(self, establishment_id: int) -> int:
        stmt = select(func.count(Resident.id)).where(Resident.establishment_id == establishment_id)
        return self.session.execute(stmt).scalar_one()

    def iqama_in_use(self, iqama: str) -> bool:
        return self._one(select(Resident.id).where(Resident.iqama_number == iqama)) is not None

    def iqamas_in_use(self, iqamas: list[str]) -> list[str]:
        """Those of `iqamas` that some resident (of any establishment) already holds."""
        return list(
            self.session.execute(select(Resident.iqama_number).where(Resident.iqama_number.in_(iqamas))).scalars()
        )

    def passport_held_by_another(self, passport_number: str, resident_id: int) -> bool:
        """Whether a resident other than `resident_id`, of any establishment, holds `passport_number`."""
        stmt = select(Resident.id).where(Resident.passport_number == passport_number, Resident.id != resident_id)
        return self.session.execute(stmt.limit(1)).first() is not None

    def border_in_use(self, border: str) -> bool:
        return self._one(select(Resident.id).where(Resident.border_number == border)) is not None

    # visas
    def visa_by_number(self, establishment_id: int, number: str, lock: bool = False) -> Visa | None:
        stmt = (
            select(Visa)
            .join(Resident, Visa.resident_id == Resident.id)
            .where(Visa.number == number, Resident.establishment_id == establishment_id)
        )
        return self._one(stmt, lock)

    def visa_number_in_use(self, number: str) -> bool:
        return self._one(select(Visa.id).where(Visa.number == number)) is not None

    def visas_of(self, resident_id: int) -> list[Visa]:
        if resident_id in self._visas:
            return list(self._visas[resident_id])
        stmt = select(Visa).where(Visa.resident_id == resident_id).order_by(Visa.issued_on.desc(), Visa.id.desc())
        return list(self.session.execute(stmt).scalars())

    def lapsed_unused_visas(self, kind: str, today: date, resident_id: int | None = None) -> list[tuple[int, int]]:
        """(visa id, resident id) of issued visas of `kind` whose return-before date has passed, by resident."""
        stmt = select(Visa.id, Visa.resident_id).where(
            Visa.kind == kind, Visa.status == "issued", Visa.valid_until < today
        )
        if resident_id is not None:
            stmt = stmt.where(Visa.resident_id == resident_id)
        return [tuple(row) for row in self.session.execute(stmt.order_by(Visa.resident_id, Visa.id))]

    def lock_resident(self, resident_id: int) -> None:
        """Row-lock a resident (PostgreSQL) before touching its visas: the order every writer uses."""
        if self.lock_rows:
            self.session.execute(select(Resident.id).where(Resident.id == resident_id).with_for_update())

    def expire_issued_visa(self, visa_id: int) -> bool:
        """issued -> expired; False when the visa was no longer issued (a concurrent or earlier run)."""
        return (
            self.session.execute(
                update(Visa)
                .where(Visa.id == visa_id, Visa.status == "issued")
                .values(status="expired")
                .execution_options(synchronize_session="fetch")
            ).rowcount
            == 1
        )

    # violations
    def unpaid_violations(self, resident_id: int, kind: str) -> list[tuple[str, date, int]]:
        """(visa number, its return-before date, amount) of the resident's unpaid violations of `kind`."""
        stmt = (
            select(Visa.number, Visa.valid_until, Violation.amount)
            .join(Visa, Violation.visa_id == Visa.id)
            .where(
                Violation.resident_id == resident_id, Violation.kind == kind, Violation.paid_transaction_id.is_(None)
            )
        )
        return [(number, until, int(amount)) for number, until, amount in self.session.execute(stmt)]

    def pay_violations(self, resident_id: int, kind: str, visa_numbers: list[str], transaction_id: int) -> int:
        """Mark the resident's unpaid violations of `kind` on these visas paid by the transaction; how many."""
        visa_ids = select(Visa.id).where(Visa.resident_id == resident_id, Visa.number.in_(visa_numbers))
        return self.session.execute(
            update(Violation)
            .where(
                Violation.resident_id == resident_id,
                Violation.kind == kind,
                Violation.paid_transaction_id.is_(None),
                Violation.visa_id.in_(visa_ids),
            )
            .values(paid_transaction_id=transaction_id)
            .execution_options(synchronize_session="fetch")
        ).rowcount

    # bulk quotes and approvals
    def bulk_quote(self, bulk_id: int) -> BulkQuote | None:
        return self.session.get(BulkQuote, bulk_id)

    def record_bulk_progress(self, bulk_id: int, telegram_id: int, done: int, total: int, at: datetime) -> None:
        """How far the execution of `bulk_id` is (one row per combined quote, rewritten as it goes)."""
        row = self.session.get(BulkProgress, bulk_id)
        if row is None:
            self.add(
                BulkProgress(bulk_quote_id=bulk_id, telegram_id=telegram_id, done=done, total=total, updated_at=at)
            )
        else:
            row.done, row.total, row.updated_at = done, total, at

    def approval(self, approval_id: int, lock: bool = False) -> Approval | None:
        """Read afresh (another tap may have decided it since this session last saw the row)."""
        stmt = select(Approval).where(Approval.id == approval_id).execution_options(populate_existing=True)
        return self._one(stmt, lock)

    def approval_by_key(self, key: str) -> Approval | None:
        return self._one(select(Approval).where(Approval.request_key == key))

    def pending_approvals(
        self, establishment_id: int | None = None, maker_user_id: int | None = None
    ) -> list[Approval]:
        """Pending approvals, oldest first: of one establishment (and one maker), or all of them."""
        stmt = select(Approval).where(Approval.status == "pending")
        if establishment_id is not None:
            stmt = stmt.where(Approval.establishment_id == establishment_id)
        if maker_user_id is not None:
            stmt = stmt.where(Approval.maker_user_id == maker_user_id)
        return list(self.session.scalars(stmt.order_by(Approval.id)))

    # rows already loaded
    def refresh(self, row, lock: bool = False) -> None:
        """Re-read a row (under a row lock on PostgreSQL when `lock`)."""
        self.session.refresh(row, with_for_update=lock and self.lock_rows)

    # notifications
    def notification(self, notification_id: int) -> Notification | None:
        return self.session.get(Notification, notification_id)

    # transactions and money
    def transaction(self, transaction_id: int) -> Transaction | None:
        return self.session.get(Transaction, transaction_id)

    def transaction_by_key(self, key: str) -> Transaction | None:
        return self._one(select(Transaction).where(Transaction.idempotency_key == key))

    def count_transactions_with_key_prefix(self, establishment_id: int, prefix: str) -> int:
        stmt = select(func.count(Transaction.id)).where(
            Transaction.establishment_id == establishment_id,
            Transaction.idempotency_key.startswith(prefix, autoescape=True),
        )
        return self.session.execute(stmt).scalar_one()

    def open_transaction(
        self,
        key: str,
        establishment_id: int,
        service: str,
        inputs: dict,
        *,
        user_id: int | None = None,
        resident_id: int | None = None,
        result: dict | None = None,
    ) -> Transaction:
        """A new transaction, written at once so that its idempotency key is claimed before anything else
        (a second execution with the same key waits on it, then fails on the key's unique index)."""
        transaction = Transaction(
            created_at=calendar.now().astimezone(timezone.utc),  # the system's "today" (MUQEEM_TODAY)
            idempotency_key=key,
            establishment_id=establishment_id,
            user_id=user_id,
            resident_id=resident_id,
            service=service,
            inputs=inputs,
            fee_lines=[],
            total=0,
            result=result or {},
        )
        self.add(transaction)
        return transaction

    def close_transaction(self, transaction: Transaction, payer: Establishment | None = None) -> None:
        """Number the transaction last (see `next_receipt_number`) and record the payer's balance after it."""
        transaction.receipt_number = self.next_receipt_number(transaction.establishment_id)
        self.session.flush()
        if payer is not None:
            self.session.refresh(payer)
            transaction.balance_after = payer.balance
            self.session.flush()

    def next_receipt_number(self, establishment_id: int) -> int:
        """The establishment's next receipt number, taken inside the caller's database transaction.

        The UPDATE row-locks the establishment until that transaction ends (PostgreSQL; SQLite holds its
        write lock already), so two executions never get the same number and a rolled-back one gives its
        number back. Call it last, after the resident rows are locked: the order every writer uses.
        """
        self.session.execute(
            update(Establishment)
            .where(Establishment.id == establishment_id)
            .values(receipt_counter=Establishment.receipt_counter + 1)
            .execution_options(synchronize_session="fetch")
        )
        return self.session.execute(
            select(Establishment.receipt_counter).where(Establishment.id == establishment_id)
        ).scalar_one()

    def debit(self, establishment_id: int, amount: int) -> bool:
        """Take `amount` from the balance only if it covers it; False when it does not."""
        if amount == 0:
            return True
        result = self.session.execute(
            update(Establishment)
            .where(Establishment.id == establishment_id, Establishment.balance >= amount)
            .values(balance=Establishment.balance - amount)
            .execution_options(synchronize_session="fetch")
        )
        return result.rowcount == 1

    def record_ledger(self, establishment: Establishment, transaction: Transaction, amount: int, reason: str) -> None:
        self.session.refresh(establishment)
        self.add(
            LedgerEntry(
                establishment_id=establishment.id,
                transaction_id=transaction.id,
                amount=amount,
                balance_after=establishment.balance,
                reason=reason,
            )
        )

    def transfer_request(self, request_id: int, lock: bool = False) -> TransferRequest | None:
        return self._one(select(TransferRequest).where(TransferRequest.id == request_id), lock)

    def pending_transfer_for(self, resident_id: int) -> TransferRequest | None:
        stmt = select(TransferRequest).where(
            TransferRequest.resident_id == resident_id, TransferRequest.status == "pending"
        )
        return self._one(stmt)
