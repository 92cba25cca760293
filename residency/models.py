"""SQLAlchemy models of the establishment database (SPEC section 3).

Written in the SQLAlchemy 2.0 style that 1.4 supports (`future=True`, `select()`); the schema itself is
owned by the Alembic migrations in residency/migrations, which must stay in step with this module.
Amounts are whole riyals (integers); dates are Gregorian `date`s; timestamps are timezone-aware UTC.
"""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Index,
)
from sqlalchemy.orm import declarative_base, relationship
from sqlalchemy.sql import false

Base = declarative_base()

PLANS = ("comprehensive", "transactions")
ROLES = ("owner", "agent")
# A user's standing in its establishment: a suspended agent is refused until an owner reactivates it; a
# removed user's row stays (its transactions and activity name it) but it acts for nobody.
USER_STATUSES = ("active", "suspended", "removed")
LOCATIONS = ("inside", "outside")
VISA_KINDS = ("exit_reentry", "final_exit")
ENTRY_TYPES = ("single", "multiple")
VISA_STATUSES = ("issued", "used", "returned", "cancelled", "expired")
TRANSFER_STATUSES = ("pending", "accepted", "declined")
APPROVAL_STATUSES = ("pending", "approved", "declined", "lapsed")


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def service_names(services: str | None) -> set[str]:
    """The service names of a comma-separated `services` column (users, activation codes)."""
    return {s for s in (services or "").split(",") if s}


class Establishment(Base):
    __tablename__ = "establishments"

    id = Column(Integer, primary_key=True)
    number = Column(String(10), nullable=False, unique=True)
    name_ar = Column(String(200), nullable=False)
    plan = Column(String(20), nullable=False, default="comprehensive")
    subscription_until = Column(Date, nullable=False)
    balance = Column(Integer, nullable=False, default=0)
    saudi_count = Column(Integer, nullable=False, default=0)
    expat_count = Column(Integer, nullable=False, default=0)
    # The last receipt number given to one of this establishment's transactions (see
    # Repository.next_receipt_number): receipts are numbered 1, 2, 3 ... per establishment.
    receipt_counter = Column(Integer, nullable=False, default=0, server_default="0")
    # A licensed industrial establishment pays no expat levy (SPEC 9.2); set by the administrator's CLI.
    industrial = Column(Boolean, nullable=False, default=False, server_default=false())
    # Maker-checker (SPEC 9.3): an agent's request above this many riyals, and every final exit or
    # sponsorship transfer by an agent, waits for an owner's approval; NULL: agents need no approval.
    approval_above = Column(Integer)
    # A small establishment run by its owner (SPEC 10.4): no levy for rules.yml levy.owner_operated workers
    # (see residency.fees.owner_operated_exemption); set by the administrator's CLI.
    owner_operated = Column(Boolean, nullable=False, default=False, server_default=false())
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    users = relationship("User", back_populates="establishment")


class User(Base):
    """A Telegram account's role in one establishment; an account may hold one in several (SPEC 10.4)."""

    __tablename__ = "users"
    __table_args__ = (UniqueConstraint("establishment_id", "telegram_id", name="uq_users_establishment_telegram"),)

    id = Column(Integer, primary_key=True)
    establishment_id = Column(ForeignKey("establishments.id"), nullable=False, index=True)
    telegram_id = Column(BigInteger, nullable=False, index=True)
    role = Column(String(10), nullable=False)
    # Comma-separated service (intent) names granted to an agent; ignored for an owner.
    services = Column(Text, nullable=False, default="")
    # The reply language the account chose with /lang ("ar" or "en"), the same on each of its rows; NULL:
    # follow the language they write in.
    language = Column(String(2), nullable=True)
    status = Column(String(10), nullable=False, default="active", server_default="active")
    # How the owners call this user (given when the agent is added); NULL: shown by its Telegram id.
    display_name = Column(String(100))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)

    establishment = relationship("Establishment", back_populates="users")

    @property
    def service_set(self) -> set[str]:
        return service_names(self.services)


class Account(Base):
    """A Telegram account's own settings across its establishments: the one it works on now.

    No row, or `current_establishment_id` NULL: no choice made (an account with one establishment works
    on that one)."""

    __tablename__ = "accounts"

    telegram_id = Column(BigInteger, primary_key=True, autoincrement=False)
    current_establishment_id = Column(ForeignKey("establishments.id"))
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)


class ActivationCode(Base):
    """A single-use code that turns a Telegram account into a user; only its hash is stored."""

    __tablename__ = "activation_codes"

    id = Column(Integer, primary_key=True)
    establishment_id = Column(ForeignKey("establishments.id"), nullable=False)
    code_hash = Column(String(64), nullable=False, unique=True)
    role = Column(String(10), nullable=False)
    services = Column(Text, nullable=False, default="")
    # The user's display name, given when the code was issued (User.display_name).
    display_name = Column(String(100))
    expires_at = Column(DateTime(timezone=True), nullable=False)
    used_at = Column(DateTime(timezone=True))
    used_by_telegram_id = Column(BigInteger)
    # Refused presentations of this very code (by a throttled account, after it was used or expired, to an
    # account of another establishment); at rules.yml activation.max_failed_attempts_per_code the code is
    # spent and never activates (see residency.activation).
    failed_attempts = Column(Integer, nullable=False, default=0, server_default="0")
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class ActivationAttempt(Base):
    """Every `/start CODE` attempt, kept even when the activation is refused (the throttle counts them).

    `outcome`: activated, wrong (no such code), used, expired, spent (the code's own limit was reached),
    linked_elsewhere, throttled (refused unseen: the account had too many failures). `code_id` is the code
    presented when it exists.
    """

    __tablename__ = "activation_attempts"
    __table_args__ = (Index("ix_activation_attempts_telegram_created", "telegram_id", "created_at"),)

    id = Column(Integer, primary_key=True)
    telegram_id = Column(BigInteger, nullable=False)
    code_id = Column(ForeignKey("activation_codes.id"), index=True)
    outcome = Column(String(20), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Resident(Base):
    """An expatriate worker of an establishment; a new arrival has a border number and no iqama yet."""

    __tablename__ = "residents"
    __table_args__ = (
        Index("ix_residents_establishment_expiry", "establishment_id", "iqama_expiry"),
        # The name-search cache's version check (latest change per establishment), see residency.inquiries.
        Index("ix_residents_establishment_updated", "establishment_id", "updated_at"),
    )

    id = Column(Integer, primary_key=True)
    establishment_id = Column(ForeignKey("establishments.id"), nullable=False, index=True)
    iqama_number = Column(String(10), unique=True)
    border_number = Column(String(10), unique=True)
    arrival_date = Column(Date)
    name_ar = Column(String(200), nullable=False)
    name_en = Column(String(200), nullable=False, default="")
    # Normalised Arabic + Latin name for tolerant search (see residency.names).
    name_key = Column(String(400), nullable=False, default="")
    nationality = Column(String(60), nullable=False)
    occupation = Column(String(100), nullable=False)
    birth_date = Column(Date)
    passport_number = Column(String(12), nullable=False)
    passport_expiry = Column(Date, nullable=False)
    iqama_expiry = Column(Date)
    location = Column(String(10), nullable=False, default="inside")
    dependants = Column(Integer, nullable=False, default=0)
    transfer_count = Column(Integer, nullable=False, default=0)
    hire_date = Column(Date)
    late_renewal_offences = Column(Integer, nullable=False, default=0)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow, onupdate=utcnow)

    establishment = relationship("Establishment")
    licence = relationship("DrivingLicence", uselist=False, back_populates="resident")
    visas = relationship("Visa", back_populates="resident", order_by="Visa.issued_on")


class DrivingLicence(Base):
    __tablename__ = "driving_licences"

    id = Column(Integer, primary_key=True)
    resident_id = Column(ForeignKey("residents.id"), nullable=False, unique=True)
    licence_type = Column(String(40), nullable=False)
    number = Column(String(20), nullable=False)
    expiry = Column(Date, nullable=False)

    resident = relationship("Resident", back_populates="licence")


class Visa(Base):
    """An exit/re-entry (single or multiple) or final-exit visa.

    `valid_until` is the return-before date of an exit/re-entry and the leave-before date of a final exit.
    """

    __tablename__ = "visas"

    id = Column(Integer, primary_key=True)
    number = Column(String(10), nullable=False, unique=True)
    resident_id = Column(ForeignKey("residents.id"), nullable=False, index=True)
    kind = Column(String(20), nullable=False)
    entry_type = Column(String(10))
    issued_on = Column(Date, nullable=False)
    valid_until = Column(Date, nullable=False)
    status = Column(String(10), nullable=False, default="issued")
    departed_on = Column(Date)
    returned_on = Column(Date)
    cancelled_on = Column(Date)
    transaction_id = Column(ForeignKey("transactions.id"))

    resident = relationship("Resident", back_populates="visas")


VIOLATION_KINDS = ("unused_exit_reentry",)


class Violation(Base):
    """A fine recorded against a resident, unpaid until a transaction collects it (SPEC 9.2).

    `unused_exit_reentry`: an exit/re-entry visa that reached its return-before date unused (the resident
    never left) is marked expired and fined (rules.yml exit_reentry.unused_fine), exactly once per visa
    (unique visa_id + kind). The next exit/re-entry or final exit of the resident carries the fine as a
    quote line and its execution sets `paid_transaction_id` in the same database transaction.
    """

    __tablename__ = "violations"
    __table_args__ = (
        UniqueConstraint("visa_id", "kind", name="uq_violations_visa_kind"),
        Index("ix_violations_resident_paid", "resident_id", "paid_transaction_id"),
    )

    id = Column(Integer, primary_key=True)
    resident_id = Column(ForeignKey("residents.id"), nullable=False)
    kind = Column(String(30), nullable=False)
    amount = Column(Integer, nullable=False)
    visa_id = Column(ForeignKey("visas.id"))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    paid_transaction_id = Column(ForeignKey("transactions.id"))

    resident = relationship("Resident")
    visa = relationship("Visa")


class Transaction(Base):
    """Every executed service. Nothing changes state without one; the key makes execution exactly-once.

    `receipt_number` is the establishment's own running number of the transaction (1, 2, 3 ...), the
    "رقم العملية" its users see; `id` is global and never shown. It is given inside the transaction's own
    database transaction (Repository.next_receipt_number); NULL only for a row someone wrote without it.
    `balance_after` is the payer's balance right after the execution, so that a replay returns the
    first receipt unchanged.
    """

    __tablename__ = "transactions"
    __table_args__ = (
        Index("uq_transactions_establishment_receipt", "establishment_id", "receipt_number", unique=True),
    )

    id = Column(Integer, primary_key=True)
    idempotency_key = Column(String(100), nullable=False, unique=True)
    establishment_id = Column(ForeignKey("establishments.id"), nullable=False, index=True)
    receipt_number = Column(Integer)
    balance_after = Column(Integer)
    user_id = Column(ForeignKey("users.id"))
    resident_id = Column(ForeignKey("residents.id"))
    service = Column(String(40), nullable=False)
    inputs = Column(JSON, nullable=False, default=dict)
    fee_lines = Column(JSON, nullable=False, default=list)
    total = Column(Integer, nullable=False, default=0)
    result = Column(JSON, nullable=False, default=dict)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class LedgerEntry(Base):
    """Every balance change, tied to the transaction that caused it."""

    __tablename__ = "ledger"

    id = Column(Integer, primary_key=True)
    establishment_id = Column(ForeignKey("establishments.id"), nullable=False, index=True)
    transaction_id = Column(ForeignKey("transactions.id"))
    amount = Column(Integer, nullable=False)
    balance_after = Column(Integer, nullable=False)
    reason = Column(String(100), nullable=False)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class TransferRequest(Base):
    """A sponsorship transfer waiting for the receiving establishment's owner to accept or decline."""

    __tablename__ = "transfer_requests"

    id = Column(Integer, primary_key=True)
    resident_id = Column(ForeignKey("residents.id"), nullable=False)
    from_establishment_id = Column(ForeignKey("establishments.id"), nullable=False)
    to_establishment_id = Column(ForeignKey("establishments.id"), nullable=False)
    requested_by_user_id = Column(ForeignKey("users.id"))
    status = Column(String(10), nullable=False, default="pending")
    fee = Column(Integer, nullable=False)
    request_transaction_id = Column(ForeignKey("transactions.id"))
    decision_transaction_id = Column(ForeignKey("transactions.id"))
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    decided_at = Column(DateTime(timezone=True))

    resident = relationship("Resident")


class BulkQuote(Base):
    """One combined quote over several residents (residency.services.bulk), kept until it is confirmed.

    `items` is a list of {"iqama_number", "resident_name", "quote": Quote.to_dict() or None,
    "refusal": {"code", "message"} or None}; `total` is the sum of the quotes that can go.
    """

    __tablename__ = "bulk_quotes"

    id = Column(Integer, primary_key=True)
    establishment_id = Column(ForeignKey("establishments.id"), nullable=False, index=True)
    user_id = Column(ForeignKey("users.id"), nullable=False)
    service = Column(String(40), nullable=False)
    group_name = Column(String(20))
    items = Column(JSON, nullable=False, default=list)
    total = Column(Integer, nullable=False, default=0)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class BulkProgress(Base):
    """How far the execution of a combined quote is: residents done of the total, as it goes (the front ends
    show it while they wait for the reply: SPEC 10.4)."""

    __tablename__ = "bulk_progress"

    bulk_quote_id = Column(ForeignKey("bulk_quotes.id"), primary_key=True)
    telegram_id = Column(BigInteger, nullable=False, index=True)
    done = Column(Integer, nullable=False)
    total = Column(Integer, nullable=False)
    updated_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Approval(Base):
    """An agent's confirmed request waiting for an owner's decision (residency.services.approvals).

    `request_key` is the agent's confirmation key: a repeated confirmation submits nothing twice.
    `quote` is the single quote (Quote.to_dict()), or NULL with `bulk_quote_id` for a bulk request.
    Status: pending -> approved (executed, `result` holds the outcome) | declined | lapsed (72 hours).
    """

    __tablename__ = "approvals"

    id = Column(Integer, primary_key=True)
    establishment_id = Column(ForeignKey("establishments.id"), nullable=False, index=True)
    maker_user_id = Column(ForeignKey("users.id"), nullable=False)
    request_key = Column(String(120), nullable=False, unique=True)
    service = Column(String(40), nullable=False)
    quote = Column(JSON)
    bulk_quote_id = Column(ForeignKey("bulk_quotes.id"))
    total = Column(Integer, nullable=False, default=0)
    status = Column(String(10), nullable=False, default="pending")
    decided_by_user_id = Column(ForeignKey("users.id"))
    result = Column(JSON, nullable=False, default=dict)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    decided_at = Column(DateTime(timezone=True))


ACTIVITY_KINDS = ("execution", "approval", "user", "activation")


class ActivityEntry(Base):
    """One line of an establishment's activity log (SPEC 10.4), written in the database transaction of
    what it records (residency.activity).

    `kind`: execution (`action` is the service), approval (approved / declined / lapsed / refused), user
    (invited / added / services_changed / suspended / reactivated / removed, about `subject_user_id`),
    activation (a code turned the account into `user_id`). `user_id` is who did it (NULL: the
    administrator's CLI). The resident's iqama number and name are kept as they were then.
    """

    __tablename__ = "activity_log"
    __table_args__ = (Index("ix_activity_log_establishment_created", "establishment_id", "created_at"),)

    id = Column(Integer, primary_key=True)
    establishment_id = Column(ForeignKey("establishments.id"), nullable=False)
    user_id = Column(ForeignKey("users.id"))
    kind = Column(String(20), nullable=False)
    action = Column(String(40), nullable=False)
    subject_user_id = Column(ForeignKey("users.id"))
    resident_id = Column(ForeignKey("residents.id"))
    iqama_number = Column(String(10))
    resident_name = Column(String(200))
    amount = Column(Integer, nullable=False, default=0)
    transaction_id = Column(ForeignKey("transactions.id"))
    approval_id = Column(ForeignKey("approvals.id"))
    details = Column(JSON, nullable=False, default=dict)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)


class Notification(Base):
    """Outbox of messages the domain wants pushed to a Telegram user (transfer requests, reminders).

    The bot sends unsent rows and marks them sent; `buttons` is a list of {title, payload}.
    `dedupe_key` makes a reminder for the same item on the same day impossible to queue twice.
    """

    __tablename__ = "notifications"

    id = Column(Integer, primary_key=True)
    telegram_id = Column(BigInteger, nullable=False, index=True)
    text = Column(Text, nullable=False)
    buttons = Column(JSON, nullable=False, default=list)
    dedupe_key = Column(String(200), unique=True)
    created_at = Column(DateTime(timezone=True), nullable=False, default=utcnow)
    sent_at = Column(DateTime(timezone=True))


class ReminderItem(Base):
    """One item (an iqama, a visa) already reminded on a given day: no duplicate even after a restart."""

    __tablename__ = "reminder_items"
    __table_args__ = (UniqueConstraint("establishment_id", "item_key", "sent_on"),)

    id = Column(Integer, primary_key=True)
    establishment_id = Column(ForeignKey("establishments.id"), nullable=False)
    item_key = Column(String(100), nullable=False)
    sent_on = Column(Date, nullable=False)


__all__ = [
    "Base",
    "Establishment",
    "User",
    "Account",
    "ActivationCode",
    "ActivationAttempt",
    "Resident",
    "DrivingLicence",
    "Visa",
    "Transaction",
    "Violation",
    "LedgerEntry",
    "BulkQuote",
    "Approval",
    "TransferRequest",
    "ActivityEntry",
    "Notification",
    "ReminderItem",
]
