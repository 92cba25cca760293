"""The `world` of the visa and border tests (test_exit_reentry, test_final_exit, test_border); a module
defining its own `world` fixture uses that one instead."""
from datetime import date

import pytest

from residency.db import UnitOfWork
from tests.domain import factories as f
from tests.domain.visa_helpers import BALANCE, OWNER


@pytest.fixture
def world(engine):
    """An establishment with an owner and one resident inside (iqama to 2027-12-31, passport to 2029),
    and another establishment's resident. Today is 2026-11-27."""
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, balance=BALANCE)
        f.user(uow, est, OWNER)
        res = f.resident(uow, est, iqama_expiry=date(2027, 12, 31), passport_expiry=date(2029, 1, 1))
        other = f.establishment(uow, number="7999999990")
        foreign = f.resident(uow, other)
        uow.commit()
        return {"est": est.id, "iqama": res.iqama_number, "resident": res.id, "foreign": foreign.iqama_number}
