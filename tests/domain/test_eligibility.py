"""The eligibility check (SPEC 9.3): `services.check` lists EVERY rule that blocks a service, or the
quote of what it would cost; it charges and writes nothing, and the ordinary quote still stops at the
first refusal. Real database, today 2026-11-27, exact amounts."""

from datetime import date

import pytest
from sqlalchemy import func, select

from residency import services
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal, ResidencyError, Unauthorized
from residency.models import Establishment, LedgerEntry, Transaction, Violation, Visa
from tests.domain import factories as f

OWNER = 751
AGENT = 752
TARGET_OWNER = 753
BORDER = "3123456700"
BALANCE = 100_000


@pytest.fixture
def world(engine):
    """An establishment (2 Saudis, 10 expatriates: levy 800 a month) with an owner, an agent granted
    nothing, one resident inside (محاسب, iqama to 2027-12-31, passport to 2029-01-01), a domestic
    worker arrived 2026-10-01 without an iqama, and a receiving establishment with an owner."""
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, balance=BALANCE)
        f.user(uow, est, OWNER)
        f.user(uow, est, AGENT, role="agent", services="")
        res = f.resident(uow, est, iqama_expiry=date(2027, 12, 31), passport_expiry=date(2029, 1, 1))
        f.resident(
            uow,
            est,
            iqama_number=None,
            iqama_expiry=None,
            border_number=BORDER,
            arrival_date=date(2026, 10, 1),
            occupation="سائق خاص",
        )
        target = f.establishment(uow, number="7000099991", balance=50_000)
        f.user(uow, target, TARGET_OWNER)
        uow.commit()
        return {"est": est.id, "iqama": res.iqama_number, "target": target.number}


def check(service, telegram_id=OWNER, **inputs):
    with UnitOfWork() as uow:
        return services.check(uow, telegram_id, service, **inputs)


def first_refusal(service, **inputs) -> ResidencyError:
    with UnitOfWork() as uow, pytest.raises(ResidencyError) as err:
        services.quote(uow, OWNER, service, **inputs)
    return err.value


def change_resident(world, **values):
    with UnitOfWork() as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        for name, value in values.items():
            setattr(res, name, value)
        uow.commit()


def add_visa(world, **values) -> str:
    with UnitOfWork() as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        number = f.visa(uow, res, **values).number
        uow.commit()
        return number


def snapshot():
    """Everything a check must leave alone: balances, transactions, ledger, violations, visas."""
    with UnitOfWork() as uow:
        s = uow.session
        return (
            s.execute(select(Establishment.number, Establishment.balance).order_by(Establishment.id)).all(),
            s.scalar(select(func.count()).select_from(Transaction)),
            s.scalar(select(func.count()).select_from(LedgerEntry)),
            s.scalar(select(func.count()).select_from(Violation)),
            s.execute(select(Visa.number, Visa.status, Visa.valid_until).order_by(Visa.id)).all(),
        )


def assert_blocked_like_the_quote(eligibility, service, **inputs):
    """Blocked, no quote, and the ordinary quote raises exactly the check's first blocker."""
    assert not eligibility.possible and eligibility.quote is None
    first = first_refusal(service, **inputs)
    assert (type(first), first.code, first.message) == (
        type(eligibility.blockers[0]),
        eligibility.blockers[0].code,
        eligibility.blockers[0].message,
    )
    for blocker in eligibility.blockers:
        assert isinstance(blocker, ResidencyError) and blocker.message


# issue_exit_reentry -------------------------------------------------------------------------------------


def test_exit_reentry_check_names_three_blockers_at_once(world):
    # Passport to 2027-01-15 (90 days from today is 2027-02-25), iqama to 2026-12-15 (before the return
    # date 2027-01-27 of a 2-month visa), and an active exit/re-entry; plus a lapsed unused visa (fine).
    change_resident(world, passport_expiry=date(2027, 1, 15), iqama_expiry=date(2026, 12, 15))
    active = add_visa(world, issued_on=date(2026, 11, 20), valid_until=date(2027, 1, 1))
    add_visa(world, issued_on=date(2026, 9, 1), valid_until=date(2026, 11, 1))
    before = snapshot()
    inputs = dict(iqama_number=world["iqama"], visa_type="single", duration="P2M")

    eligibility = check("issue_exit_reentry", **inputs)

    assert eligibility.service == "issue_exit_reentry"
    assert eligibility.codes == ["exit_reentry_active", "iqama_too_short", "passport_validity"]
    assert all(isinstance(b, Refusal) for b in eligibility.blockers)
    active_msg, iqama_msg, passport_msg = (b.message for b in eligibility.blockers)
    assert active in active_msg and "ألغها" in active_msg
    assert "2026-12-15" in iqama_msg and "2027-01-27" in iqama_msg and "جدّد الإقامة" in iqama_msg
    assert "2027-01-15" in passport_msg and "2027-02-25" in passport_msg and "تحديث الجواز" in passport_msg
    assert eligibility.quote is None
    assert snapshot() == before  # nothing charged, no violation recorded, no visa touched
    # The ordinary quote is unchanged: the first refusal only.
    assert first_refusal("issue_exit_reentry", **inputs).code == "exit_reentry_active"
    assert_blocked_like_the_quote(eligibility, "issue_exit_reentry", **inputs)


def test_exit_reentry_check_without_type_or_duration_is_possible_with_the_fee_and_charges_nothing(world):
    lapsed = add_visa(world, issued_on=date(2026, 9, 1), valid_until=date(2026, 11, 1))
    before = snapshot()

    eligibility = check("issue_exit_reentry", iqama_number=world["iqama"])

    assert eligibility.possible and eligibility.blockers == []
    q = eligibility.quote
    # Defaults: a single visa of one month; the unpaid unused-visa fine is part of what it would cost.
    assert q.inputs == {"iqama_number": world["iqama"], "visa_type": "single", "duration": "P1M"}
    assert [(line.code, line.amount) for line in q.lines] == [("visa_fee", 200), ("unused_visa_fine", 1000)]
    assert q.total == 1200
    assert q.effects["return_before"] == "2026-12-27" and q.effects["fined_visas"] == [lapsed]
    assert snapshot() == before
    with UnitOfWork() as uow:
        assert uow.session.scalar(select(Establishment.balance).where(Establishment.id == world["est"])) == BALANCE


def test_a_check_with_every_input_equals_the_quote(world):
    inputs = dict(iqama_number=world["iqama"], visa_type="multiple", duration="P4M")
    eligibility = check("issue_exit_reentry", **inputs)
    with UnitOfWork() as uow:
        quoted = services.quote(uow, OWNER, "issue_exit_reentry", **inputs)
    assert eligibility.quote.to_dict() == quoted.to_dict() and quoted.total == 700


def test_insufficient_balance_and_an_expired_subscription_are_blockers_with_the_rules(world):
    change_resident(world, location="outside")
    with UnitOfWork() as uow:
        est = uow.repo.establishment(world["est"])
        est.balance, est.subscription_until = 150, date(2026, 11, 1)
        uow.commit()
    eligibility = check("issue_exit_reentry", iqama_number=world["iqama"], duration="P3M")
    assert eligibility.codes == ["subscription_expired", "resident_outside", "insufficient_balance"]
    assert eligibility.blockers[2].details["missing"] == 300 - 150
    assert "ينقصه 150 ريال" in eligibility.blockers[2].message


def test_what_cannot_be_evaluated_is_the_single_blocker(world):
    unknown = check("issue_exit_reentry", iqama_number=f.valid_iqama(99))
    assert [type(b) for b in unknown.blockers] == [NotFound] and unknown.codes == ["unknown_resident"]
    bad = check("issue_exit_reentry", iqama_number="2000000000")
    assert len(bad.blockers) == 1 and isinstance(bad.blockers[0], InvalidInput)
    bad_type = check("issue_exit_reentry", iqama_number=world["iqama"], visa_type="triple")
    assert bad_type.codes == ["bad_visa_type"] and bad_type.quote is None
    assert check("issue_exit_reentry").codes == ["missing_number"]
    denied = check("issue_exit_reentry", telegram_id=AGENT, iqama_number=world["iqama"])
    assert [type(b) for b in denied.blockers] == [Unauthorized] and denied.codes == ["not_permitted"]
    assert check("renew_iqama", telegram_id=999, iqama_number=world["iqama"]).codes == ["not_activated"]
    assert check("fly_to_the_moon", iqama_number=world["iqama"]).codes == ["unknown_service"]


# Every other service: allowed and blocked ---------------------------------------------------------------


def test_issue_iqama(world):
    ok = check("issue_iqama", border_number=BORDER)  # default period 12 months; domestic: no levy
    assert ok.possible and ok.quote.inputs["duration"] == "P12M"
    assert [(line.code, line.amount) for line in ok.quote.lines] == [("iqama_fee", 650), ("levy", 0)]
    with UnitOfWork() as uow:
        res = uow.repo.resident_by_border(world["est"], BORDER)
        res.arrival_date = None
        uow.commit()
    blocked = check("issue_iqama", border_number=BORDER, duration="P6M")
    assert blocked.codes == ["not_arrived", "domestic_period"]
    assert_blocked_like_the_quote(blocked, "issue_iqama", border_number=BORDER, duration="P6M")


def test_renew_iqama(world):
    ok = check("renew_iqama", iqama_number=world["iqama"])  # default period 12 months
    assert ok.possible and ok.quote.inputs["duration"] == "P12M"
    assert ok.quote.total == 650 + 12 * 800 and ok.quote.effects["new_expiry"] == "2028-12-31"
    # A third late renewal and an active final exit.
    change_resident(world, iqama_expiry=date(2026, 10, 1), late_renewal_offences=2)
    add_visa(world, kind="final_exit", entry_type=None, issued_on=date(2026, 11, 20), valid_until=date(2027, 1, 19))
    blocked = check("renew_iqama", iqama_number=world["iqama"], duration="P12M")
    assert blocked.codes == ["final_exit_active", "late_renewal_limit"]
    assert_blocked_like_the_quote(blocked, "renew_iqama", iqama_number=world["iqama"], duration="P12M")


def test_extend_exit_reentry(world):
    issued = add_visa(world, issued_on=date(2026, 11, 20), valid_until=date(2027, 1, 1))
    # Inside on an issued visa, and the iqama (to 2027-01-15) ends before the new date 2027-02-01.
    change_resident(world, iqama_expiry=date(2027, 1, 15))
    blocked = check("extend_exit_reentry", number=issued)
    assert blocked.codes == ["extension_inside", "iqama_too_short"]
    assert_blocked_like_the_quote(blocked, "extend_exit_reentry", number=issued, duration="P1M")
    with UnitOfWork() as uow:
        visa = uow.repo.visa_by_number(world["est"], issued)
        visa.status, visa.departed_on = "used", date(2026, 11, 22)
        uow.commit()
    change_resident(world, location="outside", iqama_expiry=date(2027, 12, 31))
    ok = check("extend_exit_reentry", number=world["iqama"])  # default one month
    assert ok.possible and ok.quote.total == 200
    assert ok.quote.effects["new_return_before"] == "2027-02-01"


def test_cancel_exit_reentry(world):
    fresh = add_visa(world, issued_on=date(2026, 11, 1), valid_until=date(2027, 1, 1))
    ok = check("cancel_exit_reentry", number=fresh)
    assert ok.possible and ok.quote.total == 0 and "لا تُسترد" in ok.quote.effects["note"]
    old = add_visa(
        world, issued_on=date(2026, 8, 1), valid_until=date(2027, 2, 1), status="used", departed_on=date(2026, 8, 5)
    )
    blocked = check("cancel_exit_reentry", number=old)
    assert blocked.codes == ["visa_used", "cancel_window_passed"]
    assert_blocked_like_the_quote(blocked, "cancel_exit_reentry", number=old)


def test_issue_final_exit(world):
    ok = check("issue_final_exit", iqama_number=world["iqama"])
    assert ok.possible and ok.quote.total == 0 and ok.quote.effects["leave_before"] == "2027-01-26"
    change_resident(world, location="outside", passport_expiry=date(2026, 11, 1))
    add_visa(
        world, issued_on=date(2026, 11, 1), valid_until=date(2027, 1, 1), status="used", departed_on=date(2026, 11, 2)
    )
    blocked = check("issue_final_exit", iqama_number=world["iqama"])
    assert blocked.codes == ["resident_outside", "passport_expired", "exit_reentry_active"]
    assert_blocked_like_the_quote(blocked, "issue_final_exit", iqama_number=world["iqama"])


def test_cancel_final_exit(world):
    final = add_visa(
        world, kind="final_exit", entry_type=None, issued_on=date(2026, 11, 20), valid_until=date(2027, 1, 19)
    )
    ok = check("cancel_final_exit", number=final)
    assert ok.possible and ok.quote.total == 0
    used = add_visa(
        world,
        kind="final_exit",
        entry_type=None,
        issued_on=date(2026, 11, 21),
        valid_until=date(2027, 1, 20),
        status="used",
        departed_on=date(2026, 11, 25),
    )
    change_resident(world, iqama_expiry=date(2026, 11, 26))
    blocked = check("cancel_final_exit", number=used)
    assert blocked.codes == ["visa_used", "iqama_expired"]
    assert_blocked_like_the_quote(blocked, "cancel_final_exit", number=used)


def test_change_occupation(world):
    ok = check("change_occupation", iqama_number=world["iqama"])  # no occupation named yet
    assert ok.possible and ok.quote.total == 1000
    same = check("change_occupation", iqama_number=world["iqama"], occupation="محاسب")
    assert same.codes == ["same_occupation"]
    with UnitOfWork() as uow:
        uow.repo.establishment(world["est"]).balance = 400
        uow.commit()
    blocked = check("change_occupation", iqama_number=world["iqama"], occupation="حارس أمن")
    assert blocked.codes == ["saudi_only_occupation", "insufficient_balance"]
    assert blocked.blockers[1].details["missing"] == 600
    assert_blocked_like_the_quote(blocked, "change_occupation", iqama_number=world["iqama"], occupation="حارس أمن")


def test_transfer_sponsorship(world):
    before = snapshot()
    ok = check("transfer_sponsorship", iqama_number=world["iqama"], establishment_number=world["target"])
    assert ok.possible and ok.quote.total == 0 and ok.quote.payer_number == world["target"]
    assert ok.quote.effects["target_fee"] == 2000
    assert check("transfer_sponsorship", iqama_number=world["iqama"]).possible  # no target named yet
    assert snapshot() == before
    with UnitOfWork() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Transaction)) == 0
    change_resident(world, location="outside", iqama_expiry=date(2026, 11, 1))
    add_visa(
        world, issued_on=date(2026, 10, 1), valid_until=date(2027, 1, 1), status="used", departed_on=date(2026, 10, 2)
    )
    blocked = check("transfer_sponsorship", iqama_number=world["iqama"], establishment_number=world["target"])
    assert blocked.codes == ["resident_outside", "iqama_expired", "active_visa"]
    assert_blocked_like_the_quote(
        blocked, "transfer_sponsorship", iqama_number=world["iqama"], establishment_number=world["target"]
    )
    assert check("transfer_sponsorship", iqama_number=world["iqama"]).codes == [
        "resident_outside",
        "iqama_expired",
        "active_visa",
    ]


def test_update_passport(world):
    ok = check(
        "update_passport", iqama_number=world["iqama"], passport_number="CD7654321", passport_expiry="2031-01-01"
    )
    assert ok.possible and ok.quote.total == 0 and ok.quote.effects["new_passport_expiry"] == "2031-01-01"
    assert check("update_passport", iqama_number=world["iqama"]).possible  # nothing to compare yet
    inputs = dict(iqama_number=world["iqama"], passport_number="CD7654321", passport_expiry="2026-11-01")
    blocked = check("update_passport", **inputs)
    assert blocked.codes == ["passport_expiry_past", "passport_expiry_not_later"]
    assert_blocked_like_the_quote(blocked, "update_passport", **inputs)


def test_every_service_of_section_4_answers_a_check(world):
    assert set(services.SERVICES) >= {
        "issue_iqama",
        "renew_iqama",
        "issue_exit_reentry",
        "extend_exit_reentry",
        "cancel_exit_reentry",
        "issue_final_exit",
        "cancel_final_exit",
        "change_occupation",
        "transfer_sponsorship",
        "update_passport",
    }
    for name in services.SERVICES:
        eligibility = check(name, iqama_number=world["iqama"], number=world["iqama"], border_number=BORDER)
        assert isinstance(eligibility, services.Eligibility) and eligibility.service == name
