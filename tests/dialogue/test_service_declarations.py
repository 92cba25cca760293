"""Each service declares once what the dialogue needs (residency/services/base.py `Service`): its inputs
named as domain.yml's slots, the visa kind of the services taking an iqama or a visa number, the
parameter a differently named slot fills. Everything the actions and the rules generator know about a
service's inputs is read from these declarations."""

from __future__ import annotations

import inspect
import sys
from pathlib import Path

import pytest

from actions import services as actions_services
from residency.services import NUMBER, SERVICES
from residency.services.base import NUMBER_SLOTS
from tests.dialogue.helpers import DOMAIN

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import gen_rules  # noqa: E402  (scripts/ is not a package)

DECLARED = sorted(SERVICES)


def quote_parameters(service: str) -> set[str]:
    return set(list(inspect.signature(SERVICES[service].quote).parameters)[1:])  # after ctx


@pytest.mark.parametrize("service", DECLARED)
def test_every_service_declares_inputs_that_are_slots_of_the_domain(service):
    inputs = SERVICES[service].inputs
    assert inputs, f"{service} declares no inputs"
    assert len(set(inputs)) == len(inputs)
    assert set(inputs) <= set(DOMAIN["slots"]), sorted(set(inputs) - set(DOMAIN["slots"]))


@pytest.mark.parametrize("service", DECLARED)
def test_the_declared_inputs_fill_exactly_the_quote_parameters(service):
    handler = SERVICES[service]
    assert {handler.parameter(slot) for slot in handler.inputs} == quote_parameters(service)
    assert set(handler.check_defaults) <= quote_parameters(service)
    assert set(handler.former_inputs.values()) <= quote_parameters(service)


@pytest.mark.parametrize("service", DECLARED)
def test_a_service_taking_an_iqama_or_a_visa_number_declares_both_slots(service):
    handler = SERVICES[service]
    takes_number = NUMBER in quote_parameters(service)
    assert takes_number == (handler.visa_kind is not None)
    if takes_number:
        assert set(NUMBER_SLOTS) <= set(handler.inputs)
        assert handler.visa_kind in ("exit_reentry", "final_exit")


def test_each_form_asks_for_exactly_the_declared_inputs():
    """domain.yml's service forms are generated from the declarations (scripts/gen_rules.py)."""
    assert set(gen_rules.SERVICES) == set(SERVICES)
    for service, handler in SERVICES.items():
        assert DOMAIN["forms"][f"{service}_form"]["required_slots"] == list(handler.inputs)


def test_the_generated_blocks_of_the_domain_follow_the_declarations():
    text = gen_rules.DOMAIN.read_text(encoding="utf-8")
    assert gen_rules.missing_blocks(text) == []
    assert gen_rules.domain_text(text) == text
    renamed = text.replace("required_slots: [iqama_number, duration]", "required_slots: [duration]", 1)
    assert gen_rules.domain_text(renamed) == text  # a hand edit inside a block is undone
    assert gen_rules.missing_blocks(text.replace("# END generated quote actions", "#")) == ["quote actions"]


def test_the_actions_read_the_declarations():
    assert actions_services.SERVICE_INPUTS == {service: SERVICES[service].inputs for service in SERVICES}
    assert actions_services.VISA_KINDS == {
        "extend_exit_reentry": "exit_reentry",
        "cancel_exit_reentry": "exit_reentry",
        "cancel_final_exit": "final_exit",
    }
    slots = {"iqama_number": "2123456789", "visa_number": None, "duration": "P2M", "date": "2035-01-01"}
    assert actions_services.quote_inputs("extend_exit_reentry", slots.get) == {
        "number": "2123456789",
        "duration": "P2M",
    }
    slots["visa_number"] = "6123456789"
    assert actions_services.quote_inputs("cancel_exit_reentry", slots.get) == {"number": "6123456789"}
    assert actions_services.quote_inputs("update_passport", {**slots, "passport_number": "A1234567"}.get) == {
        "iqama_number": "2123456789",
        "passport_number": "A1234567",
        "passport_expiry": "2035-01-01",
    }
    assert actions_services.input_slots("update_passport") == {"iqama_number", "passport_number", "date"}


@pytest.mark.parametrize("service", DECLARED)
def test_each_service_gets_its_actions_and_words_from_its_declaration(service):
    """Nothing in actions/ is written per service: its quote action, its form's validation, the answer to
    "كم الرسوم؟" in its form and its questions come from the class (issue 21)."""
    from actions import forms, prompts
    from actions.render import fee_rules
    from replies import language

    assert actions_services.ACTIONS_BY_SERVICE[service].name() == f"action_quote_{service}"
    assert forms.VALIDATIONS_BY_SERVICE[service].name() == f"validate_{service}_form"
    assert {f"action_quote_{service}", f"validate_{service}_form"} <= set(DOMAIN["actions"])
    for code in ("ar", "en"):
        with language(code):
            rules = fee_rules(service)
            assert rules and "{" not in rules  # every figure filled in from rules.yml
            question, buttons = prompts.AskDuration().question(service)
            if "duration" in SERVICES[service].questions:
                assert "{" not in question and (buttons != []) == SERVICES[service].iqama_periods
    assert SERVICES[service].button is not None or service == "transfer_sponsorship"  # never under a card
