"""Access: Rasa's HTTP API only with RASA_AUTH_TOKEN, and then only with the token; CORS.

The default `stack` (no token) must not serve the API at all. A second stack, started by
`make run` with RASA_AUTH_TOKEN set, must refuse API requests without the token or with a wrong
one, accept them with it, and keep the token off every command line.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
import socketio

from bot.serve import MIN_TOKEN_CHARS, TOKEN_ENV, rasa_arguments
from tests.conftest import Stack, make_run

API_ENDPOINTS = [
    ("GET", "/conversations/someone/tracker"),
    ("GET", "/status"),
    ("POST", "/conversations/someone/messages"),
    ("PUT", "/model"),
    ("POST", "/model/parse"),
    ("DELETE", "/model"),
]


def test_the_api_is_added_only_with_a_token() -> None:
    assert rasa_arguments(["--port", "1"], None) == ["run", "--port", "1"]
    assert rasa_arguments(["--port", "1"], "  ") == ["run", "--port", "1"]
    token = "-t" * MIN_TOKEN_CHARS
    assert rasa_arguments([], token) == ["run", "--enable-api", f"--auth-token={token}"]
    with pytest.raises(ValueError):
        rasa_arguments([], "short")


def test_rasa_reads_a_token_that_looks_like_an_option() -> None:
    from rasa.cli.arguments.run import add_server_arguments

    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    token = "-" + "x" * MIN_TOKEN_CHARS
    parsed = parser.parse_args(rasa_arguments(["--port", "1"], token)[1:])
    assert parsed.auth_token == token and parsed.enable_api


# --- the default stack: no token, no API ------------------------------------------------


@pytest.mark.stack
@pytest.mark.skipif(bool(os.environ.get(TOKEN_ENV)), reason=f"{TOKEN_ENV} is set here")
@pytest.mark.parametrize(("method", "path"), API_ENDPOINTS)
def test_without_a_token_the_api_is_not_served(stack: Stack, method: str, path: str) -> None:
    response = requests.request(method, f"{stack.rasa}{path}", json={}, timeout=10)
    assert response.status_code in (404, 405)


def preflight(stack: Stack, origin: str) -> requests.Response:
    return requests.options(
        f"{stack.rasa}/webhooks/rest/webhook",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
        timeout=10,
    )


@pytest.mark.stack
def test_cors_allows_the_chat_page_and_no_other_origin(stack: Stack) -> None:
    allowed = preflight(stack, stack.web)
    assert allowed.headers.get("Access-Control-Allow-Origin") == stack.web
    other = preflight(stack, "https://elsewhere.example")
    assert "Access-Control-Allow-Origin" not in other.headers


def connect_websocket(stack: Stack, origin: str | None) -> bool:
    async def connect() -> bool:
        client = socketio.AsyncClient()
        headers = {"Origin": origin} if origin else {}
        try:
            await client.connect(
                stack.rasa, socketio_path="/socket.io", transports=["websocket"], headers=headers
            )
        except socketio.exceptions.ConnectionError:
            return False
        await client.disconnect()
        return True

    return asyncio.run(connect())


@pytest.mark.stack
def test_the_widget_channel_refuses_pages_from_other_origins(stack: Stack) -> None:
    assert connect_websocket(stack, stack.web)
    assert connect_websocket(stack, None)  # not a browser
    assert not connect_websocket(stack, "https://elsewhere.example")


# --- a stack with RASA_AUTH_TOKEN -------------------------------------------------------


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Stack, str]]:
    token = "-" + secrets.token_urlsafe(24)  # may start with "-" anyway: make sure it works
    with make_run(tmp_path_factory.mktemp("secured"), **{TOKEN_ENV: token}) as running:
        yield running, token


@pytest.mark.stack
@pytest.mark.parametrize(("method", "path"), API_ENDPOINTS)
def test_the_api_refuses_requests_without_the_right_token(secured, method: str, path: str) -> None:
    stack, token = secured
    for params in ({}, {"token": "wrong"}, {"token": token[:-1]}, {"token": ""}):
        response = requests.request(
            method, f"{stack.rasa}{path}", params=params, json={}, timeout=10
        )
        assert response.status_code == 401, (params, response.text[:200])


@pytest.mark.stack
def test_the_api_answers_with_the_token(secured) -> None:
    stack, token = secured
    stack.ask("What causes mastocytosis?", "api-reader")
    response = requests.get(
        f"{stack.rasa}/conversations/api-reader/tracker", params={"token": token}, timeout=10
    )
    assert response.status_code == 200
    assert response.json()["sender_id"] == "api-reader"
    status = requests.get(f"{stack.rasa}/status", params={"token": token}, timeout=10)
    assert status.json()["model_file"].endswith("mastobot.tar.gz")


@pytest.mark.stack
def test_the_channels_need_no_token_and_the_token_is_on_no_command_line(secured) -> None:
    stack, token = secured
    assert "KIT" in stack.answer_text("What causes mastocytosis?")
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            assert token.encode() not in cmdline.read_bytes()
        except OSError:
            continue  # the process ended
