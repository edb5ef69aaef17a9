"""The chat page for keyboard and screen-reader users (WCAG 2.1 AA), on a desktop and a phone.

A keyboard-only visit: Tab to the launcher, open it, ask, read the answer, press a feedback
button, Escape. Then axe-core's WCAG 2.1 A and AA rules with the widget open and one question
answered. axe-core comes from web/node_modules (`make web`), as the widget does.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from actions.settings import PROJECT_ROOT
from tests.conftest import Stack
from tests.test_browser import DESKTOP, TIMEOUT_MS, chromium, open_chat, send

pytestmark = pytest.mark.browser
AXE = PROJECT_ROOT / "web" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
VIEWPORTS = {"desktop": DESKTOP, "phone": {"width": 390, "height": 800}}
QUESTION = "What causes mastocytosis?"
MAX_TABS = 10
# Finite animations only: a blinking "typing" indicator would never finish.
ANIMATIONS_DONE_JS = """() => Promise.all(document.getAnimations()
  .filter(a => a.effect.getTiming().iterations !== Infinity).map(a => a.finished))"""


@pytest.fixture(scope="module")
def browser(stack: Stack) -> Iterator:
    with chromium() as browser:
        yield browser


@pytest.fixture(params=list(VIEWPORTS))
def page(request: pytest.FixtureRequest, browser, stack: Stack) -> Iterator:
    """The chat page in a fresh context (no stored conversation) at each viewport."""
    context = browser.new_context(viewport=VIEWPORTS[request.param])
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(stack.web)
    yield page
    context.close()


def is_focused(locator) -> bool:
    return locator.evaluate("element => element === document.activeElement")


def tab_to(page, locator) -> None:
    """Press Tab until `locator` has the focus, as a visitor without a mouse would."""
    for _ in range(MAX_TABS):
        page.keyboard.press("Tab")
        if is_focused(locator):
            return
    pytest.fail(f"{locator} not reached in {MAX_TABS} presses of Tab")


def has_visible_focus(locator) -> bool:
    """The element draws an outline (a focus ring) at least 2px wide."""
    style = locator.evaluate(
        "e => { const s = getComputedStyle(e); return [s.outlineStyle, s.outlineWidth]; }"
    )
    return style[0] != "none" and float(style[1].removesuffix("px")) >= 2


def ask_by_keyboard(page) -> None:
    """Tab to the launcher, Enter to open, type a question, Enter, and wait for the answer."""
    launcher = page.get_by_role("button", name="Open the chat", exact=True)
    launcher.wait_for()
    tab_to(page, launcher)
    assert has_visible_focus(launcher)
    page.keyboard.press("Enter")
    question = page.get_by_role("textbox", name="Your question")
    question.wait_for()
    page.wait_for_function("document.activeElement?.classList.contains('rw-new-message')")
    assert has_visible_focus(question)
    page.keyboard.type(QUESTION)
    page.keyboard.press("Enter")
    log = page.get_by_role("log", name="Conversation")
    log.locator(".rw-response", has_text="KIT").wait_for()
    assert log.get_attribute("aria-live") == "polite"
    page.get_by_role("button", name="Helpful", exact=True).wait_for()


def test_a_keyboard_only_visitor_can_ask_rate_and_close(page) -> None:
    ask_by_keyboard(page)
    assert page.get_by_role("button", name="Send").count() == 1
    # Back from the question box to the feedback buttons, which carry words, not emoji.
    helpful = page.get_by_role("button", name="Helpful", exact=True)
    page.keyboard.press("Shift+Tab")
    assert is_focused(page.get_by_role("button", name="Not helpful", exact=True))
    page.keyboard.press("Shift+Tab")
    assert is_focused(helpful) and has_visible_focus(helpful)
    page.keyboard.press("Space")
    page.locator(".rw-response", has_text="Thank you for the feedback").wait_for()
    assert is_focused(page.get_by_role("textbox", name="Your question"))

    page.keyboard.press("Escape")
    page.locator(".rw-conversation-container").wait_for(state="detached")
    launcher = page.get_by_role("button", name="Open the chat", exact=True)
    assert launcher.get_attribute("aria-expanded") == "false"
    page.wait_for_function("document.activeElement?.classList.contains('rw-launcher')")
    assert has_visible_focus(launcher)


def axe_violations(page) -> list[dict]:
    """axe-core's WCAG 2.1 A and AA rules over the whole page."""
    if not AXE.exists():
        pytest.fail("axe-core is not installed: run `make web`")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})", WCAG_21_AA
    )
    return result["violations"]


def report(violations: list[dict]) -> str:
    return "\n".join(
        f"{violation['id']} ({violation['impact']}): {violation['help']}; "
        f"targets: {[node['target'] for node in violation['nodes']]}"
        for violation in violations
    )


def test_no_wcag_21_aa_violations_with_the_widget_open_and_an_answer(page) -> None:
    # By CSS class, not by name: a missing name must show up in axe's report, not as a timeout.
    open_chat(page)
    send(page, QUESTION)
    page.wait_for_selector(".rw-response >> text=KIT")
    page.wait_for_selector(".rw-reply")  # the feedback buttons under the answer
    page.evaluate(ANIMATIONS_DONE_JS)
    violations = axe_violations(page)
    if violations:
        pytest.fail("axe-core found WCAG 2.1 A/AA violations:\n" + report(violations))
