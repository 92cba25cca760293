"""runtime.rasa_server: the cached action-response check accepts and refuses exactly what Rasa's does."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from runtime import rasa_server

GOOD = {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "مرحبا"}]}
BAD = {"events": [{"no_event_key": 1}], "responses": []}
ACTION = RemoteAction("action_example", None)


@pytest.mark.parametrize("result", [GOOD, {"events": [], "responses": []}])
def test_accepts_what_rasa_accepts(result):
    assert RemoteAction._validate_action_result(ACTION, result) is True
    assert rasa_server.validate_action_result(ACTION, result) is True


def test_refuses_what_rasa_refuses_with_rasas_message():
    with pytest.raises(ValidationError) as original:
        RemoteAction._validate_action_result(ACTION, BAD)
    with pytest.raises(ValidationError) as cached:
        rasa_server.validate_action_result(ACTION, BAD)
    assert str(cached.value.message) == str(original.value.message)


def test_the_servers_start_rasa_through_it():
    from runtime.servers import ServerSettings, rasa_process

    argv = rasa_process(ServerSettings(), endpoints=ServerSettings().var_dir / "e.yml").argv
    assert argv[1:4] == ["-m", "runtime.rasa_server", "run"]


@pytest.mark.parametrize(("owner", "attribute", "replacement"), rasa_server.PATCHES)
def test_every_patched_attribute_exists_in_the_installed_rasa(owner, attribute, replacement):
    assert attribute in vars(owner), f"{owner.__name__}.{attribute} is gone: review runtime/rasa_server.py"


def test_the_loaded_model_is_left_out_of_the_full_garbage_collections(monkeypatch):
    """Issue 24 item 6: a full collection walked the model's 230,000-500,000 objects with the loop stopped."""
    import asyncio
    import gc

    async def load_agent_on_start(*args, **kwargs):
        return "agent"

    monkeypatch.setattr(rasa_server, "_original_load_agent_on_start", load_agent_on_start)
    try:
        assert asyncio.run(rasa_server.load_agent_then_freeze("models", None, None, None, None)) == "agent"
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def _tracker(*events):
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.trackers import DialogueStateTracker

    domain = Domain.from_yaml(
        "version: '3.1'\nslots:\n  pending_quote:\n    type: any\n    mappings: [{type: custom}]\n"
        "  iqama_number:\n    type: text\n    mappings: [{type: custom}]\n"
        "forms:\n  renew_iqama_form:\n    required_slots: [iqama_number]\n"
    )
    return DialogueStateTracker.from_events("1", list(events), domain.slots)


def test_a_session_closes_after_a_request_with_no_form_active():
    from rasa.shared.core.events import ActiveLoop, SlotSet, UserUttered

    assert not rasa_server.request_closed(_tracker())  # nothing said yet
    assert rasa_server.request_closed(_tracker(UserUttered("جدد اقامة")))
    assert not rasa_server.request_closed(_tracker(UserUttered("جدد اقامة"), ActiveLoop("renew_iqama_form")))
    carried = rasa_server.carried_slots(
        _tracker(
            UserUttered("x"),
            SlotSet("iqama_number", "2"),
            SlotSet("iqama_number", "3"),
            SlotSet("pending_quote", {"a": 1}),
        )
    )
    assert sorted((event.key, str(event.value)) for event in carried) == [
        ("iqama_number", "3"),
        ("pending_quote", "{'a': 1}"),
    ]


def test_the_rasa_server_gets_the_api_token_from_the_environment_not_the_command_line():
    argv = ["rasa", "run", "--enable-api"]
    assert rasa_server.with_auth_token(argv, {"MUQEEM_HOP_TOKEN": "s3cret"}) == [*argv, "--auth-token=s3cret"]
    assert rasa_server.with_auth_token(["rasa", "run"], {"MUQEEM_HOP_TOKEN": "s3cret"}) == ["rasa", "run"]


def test_a_token_beginning_with_a_dash_reaches_rasa_as_the_token():
    """secrets.token_urlsafe may begin with "-": Rasa's own parser must read it as the token, not an option."""
    from rasa.__main__ import create_argument_parser

    argv = rasa_server.with_auth_token(["run", "--enable-api"], {"MUQEEM_HOP_TOKEN": "-Xa_9"})
    assert create_argument_parser().parse_args(argv).auth_token == "-Xa_9"
