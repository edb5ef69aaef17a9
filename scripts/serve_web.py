"""Serve the chat page: web/index.html, web/static/, and rasa-webchat from web/node_modules.

Usage: python -m scripts.serve_web [--host 127.0.0.1] [--port 8080]   (WEB_HOST / WEB_PORT are the
defaults; RASA_PORT / RASA_PUBLIC_URL tell the page where Rasa's socket.io channel is.)
"""

from __future__ import annotations

import argparse
import json
import mimetypes
import os
from functools import partial
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote

from actions.settings import PROJECT_ROOT

WEB_ROOT = PROJECT_ROOT / "web"
WIDGET = Path("node_modules", "rasa-webchat", "lib", "index.js")  # relative to the web root
JAVASCRIPT = "text/javascript; charset=utf-8"
ALLOWED_METHODS = "GET, HEAD"


def page_config() -> str:
    config = {"rasaPort": int(os.environ.get("RASA_PORT", 5005))}
    if os.environ.get("RASA_PUBLIC_URL"):
        config["socketUrl"] = os.environ["RASA_PUBLIC_URL"]
    return f"window.MASTOBOT_CONFIG = {json.dumps(config)};\n"


def content_type(name: str) -> str:
    """Fixed for scripts: the system's mime table may call .js something nosniff browsers refuse."""
    if name.endswith(".js"):
        return JAVASCRIPT
    guessed = mimetypes.guess_type(name)[0] or "application/octet-stream"
    return f"{guessed}; charset=utf-8" if guessed.startswith("text/") else guessed


def static_file(static_dir: Path, name: str) -> Path | None:
    """A regular file directly in `static_dir` named exactly `name`, else None.

    Matching against the directory's own entries (not joining paths) rules out `..`, subfolders
    and encoded tricks; dotfiles and symlinks (which could point anywhere) are never served.
    """
    if not name or name.startswith(".") or not static_dir.is_dir():
        return None
    for entry in static_dir.iterdir():
        if entry.name == name and entry.is_file() and not entry.is_symlink():
            return entry
    return None


def resolve(web_root: Path, path: str) -> tuple[bytes, str] | None:
    """The body and content type for an allow-listed URL path; None means 404."""
    if path == "/config.js":
        return page_config().encode(), JAVASCRIPT
    files = {"/": web_root / "index.html", "/vendor/rasa-webchat.js": web_root / WIDGET}
    file = files.get(path)
    if file is None and path.startswith("/static/"):
        file = static_file(web_root / "static", path.removeprefix("/static/"))
    if file is None or not file.is_file():
        return None
    return file.read_bytes(), content_type(file.name)


class ChatPageHandler(BaseHTTPRequestHandler):
    """The page, /config.js, the widget bundle and web/static/'s files; nothing else, no listings.

    Not SimpleHTTPRequestHandler: its HEAD and directory listings reached all of web/.
    """

    server_version = "mastobot-web"
    sys_version = ""

    def __init__(self, *args: object, web_root: Path = WEB_ROOT, **kwargs: object) -> None:
        self.web_root = web_root
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self._answer(with_body=True)

    def do_HEAD(self) -> None:
        self._answer(with_body=False)

    def _answer(self, with_body: bool) -> None:
        """GET and HEAD take the same route, so they can never disagree about what exists."""
        found = resolve(self.web_root, unquote(self.path.split("?", 1)[0]))
        if found is None:
            self.send_error(404)
            return
        body, kind = found
        self.send_response(200)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def _refuse(self) -> None:
        """The standard methods get 405; any other gets BaseHTTPRequestHandler's 501 (no body)."""
        self.send_error(405)

    do_POST = do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_TRACE = do_CONNECT = _refuse

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """Every error without a body, and with the standard reason (never the request's text)."""
        self.log_error("code %d, message %s", code, message)
        self.send_response(code)
        if code in (405, 501):
            self.send_header("Allow", ALLOWED_METHODS)
        self.send_header("Content-Length", "0")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        """A line per request only with LOG_LEVEL=debug: the supervisor's health checks are many.

        Errors are still logged (`send_error` logs them through `log_error`).
        """
        if os.environ.get("LOG_LEVEL", "").strip().upper() == "DEBUG":
            super().log_request(code, size)


def make_server(host: str, port: int, web_root: Path = WEB_ROOT) -> ThreadingHTTPServer:
    """The chat page's server, bound (not yet serving) to `host`:`port`."""
    handler = partial(ChatPageHandler, web_root=web_root)
    return ThreadingHTTPServer((host, port), handler)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Loopback by default: the page is for this machine unless WEB_HOST or --host opens it up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default=os.environ.get("WEB_HOST") or "127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", 8080)))
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    with make_server(args.host, args.port) as server:
        print(f"chat page on http://{args.host}:{args.port}/", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
