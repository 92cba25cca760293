"""issue_iqama, change_occupation, update_passport, transfer_sponsorship: allowed paths and every refusal."""

from datetime import date

import pytest
from sqlalchemy import select

from residency import services
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal, Unauthorized
from residency.identifiers import luhn_valid
from residency.models import Establishment, LedgerEntry, Notification, Resident
from residency.services.sponsorship import respond_transfer
from tests.domain import factories as f

OWNER, TARGET_OWNER, TARGET_AGENT = 701, 702, 703


@pytest.fixture
def world(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, number="7000000011", balance=20_000)
        f.user(uow, est, OWNER)
        res = f.resident(uow, est, occupation="محاسب")
        arrival = f.resident(
            uow,
            est,
            iqama_number=None,
            iqama_expiry=None,
            border_number="3123456789",
            arrival_date=date(2026, 10, 1),
            occupation="سائق خاص",
        )
        target = f.establishment(uow, number="7000000022", name_ar="شركة البناء الحديث", balance=5_000)
        f.user(uow, target, TARGET_OWNER)
        f.user(uow, target, TARGET_AGENT, role="agent", services="transfer_sponsorship")
        uow.commit()
        return {"est": est.id, "target": target.id, "iqama": res.iqama_number, "border": arrival.border_number}


def q(engine, service, who=OWNER, **inputs):
    with UnitOfWork(engine) as uow:
        return services.quote(uow, who, service, **inputs)


def run(engine, quoted, key, who=OWNER):
    with UnitOfWork(engine) as uow:
        return services.execute(uow, who, quoted, key)


def lines(quoted):
    return {line.code: line.amount for line in quoted.lines}


# issue_iqama
def test_issue_iqama_for_a_new_arrival(engine, world):
    quoted = q(engine, "issue_iqama", border_number="٣١٢٣ ٤٥٦ ٧٨٩", duration="P12M")
    assert lines(quoted) == {"iqama_fee": 650, "levy": 0}  # domestic driver: no levy
    assert quoted.effects["new_expiry"] == "2027-11-27"
    receipt = run(engine, quoted, "issue-1")
    number = receipt.result["iqama_number"]
    assert number.startswith("2") and luhn_valid(number)
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_iqama(world["est"], number)
        assert res.iqama_expiry == date(2027, 11, 27) and res.border_number == world["border"]


def test_issue_iqama_more_than_90_days_after_arrival_is_fined(engine, world):
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_border(world["est"], world["border"])
        res.arrival_date, res.occupation = date(2026, 8, 28), "نجار"  # 91 days before today
        uow.commit()
    quoted = q(engine, "issue_iqama", border_number=world["border"], duration="P3M")
    assert lines(quoted) == {"iqama_fee": 163, "levy": 2400, "fine": 500}


def test_issue_iqama_exactly_90_days_after_arrival_is_not_fined(engine, world):
    with UnitOfWork(engine) as uow:
        uow.repo.resident_by_border(world["est"], world["border"]).arrival_date = date(2026, 8, 29)
        uow.commit()
    assert "fine" not in lines(q(engine, "issue_iqama", border_number=world["border"], duration="P12M"))  # domestic


def test_issue_iqama_refusals(engine, world):
    with pytest.raises(NotFound) as err:
        q(engine, "issue_iqama", border_number="4000000000", duration="P3M")
    assert err.value.code == "unknown_border_number"
    with pytest.raises(InvalidInput) as err:
        q(engine, "issue_iqama", border_number=world["border"], duration="P4M")
    assert err.value.code == "bad_period"
    with UnitOfWork(engine) as uow:
        uow.repo.resident_by_border(world["est"], world["border"]).arrival_date = None
        uow.commit()
    with pytest.raises(Refusal) as err:
        q(engine, "issue_iqama", border_number=world["border"], duration="P3M")
    assert err.value.code == "not_arrived"
    quoted_ok = None
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_border(world["est"], world["border"])
        res.arrival_date, res.iqama_number, res.iqama_expiry = date(2026, 11, 1), f.valid_iqama(77), date(2027, 1, 1)
        uow.commit()
    with pytest.raises(Refusal) as err:
        quoted_ok = q(engine, "issue_iqama", border_number=world["border"], duration="P3M")
    assert err.value.code == "iqama_exists" and quoted_ok is None


# change_occupation
def test_change_occupation_charges_1000(engine, world):
    quoted = q(engine, "change_occupation", iqama_number=world["iqama"], occupation="مهندس مدنى")
    assert quoted.inputs["occupation"] == "مهندس مدني" and quoted.total == 1000
    receipt = run(engine, quoted, "occ-1")
    assert receipt.balance_after == 19_000
    with UnitOfWork(engine) as uow:
        assert uow.repo.resident_by_iqama(world["est"], world["iqama"]).occupation == "مهندس مدني"


def test_change_occupation_to_an_alias_stores_the_canonical_title(engine, world):
    quoted = q(engine, "change_occupation", iqama_number=world["iqama"], occupation="كهربجي")
    assert quoted.inputs["occupation"] == "فني كهرباء" and quoted.total == 1000
    assert [(line.code, line.amount) for line in quoted.lines] == [("occupation_fee", 1000)]
    assert quoted.effects == {"old_occupation": "محاسب", "new_occupation": "فني كهرباء"}
    receipt = run(engine, quoted, "occ-alias")
    assert receipt.balance_after == 19_000
    with UnitOfWork(engine) as uow:
        assert uow.repo.resident_by_iqama(world["est"], world["iqama"]).occupation == "فني كهرباء"


def test_change_occupation_unsure_gives_up_to_five_suggestions(engine, world):
    with pytest.raises(InvalidInput) as err:
        q(engine, "change_occupation", iqama_number=world["iqama"], occupation="مهندز")  # typo of مهندس
    assert err.value.code == "ambiguous_occupation"
    assert err.value.details["suggestions"][:3] == ["مهندس مدني", "مهندس كهربائي", "مهندس ميكانيكي"]
    assert len(err.value.details["suggestions"]) == 5
    with pytest.raises(InvalidInput) as err:
        q(engine, "change_occupation", iqama_number=world["iqama"], occupation="سباك صحى بلاط")
    assert err.value.code == "unknown_occupation" and 1 <= len(err.value.details["suggestions"]) <= 5
    assert "سباك" in err.value.details["suggestions"]
    with UnitOfWork(engine) as uow:
        assert uow.repo.resident_by_iqama(world["est"], world["iqama"]).occupation == "محاسب"


def test_change_occupation_refusals(engine, world):
    with pytest.raises(InvalidInput) as err:
        q(engine, "change_occupation", iqama_number=world["iqama"], occupation="رائد فضاء")
    assert err.value.code == "unknown_occupation" and err.value.details["suggestions"] == []
    with pytest.raises(Refusal) as err:
        q(engine, "change_occupation", iqama_number=world["iqama"], occupation="المحاسب")
    assert err.value.code == "same_occupation"


@pytest.mark.parametrize(
    "written, title",
    [("موظفة استقبال", "موظف استقبال"), ("مدير الموارد البشرية", "مدير موارد بشرية"), ("security guard", "حارس أمن")],
)
def test_change_occupation_to_one_reserved_for_saudis_is_refused(engine, world, written, title):
    with pytest.raises(Refusal) as err:
        q(engine, "change_occupation", iqama_number=world["iqama"], occupation=written)
    assert err.value.code == "saudi_only_occupation"
    assert err.value.message == f"مهنة «{title}» مقصورة على السعوديين، فلا تُعدَّل مهنة مقيم إليها. اختر مهنة أخرى."
    assert err.value.details == {"occupation": title}


# update_passport
def test_update_passport(engine, world):
    quoted = q(
        engine, "update_passport", iqama_number=world["iqama"], passport_number="b9876543", passport_expiry="2034-02-01"
    )
    assert quoted.total == 0
    run(engine, quoted, "pp-1")
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        assert (res.passport_number, res.passport_expiry) == ("B9876543", date(2034, 2, 1))


@pytest.mark.parametrize(
    "number,expiry,code,error",
    [
        ("B9876543", "2026-11-27", "passport_expiry_past", Refusal),
        ("B9876543", "2028-12-31", "passport_expiry_not_later", Refusal),
        ("B98", "2034-01-01", "bad_passport", InvalidInput),
    ],
)
def test_update_passport_refusals(engine, world, number, expiry, code, error):
    with pytest.raises(error) as err:
        q(engine, "update_passport", iqama_number=world["iqama"], passport_number=number, passport_expiry=expiry)
    assert err.value.code == code


TAKEN = (
    "رقم الجواز {number} مسجّل من قبل لمقيم آخر، والجواز لا يكون إلا لشخص واحد. تحقق من الرقم المكتوب في "
    "الجواز الجديد وأدخله من جديد."
)


def test_a_passport_number_recorded_for_another_resident_is_refused_without_naming_them(engine, world):
    """Issue 24: update_passport accepted a number already recorded for another resident. Another
    resident of the establishment, or of another establishment (not named either way), holds it."""
    with UnitOfWork(engine) as uow:
        uow.repo.resident_by_iqama(world["est"], world["iqama"]).passport_number = "E5555555"
        f.resident(uow, uow.repo.establishment(world["est"]), passport_number="C7654321")
        f.resident(uow, uow.repo.establishment(world["target"]), passport_number="D1111111")
        uow.commit()
    for number in ("c 7654321", "D1111111"):
        with pytest.raises(Refusal) as err:
            q(
                engine,
                "update_passport",
                iqama_number=world["iqama"],
                passport_number=number,
                passport_expiry="2034-01-01",
            )
        assert (err.value.code, err.value.message) == (
            "passport_number_taken",
            TAKEN.format(number=number.replace(" ", "").upper()),
        )
    with UnitOfWork(engine) as uow:
        check = services.check(uow, OWNER, "update_passport", iqama_number=world["iqama"], passport_number="D1111111")
    assert check.codes == ["passport_number_taken"]
    # The resident's own number (a passport renewed under the same number) is not another's.
    own = q(
        engine, "update_passport", iqama_number=world["iqama"], passport_number="E5555555", passport_expiry="2034-01-01"
    )
    assert own.inputs["passport_number"] == "E5555555"


# transfer_sponsorship
def _request_transfer(engine, world, key="tr-1"):
    quoted = q(engine, "transfer_sponsorship", iqama_number=world["iqama"], establishment_number="7000000022")
    assert quoted.total == 0 and quoted.effects["target_fee"] == 2000
    return run(engine, quoted, key).result["request_id"]


def test_transfer_accepted_charges_target_and_moves_resident(engine, world):
    request_id = _request_transfer(engine, world)
    with UnitOfWork(engine) as uow:
        note = uow.session.execute(select(Notification).where(Notification.telegram_id == TARGET_OWNER)).scalar_one()
        assert [b["payload"] for b in note.buttons] == [
            f"transfer:accept:{request_id}",
            f"transfer:decline:{request_id}",
        ]
    with UnitOfWork(engine) as uow, pytest.raises(Unauthorized):
        respond_transfer(uow, TARGET_AGENT, request_id, accept=True)
    with UnitOfWork(engine) as uow:
        decision = respond_transfer(uow, TARGET_OWNER, request_id, accept=True)
    assert (decision.status, decision.fee_charged, decision.balance_after) == ("accepted", 2000, 3000)
    with UnitOfWork(engine) as uow:  # double tap: nothing more
        again = respond_transfer(uow, TARGET_OWNER, request_id, accept=True)
    assert again.replayed and again.balance_after == 3000
    with UnitOfWork(engine) as uow:
        res = uow.session.execute(select(Resident).where(Resident.iqama_number == world["iqama"])).scalar_one()
        assert res.establishment_id == world["target"] and res.transfer_count == 1
        assert uow.session.scalar(select(Establishment.balance).where(Establishment.id == world["est"])) == 20_000
        ledger = uow.session.execute(select(LedgerEntry)).scalars().all()
        assert [(e.establishment_id, e.amount) for e in ledger] == [(world["target"], -2000)]
        told = uow.session.execute(select(Notification).where(Notification.telegram_id == OWNER)).scalar_one()
        assert "قبلت" in told.text
    with pytest.raises(NotFound):  # the resident now belongs to the target
        q(engine, "renew_iqama", iqama_number=world["iqama"], duration="P3M")


def test_transfer_declined_moves_nothing(engine, world):
    request_id = _request_transfer(engine, world)
    with UnitOfWork(engine) as uow:
        assert respond_transfer(uow, TARGET_OWNER, request_id, accept=False).status == "declined"
    with UnitOfWork(engine) as uow:
        assert uow.repo.resident_by_iqama(world["est"], world["iqama"]) is not None
        assert uow.repo.establishment(world["target"]).balance == 5_000


@pytest.mark.parametrize("count,fee", [(1, 4000), (2, 6000), (5, 6000)])
def test_transfer_fee_by_number_of_earlier_transfers(engine, world, count, fee):
    with UnitOfWork(engine) as uow:
        uow.repo.resident_by_iqama(world["est"], world["iqama"]).transfer_count = count
        uow.repo.establishment(world["target"]).balance = 10_000
        uow.commit()
    request_id = run(
        engine, q(engine, "transfer_sponsorship", iqama_number=world["iqama"], establishment_number="7000000022"), "t"
    ).result["request_id"]
    with UnitOfWork(engine) as uow:
        assert respond_transfer(uow, TARGET_OWNER, request_id, accept=True).fee_charged == fee


def test_transfer_target_without_balance_is_refused_and_changes_nothing(engine, world):
    request_id = _request_transfer(engine, world)
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(world["target"]).balance = 1500
        uow.commit()
    with UnitOfWork(engine) as uow, pytest.raises(Refusal) as err:
        respond_transfer(uow, TARGET_OWNER, request_id, accept=True)
    assert err.value.code == "insufficient_balance" and err.value.details["missing"] == 500
    with UnitOfWork(engine) as uow:
        assert uow.repo.transfer_request(request_id).status == "pending"
        assert uow.repo.resident_by_iqama(world["est"], world["iqama"]) is not None


def test_transfer_refusals(engine, world):
    def refused(code, **kw):
        inputs = {"iqama_number": world["iqama"], "establishment_number": "7000000022", **kw}
        with pytest.raises((Refusal, NotFound)) as err:
            q(engine, "transfer_sponsorship", **inputs)
        assert err.value.code == code

    refused("unknown_establishment", establishment_number="7123456789")
    refused("same_establishment", establishment_number="7000000011")
    _request_transfer(engine, world)
    refused("transfer_pending")
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        res.location = "outside"
        uow.commit()
    refused("resident_outside")
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        res.location, res.iqama_expiry = "inside", date(2026, 11, 26)
        uow.commit()
    refused("iqama_expired")
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        res.iqama_expiry = date(2027, 5, 1)
        f.visa(uow, res)
        uow.commit()
    refused("active_visa")
