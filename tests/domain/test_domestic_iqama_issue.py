"""issue_iqama of a domestic worker: 12 months only (SPEC 9.2), on the real database."""

from datetime import date

import pytest

from residency import services
from residency.db import UnitOfWork
from residency.errors import Refusal
from tests.domain import factories as f

OWNER = 731
BORDER = "3123456700"


@pytest.fixture
def world(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, balance=5_000)
        f.user(uow, est, OWNER)
        f.resident(
            uow,
            est,
            iqama_number=None,
            iqama_expiry=None,
            border_number=BORDER,
            arrival_date=date(2026, 10, 1),
            occupation="سائق خاص",
        )
        uow.commit()
        return {"est": est.id}


def _quote(period):
    with UnitOfWork() as uow:
        return services.quote(uow, OWNER, "issue_iqama", border_number=BORDER, duration=period)


@pytest.mark.parametrize("period", ["P3M", "P6M", "P9M"])
def test_domestic_worker_quarterly_issue_is_refused(engine, world, period):
    with pytest.raises(Refusal) as err:
        _quote(period)
    assert err.value.code == "domestic_period"
    assert err.value.message == (
        "مهنة المقيم «سائق خاص» من المهن المنزلية، وإقامة العمالة المنزلية تصدر وتُجدَّد لمدة "
        "12 شهرًا فقط (مدد 3، 6، 9 أشهر لعمال المنشآت وحدهم). اطلب مدة 12 شهرًا."
    )


def test_domestic_worker_iqama_issued_for_12_months(engine, world):
    q = _quote("P12M")
    assert [(line.code, line.amount) for line in q.lines] == [("iqama_fee", 650), ("levy", 0)]
    assert q.effects["new_expiry"] == "2027-11-27"
    with UnitOfWork() as uow:
        receipt = services.execute(uow, OWNER, q, "issue-domestic-12")
    assert receipt.total == 650 and receipt.result["new_expiry"] == "2027-11-27"
    with UnitOfWork() as uow:
        res = uow.repo.resident_by_border(world["est"], BORDER)
        assert res.iqama_expiry == date(2027, 11, 27) and res.iqama_number == receipt.result["iqama_number"]
        assert uow.repo.establishment(world["est"]).balance == 5_000 - 650
