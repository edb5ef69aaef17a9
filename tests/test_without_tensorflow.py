"""bot/without_tensorflow.py: a model without TensorFlow components is served without TensorFlow."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.serve import model_argument
from bot.without_tensorflow import graph_components, needs_no_tensorflow

PROJECT_ROOT = Path(__file__).resolve().parent.parent
MODEL = PROJECT_ROOT / "models" / "mastobot.tar.gz"
OURS = [
    "bot.components.SentenceEmbeddingFeaturizer",
    "rasa.nlu.tokenizers.whitespace_tokenizer.WhitespaceTokenizer",
    "rasa.core.policies.rule_policy.RulePolicy",
]


def test_this_projects_model_needs_no_tensorflow() -> None:
    components = graph_components(MODEL)
    assert "rasa.core.policies.memoization.MemoizationPolicy" in components
    assert needs_no_tensorflow(components)


@pytest.mark.parametrize(
    "component",
    [
        "rasa.nlu.classifiers.diet_classifier.DIETClassifier",
        "rasa.core.policies.ted_policy.TEDPolicy",
        "rasa.core.policies.unexpected_intent_policy.UnexpecTEDIntentPolicy",
        "rasa.nlu.featurizers.dense_featurizer.lm_featurizer.LanguageModelFeaturizer",
        "rasa.nlu.selectors.response_selector.SomethingNew",  # from a stood-in module
        "someone_elses.components.Classifier",  # might import any of them
    ],
)
def test_a_model_with_another_component_keeps_tensorflow(component: str) -> None:
    assert not needs_no_tensorflow([*OURS, component])


def test_bot_serve_finds_the_model_rasa_will_serve() -> None:
    assert model_argument(["--model", "a.tar.gz", "--port", "1"]) == Path("a.tar.gz")
    assert model_argument(["-m", "a.tar.gz", "--model=b.tar.gz"]) == Path("b.tar.gz")
    assert model_argument(["--port", "1", "--model"]) is None
    assert model_argument([]) is None  # Rasa's default, the models folder: TensorFlow stays


def test_an_unreadable_model_changes_nothing(tmp_path: Path) -> None:
    script = (
        "import sys; from pathlib import Path; from bot import without_tensorflow as w; "
        f"print(w.install(Path({str(tmp_path)!r})), w.install(Path({str(tmp_path / 'x')!r})))"
    )
    assert run_python(script) == "False False"


def test_rasa_loads_the_model_without_tensorflow_and_stand_ins_refuse_to_work() -> None:
    script = f"""
import asyncio, sys
from pathlib import Path
from bot import without_tensorflow
assert without_tensorflow.install(Path({str(MODEL)!r}))
from rasa.core.agent import Agent
agent = Agent.load({str(MODEL)!r})
parsed = asyncio.run(agent.parse_message("what causes mastocytosis?"))
from rasa.nlu.classifiers.diet_classifier import DIETClassifier
try:
    DIETClassifier()
except without_tensorflow.NeedsTensorFlow:
    refused = True
loaded = sorted(name for name in ("tensorflow", "jax", "keras", "torch") if name in sys.modules)
print(parsed["intent"]["name"], refused, loaded)
"""
    assert run_python(script) == "ask_causes True []"


def run_python(script: str) -> str:
    """Run `script` in a fresh interpreter (nothing imported yet); its last line of output."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "RASA_TELEMETRY_ENABLED": "false"},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]
