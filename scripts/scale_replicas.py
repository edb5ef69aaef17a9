"""Rasa and action-server replicas as child processes, with their start-up time, memory and CPU.

Used by `scripts/scale_test.py`. A replica is one `python -m bot.serve --endpoints
bot/endpoints-scale.yml` (`rasa run`, as `make run` starts it) and its own action server
(ACTION_ENDPOINT_URL points at it), both on 127.0.0.1.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import requests

from scripts.localnet import free_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = PROJECT_ROOT / ".venv" / "bin"
MODEL = PROJECT_ROOT / "models" / "mastobot.tar.gz"
ENDPOINTS = PROJECT_ROOT / "bot" / "endpoints-scale.yml"
CREDENTIALS = PROJECT_ROOT / "bot" / "credentials.yml"
START_TIMEOUT = 240.0
STOP_TIMEOUT = 15.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")

# What the Makefile exports for every command: offline, no telemetry.
QUIET_ENVIRONMENT = {
    "RASA_TELEMETRY_ENABLED": "false",
    "SENTRY_DSN": "",
    "HF_HUB_OFFLINE": "1",
    "TRANSFORMERS_OFFLINE": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
    "PYTHONPATH": str(PROJECT_ROOT),
}


def process_tree(pid: int) -> list[int]:
    """`pid` and all of its descendants that are still running."""
    pids, pending = [], [pid]
    while pending:
        current = pending.pop()
        pids.append(current)
        for task in Path(f"/proc/{current}/task").glob("*/children"):
            try:
                pending.extend(int(child) for child in task.read_text().split())
            except OSError:
                continue
    return pids


def memory_mb(pid: int) -> dict[str, float]:
    """Resident memory now (VmRSS) and at its peak (VmHWM) of a process tree, in MB."""
    totals = {"rss_mb": 0.0, "peak_rss_mb": 0.0}
    for member in process_tree(pid):
        try:
            status = Path(f"/proc/{member}/status").read_text()
        except OSError:
            continue
        for line in status.splitlines():
            name, _, value = line.partition(":")
            key = {"VmRSS": "rss_mb", "VmHWM": "peak_rss_mb"}.get(name)
            if key:
                totals[key] += int(value.split()[0]) / 1024
    return {key: round(value, 1) for key, value in totals.items()}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time used so far by a process tree."""
    total = 0
    for member in process_tree(pid):
        try:
            fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLOCK_TICKS


@dataclass
class Server:
    """One child process with a health URL; `ready_after` is its start-up time in seconds."""

    name: str
    command: list[str]
    health_url: str
    env: dict[str, str]
    log_path: Path
    process: subprocess.Popen | None = None
    started_at: float = 0.0
    ready_after: float | None = None
    answering_after: float | None = None
    measured: dict[str, float] = field(default_factory=dict)

    def start(self) -> None:
        with open(self.log_path, "wb") as log_file:
            self.process = subprocess.Popen(
                self.command,
                cwd=PROJECT_ROOT,
                env=self.env,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.started_at = time.monotonic()

    def poll_ready(self) -> bool:
        """True once the health URL answers; raises if the process died first."""
        if self.ready_after is not None:
            return True
        assert self.process is not None
        if self.process.poll() is not None:
            raise RuntimeError(
                f"{self.name} exited with {self.process.returncode}: see {self.log_path}"
            )
        try:
            healthy = requests.get(self.health_url, timeout=2).ok
        except requests.RequestException:
            return False
        if healthy:
            self.ready_after = round(time.monotonic() - self.started_at, 1)
        return healthy

    def measure(self) -> dict[str, float]:
        """Memory and CPU now (kept, so a killed process still reports what it used)."""
        if self.is_running():
            assert self.process is not None
            self.measured = {
                **memory_mb(self.process.pid),
                "cpu_s": round(cpu_seconds(self.process.pid), 1),
            }
        return self.measured

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: a crash, not a shutdown."""
        if self.is_running():
            assert self.process is not None
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()

    def stop(self) -> None:
        if not self.is_running():
            return
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""


@dataclass
class Replica:
    """A Rasa process and the action server it calls."""

    name: str
    rasa: Server
    actions: Server

    @property
    def url(self) -> str:
        return self.rasa.health_url.rstrip("/")

    @property
    def servers(self) -> tuple[Server, Server]:
        return self.rasa, self.actions

    def warm_up(self) -> None:
        """Send a first message: Rasa loads the sentence embedder then, not at start-up."""
        response = requests.post(
            f"{self.url}/webhooks/rest/webhook",
            json={"sender": f"warm-up-{self.name}", "message": "hello"},
            timeout=START_TIMEOUT,
        )
        response.raise_for_status()
        self.rasa.answering_after = round(time.monotonic() - self.rasa.started_at, 1)


def make_replica(name: str, shared_env: dict[str, str], log_dir: Path) -> Replica:
    """Replica `name` on free ports: its Rasa calls its own action server on loopback."""
    rasa_port, actions_port = free_port(), free_port()
    env = {**os.environ, **QUIET_ENVIRONMENT, **shared_env}
    for name_only_for_make_run in ("ACTION_ENDPOINT_URL", "TRACKER_DB", "MAKEFLAGS", "MFLAGS"):
        env.pop(name_only_for_make_run, None)
    actions = Server(
        name=f"actions-{name}",
        command=[str(VENV_BIN / "python"), "-m", "actions.server", "--port", str(actions_port)],
        health_url=f"http://127.0.0.1:{actions_port}/health",
        env={**env, "SANIC_HOST": "127.0.0.1"},
        log_path=log_dir / f"actions-{name}.log",
    )
    rasa = Server(
        name=f"rasa-{name}",
        command=[
            str(VENV_BIN / "python"),
            "-m",
            "bot.serve",  # `rasa run`, without TensorFlow, as `make run` starts it
            "--model",
            str(MODEL),
            "--endpoints",
            str(ENDPOINTS),
            "--credentials",
            str(CREDENTIALS),
            "--interface",
            "127.0.0.1",
            "--port",
            str(rasa_port),
        ],
        health_url=f"http://127.0.0.1:{rasa_port}/",
        env={**env, "ACTION_ENDPOINT_URL": f"http://127.0.0.1:{actions_port}/webhook"},
        log_path=log_dir / f"rasa-{name}.log",
    )
    return Replica(name, rasa, actions)


def start_all(replicas: list[Replica], timeout: float = START_TIMEOUT) -> None:
    """Start every server at once (as a deployment would); wait until each answers a message."""
    servers = [server for replica in replicas for server in replica.servers]
    for server in servers:
        server.start()
    deadline = time.monotonic() + timeout
    # Poll every server on every round, so each one's start-up time is measured on its own.
    while not all([server.poll_ready() for server in servers]):
        if time.monotonic() > deadline:
            late = [server.name for server in servers if server.ready_after is None]
            raise TimeoutError(f"not ready after {timeout:.0f} s: {', '.join(late)}")
        time.sleep(0.5)
    with ThreadPoolExecutor(max_workers=len(replicas)) as pool:
        list(pool.map(Replica.warm_up, replicas))


def stop_all(replicas: list[Replica]) -> None:
    for replica in replicas:
        for server in replica.servers:
            server.stop()
