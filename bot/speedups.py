"""Remove work Rasa 3.6 repeats on every custom action call, found by profiling (README, Speed).

`RemoteAction._validate_action_result` checks each action server response against a JSON schema
with `jsonschema.validate`, which first validates the schema itself against the JSON Schema
meta-schema. That self-check was a quarter of the Rasa process's CPU time when answering
questions. `install()` makes Rasa build the validator once and check each response against it:
the same schema, the same errors (with Rasa's hint appended), none of the repeated self-check.

bot/channels.py, which Rasa imports at start-up, calls `install()`.
"""

from __future__ import annotations

import functools
from typing import Any

from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions import action as rasa_actions

_INSTALLED_FLAG = "_mastobot_speedup"
HINT = (
    ". Failed to validate Action server response from API, make sure your response from the "
    "Action endpoint is valid. For more information about the format visit "
    f"{rasa_actions.DOCS_BASE_URL}/custom-actions"
)


@functools.lru_cache(maxsize=1)
def response_validator() -> Any:
    """A validator for Rasa's action response schema, its schema checked once."""
    schema = rasa_actions.RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """What Rasa's `_validate_action_result` does, with a validator built once."""
    error = best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += HINT
        raise error
    return True


def install() -> None:
    """Patch Rasa's RemoteAction; calling it again does nothing."""
    if getattr(rasa_actions.RemoteAction._validate_action_result, _INSTALLED_FLAG, False):
        return
    setattr(validate_action_result, _INSTALLED_FLAG, True)
    rasa_actions.RemoteAction._validate_action_result = validate_action_result  # type: ignore[method-assign]
