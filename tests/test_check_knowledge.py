"""scripts/check_knowledge.py on small broken files (tests/data/knowledge-broken)."""

import datetime as dt
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from actions.settings import PROJECT_ROOT
from scripts import render_emergency
from scripts.check_knowledge import check_alert, check_knowledge
from scripts.emergency_rules import steps_problem

BROKEN = PROJECT_ROOT / "tests" / "data" / "knowledge-broken"
TODAY = dt.date(2026, 11, 26)


@pytest.fixture(scope="module")
def problems() -> list[str]:
    return [f"{Path(p.path).name}:{p.line}: {p.message}" for p in check_knowledge(BROKEN, TODAY)]


def find(problems: list[str], prefix: str, words: str) -> list[str]:
    return [p for p in problems if p.startswith(prefix) and words in p]


def test_front_matter_problems_name_the_file_and_line(problems: list[str]) -> None:
    assert find(problems, "stale-front-matter.md:1:", "lacks topics")
    assert find(problems, "stale-front-matter.md:3:", "source 1 needs an https URL")
    assert find(problems, "stale-front-matter.md:3:", "source 2 has no title")
    assert find(problems, "stale-front-matter.md:7:", "more than 12 months old")


def test_a_recent_review_date_passes() -> None:
    problems = check_knowledge(BROKEN, dt.date(2025, 6, 1))
    assert not [p for p in problems if "12 months" in p.message]


def test_a_section_without_example_questions_is_named(problems: list[str]) -> None:
    assert find(problems, "missing-questions.md:18:", "'Storing a widget' has no example")
    assert not find(problems, "missing-questions.md:12:", "")


def test_a_section_that_tells_someone_to_act_needs_the_whole_sequence(problems: list[str]) -> None:
    assert find(problems, "emergency-steps.md:12:", "names 'floppy' without the emergency steps")
    assert find(problems, "emergency-steps.md:18:", "'use their adrenaline' without the emergency")
    assert not find(problems, "emergency-steps.md:24:", "")  # carries the steps line


def test_a_section_tagged_with_an_emergency_now_needs_the_steps(problems: list[str]) -> None:
    assert find(problems, "emergency-steps.md:31:", "emergency happening now ('fainted'")


def test_a_required_topic_without_its_section_is_named(problems: list[str]) -> None:
    assert find(problems, "required-topics.yml:1:", "'widget storage': no section")
    assert find(problems, "required-topics.yml:1:", "'widget reactions in children'")  # 1 question


def test_a_sentence_in_two_files_is_named_once(problems: list[str]) -> None:
    repeated = find(problems, "repeats-b.md:12:", "sentence also in")
    assert len(repeated) == 1 and "repeats-a.md:12" in repeated[0]
    assert "Short one" not in repeated[0]  # under six words: common phrasing, not a copy


STEPS = "1. Give adrenaline.\n2. Call 999."


@pytest.mark.parametrize(
    ("paragraphs", "questions", "ok"),
    [
        (("Use the adrenaline pen, then call 999.",), (), False),
        (("If he collapses, treat it as anaphylaxis:", STEPS), (), True),
        (("Give the child's auto-injector straight away.",), (), False),
        (("Adrenaline (epinephrine) first, always.",), (), False),
        (("A swollen tongue is a sign of anaphylaxis.",), (), False),
        (("Carry two auto-injectors, because one may fail.",), (), True),
        (("Injectable adrenaline is prescribed for most adults.",), (), True),
        (("Flushing and itching are common.",), ("my son collapsed after a bath",), False),
        (("Flushing and itching are common.",), ("does flushing go away",), True),
    ],
)
def test_emergency_steps_rule(
    paragraphs: tuple[str, ...], questions: tuple[str, ...], ok: bool
) -> None:
    assert (steps_problem(paragraphs, questions) is None) is ok


def test_the_alert_in_the_domain_is_the_steps_file() -> None:
    assert check_alert(PROJECT_ROOT / "knowledge") == []
    text = render_emergency.alert_text(PROJECT_ROOT / "knowledge")
    assert render_emergency.domain_alert() == text
    assert text.count("\n") == 6 and "\n5. " in text  # opening, five steps, sources
    changed = render_emergency.rewrite_domain(render_emergency.DOMAIN.read_text(), "Other.")
    assert "    - text: |-\n        Other.\n" in changed and "5. Go to hospital" not in changed
    assert changed.count("utter_emergency:") == 1 and "utter_personal_advice:" in changed


def test_clean_files_pass_and_the_command_exits_nonzero_on_problems(tmp_path: Path) -> None:
    shutil.copy(BROKEN / "repeats-a.md", tmp_path / "only.md")
    assert check_knowledge(tmp_path, TODAY) == []
    run = subprocess.run(
        [sys.executable, "-m", "scripts.check_knowledge", str(BROKEN), "--today", "2026-11-26"],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
    )
    assert run.returncode == 1
    assert "emergency-steps.md:18:" in run.stdout and "problem(s) in 7 files" in run.stderr


def test_a_section_naming_a_source_the_file_lacks_is_named(problems: list[str]) -> None:
    assert find(problems, "section-sources.md:12:", "names source 3, not listed")
    assert not find(problems, "section-sources.md:", "names source 1")


def test_a_dose_in_a_passage_or_a_source_title_is_named(problems: list[str]) -> None:
    assert find(problems, "doses.md:4:", "source 1's title gives a dose: ")
    assert find(problems, "doses.md:12:", "gives a dose: '150 micrograms'")
    assert not find(problems, "doses.md:18:", "")  # ng/mL is a laboratory unit, not a dose


@pytest.mark.parametrize(
    ("text", "dose"),
    [
        ("capsules are taken twice a day", True),
        ("three times daily", True),
        ("once in a lifetime", False),
        ("0.3 mg", True),
    ],
)
def test_how_often_a_medicine_is_taken_counts_as_a_dose(text: str, dose: bool) -> None:
    from scripts.check_knowledge import DOSE_AMOUNT

    assert bool(DOSE_AMOUNT.search(text)) is dose


def test_a_section_with_the_steps_stays_one_passage() -> None:
    from actions.knowledge_base.documents import Section
    from scripts.check_knowledge import steps_apart

    lead = "If it happens, act now:"
    short = Section(("T", "S"), ("One. Two. Three.", lead, STEPS))
    long = Section(("T", "S"), ("One. Two. Three. Four. Five.", lead, STEPS))
    assert steps_apart(short) is None
    assert "in 7 sentences: keep it to 5" in (steps_apart(long) or "")
