"""Builders of test data straight into the database (no service calls), with sensible defaults."""

from __future__ import annotations

import itertools
import random
from datetime import date

from residency.db import UnitOfWork
from residency.identifiers import luhn_valid
from residency.models import DrivingLicence, Establishment, Resident, User, Visa

_serial = itertools.count(1)


def valid_iqama(seed: int | None = None) -> str:
    """A 10-digit iqama number starting with 2 with a valid check digit."""
    rng = random.Random(seed if seed is not None else next(_serial) * 7919)
    while True:
        body = "2" + "".join(rng.choice("0123456789") for _ in range(8))
        for last in "0123456789":
            if luhn_valid(body + last):
                return body + last


def establishment(uow: UnitOfWork, **kw) -> Establishment:
    values = dict(
        number="70" + f"{next(_serial):08d}",
        name_ar="مؤسسة الاختبار للمقاولات",
        plan="comprehensive",
        subscription_until=date(2027, 6, 30),
        balance=100_000,
        saudi_count=2,
        expat_count=10,
    )
    values.update(kw)
    est = Establishment(**values)
    uow.repo.add(est)
    return est


def user(uow: UnitOfWork, est: Establishment, telegram_id: int, role: str = "owner", services: str = "") -> User:
    u = User(establishment_id=est.id, telegram_id=telegram_id, role=role, services=services)
    uow.repo.add(u)
    return u


def resident(uow: UnitOfWork, est: Establishment, **kw) -> Resident:
    values = dict(
        iqama_number=valid_iqama(),
        name_ar="محمد عبدالله خان",
        name_en="Mohammed Abdullah Khan",
        name_key="محمد عبدالله خان mohammed abdullah khan",
        nationality="باكستان",
        occupation="محاسب",
        birth_date=date(1990, 5, 1),
        passport_number="AB1234567",
        passport_expiry=date(2029, 1, 1),
        iqama_expiry=date(2027, 3, 1),
        location="inside",
        dependants=0,
        transfer_count=0,
        hire_date=date(2020, 1, 1),
        late_renewal_offences=0,
    )
    values.update(kw)
    r = Resident(establishment_id=est.id, **values)
    uow.repo.add(r)
    return r


def visa(uow: UnitOfWork, res: Resident, **kw) -> Visa:
    values = dict(
        number="6" + f"{next(_serial):09d}",
        kind="exit_reentry",
        entry_type="single",
        issued_on=date(2026, 11, 1),
        valid_until=date(2027, 1, 1),
        status="issued",
    )
    values.update(kw)
    v = Visa(resident_id=res.id, **values)
    uow.repo.add(v)
    return v


def licence(uow: UnitOfWork, res: Resident, **kw) -> DrivingLicence:
    values = dict(licence_type="خاصة", number="1234567890", expiry=date(2028, 1, 1))
    values.update(kw)
    lic = DrivingLicence(resident_id=res.id, **values)
    uow.repo.add(lic)
    return lic
