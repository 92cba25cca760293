"""`python -m bot.rasa_server run ...`: Rasa's own command line with two measured speed-ups applied.

- Rasa 3.6 checks every action-server response with `jsonschema.validate`, which re-checks the schema
  itself on every call: 27-40 ms of a ~65 ms turn on this machine (results/bench.md). Here the
  validator is built once and reused; the check itself and its error message are unchanged.
- Every event of a conversation, on every message, is deserialised through `all_subclasses(Event)`,
  which walks the class tree each time; the classes do not change once Rasa has started, so the
  walk is cached (a long conversation's turn went from ~92 to ~65 ms).
Everything else is `rasa` as installed (`muqeem servers` starts the Rasa server through this module).
"""
from __future__ import annotations

from functools import lru_cache
from typing import Any

import rasa.shared.utils.common
from jsonschema import ValidationError
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction

_original_validate = RemoteAction._validate_action_result


@lru_cache(maxsize=1)
def _response_validator():
    spec = RemoteAction.action_response_format_spec()
    validator_class = validator_for(spec)
    validator_class.check_schema(spec)
    return validator_class(spec)


def validate_action_result(self: RemoteAction, result: dict[str, Any]) -> bool:
    """RemoteAction._validate_action_result with the schema validator built once."""
    try:
        _response_validator().validate(result)
    except ValidationError:
        return _original_validate(self, result)  # raises with Rasa's own message
    return True


def apply() -> None:
    RemoteAction._validate_action_result = validate_action_result
    # Called as rasa.shared.utils.common.all_subclasses(...) at run time, so the module attribute is
    # what to replace; the cache is filled after start-up, when every class exists.
    rasa.shared.utils.common.all_subclasses = lru_cache(maxsize=None)(rasa.shared.utils.common.all_subclasses)


if __name__ == "__main__":
    apply()
    from rasa.__main__ import main

    main()
