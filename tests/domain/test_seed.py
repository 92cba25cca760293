"""The demo seed: counts, variety, valid data, isolation of the two establishments, determinism."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from residency import identifiers
from residency.db import UnitOfWork
from residency.errors import NotFound, Refusal
from residency.models import Base, Establishment, Resident, User, Visa
from residency.names import is_arabic, name_key_for
from residency.rules import RULES, occupations
from residency.administration.seed import database_is_empty, seed_demo
from residency.services import quote
from residency.services.base import ServiceContext, resolve_actor

TODAY = date(2026, 11, 27)
MAIN, SECOND = "7001234567", "7009876543"


def _seed(engine, **kw):
    with UnitOfWork(engine) as uow:
        return seed_demo(uow, **kw)


def _residents(engine, number):
    with UnitOfWork(engine) as uow:
        stmt = select(Resident).join(Establishment).where(Establishment.number == number).order_by(Resident.id)
        residents = list(uow.session.execute(stmt).scalars())
        for r in residents:  # load relationships, then detach: leaving the unit of work expires attributes
            r.visas, r.licence
        uow.session.expunge_all()
        return residents


@pytest.fixture
def seeded(engine):
    summary = _seed(engine)
    return summary, _residents(engine, MAIN)


def test_establishments_owners_and_counts(engine, seeded):
    summary, main = seeded
    with UnitOfWork(engine) as uow:
        ests = {e.number: e for e in uow.session.execute(select(Establishment)).scalars()}
        owners = {u.telegram_id: (u.establishment_id, u.role) for u in uow.session.execute(select(User)).scalars()}
        uow.session.expunge_all()
    assert set(ests) == {MAIN, SECOND}
    demo = ests[MAIN]
    assert (demo.name_ar, demo.plan, demo.balance, demo.saudi_count, demo.expat_count) == (
        "مؤسسة الريادة للمقاولات",
        "comprehensive",
        250_000,
        12,
        60,
    )
    assert demo.subscription_until == date(2027, 11, 27)
    assert ests[SECOND].name_ar == "شركة الأفق للتشغيل والصيانة"
    assert owners == {1000001: (demo.id, "owner"), 1000002: (ests[SECOND].id, "owner")}
    assert len(main) == 60 and len(_residents(engine, SECOND)) == 10
    assert summary.establishments[0] == (MAIN, demo.name_ar, 60)


def test_residents_are_valid_and_varied(engine, seeded):
    _, main = seeded
    everyone = main + _residents(engine, SECOND)
    iqamas = [r.iqama_number for r in everyone if r.iqama_number]
    assert len(iqamas) == len(set(iqamas)) == 67
    for r in everyone:
        if r.iqama_number:
            assert identifiers.parse_iqama(r.iqama_number) == r.iqama_number
        assert identifiers.parse_passport_number(r.passport_number) == r.passport_number
        assert is_arabic(r.name_ar) and r.name_en.replace(" ", "").isalpha() and r.name_en.isascii()
        assert r.name_key == name_key_for(r.name_ar, r.name_en)
        assert r.occupation in occupations()
        assert r.birth_date < r.hire_date <= TODAY
        assert r.hire_date - r.birth_date >= timedelta(days=18 * 365)
    assert len({r.nationality for r in main}) >= 9
    assert {"سائق خاص", "عاملة منزلية"} <= {r.occupation for r in main}
    assert {"محمد رحيم الدين", "Mohammed Rahim Uddin"} <= {n for r in main for n in (r.name_ar, r.name_en)}
    assert sum(r.dependants > 0 for r in main) >= 3
    assert sum(r.transfer_count > 0 for r in main) >= 1


def test_situations_worth_demonstrating(seeded):
    _, main = seeded
    with_iqama = [r for r in main if r.iqama_number]
    expired = [r for r in with_iqama if r.iqama_expiry < TODAY]
    expiring = [r for r in with_iqama if TODAY <= r.iqama_expiry <= TODAY + timedelta(days=30)]
    assert len(expired) >= 2 and len(expiring) >= 3
    assert [r.late_renewal_offences for r in main if r.late_renewal_offences] == [1]

    arrivals = [r for r in main if r.iqama_number is None]
    assert 2 <= len(arrivals) <= 3
    assert all(r.border_number[0] in "34" and r.iqama_expiry is None and r.arrival_date for r in arrivals)
    late_limit = RULES["iqama"]["late_issue_after_arrival_days"]
    assert sum((TODAY - r.arrival_date).days > late_limit for r in arrivals) == 1

    abroad = [r for r in main if r.location == "outside"]
    assert 4 <= len(abroad) <= 5
    used = [v for r in abroad for v in r.visas if v.status == "used" and v.kind == "exit_reentry"]
    assert len(used) == len(abroad)
    assert sum(v.valid_until < TODAY for v in used) == 1
    assert all(r.iqama_expiry >= v.valid_until for r in abroad for v in r.visas)

    visas = [v for r in main for v in r.visas]
    unused = [v for v in visas if v.kind == "exit_reentry" and v.status == "issued"]
    assert len(unused) == 2 and all(v.valid_until >= TODAY for v in unused)
    finals = [v for v in visas if v.kind == "final_exit"]
    assert len(finals) == 1 and finals[0].status == "issued"
    assert finals[0].valid_until - finals[0].issued_on == timedelta(days=RULES["final_exit"]["valid_days"])
    assert {v.entry_type for v in visas if v.kind == "exit_reentry"} == {"single", "multiple"}
    assert len({v.number for v in visas}) == len(visas) and all(v.number.startswith("6") for v in visas)

    passport_min = timedelta(days=RULES["exit_reentry"]["passport_min_valid_days"])
    assert any(r.location == "inside" and r.passport_expiry < TODAY + passport_min for r in with_iqama)

    licences = [r.licence for r in main if r.licence]
    assert len(licences) >= 5
    assert any(lic.expiry < TODAY for lic in licences)
    assert any(TODAY <= lic.expiry <= TODAY + timedelta(days=30) for lic in licences)


def test_second_establishment_sees_only_its_own(engine, seeded):
    _, main = seeded
    theirs = _residents(engine, SECOND)[0]
    ours = next(r for r in main if r.iqama_number)
    with UnitOfWork(engine) as uow:
        ctx = ServiceContext(uow, resolve_actor(uow, 1000002))
        assert ctx.resident(theirs.iqama_number).id == theirs.id
        with pytest.raises(NotFound) as err:
            ctx.resident(ours.iqama_number)
        assert err.value.code == "unknown_resident"


def test_second_establishment_is_a_transfer_target(engine, seeded):
    _, main = seeded
    movable = next(
        r for r in main if r.location == "inside" and r.iqama_number and r.iqama_expiry > TODAY and not r.visas
    )
    with UnitOfWork(engine) as uow:
        q = quote(uow, 1000001, "transfer_sponsorship", iqama_number=movable.iqama_number, establishment_number=SECOND)
    assert q.payer_number == SECOND
    assert q.effects["target_fee"] == RULES["sponsorship_transfer"]["fees"][movable.transfer_count]


def test_deterministic_and_relative_to_today(engine, seeded, monkeypatch):
    summary, main = seeded
    first = [(r.iqama_number, r.name_ar, (r.iqama_expiry - TODAY).days if r.iqama_expiry else None) for r in main]
    with engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())
    later = TODAY + timedelta(days=100)
    monkeypatch.setenv("MUQEEM_TODAY", later.isoformat())
    again = _seed(engine)
    second = [
        (r.iqama_number, r.name_ar, (r.iqama_expiry - later).days if r.iqama_expiry else None)
        for r in _residents(engine, MAIN)
    ]
    assert second == first
    assert again.samples == summary.samples


def test_refuses_to_seed_twice_and_reports_emptiness(engine, monkeypatch):
    with UnitOfWork(engine) as uow:
        assert database_is_empty(uow)
    monkeypatch.setenv("MUQEEM_DEMO_TELEGRAM_ID", "777")
    _seed(engine)
    with UnitOfWork(engine) as uow:
        assert not database_is_empty(uow)
        assert uow.repo.user_by_telegram_id(777).establishment.number == MAIN
    with pytest.raises(Refusal) as err:
        _seed(engine)
    assert err.value.code == "demo_exists"
    with UnitOfWork(engine) as uow:
        assert len(uow.session.execute(select(Resident.id)).all()) == 70
        assert len(uow.session.execute(select(Visa.id)).all()) == 9
