"""What `scripts/scale_test.py` checks: the replies, and the conversations in PostgreSQL.

A follow-up is answered with context only if the replica answering it read the turns before it,
which the other replica handled, from the shared tracker store: the `last_question` and `thread`
slots record
the question as searched and its thread (the question it follows up), so it shows whether the
form named in the first turn was carried.

Privacy on PostgreSQL: a conversation idle for longer than RETENTION_DAYS, written before the
replicas start, must be gone once they are up (each deletes idle conversations at start-up), and
"/forget" sent to one replica must delete what the other stored (bot/conversation_store.py).
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa
from rasa.core.tracker_store import SQLTrackerStore

from scripts.scale_services import SharedServices

FORM = "indolent systemic mastocytosis"
RETENTION_DAYS = 90
DAY_SECONDS = 24 * 60 * 60


@dataclass(frozen=True)
class Step:
    """A turn of the test conversation.

    `context`: "form" if the question must be searched with FORM (named in the first turn),
    "previous" if it asks the previous question again ("what about children?"), so it keeps that
    question's thread.
    """

    question: str
    answer_mentions: str
    context: str = ""


CONVERSATION = [
    Step("what is ISM?", FORM),
    Step("what treatments are there for it?", "treatment", context="form"),
    Step("what about children?", "children", context="previous"),
    Step("is it inherited?", "inherit", context="form"),
    Step("what is the outlook?", FORM, context="form"),
    Step("and in pregnancy?", "pregnan", context="previous"),
]


@dataclass
class Turn:
    """A turn as the client saw it: which replica answered, what, and how fast."""

    sender: str
    number: int
    text: str
    replica: str
    reply: str = ""
    retried: bool = False
    seconds: float = 0.0
    error: str = ""
    at: float = 0.0  # when it was sent, in seconds since the conversations started


@dataclass
class TrackedTurn:
    """A user message as the tracker store holds it, with the slots set and replies sent after."""

    text: str
    slots: dict = field(default_factory=dict)
    bot_messages: int = 0


def check_replies(turns: list[Turn]) -> list[str]:
    """Every turn answered, with what its answer must mention; both replicas really used."""
    failures = []
    for turn in turns:
        wanted = CONVERSATION[turn.number].answer_mentions
        if turn.error:
            failures.append(f"{turn.sender} turn {turn.number} ({turn.text!r}): {turn.error}")
        elif wanted not in turn.reply.lower():
            failures.append(
                f"{turn.sender} turn {turn.number} ({turn.text!r}) on {turn.replica}: "
                f"answer does not mention {wanted!r}: {turn.reply[:160]!r}"
            )
    if not any(turn.replica == "b" for turn in turns):
        failures.append("no turn was answered by replica b")
    if not any(turn.replica == "a" and turn.number % 2 for turn in turns):
        failures.append("no turn of replica b went to replica a after the kill")
    return failures


def read_trackers(db_url: str, senders: set[str]) -> dict[str, list[TrackedTurn]]:
    """The user messages of each conversation in the `events` table, in the order stored."""
    engine = sa.create_engine(db_url)
    query = sa.text(
        "SELECT sender_id, type_name, data FROM events WHERE sender_id = ANY(:senders) ORDER BY id"
    )
    trackers: dict[str, list[TrackedTurn]] = {sender: [] for sender in senders}
    try:
        with engine.connect() as connection:
            rows = connection.execute(query, {"senders": sorted(senders)}).fetchall()
    finally:
        engine.dispose()
    for sender, type_name, data in rows:
        event, turns = json.loads(data), trackers[sender]
        if type_name == "user":
            turns.append(TrackedTurn(event.get("text", "")))
        elif type_name == "slot" and turns:
            turns[-1].slots[event.get("name")] = event.get("value")
        elif type_name == "bot" and turns:
            turns[-1].bot_messages += 1
    return trackers


def without_retried_duplicates(tracked: list[TrackedTurn], turns: list[Turn]) -> list[TrackedTurn]:
    """Drop a message stored twice because B stored it, died before replying, and A got it again.

    Rasa has no idempotency key: a client that retries can record a message twice. Only a turn
    that was retried may appear twice, and only right after itself.
    """
    retried = {turn.text for turn in turns if turn.retried}
    kept: list[TrackedTurn] = []
    for turn in tracked:
        if kept and turn.text == kept[-1].text and turn.text in retried:
            continue
        kept.append(turn)
    return kept


def check_conversation(sender: str, tracked: list[TrackedTurn], turns: list[Turn]) -> list[str]:
    """Every turn stored once, in order, each with a reply and the context it needed."""
    stored = without_retried_duplicates(tracked, turns)
    expected = [step.question for step in CONVERSATION]
    if [turn.text for turn in stored] != expected:
        return [f"{sender}: tracker holds {[t.text for t in tracked]}, expected {expected}"]
    failures = []
    if stored[0].slots.get("form") != FORM:
        failures.append(f"{sender}: form slot after turn 0 is {stored[0].slots.get('form')!r}")
    for number, (step, turn) in enumerate(zip(CONVERSATION, stored, strict=True)):
        searched = turn.slots.get("last_question") or ""
        if turn.bot_messages == 0:
            failures.append(f"{sender} turn {number}: no reply stored")
        if step.context == "form" and FORM not in searched:
            failures.append(f"{sender} turn {number}: searched {searched!r}, without the form")
        thread = turn.slots.get("thread")
        previous = stored[number - 1].slots.get("thread")
        if step.context == "previous" and (thread != previous or FORM not in searched):
            failures.append(
                f"{sender} turn {number}: searched {searched!r} in thread {thread!r}, "
                f"not in {previous!r}"
            )
    return failures


def check_trackers(trackers: dict[str, list[TrackedTurn]], turns: list[Turn]) -> list[str]:
    failures = []
    for sender, tracked in sorted(trackers.items()):
        mine = [turn for turn in turns if turn.sender == sender]
        failures.extend(check_conversation(sender, tracked, mine))
    return failures


def index_snapshot(folder: Path) -> dict[str, tuple[int, int]]:
    """Size and modification time of every file of the index: it must not change."""
    return {
        str(path.relative_to(folder)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def postgres_connections(db_url: str) -> int:
    """Connections the replicas hold open (Rasa keeps up to SQL_POOL_SIZE idle in its pool)."""
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    query = (
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE usename = current_user AND pid <> pg_backend_pid()"
    )
    try:
        with engine.connect() as connection:
            return connection.execute(sa.text(query)).scalar_one()
    finally:
        engine.dispose()


def store_sizes(services: SharedServices) -> dict[str, int]:
    """What to watch in the stores: events, table and database size, locks left in Redis."""
    engine = sa.create_engine(services.postgres.url)
    try:
        with engine.connect() as connection:
            events, user_events, conversations, table_bytes, db_bytes = connection.execute(
                sa.text(
                    "SELECT count(*), count(*) FILTER (WHERE type_name = 'user'),"
                    " count(DISTINCT sender_id), pg_total_relation_size('events'),"
                    " pg_database_size(current_database()) FROM events"
                )
            ).one()
    finally:
        engine.dispose()
    redis = services.redis.client()
    return {
        "events": events,
        "user_events": user_events,
        "conversations": conversations,
        "events_table_bytes": table_bytes,
        "database_bytes": db_bytes,
        "redis_keys": redis.dbsize(),
        "redis_lock_keys_left": len(redis.keys("mastobot:lock:*")),
        "redis_used_memory_bytes": redis.info("memory")["used_memory"],
    }


def user_texts(db_url: str, sender: str) -> list[str]:
    """The user messages stored for `sender`, oldest first."""
    return [turn.text for turn in read_trackers(db_url, {sender})[sender]]


def stored_event_count(db_url: str, sender: str) -> int:
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    query = sa.text("SELECT count(*) FROM events WHERE sender_id = :sender")
    try:
        with engine.connect() as connection:
            return connection.execute(query, {"sender": sender}).scalar_one()
    finally:
        engine.dispose()


def seed_old_conversations(db_url: str) -> dict[str, int]:
    """Before the replicas start: one conversation idle beyond RETENTION_DAYS, one just within.

    Returns each sender with the age in days of its last event. Creates Rasa's `events` table,
    as Rasa would.
    """
    ages = {f"idle-{uuid.uuid4().hex[:8]}": RETENTION_DAYS + 10}
    ages[f"kept-{uuid.uuid4().hex[:8]}"] = RETENTION_DAYS - 10
    table = SQLTrackerStore.SQLEvent.__table__
    engine = sa.create_engine(db_url, poolclass=sa.pool.NullPool)
    try:
        SQLTrackerStore.Base.metadata.create_all(engine)
        with engine.begin() as connection:
            for sender, days in ages.items():
                stamp = time.time() - days * DAY_SECONDS
                event = {"event": "user", "timestamp": stamp, "text": "an old question"}
                row = {"sender_id": sender, "type_name": "user", "timestamp": stamp}
                connection.execute(table.insert(), [{**row, "data": json.dumps(event)}])
    finally:
        engine.dispose()
    return ages


def check_retention(db_url: str, ages: dict[str, int]) -> list[str]:
    """Once the replicas are up, the idle conversation is deleted and the other one kept."""
    failures = []
    for sender, days in ages.items():
        count, expected = stored_event_count(db_url, sender), int(days <= RETENTION_DAYS)
        if count != expected:
            failures.append(f"retention: {sender}, idle {days} days, has {count} events")
    return failures


def check_forget(
    ask_a: Callable[[str, str], str], ask_b: Callable[[str, str], str], db_url: str
) -> list[str]:
    """/forget on B deletes what A stored in PostgreSQL; the conversation then goes on on A."""
    sender, question = f"forget-{uuid.uuid4().hex[:8]}", CONVERSATION[0].question
    ask_a(sender, question)
    stored_before = stored_event_count(db_url, sender)
    reply = ask_b(sender, "/forget")
    left = stored_event_count(db_url, sender)
    answer = ask_a(sender, question)
    failures = []
    if not stored_before or "deleted this conversation" not in reply:
        failures.append(f"forget: {stored_before} events stored, /forget said {reply[:80]!r}")
    if left:
        failures.append(f"forget: {left} events of {sender} left in PostgreSQL after /forget")
    if FORM not in answer.lower() or user_texts(db_url, sender) != [question]:
        failures.append(f"forget: after /forget, {sender} holds {user_texts(db_url, sender)}")
    return failures
