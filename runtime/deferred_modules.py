"""Modules the Rasa server imports but does not use when serving, kept unimported until really used.

No component of config.yml uses TensorFlow, yet loading our model imported it (with keras, jax,
tensorboard, h5py...): a bare `import rasa.core.agent` peaked at 678 MB, and TensorFlow was about 370
of the Rasa server's 615 MB. Two modules on the serving path bring it in for work done only in training:
- rasa.utils.train_utils (which CRFEntityExtractor needs) imports the training callbacks
  (rasa.utils.tensorflow.callback) and the batch generator (rasa.utils.tensorflow.data_generator);
- the default recipe's validator (a node of every model's *train* schema, which Rasa deserialises when
  it loads a model but never runs when serving) imports DIETClassifier, ResponseSelector and TEDPolicy.
And matplotlib (rasa.utils.plotting: `rasa test`'s charts, imported with Rasa's HTTP API): 10 MB.

`install()` makes each of them a stand-in module until its first real use: the names other modules
import from it are placeholders, and the first real use of one (a call, a class attribute such as
`create`, isinstance / issubclass), or of any other name of the module, imports the real module and
hands over to it. So whatever does use them still works (training or testing in this process, a custom
component), and serving our model imports none of them. A model with a TensorFlow component still
loads: its classes come from their own modules, which are not deferred. Training in this process makes
every deferred module real first (REAL_WHEN_IMPORTED).
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

# module -> the classes the serving path imports from it without using them (placeholders until used);
# tests/runtime/test_rasa_server.py checks them against the installed libraries.
DEFERRED = {
    "rasa.utils.tensorflow.callback": ("RasaTrainingLogger", "RasaModelCheckpoint"),
    "rasa.utils.tensorflow.data_generator": ("RasaBatchDataGenerator",),
    "rasa.graph_components.validators.default_recipe_validator": ("DefaultV1RecipeValidator",),
    "rasa.utils.plotting": (),
}
# Imported by training alone (rasa.model_training), before it builds its graph: every deferred module becomes
# real first, so that training in this process (Rasa's POST /model/train) sees only real classes.
REAL_WHEN_IMPORTED = ("rasa.engine.validation",)


class DeferredClass(type):
    """The placeholder of a class of a deferred module: its first real use imports the real class."""

    def real(cls) -> type:
        return getattr(real_module(cls.__module__), cls.__name__)

    def __call__(cls, *args, **kwargs):
        return cls.real()(*args, **kwargs)

    def __getattr__(cls, name: str):
        if name.startswith("__"):  # probes such as hasattr(x, "__origin__") must not import TensorFlow
            raise AttributeError(name)
        return getattr(cls.real(), name)

    def __instancecheck__(cls, instance) -> bool:
        return isinstance(instance, cls.real())

    def __subclasscheck__(cls, subclass) -> bool:
        return issubclass(subclass, cls.real())


class StandIn(ModuleType):
    """A deferred module until its first real use: the placeholders of its classes; any other name
    imports the real module."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(real_module(self.__name__), name)


class _StandInLoader(importlib.abc.Loader):
    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        module = StandIn(spec.name)
        for name in DEFERRED[spec.name]:
            setattr(module, name, DeferredClass(name, (), {"__module__": spec.name, "__qualname__": name}))
        return module

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the real module runs on first use (real_module)."""


class _StandInFinder(importlib.abc.MetaPathFinder):
    """Imports a deferred module as its stand-in until real_module asks for the real one."""

    def __init__(self) -> None:
        self.realised: set[str] = set()

    def find_spec(self, fullname: str, path=None, target=None):
        if fullname in REAL_WHEN_IMPORTED:
            for name in DEFERRED:
                real_module(name)
        if fullname in DEFERRED and fullname not in self.realised:
            return importlib.machinery.ModuleSpec(fullname, _StandInLoader())
        return None


_FINDER = _StandInFinder()


def real_module(name: str) -> ModuleType:
    """The real module `name`, imported now in place of its stand-in (also on its parent package)."""
    _FINDER.realised.add(name)
    if isinstance(sys.modules.get(name), StandIn):
        del sys.modules[name]
    return importlib.import_module(name)


def install() -> None:
    """Defer the modules of DEFERRED not imported yet (call before Rasa is imported)."""
    if _FINDER not in sys.meta_path:
        sys.meta_path.insert(0, _FINDER)
