"""A licensed industrial establishment pays no expat levy (SPEC 9.2): renewal and issue quotes carry a
levy line of 0 that says why; dependants' levy and fines are unchanged. On the real database."""

from datetime import date

import pytest

from residency import services
from residency.db import UnitOfWork
from residency.establishments import set_industrial
from tests.domain import factories as f

OWNER = 741
INDUSTRIAL_LABEL = "المقابل المالي للعامل: معفى (منشأة صناعية مرخّصة)"


@pytest.fixture
def world(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, number="7000000741", balance=20_000, industrial=True)
        f.user(uow, est, OWNER)
        res = f.resident(uow, est, occupation="لحام", iqama_expiry=date(2027, 3, 1), dependants=1)
        f.resident(
            uow,
            est,
            iqama_number=None,
            iqama_expiry=None,
            border_number="3123456741",
            arrival_date=date(2026, 8, 1),
            occupation="نجار",
        )
        uow.commit()
        return {"est": est.id, "iqama": res.iqama_number}


def _quote(service, **inputs):
    with UnitOfWork() as uow:
        return services.quote(uow, OWNER, service, **inputs)


def parts(q):
    return [(line.code, line.amount) for line in q.lines]


def test_renewal_in_an_industrial_establishment_has_no_levy(engine, world):
    q = _quote("renew_iqama", iqama_number=world["iqama"], duration="P6M")
    assert parts(q) == [("iqama_fee", 325), ("levy", 0), ("dependants_levy", 2400)]
    assert q.lines[1].label == INDUSTRIAL_LABEL
    with UnitOfWork() as uow:
        receipt = services.execute(uow, OWNER, q, "industrial-renew")
    assert (
        receipt.total == 2725
        and receipt.balance_after == 20_000 - 2725
        and receipt.result["new_expiry"] == "2027-09-01"
    )


def test_issue_in_an_industrial_establishment_has_no_levy_but_keeps_the_late_fine(engine, world):
    q = _quote("issue_iqama", border_number="3123456741", duration="P3M")  # 118 days after arrival
    assert parts(q) == [("iqama_fee", 163), ("levy", 0), ("fine", 500)]
    assert q.lines[1].label == INDUSTRIAL_LABEL and q.effects["new_expiry"] == "2027-02-27"


def test_not_industrial_again_pays_the_levy(engine, world):
    with UnitOfWork() as uow:
        set_industrial(uow, "7000000741", False)
    q = _quote("renew_iqama", iqama_number=world["iqama"], duration="P6M")
    assert parts(q) == [("iqama_fee", 325), ("levy", 4800), ("dependants_levy", 2400)]
    assert q.lines[1].label == "المقابل المالي للعامل (6 أشهر × 800 ريال)"


def test_a_domestic_worker_of_an_industrial_establishment_says_domestic(engine, world):
    with UnitOfWork() as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        res.occupation, res.dependants = "سائق خاص", 0
        uow.commit()
    q = _quote("renew_iqama", iqama_number=world["iqama"], duration="P12M")
    assert parts(q) == [("iqama_fee", 650), ("levy", 0)]
    assert q.lines[1].label == "المقابل المالي للعامل: معفى (مهنة منزلية: سائق خاص)"
