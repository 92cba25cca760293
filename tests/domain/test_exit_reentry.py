"""Exit/re-entry visas: issue, extend, cancel (SPEC section 4): exact fees and dates, every refusal,
exactly-once execution, and two concurrent issues for one resident, on the real database."""

import threading
from datetime import date

import pytest
from sqlalchemy import select

from residency import services
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, QuoteChanged, Refusal
from residency.models import LedgerEntry, Transaction, Visa
from tests.domain import factories as f
from tests.domain.visa_helpers import (
    BALANCE,
    OWNER,
    add_visa,
    balance,
    count,
    execute,
    quote,
    refusal,
    update_resident,
    visa_row,
)


def issue(engine, world, visa_type="single", duration="P2M"):
    return quote(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type=visa_type, duration=duration)


# issue -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "visa_type,duration,fee,return_before",
    [
        ("single", "P1M", 200, "2026-12-27"),
        ("single", "P2M", 200, "2027-01-27"),
        ("single", "P3M", 300, "2027-02-27"),
        ("single", "P60D", 200, "2027-01-26"),
        ("single", "P61D", 300, "2027-01-27"),
        ("single", "P6M", 600, "2027-05-27"),
        ("multiple", "P3M", 500, "2027-02-27"),
        ("multiple", "P90D", 500, "2027-02-25"),
        ("multiple", "P91D", 700, "2027-02-26"),
        ("multiple", "P6M", 1100, "2027-05-27"),
        ("multiple", 12, 2300, "2027-11-27"),
    ],
)
def test_issue_fee_and_return_date(engine, world, visa_type, duration, fee, return_before):
    q = issue(engine, world, visa_type, duration)
    assert [(line.code, line.amount) for line in q.lines] == [("visa_fee", fee)]
    assert q.total == fee
    assert q.effects["visa_type"] == visa_type
    assert q.effects["issued_on"] == "2026-11-27"
    assert q.effects["return_before"] == return_before


def test_issue_label_says_days_are_billed_as_months(engine, world):
    q = issue(engine, world, "single", "P61D")
    assert q.effects["billable_months"] == 3
    assert "61 يومًا" in q.lines[0].label and "3 أشهر" in q.lines[0].label and "مفردة" in q.lines[0].label


def test_issue_month_end_is_clamped(engine, world, monkeypatch):
    monkeypatch.setenv("MUQEEM_TODAY", "2027-01-31")
    assert issue(engine, world, "single", "P1M").effects["return_before"] == "2027-02-28"
    assert issue(engine, world, "single", "P3M").effects["return_before"] == "2027-04-30"


def test_issue_execute_creates_the_visa_and_charges_once(engine, world):
    q = issue(engine, world, "multiple", "P6M")
    receipt = execute(engine, q.to_dict(), "er-1")
    assert receipt.total == 1100 and receipt.balance_after == BALANCE - 1100 and not receipt.replayed
    number = receipt.result["visa_number"]
    assert len(number) == 10 and number.startswith("6")
    assert receipt.result["return_before"] == "2027-05-27"
    again = execute(engine, q, "er-1")
    assert again.replayed and again.transaction_id == receipt.transaction_id and again.result == receipt.result

    visa = visa_row(engine, number)
    assert (visa.kind, visa.entry_type, visa.status) == ("exit_reentry", "multiple", "issued")
    assert (visa.issued_on, visa.valid_until) == (date(2026, 11, 27), date(2027, 5, 27))
    assert visa.transaction_id == receipt.transaction_id and visa.resident_id == world["resident"]
    assert balance(engine, world) == BALANCE - 1100
    assert count(engine, Visa) == count(engine, Transaction) == 1
    with UnitOfWork(engine) as uow:
        ledger = uow.session.execute(select(LedgerEntry)).scalars().all()
        assert [(e.amount, e.balance_after) for e in ledger] == [(-1100, BALANCE - 1100)]
        assert uow.session.get(Transaction, receipt.transaction_id).resident_id == world["resident"]


def test_issue_refused_when_outside(engine, world):
    update_resident(engine, world, location="outside")
    err = refusal(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration="P2M")
    assert err.code == "resident_outside"
    assert "خارج المملكة" in err.message and "تمديد" in err.message


def test_issue_refused_with_an_active_exit_reentry(engine, world):
    number = add_visa(engine, world, valid_until=date(2027, 1, 10))
    err = refusal(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration="P2M")
    assert err.code == "exit_reentry_active"
    assert number in err.message and "مدّدها" not in err.message and "ألغها أولًا ثم أصدر تأشيرة جديدة" in err.message


@pytest.mark.parametrize(
    "status,valid_until",
    [("issued", date(2026, 11, 26)), ("cancelled", date(2027, 1, 1)), ("returned", date(2027, 1, 1))],
)
def test_expired_cancelled_or_returned_visa_does_not_block(engine, world, status, valid_until):
    add_visa(engine, world, status=status, valid_until=valid_until)
    q = issue(engine, world)
    # An issued visa that lapsed unused carries the 1000 SAR fine (test_unused_visa_fine); it does not block.
    assert q.total == (1200 if status == "issued" else 200)


def test_issue_refused_on_final_exit(engine, world):
    add_visa(engine, world, kind="final_exit", entry_type=None, valid_until=date(2027, 1, 20))
    err = refusal(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration="P2M")
    assert err.code == "final_exit_active" and "خروج نهائي" in err.message


def test_issue_longest_duration(engine, world):
    update_resident(engine, world, iqama_expiry=date(2030, 1, 1))
    assert issue(engine, world, "multiple", "P24M").effects["return_before"] == "2028-11-27"
    err = refusal(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="multiple", duration="P25M")
    assert err.code == "duration_too_long" and "24" in err.message


def test_issue_refused_when_iqama_expired(engine, world):
    update_resident(engine, world, iqama_expiry=date(2026, 11, 26))
    err = refusal(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration="P1M")
    assert err.code == "iqama_expired" and "جدّد الإقامة" in err.message


def test_iqama_must_cover_the_return_date(engine, world):
    update_resident(engine, world, iqama_expiry=date(2027, 1, 27))
    assert issue(engine, world, "single", "P2M").effects["return_before"] == "2027-01-27"
    err = refusal(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration="P62D")
    assert err.code == "iqama_too_short"
    assert "2027-01-27" in err.message and "2027-01-28" in err.message and "جدّد الإقامة" in err.message


def test_passport_must_be_valid_90_days(engine, world):
    update_resident(engine, world, passport_expiry=date(2027, 2, 25))
    assert issue(engine, world).total == 200
    update_resident(engine, world, passport_expiry=date(2027, 2, 24))
    err = refusal(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration="P2M")
    assert err.code == "passport_validity" and "90" in err.message and "تحديث الجواز" in err.message


@pytest.mark.parametrize("visa_type", ["double", "", "مفرد"])
def test_issue_bad_visa_type(engine, world, visa_type):
    with pytest.raises(InvalidInput) as err:
        issue(engine, world, visa_type)
    assert err.value.code == "bad_visa_type"


@pytest.mark.parametrize("duration", ["P0M", "soon", 0, "-2"])
def test_issue_bad_duration(engine, world, duration):
    with pytest.raises(InvalidInput) as err:
        issue(engine, world, "single", duration)
    assert err.value.code == "bad_duration"


def test_issue_insufficient_balance(engine, world):
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(world["est"]).balance = 450
        uow.commit()
    err = refusal(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="multiple", duration="P3M")
    assert err.code == "insufficient_balance" and err.details["missing"] == 50


def test_issue_for_another_establishments_resident_looks_unknown(engine, world):
    with pytest.raises(NotFound) as err:
        quote(engine, "issue_exit_reentry", iqama_number=world["foreign"], visa_type="single", duration="P2M")
    assert err.value.code == "unknown_resident"


def test_stale_issue_quote_is_refused_and_charges_nothing(engine, world):
    q = issue(engine, world, "single", "P2M")
    update_resident(engine, world, iqama_expiry=date(2027, 1, 1))
    with pytest.raises(Refusal) as err:
        execute(engine, q, "stale")
    assert err.value.code == "iqama_too_short"
    assert balance(engine, world) == BALANCE and count(engine, Visa) == 0


def race(engine, quotes) -> tuple[list, list]:
    """Execute the quotes at the same moment, one thread and unit of work each, with different keys;
    (receipts, refusals)."""
    barrier = threading.Barrier(len(quotes))
    outcomes = []

    def run(q, key):
        with UnitOfWork(engine) as uow:
            barrier.wait()
            try:
                outcomes.append(services.execute(uow, OWNER, q, key))
            except (Refusal, QuoteChanged) as err:
                outcomes.append(err)

    threads = [threading.Thread(target=run, args=(q, f"race-{i}")) for i, q in enumerate(quotes)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(outcomes) == len(quotes)
    return [o for o in outcomes if not isinstance(o, Exception)], [o for o in outcomes if isinstance(o, Exception)]


def test_concurrent_issues_for_one_resident_make_one_visa(engine, world):
    receipts, errors = race(engine, [issue(engine, world, "single", "P2M"), issue(engine, world, "multiple", "P3M")])
    assert len(receipts) == 1 and len(errors) == 1
    assert errors[0].code in ("exit_reentry_active", "quote_changed")
    assert balance(engine, world) == BALANCE - receipts[0].total
    assert count(engine, Visa) == count(engine, Transaction) == count(engine, LedgerEntry) == 1


# extend ------------------------------------------------------------------------------------------


def extend(engine, number, months):
    return quote(engine, "extend_exit_reentry", number=number, duration=months)


def abroad_visa(engine, world, **values) -> str:
    """The resident is outside on a used exit/re-entry (departed 2026-11-20); its number."""
    update_resident(engine, world, location="outside")
    values = {"status": "used", "departed_on": date(2026, 11, 20), **values}
    return add_visa(engine, world, **values)


@pytest.mark.parametrize(
    "entry_type,months,fee",
    [("single", 1, 200), ("single", 2, 400), ("multiple", 1, 400), ("multiple", 3, 1200)],
)
def test_extension_fee_for_a_resident_outside(engine, world, entry_type, months, fee):
    number = abroad_visa(engine, world, entry_type=entry_type, valid_until=date(2027, 1, 10))
    q = extend(engine, number, months)
    assert [(line.code, line.amount) for line in q.lines] == [("extension_fee", fee)]
    assert q.total == fee
    assert q.effects["old_return_before"] == "2027-01-10"
    assert q.effects["new_return_before"] == date(2027, 1 + months, 10).isoformat()
    assert "مضاعفة" not in q.lines[0].label


EXTENSION_INSIDE_TEXT = (
    "المقيم محمد عبدالله خان داخل المملكة، ولا تُمدَّد تأشيرة الخروج والعودة رقم {number} "
    "بعد إصدارها ما دام المقيم في الداخل: التمديد للمقيم الموجود خارج المملكة بتأشيرة سارية فقط. "
    "البديل: ألغِ هذه التأشيرة (الإلغاء مجاني، ولا تُسترد رسومها) ثم أصدر تأشيرة خروج وعودة جديدة "
    "بالمدة التي تحتاجها."
)


@pytest.mark.parametrize("entry_type", ["single", "multiple"])
def test_extension_refused_while_the_resident_is_inside(engine, world, entry_type):
    number = add_visa(engine, world, entry_type=entry_type, valid_until=date(2027, 1, 10))
    for by in (number, world["iqama"]):
        err = refusal(engine, "extend_exit_reentry", number=by, duration=1)
        assert err.code == "extension_inside"
        assert err.message == EXTENSION_INSIDE_TEXT.format(number=number)
        assert err.details == {"visa_number": number, "alternative": "cancel_exit_reentry"}
    # The alternative offered is open: cancel it (free), then issue a new one.
    cancelled = execute(engine, quote(engine, "cancel_exit_reentry", number=number), "inside-cancel")
    assert cancelled.total == 0
    again = quote(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type=entry_type, duration="P3M")
    assert again.effects["return_before"] == "2027-02-27"
    assert balance(engine, world) == BALANCE and visa_row(engine, number).valid_until == date(2027, 1, 10)


def test_extension_by_iqama_uses_the_latest_visa(engine, world):
    add_visa(engine, world, issued_on=date(2026, 1, 1), valid_until=date(2026, 3, 1), status="returned")
    latest = abroad_visa(engine, world, issued_on=date(2026, 11, 1), valid_until=date(2027, 1, 10))
    q = extend(engine, world["iqama"], "P2M")
    assert q.inputs == {"number": latest, "duration": "P2M"}
    assert q.effects["new_return_before"] == "2027-03-10"


def test_extension_in_days_is_rounded_up_to_months(engine, world):
    number = abroad_visa(engine, world, valid_until=date(2027, 1, 10))
    q = extend(engine, number, "P45D")
    assert q.effects["months"] == 2 and q.total == 400 and q.effects["new_return_before"] == "2027-03-10"


def test_extension_month_end_is_clamped(engine, world):
    number = abroad_visa(engine, world, valid_until=date(2027, 1, 31))
    assert extend(engine, number, 1).effects["new_return_before"] == "2027-02-28"


def test_extension_on_the_return_date_itself_is_allowed(engine, world):
    number = abroad_visa(engine, world, valid_until=date(2026, 11, 27))
    assert extend(engine, number, 1).effects["new_return_before"] == "2026-12-27"


def test_extension_execute_moves_the_date_and_charges_once(engine, world):
    update_resident(engine, world, location="outside")
    number = add_visa(engine, world, entry_type="single", status="used", valid_until=date(2027, 1, 10))
    q = extend(engine, world["iqama"], 3)
    receipt = execute(engine, q.to_dict(), "ext-1")
    assert receipt.total == 600 and receipt.result["return_before"] == "2027-04-10"
    assert execute(engine, q, "ext-1").replayed
    assert visa_row(engine, number).valid_until == date(2027, 4, 10)
    assert balance(engine, world) == BALANCE - 600
    assert count(engine, Transaction) == count(engine, LedgerEntry) == 1
    # The same terms again now start from the new date: a confirmed old quote no longer matches.
    with pytest.raises(QuoteChanged):
        execute(engine, q, "ext-2")
    assert balance(engine, world) == BALANCE - 600


@pytest.mark.parametrize(
    "status,valid_until,location,code",
    [
        ("issued", date(2026, 11, 26), "inside", "visa_expired"),
        ("used", date(2026, 11, 26), "outside", "visa_expired"),
        ("cancelled", date(2027, 1, 10), "inside", "visa_already_cancelled"),
        ("returned", date(2027, 1, 10), "inside", "visa_returned"),
    ],
)
def test_extension_refused_by_visa_status(engine, world, status, valid_until, location, code):
    update_resident(engine, world, location=location)
    number = add_visa(
        engine,
        world,
        status=status,
        valid_until=valid_until,
        departed_on=date(2026, 11, 2) if status in ("used", "returned") else None,
        returned_on=date(2026, 11, 20) if status == "returned" else None,
        cancelled_on=date(2026, 11, 3) if status == "cancelled" else None,
    )
    err = refusal(engine, "extend_exit_reentry", number=number, duration=1)
    assert err.code == code and number in err.message
    if location == "outside":
        assert "الجوازات" in err.message


def test_concurrent_extensions_of_one_visa_extend_it_once(engine, world):
    """The second confirmation re-reads the visa under the lock: its old terms no longer hold."""
    number = abroad_visa(engine, world, valid_until=date(2027, 1, 10))
    receipts, errors = race(engine, [extend(engine, number, 1), extend(engine, world["iqama"], 1)])
    assert len(receipts) == 1 and [e.code for e in errors] == ["quote_changed"]
    assert visa_row(engine, number).valid_until == date(2027, 2, 10)
    assert balance(engine, world) == BALANCE - 200
    assert count(engine, Transaction) == count(engine, LedgerEntry) == 1


def test_extension_refused_without_a_visa(engine, world):
    err = refusal(engine, "extend_exit_reentry", number=world["iqama"], duration=1)
    assert err.code == "no_exit_reentry"


def test_extension_must_stay_within_iqama(engine, world):
    update_resident(engine, world, iqama_expiry=date(2027, 3, 10))
    number = abroad_visa(engine, world, valid_until=date(2027, 1, 10))
    assert extend(engine, number, 2).effects["new_return_before"] == "2027-03-10"
    err = refusal(engine, "extend_exit_reentry", number=number, duration=3)
    assert err.code == "iqama_too_short" and "جدّد الإقامة" in err.message


def test_extension_of_unknown_or_foreign_or_final_exit_visa_number(engine, world):
    final = add_visa(engine, world, kind="final_exit", entry_type=None, valid_until=date(2027, 1, 20))
    with UnitOfWork(engine) as uow:
        foreign_resident = uow.repo.resident_by_iqama_any(world["foreign"])
        foreign = f.visa(uow, foreign_resident).number
        uow.commit()
    for number in (final, foreign, "6000000001"):
        with pytest.raises(NotFound) as err:
            extend(engine, number, 1)
        assert err.value.code == "unknown_visa"


# cancel ------------------------------------------------------------------------------------------


def cancel(engine, number):
    return quote(engine, "cancel_exit_reentry", number=number)


def test_cancel_is_free_says_no_refund_and_executes(engine, world):
    number = add_visa(engine, world, issued_on=date(2026, 11, 20), valid_until=date(2027, 1, 20))
    q = cancel(engine, world["iqama"])
    assert q.total == 0 and q.lines == [] and q.inputs == {"number": number}
    assert "لا تُسترد" in q.effects["note"]
    receipt = execute(engine, q.to_dict(), "cancel-1")
    assert receipt.total == 0 and receipt.balance_after == BALANCE
    assert execute(engine, q, "cancel-1").replayed
    visa = visa_row(engine, number)
    assert (visa.status, visa.cancelled_on) == ("cancelled", date(2026, 11, 27))
    assert count(engine, Transaction) == 1 and count(engine, LedgerEntry) == 0
    # A cancelled visa no longer blocks a new one.
    assert issue(engine, world).total == 200


def test_cancel_window_is_90_days_from_issue(engine, world):
    number = add_visa(engine, world, issued_on=date(2026, 8, 29), valid_until=date(2027, 2, 28))
    assert cancel(engine, number).total == 0
    with UnitOfWork(engine) as uow:
        uow.session.execute(select(Visa).where(Visa.number == number)).scalars().one().issued_on = date(2026, 8, 28)
        uow.commit()
    err = refusal(engine, "cancel_exit_reentry", number=number)
    assert err.code == "cancel_window_passed" and "90" in err.message


def test_cancel_allowed_through_the_return_date(engine, world):
    number = add_visa(engine, world, valid_until=date(2026, 11, 27))
    assert cancel(engine, number).effects["return_before"] == "2026-11-27"


@pytest.mark.parametrize(
    "status,valid_until,code",
    [
        ("used", date(2027, 1, 10), "visa_used"),
        ("issued", date(2026, 11, 26), "visa_expired"),
        ("cancelled", date(2027, 1, 10), "visa_already_cancelled"),
        ("returned", date(2027, 1, 10), "visa_returned"),
    ],
)
def test_cancel_refused_by_visa_status(engine, world, status, valid_until, code):
    number = add_visa(
        engine,
        world,
        status=status,
        valid_until=valid_until,
        departed_on=date(2026, 11, 2) if status in ("used", "returned") else None,
        returned_on=date(2026, 11, 20) if status == "returned" else None,
        cancelled_on=date(2026, 11, 3) if status == "cancelled" else None,
    )
    err = refusal(engine, "cancel_exit_reentry", number=number)
    assert err.code == code and number in err.message and "إلغاؤها" in err.message


def test_cancel_refused_without_a_visa(engine, world):
    assert refusal(engine, "cancel_exit_reentry", number=world["iqama"]).code == "no_exit_reentry"
