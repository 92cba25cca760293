"""Final exit: issue and cancel (SPEC section 4): free, leave-before date exact, every refusal,
exactly-once execution, on the real database."""
from datetime import date

import pytest

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
        ("issued", date(2026, 11, 26), "visa_expired"),
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
