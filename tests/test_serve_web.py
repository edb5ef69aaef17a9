"""The chat page's server: an allow-list for GET and HEAD alike, no listings, loopback by default.

Requests go over a raw socket: http.client drops whatever follows a HEAD's headers, so it could
not show a HEAD that leaks a body.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NamedTuple

import pytest

from actions.settings import PROJECT_ROOT
from scripts import serve_web
from scripts.localnet import free_port

WEB = PROJECT_ROOT / "web"
STATIC_FILES = sorted(
    path.name
    for path in (WEB / "static").iterdir()
    if path.is_file() and not path.name.startswith(".")
)


class Reply(NamedTuple):
    status: int
    headers: dict[str, str]
    body: bytes


def request(port: int, method: str, path: str, host: str = "127.0.0.1") -> Reply:
    """One HTTP request sent as written (no client-side clean-up of `..` or `%2e`)."""
    with socket.create_connection((host, port), timeout=10) as sock:
        sock.sendall(
            f"{method} {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n".encode()
        )
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Reply(int(status_line.split()[1]), headers, body)


def not_found_failures(port: int, paths: list[str]) -> list[str]:
    """Each path must be 404 for GET and HEAD, the HEAD without a body; returns what was not."""
    failures = []
    for path in paths:
        for method in ("GET", "HEAD"):
            reply = request(port, method, path)
            if reply.status != 404:
                failures.append(f"{method} {path}: {reply.status}")
            elif method == "HEAD" and reply.body:
                failures.append(f"HEAD {path}: 404 with a body")
    return failures


@contextmanager
def serving(web_root: Path = WEB) -> Iterator[int]:
    """The real server on a free loopback port, in a thread; yields the port."""
    port = free_port()
    server = serve_web.make_server("127.0.0.1", port, web_root)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield port
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture
def port() -> Iterator[int]:
    with serving() as port:
        yield port


def test_allow_listed_paths_answer_get_and_head_alike(port: int) -> None:
    # What index.html loads.
    assert {"a11y.js", "chat.css", "chat.js", "page.css"} <= set(STATIC_FILES)
    kinds = {
        "/": "text/html",
        "/config.js": "text/javascript",
        "/vendor/rasa-webchat.js": "text/javascript",
        "/static/chat.js": "text/javascript",
        "/static/page.css": "text/css",
    }
    contents = {
        "/": (WEB / "index.html").read_bytes(),
        "/vendor/rasa-webchat.js": (WEB / serve_web.WIDGET).read_bytes(),
        **{f"/static/{name}": (WEB / "static" / name).read_bytes() for name in STATIC_FILES},
    }
    for path in {**kinds, **contents}:
        get, head = request(port, "GET", path), request(port, "HEAD", path)
        assert (get.status, head.status) == (200, 200), path
        assert head.body == b"", path
        assert get.headers["content-length"] == head.headers["content-length"] == str(len(get.body))
        assert get.headers["content-type"] == head.headers["content-type"], path
        if path in kinds:
            assert get.headers["content-type"].split(";")[0] == kinds[path], path
        assert head.headers["x-content-type-options"] == "nosniff", path
        assert get.body == contents.get(path, get.body), path


def test_files_outside_the_allow_list_are_404(port: int) -> None:
    paths = [
        "/package.json",
        "/package-lock.json",
        "/node_modules/rasa-webchat/package.json",
        "/node_modules/rasa-webchat/lib/index.js",
        "/node_modules/.installed",
    ]
    assert all((WEB / path.lstrip("/")).is_file() for path in paths)  # they are there to leak
    assert not_found_failures(port, paths) == []


def test_no_directory_is_listed(port: int) -> None:
    paths = ["/static/", "/static", "/node_modules/", "/node_modules/rasa-webchat/lib/", "/vendor/"]
    assert not_found_failures(port, paths) == []


def test_path_traversal_is_404(port: int) -> None:
    paths = [
        "/../README.md",
        "/%2e%2e/README.md",
        "/static/../package.json",
        "/static/%2e%2e/package.json",
        "/static/%2e%2e%2fpackage.json",
        "/static/..%2f..%2fREADME.md",
        "/vendor/../package.json",
    ]
    assert not_found_failures(port, paths) == []


def test_only_plain_files_directly_in_static_are_served(tmp_path: Path) -> None:
    web = tmp_path / "web"
    (web / "static" / "sub").mkdir(parents=True)
    (web / "index.html").write_text("<!doctype html>")
    (web / "static" / "page.css").write_text("body {}")
    (web / "static" / ".secret").write_text("token")
    (web / "static" / "sub" / "inner.css").write_text("p {}")
    (tmp_path / "outside.css").write_text("outside")
    (web / "static" / "linked.css").symlink_to(tmp_path / "outside.css")
    with serving(web) as port:
        assert request(port, "GET", "/static/page.css").body == b"body {}"
        paths = ["/static/.secret", "/static/sub/inner.css", "/static/sub", "/static/linked.css"]
        assert not_found_failures(port, paths) == []


def test_other_methods_are_refused_without_a_body(port: int) -> None:
    for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "BREW"):
        for path in ("/", "/config.js", "/static/page.css"):
            reply = request(port, method, path)
            assert reply.status in (405, 501), f"{method} {path}: {reply.status}"
            assert reply.body == b"", f"{method} {path}"
            assert reply.headers["allow"] == "GET, HEAD", f"{method} {path}"


def listens(host: str, port: int) -> bool:
    with socket.socket() as sock:
        return sock.connect_ex((host, port)) == 0


@pytest.mark.parametrize(
    ("web_host", "args", "bound", "not_bound"),
    [
        (None, [], "127.0.0.1", "127.0.0.2"),
        ("127.0.0.2", [], "127.0.0.2", "127.0.0.1"),
        ("127.0.0.2", ["--host", "127.0.0.3"], "127.0.0.3", "127.0.0.2"),
    ],
)
def test_binds_loopback_unless_told_otherwise(
    web_host: str | None, args: list[str], bound: str, not_bound: str
) -> None:
    """The command line as `make run` starts it; 0.0.0.0 would answer on every 127.x address."""
    env = {name: value for name, value in os.environ.items() if name != "WEB_HOST"}
    if web_host:
        env["WEB_HOST"] = web_host
    port = free_port()
    command = [sys.executable, "-m", "scripts.serve_web", "--port", str(port), *args]
    process = subprocess.Popen(
        command, cwd=PROJECT_ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 30
        while not listens(bound, port) and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert request(port, "GET", "/", host=bound).status == 200
        assert not listens(not_bound, port)
    finally:
        process.terminate()
        process.wait(timeout=10)
