"""An action run is one database transaction and resolves its actor once (it was two or three of each:
the activation check, then every domain call opened its own unit of work and looked the user up again)."""
from __future__ import annotations

import pytest

from residency.db import UnitOfWork
from residency.services import base
from tests.dialogue.conftest import OWNER
from tests.dialogue.helpers import texts
from tests.dialogue.test_confirmation import confirm, quoted


@pytest.fixture
def counted(monkeypatch):
    """Counts of units of work entered and of actor look-ups in the database."""
    counts = {"units_of_work": 0, "actor_lookups": 0}
    enter, load = UnitOfWork.__enter__, base._load_actor

    def counting_enter(self):
        counts["units_of_work"] += 1
        return enter(self)

    def counting_load(uow, telegram_id):
        counts["actor_lookups"] += 1
        return load(uow, telegram_id)

    monkeypatch.setattr(UnitOfWork, "__enter__", counting_enter)
    monkeypatch.setattr(base, "_load_actor", counting_load)
    return counts


def test_a_quote_run_is_one_transaction_with_one_actor_lookup(world, counted):
    pending, messages = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P12M")
    assert "الإجمالي: 10250 ريال" in texts(messages)
    assert counted == {"units_of_work": 1, "actor_lookups": 1}


def test_an_execution_run_is_one_transaction_with_one_actor_lookup(world, counted):
    pending, _ = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P12M")
    counted.update(units_of_work=0, actor_lookups=0)
    _, messages = confirm(OWNER, pending)
    assert "تم التنفيذ" in texts(messages)
    assert counted == {"units_of_work": 1, "actor_lookups": 1}
