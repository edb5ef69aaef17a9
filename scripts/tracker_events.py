"""Read slot events back from Rasa's SQL tracker store (SQLite or PostgreSQL).

Ratings (`feedback`) and unanswered questions (`unanswered`) are slot events that the actions set;
scripts/feedback_summary.py and scripts/gaps.py read them here, oldest first.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa


@dataclass(frozen=True)
class SlotEvent:
    sender: str
    timestamp: float
    name: str
    value: Any


def default_db_url() -> str:
    """The SQLite file `make run` stores conversations in (TRACKER_DB), as an SQLAlchemy URL."""
    path = os.environ.get("TRACKER_DB") or str(Path("var") / "conversations.db")
    return f"sqlite:///{path}"


def db_url_or_exit(db_url: str | None) -> str:
    """The URL to read; exits with a message when the default SQLite file does not exist yet."""
    url = db_url or default_db_url()
    if url.startswith("sqlite:///") and not Path(url.removeprefix("sqlite:///")).exists():
        sys.exit(f"no conversations yet: {url} does not exist")
    return url


def slot_events(db_url: str, names: set[str]) -> Iterator[SlotEvent]:
    """Every slot event with one of `names` and a dict value, oldest first."""
    engine = sa.create_engine(db_url)
    try:
        if not sa.inspect(engine).has_table("events"):
            return
        query = sa.text(
            "SELECT sender_id, timestamp, data FROM events WHERE type_name = 'slot' ORDER BY id"
        )
        with engine.connect() as connection:
            for sender, timestamp, data in connection.execute(query):
                event = json.loads(data)
                if event.get("name") in names and isinstance(event.get("value"), dict):
                    yield SlotEvent(sender, timestamp or 0.0, event["name"], event["value"])
    finally:
        engine.dispose()
