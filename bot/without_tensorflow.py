"""Serve a model that needs no TensorFlow without importing TensorFlow.

Rasa 3.6 imports TensorFlow (with the JAX it pulls in: about 450 MB resident and 2 s at start-up)
in every process, because five of its modules import it at the top: the training callbacks and
data generator, which its dialogue featurizers reach through its training helpers, and
DIETClassifier, ResponseSelector and TEDPolicy, which its recipe lists among the components it
knows. This assistant's model uses none of them (config.yml: its own classifiers, the
MemoizationPolicy and the RulePolicy), and nothing else that serves it touches TensorFlow.

`install(model)` reads the model's prediction graph. When every component in it is one of
Rasa's that does not use TensorFlow, or one of this project's (`bot.*`), it puts stand-ins for
those five modules in place before Rasa is imported: any name imported from them is a class
that raises `NeedsTensorFlow` when instantiated. Any other model (DIET, TED, a component from
elsewhere) or a model that cannot be read leaves Rasa's imports untouched. TensorFlow itself is
never replaced: a component that imports it gets the real one.

Only bot/serve.py, which starts the server, calls it: training, `rasa test` and the tests import
Rasa as usual. The server it starts cannot train (Rasa's /model/train API).
"""

from __future__ import annotations

import importlib.abc
import importlib.machinery
import json
import sys
import tarfile
import types
from collections.abc import Iterable
from pathlib import Path

# The modules of Rasa 3.6 that import TensorFlow while a server starts.
TENSORFLOW_MODULES = (
    "rasa.utils.tensorflow.callback",
    "rasa.utils.tensorflow.data_generator",
    "rasa.nlu.classifiers.diet_classifier",
    "rasa.nlu.selectors.response_selector",
    "rasa.core.policies.ted_policy",
)
# Rasa's components that need TensorFlow, directly or through one of those modules.
TENSORFLOW_COMPONENTS = frozenset(
    {
        "DIETClassifier",
        "ResponseSelector",
        "TEDPolicy",
        "UnexpecTEDIntentPolicy",
        "LanguageModelFeaturizer",
        "ConveRTFeaturizer",
    }
)
PROJECT_PACKAGE = "bot."


class NeedsTensorFlow(RuntimeError):
    """A stand-in for a TensorFlow component was used: the server was started without it."""


def graph_components(model: Path) -> list[str]:
    """The class paths of the components in a trained model's prediction graph."""
    with tarfile.open(model, "r:gz") as archive:
        member = next(m for m in archive.getmembers() if m.name.lstrip("/") == "metadata.json")
        handle = archive.extractfile(member)
        if handle is None:
            raise ValueError(f"{model}: metadata.json is not a file")
        metadata = json.load(handle)
    return [node["uses"] for node in metadata["predict_schema"]["nodes"].values()]


def needs_no_tensorflow(components: Iterable[str]) -> bool:
    """True when every component is Rasa's and TensorFlow-free, or this project's."""
    for path in components:
        if path.startswith(PROJECT_PACKAGE):
            continue
        if not path.startswith("rasa.") or path.rsplit(".", 1)[-1] in TENSORFLOW_COMPONENTS:
            return False
        if path.rsplit(".", 1)[0] in TENSORFLOW_MODULES:
            return False
    return True


def stand_in(module_name: str) -> types.ModuleType:
    """A module whose every public name is a class that refuses to be instantiated."""
    module = types.ModuleType(module_name, f"Stand-in for {module_name} (bot/without_tensorflow)")

    def missing(name: str) -> type:
        if name.startswith("__"):
            raise AttributeError(name)

        def refuse(*_args: object, **_kwargs: object) -> None:
            raise NeedsTensorFlow(
                f"{module_name}.{name} needs TensorFlow, which bot/without_tensorflow.py kept out "
                "of this server because its model does not use it"
            )

        placeholder = type(name, (), {"__init__": refuse, "__module__": module_name})
        setattr(module, name, placeholder)
        return placeholder

    module.__getattr__ = missing  # type: ignore[method-assign]
    return module


class _StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Serves the stand-ins for TENSORFLOW_MODULES; every other import is left alone."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname in TENSORFLOW_MODULES:
            return importlib.machinery.ModuleSpec(fullname, self)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return stand_in(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        return None


def installed() -> bool:
    return any(isinstance(finder, _StandInFinder) for finder in sys.meta_path)


def install(model: Path) -> bool:
    """Keep TensorFlow out of this process if `model` does not need it; True if it did so.

    Call before anything imports Rasa; afterwards (or for a directory, as Rasa's `--model` also
    allows, or an unreadable model) it changes nothing and returns False.
    """
    if installed():
        return True
    if any(name in sys.modules for name in (*TENSORFLOW_MODULES, "tensorflow")):
        return False
    try:
        components = graph_components(model)
    except (OSError, tarfile.TarError, ValueError, KeyError, StopIteration):
        return False
    if not needs_no_tensorflow(components):
        return False
    sys.meta_path.insert(0, _StandInFinder())
    return True
