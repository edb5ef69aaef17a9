"""The chat page in headless Chromium: ask, read a sourced answer, press a button, reload, and
check that markup typed by a user stays inert. Needs Debian's chromium (`make browser`)."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest

from actions.settings import PROJECT_ROOT
from tests.conftest import Stack

pytestmark = pytest.mark.browser
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SCREENSHOT = PROJECT_ROOT / "reports" / "chat-page.png"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TIMEOUT_MS = 30_000
DESKTOP = {"width": 1200, "height": 860}


@contextmanager
def chromium() -> Iterator:
    """Debian's headless Chromium under Playwright; closed on leaving."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail("chromium is not installed: run `make browser`")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture(scope="module")
def page(stack: Stack) -> Iterator:
    with chromium() as browser:
        page = browser.new_page(viewport=DESKTOP)
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(stack.web)
        yield page


def send(page, text: str) -> None:
    page.fill(".rw-new-message", text)
    page.keyboard.press("Enter")


def open_chat(page) -> None:
    """Open the widget unless it is open already (it remembers that across a reload)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeoutError

    page.wait_for_selector(".rw-launcher")
    try:
        page.wait_for_selector(".rw-new-message", timeout=3000)
    except PlaywrightTimeoutError:  # the widget is closed
        page.click(".rw-launcher")
        page.wait_for_selector(".rw-new-message")


def test_page_looks_finished(page) -> None:
    assert page.title() == "Mastocytosis assistant"
    assert "not medical advice" in page.inner_text("body")


def test_question_gets_a_grounded_answer_with_source_links(page) -> None:
    open_chat(page)
    send(page, "What causes mastocytosis?")
    answer = page.wait_for_selector(".rw-response >> text=KIT")
    assert "KIT" in answer.inner_text()
    link = page.wait_for_selector(".rw-response a[href^='https://']")
    assert link.get_attribute("href").startswith("https://")


SOURCED_ANSWERS_JS = (
    "[...document.querySelectorAll('.rw-response')]"
    ".filter(e => e.innerText.includes('Source:') || e.innerText.includes('Sources:')).length"
)


def sourced_answers(page) -> int:
    return page.evaluate(SOURCED_ANSWERS_JS)


def test_topic_button_gets_a_sourced_answer(page) -> None:
    send(page, "what can you do?")
    before = sourced_answers(page)
    page.click(".rw-reply >> text=How mastocytosis is treated")
    page.wait_for_function(f"n => {SOURCED_ANSWERS_JS} > n", arg=before)
    newest = page.locator(".rw-response").last.inner_text()
    assert "treat" in newest.lower() and "Sources:" in newest


def test_markup_from_a_user_is_shown_as_text_never_run(page) -> None:
    payload = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script>'
    send(page, payload)
    page.wait_for_timeout(3000)
    assert page.evaluate("window.__xss") is None
    assert page.locator(".rw-messages-container img[src='x']").count() == 0


def test_conversation_survives_a_reload(page) -> None:
    page.reload()
    open_chat(page)
    page.wait_for_selector(".rw-response >> text=KIT")
    page.wait_for_timeout(1500)  # let the widget finish opening
    SCREENSHOT.parent.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOT))


KB_MARKUP = (
    'Mast cells <img src=x onerror="window.__kbxss=1"><script>window.__kbxss=2</script>'
    " are **immune cells**. Source: [NORD](https://rarediseases.org/)"
)


def test_markup_in_an_answer_from_the_knowledge_base_stays_inert(page) -> None:
    """The bot's answer is rewritten on its way to the page, as if a knowledge file held HTML."""

    def tamper(ws) -> None:
        server = ws.connect_to_server()

        def from_server(message) -> None:
            if isinstance(message, str) and message.startswith('42["bot_uttered"'):
                event = json.loads(message[2:])
                event[1]["text"] = KB_MARKUP
                message = "42" + json.dumps(event)
            ws.send(message)

        server.on_message(from_server)
        ws.on_message(server.send)

    # A fresh context: no stored session, and the route applies to its socket only.
    context = page.context.browser.new_context()
    tampered = context.new_page()
    try:
        tampered.set_default_timeout(TIMEOUT_MS)
        tampered.route_web_socket("**/socket.io/**", tamper)
        tampered.goto(page.url)
        open_chat(tampered)
        send(tampered, "what are mast cells?")
        bold = tampered.wait_for_selector(".rw-response >> text=immune cells")
        tampered.wait_for_timeout(1000)
        assert tampered.evaluate("window.__kbxss") is None
        assert tampered.locator(".rw-messages-container img[src='x']").count() == 0
        assert tampered.locator(".rw-messages-container script").count() == 0
        # Markdown still works: bold text and the source link.
        assert bold.evaluate("e => e.tagName") == "STRONG"
        assert tampered.locator(".rw-response a[href='https://rarediseases.org/']").count() >= 1
    finally:
        context.close()


def test_the_page_loads_nothing_from_elsewhere(page) -> None:
    """No CDN, no web font: every request the browser sends goes to this machine.

    The page's Content-Security-Policy stops the widget's Google Fonts @import in the browser
    (a request that fails with "csp" never left it).
    """
    context = page.context.browser.new_context()
    fresh = context.new_page()
    sent: list[str] = []

    def unsend_if_blocked(request) -> None:
        if request.failure == "csp":
            sent.remove(request.url)

    fresh.on("request", lambda request: sent.append(request.url))
    fresh.on("requestfailed", unsend_if_blocked)
    try:
        fresh.set_default_timeout(TIMEOUT_MS)
        fresh.goto(page.url)
        open_chat(fresh)
        send(fresh, "What causes mastocytosis?")
        fresh.wait_for_selector(".rw-response >> text=KIT")
        assert {urlparse(url).hostname for url in sent} == {"127.0.0.1"}
    finally:
        context.close()
