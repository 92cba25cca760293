"""bot.rasa_server: the cached action-response check accepts and refuses exactly what Rasa's does."""
import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from bot import rasa_server

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
    from bot.servers import ServerSettings, rasa_process

    argv = rasa_process(ServerSettings(), endpoints=ServerSettings().var_dir / "e.yml").argv
    assert argv[1:4] == ["-m", "bot.rasa_server", "run"]
