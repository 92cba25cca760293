"""Bulk requests (SPEC 9.3): one combined quote over several residents, executed per resident, each
exactly once, on the real database (SQLite and PostgreSQL)."""

import threading
from datetime import date

import pytest
from sqlalchemy import func, select

from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal
from residency.models import BulkQuote, LedgerEntry, Resident, Transaction
from residency.services.bulk import execute_bulk, horizon_lines, quote_bulk
from tests.domain import factories as f

OWNER = 601
RENEWAL_12 = 650 + 9600  # iqama fee + levy, 12 months, no dependants (more expats than Saudis)


@pytest.fixture
def five(engine):
    """Five residents: three renewable, one whose third late renewal is refused, one of another
    establishment (unknown to this one). Today is 2026-11-27."""
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, balance=100_000)
        f.user(uow, est, OWNER)
        ok = [f.resident(uow, est, iqama_expiry=date(2026, 12, d)) for d in (5, 10, 20)]
        late = f.resident(uow, est, iqama_expiry=date(2026, 10, 1), late_renewal_offences=2)
        other = f.resident(uow, f.establishment(uow, number="7999999990"))
        uow.commit()
        return {
            "est": est.id,
            "ok": [r.iqama_number for r in ok],
            "late": late.iqama_number,
            "foreign": other.iqama_number,
        }


def bulk_quote(engine, numbers=None, **kw):
    with UnitOfWork(engine) as uow:
        return quote_bulk(uow, OWNER, "renew_iqama", iqama_numbers=numbers, duration="P12M", **kw)


def run(engine, bulk_id, key="chat:q1", **kw):
    with UnitOfWork(engine) as uow:
        return execute_bulk(uow, OWNER, bulk_id, key, **kw)


def balance(engine, est_id):
    with UnitOfWork(engine) as uow:
        return uow.repo.establishment(est_id).balance


def count(engine, model, **where):
    with UnitOfWork(engine) as uow:
        stmt = select(func.count()).select_from(model)
        for name, value in where.items():
            stmt = stmt.where(getattr(model, name) == value)
        return uow.session.scalar(stmt)


def numbers_of(five):
    return [five["ok"][0], five["late"], five["ok"][1], five["foreign"], five["ok"][2]]


def test_combined_quote_lists_each_resident_with_its_fee_or_rule(engine, five):
    offer = bulk_quote(engine, numbers_of(five))
    assert [line.iqama_number for line in offer.lines] == numbers_of(five)
    assert [line.can_go for line in offer.lines] == [True, False, True, False, True]
    assert [line.quote.total for line in offer.ready] == [RENEWAL_12] * 3
    assert offer.lines[1].refusal.code == "late_renewal_limit"
    assert offer.lines[3].refusal.code == "unknown_resident"
    assert offer.total == 3 * RENEWAL_12 == 30_750
    assert offer.missing == 0


def test_execution_renews_each_resident_in_its_own_transaction(engine, five):
    offer = bulk_quote(engine, numbers_of(five))
    outcome = run(engine, offer.id)
    assert [line.iqama_number for line, _ in outcome.done] == five["ok"]
    assert sorted(line.iqama_number for line, _ in outcome.refused) == sorted([five["late"], five["foreign"]])
    assert outcome.charged == 30_750
    assert outcome.balance_after == balance(engine, five["est"]) == 100_000 - 30_750
    # One transaction and one ledger entry per resident renewed, each with its own receipt number.
    assert count(engine, Transaction) == 3
    assert count(engine, LedgerEntry, amount=-RENEWAL_12) == 3
    assert sorted(receipt.receipt_number for _, receipt in outcome.done) == [1, 2, 3]
    with UnitOfWork(engine) as uow:
        expiries = [uow.repo.resident_by_iqama(five["est"], n).iqama_expiry for n in five["ok"]]
    assert expiries == [date(2027, 12, 5), date(2027, 12, 10), date(2027, 12, 20)]


def test_the_same_confirmation_again_charges_nothing_and_replays(engine, five):
    offer = bulk_quote(engine, numbers_of(five))
    first = run(engine, offer.id)
    again = run(engine, offer.id)
    assert again.replayed and again.charged == 0
    assert [r.receipt_number for _, r in again.done] == [r.receipt_number for _, r in first.done]
    assert balance(engine, five["est"]) == 100_000 - 30_750
    assert count(engine, Transaction) == 3


def test_concurrent_confirmations_charge_each_resident_once(engine, five):
    offer = bulk_quote(engine, numbers_of(five))
    outcomes, errors = [], []

    def confirm():
        try:
            outcomes.append(run(engine, offer.id))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=confirm) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert sum(o.charged for o in outcomes) == 30_750
    assert balance(engine, five["est"]) == 100_000 - 30_750
    assert count(engine, Transaction) == 3
    assert count(engine, LedgerEntry) == 3


def test_balance_short_of_the_total_runs_nothing_and_says_how_much(engine, five):
    offer = bulk_quote(engine, numbers_of(five))
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(five["est"]).balance = 25_000
        uow.commit()
    with pytest.raises(Refusal) as refused:
        run(engine, offer.id)
    assert refused.value.code == "insufficient_balance"
    assert refused.value.details["missing"] == 5_750
    assert "ينقصه 5750 ريال" in refused.value.message
    assert count(engine, Transaction) == 0 and balance(engine, five["est"]) == 25_000


def test_quote_reports_the_missing_amount(engine, five):
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(five["est"]).balance = 20_000
        uow.commit()
    offer = bulk_quote(engine, numbers_of(five))
    assert offer.total == 30_750 and offer.missing == 10_750


def test_balance_running_out_part_way_keeps_the_residents_done(engine, five):
    offer = bulk_quote(engine, numbers_of(five))
    spent = []

    def someone_else_spends(line):
        # After the first resident, another payment takes most of what is left.
        if not spent:
            with UnitOfWork(engine) as uow:
                uow.repo.establishment(five["est"]).balance -= 70_000
                uow.commit()
            spent.append(line)

    outcome = run(engine, offer.id, on_each=someone_else_spends)
    assert [line.iqama_number for line, _ in outcome.done] == [five["ok"][0], five["ok"][1]]
    refused = {line.iqama_number: error.code for line, error in outcome.refused}
    assert refused[five["ok"][2]] == "insufficient_balance"
    assert balance(engine, five["est"]) == 100_000 - 70_000 - 2 * RENEWAL_12
    assert count(engine, Transaction) == 2


def test_terms_changed_since_the_quote_refuse_only_that_resident(engine, five):
    offer = bulk_quote(engine, numbers_of(five))
    with UnitOfWork(engine) as uow:
        uow.repo.resident_by_iqama(five["est"], five["ok"][1]).dependants = 1
        uow.commit()
    outcome = run(engine, offer.id)
    assert [line.iqama_number for line, _ in outcome.done] == [five["ok"][0], five["ok"][2]]
    refused = {line.iqama_number: error.code for line, error in outcome.refused}
    assert refused[five["ok"][1]] == "quote_changed"


def test_group_expiring_takes_the_iqamas_expiring_within_30_days_soonest_first(engine, five):
    offer = bulk_quote(engine, group="expiring")
    assert [line.iqama_number for line in offer.lines] == five["ok"]


def test_group_expiring_with_a_stated_horizon(engine, five):
    offer = bulk_quote(engine, group="expiring", horizon_days=10)  # to 2026-12-07
    assert [line.iqama_number for line in offer.lines] == five["ok"][:1]


@pytest.mark.parametrize("days", [0, -5, 366, 9999, 10**20])
def test_a_horizon_outside_1_to_365_days_is_refused_with_the_range(engine, five, days):
    """Issue 24: «خلال 9999 يوم» and «خلال 0 يوم» silently used 30 days."""
    with pytest.raises(InvalidInput) as refused:
        bulk_quote(engine, group="expiring", horizon_days=days)
    assert (refused.value.code, refused.value.message) == (
        "bad_horizon",
        f"تُحدَّد مدة الإقامات القريبة الانتهاء بعدد أيام من 1 إلى 365، و{days} خارج هذا النطاق. اكتبها هكذا: "
        "جدد الإقامات التي تنتهي خلال 60 يومًا.",
    )
    assert count(engine, BulkQuote) == 0


@pytest.mark.parametrize(
    "days,stated",
    [
        (
            None,
            "الإقامات التي تنتهي من اليوم حتى 2026-12-27 م (18 رجب 1448 هـ) (خلال 30 يومًا)، والتي انتهت خلال آخر 3 أيام (مهلتها قبل غرامة التأخير).",
        ),
        (
            1,
            "الإقامات التي تنتهي من اليوم حتى 2026-11-28 م (18 جمادى الآخرة 1448 هـ) (خلال يوم واحد)، والتي انتهت خلال آخر 3 أيام (مهلتها قبل غرامة التأخير).",
        ),
        (
            365,
            "الإقامات التي تنتهي من اليوم حتى 2027-11-27 م (28 جمادى الآخرة 1449 هـ) (خلال 365 يومًا)، والتي انتهت خلال آخر 3 أيام (مهلتها قبل غرامة التأخير).",
        ),
    ],
)
def test_the_offer_states_the_horizon_it_used(engine, five, days, stated):
    with UnitOfWork(engine) as uow:
        uow.repo.resident_by_iqama(five["est"], five["ok"][0]).iqama_expiry = date(2026, 11, 28)
        uow.commit()
    offer = bulk_quote(engine, group="expiring", horizon_days=days)
    assert horizon_lines(offer) == [stated]
    assert len(offer.lines) == {None: 3, 1: 1, 365: 3}[days]
    assert horizon_lines(bulk_quote(engine, numbers_of(five))) == []  # numbers: no horizon to state
    assert horizon_lines(bulk_quote(engine, group="all", horizon_days=days)) == []


def test_group_expired_and_the_rule_that_blocks_it(engine, five):
    offer = bulk_quote(engine, group="expired")
    assert [(line.iqama_number, line.refusal.code) for line in offer.lines] == [(five["late"], "late_renewal_limit")]
    assert offer.total == 0


def test_group_all_never_includes_another_establishments_resident(engine, five):
    offer = bulk_quote(engine, group="all")
    assert five["foreign"] not in [line.iqama_number for line in offer.lines]
    assert len(offer.lines) == 4


def test_an_empty_group_is_answered(engine, five):
    with pytest.raises(NotFound) as empty:
        bulk_quote(engine, group="abroad")
    assert empty.value.code == "empty_group"


def test_one_number_is_not_a_bulk_request_and_repeats_count_once(engine, five):
    with pytest.raises(InvalidInput) as single:
        bulk_quote(engine, [five["ok"][0], five["ok"][0]])
    assert single.value.code == "bulk_needs_several"


def test_more_than_1000_residents_is_refused(engine, five):
    numbers = [f.valid_iqama(seed) for seed in range(1001)]
    with pytest.raises(InvalidInput) as too_many:
        bulk_quote(engine, numbers)
    assert too_many.value.code == "bulk_too_large" and "1001" in too_many.value.message


def test_a_service_named_by_border_number_is_not_bulk(engine, five):
    with UnitOfWork(engine) as uow, pytest.raises(InvalidInput) as refused:
        quote_bulk(uow, OWNER, "issue_iqama", iqama_numbers=five["ok"], duration="P12M")
    assert refused.value.code == "bulk_not_supported"


def test_another_establishment_cannot_execute_the_bulk_quote(engine, five):
    offer = bulk_quote(engine, numbers_of(five))
    with UnitOfWork(engine) as uow:
        f.user(uow, uow.repo.establishment_by_number("7999999990"), 602)
        uow.commit()
    with UnitOfWork(engine) as uow, pytest.raises(NotFound):
        execute_bulk(uow, 602, offer.id, "chat:q1")
    assert count(engine, Transaction) == 0


def test_bulk_exit_reentry_visas_one_per_resident(engine, five):
    with UnitOfWork(engine) as uow:
        for number in five["ok"]:
            uow.repo.resident_by_iqama(five["est"], number).iqama_expiry = date(2027, 6, 1)
        uow.commit()
    with UnitOfWork(engine) as uow:
        offer = quote_bulk(
            uow, OWNER, "issue_exit_reentry", iqama_numbers=five["ok"], visa_type="single", duration="P2M"
        )
    assert [line.quote.total for line in offer.lines] == [200, 200, 200]
    outcome = run(engine, offer.id, key="chat:visas")
    assert len(outcome.done) == 3 and outcome.charged == 600
    with UnitOfWork(engine) as uow:
        assert all(
            uow.repo.visas_of(r.id)
            for r in uow.session.scalars(select(Resident).where(Resident.iqama_number.in_(five["ok"])))
        )


def test_the_expiring_group_takes_the_iqamas_still_in_their_grace(engine):
    """«جدد كل الاقامات اللي تخلص هالشهر» left out an iqama that lapsed two days ago although the month's
    report lists it: within the 3-day grace it renews without a fine, so it belongs to the group."""
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, balance=100_000)
        f.user(uow, est, OWNER)
        in_grace = f.resident(uow, est, iqama_expiry=date(2026, 11, 24))  # 3 days ago: no fine yet
        past_grace = f.resident(uow, est, iqama_expiry=date(2026, 11, 23))  # 4 days ago: a late renewal
        soon = f.resident(uow, est, iqama_expiry=date(2026, 12, 5))
        uow.commit()
        numbers = {in_grace.iqama_number, soon.iqama_number}
        late = past_grace.iqama_number
    offer = bulk_quote(engine, group="expiring")
    assert {line.iqama_number for line in offer.lines} == numbers and late not in numbers
    assert [line.quote.total for line in offer.lines] == [RENEWAL_12, RENEWAL_12]


def test_a_long_execution_writes_how_far_it_is(engine):
    """Over bulk.progress_above (20) residents, the execution writes its progress as it goes (the front ends
    show it while they wait); a short one writes none."""
    from residency.services.bulk import progress_of

    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, balance=1_000_000)
        f.user(uow, est, OWNER)
        numbers = [f.resident(uow, est, iqama_expiry=date(2027, 3, 1)).iqama_number for _ in range(25)]
        uow.commit()
    seen = []

    def watch(line):
        with UnitOfWork(engine) as other:  # another reader, as the bot is
            seen.append(progress_of(other, OWNER))

    offer = bulk_quote(engine, numbers[:3])
    run(engine, offer.id, key="chat:short", on_each=watch)
    assert seen == [None, None, None]
    seen.clear()
    offer = bulk_quote(engine, numbers)
    outcome = run(engine, offer.id, key="chat:long", on_each=watch)
    assert len(outcome.done) == 25 and seen[-1] is not None and (seen[-1].done, seen[-1].total) == (25, 25)
    assert seen[0] is not None and seen[0].done == 1  # the first write comes at once
    assert [p.done for p in seen if p] == sorted(p.done for p in seen if p)
