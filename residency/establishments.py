"""Administrator operations on establishments and residents (CLI): add and show an establishment, find any
resident, and the JSON shapes of `muqeem establishment show --json` and `muqeem resident show --json`.

These run without a Telegram user (the administrator sees every establishment), so they never go
through the services' authorisation; the services keep their own establishment-scoped look-ups.

JSON shapes (dates ISO `YYYY-MM-DD` or null):

- establishment: number, name, plan, balance, subscription_until, saudi_count, expat_count, industrial
  (a licensed industrial establishment: no expat levy), owner_operated (its first expatriates pay no
  levy), approval_above, resident_count, users [{telegram_id, role, services}] (not those removed).
- resident: iqama_number, border_number, arrival_date, establishment (its unified number), name_ar,
  name_en, nationality, occupation, birth_date, hire_date, iqama_expiry, passport_number,
  passport_expiry, location ("inside"/"outside"), dependants, transfer_count, late_renewal_offences,
  licence ({type, number, expiry} or null), visas (newest first) [{number, type, status, issued_on,
  return_before, departed_on, returned_on}] where type is "exit_reentry_single",
  "exit_reentry_multiple" or "final_exit", status is the status today ("expired" for an issued visa past
  its date, see services.base.visa_status) and return_before is the visa's valid-until date (the
  leave-before date of a final exit).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from replies import _
from residency import calendar, identifiers
from residency.rules import RULES
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal
from residency.models import PLANS, Establishment, Resident, Visa
from residency.services.base import visa_status

# A new establishment's subscription, when none is given, runs this many months from today.
DEFAULT_SUBSCRIPTION_MONTHS = int(RULES["establishment"]["default_subscription_months"])


def find_establishment(uow: UnitOfWork, number_text: str) -> Establishment:
    """The establishment with this unified number (validated), else NotFound."""
    number = identifiers.parse_establishment_number(str(number_text))
    est = uow.repo.establishment_by_number(number)
    if est is None:
        raise NotFound(
            "unknown_establishment",
            _("There is no establishment with unified number {number}. Check the number.").format(number=number),
        )
    return est


def add_establishment(
    uow: UnitOfWork,
    number_text: str,
    name: str,
    plan: str = "comprehensive",
    balance: int = 0,
    saudis: int = 0,
    expats: int = 0,
    subscription_until: date | None = None,
    industrial: bool = False,
) -> Establishment:
    """Create an establishment and commit; the subscription defaults to a year from today. `industrial`:
    a licensed industrial establishment (no expat levy)."""
    number = identifiers.parse_establishment_number(str(number_text))
    name = (name or "").strip()
    if not name:
        raise InvalidInput("empty_name", _("The establishment's name is empty; write its Arabic name (--name)."))
    if plan not in PLANS:
        raise InvalidInput(
            "bad_plan", _("The plan is comprehensive (all services) or transactions (pay per transaction).")
        )
    if min(balance, saudis, expats) < 0:
        raise InvalidInput("negative_value", _("The balance and the staff counts cannot be negative."))
    if uow.repo.establishment_by_number(number) is not None:
        raise Refusal(
            "establishment_exists",
            _("Establishment {number} is already registered; show it with: muqeem establishment show {number}").format(
                number=number
            ),
        )
    est = Establishment(
        number=number,
        name_ar=name,
        plan=plan,
        balance=int(balance),
        saudi_count=int(saudis),
        expat_count=int(expats),
        subscription_until=subscription_until or calendar.add_months(calendar.today(), DEFAULT_SUBSCRIPTION_MONTHS),
        industrial=bool(industrial),
    )
    uow.repo.add(est)
    uow.commit()
    return est


def set_industrial(uow: UnitOfWork, number_text: str, industrial: bool) -> Establishment:
    """Mark an establishment as a licensed industrial one (no expat levy) or not, and commit."""
    est = find_establishment(uow, number_text)
    uow.repo.refresh(est, lock=True)
    est.industrial = bool(industrial)
    uow.commit()
    return est


def set_owner_operated(uow: UnitOfWork, number_text: str, owner_operated: bool) -> Establishment:
    """Flag an establishment as owner-operated (its first expatriates pay no levy: fees.owner_operated_exemption)
    or not, and commit. Refusal too_many_workers when it has more workers, Saudis and expatriates, than the
    rule allows (rules.yml levy.owner_operated.max_workers)."""
    est = find_establishment(uow, number_text)
    uow.repo.refresh(est, lock=True)
    limit = int(RULES["levy"]["owner_operated"]["max_workers"])
    if owner_operated and est.saudi_count + est.expat_count > limit:
        raise Refusal(
            "too_many_workers",
            _(
                "Establishment {number} has {workers} workers ({saudis} Saudis and {expats} expatriates); an "
                "owner-operated establishment has {limit} at most."
            ).format(
                number=est.number,
                workers=est.saudi_count + est.expat_count,
                saudis=est.saudi_count,
                expats=est.expat_count,
                limit=limit,
            ),
            limit=limit,
        )
    est.owner_operated = bool(owner_operated)
    uow.commit()
    return est


def establishment_json(uow: UnitOfWork, est: Establishment) -> dict[str, Any]:
    """The establishment as JSON-ready data (see the module docstring)."""
    users = [user for user in uow.repo.users_of(est.id) if user.status != "removed"]
    return {
        "number": est.number,
        "name": est.name_ar,
        "plan": est.plan,
        "balance": est.balance,
        "subscription_until": est.subscription_until.isoformat(),
        "saudi_count": est.saudi_count,
        "expat_count": est.expat_count,
        "industrial": bool(est.industrial),
        "owner_operated": bool(est.owner_operated),
        "approval_above": est.approval_above,
        "resident_count": uow.repo.resident_count(est.id),
        "users": [{"telegram_id": u.telegram_id, "role": u.role, "services": sorted(u.service_set)} for u in users],
    }


def find_resident(uow: UnitOfWork, number_text: str) -> Resident:
    """Any establishment's resident by iqama number, or by border number for a new arrival; else NotFound."""
    digits = identifiers.clean_number(str(number_text)) or ""
    if identifiers.classify_number(digits) is identifiers.IdKind.BORDER:
        resident = uow.repo.resident_by_border_any(digits)
    else:
        digits = identifiers.parse_iqama(str(number_text))
        resident = uow.repo.resident_by_iqama_any(digits)
    if resident is None:
        raise NotFound(
            "unknown_resident", _("There is no resident with number {number}. Check the number.").format(number=digits)
        )
    return resident


def visa_type(visa: Visa) -> str:
    """ "exit_reentry_single", "exit_reentry_multiple" or "final_exit"."""
    return f"exit_reentry_{visa.entry_type}" if visa.kind == "exit_reentry" else visa.kind


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def resident_json(uow: UnitOfWork, resident: Resident, today: date | None = None) -> dict[str, Any]:
    """The resident as JSON-ready data (see the module docstring)."""
    today = today or calendar.today()
    licence = resident.licence
    return {
        "iqama_number": resident.iqama_number,
        "border_number": resident.border_number,
        "arrival_date": _iso(resident.arrival_date),
        "establishment": resident.establishment.number,
        "name_ar": resident.name_ar,
        "name_en": resident.name_en,
        "nationality": resident.nationality,
        "occupation": resident.occupation,
        "birth_date": _iso(resident.birth_date),
        "hire_date": _iso(resident.hire_date),
        "iqama_expiry": _iso(resident.iqama_expiry),
        "passport_number": resident.passport_number,
        "passport_expiry": _iso(resident.passport_expiry),
        "location": resident.location,
        "dependants": resident.dependants,
        "transfer_count": resident.transfer_count,
        "late_renewal_offences": resident.late_renewal_offences,
        "licence": (
            {"type": licence.licence_type, "number": licence.number, "expiry": _iso(licence.expiry)}
            if licence
            else None
        ),
        "visas": [
            {
                "number": v.number,
                "type": visa_type(v),
                "status": visa_status(v, today),
                "issued_on": _iso(v.issued_on),
                "return_before": _iso(v.valid_until),
                "departed_on": _iso(v.departed_on),
                "returned_on": _iso(v.returned_on),
            }
            for v in uow.repo.visas_of(resident.id)
        ],
    }
