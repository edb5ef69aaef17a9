"""Run the assistant's servers in the foreground; Ctrl-C (or SIGTERM) stops every one of them.

Usage: python -m scripts.run_stack --service NAME HEALTH_URL COMMAND [--service ...]
                                  [--open URL] [--try QUESTION ...]

Each service runs in its own process group. A service that dies is restarted, after 1 s, then
2, 4 ... up to 30 s if it keeps dying (back to 1 s once it has run for a minute). The
supervisor reports when each one answers its health URL and, the first time all of them do,
what to open (`--open`) and what to ask there (`--try`).
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass

POLL_SECONDS = 0.5
MAX_BACKOFF_SECONDS = 30.0
STABLE_SECONDS = 60.0  # a service that ran this long before dying restarts after 1 s again


@dataclass
class Service:
    name: str
    health_url: str
    command: list[str]
    process: subprocess.Popen | None = None
    restarts: int = 0
    ready: bool = False
    started_at: float = 0.0
    restart_at: float | None = None

    def start(self) -> None:
        self.process = subprocess.Popen(self.command, start_new_session=True)
        self.started_at = time.monotonic()
        self.ready = False
        self.restart_at = None
        log(f"{self.name}: started (pid {self.process.pid})")

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        os.killpg(self.process.pid, signal.SIGTERM)
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait()


@dataclass(frozen=True)
class Welcome:
    """What a newcomer is told once everything is ready: the page to open, questions to try."""

    url: str = ""
    questions: tuple[str, ...] = ()

    def lines(self) -> list[str]:
        lines = ["", f"Ready. Open the chat page:  {self.url}" if self.url else "Ready."]
        if self.questions:
            lines.append("Try asking:  " + ", then ".join(f'"{q}"' for q in self.questions))
        return [*lines, "Ctrl-C stops everything; LOG_LEVEL=debug shows every log line.", ""]


def log(message: str) -> None:
    print(f"[run_stack] {message}", flush=True)


def is_healthy(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


def supervise(services: list[Service], welcome: Welcome | None = None) -> None:
    """Keep every service running until a signal asks us to stop."""
    stopping = False
    welcomed = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    log(f"starting {', '.join(service.name for service in services)} (Ctrl-C stops them all)")
    for service in services:
        service.start()
    while not stopping:
        for service in services:
            check(service)
        if not welcomed and all(service.ready for service in services):
            welcomed = True
            print("\n".join((welcome or Welcome()).lines()), flush=True)
        time.sleep(POLL_SECONDS)
    log("stopping")
    for service in services:
        service.stop()


def check(service: Service) -> None:
    """Schedule a restart for a dead service, restart it when due, and report readiness."""
    assert service.process is not None
    code = service.process.poll()
    now = time.monotonic()
    if code is not None and service.restart_at is None:
        if now - service.started_at >= STABLE_SECONDS:
            service.restarts = 0
        backoff = min(MAX_BACKOFF_SECONDS, 2.0**service.restarts)
        log(f"{service.name}: exited with {code}; restarting in {backoff:.0f} s")
        service.restart_at = now + backoff
    elif code is not None and now >= service.restart_at:
        service.restarts += 1
        service.start()
    elif code is None and not service.ready and is_healthy(service.health_url):
        service.ready = True
        log(f"{service.name}: ready at {service.health_url} after {now - service.started_at:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--service",
        nargs=3,
        action="append",
        metavar=("NAME", "HEALTH_URL", "COMMAND"),
        required=True,
    )
    parser.add_argument("--open", default="", metavar="URL", help="the page to open when ready")
    parser.add_argument(
        "--try",
        dest="questions",
        action="append",
        default=[],
        metavar="QUESTION",
        help="a question to suggest asking there (repeatable)",
    )
    args = parser.parse_args()
    services = [Service(name, url, shlex.split(cmd)) for name, url, cmd in args.service]
    supervise(services, Welcome(args.open, tuple(args.questions)))
    sys.exit(0)


if __name__ == "__main__":
    main()
