"""Start the action server with the knowledge index already loaded.

`rasa run actions` would load the model on the first question; warming up first means `/health`
answers only once the server can really answer, and no user waits for the model to load.

A request middleware, added through rasa_sdk's plugin hook, hands the embedding of the message
that Rasa sends with an action call (actions/knowledge_base/message_embedding.py) to the service's
embedder, so
the message is not embedded a second time. The same hook turns off Sanic's access log, which
wrote an empty line per request (rasa-sdk's log format leaves out Sanic's fields).

At start-up a dependency's deprecation notice and Sanic's and rasa-sdk's start-up banner are
left out (`quiet_dependencies`), so the operator sees what they can act on; `LOG_LEVEL=debug`
shows everything.
"""

from __future__ import annotations

import logging
import os
import warnings
from collections.abc import Awaitable, Callable

import pluggy
from rasa_sdk import utils
from rasa_sdk.plugin import plugin_manager
from sanic import Sanic
from sanic.request import Request

from actions.knowledge_base import message_embedding
from actions.knowledge_base.embedding import TextEmbedder
from actions.service import get_service
from actions.settings import limit_native_threads

hookimpl = pluggy.HookimplMarker("rasa_sdk")
# (category, module pattern) of notices about a library's own use of deprecated APIs.
DEPENDENCY_WARNINGS: tuple[tuple[type[Warning], str], ...] = (
    (DeprecationWarning, r"sanic_cors\."),  # distutils' LooseVersion
)
# Loggers whose INFO records only tell that the server starts: Sanic's banner, and one line per
# action that rasa-sdk registers. Their warnings and errors still show.
START_UP_LOGGERS = ("sanic.root", "rasa_sdk.executor")


def embedding_receiver(embedder: TextEmbedder) -> Callable[[Request], Awaitable[None]]:
    """A request middleware that gives `embedder` the message embedding of an action call."""

    async def receive(request: Request) -> None:
        if request.method != "POST" or request.path != "/webhook":
            return
        try:
            received = message_embedding.decode(request.json)
        except Exception:  # not JSON (or compressed): the webhook answers it as before
            return
        if received is not None:
            text, vector, model = received
            embedder.remember(text, vector, model)

    return receive


class ActionServerPlugin:
    """rasa_sdk plugin: `embedding_receiver` as a request middleware, and no access log."""

    def __init__(self, embedder: TextEmbedder) -> None:
        self.embedder = embedder

    @hookimpl
    def attach_sanic_app_extensions(self, app: Sanic) -> None:
        app.register_middleware(embedding_receiver(self.embedder), "request")
        app.config.ACCESS_LOG = False


def debugging() -> bool:
    return os.environ.get("LOG_LEVEL", "").strip().upper() == "DEBUG"


def quiet_dependencies() -> None:
    """Ignore DEPENDENCY_WARNINGS and the start-up loggers' INFO records.

    Sanic's import puts "once" for every DeprecationWarning in front of all filters, so this
    runs after it, and before rasa_sdk.endpoint imports sanic_cors.
    """
    for category, module in DEPENDENCY_WARNINGS:
        warnings.filterwarnings("ignore", category=category, module=module)
    for name in START_UP_LOGGERS:
        logging.getLogger(name).setLevel(logging.WARNING)


def main() -> None:
    if not debugging():
        quiet_dependencies()
    from rasa_sdk.endpoint import create_argument_parser, run

    args = create_argument_parser().parse_args()
    loglevel = logging.DEBUG if debugging() else args.loglevel
    utils.configure_colored_logging(loglevel)
    logging.getLogger("actions").setLevel(loglevel or logging.INFO)
    limit_native_threads()
    service = get_service()
    service.warm_up()
    assert service.embedder.signature and service.embedder.dimensions  # computed before serving
    plugin_manager().register(ActionServerPlugin(service.embedder))
    run("actions", args.port, args.cors, auto_reload=False)


if __name__ == "__main__":
    main()
