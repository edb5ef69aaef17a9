"""Rasa's SQL tracker store, keeping each conversation's recent history in memory between turns.

Profiling showed Rasa spending more time on the tracker store than on understanding a message:
on every turn it read the conversation's events back, rebuilt the tracker from all of them, then
counted the stored rows to find what to add; and a SQLite file was opened and closed for each of
those queries. Here:

- **Between turns a conversation stays in memory** (the latest `cache_size`, 200, saved), in
  the short form of bot/recent_history.py: the slots, then the last `keep_turns` to twice
  `keep_turns` user turns. So Rasa's policies, the action server's request and the saving all
  work on a bounded number of events, however long the conversation; the database still stores
  every event, and Rasa's API (`/conversations/<id>/tracker`) still reads them all from it.
- **The database stays the truth.** Taking a conversation from memory costs one indexed query for
  the rows from the newest one this process saw: if that row is gone (the conversation was
  deleted, here or by another replica), it is read again from the database; rows written after it
  (another replica answered a turn) are applied to it. Several replicas on one PostgreSQL stay
  correct: Rasa's lock store lets one of them handle a conversation at a time.
- **A conversation in memory is lent, not shared.** Taking it removes it; saving puts the saved
  tracker back. A turn that fails before saving leaves nothing behind, and the next turn reads
  the database.
- **Saving writes exactly the events added since the tracker was read** (it remembers how many
  were stored), instead of counting the stored rows first.
- **A SQLite file is kept open** in a connection pool instead of opened for every query (SQLAlchemy
  1.4 uses no pool for SQLite files; PostgreSQL already has one).

**What changes in Rasa's behaviour**: a long conversation's tracker, as Rasa's policies and the
action server see it, begins with one SlotSet per slot that holds a value and then its last 5-10
user turns, instead of every event of the session. This assistant's decisions read no further
back (bot/recent_history.py), and tests/test_recent_history_in_rasa.py checks that the trained
model gives the same replies and stores the same events as with Rasa's own store. A policy that
reads further back (TED with a long max_history, a rule with `conversation_start`) would need a
larger `keep_turns`.

bot/conversation_store.py builds the forgetting store on this one.
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.events import Event, SessionStarted, deserialise_events
from rasa.shared.core.trackers import DialogueStateTracker

from bot.recent_history import UNDO_EVENTS, recent_history, user_turns

KEEP_TURNS = 5  # the MemoizationPolicy's five states and the rules' two turns, with room
# Conversations kept; each takes 100-200 kB in this short form (5-10 turns), so 20-40 MB at most.
# One that is not kept is read from the database at its next message.
CACHE_SIZE = 200
_STORED = "_stored_in_database"  # the attribute a tracker read or saved here carries


@dataclass(frozen=True)
class Stored:
    """How many of a tracker's events the database holds, and its newest row then (id, time)."""

    events: int
    last_row: tuple[int, float] | None
    complete: bool  # the tracker holds every event of the session, not only the recent turns


def stored(tracker: DialogueStateTracker) -> Stored | None:
    return getattr(tracker, _STORED, None)


class CachedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore plus `keep_turns` (default 5) and `cache_size` (default 200)."""

    def __init__(
        self,
        *args: Any,
        keep_turns: int = KEEP_TURNS,
        cache_size: int = CACHE_SIZE,
        **kwargs: Any,
    ) -> None:
        if keep_turns < 2:
            raise ValueError(f"keep_turns must be at least 2, not {keep_turns}")
        if cache_size < 0:
            raise ValueError(f"cache_size must not be negative, not {cache_size}")
        super().__init__(*args, **kwargs)
        self.keep_turns = keep_turns
        self.cache_size = cache_size
        self._cache: OrderedDict[str, DialogueStateTracker] = OrderedDict()
        self._cache_lock = threading.Lock()
        if self.engine.dialect.name == "sqlite" and isinstance(self.engine.pool, sa.pool.NullPool):
            self._keep_sqlite_open()

    def _keep_sqlite_open(self) -> None:
        url = self.engine.url
        self.engine.dispose()
        self.engine = sa.create_engine(
            url, poolclass=sa.pool.QueuePool, connect_args={"check_same_thread": False}
        )
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)

    async def retrieve(self, sender_id: str) -> DialogueStateTracker | None:
        """The latest session of the conversation: from memory, checked, or from the database."""
        with self._cache_lock:
            tracker = self._cache.pop(sender_id, None)
        with self.session_scope() as session:
            if tracker is not None:
                tracker = self._brought_up_to_date(session, tracker)
            if tracker is None:
                tracker = self._read(session, sender_id)
        return tracker

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the events added since the tracker was read, then keep it in memory."""
        await self._store(tracker, self.unsaved_events(tracker))

    def unsaved_events(self, tracker: DialogueStateTracker) -> list[Event]:
        """The tracker's events that the database does not hold yet."""
        known = stored(tracker)
        if known is not None:
            return list(tracker.events)[known.events :]
        with self.session_scope() as session:  # a tracker not read here: Rasa's way
            return list(self._additional_events(session, tracker))

    def cached_senders(self) -> list[str]:
        """The conversations held in memory, the least recently saved first."""
        with self._cache_lock:
            return list(self._cache)

    async def _store(self, tracker: DialogueStateTracker, events: list[Event]) -> None:
        known = stored(tracker)
        last_row = known.last_row if known else None
        if events:
            last_row = self._insert(tracker.sender_id, events)
        if self.event_broker is not None:
            await self._stream_new_events(self.event_broker, events, tracker.sender_id)
        complete = known.complete if known else True
        self._remember(tracker, Stored(len(tracker.events), last_row, complete))

    def _insert(self, sender_id: str, events: list[Event]) -> tuple[int, float]:
        """Insert the rows SQLTrackerStore.save would; the newest row's id and time then.

        One statement for all of them instead of the ORM's one per event (0.7 ms less for a
        question's nine). No other process writes this conversation meanwhile (the lock store),
        so its newest row is the last one inserted.
        """
        table = self.SQLEvent.__table__
        newest = (
            sa.select(table.c.id, table.c.timestamp)
            .where(table.c.sender_id == sender_id)
            .order_by(table.c.id.desc())
            .limit(1)
        )
        with self.session_scope() as session:
            session.execute(table.insert(), [self._row(sender_id, event) for event in events])
            last_row = tuple(session.execute(newest).one())
            session.commit()
        return last_row  # type: ignore[return-value]

    def _row(self, sender_id: str, event: Event) -> dict[str, Any]:
        data = event.as_dict()
        return {
            "sender_id": sender_id,
            "type_name": event.type_name,
            "timestamp": data.get("timestamp"),
            "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
            "action_name": data.get("name"),
            "data": json.dumps(data),
        }

    def _remember(self, tracker: DialogueStateTracker, known: Stored) -> None:
        """Keep the saved tracker in memory, as the next turn would read it from the database."""
        setattr(tracker, _STORED, known)
        if known.last_row is None or self.cache_size == 0:
            return
        tracker = self._latest_session(tracker)
        if user_turns(tracker.events) > 2 * self.keep_turns:
            tracker = self._shortened(tracker) or tracker
        with self._cache_lock:
            self._cache[tracker.sender_id] = tracker
            self._cache.move_to_end(tracker.sender_id)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)

    def _latest_session(self, tracker: DialogueStateTracker) -> DialogueStateTracker:
        """Without the events before its latest session began, as SQLTrackerStore reads it."""
        known = stored(tracker)
        starts = [event.timestamp for event in tracker.events if isinstance(event, SessionStarted)]
        if not starts or known is None:
            return tracker
        start = max(starts)
        if all(event.timestamp >= start for event in tracker.events):
            return tracker
        events = [event for event in tracker.events if event.timestamp >= start]
        session = DialogueStateTracker.from_events(tracker.sender_id, events, self.domain.slots)
        setattr(session, _STORED, Stored(len(events), known.last_row, known.complete))
        return session

    def _shortened(self, tracker: DialogueStateTracker) -> DialogueStateTracker | None:
        """A new tracker with the recent history only (Rasa may still hold the saved one)."""
        known = stored(tracker)
        if known is None or self.domain is None:
            return None
        history = recent_history(list(tracker.events), self.domain.slots, self.keep_turns)
        if history is None:
            return None
        shortened = DialogueStateTracker.from_events(tracker.sender_id, history, self.domain.slots)
        setattr(shortened, _STORED, Stored(len(shortened.events), known.last_row, False))
        return shortened

    def _read(self, session: Any, sender_id: str) -> DialogueStateTracker | None:
        """The latest session from the database, as SQLTrackerStore reads it, then shortened."""
        rows = self._event_query(session, sender_id, fetch_events_from_all_sessions=False).all()
        if not rows or not self.domain:
            return None
        events = deserialise_events([json.loads(row.data) for row in rows])
        tracker = DialogueStateTracker.from_events(sender_id, events, self.domain.slots)
        setattr(tracker, _STORED, Stored(len(events), (rows[-1].id, rows[-1].timestamp), True))
        if user_turns(events) > self.keep_turns:
            return self._shortened(tracker) or tracker
        return tracker

    def _brought_up_to_date(
        self, session: Any, tracker: DialogueStateTracker
    ) -> DialogueStateTracker | None:
        """The tracker with the rows stored after it applied; None if its newest row is gone."""
        known = stored(tracker)
        if known is None or known.last_row is None or len(tracker.events) != known.events:
            return None
        rows = self._rows_since(session, tracker.sender_id, known.last_row[0])
        if not rows or (rows[0].id, rows[0].timestamp) != known.last_row:
            return None  # deleted, here or elsewhere
        if any(row.type_name == SessionStarted.type_name for row in rows[1:]):
            return None  # another replica began a session: read the new one
        for event in deserialise_events([json.loads(row.data) for row in rows[1:]]):
            tracker.update(event)
        if not known.complete and not _undo_is_safe(tracker):
            return None
        newest = (rows[-1].id, rows[-1].timestamp)
        setattr(tracker, _STORED, Stored(len(tracker.events), newest, known.complete))
        return tracker

    def _rows_since(self, session: Any, sender_id: str, row_id: int) -> list[Any]:
        event = self.SQLEvent
        query = session.query(event.id, event.timestamp, event.type_name, event.data).filter(
            event.sender_id == sender_id, event.id >= row_id
        )
        return query.order_by(event.id).all()


def _undo_is_safe(tracker: DialogueStateTracker) -> bool:
    """False if an undo (/back) could reach before the recent history: read it all again.

    One turn undoes at most the message before its own, so two remaining messages suffice.
    """
    if not any(isinstance(event, UNDO_EVENTS) for event in tracker.events):
        return True
    return user_turns(tracker.applied_events()) >= 2
