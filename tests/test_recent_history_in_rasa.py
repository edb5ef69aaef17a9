"""Rasa with bot/cached_tracker_store.py answers a long conversation as Rasa's own store makes it.

The trained model (NLU and policies) handles the same messages three times: with Rasa's
SQLTrackerStore and Rasa's own action calls, then with the cached store holding only two recent
turns (so the short form is used from the fourth message on) and bot/action_call.py's calls, and
with two such stores on one database taking turns, as two replicas would. The custom actions are
a stand-in that reply with what the action server would read of the call Rasa sends: the message,
its intent, the slots and the subject named last.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from rasa.core.actions.action import RemoteAction
from rasa.core.agent import Agent
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import BotUttered, Event, SlotSet
from rasa.utils.endpoints import EndpointConfig

from actions.understanding.context import latest_subject
from bot import action_call
from bot.cached_tracker_store import CachedSQLTrackerStore
from tests.test_recent_history import DOMAIN
from tests.test_without_tensorflow import MODEL

pytestmark = pytest.mark.model

MESSAGES = [
    "hello",
    "what is indolent systemic mastocytosis?",
    "how is it treated?",
    "what is midostaurin?",
    "is it safe in pregnancy?",
    "/feedback_positive",
    "what about the KIT D816V mutation?",
    "is that inherited?",
    "what are the symptoms?",
    "my throat is closing and I can't breathe",
    "who won the world cup?",
    "thanks",
    "what causes it?",
    "/back",
    "/back",
    "/back",
    "can children grow out of cutaneous mastocytosis?",
    "what triggers a flare?",
    "and alcohol?",
    "/restart",
    "what is darier's sign?",
    "how is it diagnosed?",
    "/session_start",
    "is it inherited?",
    "forget about it, what is a mastocytoma?",
    "bye",
]
UNSTABLE = ("timestamp", "message_id", "metadata")


async def stand_in_action(
    self: RemoteAction, output_channel: Any, nlg: Any, tracker: Any, domain: Any
) -> list[Event]:
    """Reply with what the action server would read of the request Rasa sends it."""
    state = self._action_call_format(tracker, domain)["tracker"]
    message = state["latest_message"]
    subject = latest_subject(state["events"], state["slots"])
    slots = json.dumps(state["slots"], sort_keys=True)
    reply = f"{self.name()}: {message['text']} ({message['intent']['name']}) {subject} {slots}"
    return [BotUttered(reply), SlotSet("topic", message["text"][:20])]


def converse(stores: list[Any], messages: list[str]) -> list[list[dict[str, Any]]]:
    """The replies to each message; the agents (one per store) take turns."""
    endpoint = EndpointConfig("http://127.0.0.1:1/webhook")
    agents = [Agent.load(MODEL, tracker_store=s, action_endpoint=endpoint) for s in stores]

    async def run() -> list[list[dict[str, Any]]]:
        replies = []
        for number, text in enumerate(messages):
            agent = agents[number % len(agents)]
            replies.append(await agent.handle_text(text, sender_id="alice"))
        return replies

    return asyncio.run(run())


def stored_rows(database: Path) -> list[tuple[Any, ...]]:
    """The stored events, without their times and ids."""
    engine = sa.create_engine(f"sqlite:///{database}")
    with engine.connect() as connection:
        rows = connection.execute(
            sa.text("SELECT type_name, intent_name, action_name, data FROM events ORDER BY id")
        ).all()
    engine.dispose()
    stable = []
    for type_name, intent, action, data in rows:
        event = {k: v for k, v in json.loads(data).items() if k not in UNSTABLE}
        event.get("parse_data", {}).pop("message_id", None)
        stable.append((type_name, intent, action, json.dumps(event, sort_keys=True)))
    return stable


def test_answers_and_stored_events_are_those_of_rasas_own_store(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(RemoteAction, "run", stand_in_action)
    db = {name: tmp_path / f"{name}.db" for name in ("rasa", "cached", "replicas")}
    rasas = [SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db["rasa"]))]
    cached = [CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db["cached"]), keep_turns=2)]
    replicas = [
        CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db["replicas"]), keep_turns=2)
        for _ in range(2)
    ]
    monkeypatch.setattr(RemoteAction, "_action_call_format", action_call.RASA_ACTION_CALL_FORMAT)
    expected = converse(rasas, MESSAGES)
    assert any("midostaurin" in r.get("text", "") for reply in expected for r in reply)
    monkeypatch.setattr(RemoteAction, "_action_call_format", action_call.action_call_format)
    assert converse(cached, MESSAGES) == expected
    assert converse(replicas, MESSAGES) == expected
    assert stored_rows(db["cached"]) == stored_rows(db["rasa"])
    assert stored_rows(db["replicas"]) == stored_rows(db["rasa"])
