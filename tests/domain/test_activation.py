"""Activation codes: single use, expiring, stored hashed; a wrong code says so."""
from datetime import timedelta

import pytest
from sqlalchemy import select

from residency.activation import activate, add_user, issue_code
from residency.db import UnitOfWork
from residency.errors import InvalidInput, Refusal
from residency.models import ActivationCode, User, utcnow
from tests.domain import factories as f


@pytest.fixture
def est_number(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, number="7000000033", name_ar="مؤسسة النخبة")
        f.establishment(uow, number="7000000044")
        uow.commit()
        return est.number


def new_code(engine, number, **kw):
    with UnitOfWork(engine) as uow:
        return issue_code(uow, number, **kw)


def test_code_activates_once_and_is_stored_hashed(engine, est_number):
    code = new_code(engine, est_number)
    with UnitOfWork(engine) as uow:
        stored = uow.session.execute(select(ActivationCode.code_hash)).scalar_one()
    assert code not in stored and len(stored) == 64
    result = activate(42, f"  {code.lower()} ")
    assert (result.establishment_name, result.role) == ("مؤسسة النخبة", "owner")
    with pytest.raises(InvalidInput) as err:
        activate(43, code)
    assert err.value.code == "used_code"


def test_wrong_and_expired_codes(engine, est_number):
    with pytest.raises(InvalidInput) as err:
        activate(42, "NOTACODE")
    assert err.value.code == "wrong_code" and "غير صحيح" in err.value.message
    code = new_code(engine, est_number)
    with UnitOfWork(engine) as uow:
        uow.session.execute(select(ActivationCode)).scalar_one().expires_at = utcnow() - timedelta(minutes=1)
        uow.commit()
    with pytest.raises(InvalidInput) as err:
        activate(42, code)
    assert err.value.code == "expired_code"
    with UnitOfWork(engine) as uow:
        assert uow.session.execute(select(User)).first() is None


def test_agent_code_grants_only_its_services(engine, est_number):
    code = new_code(engine, est_number, role="agent", services="inquire_resident,renew_iqama")
    assert activate(50, code).role == "agent"
    with UnitOfWork(engine) as uow:
        assert uow.repo.user_by_telegram_id(50).service_set == {"inquire_resident", "renew_iqama"}
    with UnitOfWork(engine) as uow, pytest.raises(InvalidInput):
        issue_code(uow, est_number, role="agent", services="fly_to_moon")
    with UnitOfWork(engine) as uow, pytest.raises(InvalidInput):
        issue_code(uow, est_number, role="agent")


def test_an_account_belongs_to_one_establishment(engine, est_number):
    with UnitOfWork(engine) as uow:
        add_user(uow, "7000000044", 60, "owner")
    code = new_code(engine, est_number)
    with pytest.raises(Refusal) as err:
        activate(60, code)
    assert err.value.code == "linked_elsewhere"
    with UnitOfWork(engine) as uow, pytest.raises(Refusal):
        add_user(uow, est_number, 60, "owner")
