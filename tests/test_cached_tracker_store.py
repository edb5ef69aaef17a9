"""bot/cached_tracker_store.py on a real SQLite file: memory between turns, database as truth."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.events import ActionExecuted, Event, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from bot.cached_tracker_store import CachedSQLTrackerStore
from tests.test_recent_history import DOMAIN, conversation, question

Open = Callable[..., CachedSQLTrackerStore]


@pytest.fixture
def open_store(tmp_path: Path) -> Iterator[Open]:
    """Stores on one SQLite file: each one is a Rasa process (a replica) of its own."""
    stores: list[CachedSQLTrackerStore] = []

    def open_one(**kwargs: object) -> CachedSQLTrackerStore:
        stores.append(
            CachedSQLTrackerStore(DOMAIN, dialect="sqlite", db=str(tmp_path / "c.db"), **kwargs)
        )
        return stores[-1]

    yield open_one
    for store in stores:
        store.engine.dispose()


def retrieve(store: CachedSQLTrackerStore, sender: str = "alice") -> DialogueStateTracker | None:
    return asyncio.run(store.retrieve(sender))


def take_turn(store: CachedSQLTrackerStore, number: int, sender: str = "alice") -> None:
    """What Rasa does with a message: read the tracker, add the turn's events, save it."""
    tracker = retrieve(store, sender) or DialogueStateTracker(sender, DOMAIN.slots)
    events = question(number) if tracker.events else [*conversation(0), *question(number)]
    for event in events:
        tracker.update(event)
    asyncio.run(store.save(tracker))


def stored_texts(store: CachedSQLTrackerStore, sender: str = "alice") -> list[str]:
    """The user messages in the database, every one, oldest first."""
    full = asyncio.run(store.retrieve_full_tracker(sender))
    return [event.text for event in full.events if isinstance(event, UserUttered)] if full else []


def test_a_saved_conversation_comes_back_from_memory(open_store: Open) -> None:
    store = open_store()
    take_turn(store, 0)
    saved = store._cache["alice"]
    assert retrieve(store) is saved  # lent: not in memory while a turn uses it
    assert store.cached_senders() == []
    again = retrieve(store)  # read from the database instead
    assert again is not saved and list(again.events) == list(saved.events)


def test_a_long_conversation_is_stored_whole_and_held_short(open_store: Open) -> None:
    store = open_store(keep_turns=3)
    for number in range(20):
        take_turn(store, number)
    assert stored_texts(store) == [f"question {n}" for n in range(20)]
    held = retrieve(store)
    assert 3 <= sum(isinstance(e, UserUttered) for e in held.events) <= 6
    whole = asyncio.run(store.retrieve_full_tracker("alice"))
    assert held.current_slot_values() == whole.current_slot_values()
    assert held.latest_message == whole.latest_message


def test_a_turn_that_never_saved_leaves_nothing_behind(open_store: Open) -> None:
    store = open_store()
    take_turn(store, 0)
    tracker = retrieve(store)
    tracker.update(UserUttered("a message whose turn failed"))
    assert stored_texts(store) == ["question 0"]
    assert user_texts(retrieve(store)) == ["question 0"]


def test_a_turn_another_replica_answered_is_read(open_store: Open) -> None:
    replica_a, replica_b = open_store(), open_store()
    take_turn(replica_a, 0)
    take_turn(replica_b, 1)  # B reads it from the database
    take_turn(replica_a, 2)  # A holds turn 0 in memory, and must add B's turn 1 to it
    take_turn(replica_b, 3)
    assert stored_texts(replica_a) == ["question 0", "question 1", "question 2", "question 3"]
    assert user_texts(retrieve(replica_a)) == [f"question {n}" for n in range(4)]


def delete_alice(store: CachedSQLTrackerStore) -> None:
    with store.engine.begin() as connection:
        connection.execute(sa.text("DELETE FROM events WHERE sender_id = 'alice'"))


def user_texts(tracker: DialogueStateTracker | None) -> list[str]:
    return [e.text for e in tracker.events if isinstance(e, UserUttered)] if tracker else []


def test_a_conversation_deleted_elsewhere_is_not_served_from_memory(open_store: Open) -> None:
    replica_a, replica_b = open_store(), open_store()
    take_turn(replica_a, 0)
    take_turn(replica_a, 1)
    delete_alice(replica_b)
    assert retrieve(replica_a) is None


def test_a_conversation_begun_again_elsewhere_is_read_again(open_store: Open) -> None:
    replica_a, replica_b = open_store(), open_store()
    take_turn(replica_a, 0)
    take_turn(replica_a, 1)
    delete_alice(replica_b)
    # As many rows as before: SQLite gives them the same ids again, with other times.
    take_turn(replica_b, 5)
    take_turn(replica_b, 6)
    assert user_texts(retrieve(replica_a)) == ["question 5", "question 6"]


def test_saving_writes_only_the_new_events(open_store: Open) -> None:
    store = open_store()
    take_turn(store, 0)
    take_turn(store, 1)
    tracker = retrieve(store)
    asyncio.run(store.save(tracker))  # saved again with nothing new: nothing written
    with store.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT COUNT(*) FROM events")).scalar_one()
    assert rows == len(conversation(2))


def test_a_tracker_rasa_made_itself_is_saved_as_rasa_saves_it(open_store: Open) -> None:
    store = open_store()
    events: list[Event] = [*conversation(1), *question(1)]
    asyncio.run(store.save(DialogueStateTracker.from_events("bob", events, DOMAIN.slots)))
    asyncio.run(store.save(DialogueStateTracker.from_events("bob", events, DOMAIN.slots)))
    assert stored_texts(store, "bob") == ["question 0", "question 1"]


def test_memory_holds_the_latest_conversations_only(open_store: Open) -> None:
    store = open_store(cache_size=2)
    for sender in ("a", "b", "c"):
        take_turn(store, 0, sender)
    assert store.cached_senders() == ["b", "c"]
    assert retrieve(store, "a") is not None  # from the database


def test_sqlite_is_kept_open_between_queries(open_store: Open) -> None:
    assert isinstance(open_store().engine.pool, sa.pool.QueuePool)


@pytest.mark.parametrize(("setting", "value"), [("keep_turns", 1), ("cache_size", -1)])
def test_bad_settings_are_refused(open_store: Open, setting: str, value: int) -> None:
    with pytest.raises(ValueError, match=setting):
        open_store(**{setting: value})


def test_an_action_listen_alone_is_not_kept_in_memory(open_store: Open) -> None:
    # What Rasa's create_tracker saves for a new conversation without events is nothing.
    store = open_store()
    asyncio.run(store.save(DialogueStateTracker("carol", DOMAIN.slots)))
    assert store.cached_senders() == []
    tracker = DialogueStateTracker("carol", DOMAIN.slots)
    tracker.update(ActionExecuted("action_listen"))
    asyncio.run(store.save(tracker))
    assert store.cached_senders() == ["carol"]
