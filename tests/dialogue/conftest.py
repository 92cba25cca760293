"""A small establishment world on the real test database (fixture `engine` of tests/conftest.py)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pytest

from residency.db import UnitOfWork
from tests.domain import factories as f

OWNER = 501
STRANGER = 999
OTHER_OWNER = 777


@dataclass
class World:
    establishment_id: int
    iqama: str  # a resident inside, iqama valid until 2027-03-01, passport until 2029-01-01
    traveller: str  # a resident with an issued single exit/re-entry visa
    visa: str  # that visa
    border: str  # a newly arrived worker without an iqama
    foreign: str  # another establishment's resident
    other_establishment: str


@pytest.fixture
def world(engine) -> World:
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, balance=50_000, saudi_count=2, expat_count=10)
        f.user(uow, est, OWNER)
        resident = f.resident(uow, est, name_ar="محمد عبدالله خان", iqama_expiry=date(2027, 3, 1))
        traveller = f.resident(
            uow, est, name_ar="راجيش كومار", name_en="Rajesh Kumar", name_key="راجيش كومار rajesh kumar"
        )
        visa = f.visa(uow, traveller, issued_on=date(2026, 11, 20), valid_until=date(2027, 1, 20))
        newcomer = f.resident(
            uow,
            est,
            name_ar="عبدالرحمن علي",
            iqama_number=None,
            border_number="3123456789",
            arrival_date=date(2026, 11, 20),
            iqama_expiry=None,
        )
        other = f.establishment(uow, number="7999999990", name_ar="مؤسسة أخرى")
        f.user(uow, other, OTHER_OWNER)
        foreign = f.resident(uow, other)
        uow.commit()
        return World(
            est.id,
            resident.iqama_number,
            traveller.iqama_number,
            visa.number,
            newcomer.border_number,
            foreign.iqama_number,
            other.number,
        )
