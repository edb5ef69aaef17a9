"""Remove waits and work Rasa 3.6 repeats on every message, found by profiling (README, Speed).

`RemoteAction._validate_action_result` checks each action server response against a JSON schema
with `jsonschema.validate`, which first validates the schema itself against the JSON Schema
meta-schema. That self-check was a quarter of the Rasa process's CPU time when answering
questions. `install()` makes Rasa build the validator once and check each response against it:
the same schema, the same errors (with Rasa's hint appended), none of the repeated self-check.
The schema's events are a `oneOf` of 23 event schemas, each fixing the event's type name, so every
event was tried against all 23: still 7% of Rasa's time per question. A response is now first
checked with each event against the schema of its own type only, which accepts exactly what the
`oneOf` accepts; a response that fails is checked in full, for Rasa's error. A response whose
events are all slot events (what this project's actions return) is checked by hand first
(`plainly_valid`): jsonschema still took 0.15 ms of each question.

SQLite, the default conversation store, is switched to write-ahead logging with
`synchronous=NORMAL` on every connection: a commit (Rasa makes one or two per message) no longer
waits for the disk (1.6 ms median, 5.7 ms p95 on the development machine, against 0.05 ms). A
committed turn still survives the process crashing; only an operating system crash or power cut
can lose the last moments. Other databases are not touched.

Events are read back by type name (`Event.resolve_by_type`): Rasa walked every subclass of
Event, checking each for abstract methods, for every event it read (from the database, from the
action server): 5% of its time per question, and most of reading a long conversation. The type
names are now looked up in a table, filled from the same walk the first time a name is asked
for; a name not (yet) in it is resolved as Rasa resolves it.

Rasa opened a new HTTP session, and so a new connection, for every call to the action server
(`EndpointConfig.request`). Each endpoint now keeps one session per event loop and reuses its
connections: 0.7 ms less CPU per question in Rasa and as much in the action server. A connection
left idle is dropped after `KEEPALIVE_SECONDS`, before the server would close it (Sanic, which
both servers run on, closes idle connections after 5 s), so a request never goes out on a
connection the server is closing; after a restart of the action server the next request opens a
new one. The sessions are closed when the server stops (`close_kept_sessions`, which
bot/channels.py's REST channel registers).

What Rasa sends with each call to the action server is bot/action_call.py's, which `install()`
installs too.

bot/channels.py, which Rasa imports at start-up, calls `install()`.
"""

from __future__ import annotations

import asyncio
import functools
import sqlite3
import weakref
from typing import Any

import aiohttp
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions import action as rasa_actions
from rasa.shared.core.events import Event
from rasa.utils.endpoints import DEFAULT_REQUEST_TIMEOUT, EndpointConfig
from sqlalchemy import event
from sqlalchemy.engine import Engine

from bot import action_call

_INSTALLED_FLAG = "_mastobot_speedup"
HINT = (
    ". Failed to validate Action server response from API, make sure your response from the "
    "Action endpoint is valid. For more information about the format visit "
    f"{rasa_actions.DOCS_BASE_URL}/custom-actions"
)


@functools.lru_cache(maxsize=1)
def response_validator() -> Any:
    """A validator for Rasa's action response schema, its schema checked once."""
    schema = rasa_actions.RemoteAction.action_response_format_spec()
    cls = validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@functools.lru_cache(maxsize=1)
def event_validators() -> tuple[Any, dict[str, Any]] | None:
    """The response's validator without the events' `oneOf`, and one per event type name.

    None if the `oneOf`'s alternatives do not each fix a distinct type name.
    """
    schema = rasa_actions.RemoteAction.action_response_format_spec()
    events = schema["properties"]["events"]
    alternatives = events["items"].get("oneOf") or []
    names = [alt.get("properties", {}).get("event", {}).get("const") for alt in alternatives]
    if not names or None in names or len(set(names)) != len(names):
        return None
    cls = validator_for(schema)
    base = {key: value for key, value in events["items"].items() if key != "oneOf"}
    outer = {**schema, "properties": {**schema["properties"], "events": {**events, "items": {}}}}
    by_name = {
        name: cls({**base, "allOf": [alt]}) for name, alt in zip(names, alternatives, strict=True)
    }
    return cls(outer), by_name


def quickly_valid(result: Any) -> bool:
    """True if the response is valid, checking each event against its own type's schema."""
    validators = event_validators()
    if validators is None:
        return False
    outer, by_name = validators
    if not outer.is_valid(result):
        return False
    for item in result.get("events") or []:
        name = item.get("event") if isinstance(item, dict) else None
        validator = by_name.get(name) if isinstance(name, str) else None
        if validator is None or not validator.is_valid(item):
            return False
    return True


def _number_or_null(value: Any) -> bool:
    return value is None or (isinstance(value, int | float) and not isinstance(value, bool))


def _plain_slot_event(event: Any) -> bool:
    """A slot event as the schema wants it: name a string, a value, no odd timestamp or metadata."""
    return (
        isinstance(event, dict)
        and event.get("event") == "slot"
        and isinstance(event.get("name"), str)
        and "value" in event
        and _number_or_null(event.get("timestamp"))
        and (event.get("metadata") is None or isinstance(event.get("metadata"), dict))
    )


def plainly_valid(result: Any) -> bool:
    """True for a response whose events are all slot events and that the schema accepts.

    What this project's actions return; checked by hand in microseconds, where jsonschema took
    0.15 ms. False means only "not shown valid here": `quickly_valid` and jsonschema decide.
    """
    if not isinstance(result, dict):
        return False
    responses, events = result.get("responses", []), result.get("events", [])
    return (
        isinstance(responses, list)
        and all(isinstance(response, dict) for response in responses)
        and isinstance(events, list)
        and all(_plain_slot_event(event) for event in events)
    )


def validate_action_result(self: Any, result: dict[str, Any]) -> bool:
    """What Rasa's `_validate_action_result` does, with validators built once."""
    if plainly_valid(result) or quickly_valid(result):
        return True
    error = best_match(response_validator().iter_errors(result))
    if error is not None:
        error.message += HINT
        raise error
    return True


def sqlite_without_waiting_for_disk(dbapi_connection: Any, _connection_record: Any) -> None:
    """SQLAlchemy "connect" hook: WAL and synchronous=NORMAL for SQLite connections only."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


_rasa_resolve_by_type = Event.resolve_by_type
_event_types: dict[str, type[Event]] = {}


def resolve_event_type(type_name: str, default: type[Event] | None = None) -> type[Event] | None:
    """`Event.resolve_by_type`, from a table of the types found so far."""
    found = _event_types.get(type_name)
    if found is None:
        found = _rasa_resolve_by_type(type_name, default)
        if found is not None and found is not default:
            _event_types[type_name] = found
    return found


KEEPALIVE_SECONDS = 2.0
_sessions: weakref.WeakKeyDictionary[Any, dict[int, tuple[EndpointConfig, Any]]] = (
    weakref.WeakKeyDictionary()
)


class _Borrowed:
    """`async with` a kept session, which leaves it open (Rasa's `request` closes its own)."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self.session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self.session

    async def __aexit__(self, *exc_info: object) -> None:
        return None


def kept_session(self: EndpointConfig) -> _Borrowed:
    """`EndpointConfig.session`: this endpoint's session on this event loop, made once."""
    sessions = _sessions.setdefault(asyncio.get_running_loop(), {})
    config, session = sessions.get(id(self), (None, None))
    if config is not self or session is None or session.closed:
        basic = self.basic_auth
        auth = aiohttp.BasicAuth(basic["username"], basic["password"]) if basic else None
        session = aiohttp.ClientSession(  # as Rasa's own, plus the connections' idle limit
            headers=self.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=KEEPALIVE_SECONDS),
        )
        sessions[id(self)] = (self, session)
    return _Borrowed(session)


async def close_kept_sessions() -> None:
    """Close the sessions kept on the running event loop (when a server stops)."""
    for _, session in _sessions.pop(asyncio.get_running_loop(), {}).values():
        await session.close()


def install() -> None:
    """Patch Rasa's RemoteAction, events and SQLite connections; calling it again does nothing."""
    if not event.contains(Engine, "connect", sqlite_without_waiting_for_disk):
        event.listen(Engine, "connect", sqlite_without_waiting_for_disk)
    if getattr(rasa_actions.RemoteAction._validate_action_result, _INSTALLED_FLAG, False):
        return
    setattr(validate_action_result, _INSTALLED_FLAG, True)
    remote = rasa_actions.RemoteAction
    remote._validate_action_result = validate_action_result  # type: ignore[method-assign]
    action_call.install()
    EndpointConfig.session = kept_session  # type: ignore[method-assign,assignment]
    Event.resolve_by_type = staticmethod(resolve_event_type)  # type: ignore[method-assign,assignment]
