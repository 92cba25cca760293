"""What our graph components share: the base of those that learn nothing, and reading back what a trained
one stored."""

from __future__ import annotations

from typing import Any, Dict, Optional, Text

import rasa.shared.utils.io
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage


class Stateless(GraphComponent):
    """A component without configuration that learns nothing: created (and loaded) as `cls()`."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "Stateless":
        return cls()


def read_stored_json(model_storage: ModelStorage, resource: Resource, filename: str) -> Optional[Dict[str, Any]]:
    """The JSON file a trained component persisted under `resource`; None when it never trained."""
    try:
        with model_storage.read_from(resource) as directory:
            return rasa.shared.utils.io.read_json_file(directory / filename)
    except ValueError:
        return None
