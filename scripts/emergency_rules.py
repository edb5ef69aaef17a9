"""The editors' emergency rule: a section that tells someone to act carries the whole sequence.

The five steps are written once (knowledge/shared/emergency-steps.md) and a section carries them
with the `<!-- emergency-steps -->` line. `make check-knowledge` fails when a section names signs of
anaphylaxis, or tells someone to use adrenaline, without that line, and when a section's example
questions describe an emergency happening now (fainted, can't breathe, collapsed, pale and floppy)
but the section gives no steps. These patterns check the knowledge; they are not run on messages.
"""

from __future__ import annotations

import re

from actions.knowledge_base.documents import is_emergency_steps

# Signs that mean anaphylaxis may be happening: breathing trouble, throat or tongue swelling,
# fainting or collapse, a child gone pale and floppy.
ANAPHYLAXIS_SIGNS = re.compile(
    r"\b(?:difficulty|trouble|problems?|struggling) (?:with )?breathing|"
    r"breathing (?:difficult\w*|trouble|problems?)|hard to breathe|can'?t breathe|"
    r"short(?:ness)? of breath|wheez\w*|"
    r"(?:throat|tongue)(?:\W+\w+){0,3}\W+(?:swell\w*|swollen|tight\w*)|"
    r"swell\w* (?:of|in) the (?:throat|tongue)|swollen (?:throat|tongue)|"
    r"\bfaint(?:s|ed|ing)?\b|collaps\w*|pass(?:es|ed|ing)? out|"
    r"loss of consciousness|unconscious|\bfloppy\b",
    re.IGNORECASE,
)
DEVICE = r"(?:adrenaline|epinephrine|auto-?injectors?|epipens?|(?:nasal )?spray)"
# Telling someone to use adrenaline ("give adrenaline", "use the child's auto-injector",
# "adrenaline first"), within one clause: no punctuation between the verb and the device.
ADRENALINE_USE = re.compile(
    rf"\b(?:give|giving|use|using|inject|injecting|administer\w*)\s+(?:[\w']+\s+){{0,2}}?{DEVICE}|"
    rf"\b{DEVICE}\s+(?:[\w()]+\s+){{0,2}}?"
    r"(?:first|at once|straight away|immediately|without delay)\b",
    re.IGNORECASE,
)
# An example question about an emergency happening now.
EMERGENCY_NOW = re.compile(
    r"\b(?:fainted|fainting|passed out|passing out|collapsed|collapsing|unconscious|"
    r"can'?t breathe|cannot breathe|struggling to breathe|throat (?:is )?(?:closing|swelling)|"
    r"floppy|won'?t wake)\b",
    re.IGNORECASE,
)


def steps_problem(paragraphs: tuple[str, ...], questions: tuple[str, ...]) -> str | None:
    """Why a section needs the emergency steps line and lacks it, or None."""
    if any(is_emergency_steps(p) for p in paragraphs):
        return None
    text = " ".join(paragraphs)
    if use := ADRENALINE_USE.search(text):
        return f"says {use.group(0)!r} without the emergency steps: add <!-- emergency-steps -->"
    if sign := ANAPHYLAXIS_SIGNS.search(text):
        return f"names {sign.group(0)!r} without the emergency steps: add <!-- emergency-steps -->"
    for question in questions:
        if now := EMERGENCY_NOW.search(question):
            return (
                f"is tagged with an emergency happening now ({now.group(0)!r} in {question!r}) "
                "but gives no steps: add <!-- emergency-steps -->"
            )
    return None
