"""Border events (the CLI's depart/arrive): visa life cycle issued -> used -> returned, the resident's
location, the Transaction row of each event, and every refusal, on the real database."""

from datetime import date

import pytest
from sqlalchemy import select

from residency import border
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal
from residency.models import Resident, Transaction
from tests.domain import factories as f
from tests.domain.visa_helpers import (
    BALANCE,
    add_visa,
    balance,
    execute,
    quote,
    update_resident,
    visa_row,
)


def depart(engine, iqama):
    with UnitOfWork(engine) as uow:
        return border.record_departure(uow, iqama)


def arrive(engine, iqama):
    with UnitOfWork(engine) as uow:
        return border.record_return(uow, iqama)


def location(engine, world) -> str:
    with UnitOfWork(engine) as uow:
        return uow.session.scalar(select(Resident.location).where(Resident.id == world["resident"]))


def transactions(engine) -> list[tuple]:
    with UnitOfWork(engine) as uow:
        rows = uow.session.execute(select(Transaction).order_by(Transaction.id)).scalars()
        return [(t.service, t.total, t.user_id, t.resident_id, t.establishment_id, t.idempotency_key) for t in rows]


def transaction_ids(engine) -> list[int]:
    with UnitOfWork(engine) as uow:
        return list(uow.session.scalars(select(Transaction.id).order_by(Transaction.id)))


def refused(call, engine, iqama) -> Refusal:
    with pytest.raises(Refusal) as err:
        call(engine, iqama)
    return err.value


def test_departure_and_return_on_exit_reentry(engine, world):
    number = add_visa(engine, world, valid_until=date(2027, 1, 10))
    out = depart(engine, world["iqama"])
    assert out["event"] == "departure" and out["visa_number"] == number and out["location"] == "outside"
    visa = visa_row(engine, number)
    assert (visa.status, visa.departed_on) == ("used", date(2026, 11, 27))
    assert location(engine, world) == "outside"

    back = arrive(engine, world["iqama"])
    assert back["event"] == "return" and back["visa_number"] == number and back["location"] == "inside"
    visa = visa_row(engine, number)
    assert (visa.status, visa.returned_on) == ("returned", date(2026, 11, 27))
    assert location(engine, world) == "inside"

    rows = transactions(engine)
    assert [row[:5] for row in rows] == [
        ("record_departure", 0, None, world["resident"], world["est"]),
        ("record_return", 0, None, world["resident"], world["est"]),
    ]
    assert rows[0][5].startswith(f"border:{world['iqama']}:departure:")
    assert [out["transaction_id"], back["transaction_id"]] == transaction_ids(engine)


def test_departure_on_final_exit(engine, world):
    number = add_visa(engine, world, kind="final_exit", entry_type=None, valid_until=date(2027, 1, 19))
    assert depart(engine, world["iqama"])["visa_kind"] == "final_exit"
    assert visa_row(engine, number).status == "used"
    assert location(engine, world) == "outside"
    # Left for good: no return on a final exit.
    assert refused(arrive, engine, world["iqama"]).code == "no_reentry_visa"


@pytest.mark.parametrize(
    "values",
    [
        None,
        {"valid_until": date(2026, 11, 26)},
        {"status": "cancelled", "cancelled_on": date(2026, 11, 20)},
        {"status": "returned", "returned_on": date(2026, 11, 20)},
    ],
)
def test_departure_needs_a_valid_visa(engine, world, values):
    if values is not None:
        add_visa(engine, world, **values)
    err = refused(depart, engine, world["iqama"])
    assert err.code == "no_exit_visa" and "أصدر" in err.message
    assert location(engine, world) == "inside" and transactions(engine) == []


def test_departure_refused_when_already_outside(engine, world):
    update_resident(engine, world, location="outside")
    add_visa(engine, world, valid_until=date(2027, 1, 10))
    assert refused(depart, engine, world["iqama"]).code == "already_outside"


def test_return_on_the_return_date_itself(engine, world):
    update_resident(engine, world, location="outside")
    add_visa(engine, world, status="used", departed_on=date(2026, 11, 1), valid_until=date(2026, 11, 27))
    assert arrive(engine, world["iqama"])["location"] == "inside"


def test_return_after_the_visa_lapsed_is_refused(engine, world):
    update_resident(engine, world, location="outside")
    number = add_visa(engine, world, status="used", departed_on=date(2026, 11, 1), valid_until=date(2026, 11, 26))
    err = refused(arrive, engine, world["iqama"])
    assert err.code == "visa_expired_abroad" and number in err.message and "2026-11-26" in err.message
    assert visa_row(engine, number).status == "used" and location(engine, world) == "outside"


def test_return_refused_when_inside(engine, world):
    assert refused(arrive, engine, world["iqama"]).code == "already_inside"


def test_unknown_and_malformed_iqama(engine, world):
    with pytest.raises(NotFound) as err:
        depart(engine, f.valid_iqama(4242))
    assert err.value.code == "unknown_resident"
    with pytest.raises(InvalidInput):
        arrive(engine, "2000000000")


def test_another_establishments_resident_is_recorded_for_its_establishment(engine, world):
    """The CLI is the administrator's: no establishment scope."""
    with UnitOfWork(engine) as uow:
        foreign = uow.repo.resident_by_iqama_any(world["foreign"])
        f.visa(uow, foreign, valid_until=date(2027, 1, 10))
        est_id = foreign.establishment_id
        uow.commit()
    depart(engine, world["foreign"])
    assert transactions(engine)[0][4] == est_id


def test_full_life_cycle_through_the_services(engine, world):
    """Issue, leave, extend abroad (200 a month for a single visa), return, then a new visa may be issued."""
    issued = execute(
        engine,
        quote(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration="P2M"),
        "cycle-issue",
    )
    number = issued.result["visa_number"]
    depart(engine, world["iqama"])
    # Used (resident abroad): cancelling is refused, extending is open (only abroad).
    with pytest.raises(Refusal) as err:
        quote(engine, "cancel_exit_reentry", number=number)
    assert err.value.code == "visa_used"
    extension = quote(engine, "extend_exit_reentry", number=world["iqama"], duration=1)
    assert extension.total == 200 and extension.effects["new_return_before"] == "2027-02-27"
    execute(engine, extension, "cycle-extend")
    arrive(engine, world["iqama"])
    assert visa_row(engine, number).status == "returned"
    assert balance(engine, world) == BALANCE - 200 - 200
    again = quote(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="multiple", duration=3)
    assert again.total == 500
