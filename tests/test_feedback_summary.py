"""scripts/feedback_summary.py against a real Rasa SQL tracker store (SQLite)."""

import asyncio
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.settings import PROJECT_ROOT
from scripts.feedback_summary import read_ratings, report

# The project's own domain: its `feedback` and `unanswered` slots are what the actions set.
DOMAIN = Domain.load(str(PROJECT_ROOT / "bot" / "domain.yml"))


def rating(value: str, question: str, chunk: str, comment: str = "") -> SlotSet:
    record = {
        "rating": value,
        "question": question,
        "topic": chunk.split("#")[0],
        "chunks": [chunk],
        "sources": ["https://example.org"],
        "comment": comment,
    }
    return SlotSet("feedback", record)


def save(store: SQLTrackerStore, sender: str, events: list) -> None:
    tracker = DialogueStateTracker.from_events(sender, events, DOMAIN.slots)
    asyncio.run(store.save(tracker))


def test_ratings_are_read_back_from_the_tracker_store(tmp_path: Path) -> None:
    db = tmp_path / "conversations.db"
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db))
    save(
        store,
        "alice",
        [
            UserUttered("what causes it"),
            rating("helpful", "what causes it", "causes#what-causes"),
            SlotSet("topic", "causes"),
            UserUttered("is it inherited"),
            rating("not helpful", "is it inherited", "inheritance#is-it", comment="too vague"),
        ],
    )
    save(store, "bob", [UserUttered("hi"), rating("helpful", "treatments?", "treatment#x")])
    summary = read_ratings(f"sqlite:///{db}").as_dict(limit=5)
    assert summary["ratings"] == 3 and summary["helpful"] == 2
    assert summary["by_topic"]["inheritance"] == {"not helpful": 1}
    assert summary["by_chunk"]["causes#what-causes"] == {"helpful": 1}
    [complaint] = summary["latest_not_helpful"]
    assert complaint["question"] == "is it inherited" and complaint["comment"] == "too vague"
    text = report(summary)
    assert text.startswith("3 ratings, 2 helpful (67%)") and "too vague" in text


def test_an_empty_store_has_no_ratings(tmp_path: Path) -> None:
    summary = read_ratings(f"sqlite:///{tmp_path / 'none.db'}").as_dict(limit=5)
    assert summary["ratings"] == 0
    assert report(summary) == "No ratings yet."
