"""A fake Telegram Bot API on loopback: records every call and answers as the real one does.

It is as strict as Telegram where it matters to the assistant: a wrong token gets 401, an empty
or over-long text or HTML that Telegram could not parse gets 400, and so does a webhook
`secret_token` Telegram would not take; an unknown method gets 404.
"""

from __future__ import annotations

import html
import json
import re
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl

BOT_USERNAME = "mastocytosis_test_bot"
_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
# The tags Telegram's HTML parse mode accepts (https://core.telegram.org/bots/api#html-style).
_TAG = re.compile(
    r"<(/?)(b|strong|i|em|u|ins|s|strike|del|tg-spoiler|code|pre|blockquote|a|span)"
    r"(\s[^<>]*)?>"
)
_ENTITY = re.compile(r"&(lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);")


def html_error(text: str) -> str | None:
    """Why Telegram would refuse `text` in HTML parse mode, or None if it would accept it."""
    stack: list[str] = []
    position = 0
    while position < len(text):
        if text[position] == "<":
            tag = _TAG.match(text, position)
            if not tag:
                return f"Unsupported start tag at byte offset {position}"
            closing, name, attributes = tag.groups()
            if closing and (not stack or stack.pop() != name):
                return f"Unmatched end tag {name!r} at byte offset {position}"
            if not closing:
                if name == "a" and not re.fullmatch(r'\s+href="[^"<>]*"', attributes or ""):
                    return f"Bad <a> attributes at byte offset {position}"
                stack.append(name)
            position = tag.end()
        elif text[position] == "&":
            entity = _ENTITY.match(text, position)
            if not entity:
                return f"Can't find end of the entity starting at byte offset {position}"
            position = entity.end()
        else:
            position += 1
    return f"Can't find end tag corresponding to start tag {stack[-1]!r}" if stack else None


def visible_text(text: str) -> str:
    """What the user sees of an HTML message: tags removed, entities decoded."""
    return html.unescape(_TAG.sub("", text))


class FakeBotAPI:
    """The Bot API for one bot token at `url`; `calls` lists every request, oldest first."""

    def __init__(self, token: str, username: str = BOT_USERNAME) -> None:
        self.token = token
        self.username = username
        self.calls: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FakeBotAPI:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def requests(self, method: str) -> list[dict[str, Any]]:
        """The parameters of every call of `method` so far."""
        with self._lock:
            return [call["params"] for call in self.calls if call["method"] == method]

    def wait_for(
        self, method: str, matches: Callable[[dict[str, Any]], bool], timeout: float = 30
    ) -> dict[str, Any]:
        """The first call of `method` whose parameters match, waiting up to `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = [params for params in self.requests(method) if matches(params)]
            if found:
                return found[0]
            time.sleep(0.1)
        raise AssertionError(f"no matching {method} call; calls: {self.calls}")

    def webhook_secret(self) -> str | None:
        """The secret_token of the latest setWebhook, if it had one."""
        registered = self.requests("setWebhook")
        return registered[-1].get("secret_token") if registered else None

    def answer(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Status and JSON body the real Bot API would answer."""
        me = {"id": int(self.token.split(":")[0]), "is_bot": True, "first_name": "Masto"}
        if method == "getMe":
            return 200, ok({**me, "username": self.username, "can_join_groups": False})
        secret = params.get("secret_token")
        if method == "setWebhook" and secret is not None and not _SECRET_TOKEN.fullmatch(secret):
            return 400, bad_request("bad webhook: secret token contains unallowed characters")
        if method in ("setWebhook", "deleteWebhook", "answerCallbackQuery"):
            return 200, ok(True)
        if method == "sendMessage":
            return self._send_message(params, me)
        return 404, {"ok": False, "error_code": 404, "description": "Not Found"}

    def _send_message(
        self, params: dict[str, Any], me: dict[str, Any]
    ) -> tuple[int, dict[str, Any]]:
        text = str(params.get("text", ""))
        is_html = str(params.get("parse_mode", "")).lower() == "html"
        error = html_error(text) if is_html else None
        if error:
            return 400, bad_request(f"can't parse entities: {error}")
        shown = visible_text(text) if is_html else text
        if not shown.strip():
            return 400, bad_request("message text is empty")
        if len(shown.encode("utf-16-le")) // 2 > 4096:
            return 400, bad_request("message is too long")
        chat = {"id": int(params["chat_id"]), "type": "private"}
        message_id = len(self.requests("sendMessage"))
        return 200, ok(
            {"message_id": message_id, "from": me, "chat": chat, "date": 0, "text": shown}
        )

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        api = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self._handle()

            def do_GET(self) -> None:
                self._handle()

            def _handle(self) -> None:
                match = re.fullmatch(r"/bot([^/]+)/(\w+)", self.path.split("?")[0])
                if not match:
                    return self._reply(404, {"ok": False, "error_code": 404, "description": "?"})
                token, method = match.groups()
                params = self._params()
                with api._lock:
                    api.calls.append({"method": method, "params": params})
                if token != api.token:
                    unauthorized = {"ok": False, "error_code": 401, "description": "Unauthorized"}
                    return self._reply(401, unauthorized)
                return self._reply(*api.answer(method, params))

            def _params(self) -> dict[str, Any]:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0)).decode()
                if self.headers.get("Content-Type", "").startswith("application/json"):
                    return json.loads(body or "{}")
                return dict(parse_qsl(body, keep_blank_values=True))

            def _reply(self, status: int, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *_: object) -> None:
                return None

        return Handler


def ok(result: object) -> dict[str, Any]:
    return {"ok": True, "result": result}


def bad_request(description: str) -> dict[str, Any]:
    return {"ok": False, "error_code": 400, "description": f"Bad Request: {description}"}
