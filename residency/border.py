"""Border events for the administrator's CLI, standing in for the border system (SPEC section 4, visa
life cycle): a resident leaving uses its visa (issued -> used), a resident returning closes its
exit/re-entry (used -> returned). Each event is recorded as a free Transaction (numbered in its
establishment's receipt numbers, see Repository.next_receipt_number) and committed."""

from __future__ import annotations

from uuid import uuid4

from residency import calendar, identifiers
from residency.db import UnitOfWork
from residency.errors import NotFound, Refusal
from residency.models import Resident
from residency.services.base import VISA_KIND_LABELS, visa_status


def _resident(uow: UnitOfWork, iqama_text: str) -> Resident:
    """Any establishment's resident by iqama number, locked for the event, else NotFound."""
    iqama = identifiers.parse_iqama(str(iqama_text))
    resident = uow.repo.resident_by_iqama_any(iqama)
    if resident is None:
        raise NotFound("unknown_resident", f"لا يوجد مقيم برقم الإقامة {iqama}. تحقق من الرقم.")
    # Lock the row (PostgreSQL) and re-read it, as the services do before touching a resident's visas.
    uow.repo.refresh(resident, lock=True)
    return resident


def _record(uow: UnitOfWork, resident: Resident, event: str, result: dict) -> dict:
    transaction = uow.repo.open_transaction(
        f"border:{resident.iqama_number}:{event}:{uuid4().hex}",
        resident.establishment_id,
        f"record_{event}",
        {"iqama_number": resident.iqama_number},
        resident_id=resident.id,
        result=result,
    )
    uow.repo.close_transaction(transaction)
    uow.commit()
    return {**result, "transaction_id": transaction.id, "receipt_number": transaction.receipt_number}


def record_departure(uow: UnitOfWork, iqama_number: str) -> dict:
    """The resident leaves the Kingdom on its valid exit/re-entry or final exit (status -> used)."""
    resident = _resident(uow, iqama_number)
    today = calendar.today()
    if resident.location != "inside":
        raise Refusal("already_outside", "المقيم مسجَّل خارج المملكة أصلًا؛ سجّل عودته أولًا إن كان قد عاد.")
    visa = next((v for v in uow.repo.visas_of(resident.id) if visa_status(v, today) == "issued"), None)
    if visa is None:
        raise Refusal(
            "no_exit_visa",
            "لا توجد لدى المقيم تأشيرة خروج وعودة أو خروج نهائي سارية، فلا تُسجَّل مغادرته. أصدر التأشيرة أولًا.",
        )
    visa.status = "used"
    visa.departed_on = today
    resident.location = "outside"
    return _record(
        uow,
        resident,
        "departure",
        {
            "iqama_number": resident.iqama_number,
            "event": "departure",
            "date": today.isoformat(),
            "visa_number": visa.number,
            "visa_kind": visa.kind,
            "valid_until": visa.valid_until.isoformat(),
            "location": resident.location,
        },
    )


def record_return(uow: UnitOfWork, iqama_number: str) -> dict:
    """The resident returns on its used exit/re-entry, by its return-before date (status -> returned)."""
    resident = _resident(uow, iqama_number)
    today = calendar.today()
    if resident.location != "outside":
        raise Refusal("already_inside", "المقيم مسجَّل داخل المملكة؛ لا توجد مغادرة تُسجَّل العودة منها.")
    visa = next((v for v in uow.repo.visas_of(resident.id) if v.kind == "exit_reentry" and v.status == "used"), None)
    if visa is None:
        raise Refusal(
            "no_reentry_visa",
            f"غادر المقيم دون تأشيرة {VISA_KIND_LABELS['exit_reentry']} (ربما بخروج نهائي)، فلا يعود عليها. "
            "يلزمه دخول بتأشيرة جديدة.",
        )
    if visa.valid_until < today:
        raise Refusal(
            "visa_expired_abroad",
            f"انتهت تأشيرة الخروج والعودة رقم {visa.number} في {calendar.format_date(visa.valid_until)} "
            "والمقيم خارج المملكة، فلا يمكنه العودة عليها. يلزمه دخول بتأشيرة جديدة؛ راجع مكتب الجوازات.",
        )
    visa.status = "returned"
    visa.returned_on = today
    resident.location = "inside"
    return _record(
        uow,
        resident,
        "return",
        {
            "iqama_number": resident.iqama_number,
            "event": "return",
            "date": today.isoformat(),
            "visa_number": visa.number,
            "visa_kind": visa.kind,
            "location": resident.location,
        },
    )
