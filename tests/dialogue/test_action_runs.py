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


def test_a_request_completed_by_its_form_is_quoted_once_in_that_turn(world, monkeypatch):
    import residency.services as domain_services
    from actions import forms, services
    from tests.dialogue.helpers import run, slot_events, turn

    quoted_calls = []
    quote = domain_services.quote
    monkeypatch.setattr(
        domain_services, "quote", lambda *args, **kwargs: quoted_calls.append(1) or quote(*args, **kwargs)
    )

    def completing(message_id, prepared=None):
        tracker = turn(
            OWNER,
            "سنة",
            entities={"duration": "P12M"},
            form="renew_iqama_form",
            slots={"iqama_number": world.iqama, "requested_slot": "duration", "prepared_quote": prepared},
        )
        tracker.latest_message["message_id"] = message_id
        return tracker

    validated, _ = run(forms.VALIDATIONS_BY_SERVICE["renew_iqama"], completing("m1"))
    kept = slot_events(validated)["prepared_quote"]
    events, messages = run(services.ACTIONS_BY_SERVICE["renew_iqama"], completing("m1", kept))
    assert "الإجمالي: 10250 ريال" in texts(messages) and len(quoted_calls) == 1
    assert slot_events(events)["pending_quote"]["total"] == 10250
    # A quote kept from another message is never used: the rules run again.
    run(services.ACTIONS_BY_SERVICE["renew_iqama"], completing("m2", kept))
    assert len(quoted_calls) == 2
