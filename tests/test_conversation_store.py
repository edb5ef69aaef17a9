"""bot/conversation_store.py on a real SQLite file: deletion on request and after retention."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
import yaml
from rasa.core.tracker_store import TrackerStore
from rasa.core.utils import AvailableEndpoints
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.settings import PROJECT_ROOT
from bot.conversation_store import (
    FORGET_RESPONSE,
    ForgettingTrackerStore,
    configured_retention_days,
)

DOMAIN = Domain.load(str(PROJECT_ROOT / "bot" / "domain.yml"))
DAY = 24 * 60 * 60


def turn(text: str, reply: str, at: float | None = None) -> list[Event]:
    """A question and its answer, as Rasa stores a turn (optionally `at` a past time)."""
    stamp = {"timestamp": at} if at is not None else {}
    return [
        UserUttered(text, {"name": "ask_what_is"}, **stamp),
        ActionExecuted("utter_greet", **stamp),
        BotUttered(reply, **stamp),
        ActionExecuted("action_listen", **stamp),
    ]


FORGET_TURN = [
    UserUttered("/forget", {"name": "forget"}),
    ActionExecuted(FORGET_RESPONSE),
    BotUttered("Done: I've deleted this conversation"),
    ActionExecuted("action_listen"),
]


@pytest.fixture
def open_store(tmp_path: Path) -> Iterator[Callable[..., ForgettingTrackerStore]]:
    """Opens stores on one SQLite file (as Rasa does at start-up); stops their purges after."""
    stores: list[ForgettingTrackerStore] = []

    def open_one(**kwargs: object) -> ForgettingTrackerStore:
        db = str(tmp_path / "c.db")
        store = ForgettingTrackerStore(DOMAIN, dialect="sqlite", db=db, **kwargs)
        stores.append(store)
        return store

    yield open_one
    for store in stores:
        store.close()


def tracker(sender: str, events: list[Event]) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, events, DOMAIN.slots)


def save(store: ForgettingTrackerStore, sender: str, events: list[Event]) -> None:
    asyncio.run(store.save(tracker(sender, events)))


def stored(store: ForgettingTrackerStore, sender: str) -> list[str]:
    """The texts of `sender`'s stored user and bot events, oldest first."""
    full = asyncio.run(store.retrieve_full_tracker(sender))
    return [e.text for e in full.events if isinstance(e, UserUttered | BotUttered)] if full else []


def test_forgetting_deletes_every_event_of_the_sender_and_no_one_elses(open_store) -> None:
    store = open_store()
    alice = turn("what is ISM?", "ISM is ...") + turn("is it inherited?", "Rarely ...")
    save(store, "alice", alice)
    save(store, "bob", turn("what is UP?", "UP is ..."))
    save(store, "alice", alice + FORGET_TURN)
    assert stored(store, "alice") == []
    assert stored(store, "bob") == ["what is UP?", "UP is ..."]


def test_after_forgetting_only_the_new_conversation_is_stored(open_store) -> None:
    store = open_store()
    old = turn("my secret question", "an answer")
    save(store, "alice", old)
    save(store, "alice", old + FORGET_TURN)
    assert asyncio.run(store.retrieve("alice")) is None  # Rasa then starts a new tracker
    save(store, "alice", turn("what causes it?", "KIT ..."))
    assert stored(store, "alice") == ["what causes it?", "KIT ..."]
    # The forgotten turn's tracker saved again (a retry) brings nothing back.
    save(store, "alice", old + FORGET_TURN)
    assert "my secret question" not in stored(store, "alice")


def test_a_turn_without_the_forget_reply_is_stored_as_rasa_stores_it(open_store) -> None:
    store = open_store()
    first = turn("forget what I said", "Delete everything you've said ...?")
    save(store, "alice", first)
    save(store, "alice", first + turn("no", "All right ..."))
    assert stored(store, "alice") == [
        "forget what I said",
        "Delete everything you've said ...?",
        "no",
        "All right ...",
    ]


def test_conversations_idle_longer_than_retention_are_deleted_at_start_up(open_store) -> None:
    now = time.time()
    store = open_store(retention_days=90)
    save(store, "idle", turn("old question", "old answer", at=now - 91 * DAY))
    save(store, "active", turn("recent question", "recent answer", at=now - 89 * DAY))
    resumed = turn("old question", "old answer", at=now - 200 * DAY)
    save(store, "resumed", resumed + turn("new question", "new answer", at=now - DAY))
    store.close()
    store = open_store(retention_days=90)  # Rasa starting again
    assert stored(store, "idle") == []
    assert stored(store, "active") == ["recent question", "recent answer"]
    assert len(stored(store, "resumed")) == 4  # its latest event is recent: all of it stays


def test_retention_runs_again_at_each_interval(open_store) -> None:
    store = open_store(retention_days=1, purge_interval_seconds=0.2)
    save(store, "idle", turn("old question", "old answer", at=time.time() - 2 * DAY))
    deadline = time.monotonic() + 10
    while stored(store, "idle") and time.monotonic() < deadline:
        time.sleep(0.1)
    assert stored(store, "idle") == []


def test_a_purge_that_fails_is_logged_not_raised(open_store, caplog) -> None:
    store = open_store()
    with store.engine.begin() as connection:
        connection.execute(sa.text("DROP TABLE events"))
    with caplog.at_level(logging.INFO, logger="bot.conversation_store"):
        store.purge_idle()
    assert "will retry" in caplog.text


def test_the_retention_log_holds_counts_only(open_store, caplog) -> None:
    store = open_store(retention_days=1)
    save(store, "idle-sender", turn("private words", "reply", at=time.time() - 3 * DAY))
    with caplog.at_level(logging.INFO, logger="bot.conversation_store"):
        store.purge_idle()
        save(store, "alice", turn("more private words", "reply") + FORGET_TURN)
    assert "deleted 1 conversations (4 events) idle for over 1 days" in caplog.text
    assert "request (0 events)" in caplog.text  # nothing of alice had been stored yet
    assert "private" not in caplog.text and "idle-sender" not in caplog.text


@pytest.mark.parametrize("value", ["0", "-5", "ninety", "1.5", "90 days"])
def test_a_bad_retention_days_is_refused(value: str) -> None:
    with pytest.raises(ValueError, match="RETENTION_DAYS"):
        configured_retention_days({"RETENTION_DAYS": value})


def test_retention_days_defaults_to_90() -> None:
    assert configured_retention_days({}) == 90
    assert configured_retention_days({"RETENTION_DAYS": " "}) == 90
    assert configured_retention_days({"RETENTION_DAYS": "30"}) == 30


def test_the_store_refuses_a_bad_setting_before_it_opens_the_database(tmp_path, monkeypatch):
    monkeypatch.setenv("RETENTION_DAYS", "0")
    with pytest.raises(ValueError, match="RETENTION_DAYS"):
        ForgettingTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "c.db"))
    assert not (tmp_path / "c.db").exists()


def test_rasa_loads_it_from_the_project_endpoints(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TRACKER_DB", str(tmp_path / "c.db"))
    monkeypatch.setenv("ACTION_ENDPOINT_URL", "http://127.0.0.1:5055/webhook")
    endpoints = AvailableEndpoints.read_endpoints(str(PROJECT_ROOT / "bot" / "endpoints.yml"))
    store = TrackerStore.create(endpoints.tracker_store, DOMAIN)
    try:
        assert isinstance(store, ForgettingTrackerStore)  # not Rasa's in-memory fallback
        assert (tmp_path / "c.db").exists()
    finally:
        store.close()


def test_the_scale_endpoints_use_it_too() -> None:
    endpoints = yaml.safe_load((PROJECT_ROOT / "bot" / "endpoints-scale.yml").read_text("utf-8"))
    assert endpoints["tracker_store"]["type"] == "bot.conversation_store.ForgettingTrackerStore"
