"""Fixtures for the NLU component tests: model storage and execution context, no model training."""

from __future__ import annotations

import pytest
from rasa.engine.graph import ExecutionContext
from rasa.engine.storage.local_model_storage import LocalModelStorage


@pytest.fixture
def model_storage(tmp_path):
    return LocalModelStorage(tmp_path)


@pytest.fixture
def context():
    return ExecutionContext(graph_schema=None, node_name="test")
