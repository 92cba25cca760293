"""All training data under data/ uses only the SPEC's intent and entity names (SPEC section 5)."""

import subprocess
import sys
from pathlib import Path

import pytest
from rasa.shared.core.events import UserUttered
from rasa.shared.importers.importer import TrainingDataImporter

ROOT = Path(__file__).resolve().parents[2]

SPEC_INTENTS = {
    "issue_iqama",
    "renew_iqama",
    "issue_exit_reentry",
    "extend_exit_reentry",
    "cancel_exit_reentry",
    "issue_final_exit",
    "cancel_final_exit",
    "change_occupation",
    "transfer_sponsorship",
    "update_passport",
    "inquire_resident",
    "inquire_resident_by_name",
    "inquire_driving_license",
    "inquire_visa",
    "report_expiring_iqamas",
    "report_residents_abroad",
    "transaction_history",
    "account_status",
    "greet",
    "goodbye",
    "thank",
    "affirm",
    "deny",
    "cancel",
    "help",
    "bot_challenge",
    "inform",
    "out_of_scope",
    # release 2 (SPEC 9.4)
    "check_eligibility",
    "forecast_costs",
    "request_document",
    "pending_approvals",
    # beyond SPEC 9.4: the owner sets the approval threshold from chat (SPEC 9.3)
    "set_approval_threshold",
    # beyond SPEC 9.4: a passport photo's zone from the front end, and words about sending one (SPEC 9.3)
    "passport_photo",
    # release 3 (SPEC 10.4 names no intents): users from chat, the activity log, the establishment to work on
    "manage_users",
    "show_activity",
    "choose_establishment",
}
SPEC_ENTITIES = {
    "iqama_number",
    "border_number",
    "visa_number",
    "establishment_number",
    "passport_number",
    "duration",
    "visa_type",
    "occupation",
    "person_name",
    "date",
    # release 2 (SPEC 9.4)
    "service",
    "document_type",
    "resident_group",
}
SPEC_LOOKUPS = {"occupation"}


@pytest.fixture(scope="module")
def importer():
    return TrainingDataImporter.load_from_dict(training_data_paths=[str(ROOT / "data")])


def test_nlu_examples_use_spec_intents_and_entities(importer):
    nlu = importer.get_nlu_data()
    assert nlu.intent_examples, "no NLU training data found under data/"
    example_intents = {e.get("intent") for e in nlu.intent_examples if e.get("text")}
    assert example_intents <= SPEC_INTENTS, sorted(example_intents - SPEC_INTENTS)
    # Rasa's own nlu_fallback may appear through rules; no other name may.
    assert set(nlu.intents) <= SPEC_INTENTS | {"nlu_fallback"}, sorted(set(nlu.intents) - SPEC_INTENTS)
    assert set(nlu.entities) <= SPEC_ENTITIES, sorted(set(nlu.entities) - SPEC_ENTITIES)
    assert {t["name"] for t in nlu.lookup_tables} <= SPEC_LOOKUPS


def test_stories_and_rules_use_spec_intents_and_entities(importer):
    intents, entities = set(), set()
    for step in importer.get_stories().story_steps:
        for event in step.events:
            if isinstance(event, UserUttered) and event.intent_name:
                intents.add(event.intent_name)
                entities.update(e["entity"] for e in event.entities)
    assert intents <= SPEC_INTENTS | {"nlu_fallback"}, sorted(intents - SPEC_INTENTS)
    assert entities <= SPEC_ENTITIES, sorted(entities - SPEC_ENTITIES)


def test_entity_annotations_have_no_surrounding_spaces(importer):
    bad = [
        example.get("text")
        for example in importer.get_nlu_data().intent_examples
        for e in example.get("entities") or []
        if example.get("text")[e["start"] : e["end"]] != example.get("text")[e["start"] : e["end"]].strip()
    ]
    assert not bad, bad[:10]


def test_generated_occupation_lookup_is_up_to_date():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_lookups.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout


def test_generated_service_and_interruption_rules_are_up_to_date():
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_rules.py"), "--check"], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
