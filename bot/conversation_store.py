"""Where conversations are stored: Rasa's SQL tracker store, which also forgets them.

It is bot/cached_tracker_store.py's store (Rasa's SQLTrackerStore, keeping conversations' recent
turns in memory between messages), plus the deletions below.

Two kinds of deletion, both inside Rasa's process (bot/endpoints.yml and bot/endpoints-scale.yml
name `ForgettingTrackerStore` as their tracker store):

- **On request.** When a turn ran `utter_forgotten` (the reply to "/forget", or to "yes" after
  the assistant asked whether to delete), saving that turn deletes every stored event of the
  sender and stores nothing of the turn. It has to happen here: Rasa keeps the turn's tracker in
  memory and saves it at the end of the turn, and `SQLTrackerStore.save` writes every event it
  does not count in the table, so rows deleted by anything else (the action server) would be
  written back. The reply has been sent by then; the next message starts a new conversation.
- **After `RETENTION_DAYS` (default 90) without a new event.** Deleted when the store is
  created (Rasa's start-up) and every 24 hours after, by a daemon thread. A failure (the
  database briefly away) is logged, and tried again at the next interval. With several replicas
  each one purges; the statement is idempotent.

Only counts are logged at INFO; never a message, nor whose conversation it was.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterable, Mapping
from typing import Any

import sqlalchemy as sa
from rasa.shared.core.events import ActionExecuted, Event
from rasa.shared.core.trackers import DialogueStateTracker

from bot.cached_tracker_store import CachedSQLTrackerStore

logger = logging.getLogger(__name__)

# The response that says a conversation was deleted; running it is the request to delete.
FORGET_RESPONSE = "utter_forgotten"
RETENTION_ENV = "RETENTION_DAYS"
DEFAULT_RETENTION_DAYS = 90
PURGE_INTERVAL_SECONDS = 24 * 60 * 60
SECONDS_PER_DAY = 24 * 60 * 60

# The senders whose latest event is older than the cutoff, and all of their events, in one
# statement (SQLite and PostgreSQL): a conversation is never left half deleted.
_DELETE_IDLE = sa.text(
    "DELETE FROM events WHERE sender_id IN ("
    "SELECT sender_id FROM events GROUP BY sender_id HAVING MAX(timestamp) < :cutoff)"
)
_COUNT_IDLE = sa.text(
    "SELECT COUNT(*) FROM (SELECT sender_id FROM events GROUP BY sender_id"
    " HAVING MAX(timestamp) < :cutoff) AS idle"
)


def configured_retention_days(environment: Mapping[str, str] = os.environ) -> int:
    """RETENTION_DAYS as a whole number of days, at least 1 (unset or blank: 90)."""
    value = environment.get(RETENTION_ENV, "")
    if not value.strip():
        return DEFAULT_RETENTION_DAYS
    if not value.isdigit() or int(value) < 1:
        raise ValueError(f"{RETENTION_ENV}: {value!r} is not a whole number of at least 1")
    return int(value)


def forgets(events: Iterable[Event]) -> bool:
    """True when the events include the reply that says the conversation was deleted."""
    return any(
        isinstance(event, ActionExecuted) and event.action_name == FORGET_RESPONSE
        for event in events
    )


def delete_idle_conversations(engine: sa.engine.Engine, days: int, now: float) -> tuple[int, int]:
    """Delete conversations with no event in the last `days` days: (conversations, events)."""
    cutoff = {"cutoff": now - days * SECONDS_PER_DAY}
    with engine.begin() as connection:
        conversations = connection.execute(_COUNT_IDLE, cutoff).scalar_one()
        events = connection.execute(_DELETE_IDLE, cutoff).rowcount if conversations else 0
    return conversations, events


class ForgettingTrackerStore(CachedSQLTrackerStore):
    """Rasa's SQLTrackerStore that deletes a conversation on request and after retention.

    Takes the SQL tracker store's settings and CachedSQLTrackerStore's, plus `retention_days`
    (default: RETENTION_DAYS) and `purge_interval_seconds` (24 hours; tests make it short).
    """

    def __init__(
        self,
        *args: Any,
        retention_days: int | None = None,
        purge_interval_seconds: float = PURGE_INTERVAL_SECONDS,
        **kwargs: Any,
    ) -> None:
        days = configured_retention_days() if retention_days is None else retention_days
        if days < 1:
            raise ValueError(f"retention_days must be at least 1, not {days}")
        if purge_interval_seconds <= 0:
            raise ValueError("purge_interval_seconds must be positive")
        super().__init__(*args, **kwargs)
        self.retention_days = days
        self._stopped = threading.Event()
        self.purge_idle()
        self._purger = threading.Thread(
            target=self._purge_every,
            args=(purge_interval_seconds,),
            name="conversation-retention",
            daemon=True,
        )
        self._purger.start()

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Store the turn's new events, or delete the conversation if the turn asked to."""
        unsaved = self.unsaved_events(tracker)
        if forgets(unsaved):
            deleted = self.delete_conversation(tracker.sender_id)
            logger.info("Deleted a conversation at its sender's request (%d events).", deleted)
            return
        await self._store(tracker, unsaved)

    def delete_conversation(self, sender_id: str) -> int:
        """Delete every stored event of `sender_id`, in every session; the number deleted.

        A copy of it held in memory is found out of date on its next use (its newest row is
        gone) and dropped, here as on any other replica.
        """
        with self.session_scope() as session:
            deleted = (
                session.query(self.SQLEvent)
                .filter(self.SQLEvent.sender_id == sender_id)
                .delete(synchronize_session=False)
            )
            session.commit()
        return deleted

    def purge_idle(self) -> None:
        """Delete the conversations idle for over `retention_days`; log, never raise, on failure."""
        try:
            conversations, events = delete_idle_conversations(
                self.engine, self.retention_days, time.time()
            )
        except Exception as error:  # the thread must survive a database that is briefly away
            logger.warning("Retention: could not delete idle conversations, will retry: %r", error)
            return
        logger.info(
            "Retention: deleted %d conversations (%d events) idle for over %d days.",
            conversations,
            events,
            self.retention_days,
        )

    def close(self) -> None:
        """Stop the daily purge (the thread is a daemon: a process that exits needs no call)."""
        self._stopped.set()

    def _purge_every(self, interval_seconds: float) -> None:
        while not self._stopped.wait(interval_seconds):
            self.purge_idle()
