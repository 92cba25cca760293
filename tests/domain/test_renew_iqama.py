"""renew_iqama: fees, dates, late-renewal fines and every refusal (SPEC section 4), on the real database."""

from datetime import date

import pytest
from sqlalchemy import func, select

from residency import services
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, QuoteChanged, Refusal, Unauthorized
from residency.models import Establishment, LedgerEntry, Resident, Transaction
from tests.domain import factories as f

OWNER = 501


@pytest.fixture
def world(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, balance=50_000)
        f.user(uow, est, OWNER)
        res = f.resident(uow, est, iqama_expiry=date(2027, 3, 1), dependants=2)
        other = f.establishment(uow, number="7999999990")
        foreign = f.resident(uow, other)
        uow.commit()
        return {"est": est.id, "iqama": res.iqama_number, "foreign": foreign.iqama_number}


def quote(engine, iqama, period="P12M", who=OWNER):
    with UnitOfWork(engine) as uow:
        return services.quote(uow, who, "renew_iqama", iqama_number=iqama, duration=period)


def amounts(q):
    return {line.code: line.amount for line in q.lines}


def test_renewal_quote_shows_each_part_and_new_expiry(engine, world):
    q = quote(engine, world["iqama"])
    assert amounts(q) == {"iqama_fee": 650, "levy": 9600, "dependants_levy": 9600}
    assert q.total == 19850
    assert q.effects["new_expiry"] == "2028-03-01"


@pytest.mark.parametrize("months,fee", [(3, 163), (6, 325), (9, 488), (12, 650)])
def test_quarterly_iqama_fee(engine, world, months, fee):
    q = quote(engine, world["iqama"], period=f"P{months}M")
    assert amounts(q)["iqama_fee"] == fee
    assert amounts(q)["levy"] == 800 * months


def test_levy_is_700_when_saudis_at_least_expats(engine, world):
    with UnitOfWork(engine) as uow:
        est = uow.repo.establishment(world["est"])
        est.saudi_count, est.expat_count = 10, 10
        uow.commit()
    assert amounts(quote(engine, world["iqama"], "P6M"))["levy"] == 700 * 6


def test_domestic_occupation_has_no_levy(engine, world):
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        res.occupation, res.dependants = "سائق خاص", 0
        uow.commit()
    q = quote(engine, world["iqama"], "P12M")
    assert amounts(q) == {"iqama_fee": 650, "levy": 0}


def _set_expiry(engine, world, expiry, offences=0):
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        res.iqama_expiry, res.late_renewal_offences, res.dependants = expiry, offences, 0
        uow.commit()


def test_renewal_within_three_days_of_expiry_is_not_late(engine, world):
    _set_expiry(engine, world, date(2026, 11, 24))
    q = quote(engine, world["iqama"], "P3M")
    assert "fine" not in amounts(q)
    assert q.effects["new_expiry"] == "2027-02-24"


@pytest.mark.parametrize("offences,fine", [(0, 500), (1, 1000)])
def test_late_renewal_fines(engine, world, offences, fine):
    _set_expiry(engine, world, date(2026, 11, 23), offences)
    q = quote(engine, world["iqama"], "P3M")
    assert amounts(q)["fine"] == fine
    # Renewal counts from the old expiry even though it lapsed.
    assert q.effects["new_expiry"] == "2027-02-23"


def test_third_late_renewal_is_refused(engine, world):
    _set_expiry(engine, world, date(2026, 10, 1), offences=2)
    with pytest.raises(Refusal) as err:
        quote(engine, world["iqama"])
    assert err.value.code == "late_renewal_limit"
    assert "الجوازات" in err.value.message


def test_refused_on_final_exit(engine, world):
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        f.visa(
            uow, res, kind="final_exit", entry_type=None, issued_on=date(2026, 11, 20), valid_until=date(2027, 1, 19)
        )
        uow.commit()
    with pytest.raises(Refusal) as err:
        quote(engine, world["iqama"])
    assert err.value.code == "final_exit_active"


@pytest.mark.parametrize("period", ["P5M", "P24M", "P90D"])
def test_period_must_be_3_6_9_or_12_months(engine, world, period):
    with pytest.raises(InvalidInput) as err:
        quote(engine, world["iqama"], period)
    assert err.value.code == "bad_period"


def test_other_establishments_resident_looks_unknown(engine, world):
    with pytest.raises(NotFound) as foreign:
        quote(engine, world["foreign"])
    with pytest.raises(NotFound) as unknown:
        quote(engine, f.valid_iqama(12345))
    assert foreign.value.code == unknown.value.code == "unknown_resident"
    assert foreign.value.message.replace(world["foreign"], "N") == unknown.value.message.replace(
        f.valid_iqama(12345), "N"
    )


@pytest.mark.parametrize("number,code", [("2000000000", "bad_check_digit"), ("1000000008", "national_id")])
def test_bad_numbers_refused_before_lookup(engine, world, number, code):
    with pytest.raises(InvalidInput) as err:
        quote(engine, number)
    assert err.value.code == code


def test_stranger_and_agent_without_permission(engine, world):
    with pytest.raises(Unauthorized) as err:
        quote(engine, world["iqama"], who=999)
    assert err.value.code == "not_activated"
    with UnitOfWork(engine) as uow:
        est = uow.repo.establishment(world["est"])
        f.user(uow, est, 600, role="agent", services="inquire_resident,issue_exit_reentry")
        f.user(uow, est, 601, role="agent", services="renew_iqama")
        uow.commit()
    with pytest.raises(Unauthorized) as err:
        quote(engine, world["iqama"], who=600)
    assert err.value.code == "not_permitted"
    assert quote(engine, world["iqama"], who=601).total == 19850


def test_expired_subscription_refused(engine, world):
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(world["est"]).subscription_until = date(2026, 11, 26)
        uow.commit()
    with pytest.raises(Refusal) as err:
        quote(engine, world["iqama"])
    assert err.value.code == "subscription_expired"


def test_insufficient_balance_says_how_much_is_missing(engine, world):
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(world["est"]).balance = 19000
        uow.commit()
    with pytest.raises(Refusal) as err:
        quote(engine, world["iqama"])
    assert err.value.code == "insufficient_balance"
    assert err.value.details["missing"] == 850
    assert "850" in err.value.message


def test_execute_charges_exactly_the_quote_once(engine, world):
    q = quote(engine, world["iqama"])
    with UnitOfWork(engine) as uow:
        receipt = services.execute(uow, OWNER, q.to_dict(), "key-1")
    assert receipt.total == 19850 and receipt.balance_after == 50_000 - 19850 and not receipt.replayed
    with UnitOfWork(engine) as uow:
        again = services.execute(uow, OWNER, q, "key-1")
    assert again.replayed and again.transaction_id == receipt.transaction_id
    with UnitOfWork(engine) as uow:
        s = uow.session
        assert s.scalar(select(Establishment.balance).where(Establishment.id == world["est"])) == 30150
        assert s.scalar(select(Resident.iqama_expiry).where(Resident.iqama_number == world["iqama"])) == date(
            2028, 3, 1
        )
        assert s.scalar(select(func.count()).select_from(Transaction)) == 1
        ledger = s.execute(select(LedgerEntry)).scalars().all()
        assert [(e.amount, e.balance_after) for e in ledger] == [(-19850, 30150)]


def test_a_quote_stored_before_the_input_was_renamed_is_executed_as_shown(engine, world):
    """A pending quote (slot) or an approvals / bulk row written when the input was still `period`."""
    stored = quote(engine, world["iqama"], "P6M").to_dict()
    stored["inputs"] = {"iqama_number": world["iqama"], "period": "P6M"}
    assert services.Quote.from_dict(stored).inputs == {"iqama_number": world["iqama"], "duration": "P6M"}
    with UnitOfWork(engine) as uow:
        receipt = services.execute(uow, OWNER, stored, "stored-before-rename")
    assert receipt.total == stored["total"] and not receipt.replayed
    with UnitOfWork(engine) as uow:
        assert uow.repo.resident_by_iqama(world["est"], world["iqama"]).iqama_expiry == date(2027, 9, 1)


def test_execute_refuses_a_stale_quote_and_changes_nothing(engine, world):
    q = quote(engine, world["iqama"])
    with UnitOfWork(engine) as uow:
        uow.repo.resident_by_iqama(world["est"], world["iqama"]).dependants = 3
        uow.commit()
    with UnitOfWork(engine) as uow, pytest.raises(QuoteChanged) as err:
        services.execute(uow, OWNER, q, "key-2")
    assert err.value.details["quote"]["total"] == 19850 + 4800
    with UnitOfWork(engine) as uow:
        assert uow.repo.establishment(world["est"]).balance == 50_000


CHANGED = "تغيّرت تفاصيل الطلب أو رسومه بعد عرضها، فلم يُنفَّذ شيء ولم يُخصم أي مبلغ."


def _altered_total(stored):
    stored["total"] = 1


def _altered_line(stored):
    stored["lines"][1]["amount"] = 1  # the levy line, and the total to match it
    stored["total"] = sum(line["amount"] for line in stored["lines"])


@pytest.mark.parametrize("alter", [_altered_total, _altered_line])
def test_execute_refuses_a_quote_whose_amounts_were_altered_and_charges_nothing(engine, world, alter):
    """Issue 24: a quote handed back with total 1 for a 19850 renewal was charged the recomputed 19850."""
    stored = quote(engine, world["iqama"]).to_dict()
    alter(stored)
    with UnitOfWork(engine) as uow, pytest.raises(QuoteChanged) as err:
        services.execute(uow, OWNER, stored, "altered")
    assert (err.value.code, err.value.message) == ("quote_changed", CHANGED)
    assert err.value.details["quote"]["total"] == 19850  # the current terms, to offer again
    with UnitOfWork(engine) as uow:
        assert uow.repo.establishment(world["est"]).balance == 50_000
        assert uow.session.scalar(select(func.count()).select_from(Transaction)) == 0
    # The quote as it was given goes through, at its own total.
    with UnitOfWork(engine) as uow:
        assert services.execute(uow, OWNER, quote(engine, world["iqama"]).to_dict(), "as-quoted").total == 19850


def test_late_renewal_counts_the_offence(engine, world):
    _set_expiry(engine, world, date(2026, 11, 1))
    q = quote(engine, world["iqama"], "P3M")
    with UnitOfWork(engine) as uow:
        services.execute(uow, OWNER, q, "late-1")
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        assert res.late_renewal_offences == 1 and res.iqama_expiry == date(2027, 2, 1)


# Domestic workers: 12 months only (SPEC 9.2)
DOMESTIC_PERIOD_TEXT = (
    "مهنة المقيم «عاملة منزلية» من المهن المنزلية، وإقامة العمالة المنزلية تصدر وتُجدَّد لمدة "
    "12 شهرًا فقط (مدد 3، 6، 9 أشهر لعمال المنشآت وحدهم). اطلب مدة 12 شهرًا."
)


def _make_domestic(engine, world, occupation="عاملة منزلية"):
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        res.occupation, res.dependants = occupation, 0
        uow.commit()


@pytest.mark.parametrize("period", ["P3M", "P6M", "P9M"])
def test_domestic_worker_quarterly_renewal_is_refused(engine, world, period):
    _make_domestic(engine, world)
    with pytest.raises(Refusal) as err:
        quote(engine, world["iqama"], period)
    assert err.value.code == "domestic_period"
    assert err.value.message == DOMESTIC_PERIOD_TEXT
    assert err.value.details == {"occupation": "عاملة منزلية", "allowed": [12]}


def test_domestic_worker_renews_for_12_months(engine, world):
    _make_domestic(engine, world)
    q = quote(engine, world["iqama"], "P12M")
    assert amounts(q) == {"iqama_fee": 650, "levy": 0}
    assert q.effects["new_expiry"] == "2028-03-01"
    with UnitOfWork(engine) as uow:
        receipt = services.execute(uow, OWNER, q, "domestic-renew-12")
    assert receipt.total == 650 and receipt.result["new_expiry"] == "2028-03-01"
    with UnitOfWork(engine) as uow:
        assert uow.repo.resident_by_iqama(world["est"], world["iqama"]).iqama_expiry == date(2028, 3, 1)
        assert uow.session.scalar(select(Establishment.balance).where(Establishment.id == world["est"])) == 50_000 - 650


def test_quarterly_renewal_stays_open_to_an_establishment_worker(engine, world):
    q = quote(engine, world["iqama"], "P3M")  # محاسب
    assert amounts(q)["iqama_fee"] == 163 and q.effects["new_expiry"] == "2027-06-01"


def test_a_bad_period_of_a_domestic_worker_is_still_bad_period(engine, world):
    _make_domestic(engine, world)
    with pytest.raises(InvalidInput) as err:
        quote(engine, world["iqama"], "P4M")
    assert err.value.code == "bad_period"


@pytest.mark.parametrize(
    "months,dependants,labels",
    [
        (
            3,
            3,
            [
                "رسوم الإقامة (3 أشهر)",
                "المقابل المالي للعامل (3 أشهر × 800 ريال)",
                "المقابل المالي للمرافقين (3 مرافقين × 3 أشهر × 400 ريال)",
            ],
        ),
        (
            12,
            2,
            [
                "رسوم الإقامة (12 شهرًا)",
                "المقابل المالي للعامل (12 شهرًا × 800 ريال)",
                "المقابل المالي للمرافقين (مرافقان × 12 شهرًا × 400 ريال)",
            ],
        ),
        (
            6,
            1,
            [
                "رسوم الإقامة (6 أشهر)",
                "المقابل المالي للعامل (6 أشهر × 800 ريال)",
                "المقابل المالي للمرافقين (مرافق واحد × 6 أشهر × 400 ريال)",
            ],
        ),
    ],
)
def test_fee_labels_count_in_arabic(engine, world, months, dependants, labels):
    with UnitOfWork(engine) as uow:
        uow.repo.resident_by_iqama(world["est"], world["iqama"]).dependants = dependants
        uow.commit()
    assert [line.label for line in quote(engine, world["iqama"], f"P{months}M").lines] == labels
