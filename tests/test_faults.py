"""Faults: a dead service is restarted, and while the action server is away users are told so.

Unit tests cover the supervisor's back-off and `bot.resilience` (a refused connection, a hung
action server, a rejection, a failing handler). The `stack` tests kill the running stack's action
server and then Rasa mid-conversation, and check the reply during the outage and the recovery.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
import uuid
from pathlib import Path

import pytest
import rasa.core.actions.action as rasa_actions
import requests
from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import BotUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from bot import resilience, speedups
from bot.channels import MAX_MESSAGE_CHARS, guarded
from bot.resilience import UNAVAILABLE_REPLY
from scripts import run_stack
from scripts.localnet import free_port
from scripts.stack import service_pid
from tests.conftest import Stack

RECOVERY_TIMEOUT = 180


# --- the supervisor ---------------------------------------------------------------------


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    now = [1000.0]
    monkeypatch.setattr(run_stack.time, "monotonic", lambda: now[0])
    return now


def dying_service() -> run_stack.Service:
    command = [sys.executable, "-c", "import sys; sys.exit(3)"]
    return run_stack.Service("dies", f"http://127.0.0.1:{free_port()}/", command)


def test_a_dead_service_is_restarted_with_a_growing_back_off(clock: list[float]) -> None:
    service = dying_service()
    service.start()
    first = service.process
    first.wait()
    run_stack.check(service)
    assert service.restart_at == 1001.0
    run_stack.check(service)
    assert service.process is first  # not yet due
    clock[0] = 1001.0
    run_stack.check(service)
    assert service.process is not first and service.restarts == 1
    service.process.wait()
    run_stack.check(service)
    assert service.restart_at == 1003.0  # 2 s after the second death


def test_back_off_starts_again_after_a_long_healthy_run(clock: list[float]) -> None:
    service = dying_service()
    service.restarts = 5
    service.start()
    service.process.wait()
    clock[0] += run_stack.STABLE_SECONDS
    run_stack.check(service)
    assert service.restart_at == clock[0] + 1.0


def test_stop_ends_the_whole_process_group() -> None:
    command = [sys.executable, "-c", "import subprocess; subprocess.run(['sleep', '60'])"]
    service = run_stack.Service("sleeps", "http://127.0.0.1:1/", command)
    service.start()
    wait_for(lambda: len(live_group_members(service.process.pid)) == 2, timeout=10)
    service.stop(timeout=5)
    assert service.process.poll() is not None
    wait_for(lambda: not live_group_members(service.process.pid), timeout=5)


def live_group_members(group: int) -> list[int]:
    """Processes of a process group that are neither gone nor zombies."""
    members = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == group:
            members.append(int(stat.parent.name))
    return members


# --- bot.resilience ---------------------------------------------------------------------


def run_remote_action(url: str) -> list:
    resilience.install()
    action = rasa_actions.RemoteAction("action_answer_question", EndpointConfig(url))
    tracker = DialogueStateTracker.from_events("fault", [])
    nlg = TemplatedNaturalLanguageGenerator({})

    async def run_then_close() -> list:
        try:
            return await action.run(CollectingOutputChannel(), nlg, tracker, Domain.empty())
        finally:
            await speedups.close_kept_sessions()  # the HTTP session Rasa keeps (bot/speedups.py)

    return asyncio.run(run_then_close())


def test_an_unreachable_action_server_gets_the_user_an_apology() -> None:
    events = run_remote_action(f"http://127.0.0.1:{free_port()}/webhook")
    assert events == [BotUttered(UNAVAILABLE_REPLY)]


def test_a_hung_action_server_gets_the_user_an_apology_in_time(monkeypatch) -> None:
    resilience.install()
    monkeypatch.setattr(rasa_actions, "DEFAULT_REQUEST_TIMEOUT", 1)
    with socket.socket() as hung:  # accepts connections (backlog), never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen()
        started = time.monotonic()
        events = run_remote_action(f"http://127.0.0.1:{hung.getsockname()[1]}/webhook")
    assert events == [BotUttered(UNAVAILABLE_REPLY)]
    assert time.monotonic() - started < 5


def test_a_rejected_action_is_still_rejected(monkeypatch) -> None:
    async def reject(self, *args, **kwargs):
        raise rasa_actions.ActionExecutionRejection(self.name())

    monkeypatch.setattr(rasa_actions.RemoteAction, "run", reject)
    monkeypatch.setattr(rasa_actions, "DEFAULT_REQUEST_TIMEOUT", 300)
    with pytest.raises(rasa_actions.ActionExecutionRejection):
        run_remote_action("http://127.0.0.1:1/webhook")


def test_action_timeout_must_be_positive(monkeypatch) -> None:
    monkeypatch.setenv(resilience.ACTION_TIMEOUT_ENV, "0")
    with pytest.raises(ValueError):
        resilience.action_timeout_seconds()
    monkeypatch.delenv(resilience.ACTION_TIMEOUT_ENV)
    assert resilience.action_timeout_seconds() == resilience.DEFAULT_ACTION_TIMEOUT_SECONDS


def test_a_failure_while_handling_a_message_is_answered_and_text_is_capped() -> None:
    seen: list[str] = []

    async def failing(message: UserMessage) -> None:
        seen.append(message.text)
        raise RuntimeError("boom")

    output = CollectingOutputChannel()
    for text in ("x" * (MAX_MESSAGE_CHARS + 5), None):
        message = UserMessage("", output, "someone")
        message.text = text
        asyncio.run(guarded(failing)(message))
    assert seen == ["x" * MAX_MESSAGE_CHARS, ""]
    assert [m["text"] for m in output.messages] == [UNAVAILABLE_REPLY] * 2


# --- the running stack ------------------------------------------------------------------


def port_of(url: str) -> int:
    return int(url.rsplit(":", 1)[1])


def kill(module: str, port: int) -> int:
    """SIGKILL a service of the stack; returns once it is dead (its sockets closed)."""
    pid = service_pid(module, port)
    assert pid is not None, f"no {module} process on port {port}"
    os.kill(pid, signal.SIGKILL)
    wait_for(lambda: not is_alive(pid), timeout=10)
    return pid


def is_alive(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status  # a zombie waits for the supervisor, sockets closed


def wait_for(condition, timeout: float = RECOVERY_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except requests.RequestException:
            pass
        time.sleep(0.5)
    raise TimeoutError("the stack did not recover")


@pytest.mark.stack
def test_without_the_action_server_users_are_told_and_it_comes_back(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    assert "leuk" in stack.answer_text("tell me about mast cell leukemia", sender).lower()
    port = port_of(stack.actions)
    old = kill("actions.server", port)
    # The supervisor waits at least a second before restarting it: this question falls inside.
    assert stack.answer_text("what is the outlook?", sender) == UNAVAILABLE_REPLY
    # A new conversation's first message never waits for the action server: an emergency typed
    # first is answered with the steps alone (the session start is Rasa's own, bot/session.py).
    emergency = stack.answer_text("my throat is closing and I can't breathe", uuid.uuid4().hex)
    assert emergency.startswith("This may be anaphylaxis") and UNAVAILABLE_REPLY not in emergency
    wait_for(lambda: requests.get(f"{stack.actions}/health", timeout=2).ok)
    assert service_pid("actions.server", port) not in (None, old)
    reply = stack.answer_text("what is the outlook?", sender)
    assert "leuk" in reply.lower() and "](https://" in reply  # the conversation went on


@pytest.mark.stack
def test_a_killed_rasa_is_restarted_and_the_conversation_goes_on(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    assert "leuk" in stack.answer_text("tell me about mast cell leukemia", sender).lower()
    port = port_of(stack.rasa)
    old = kill("bot.serve", port)
    with pytest.raises(requests.ConnectionError):
        stack.ask("hello")
    wait_for(lambda: requests.get(f"{stack.rasa}/", timeout=2).ok)
    assert service_pid("bot.serve", port) not in (None, old)
    reply = stack.answer_text("what is the outlook?", sender)
    assert "leuk" in reply.lower() and "](https://" in reply
