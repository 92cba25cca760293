"""Reports and account of SPEC section 4: expiring iqamas, residents abroad, transaction history, account status.

Every function authorises the sender for its intent and reads only the sender's own establishment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from replies import N_, _
from residency import calendar, fees, queries
from residency.db import UnitOfWork
from residency.errors import InvalidInput
from residency.fees import LevyInsight
from residency.rules import RULES
from residency.services.base import authorise


@dataclass(frozen=True, slots=True)
class ExpiringRow:
    iqama_number: str
    name_ar: str
    iqama_expiry: date
    days_left: int  # negative: expired that many days ago
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class AbroadRow:
    iqama_number: str
    name_ar: str
    visa_number: str | None  # None: abroad with no exit/re-entry on record
    return_before: date | None
    days_left: int | None
    overdue: bool
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class HistoryRow:
    transaction_id: int
    created_at: datetime
    service: str  # the service (intent) name, or record_departure / record_return / transfer_sponsorship_*
    iqama_number: str | None
    total: int
    summary: str  # short facts from the result, in the reply language ("التأشيرة 6...، العودة قبل 2027-01-01")
    # The establishment's own number of the transaction, the "رقم العملية" to show (transaction_id is
    # the global row id); None only for a row written without one.
    receipt_number: int | None = None


@dataclass(frozen=True, slots=True)
class AccountStatus:
    number: str
    name_ar: str
    plan: str  # comprehensive | transactions
    subscription_until: date
    subscription_days_left: int
    balance: int
    resident_count: int
    saudi_count: int
    expat_count: int
    # Saudis fewer than expatriates by a few: what hiring them would save (texts.render_levy_insight).
    levy_insight: LevyInsight | None = None


def _whole_number(value, code: str, message: str, maximum: int) -> int:
    """A whole number from 1 to `maximum` (rules.yml); anything else is InvalidInput `code` with `message`
    (an id with {maximum}), never clamped (a huge horizon would overflow the date arithmetic)."""
    try:
        number = int(value)
    except (TypeError, ValueError, OverflowError):
        number = -1
    if not 1 <= number <= maximum:
        raise InvalidInput(code, _(message).format(maximum=maximum), maximum=maximum)
    return number


_BAD_DAYS = N_("The number of days must be a whole number from 1 to {maximum}, e.g. 30.")
_BAD_LIMIT = N_("The number of transactions must be a whole number from 1 to {maximum}, e.g. 30.")


def expiring_iqamas(uow: UnitOfWork, telegram_id: int, days: int | None = None) -> list[ExpiringRow]:
    """Iqamas expiring within `days` days (default rules.yml reports.expiring_default_days) or already
    expired, soonest (most overdue) first."""
    actor = authorise(uow, telegram_id, "report_expiring_iqamas")
    rules = RULES["reports"]
    days = (
        rules["expiring_default_days"]
        if days is None
        else _whole_number(days, "bad_days", _BAD_DAYS, int(rules["expiring_max_days"]))
    )
    today = calendar.today()
    rows = queries.expiring_iqamas(uow, actor.establishment_id, today + timedelta(days=days))
    return [
        ExpiringRow(number, name, expiry, (expiry - today).days, name_en or "")
        for number, name, expiry, name_en in rows
    ]


def residents_abroad(uow: UnitOfWork, telegram_id: int) -> list[AbroadRow]:
    """Residents outside the Kingdom with their exit/re-entry's return-before date: overdue ones first,
    then by date. A resident who left on a final exit is not listed (not coming back)."""
    actor = authorise(uow, telegram_id, "report_residents_abroad")
    today = calendar.today()
    rows = queries.residents_abroad(uow, actor.establishment_id)
    result = []
    for iqama, name, kind, visa_number, return_before, name_en in rows:
        if kind == "final_exit":
            continue
        days_left = calendar.days_until(return_before, today) if return_before else None
        overdue = days_left is not None and days_left < 0
        result.append(AbroadRow(iqama, name, visa_number, return_before, days_left, overdue, name_en or ""))
    result.sort(key=lambda r: (not r.overdue, r.return_before is None, r.return_before or today, r.iqama_number))
    return result


# Result facts worth a word in the history, in this order: key -> the fact's wording (an id, N_).
_SUMMARY_FACTS = {
    "new_expiry": N_("new expiry {value}"),
    "visa_number": N_("visa {value}"),
    "return_before": N_("return before {value}"),
    "leave_before": N_("leave before {value}"),
    "cancelled_on": N_("cancelled on {value}"),
    "occupation": N_("occupation {value}"),
    "passport_number": N_("passport {value}"),
    "target_number": N_("to establishment {value}"),
}


def _summary(result: dict) -> str:
    """The result's facts in the reply language ("الانتهاء الجديد 2027-01-01، التأشيرة 6...")."""
    return _(", ").join(_(fact).format(value=result[key]) for key, fact in _SUMMARY_FACTS.items() if result.get(key))


def transaction_history(uow: UnitOfWork, telegram_id: int, limit: int | None = None) -> list[HistoryRow]:
    """The establishment's latest transactions, newest first (default rules.yml
    reports.history_default_limit of them)."""
    actor = authorise(uow, telegram_id, "transaction_history")
    rules = RULES["reports"]
    limit = (
        rules["history_default_limit"]
        if limit is None
        else _whole_number(limit, "bad_limit", _BAD_LIMIT, int(rules["history_max_limit"]))
    )
    rows = queries.transaction_history(uow, actor.establishment_id, limit)
    return [
        HistoryRow(
            transaction_id=t.id,
            created_at=t.created_at,
            service=t.service,
            iqama_number=iqama or (t.inputs or {}).get("iqama_number") or (t.result or {}).get("iqama_number"),
            total=t.total,
            summary=_summary(t.result or {}),
            receipt_number=t.receipt_number,
        )
        for t, iqama in rows
    ]


def account_status(uow: UnitOfWork, telegram_id: int) -> AccountStatus:
    """Plan, subscription, balance and head counts of the sender's establishment."""
    actor = authorise(uow, telegram_id, "account_status")
    est = uow.repo.establishment(actor.establishment_id)
    return AccountStatus(
        number=est.number,
        name_ar=est.name_ar,
        plan=est.plan,
        subscription_until=est.subscription_until,
        subscription_days_left=calendar.days_until(est.subscription_until),
        balance=est.balance,
        resident_count=uow.repo.resident_count(est.id),
        saudi_count=est.saudi_count,
        expat_count=est.expat_count,
        levy_insight=fees.levy_insight(est.saudi_count, est.expat_count, est.industrial, est.owner_operated),
    )
