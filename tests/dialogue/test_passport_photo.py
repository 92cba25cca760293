"""action_passport_photo on the real test database: the zone a front end read becomes the update_passport
quote with confirm buttons, and the ordinary confirmation executes it once; every failure is answered in
Arabic and changes nothing; an open form is closed."""

from __future__ import annotations

from datetime import date

from mrz.generator.td3 import TD3CodeGenerator
from sqlalchemy import func, select

from actions.passport import ASK_FOR_PHOTO, ActionPassportPhoto
from actions.confirm_step import ActionConfirmStep
from replies import _ as translated
from residency.db import UnitOfWork
from residency.models import Resident, Transaction
from residency.passport_mrz import UNREADABLE
from residency.services.base import NOT_ACTIVATED
from tests.dialogue.conftest import OWNER, STRANGER
from tests.dialogue.helpers import run, turn

ACTION = ActionPassportPhoto()


def zone(
    surname="KHAN", given="MOHAMMED ABDULLAH", number="AB7654321", nationality="PAK", birth="900501", expiry="350301"
) -> str:
    return str(TD3CodeGenerator("P", nationality, surname, given, number, nationality, birth, "M", expiry, ""))


def photo(sender, mrz, **kw):
    entities = {} if mrz is None else {"mrz": mrz}
    return turn(sender, text=f'/passport_photo{{"mrz": "{mrz}"}}', intent="passport_photo", entities=entities, **kw)


def passport(engine, iqama):
    with UnitOfWork(engine) as uow:
        row = uow.session.execute(select(Resident).where(Resident.iqama_number == iqama)).scalar_one()
        return row.passport_number, row.passport_expiry


def transactions(engine) -> int:
    with UnitOfWork(engine) as uow:
        return uow.session.execute(select(func.count()).select_from(Transaction)).scalar_one()


def slots_of(events):
    return {e["name"]: e["value"] for e in events if e["event"] == "slot"}


def test_a_photo_is_quoted_with_buttons_then_confirmed_once(world, engine):
    events, messages = run(ACTION, photo(OWNER, zone(), form="renew_iqama_form"))
    [offer] = messages
    assert "تحديث" in offer["text"] and "AB7654321" in offer["text"] and world.iqama in offer["text"]
    assert [b["title"] for b in offer["buttons"]] == ["تأكيد", "إلغاء"]
    assert {"event": "active_loop", "name": None, "timestamp": None} in events  # the open renewal form is closed
    slots = slots_of(events)
    quote, quote_id = slots["pending_quote"], slots["pending_quote_id"]
    assert quote["service"] == "update_passport"
    # the other establishment holds the same person (factories' default resident): never a candidate
    assert quote["resident_iqama"] == world.iqama != world.foreign
    assert quote["inputs"] == {
        "iqama_number": world.iqama,
        "passport_number": "AB7654321",
        "passport_expiry": "2035-03-01",
    }

    confirm = turn(
        OWNER,
        intent="affirm",
        entities={"quote_id": quote_id},
        slots={"pending_quote": quote, "pending_quote_id": quote_id},
    )
    _, receipt = run(ActionConfirmStep(), confirm)
    assert "تم التنفيذ" in receipt[0]["text"]
    _, again = run(ActionConfirmStep(), confirm)  # the same button again: its own receipt, nothing more
    assert passport(engine, world.iqama) == ("AB7654321", date(2035, 3, 1))
    assert transactions(engine) == 1
    assert again and transactions(engine) == 1


def answer(sender, mrz):
    events, messages = run(ACTION, photo(sender, mrz))
    assert "pending_quote_id" not in {k for k, v in slots_of(events).items() if v}
    [message] = messages
    assert "buttons" not in message or not message["buttons"]
    return message["text"]


def test_every_failure_is_answered_and_changes_nothing(world, engine):
    before = passport(engine, world.iqama)
    first, second = zone().split("\n")
    assert answer(OWNER, "") == translated(UNREADABLE)
    assert "أرقام التحقق" in answer(OWNER, first + "\n" + second[:9] + "0" + second[10:])
    assert "منتهي" in answer(OWNER, zone(expiry="261101"))
    assert "لم أجد مقيمًا" in answer(OWNER, zone(surname="NOBODY", given="REALLY", birth="700101"))
    assert answer(STRANGER, zone()) == translated(NOT_ACTIVATED)
    assert answer(OWNER, None) == translated(ASK_FOR_PHOTO)  # typed words about a photo, no zone
    assert passport(engine, world.iqama) == before
    assert transactions(engine) == 0


def test_the_photo_is_asked_for_in_the_language_written(world):
    _, messages = run(ACTION, turn(OWNER, "I have a new passport", intent="passport_photo"))
    assert messages[0]["text"] == (
        "Send a photo of the new passport's data page (the page with the photo and the two lines under it), and "
        "I will read the passport number and expiry date and offer to update the resident. Or write: update "
        "passport 2XXXXXXXXX"
    )
