"""scripts/gaps.py against a real Rasa SQL tracker store (SQLite)."""

import asyncio
import subprocess
import sys
from pathlib import Path

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.settings import PROJECT_ROOT
from scripts.gaps import group_by_topic, read_gaps, render, topic_titles

# The project's own domain: its `feedback` and `unanswered` slots are what the actions set.
DOMAIN = Domain.load(str(PROJECT_ROOT / "bot" / "domain.yml"))


def unanswered(question: str, nearest: str, outcome: str = "abstained") -> SlotSet:
    return SlotSet("unanswered", {"outcome": outcome, "question": question, "nearest": [nearest]})


def rating(value: str, question: str, chunk: str, comment: str = "") -> SlotSet:
    record = {"rating": value, "question": question, "chunks": [chunk], "comment": comment}
    return SlotSet("feedback", record)


def make_store(db: Path) -> None:
    store = SQLTrackerStore(DOMAIN, dialect="sqlite", db=str(db))
    conversations = {
        "alice": [
            UserUttered("can I give blood?"),
            unanswered("can I give blood?", "treatment#stem-cell-transplant"),
            UserUttered("how much is avapritinib"),
            unanswered("how much is avapritinib", "advanced-treatment#avapritinib", "partial"),
        ],
        "bob": [
            UserUttered("what is ketotifen"),
            rating("not helpful", "what is ketotifen", "treatment#antihistamines", "not that"),
            rating("helpful", "what causes it", "causes-kit-gene#what-causes-mastocytosis"),
            UserUttered("who first described it"),
            SlotSet("unanswered", {"outcome": "abstained", "question": "who first described it"}),
        ],
    }
    for sender, events in conversations.items():
        tracker = DialogueStateTracker.from_events(sender, events, DOMAIN.slots)
        asyncio.run(store.save(tracker))


def test_gaps_are_counted_by_nearest_topic(tmp_path: Path) -> None:
    make_store(tmp_path / "conversations.db")
    gaps = read_gaps(f"sqlite:///{tmp_path / 'conversations.db'}")
    assert sorted(gap.kind for gap in gaps) == ["abstained", "abstained", "not helpful", "partial"]
    groups = group_by_topic(gaps, examples=5)
    assert next(iter(groups)) == "treatment"
    assert groups["treatment"].counts == {"abstained": 1, "not helpful": 1}
    assert groups["advanced-treatment"].counts == {"partial": 1}
    assert groups["(no nearby topic)"].latest[0].question == "who first described it"
    assert [gap.question for gap in groups["treatment"].latest] == [
        "what is ketotifen",  # latest first
        "can I give blood?",
    ]


def test_the_report_names_topics_counts_and_latest_questions(tmp_path: Path) -> None:
    make_store(tmp_path / "conversations.db")
    groups = group_by_topic(read_gaps(f"sqlite:///{tmp_path / 'conversations.db'}"), examples=1)
    titles = topic_titles(PROJECT_ROOT / "knowledge")
    text = render(groups, titles, "today")
    assert "2 abstained, 1 partial, 1 not helpful" in text
    assert f"| {titles['treatment']} | treatment | 1 | 0 | 1 |" in text
    assert "not helpful: what is ketotifen (comment: not that)" in text
    assert "can I give blood?" not in text  # one example per topic: only the latest


def test_make_gaps_writes_the_report_and_an_empty_store_says_so(tmp_path: Path) -> None:
    make_store(tmp_path / "conversations.db")
    out = tmp_path / "gaps.md"
    command = [sys.executable, "-m", "scripts.gaps", "--out", str(out), "--db-url"]
    run = subprocess.run(
        [*command, f"sqlite:///{tmp_path / 'conversations.db'}"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert run.returncode == 0 and "4 questions in 3 topics" in run.stdout
    assert out.read_text().startswith("# Knowledge gaps")
    missing = subprocess.run(
        [*command, f"sqlite:///{tmp_path / 'none.db'}"], capture_output=True, cwd=PROJECT_ROOT
    )
    assert missing.returncode == 1 and b"no conversations yet" in missing.stderr
    (tmp_path / "empty.db").touch()
    empty = subprocess.run(
        [*command, f"sqlite:///{tmp_path / 'empty.db'}"], capture_output=True, cwd=PROJECT_ROOT
    )
    assert empty.returncode == 0 and "No unanswered" in out.read_text()
