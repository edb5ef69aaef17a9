"""Summarise the ratings people gave the assistant's answers, read from the tracker store.

Usage: python -m scripts.feedback_summary [--db-url URL] [--json FILE] [--limit N]

Every rating is a `feedback` slot event (actions/feedback.py: ActionRecordFeedback) holding the
rating, the question, its topic, the chunks and the sources of the answer, and any comment. The
default database is the SQLite file in TRACKER_DB; `--db-url` takes any SQLAlchemy URL, e.g.
postgresql://user:password@host/rasa for a PostgreSQL tracker store.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.tracker_events import db_url_or_exit, slot_events

HELPFUL = "helpful"


@dataclass
class Summary:
    ratings: int = 0
    helpful: int = 0
    by_topic: dict[str, Counter] = field(default_factory=dict)
    by_chunk: dict[str, Counter] = field(default_factory=dict)
    not_helpful: list[dict[str, Any]] = field(default_factory=list)

    def add(self, record: dict[str, Any], sender: str, timestamp: float) -> None:
        rating = record.get("rating")
        self.ratings += 1
        self.helpful += rating == HELPFUL
        self.by_topic.setdefault(record.get("topic") or "(none)", Counter())[rating] += 1
        for chunk in record.get("chunks") or []:
            self.by_chunk.setdefault(chunk, Counter())[rating] += 1
        if rating != HELPFUL:
            self.not_helpful.append(
                {
                    "sender": sender,
                    "timestamp": timestamp,
                    "question": record.get("question"),
                    "comment": record.get("comment") or "",
                    "chunks": record.get("chunks") or [],
                }
            )

    def as_dict(self, limit: int) -> dict[str, Any]:
        return {
            "ratings": self.ratings,
            "helpful": self.helpful,
            "helpful_share": round(self.helpful / self.ratings, 3) if self.ratings else None,
            "by_topic": {topic: dict(counts) for topic, counts in sorted(self.by_topic.items())},
            "by_chunk": {chunk: dict(counts) for chunk, counts in sorted(self.by_chunk.items())},
            "latest_not_helpful": sorted(
                self.not_helpful, key=lambda item: item["timestamp"], reverse=True
            )[:limit],
        }


def read_ratings(db_url: str) -> Summary:
    """Every `feedback` slot event in the tracker store's events table, oldest first."""
    summary = Summary()
    for event in slot_events(db_url, {"feedback"}):
        summary.add(event.value, event.sender, event.timestamp)
    return summary


def report(summary: dict[str, Any]) -> str:
    if not summary["ratings"]:
        return "No ratings yet."
    lines = [
        f"{summary['ratings']} ratings, {summary['helpful']} helpful "
        f"({summary['helpful_share']:.0%})",
        "",
        "by topic (helpful / not helpful):",
    ]
    for topic, counts in summary["by_topic"].items():
        lines.append(f"  {topic:22s} {counts.get(HELPFUL, 0):4d} / {counts.get('not helpful', 0)}")
    if summary["latest_not_helpful"]:
        lines += ["", "latest answers rated not helpful:"]
        for item in summary["latest_not_helpful"]:
            comment = f"  ({item['comment']})" if item["comment"] else ""
            lines.append(f"  - {item['question']}{comment} -> {', '.join(item['chunks'])}")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", default=None, help="SQLAlchemy URL (default: TRACKER_DB)")
    parser.add_argument("--json", type=Path, help="also write the summary to this JSON file")
    parser.add_argument("--limit", type=int, default=20, help="not-helpful answers to list")
    args = parser.parse_args()
    summary = read_ratings(db_url_or_exit(args.db_url)).as_dict(args.limit)
    print(report(summary))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(summary, indent=2, ensure_ascii=False), "utf-8")


if __name__ == "__main__":
    main()
