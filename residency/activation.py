"""Users and activation codes: how a Telegram account becomes an establishment's user.

A code is single-use, expires after `activation.code_valid_hours`, and only its SHA-256 is stored.
`activate` is what `/start CODE` runs (the bot calls it without Rasa). An account may be a user of several
establishments (SPEC 10.4): a code of another establishment adds that one to the account, which then works
on it (residency.accounts); a code of an establishment the account is a user of already gives it the
code's role and services there (and brings back a user its owner removed).

Guessing is limited (SPEC 9.7), with the figures of rules.yml `activation`:

- One answer. A wrong code, a used one, an expired one and a spent one (below) all get the same
  InvalidInput `wrong_code` with the same text (WRONG_CODE_MESSAGE), so an answer never confirms that a
  guess hit a real code.
- Per account. Every attempt with a code is recorded in `activation_attempts` and committed, even when
  it is refused. An account with `max_failed_attempts_per_account` failed attempts within the last
  `failed_attempts_window_minutes` (a rolling window) is throttled: every code it sends -- the right one
  too -- is refused with Refusal `activation_throttled`, whose text says how many minutes to wait (until
  the oldest of those failures leaves the window). Attempts refused while throttled are recorded
  (outcome `throttled`) but do not count as failures, so the wait a user is told is the wait it gets.
  One account's attempts are serialised (PostgreSQL advisory lock; SQLite's write lock), so that
  simultaneous guesses cannot all slip under the limit.
- Per code. A wrong guess identifies no code, so nothing can be counted against a code then. What is
  counted, in the code's own `failed_attempts`, is every refused presentation of that very code: by a
  throttled account, or after it was used or expired. Such
  presentations mean the code is known to someone it should not be; at
  `max_failed_attempts_per_code` the code is spent: it never activates any more (same single answer),
  and the owner issues a new one.
"""

from __future__ import annotations

import hashlib
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from replies import N_, _, ngettext
from residency import activity, calendar, identifiers
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal, ResidencyError
from residency.accounts import work_on
from residency.models import ActivationAttempt, ActivationCode, User, service_names, utcnow
from residency.rules import RULES
from residency.services import ALL_SERVICES
from residency.services.base import current_user
from residency.text_safety import strip_controls

# No 0/O, 1/I/L: codes are read aloud and typed on phones.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 8


@dataclass(frozen=True)
class ActivationResult:
    establishment_number: str
    establishment_name: str
    role: str


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _normalise_code(code: str) -> str:
    return identifiers.normalize_digits(code).strip().upper().replace("-", "").replace(" ", "")


def parse_services(role: str, services: str | list[str] | tuple[str, ...] | None) -> str:
    """Comma-separated granted services for an agent (validated); empty for an owner."""
    if role not in ("owner", "agent"):
        raise InvalidInput("bad_role", _("The role is owner or agent."))
    if isinstance(services, str):
        services = [s.strip() for s in services.split(",")]
    chosen = [s for s in (services or []) if s]
    unknown = [s for s in chosen if s not in ALL_SERVICES]
    if unknown:
        raise InvalidInput(
            "unknown_service", _("Unknown services: {services}").format(services=", ".join(unknown)), unknown=unknown
        )
    if role == "agent" and not chosen:
        raise InvalidInput("agent_needs_services", _("Name the services the agent may use (--services)."))
    return ",".join(chosen) if role == "agent" else ""


def _establishment(uow: UnitOfWork, number: str):
    est = uow.repo.establishment_by_number(identifiers.parse_establishment_number(number))
    if est is None:
        raise NotFound(
            "unknown_establishment", _("There is no establishment with number {number}.").format(number=number)
        )
    return est


DISPLAY_NAME_LENGTH = User.__table__.c.display_name.type.length


def display_name(name: str | None) -> str | None:
    """A user's display name as kept: invisible characters and outer spaces removed, None when empty;
    InvalidInput name_too_long beyond the column."""
    cleaned = strip_controls(name or "").strip()
    if len(cleaned) > DISPLAY_NAME_LENGTH:
        raise InvalidInput(
            "name_too_long",
            _("A user's name is at most {n} characters; write a shorter one.").format(n=DISPLAY_NAME_LENGTH),
        )
    return cleaned or None


def new_code(
    uow: UnitOfWork, establishment_id: int, role: str, services, name: str | None, by_user_id: int | None
) -> tuple[str, ActivationCode]:
    """A new single-use code for `role` with `services` (validated: `parse_services`) and the user's display
    name, issued by `by_user_id` (None: the administrator), and its row, with its line in the activity log
    (added, not committed); only the code's hash is kept."""
    granted = parse_services(role, services)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    hours = int(RULES["activation"]["code_valid_hours"])
    row = ActivationCode(
        establishment_id=establishment_id,
        code_hash=_hash(code),
        role=role,
        services=granted,
        display_name=display_name(name),
        expires_at=utcnow() + timedelta(hours=hours),
    )
    uow.repo.add(row)
    activity.record_user_change(
        uow,
        establishment_id,
        "invited",
        by_user_id,
        None,
        role=role,
        services=sorted(service_names(granted)),
        name=row.display_name,
    )
    return code, row


def issue_code(
    uow: UnitOfWork, establishment_number: str, role: str = "owner", services=None, name: str | None = None
) -> str:
    """A new single-use activation code for the establishment, issued by the administrator (printed once;
    only its hash is kept); `name`: the user's display name."""
    est = _establishment(uow, establishment_number)
    code, _row = new_code(uow, est.id, role, services, name, None)
    uow.commit()
    return code


def add_user(
    uow: UnitOfWork, establishment_number: str, telegram_id: int, role: str, services=None, name: str | None = None
) -> User:
    """Register a Telegram account as a user of the establishment directly (administrator, CLI); it may be
    a user of other establishments too, and keeps working on the one it worked on. Refusal already_user
    when it is a user of this establishment already (a removed one is registered again)."""
    est = _establishment(uow, establishment_number)
    granted = parse_services(role, services)
    telegram_id = int(telegram_id)
    existing = uow.repo.user_in(est.id, telegram_id)
    if existing is not None and existing.status != "removed":
        raise Refusal(
            "already_user",
            _("Account {telegram_id} is already a user of this establishment.").format(telegram_id=telegram_id),
        )
    _keep_working_on_current(uow, telegram_id)
    user = enrol(uow, est.id, telegram_id, role, granted, display_name(name))
    activity.record_user_change(uow, est.id, "added", None, user, role=role, services=sorted(user.service_set))
    uow.commit()
    return user


def _keep_working_on_current(uow: UnitOfWork, telegram_id: int) -> None:
    """Before the account gets another establishment: record the one it works on now, if it works on one,
    so that the new one does not leave it to choose."""
    try:
        user = current_user(uow, telegram_id)
    except ResidencyError:  # a stranger, or an account that must choose already
        return
    work_on(uow, telegram_id, user.establishment_id)


def enrol(uow: UnitOfWork, establishment_id: int, telegram_id: int, role: str, services: str, name: str | None) -> User:
    """The account as an active user of the establishment with this role and these services (its row there
    reused, a removed user's too; a new row speaks the account's chosen language); `name` replaces the
    display name when given. Not committed."""
    user = uow.repo.user_in(establishment_id, telegram_id)
    if user is None:
        known = uow.repo.user_by_telegram_id(telegram_id)
        user = User(
            establishment_id=establishment_id,
            telegram_id=telegram_id,
            language=known.language if known is not None else None,
        )
        uow.repo.add(user, flush=False)
    user.role, user.services, user.status = role, services, "active"
    if name is not None:
        user.display_name = name
    uow.repo.flush()
    return user


WRONG_CODE_MESSAGE = N_(
    "The activation code is wrong or no longer valid. Check the code as the establishment's owner sent it to you "
    "and send /start CODE, or ask the owner for a new code."
)


# Attempt outcomes (ActivationAttempt.outcome) that count against the account's limit.
FAILED_OUTCOMES = ("wrong", "used", "expired", "spent")
# Namespace of the PostgreSQL advisory lock that serialises one account's attempts.
_ATTEMPT_LOCK_NAMESPACE = 0x6D71  # "mq"


def _wrong_code() -> InvalidInput:
    return InvalidInput("wrong_code", _(WRONG_CODE_MESSAGE))


def _aware(moment: datetime) -> datetime:
    """SQLite hands timestamps back naive; they are UTC."""
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _limits() -> tuple[int, int, int]:
    rules = RULES["activation"]
    return (
        int(rules["max_failed_attempts_per_account"]),
        int(rules["failed_attempts_window_minutes"]),
        int(rules["max_failed_attempts_per_code"]),
    )


def throttle_message(max_failures: int, window_minutes: int, wait_minutes: int) -> str:
    failures = ngettext("{n} wrong attempt", "{n} wrong attempts", max_failures).format(n=max_failures)
    return _(
        "You went over the number of activation attempts allowed ({failures} within {window}), so no activation "
        "code from your account is accepted for now, not even the right one. Wait {wait}, then send /start CODE again."
    ).format(
        failures=failures, window=calendar.minutes_phrase(window_minutes), wait=calendar.minutes_phrase(wait_minutes)
    )


def _serialise_account(uow: UnitOfWork, telegram_id: int) -> None:
    """One account's attempts run one at a time, so that simultaneous guesses cannot all slip under the
    limit: a transaction-scoped advisory lock on PostgreSQL; SQLite's write lock (BEGIN IMMEDIATE) does
    it already."""
    if uow.dialect == "postgresql":
        key = (telegram_id % 2**32) - 2**31  # any int4; a collision only serialises two accounts
        uow.repo.advisory_lock(_ATTEMPT_LOCK_NAMESPACE, key)


def throttled_minutes(uow: UnitOfWork, telegram_id: int, now: datetime | None = None) -> int | None:
    """Whole minutes (at least 1) until the account may try a code again, or None when it may now."""
    max_failures, window_minutes, _ = _limits()
    now = now or utcnow()
    window = timedelta(minutes=window_minutes)
    recent = uow.repo.recent_attempt_times(telegram_id, FAILED_OUTCOMES, now - window, max_failures)
    if len(recent) < max_failures:
        return None
    # Free again once the oldest of the last `max_failures` failures leaves the rolling window.
    seconds = (_aware(recent[-1]) + window - now).total_seconds()
    return max(1, math.ceil(seconds / 60))


def _record(uow: UnitOfWork, telegram_id: int, row: ActivationCode | None, outcome: str) -> None:
    uow.repo.add(
        ActivationAttempt(telegram_id=telegram_id, code_id=row.id if row else None, outcome=outcome), flush=False
    )
    if row is not None and outcome != "activated":
        row.failed_attempts = (row.failed_attempts or 0) + 1
    uow.repo.flush()


def _refuse(uow: UnitOfWork, telegram_id: int, row: ActivationCode | None, outcome: str, error: Exception):
    """Record the refused attempt, commit it (it must count even though nothing is activated), raise."""
    _record(uow, telegram_id, row, outcome)
    uow.commit()
    raise error


def activate(telegram_id: int, code: str, uow: UnitOfWork | None = None) -> ActivationResult:
    """Turn the Telegram account into a user with the code's establishment and role (`/start CODE`).

    Limits and answers are in the module docstring: a throttled account gets Refusal
    `activation_throttled` (even with the right code); a wrong, used, expired or spent code gets the
    one InvalidInput `wrong_code`. Every attempt with a code is recorded and committed.
    """
    if uow is None:
        with UnitOfWork() as own:
            return activate(telegram_id, code, own)
    telegram_id = int(telegram_id)
    normalised = _normalise_code(code or "")
    if not normalised:
        raise _wrong_code()  # nothing was tried: not recorded
    _serialise_account(uow, telegram_id)
    row = uow.repo.activation_code_by_hash(_hash(normalised))
    max_failures, window_minutes, max_per_code = _limits()
    wait = throttled_minutes(uow, telegram_id)
    if wait is not None:
        _refuse(
            uow,
            telegram_id,
            row,
            "throttled",
            Refusal(
                "activation_throttled",
                throttle_message(max_failures, window_minutes, wait),
                retry_after_minutes=wait,
            ),
        )
    if row is None:
        _refuse(uow, telegram_id, None, "wrong", _wrong_code())
    if (row.failed_attempts or 0) >= max_per_code:
        _refuse(uow, telegram_id, row, "spent", _wrong_code())
    if row.used_at is not None:
        _refuse(uow, telegram_id, row, "used", _wrong_code())
    if _aware(row.expires_at) < utcnow():
        _refuse(uow, telegram_id, row, "expired", _wrong_code())
    user = enrol(uow, row.establishment_id, telegram_id, row.role, row.services, row.display_name)
    activity.record_activation(uow, user)
    work_on(uow, telegram_id, row.establishment_id)
    row.used_at, row.used_by_telegram_id = utcnow(), telegram_id
    _record(uow, telegram_id, row, "activated")
    est = uow.repo.establishment(row.establishment_id)
    result = ActivationResult(est.number, est.name_ar, row.role)
    uow.commit()
    return result
