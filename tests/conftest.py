"""Shared fixtures: a network blocker, a tiny knowledge base and a deterministic fake embedder."""

from __future__ import annotations

import hashlib
import ipaddress
import os
import signal
import socket
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import pytest
import requests

from actions.embedding import TextEmbedder
from actions.retrieval import tokenize
from actions.settings import PROJECT_ROOT
from scripts.localnet import free_port

TEST_KNOWLEDGE = Path(__file__).parent / "data" / "knowledge"
_real_connect = socket.socket.connect


def _is_loopback(address: object) -> bool:
    if isinstance(address, tuple) and address:
        host = str(address[0])
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False
    return True  # Unix sockets stay local


@pytest.fixture(autouse=True)
def request_blocker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests may talk to servers on loopback only; anything else is a bug (no internet here)."""

    def guarded_connect(self: socket.socket, address: object) -> None:
        if not _is_loopback(address):
            raise RuntimeError(f"test tried to reach the network: {address!r}")
        return _real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


class FakeEmbedder(TextEmbedder):
    """Hashes stemmed words into a small vector: similar wording gives similar vectors."""

    def __init__(self, dimensions: int = 64) -> None:
        super().__init__(model_path="fake", batch_size=8)
        self.dimensions = dimensions

    @property
    def model_name(self) -> str:
        return "fake-hash"

    def warm_up(self) -> None:
        return None

    def embed(self, texts: list[str], show_progress_bar: bool = False) -> np.ndarray:
        rows = np.zeros((len(texts), self.dimensions), dtype=np.float32)
        for row, text in enumerate(texts):
            for token in tokenize(text):
                bucket = int(hashlib.md5(token.encode()).hexdigest(), 16) % self.dimensions
                rows[row, bucket] += 1.0
        norms = np.linalg.norm(rows, axis=1, keepdims=True)
        return rows / np.where(norms == 0, 1.0, norms)


@pytest.fixture
def fake_embedder() -> FakeEmbedder:
    return FakeEmbedder()


@pytest.fixture
def knowledge_dir(tmp_path: Path) -> Path:
    """A writable copy of the tiny test knowledge base."""
    target = tmp_path / "knowledge"
    target.mkdir()
    for path in TEST_KNOWLEDGE.glob("*.md"):
        (target / path.name).write_text(path.read_text("utf-8"), "utf-8")
    return target


# The running stack: `make run` on free ports, shared by the REST and browser tests.
START_TIMEOUT = 240
# Set by an outer `make test` from *its* ports: a `make run` on other ports must derive its own.
MAKE_RUN_DERIVED = ("ACTION_ENDPOINT_URL", "CORS_ORIGINS", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")


class Stack:
    def __init__(self, rasa_port: int, actions_port: int, web_port: int) -> None:
        self.rasa = f"http://127.0.0.1:{rasa_port}"
        self.actions = f"http://127.0.0.1:{actions_port}"
        self.web = f"http://127.0.0.1:{web_port}"

    def ask(self, text: str, sender: str | None = None) -> list[dict]:
        response = requests.post(
            f"{self.rasa}/webhooks/rest/webhook",
            json={"sender": sender or uuid.uuid4().hex, "message": text},
            timeout=30,
        )
        response.raise_for_status()
        return response.json()

    def answer_text(self, text: str, sender: str | None = None) -> str:
        return "\n".join(message.get("text", "") for message in self.ask(text, sender))


def wait_until_ready(stack: Stack, process: subprocess.Popen) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        assert process.poll() is None, "make run exited early"
        try:
            health = requests.get(f"{stack.actions}/health", timeout=2)
            if health.ok and stack.ask("hello"):
                return
        except requests.RequestException:
            pass
        time.sleep(1)
    raise TimeoutError("the stack did not become ready")


@contextmanager
def make_run(data_dir: Path, **extra_env: str) -> Iterator[Stack]:
    """`make run` on free ports, conversations in `data_dir`; stopped with Ctrl-C (SIGINT)."""
    ports = free_port(), free_port(), free_port()
    env = {
        **os.environ,
        "RASA_PORT": str(ports[0]),
        "ACTIONS_PORT": str(ports[1]),
        "WEB_PORT": str(ports[2]),
        # Conversations of the test run go to a throw-away SQLite file, not var/.
        "TRACKER_DB": str(data_dir / "conversations.db"),
        **extra_env,
    }
    for name in MAKE_RUN_DERIVED:
        env.pop(name, None)
    process = subprocess.Popen(
        ["make", "--no-print-directory", "run"],
        cwd=PROJECT_ROOT,
        env=env,
        start_new_session=True,
    )
    running = Stack(*ports)
    running.tracker_db = Path(env["TRACKER_DB"])
    try:
        wait_until_ready(running, process)
        yield running
    finally:
        os.killpg(process.pid, signal.SIGINT)
        process.wait(timeout=60)
    for port in ports:
        with socket.socket() as sock:
            assert sock.connect_ex(("127.0.0.1", port)) != 0, f"port {port} still open after Ctrl-C"


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    with make_run(tmp_path_factory.mktemp("trackers")) as running:
        yield running
