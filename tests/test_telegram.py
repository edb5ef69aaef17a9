"""The Telegram channel: formatting and escaping, reading updates, the webhook's secret token,
and the running assistant answering updates through a fake Bot API on loopback (never the real
Telegram)."""

from __future__ import annotations

import asyncio
import json
import re
import sqlite3
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager, closing
from itertools import count
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests
from rasa.core.channels.channel import UserMessage
from rasa.core.run import create_http_input_channels
from rasa.shared.exceptions import RasaException
from sanic import Blueprint, Sanic

from actions.answering.composition import SOURCES_BREAK, format_sources
from actions.clarify import topic_menu_buttons
from actions.settings import PROJECT_ROOT
from bot.channels import MAX_MESSAGE_CHARS
from bot.resilience import UNAVAILABLE_REPLY
from bot.telegram import SECRET_TOKEN_ENV, SECRET_TOKEN_HEADER, TelegramInput, TelegramOutput
from bot.telegram_credentials import write_credentials
from bot.telegram_format import inline_keyboard, split_message, telegram_length, to_telegram_html
from bot.telegram_updates import IncomingMessage, read_update
from scripts.localnet import free_port
from tests.conftest import Stack, make_run
from tests.fake_telegram import BOT_USERNAME, FakeBotAPI, html_error, visible_text

TOKEN = "123456789:TEST-token_for-the-fake-api"
SECRET = "test-secret_token-for-the-webhook"
WEBHOOK_URL = "https://bot.example.org/webhooks/telegram/webhook"
NORD = {
    "title": "NORD – Mastocytosis",
    "url": "https://rarediseases.org/rare-diseases/mastocytosis/",
}
UPDATE_IDS = count(1000)


# Formatting: what the bot's answers look like in Telegram.


def test_markup_in_text_is_shown_as_text() -> None:
    html = to_telegram_html("<script>alert(1)</script> & <b>bold</b> > 3")
    assert html == "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt; &gt; 3"
    assert html_error(html) is None


def test_an_answer_with_sources_reads_as_one_message_with_links() -> None:
    medline = {"title": "MedlinePlus <KIT> & co", "url": "https://medlineplus.gov/a?b=1&c=2"}
    text = "It is caused by a change in KIT." + SOURCES_BREAK + format_sources([NORD, medline])
    assert split_message(text) == [
        "It is caused by a change in KIT.\n\nSources: "
        '<a href="https://rarediseases.org/rare-diseases/mastocytosis/">NORD – Mastocytosis</a>; '
        '<a href="https://medlineplus.gov/a?b=1&amp;c=2">MedlinePlus &lt;KIT&gt; &amp; co</a>'
    ]


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("[click](javascript:alert(1))", None),
        ("[x](data:text/html,<script>alert(1)</script>)", None),
        ('[a](https://e.org/"><script>alert(1)</script>)', None),
        ("[unclosed](https://e.org", None),
        ("<a href='https://e.org'>raw tag</a> &amp; &#x27;", None),
        ("[a](https://e.org/x\"onclick='alert(1)')", "a"),
    ],
)
def test_nothing_in_the_text_can_break_the_message_or_add_markup(
    text: str, shown: str | None
) -> None:
    (html,) = split_message(text)
    assert html_error(html) is None  # only <a href="..."> tags, every & an entity
    assert visible_text(html) == (shown or text)
    assert "<script" not in html


def test_a_url_with_quotes_stays_inside_its_attribute() -> None:
    html = to_telegram_html('[a](https://e.org/x"onmouseover="alert(1))')
    assert html == '<a href="https://e.org/x&quot;onmouseover=&quot;alert(1)">a</a>'


def test_long_text_is_split_into_valid_messages_without_cutting_links() -> None:
    sentence = "Mast cells & histamine <cause> flushing in some people. "
    text = (sentence * 30 + format_sources([NORD] * 3) + "\n\n") * 12
    parts = split_message(text)
    assert len(parts) > 1
    for part in parts:
        assert telegram_length(part) <= 4096 and html_error(part) is None
        assert part.count("<a href=") == part.count("</a>") == part.count(">NORD – Mastocytosis<")
    assert (
        " ".join(visible_text(part) for part in parts).split()
        == visible_text(to_telegram_html(text)).split()
    )


def test_a_split_prefers_paragraphs_then_sentences() -> None:
    assert split_message("A" * 3000 + "\n\n" + "B. " * 600) == ["A" * 3000, ("B. " * 600).strip()]
    parts = split_message("One & two; three. " * 300)
    assert len(parts) > 1 and all(part.endswith("three.") for part in parts)


def test_words_entities_emoji_and_links_longer_than_a_message_are_cut_safely() -> None:
    for text in ("&" * 9000, "😀" * 5000, "[" + "t" * 5000 + "](https://e.org)"):
        parts = split_message(text)
        assert len(parts) >= 2
        assert all(telegram_length(p) <= 4096 and html_error(p) is None for p in parts)
        assert "".join(visible_text(p) for p in parts) == text


def test_empty_text_gives_no_message() -> None:
    assert split_message(" \n \n ") == []


def test_topic_buttons_become_an_inline_keyboard_one_per_row() -> None:
    buttons = topic_menu_buttons()
    keyboard = inline_keyboard(buttons)
    assert keyboard is not None
    rows = keyboard.to_python()["inline_keyboard"]
    assert [row[0]["callback_data"] for row in rows] == [b["payload"] for b in buttons]
    assert [row[0]["text"] for row in rows] == [b["title"] for b in buttons]
    assert all(len(row) == 1 for row in rows)


def test_buttons_telegram_cannot_send_are_left_out() -> None:
    keyboard = inline_keyboard(
        [
            {"title": "Too long", "payload": "/ask_causes" + "x" * 60},
            {"title": "", "payload": "/greet"},
            {"title": "NORD", "url": "https://rarediseases.org/"},
        ]
    )
    assert keyboard is not None
    assert keyboard.to_python()["inline_keyboard"] == [
        [{"text": "NORD", "url": "https://rarediseases.org/"}]
    ]
    assert inline_keyboard([{"title": "x", "payload": "y" * 65}]) is None


# Reading updates.


def text_update(text: Any, chat_id: int, key: str = "message") -> dict[str, Any]:
    """A Telegram update as the Bot API posts it to the webhook."""
    user = {"id": chat_id, "is_bot": False, "first_name": "Ada", "language_code": "en"}
    message = {
        "message_id": 17,
        "from": user,
        "chat": {"id": chat_id, "first_name": "Ada", "type": "private"},
        "date": 1764000000,
        "text": text,
    }
    if isinstance(text, str) and text.startswith("/"):
        message["entities"] = [{"offset": 0, "length": len(text.split()[0]), "type": "bot_command"}]
    return {"update_id": next(UPDATE_IDS), key: message}


def button_update(data: Any, chat_id: int) -> dict[str, Any]:
    """The update Telegram posts when a user presses an inline keyboard button."""
    bot_message = text_update("These are the topics I know about:", chat_id)["message"]
    user = {"id": chat_id, "is_bot": False, "first_name": "Ada"}
    query = {"id": f"cq-{uuid.uuid4().hex[:12]}", "from": user, "chat_instance": "-42"}
    return {
        "update_id": next(UPDATE_IDS),
        "callback_query": {**query, "message": bot_message, "data": data},
    }


def sticker_update(chat_id: int) -> dict[str, Any]:
    update = text_update("", chat_id)
    del update["message"]["text"]
    update["message"]["sticker"] = {"file_id": "CAACAgIAAxk", "width": 512, "height": 512}
    return update


def test_a_text_message_is_read() -> None:
    assert read_update(text_update("What causes it?", 42)) == IncomingMessage(42, "What causes it?")


@pytest.mark.parametrize(
    ("text", "read_as"),
    [
        ("/start", "/greet"),
        ("/start@mastobot", "/greet"),
        ("/start ref42", "/greet"),
        ("/help", "/ask_capabilities"),
        ("/forget@mastobot", "/forget"),
        ("/ask_causes", "/ask_causes"),
    ],
)
def test_telegram_commands_are_read_as_intents(text: str, read_as: str) -> None:
    assert read_update(text_update(text, 42)) == IncomingMessage(42, read_as)


def test_a_button_press_is_read_with_its_query_id() -> None:
    update = button_update("/ask_causes", 42)
    query_id = update["callback_query"]["id"]
    assert read_update(update) == IncomingMessage(42, "/ask_causes", callback_query_id=query_id)
    del update["callback_query"]["message"]  # a button under an inline-mode message
    assert read_update(update) == IncomingMessage(42, "/ask_causes", callback_query_id=query_id)


BAD_UPDATES = {
    "json list": [1, 2],
    "json string": "hello",
    "empty object": {},
    "edited message": text_update("What causes mastocytosis?", 7, key="edited_message"),
    "channel post": text_update("What causes mastocytosis?", 7, key="channel_post"),
    "sticker": sticker_update(7),
    "location": {**text_update("", 7), "message": {"chat": {"id": 7}, "location": {"latitude": 1}}},
    "poll": {"update_id": 5, "poll": {"id": "1", "question": "?", "options": []}},
    "message is a string": {"update_id": 5, "message": "What causes mastocytosis?"},
    "chat id is a string": {"update_id": 5, "message": {"chat": {"id": "7"}, "text": "hi"}},
    "no chat": {"update_id": 5, "message": {"text": "What causes mastocytosis?"}},
    "text is a number": text_update(42, 7),
    "empty text": text_update("   ", 7),
    "button without data": {"update_id": 5, "callback_query": {"id": "q", "from": {"id": 7}}},
    "button without id": {"update_id": 5, "callback_query": {"from": {"id": 7}, "data": "/greet"}},
}


@pytest.mark.parametrize("update", BAD_UPDATES.values(), ids=BAD_UPDATES.keys())
def test_updates_without_a_user_text_are_not_read(update: Any) -> None:
    assert read_update(update) is None


# The channel against the fake Bot API, in this process.


@pytest.fixture
def fake_api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(TOKEN) as api:
        yield api


def channel_for(api: FakeBotAPI, secret_token: str | None = SECRET) -> TelegramInput:
    return TelegramInput(TOKEN, BOT_USERNAME, WEBHOOK_URL, api.url, secret_token=secret_token)


def test_start_up_checks_the_bot_name_and_sets_the_webhook_with_the_secret(
    fake_api: FakeBotAPI,
) -> None:
    channel = TelegramInput(TOKEN, f"@{BOT_USERNAME.upper()}", WEBHOOK_URL, fake_api.url, SECRET)
    asyncio.run(channel.register_webhook())
    assert [call["method"] for call in fake_api.calls] == ["getMe", "setWebhook"]
    assert fake_api.requests("setWebhook") == [{"url": WEBHOOK_URL, "secret_token": SECRET}]


@pytest.mark.parametrize(
    ("token", "verify", "error"),
    [(TOKEN, "someone_else_bot", "belongs to @"), ("999:wrong", BOT_USERNAME, "Unauthorized")],
)
def test_start_up_fails_clearly_on_a_wrong_bot_or_token(
    fake_api: FakeBotAPI, token: str, verify: str, error: str
) -> None:
    channel = TelegramInput(token, verify, WEBHOOK_URL, api_url=fake_api.url)
    with pytest.raises(RasaException, match=error):
        asyncio.run(channel.register_webhook())
    assert fake_api.requests("setWebhook") == []


def test_replies_are_sent_as_html_with_the_keyboard_under_the_last_part(
    fake_api: FakeBotAPI,
) -> None:
    async def send() -> None:
        bot = TelegramOutput(TOKEN, fake_api.url)
        text = "Topics <& more>. " * 500
        await bot.send_text_with_buttons("42", text, topic_menu_buttons()[:2])
        await bot.session.close()

    asyncio.run(send())
    sent = fake_api.requests("sendMessage")
    assert len(sent) > 1
    assert all(m["parse_mode"] == "HTML" and html_error(m["text"]) is None for m in sent)
    assert ["reply_markup" in m for m in sent] == [False] * (len(sent) - 1) + [True]
    keyboard = json.loads(sent[-1]["reply_markup"])["inline_keyboard"]
    assert keyboard == [
        [{"text": "What mastocytosis is", "callback_data": "/ask_what_is"}],
        [{"text": "What mast cells are", "callback_data": "/ask_mast_cells"}],
    ]


CREDENTIALS = {"access_token": TOKEN, "verify": "b", "webhook_url": WEBHOOK_URL, "api_url": ""}


def test_credentials_need_every_required_variable() -> None:
    with pytest.raises(RasaException, match="TELEGRAM_VERIFY, TELEGRAM_WEBHOOK_URL"):
        TelegramInput.from_credentials({"access_token": TOKEN, "verify": " ", "api_url": ""})
    channel = TelegramInput.from_credentials(CREDENTIALS)
    assert channel.api_url == "https://api.telegram.org"


def test_the_secret_token_comes_from_telegram_secret_token(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(SECRET_TOKEN_ENV, f" {SECRET} ")
    assert TelegramInput.from_credentials(CREDENTIALS).secret_token == SECRET


@pytest.mark.parametrize(
    "secret", ["has spaces", "semi;colon", "é", "x" * 257], ids=["space", ";", "é", "257 chars"]
)
def test_a_secret_token_telegram_would_refuse_stops_the_start(
    monkeypatch: pytest.MonkeyPatch, secret: str
) -> None:
    monkeypatch.setenv(SECRET_TOKEN_ENV, secret)
    with pytest.raises(RasaException, match=SECRET_TOKEN_ENV):
        TelegramInput.from_credentials(CREDENTIALS)


def test_telegram_is_on_only_in_the_generated_credentials(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    base = PROJECT_ROOT / "bot" / "credentials.yml"
    assert "telegram" not in {c.name() for c in create_http_input_channels(None, str(base))}
    target = tmp_path / "build" / "credentials.yml"
    write_credentials(base, target)
    for name, value in {
        "TELEGRAM_ACCESS_TOKEN": TOKEN,
        "TELEGRAM_VERIFY": BOT_USERNAME,
        "TELEGRAM_WEBHOOK_URL": WEBHOOK_URL,
        "TELEGRAM_API_URL": "http://127.0.0.1:9",
        SECRET_TOKEN_ENV: SECRET,
    }.items():
        monkeypatch.setenv(name, value)
    channels = {c.name(): c for c in create_http_input_channels(None, str(target))}
    assert set(channels) == {"rest", "socketio", "telegram"}
    telegram = channels["telegram"]
    assert isinstance(telegram, TelegramInput)
    assert (telegram.access_token, telegram.verify, telegram.webhook_url, telegram.api_url) == (
        TOKEN,
        BOT_USERNAME,
        WEBHOOK_URL,
        "http://127.0.0.1:9",
    )
    assert telegram.secret_token == SECRET
    written = target.read_text("utf-8")
    assert TOKEN not in written and SECRET not in written  # names of variables, never secrets


# The webhook in this process, on a Sanic server as Rasa mounts it: only Telegram gets through.


@pytest.fixture
def sanic_test_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sanic's test mode: without it, a second server in one process fails in Sanic's TouchUp."""
    monkeypatch.setattr(Sanic, "test_mode", True)


@asynccontextmanager
async def serving(blueprint: Blueprint) -> AsyncIterator[str]:
    """`blueprint` served on loopback under Rasa's prefix; yields the webhook's URL."""
    app = Sanic(f"telegram-test-{uuid.uuid4().hex[:8]}")
    app.blueprint(blueprint, url_prefix="/webhooks/telegram")
    port = free_port()
    server = await app.create_server(
        host="127.0.0.1", port=port, return_asyncio_server=True, access_log=False
    )
    assert server is not None
    await server.startup()
    await server.before_start()
    await server.after_start()
    try:
        yield f"http://127.0.0.1:{port}/webhooks/telegram/webhook"
    finally:
        await server.before_stop()
        server.close()
        await server.wait_closed()
        await server.after_stop()


def serve_updates(
    channel: TelegramInput,
    posts: list[tuple[Any, dict[str, str]]],
    on_new_message: Callable[[UserMessage], Awaitable[None]] | None = None,
) -> tuple[list[int], list[UserMessage]]:
    """Start `channel` as Rasa does and POST each (update, headers); statuses, messages handled."""
    handled: list[UserMessage] = []

    async def record(message: UserMessage) -> None:
        handled.append(message)

    blueprint = channel.blueprint(on_new_message or record)  # registers the webhook first

    async def post_all() -> list[int]:
        async with serving(blueprint) as url, aiohttp.ClientSession() as session:
            statuses = []
            for update, headers in posts:
                body = update if isinstance(update, bytes) else json.dumps(update)
                async with session.post(url, data=body, headers=headers) as reply:
                    statuses.append(reply.status)
            return statuses

    return asyncio.run(post_all()), handled


def secret_header(secret: str) -> dict[str, str]:
    return {"content-type": "application/json", SECRET_TOKEN_HEADER: secret}


FORGED_HEADERS = {
    "no header": {"content-type": "application/json"},
    "empty": secret_header(""),
    "wrong": secret_header("not-the-secret"),
    "prefix": secret_header(SECRET[:-1]),
    "longer": secret_header(SECRET + "x"),
    "other case": secret_header(SECRET.upper()),
    "not ASCII": secret_header(SECRET + "é"),
}


@pytest.mark.usefixtures("sanic_test_mode")
@pytest.mark.parametrize("headers", FORGED_HEADERS.values(), ids=FORGED_HEADERS.keys())
def test_an_update_without_the_secret_gets_403_and_is_not_handled(
    fake_api: FakeBotAPI, headers: dict[str, str]
) -> None:
    forged = text_update("What causes mastocytosis?", 666)
    genuine = text_update("What is mastocytosis?", 42)
    statuses, handled = serve_updates(
        channel_for(fake_api), [(forged, headers), (genuine, secret_header(SECRET))]
    )
    assert statuses == [403, 200]
    assert [(m.sender_id, m.text) for m in handled] == [("42", "What is mastocytosis?")]
    assert fake_api.requests("sendMessage") == []


@pytest.mark.usefixtures("sanic_test_mode")
def test_the_secret_is_checked_before_the_body_is_read(fake_api: FakeBotAPI) -> None:
    posts = [
        (b"not JSON", {"content-type": "application/json"}),
        (b"not JSON", secret_header(SECRET)),
    ]
    statuses, _ = serve_updates(channel_for(fake_api), posts)
    assert statuses == [403, 400]


@pytest.mark.usefixtures("sanic_test_mode")
def test_without_telegram_secret_token_each_start_makes_its_own(
    fake_api: FakeBotAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(SECRET_TOKEN_ENV, raising=False)
    credentials = {**CREDENTIALS, "verify": BOT_USERNAME, "api_url": fake_api.url}
    first, second = (TelegramInput.from_credentials(credentials) for _ in range(2))
    assert first.secret_token != second.secret_token
    assert all(re.fullmatch(r"[\w-]{43}", c.secret_token) for c in (first, second))
    update = text_update("What is mastocytosis?", 42)
    statuses, handled = serve_updates(
        second,
        [(update, secret_header(first.secret_token)), (update, secret_header(second.secret_token))],
    )
    assert fake_api.webhook_secret() == second.secret_token  # what Telegram was given
    assert statuses == [403, 200] and len(handled) == 1


@pytest.mark.usefixtures("sanic_test_mode")
def test_a_failure_while_answering_gets_the_apology(fake_api: FakeBotAPI) -> None:
    async def failing(message: UserMessage) -> None:
        raise RuntimeError("the tracker store is down")

    update = text_update("What is mastocytosis?", 42)
    statuses, _ = serve_updates(
        channel_for(fake_api), [(update, secret_header(SECRET))], on_new_message=failing
    )
    assert statuses == [200]  # Telegram must not deliver it again
    assert [(m["chat_id"], m["text"]) for m in fake_api.requests("sendMessage")] == [
        ("42", UNAVAILABLE_REPLY)
    ]


# The running assistant (`make run` with the Telegram variables set) against the fake Bot API.


@pytest.fixture(scope="module")
def stack_api() -> Iterator[FakeBotAPI]:
    with FakeBotAPI(TOKEN) as api:
        yield api


@pytest.fixture(scope="module")
def telegram_stack(
    stack_api: FakeBotAPI, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Stack]:
    """`make run` on free ports with Telegram enabled and pointed at the fake Bot API."""
    with make_run(
        tmp_path_factory.mktemp("telegram"),
        TELEGRAM_ACCESS_TOKEN=TOKEN,
        TELEGRAM_VERIFY=BOT_USERNAME,
        TELEGRAM_WEBHOOK_URL=WEBHOOK_URL,
        TELEGRAM_API_URL=stack_api.url,
        TELEGRAM_SECRET_TOKEN=SECRET,
    ) as running:
        yield running


def post_update(stack: Stack, update: Any, secret: str | None = SECRET) -> requests.Response:
    """POST an update (bytes are sent as they are) to the Telegram webhook, as Telegram does.

    `secret`: the secret token header (None: no header, as in a forged update).
    """
    body = update if isinstance(update, bytes) else json.dumps(update).encode()
    headers = {"content-type": "application/json"} if secret is None else secret_header(secret)
    return requests.post(
        f"{stack.rasa}/webhooks/telegram/webhook", data=body, headers=headers, timeout=30
    )


def stored_user_texts(stack: Stack, sender_id: str) -> list[str]:
    """The user messages stored in the tracker store for `sender_id`."""
    with closing(sqlite3.connect(stack.tracker_db)) as db:
        rows = db.execute(
            "SELECT data FROM events WHERE sender_id = ? AND type_name = 'user' ORDER BY id",
            (sender_id,),
        ).fetchall()
    return [json.loads(data)["text"] for (data,) in rows]


def stored_event_count(stack: Stack, sender_id: str) -> int:
    with closing(sqlite3.connect(stack.tracker_db)) as db:
        query = "SELECT COUNT(*) FROM events WHERE sender_id = ?"
        return db.execute(query, (sender_id,)).fetchone()[0]


def reply_to(api: FakeBotAPI, chat_id: int, contains: str) -> dict[str, Any]:
    """The first message sent to `chat_id` containing `contains`; every one must be valid HTML."""
    message = api.wait_for(
        "sendMessage", lambda m: m["chat_id"] == str(chat_id) and contains in m["text"]
    )
    for sent in api.requests("sendMessage"):
        assert html_error(sent["text"]) is None, sent
    return message


def new_chat() -> int:
    return 10_000 + uuid.uuid4().int % 10**9


@pytest.mark.stack
def test_start_up_registered_the_webhook(telegram_stack: Stack, stack_api: FakeBotAPI) -> None:
    assert stack_api.requests("getMe")
    assert {"url": WEBHOOK_URL, "secret_token": SECRET} in stack_api.requests("setWebhook")
    health = requests.get(f"{telegram_stack.rasa}/webhooks/telegram/", timeout=5)
    assert health.json() == {"status": "ok"}


@pytest.mark.stack
def test_a_question_gets_a_grounded_answer_with_source_links(
    telegram_stack: Stack, stack_api: FakeBotAPI
) -> None:
    chat = new_chat()
    response = post_update(telegram_stack, text_update("What causes mastocytosis?", chat))
    assert response.status_code == 200
    reply = reply_to(stack_api, chat, "KIT")
    assert reply["parse_mode"] == "HTML"
    assert '<a href="https://' in reply["text"] and "](" not in reply["text"]


@pytest.mark.stack
def test_start_command_greets_with_the_disclaimer(
    telegram_stack: Stack, stack_api: FakeBotAPI
) -> None:
    chat = new_chat()
    assert post_update(telegram_stack, text_update("/start", chat)).status_code == 200
    reply_to(stack_api, chat, "not medical advice")


@pytest.mark.stack
def test_topic_buttons_are_an_inline_keyboard_and_a_pressed_button_is_answered(
    telegram_stack: Stack, stack_api: FakeBotAPI
) -> None:
    chat = new_chat()
    assert post_update(telegram_stack, text_update("/help", chat)).status_code == 200
    menu = stack_api.wait_for(
        "sendMessage", lambda m: m["chat_id"] == str(chat) and "reply_markup" in m
    )
    rows = json.loads(menu["reply_markup"])["inline_keyboard"]
    assert [{"text": "What causes mastocytosis", "callback_data": "/ask_causes"}] in rows

    press = button_update("/ask_causes", chat)
    assert post_update(telegram_stack, press).status_code == 200
    query_id = press["callback_query"]["id"]
    assert {"callback_query_id": query_id} in stack_api.requests("answerCallbackQuery")
    assert '<a href="https://' in reply_to(stack_api, chat, "KIT")["text"]


@pytest.mark.stack
def test_the_forget_command_deletes_the_chat_from_the_tracker_store(
    telegram_stack: Stack, stack_api: FakeBotAPI
) -> None:
    chat = new_chat()
    post_update(telegram_stack, text_update("What causes mastocytosis?", chat))
    reply_to(stack_api, chat, "KIT")
    assert stored_event_count(telegram_stack, str(chat)) > 0
    assert post_update(telegram_stack, text_update("/forget@mastobot", chat)).status_code == 200
    reply_to(stack_api, chat, "deleted this conversation")
    assert stored_event_count(telegram_stack, str(chat)) == 0


MALFORMED = {
    "truncated JSON": b'{"update_id": 1, "message": {"text": "What causes',
    "not JSON": b"hello",
    "not UTF-8": b'{"text": "\xff"}',
    "empty body": b"",
}


@pytest.mark.stack
@pytest.mark.parametrize(
    "update",
    [*MALFORMED.values(), *BAD_UPDATES.values()],
    ids=[*MALFORMED.keys(), *BAD_UPDATES.keys()],
)
def test_updates_without_a_user_text_get_no_reply_and_no_error(
    telegram_stack: Stack, stack_api: FakeBotAPI, update: Any
) -> None:
    sent_before = len(stack_api.requests("sendMessage"))
    response = post_update(telegram_stack, update)
    assert response.status_code < 500
    assert response.status_code == (400 if isinstance(update, bytes) else 200)
    assert len(stack_api.requests("sendMessage")) == sent_before
    assert requests.get(f"{telegram_stack.rasa}/webhooks/telegram/", timeout=5).ok


@pytest.mark.stack
@pytest.mark.parametrize("secret", [None, "not-the-secret"], ids=["no header", "wrong header"])
def test_a_forged_update_gets_403_no_reply_and_is_not_stored(
    telegram_stack: Stack, stack_api: FakeBotAPI, secret: str | None
) -> None:
    chat = new_chat()
    response = post_update(telegram_stack, text_update("What causes mastocytosis?", chat), secret)
    assert response.status_code == 403
    assert [m for m in stack_api.requests("sendMessage") if m["chat_id"] == str(chat)] == []
    assert stored_event_count(telegram_stack, str(chat)) == 0


@pytest.mark.stack
def test_an_over_long_message_is_capped_as_on_rest(
    telegram_stack: Stack, stack_api: FakeBotAPI
) -> None:
    text = "What causes mastocytosis? " + "really " * 2000
    assert len(text) > MAX_MESSAGE_CHARS
    chat, sender = new_chat(), uuid.uuid4().hex
    assert post_update(telegram_stack, text_update(text, chat)).status_code == 200
    telegram_stack.ask(text, sender)
    capped = [text[:MAX_MESSAGE_CHARS]]
    assert stored_user_texts(telegram_stack, str(chat)) == stored_user_texts(telegram_stack, sender)
    assert stored_user_texts(telegram_stack, str(chat)) == capped
    stack_api.wait_for("sendMessage", lambda m: m["chat_id"] == str(chat))
