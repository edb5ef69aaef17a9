"""Serve the chat page: web/index.html, web/static/, and rasa-webchat from web/node_modules.

Usage: python -m scripts.serve_web [--port 8080]   (RASA_PORT / RASA_PUBLIC_URL tell the page
where Rasa's socket.io channel is.)
"""

from __future__ import annotations

import argparse
import json
import os
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer

from actions.settings import PROJECT_ROOT

WEB_ROOT = PROJECT_ROOT / "web"
WIDGET = WEB_ROOT / "node_modules" / "rasa-webchat" / "lib" / "index.js"


def page_config() -> str:
    config = {"rasaPort": int(os.environ.get("RASA_PORT", 5005))}
    if os.environ.get("RASA_PUBLIC_URL"):
        config["socketUrl"] = os.environ["RASA_PUBLIC_URL"]
    return f"window.MASTOBOT_CONFIG = {json.dumps(config)};\n"


class ChatPageHandler(SimpleHTTPRequestHandler):
    """Static files from web/, plus /config.js and the widget bundle; nothing else."""

    def do_GET(self) -> None:
        path = self.path.split("?", 1)[0]
        if path == "/config.js":
            self._send_bytes(page_config().encode(), "text/javascript")
        elif path == "/vendor/rasa-webchat.js":
            self._send_bytes(WIDGET.read_bytes(), "text/javascript")
        elif path == "/" or path.startswith("/static/"):
            super().do_GET()
        else:
            self.send_error(404)

    def end_headers(self) -> None:
        self.send_header("X-Content-Type-Options", "nosniff")
        super().end_headers()

    def _send_bytes(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", f"{content_type}; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=int(os.environ.get("WEB_PORT", 8080)))
    args = parser.parse_args()
    handler = partial(ChatPageHandler, directory=str(WEB_ROOT))
    with ThreadingHTTPServer(("0.0.0.0", args.port), handler) as server:
        print(f"chat page on http://localhost:{args.port}/", flush=True)
        server.serve_forever()


if __name__ == "__main__":
    main()
