"""Helpers of the visa and border tests (test_exit_reentry, test_final_exit, test_border): OWNER acts for
one establishment holding BALANCE; its `world` fixture is in tests/domain/conftest.py."""

from types import SimpleNamespace

import pytest
from sqlalchemy import func, select

from residency import services
from residency.db import UnitOfWork
from residency.errors import Refusal
from residency.models import Establishment, Visa
from tests.domain import factories as f

OWNER = 701
BALANCE = 10_000


def quote(engine, service, **inputs):
    with UnitOfWork(engine) as uow:
        return services.quote(uow, OWNER, service, **inputs)


def execute(engine, q, key):
    with UnitOfWork(engine) as uow:
        return services.execute(uow, OWNER, q, key)


def refusal(engine, service, **inputs):
    with pytest.raises(Refusal) as err:
        quote(engine, service, **inputs)
    return err.value


def update_resident(engine, world, **values):
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        for name, value in values.items():
            setattr(res, name, value)
        uow.commit()


def add_visa(engine, world, **values) -> str:
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_iqama(world["est"], world["iqama"])
        number = f.visa(uow, res, **values).number
        uow.commit()
        return number


def visa_row(engine, number) -> SimpleNamespace:
    """The visa's columns as read now (a plain copy: the session closes)."""
    with UnitOfWork(engine) as uow:
        visa = uow.session.execute(select(Visa).where(Visa.number == number)).scalars().one()
        return SimpleNamespace(**{c.name: getattr(visa, c.name) for c in Visa.__table__.columns})


def balance(engine, world) -> int:
    with UnitOfWork(engine) as uow:
        return uow.session.scalar(select(Establishment.balance).where(Establishment.id == world["est"]))


def count(engine, model) -> int:
    with UnitOfWork(engine) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))
