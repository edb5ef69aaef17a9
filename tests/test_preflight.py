"""scripts/preflight.py: a bad setting stops `make run` at once, naming the variable."""

import os
import subprocess
import time

import pytest

from actions.settings import PROJECT_ROOT
from scripts.preflight import problems

GOOD = {
    "RASA_AUTH_TOKEN": "a" * 24,
    "ACTION_ENDPOINT_URL": "http://127.0.0.1:5055/webhook",
    "CORS_ORIGINS": "http://localhost:8080 http://127.0.0.1:8080",
    "EMBEDDING_BACKEND": "torch",
    "RASA_PORT": "5005",
    "RETENTION_DAYS": "30",
    "RETRIEVAL_ABSTAIN_BELOW": "0.4",
    "TELEGRAM_SECRET_TOKEN": "abc_DEF-123",
}


def test_good_and_unset_settings_pass() -> None:
    assert problems(GOOD) == []
    assert problems({}) == []
    assert problems({"RASA_AUTH_TOKEN": "  "}) == []  # blank is unset: no API


@pytest.mark.parametrize(
    ("name", "value", "words"),
    [
        ("RASA_AUTH_TOKEN", "short", "at least 16"),
        ("ACTION_ENDPOINT_URL", "localhost:5055/webhook", "http(s) URL"),
        ("TELEGRAM_API_URL", "ftp://api.telegram.org", "http(s) URL"),
        ("EMBEDDING_BACKEND", "tensorflow", "onnx, torch"),
        ("CORS_ORIGINS", "http://ok.example not-a-url", "'not-a-url'"),
        ("WEB_PORT", "80800", "port number"),
        ("RETRIEVAL_ABSTAIN_BELOW", "high", "not a number"),
        ("ANSWER_MAX_SENTENCES", "0", "at least 1"),
        ("RETENTION_DAYS", "0", "at least 1"),
        ("RETENTION_DAYS", "90 days", "at least 1"),
        ("TELEGRAM_SECRET_TOKEN", "has spaces in it", "A-Z"),
    ],
)
def test_each_bad_setting_is_named(name: str, value: str, words: str) -> None:
    [problem] = problems({**GOOD, name: value})
    assert problem.startswith(f"{name}: ") and words in problem


@pytest.mark.stack
def test_make_run_stops_at_once_with_a_short_token() -> None:
    environment = {**os.environ, "RASA_AUTH_TOKEN": "short", "WEB_PORT": "1", "RASA_PORT": "2"}
    started = time.monotonic()
    run = subprocess.run(
        ["make", "--no-print-directory", "run"],
        env=environment,
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=300,
    )
    assert run.returncode != 0
    assert "preflight: RASA_AUTH_TOKEN: must be at least 16" in run.stderr
    assert "run_stack" not in run.stdout  # nothing was started
    assert time.monotonic() - started < 120
