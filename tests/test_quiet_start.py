"""`make run`'s quiet first screen: dependencies' notices ignored where they come from, only.

The filters are installed for real (inside `warnings.catch_warnings`) and then a warning is
raised as if from a given module, so a filter that is too broad or too narrow fails here.
"""

from __future__ import annotations

import logging
import warnings

import pytest

from actions import server
from bot import serve
from scripts import serve_web
from scripts.run_stack import Welcome


def shown(install: object, category: type[Warning], module: str) -> bool:
    """Whether a `category` warning raised from `module` is shown once `install` has run."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        install()
        warnings.warn_explicit("a notice", category, f"{module}.py", 1, module=module)
    return bool(caught)


@pytest.mark.parametrize(
    ("category", "module"),
    [
        (DeprecationWarning, "sanic_cors.extension"),
        (DeprecationWarning, "rasa.core.tracker_store"),  # SQLAlchemy's notices, from Rasa's code
        (DeprecationWarning, "pkg_resources"),
        (DeprecationWarning, "matplotlib._fontconfig_pattern"),
        (UserWarning, "rasa.shared.utils.validation"),
    ],
)
def test_rasa_ignores_the_notices_of_its_dependencies(category, module) -> None:
    assert shown(lambda: None, category, module)
    assert not shown(serve.ignore_dependency_warnings, category, module)


@pytest.mark.parametrize(
    ("category", "module"),
    [
        (UserWarning, "rasa.core.policies.rule_policy"),  # Rasa telling the operator something
        (DeprecationWarning, "actions.service"),  # our own code
        (DeprecationWarning, "bot.channels"),
        (RuntimeWarning, "sanic_cors.extension"),  # not a deprecation notice
    ],
)
def test_rasa_still_shows_what_an_operator_can_act_on(category, module) -> None:
    assert shown(serve.ignore_dependency_warnings, category, module)


def test_the_action_server_ignores_sanic_cors_notice_only() -> None:
    def quiet() -> None:
        levels = {name: logging.getLogger(name).level for name in server.START_UP_LOGGERS}
        server.quiet_dependencies()
        for name, level in levels.items():  # leave the loggers as they were for other tests
            logging.getLogger(name).setLevel(level)

    assert not shown(quiet, DeprecationWarning, "sanic_cors.extension")
    assert shown(quiet, DeprecationWarning, "actions.knowledge_base.index")


def test_log_level_debug_shows_everything(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    assert not serve.debugging(["--port", "5005"]) and not server.debugging()
    assert serve.debugging(["--port", "5005", "--debug"])
    monkeypatch.setenv("LOG_LEVEL", "debug")
    assert serve.debugging([]) and server.debugging()


def test_the_chat_page_logs_each_request_only_when_debugging(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    logged: list[tuple] = []
    handler = object.__new__(serve_web.ChatPageHandler)
    monkeypatch.setattr(
        serve_web.BaseHTTPRequestHandler, "log_request", lambda self, *a: logged.append(a)
    )
    monkeypatch.delenv("LOG_LEVEL", raising=False)
    handler.log_request(200, 10)
    assert logged == []
    monkeypatch.setenv("LOG_LEVEL", "DEBUG")
    handler.log_request(200, 10)
    assert logged == [(200, 10)]


def test_the_first_screen_says_what_to_open_and_what_to_ask() -> None:
    welcome = Welcome("http://localhost:8080/", ("What causes mastocytosis?", "Is it inherited?"))
    text = "\n".join(welcome.lines())
    assert "Open the chat page:  http://localhost:8080/" in text
    assert '"What causes mastocytosis?", then "Is it inherited?"' in text
    assert "Ctrl-C" in text and "LOG_LEVEL=debug" in text
    assert "chat page" not in "\n".join(Welcome().lines())
