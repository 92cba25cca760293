"""An exit/re-entry left to lapse unused (SPEC 9.2): expired, fined 1000 SAR once as an unpaid violation,
collected as a line of the resident's next exit/re-entry or final exit quote in the same transaction."""

from datetime import date

import pytest
from sqlalchemy import select

from residency.db import UnitOfWork
from residency.models import LedgerEntry, Transaction, Violation
from residency.reminders import queue_due_reminders
from residency.services.visas import expire_unused_exit_reentries
from tests.domain.visa_helpers import BALANCE, add_visa, balance, count, execute, quote, refusal, visa_row

TODAY = date(2026, 11, 27)


def violations(engine):
    with UnitOfWork(engine) as uow:
        return [
            (v.resident_id, v.kind, v.amount, v.visa.number, v.paid_transaction_id)
            for v in uow.session.execute(select(Violation).order_by(Violation.id)).scalars()
        ]


def expire(engine, today=TODAY):
    with UnitOfWork(engine) as uow:
        n = expire_unused_exit_reentries(uow, today)
        uow.commit()
        return n


def issue(engine, world, duration="P2M"):
    return quote(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration=duration)


def lines(q):
    return [(line.code, line.amount) for line in q.lines]


def test_a_lapsed_unused_visa_is_expired_and_fined_once(engine, world):
    lapsed = add_visa(engine, world, issued_on=date(2026, 9, 1), valid_until=date(2026, 11, 26))
    assert expire(engine) == 1
    assert visa_row(engine, lapsed).status == "expired"
    assert violations(engine) == [(world["resident"], "unused_exit_reentry", 1000, lapsed, None)]
    assert expire(engine) == 0 and expire(engine, date(2026, 12, 30)) == 0  # exactly once
    assert len(violations(engine)) == 1


def test_the_daily_run_records_the_violation(engine, world):
    lapsed = add_visa(engine, world, issued_on=date(2026, 9, 1), valid_until=date(2026, 11, 20))
    with UnitOfWork(engine) as uow:
        queue_due_reminders(uow, TODAY)
    with UnitOfWork(engine) as uow:
        queue_due_reminders(uow, TODAY)
    assert violations(engine) == [(world["resident"], "unused_exit_reentry", 1000, lapsed, None)]


@pytest.mark.parametrize(
    "status,valid_until",
    [
        ("issued", date(2026, 11, 27)),  # valid through today
        ("used", date(2026, 11, 20)),  # the resident left on it
        ("returned", date(2026, 11, 20)),
        ("cancelled", date(2026, 11, 20)),
    ],
)
def test_no_fine_for_a_visa_still_valid_or_used_or_cancelled(engine, world, status, valid_until):
    add_visa(engine, world, status=status, valid_until=valid_until, issued_on=date(2026, 9, 1))
    assert expire(engine) == 0 and violations(engine) == []


def test_a_lapsed_final_exit_is_not_an_unused_exit_reentry(engine, world):
    add_visa(engine, world, kind="final_exit", entry_type=None, valid_until=date(2026, 11, 20))
    assert expire(engine) == 0 and violations(engine) == []


def test_next_exit_reentry_collects_the_recorded_fine_in_the_same_transaction(engine, world):
    lapsed = add_visa(engine, world, issued_on=date(2026, 9, 1), valid_until=date(2026, 11, 26))
    expire(engine)
    q = issue(engine, world)
    assert lines(q) == [("visa_fee", 200), ("unused_visa_fine", 1000)]
    assert (
        q.lines[1].label
        == f"غرامة عدم استخدام تأشيرة خروج وعودة (رقم {lapsed}، انتهت 2026-11-26 م (16 جمادى الآخرة 1448 هـ))"
    )
    assert q.total == 1200 and q.effects["fined_visas"] == [lapsed]
    receipt = execute(engine, q, "fine-issue-1")
    assert receipt.total == 1200
    assert violations(engine) == [(world["resident"], "unused_exit_reentry", 1000, lapsed, receipt.transaction_id)]
    assert balance(engine, world) == BALANCE - 1200
    assert execute(engine, q, "fine-issue-1").replayed  # exactly once
    assert balance(engine, world) == BALANCE - 1200
    assert count(engine, Transaction) == count(engine, LedgerEntry) == 1
    # Paid: a later quote (after cancelling the new visa) has no fine line.
    execute(engine, quote(engine, "cancel_exit_reentry", number=receipt.result["visa_number"]), "fine-cancel")
    assert lines(issue(engine, world)) == [("visa_fee", 200)]
    assert lines(quote(engine, "issue_final_exit", iqama_number=world["iqama"])) == []


def test_a_lapse_not_yet_recorded_is_quoted_recorded_and_paid_at_once(engine, world):
    lapsed = add_visa(engine, world, issued_on=date(2026, 9, 1), valid_until=date(2026, 11, 26))
    q = quote(engine, "issue_final_exit", iqama_number=world["iqama"])
    assert lines(q) == [("unused_visa_fine", 1000)]  # the final exit itself stays free
    assert violations(engine) == []  # a quote writes nothing
    receipt = execute(engine, q, "fine-final-1")
    assert receipt.total == 1000 and receipt.result["leave_before"] == "2027-01-26"
    assert visa_row(engine, lapsed).status == "expired"
    assert violations(engine) == [(world["resident"], "unused_exit_reentry", 1000, lapsed, receipt.transaction_id)]
    assert balance(engine, world) == BALANCE - 1000
    assert expire(engine) == 0 and len(violations(engine)) == 1


def test_two_lapsed_visas_are_two_lines(engine, world):
    first = add_visa(engine, world, issued_on=date(2026, 6, 1), valid_until=date(2026, 8, 1))
    expire(engine, date(2026, 8, 2))
    second = add_visa(engine, world, issued_on=date(2026, 9, 1), valid_until=date(2026, 11, 1))
    q = issue(engine, world, "P3M")
    assert lines(q) == [("visa_fee", 300), ("unused_visa_fine", 1000), ("unused_visa_fine", 1000)]
    assert q.effects["fined_visas"] == [first, second] and q.total == 2300
    receipt = execute(engine, q, "fine-two")
    assert [v[3:] for v in violations(engine)] == [(first, receipt.transaction_id), (second, receipt.transaction_id)]
    assert balance(engine, world) == BALANCE - 2300


def test_the_fine_counts_for_the_balance(engine, world):
    add_visa(engine, world, issued_on=date(2026, 9, 1), valid_until=date(2026, 11, 26))
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(world["est"]).balance = 1100
        uow.commit()
    err = refusal(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration="P2M")
    assert err.code == "insufficient_balance" and err.details == {"missing": 100}
    assert "1200" in err.message


def test_another_residents_fine_is_not_collected(engine, world):
    with UnitOfWork(engine) as uow:
        from tests.domain import factories as f

        other = f.resident(uow, uow.repo.establishment(world["est"]))
        f.visa(uow, other, issued_on=date(2026, 9, 1), valid_until=date(2026, 11, 26))
        uow.commit()
    expire(engine)
    assert lines(issue(engine, world)) == [("visa_fee", 200)]
