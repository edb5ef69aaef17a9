"""The gaps report: questions the assistant could not answer, or answered badly, by nearest topic.

Usage: python -m scripts.gaps [--db-url URL] [--out reports/gaps.md] [--examples N]

Reads the conversation store (TRACKER_DB by default, the SQLite file `make run` writes; or any
SQLAlchemy URL such as postgresql://user:password@host/rasa). Three kinds of gap are counted:
questions the assistant abstained on, questions it answered only in part (both `unanswered` slot
events) and answers rated not helpful (`feedback` slot events). Each is filed under the knowledge
file nearest to it, which is where an editor adds or fixes a section.
"""

from __future__ import annotations

import argparse
import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from actions.knowledge_base.documents import knowledge_files, parse_front_matter
from actions.settings import PROJECT_ROOT
from scripts.tracker_events import SlotEvent, db_url_or_exit, slot_events

KINDS = ("abstained", "partial", "not helpful")
NO_TOPIC = "(no nearby topic)"


@dataclass(frozen=True)
class Gap:
    kind: str
    question: str
    topic: str  # the nearest knowledge file's stem, or NO_TOPIC
    timestamp: float
    comment: str = ""


@dataclass
class TopicGaps:
    counts: Counter = field(default_factory=Counter)
    latest: list[Gap] = field(default_factory=list)


def gap_from_event(event: SlotEvent) -> Gap | None:
    """A gap from an `unanswered` or a not-helpful `feedback` event; None for anything else."""
    value = event.value
    if event.name == "unanswered":
        kind, chunks, comment = value.get("outcome", "abstained"), value.get("nearest"), ""
    elif event.name == "feedback" and value.get("rating") == "not helpful":
        kind, chunks, comment = "not helpful", value.get("chunks"), value.get("comment") or ""
    else:
        return None
    topic = str(chunks[0]).split("#", 1)[0] if chunks else NO_TOPIC
    return Gap(kind, str(value.get("question") or ""), topic, event.timestamp, comment)


def read_gaps(db_url: str) -> list[Gap]:
    events = slot_events(db_url, {"unanswered", "feedback"})
    return [gap for gap in map(gap_from_event, events) if gap]


def group_by_topic(gaps: list[Gap], examples: int) -> dict[str, TopicGaps]:
    """Counts per kind and the latest `examples` questions for each topic, most gaps first."""
    groups: dict[str, TopicGaps] = {}
    for gap in sorted(gaps, key=lambda g: g.timestamp, reverse=True):
        group = groups.setdefault(gap.topic, TopicGaps())
        group.counts[gap.kind] += 1
        if len(group.latest) < examples:
            group.latest.append(gap)
    return dict(sorted(groups.items(), key=lambda item: -sum(item[1].counts.values())))


def topic_titles(knowledge_dir: Path) -> dict[str, str]:
    """Knowledge file stem -> its title, to name topics as editors know them."""
    titles = {}
    for path in knowledge_files(knowledge_dir):
        meta, _ = parse_front_matter(path.read_text(encoding="utf-8"), path)
        titles[path.stem] = meta["title"]
    return titles


def render(groups: dict[str, TopicGaps], titles: dict[str, str], generated: str) -> str:
    """reports/gaps.md: a table of topics, then each topic's latest questions."""
    total = Counter()
    for group in groups.values():
        total.update(group.counts)
    lines = [
        "# Knowledge gaps",
        "",
        f"Generated {generated}. " + ", ".join(f"{total[k]} {k}" for k in KINDS) + ".",
        "",
    ]
    if not groups:
        return "\n".join([*lines, "No unanswered or unhelpful questions yet.", ""])
    lines += ["| nearest topic | file | " + " | ".join(KINDS) + " |", "|---|---|---|---|---|"]
    for topic, group in groups.items():
        counts = " | ".join(str(group.counts[k]) for k in KINDS)
        lines.append(f"| {titles.get(topic, topic)} | {topic} | {counts} |")
    for topic, group in groups.items():
        lines += ["", f"## {titles.get(topic, topic)} (`{topic}`)", ""]
        for gap in group.latest:
            when = dt.datetime.fromtimestamp(gap.timestamp, dt.UTC).strftime("%Y-%m-%d")
            comment = f" (comment: {gap.comment})" if gap.comment else ""
            lines.append(f"- {when} · {gap.kind}: {gap.question}{comment}")
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db-url", default=None, help="SQLAlchemy URL (default: TRACKER_DB)")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "reports" / "gaps.md")
    parser.add_argument("--examples", type=int, default=5, help="latest questions per topic")
    args = parser.parse_args()
    gaps = read_gaps(db_url_or_exit(args.db_url))
    groups = group_by_topic(gaps, args.examples)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(render(groups, topic_titles(PROJECT_ROOT / "knowledge"), generated))
    print(f"gaps: {len(gaps)} questions in {len(groups)} topics -> {args.out}")


if __name__ == "__main__":
    main()
