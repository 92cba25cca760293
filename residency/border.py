"""Border events for the administrator's CLI, standing in for the border system (SPEC section 4, visa
life cycle): a resident leaving uses its visa (issued -> used), a resident returning closes its
exit/re-entry (used -> returned). Each event is recorded as a free Transaction (numbered in its
establishment's receipt numbers, see Repository.next_receipt_number) and committed."""

from __future__ import annotations

from uuid import uuid4

from replies import _
from residency import calendar, identifiers
from residency.db import UnitOfWork
from residency.errors import NotFound, Refusal
from residency.models import Resident
from residency.services.base import visa_status


def _resident(uow: UnitOfWork, iqama_text: str) -> Resident:
    """Any establishment's resident by iqama number, locked for the event, else NotFound."""
    iqama = identifiers.parse_iqama(str(iqama_text))
    resident = uow.repo.resident_by_iqama_any(iqama)
    if resident is None:
        raise NotFound(
            "unknown_resident",
            _("There is no resident with iqama number {iqama}. Check the number.").format(iqama=iqama),
        )
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
        raise Refusal(
            "already_outside",
            _("The resident is already recorded outside the Kingdom; record the return first if the resident is back."),
        )
    visa = next((v for v in uow.repo.visas_of(resident.id) if visa_status(v, today) == "issued"), None)
    if visa is None:
        raise Refusal(
            "no_exit_visa",
            _(
                "The resident has no valid exit/re-entry or final exit visa, so the departure cannot be recorded. "
                "Issue the visa first."
            ),
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
        raise Refusal(
            "already_inside",
            _("The resident is recorded inside the Kingdom; there is no departure to record a return from."),
        )
    visa = next((v for v in uow.repo.visas_of(resident.id) if v.kind == "exit_reentry" and v.status == "used"), None)
    if visa is None:
        raise Refusal(
            "no_reentry_visa",
            _(
                "The resident left without an exit/re-entry visa (perhaps on a final exit), so cannot return on it. "
                "The resident needs to enter on a new visa."
            ),
        )
    if visa.valid_until < today:
        raise Refusal(
            "visa_expired_abroad",
            _(
                "Exit/re-entry visa {number} expired on {date} while the resident is outside the Kingdom, so the "
                "resident cannot return on it. The resident needs to enter on a new visa; go to the passports office."
            ).format(number=visa.number, date=calendar.format_date(visa.valid_until)),
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
