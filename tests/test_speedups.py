"""bot/speedups.py: Rasa checks action responses as before, without re-checking its schema."""

from __future__ import annotations

import asyncio
from typing import Any

import jsonschema
import pytest
from rasa.core.actions.action import RemoteAction
from rasa.utils.endpoints import EndpointConfig

from bot import speedups

GOOD = {
    "events": [{"event": "slot", "name": "topic", "value": "causes", "timestamp": None}],
    "responses": [{"text": "KIT.", "buttons": [{"title": "👍", "payload": "/feedback_positive"}]}],
}
BAD = [
    {"events": "not a list"},
    {"events": [{"no": "event key"}]},
    {"events": [{"event": "slot", "timestamp": "yesterday"}]},
]


@pytest.fixture
def action() -> RemoteAction:
    speedups.install()
    return RemoteAction("action_answer_question", EndpointConfig("http://127.0.0.1:1/webhook"))


def test_install_patches_rasa_once() -> None:
    speedups.install()
    patched = RemoteAction._validate_action_result
    speedups.install()
    assert RemoteAction._validate_action_result is patched is speedups.validate_action_result


def test_a_valid_response_passes(action: RemoteAction) -> None:
    assert action._validate_action_result(GOOD) is True


@pytest.mark.parametrize("response", BAD)
def test_an_invalid_response_is_refused_as_rasa_refuses_it(
    action: RemoteAction, response: dict
) -> None:
    with pytest.raises(jsonschema.ValidationError) as raised:
        action._validate_action_result(response)
    assert raised.value.message.endswith(speedups.HINT)
    # Rasa's own check, with the schema re-validated every time, refuses it too.
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(response, RemoteAction.action_response_format_spec())


RESPONSES = [
    GOOD,
    {"events": [], "responses": []},
    {},
    {
        "events": [
            {
                "event": "slot",
                "name": "last_passages",
                "value": ["a#b"],
                "timestamp": 1.5,
            },
            {"event": "bot", "text": "hi", "data": {"buttons": []}, "metadata": {}},
            {"event": "user", "text": "hi", "parse_data": {"intent": {"name": "greet"}}},
            {"event": "followup", "name": "utter_greet"},
            {"event": "restart"},
        ]
    },
    *BAD,
    {"events": [{"event": "no such event"}]},
    {"events": [{"event": "slot", "name": "topic", "metadata": "not an object"}]},
    {"events": [{"event": "user", "parse_data": {"entities": [{"entity": "form"}]}}]},
    {"events": [{"event": 3}]},
    {"events": None},
    "not an object",
]


@pytest.mark.parametrize("response", RESPONSES)
def test_the_quick_check_accepts_what_the_schema_accepts(response: object) -> None:
    schema = RemoteAction.action_response_format_spec()
    valid = jsonschema.validators.validator_for(schema)(schema).is_valid  # as jsonschema.validate
    assert speedups.quickly_valid(response) == valid(response)


SLOT = {"event": "slot", "name": "topic", "value": "treatment"}
SLOT_RESPONSES = [
    {"events": [SLOT, {**SLOT, "value": None, "timestamp": 2, "metadata": None}]},
    {"events": [{**SLOT, "value": {"chunks": ["a#b"]}}], "responses": [{"text": "hi"}]},
    {"responses": [{"text": "hi", "buttons": [{"title": "a", "payload": "/b"}]}]},
    {"events": [{**SLOT, "timestamp": True}]},
    {"events": [{**SLOT, "timestamp": "today"}]},
    {"events": [{**SLOT, "metadata": []}]},
    {"events": [{**SLOT, "name": 3}]},
    {"events": [{"event": "slot", "name": "topic"}]},
    {"events": [{**SLOT, "event": "slots"}]},
    {"events": [SLOT], "responses": ["text"]},
    {"events": [SLOT], "responses": {"text": "hi"}},
    {"events": [SLOT, "slot"]},
    {"events": {"0": SLOT}},
    {"responses": None},
]


@pytest.mark.parametrize("response", RESPONSES + SLOT_RESPONSES)
def test_the_hand_check_never_accepts_what_the_schema_refuses(response: object) -> None:
    schema = RemoteAction.action_response_format_spec()
    valid = jsonschema.validators.validator_for(schema)(schema).is_valid(response)
    assert speedups.plainly_valid(response) <= valid


def test_the_hand_check_accepts_what_the_actions_return() -> None:
    assert all(speedups.plainly_valid(response) for response in SLOT_RESPONSES[:3])
    assert speedups.plainly_valid({})


def test_sqlite_connections_skip_waiting_for_the_disk(tmp_path) -> None:
    import sqlalchemy

    speedups.install()
    speedups.install()
    engine = sqlalchemy.create_engine(f"sqlite:///{tmp_path / 'conversations.db'}")
    with engine.connect() as connection:
        mode = connection.exec_driver_sql("PRAGMA journal_mode").scalar()
        synchronous = connection.exec_driver_sql("PRAGMA synchronous").scalar()
    assert (mode, synchronous) == ("wal", 1)  # 1 is NORMAL (FULL, the default, is 2)


def test_event_types_are_found_as_rasa_finds_them() -> None:
    from rasa.shared.core.events import Event, SlotSet, UserUttered
    from rasa.shared.utils.common import all_subclasses

    speedups.install()
    assert Event.resolve_by_type is speedups.resolve_event_type
    for cls in all_subclasses(Event):
        expected = speedups._rasa_resolve_by_type(cls.type_name)
        assert speedups.resolve_event_type(cls.type_name) is expected  # from Rasa's walk
        assert speedups.resolve_event_type(cls.type_name) is expected  # from the table
    assert Event.from_parameters({"event": "slot", "name": "topic", "value": "x"}) == SlotSet(
        "topic", "x"
    )
    assert speedups.resolve_event_type("no such event", default=UserUttered) is UserUttered
    assert speedups.resolve_event_type("topic") is None  # Rasa's old TopicSet events
    with pytest.raises(ValueError, match="no such event"):
        speedups.resolve_event_type("no such event")


async def _serve(port: int, seen: list[tuple[int, str]]) -> Any:
    """An HTTP server on `port` that records each request's client port and auth header."""
    from aiohttp import web

    async def echo(request: web.Request) -> web.Response:
        seen.append(
            (
                request.transport.get_extra_info("peername")[1],
                request.headers.get("Authorization", ""),
            )
        )
        return web.json_response(await request.json())

    app = web.Application()
    app.router.add_post("/webhook", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    return runner


def test_calls_to_an_endpoint_reuse_one_connection_and_survive_a_restart() -> None:
    from rasa.utils.endpoints import EndpointConfig

    from scripts.localnet import free_port

    speedups.install()
    port = free_port()
    endpoint = EndpointConfig(
        f"http://127.0.0.1:{port}/webhook", basic_auth={"username": "u", "password": "p"}
    )
    seen: list[tuple[int, str]] = []

    async def conversation() -> list[object]:
        runner = await _serve(port, seen)
        replies = [await endpoint.request(json={"turn": n}) for n in range(3)]
        await runner.cleanup()  # the action server restarts
        runner = await _serve(port, seen)
        replies.append(await endpoint.request(json={"turn": 3}))
        await speedups.close_kept_sessions()
        await runner.cleanup()
        return replies

    assert asyncio.run(conversation()) == [{"turn": n} for n in range(4)]
    assert len({client_port for client_port, _ in seen[:3]}) == 1  # one connection
    assert seen[3][0] != seen[0][0]  # a new one after the restart
    assert {auth for _, auth in seen} == {"Basic dTpw"}  # base64 of "u:p", as Rasa sends it
    # Another event loop (another test, a restarted server) gets a session of its own.
    seen.clear()

    async def again() -> object:
        runner = await _serve(port, seen)
        reply = await endpoint.request(json={"turn": 4})
        await speedups.close_kept_sessions()
        await runner.cleanup()
        return reply

    assert asyncio.run(again()) == {"turn": 4}


def test_a_stopping_server_closes_the_kept_sessions() -> None:
    from rasa.utils.endpoints import EndpointConfig

    from bot.channels import RestInput
    from scripts.localnet import free_port

    speedups.install()
    port = free_port()
    endpoint = EndpointConfig(f"http://127.0.0.1:{port}/webhook")

    async def call_then_stop() -> bool:
        runner = await _serve(port, [])
        await endpoint.request(json={})
        async with endpoint.session() as session:
            pass
        await speedups.close_kept_sessions()  # what the REST channel's listener awaits
        await runner.cleanup()
        return session.closed

    assert asyncio.run(call_then_stop())
    listeners = RestInput().blueprint(lambda message: None)._future_listeners
    assert any(listener.event == "after_server_stop" for listener in listeners)
