"""runtime.deferred_modules: what the Rasa server defers exists in the installed libraries, a placeholder
hands over to the real module on first use, and serving our model imports neither TensorFlow nor matplotlib
(issue 24 item 5: TensorFlow was about 370 MB of the Rasa server's 615 MB)."""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from runtime import deferred_modules
from runtime.servers import PROJECT_ROOT, find_model

EXAMPLE = """
class Thing:
    def __init__(self, value):
        self.value = value

    @classmethod
    def create(cls, value):
        return cls(value)


OTHER = "other"
"""


def _real_source(module: str) -> str:
    parent, _, _ = module.rpartition(".")
    spec = importlib.machinery.PathFinder.find_spec(module, importlib.import_module(parent).__path__)
    assert spec is not None, f"{module} is gone from the installed libraries: review runtime/deferred_modules.py"
    return Path(spec.origin).read_text(encoding="utf-8")


@pytest.mark.parametrize(("module", "names"), deferred_modules.DEFERRED.items())
def test_every_deferred_module_and_class_exists_in_the_installed_libraries(module, names):
    tree = ast.parse(_real_source(module))
    classes = {node.name for node in tree.body if isinstance(node, ast.ClassDef)}
    assert set(names) <= classes


@pytest.mark.parametrize("module", deferred_modules.REAL_WHEN_IMPORTED)
def test_the_training_modules_that_make_everything_real_exist(module):
    assert _real_source(module)


@pytest.fixture
def example(tmp_path, monkeypatch):
    """A deferred module of our own (deferred_example.Thing) and a module whose import makes it real."""
    (tmp_path / "deferred_example.py").write_text(EXAMPLE)
    (tmp_path / "deferred_trainer.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(deferred_modules, "DEFERRED", {"deferred_example": ("Thing",)})
    monkeypatch.setattr(deferred_modules, "REAL_WHEN_IMPORTED", ("deferred_trainer",))
    monkeypatch.setattr(deferred_modules._FINDER, "realised", set())
    deferred_modules.install()
    yield
    for name in ("deferred_example", "deferred_trainer"):
        sys.modules.pop(name, None)


def test_a_placeholder_hands_over_to_the_real_class_on_first_use(example):
    from deferred_example import Thing

    assert isinstance(sys.modules["deferred_example"], deferred_modules.StandIn)
    thing = Thing(3)
    assert type(thing).__module__ == "deferred_example" and thing.value == 3
    assert not isinstance(sys.modules["deferred_example"], deferred_modules.StandIn)
    assert isinstance(thing, Thing) and issubclass(type(thing), Thing)
    assert Thing.create(4).value == 4
    assert not hasattr(Thing, "__origin__")  # a typing probe is answered without importing anything


def test_any_other_name_of_a_deferred_module_makes_it_real(example):
    import deferred_example

    assert isinstance(deferred_example, deferred_modules.StandIn)
    assert deferred_example.OTHER == "other"
    assert not isinstance(sys.modules["deferred_example"], deferred_modules.StandIn)


def test_training_in_the_process_makes_every_deferred_module_real_first(example):
    import deferred_example  # noqa: F401
    import deferred_trainer  # noqa: F401

    assert not isinstance(sys.modules["deferred_example"], deferred_modules.StandIn)


SERVE = """
import asyncio, json, sys
from runtime import rasa_server
rasa_server.apply()
import rasa.core.run, rasa.server, runtime.rest_channel
from rasa.core.agent import load_agent
agent = asyncio.run(load_agent(model_path=sys.argv[1]))
parsed = asyncio.run(agent.parse_message("جدد اقامة 2180967925 سنة"))
heavy = sorted(name for name in ("tensorflow", "matplotlib") if name in sys.modules)
print(json.dumps({"intent": parsed["intent"]["name"], "imported": heavy}))
"""


def test_serving_our_model_imports_neither_tensorflow_nor_matplotlib():
    model = find_model(PROJECT_ROOT / "models")
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false", "SQLALCHEMY_SILENCE_UBER_WARNING": "1"}
    served = subprocess.run(
        [sys.executable, "-c", SERVE, str(model)],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    result = json.loads(served.stdout.strip().splitlines()[-1])
    assert result == {"intent": "renew_iqama", "imported": []}
