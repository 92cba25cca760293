"""Final exit: issue and cancel (SPEC section 4): free, leave-before date exact, every refusal,
exactly-once execution, on the real database."""

from datetime import date

import pytest

from residency.db import UnitOfWork
from residency.errors import NotFound
from residency.models import LedgerEntry, Transaction, Visa
from tests.domain.visa_helpers import (
    BALANCE,
    add_visa,
    balance,
    count,
    execute,
    quote,
    refusal,
    update_resident,
    visa_row,
)


def issue(engine, world):
    return quote(engine, "issue_final_exit", iqama_number=world["iqama"])


def issue_refusal(engine, world):
    return refusal(engine, "issue_final_exit", iqama_number=world["iqama"])


def test_issue_is_free_and_valid_60_days(engine, world):
    q = issue(engine, world)
    assert q.total == 0 and q.lines == []
    assert q.effects == {"issued_on": "2026-11-27", "leave_before": "2027-01-26"}


def test_issue_executes_once(engine, world):
    q = issue(engine, world)
    receipt = execute(engine, q.to_dict(), "fe-1")
    assert receipt.total == 0 and receipt.balance_after == BALANCE
    assert receipt.result["leave_before"] == "2027-01-26"
    assert execute(engine, q, "fe-1").replayed
    visa = visa_row(engine, receipt.result["visa_number"])
    assert (visa.kind, visa.entry_type, visa.status) == ("final_exit", None, "issued")
    assert (visa.issued_on, visa.valid_until) == (date(2026, 11, 27), date(2027, 1, 26))
    assert visa.transaction_id == receipt.transaction_id
    assert count(engine, Visa) == count(engine, Transaction) == 1 and count(engine, LedgerEntry) == 0
    assert balance(engine, world) == BALANCE


def test_issue_refused_when_outside(engine, world):
    update_resident(engine, world, location="outside")
    assert issue_refusal(engine, world).code == "resident_outside"


def test_iqama_must_be_valid_today(engine, world):
    update_resident(engine, world, iqama_expiry=date(2026, 11, 27))
    assert issue(engine, world).total == 0
    update_resident(engine, world, iqama_expiry=date(2026, 11, 26))
    err = issue_refusal(engine, world)
    assert err.code == "iqama_expired" and "جدّد الإقامة" in err.message


def test_passport_must_be_valid_today(engine, world):
    update_resident(engine, world, passport_expiry=date(2026, 11, 27))
    assert issue(engine, world).total == 0
    update_resident(engine, world, passport_expiry=date(2026, 11, 26))
    err = issue_refusal(engine, world)
    assert err.code == "passport_expired" and "تحديث الجواز" in err.message


def test_active_exit_reentry_must_be_cancelled_first(engine, world):
    number = add_visa(engine, world, valid_until=date(2027, 1, 10))
    err = issue_refusal(engine, world)
    assert err.code == "exit_reentry_active" and number in err.message and "ألغِ" in err.message


def test_expired_exit_reentry_does_not_block(engine, world):
    add_visa(engine, world, valid_until=date(2026, 11, 26))
    assert issue(engine, world).effects["leave_before"] == "2027-01-26"


def test_second_final_exit_refused(engine, world):
    number = add_visa(engine, world, kind="final_exit", entry_type=None, valid_until=date(2027, 1, 1))
    err = issue_refusal(engine, world)
    assert err.code == "final_exit_active" and number in err.message


# cancel ------------------------------------------------------------------------------------------


def final_exit(engine, world, **values) -> str:
    defaults = dict(kind="final_exit", entry_type=None, issued_on=date(2026, 11, 20), valid_until=date(2027, 1, 19))
    return add_visa(engine, world, **(defaults | values))


@pytest.mark.parametrize("by", ["iqama", "visa"])
def test_cancel_is_free_and_executes_once(engine, world, by):
    number = final_exit(engine, world)
    q = quote(engine, "cancel_final_exit", number=world["iqama"] if by == "iqama" else number)
    assert q.total == 0 and q.inputs == {"number": number} and q.effects["leave_before"] == "2027-01-19"
    receipt = execute(engine, q, "cfe-1")
    assert receipt.total == 0 and execute(engine, q.to_dict(), "cfe-1").replayed
    visa = visa_row(engine, number)
    assert (visa.status, visa.cancelled_on) == ("cancelled", date(2026, 11, 27))
    assert count(engine, Transaction) == 1 and balance(engine, world) == BALANCE
    # Once cancelled, an exit/re-entry may be issued again.
    assert quote(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration=2).total == 200


@pytest.mark.parametrize(
    "status,valid_until,code",
    [
        ("used", date(2027, 1, 19), "visa_used"),
        ("used", date(2026, 11, 26), "visa_used"),  # the resident left on it
        ("cancelled", date(2027, 1, 19), "visa_already_cancelled"),
    ],
)
def test_cancel_refused_by_visa_status(engine, world, status, valid_until, code):
    number = final_exit(
        engine,
        world,
        status=status,
        valid_until=valid_until,
        departed_on=date(2026, 11, 25) if status == "used" else None,
        cancelled_on=date(2026, 11, 22) if status == "cancelled" else None,
    )
    err = refusal(engine, "cancel_final_exit", number=number)
    assert err.code == code and number in err.message and "خروج نهائي" in err.message


def test_cancel_refused_after_iqama_expired(engine, world):
    update_resident(engine, world, iqama_expiry=date(2026, 11, 26))
    final_exit(engine, world)
    err = refusal(engine, "cancel_final_exit", number=world["iqama"])
    assert err.code == "iqama_expired" and "2027-01-19" in err.message and "الجوازات" in err.message


def test_cancel_refused_without_a_final_exit(engine, world):
    add_visa(engine, world, valid_until=date(2027, 1, 10))
    err = refusal(engine, "cancel_final_exit", number=world["iqama"])
    assert err.code == "no_final_exit"


def test_cancel_with_an_exit_reentry_number_is_unknown(engine, world):
    number = add_visa(engine, world, valid_until=date(2027, 1, 10))
    with pytest.raises(NotFound) as err:
        quote(engine, "cancel_final_exit", number=number)
    assert err.value.code == "unknown_visa"


# cancelling after the leave-before date (SPEC 9.2) ----------------------------------------------


def test_cancel_on_the_leave_before_date_itself_is_still_free(engine, world):
    number = final_exit(engine, world, issued_on=date(2026, 9, 28), valid_until=date(2026, 11, 27))
    q = quote(engine, "cancel_final_exit", number=number)
    assert q.lines == [] and q.total == 0


def test_cancel_after_the_leave_before_date_costs_1000(engine, world):
    number = final_exit(engine, world, issued_on=date(2026, 9, 27), valid_until=date(2026, 11, 26))
    q = quote(engine, "cancel_final_exit", number=world["iqama"])
    assert [(line.code, line.amount) for line in q.lines] == [("late_cancel_fine", 1000)]
    assert q.lines[0].label == "غرامة إلغاء خروج نهائي بعد فوات تاريخ المغادرة (2026-11-26 م (16 جمادى الآخرة 1448 هـ))"
    assert q.total == 1000 and q.effects == {"visa_number": number, "leave_before": "2026-11-26"}
    receipt = execute(engine, q, "cfe-late")
    assert receipt.total == 1000 and execute(engine, q, "cfe-late").replayed
    visa = visa_row(engine, number)
    assert (visa.status, visa.cancelled_on) == ("cancelled", date(2026, 11, 27))
    assert balance(engine, world) == BALANCE - 1000
    assert count(engine, Transaction) == 1


def test_late_cancel_refused_when_the_balance_does_not_cover_the_fine(engine, world):
    final_exit(engine, world, issued_on=date(2026, 9, 27), valid_until=date(2026, 11, 26))
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(world["est"]).balance = 400
        uow.commit()
    err = refusal(engine, "cancel_final_exit", number=world["iqama"])
    assert err.code == "insufficient_balance" and err.details == {"missing": 600}


def test_late_cancel_refused_after_iqama_expired(engine, world):
    update_resident(engine, world, iqama_expiry=date(2026, 11, 26))
    final_exit(engine, world, issued_on=date(2026, 9, 27), valid_until=date(2026, 11, 26))
    err = refusal(engine, "cancel_final_exit", number=world["iqama"])
    assert err.code == "iqama_expired" and "فات تاريخ المغادرة" in err.message and "الجوازات" in err.message
