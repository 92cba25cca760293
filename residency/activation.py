"""Users and activation codes: how a Telegram account becomes an establishment's user.

A code is single-use, expires after `activation.code_valid_hours`, and only its SHA-256 is stored.
`activate` is what `/start CODE` runs (the bot calls it without Rasa).
"""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from residency import identifiers
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal
from residency.models import ActivationCode, User, utcnow
from residency.rules import RULES
from residency.services.base import ALL_SERVICES

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
        raise InvalidInput("bad_role", "الدور يكون owner (مالك) أو agent (مفوّض).")
    if isinstance(services, str):
        services = [s.strip() for s in services.split(",")]
    chosen = [s for s in (services or []) if s]
    unknown = [s for s in chosen if s not in ALL_SERVICES]
    if unknown:
        raise InvalidInput("unknown_service", f"خدمات غير معروفة: {', '.join(unknown)}", unknown=unknown)
    if role == "agent" and not chosen:
        raise InvalidInput("agent_needs_services", "حدّد الخدمات المسموحة للمفوّض (--services).")
    return ",".join(chosen) if role == "agent" else ""


def _establishment(uow: UnitOfWork, number: str):
    est = uow.repo.establishment_by_number(identifiers.parse_establishment_number(number))
    if est is None:
        raise NotFound("unknown_establishment", f"لا توجد منشأة بالرقم {number}.")
    return est


def issue_code(uow: UnitOfWork, establishment_number: str, role: str = "owner", services=None) -> str:
    """A new single-use activation code for the establishment (printed once; only its hash is kept)."""
    est = _establishment(uow, establishment_number)
    granted = parse_services(role, services)
    code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    hours = int(RULES["activation"]["code_valid_hours"])
    uow.repo.add(
        ActivationCode(
            establishment_id=est.id,
            code_hash=_hash(code),
            role=role,
            services=granted,
            expires_at=utcnow() + timedelta(hours=hours),
        )
    )
    uow.commit()
    return code


def add_user(uow: UnitOfWork, establishment_number: str, telegram_id: int, role: str, services=None) -> User:
    """Register a Telegram account directly (administrator, CLI)."""
    est = _establishment(uow, establishment_number)
    granted = parse_services(role, services)
    if uow.repo.user_by_telegram_id(int(telegram_id)) is not None:
        raise Refusal("already_user", f"الحساب {telegram_id} مسجّل مستخدمًا من قبل.")
    user = User(establishment_id=est.id, telegram_id=int(telegram_id), role=role, services=granted)
    uow.repo.add(user)
    uow.commit()
    return user


def activate(telegram_id: int, code: str, uow: UnitOfWork | None = None) -> ActivationResult:
    """Turn the Telegram account into a user with the code's establishment and role (`/start CODE`)."""
    if uow is None:
        with UnitOfWork() as own:
            return activate(telegram_id, code, own)
    wrong = InvalidInput(
        "wrong_code",
        "رمز التفعيل غير صحيح. تأكد من الرمز كما وصلك من مالك المنشأة وأرسل: /start الرمز",
    )
    normalised = _normalise_code(code or "")
    if not normalised:
        raise wrong
    row = uow.session.execute(
        select(ActivationCode).where(ActivationCode.code_hash == _hash(normalised)).with_for_update()
    ).scalars().first()
    if row is None:
        raise wrong
    if row.used_at is not None:
        raise InvalidInput("used_code", "هذا الرمز استُخدم من قبل. اطلب رمزًا جديدًا من مالك المنشأة.")
    if row.expires_at.replace(tzinfo=row.expires_at.tzinfo or utcnow().tzinfo) < utcnow():
        raise InvalidInput("expired_code", "انتهت صلاحية هذا الرمز. اطلب رمزًا جديدًا من مالك المنشأة.")
    existing = uow.repo.user_by_telegram_id(int(telegram_id))
    if existing is not None and existing.establishment_id != row.establishment_id:
        raise Refusal(
            "linked_elsewhere",
            "حسابك مرتبط بمنشأة أخرى؛ لا يرتبط الحساب إلا بمنشأة واحدة. تواصل مع مسؤول النظام.",
        )
    if existing is None:
        existing = User(establishment_id=row.establishment_id, telegram_id=int(telegram_id))
        uow.session.add(existing)
    existing.role, existing.services = row.role, row.services
    row.used_at, row.used_by_telegram_id = utcnow(), int(telegram_id)
    est = uow.repo.establishment(row.establishment_id)
    result = ActivationResult(est.number, est.name_ar, row.role)
    uow.commit()
    return result
