"""Start the assistant with `make run` on free ports: for the tests, soak, benchmark and eval.

`running_stack()` is a context manager: it starts `make run` with its own ports and a throw-away
conversation store, waits until Rasa answers a message, yields a `RunningStack` (URLs, process
ids, how long each server took to become ready) and stops everything with Ctrl-C (SIGINT).
`reply_problem()` says what is wrong with a REST reply, if anything.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import requests

from bot.resilience import UNAVAILABLE_REPLY
from scripts.localnet import free_port

PROJECT_ROOT = Path(__file__).resolve().parent.parent
START_TIMEOUT = 300
# The Python module each `make run` service runs (`python -m ...`).
SERVICES = {"actions": "actions.server", "rasa": "bot.serve", "web": "scripts.serve_web"}
# Set by an outer make from its own ports; a nested `make run` derives its own.
MAKE_DERIVED = ("ACTION_ENDPOINT_URL", "CORS_ORIGINS", "MAKEFLAGS", "MAKELEVEL", "MFLAGS")
READY = re.compile(r"\[run_stack\] (\w+): ready at \S+ after ([\d.]+) s")


@dataclass
class RunningStack:
    ports: dict[str, int]
    log: Path
    pids: dict[str, int] = field(default_factory=dict)
    # Seconds from the start of each server's process until it answered its health URL.
    ready_seconds: dict[str, float] = field(default_factory=dict)

    @property
    def rest_url(self) -> str:
        return f"http://127.0.0.1:{self.ports['rasa']}/webhooks/rest/webhook"

    def memory_kb(self, field_name: str = "VmHWM") -> dict[str, int]:
        """A /proc/<pid>/status figure of each server: VmHWM is the peak resident set."""
        return {name: status_kb(pid, field_name) for name, pid in self.pids.items()}

    def cpu_seconds(self) -> dict[str, float]:
        """The CPU time (user + system) each server has used so far."""
        return {name: cpu_seconds(pid) for name, pid in self.pids.items()}


def service_pid(module: str, port: int) -> int | None:
    """The pid of the `python -m <module> ... --port <port>` process, if one is running."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            continue
        if args[1:3] == ["-m", module] and "--port" in args and str(port) in args:
            return int(entry.name)
    return None


def status_kb(pid: int, field_name: str) -> int:
    """A figure in kB from /proc/<pid>/status (VmRSS, VmHWM, ...)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field_name}:"):
            return int(line.split()[1])
    raise ValueError(f"no {field_name} for pid {pid}")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds of a process, from /proc/<pid>/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ready_times(log_text: str) -> dict[str, float]:
    """The run_stack supervisor's "<service>: ready ... after N s" lines, latest per service."""
    return {name: float(seconds) for name, seconds in READY.findall(log_text)}


def _answers(stack: RunningStack) -> bool:
    try:
        health = requests.get(f"http://127.0.0.1:{stack.ports['actions']}/health", timeout=2)
        reply = requests.post(stack.rest_url, json={"sender": "probe", "message": "hi"}, timeout=30)
        return health.ok and reply.ok and bool(reply.json())
    except (requests.RequestException, ValueError):
        return False


def reply_problem(response: requests.Response) -> str | None:
    """Why a REST reply counts as an error, or None if it is a good one.

    An error is a status other than 200, an empty reply, or the "can't look that up" apology
    that users get when the action server is unavailable.
    """
    if response.status_code != 200:
        return f"HTTP {response.status_code}: {response.text[:200]}"
    replies = response.json()
    if not replies:
        return "empty reply"
    if any(reply.get("text") == UNAVAILABLE_REPLY for reply in replies):
        return "the action server was unavailable"
    return None


@contextmanager
def running_stack(
    log: Path, tracker_db: Path | None = None, **extra_env: str
) -> Iterator[RunningStack]:
    """`make run` on free ports, its output in `log`; stopped with SIGINT on leaving.

    `tracker_db`: where conversations are stored (default: a throw-away file); `extra_env`:
    more environment for `make run` (a token, Telegram settings).
    """
    ports = {name: free_port() for name in SERVICES}
    with tempfile.TemporaryDirectory() as scratch:
        env = {
            **os.environ,
            "ACTIONS_PORT": str(ports["actions"]),
            "RASA_PORT": str(ports["rasa"]),
            "WEB_PORT": str(ports["web"]),
            "TRACKER_DB": str(tracker_db or Path(scratch) / "conversations.db"),
            **extra_env,
        }
        for name in MAKE_DERIVED:
            env.pop(name, None)
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("w") as output:
            process = subprocess.Popen(
                ["make", "--no-print-directory", "run"],
                cwd=PROJECT_ROOT,
                env=env,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        stack = RunningStack(ports, log)
        try:
            deadline = time.monotonic() + START_TIMEOUT
            while not _answers(stack):
                if process.poll() is not None:
                    raise RuntimeError(f"make run exited early; see {log}")
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the stack did not become ready; see {log}")
                time.sleep(0.5)
            # The supervisor polls health every 0.5 s: its "ready" lines can trail our probe.
            while set(ready_times(log.read_text(errors="replace"))) < set(SERVICES):
                if time.monotonic() > deadline:
                    raise TimeoutError(f"the supervisor did not report every server; see {log}")
                time.sleep(0.2)
            stack.ready_seconds = ready_times(log.read_text(errors="replace"))
            for name, module in SERVICES.items():
                pid = service_pid(module, ports[name])
                if pid is None:
                    raise RuntimeError(f"{name} is not running; see {log}")
                stack.pids[name] = pid
            yield stack
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=60)
