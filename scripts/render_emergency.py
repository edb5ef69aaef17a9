"""Render the emergency alert (bot/domain.yml's `utter_emergency`) from the one steps file.

Usage: python -m scripts.render_emergency [--check]

The five steps are written once, in knowledge/shared/emergency-steps.md. Knowledge sections carry
them through a marker line (actions/knowledge_base/documents.py); the alert Rasa sends on an
emergency is a domain
response, so that it is said even when the action server is down, and this script writes it.
`--check` (run by `make check-knowledge`) fails when the domain's alert differs from the steps.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import yaml

from actions.knowledge_base.documents import (
    EMERGENCY_STEPS_FILE,
    parse_front_matter,
    read_emergency_steps,
)

ROOT = Path(__file__).resolve().parent.parent
KNOWLEDGE = ROOT / "knowledge"
DOMAIN = ROOT / "bot" / "domain.yml"
RESPONSE = "utter_emergency"
OPENING = "This may be anaphylaxis, a medical emergency. Act now:"
# The response's block in the domain: its key line up to the next response key (or the end).
BLOCK = re.compile(rf"^  {RESPONSE}:\n(?:(?:    .*)?\n)*", re.MULTILINE)


def alert_text(knowledge_dir: Path = KNOWLEDGE) -> str:
    """The alert: an opening line, the numbered steps and the steps' sources."""
    path = knowledge_dir / EMERGENCY_STEPS_FILE
    meta, _ = parse_front_matter(path.read_text(encoding="utf-8"), path, ("title", "sources"))
    links = "; ".join(f"[{s['title']}]({s['url']})" for s in meta["sources"][:2])
    steps = read_emergency_steps(knowledge_dir)
    return f"{OPENING}\n{steps}\nSources: {links}"


def render_block(text: str) -> str:
    """The domain's YAML block for the alert, as a literal block so each step keeps its line."""
    body = "\n".join(f"        {line}" for line in text.splitlines())
    return (
        f"  {RESPONSE}:\n"
        "    # Rendered from knowledge/shared/emergency-steps.md by `python -m "
        "scripts.render_emergency`: edit the steps there, not here.\n"
        f"    - text: |-\n{body}\n\n"
    )


def domain_alert(domain_path: Path = DOMAIN) -> str:
    """The alert text the domain holds now."""
    domain = yaml.safe_load(domain_path.read_text(encoding="utf-8"))
    return domain["responses"][RESPONSE][0]["text"]


def rewrite_domain(domain_text: str, text: str) -> str:
    """The domain's text with its alert block replaced by one rendered from `text`."""
    if not BLOCK.search(domain_text):
        raise ValueError(f"the domain has no {RESPONSE} response")
    return BLOCK.sub(lambda _: render_block(text), domain_text, count=1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="fail if the domain's alert differs")
    args = parser.parse_args()
    text = alert_text()
    if args.check:
        if domain_alert() != text:
            sys.exit(f"{DOMAIN}: {RESPONSE} differs from {EMERGENCY_STEPS_FILE}: run make train")
        print(f"render-emergency: {RESPONSE} matches the steps")
        return
    DOMAIN.write_text(rewrite_domain(DOMAIN.read_text(encoding="utf-8"), text), encoding="utf-8")
    print(f"render-emergency: {RESPONSE} written from {EMERGENCY_STEPS_FILE}")


if __name__ == "__main__":
    main()
