"""Start `rasa run` with its HTTP API on only when RASA_AUTH_TOKEN is set, and then behind it.

Usage: python -m bot.serve [rasa run options ...]

Without RASA_AUTH_TOKEN Rasa serves only the channels' webhooks (and its `/` greeting): no
`/conversations`, `/model`, `/status`. With it, this adds `--enable-api --auth-token <token>`,
and every API request must carry `?token=<token>`. The token is added inside this process, so
it never appears in `make`'s output or in the process list, as it would on a command line.
A token shorter than `MIN_TOKEN_CHARS` is refused: it could be guessed.

Before Rasa is imported, bot/without_tensorflow.py keeps TensorFlow out of the process when the
model given with `--model` does not use it (this one does not: about 450 MB less), and the
numerical libraries are limited to one thread each (actions/settings.py).

The deprecation notices Rasa's dependencies print at every start (DEPENDENCY_WARNINGS) are
ignored, each only where it comes from, so that the operator sees the warnings they can act on;
`LOG_LEVEL=debug` (or `--debug`) shows everything.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

from actions.settings import limit_native_threads
from bot import without_tensorflow
from bot.tokens import MIN_TOKEN_CHARS

TOKEN_ENV = "RASA_AUTH_TOKEN"
LOG_LEVEL_ENV = "LOG_LEVEL"
# (category, module pattern): notices about the libraries' own use of deprecated APIs, which no
# operator can act on. A module pattern names where the warning is raised from, as
# `warnings.filterwarnings(module=...)` matches it; the notes say which library's notice it is.
DEPENDENCY_WARNINGS: tuple[tuple[type[Warning], str], ...] = (
    (DeprecationWarning, r"sanic_cors\."),  # distutils' LooseVersion
    (DeprecationWarning, r"rasa\."),  # SQLAlchemy 1.4's notices about 2.0, argparse's nested groups
    (DeprecationWarning, r"sqlalchemy\."),
    (DeprecationWarning, r"pkg_resources"),  # declare_namespace('ruamel')
    (DeprecationWarning, r"(packaging|matplotlib)\."),  # pyparsing 3's renamed methods
    (UserWarning, r"rasa\.shared\.utils\.validation"),  # "pkg_resources is deprecated as an API"
    (DeprecationWarning, r"(tensorflow|keras|tf_keras|absl|google\.protobuf)(\.|$)"),  # TF models
)


def rasa_arguments(options: list[str], token: str | None) -> list[str]:
    """`rasa run` with `options`, plus the API behind `token` if there is one."""
    token = (token or "").strip()
    if not token:
        return ["run", *options]
    if len(token) < MIN_TOKEN_CHARS:
        raise ValueError(f"{TOKEN_ENV} must be at least {MIN_TOKEN_CHARS} characters long")
    # One argument, so that a token starting with "-" is not taken for an option.
    return ["run", *options, "--enable-api", f"--auth-token={token}"]


def model_argument(options: list[str]) -> Path | None:
    """The model named by `--model PATH`, `--model=PATH` or `-m PATH`, if any (the last one)."""
    model = None
    for index, option in enumerate(options):
        if option.startswith("--model="):
            model = option.split("=", 1)[1]
        elif option in ("--model", "-m") and index + 1 < len(options):
            model = options[index + 1]
    return Path(model) if model else None


def debugging(options: list[str]) -> bool:
    """True when the operator asked for everything: `LOG_LEVEL=debug` or `--debug` / `-vv`."""
    level = os.environ.get(LOG_LEVEL_ENV, "").strip().upper()
    return level == "DEBUG" or "--debug" in options or "-vv" in options


def ignore_dependency_warnings() -> None:
    """Ignore DEPENDENCY_WARNINGS, in front of the filters already installed."""
    for category, module in DEPENDENCY_WARNINGS:
        warnings.filterwarnings("ignore", category=category, module=module)


def after_rasa_configures(then: Callable[[], None]) -> None:
    """Run `then` right after Rasa sets up its own warning filters at the start of its CLI.

    Rasa puts a "once" filter for every UserWarning (pyparsing's notices are UserWarnings too)
    in front of all others when it starts, so ours must go in front again after it.
    """
    import rasa.__main__ as rasa_cli

    configure = rasa_cli.configure_logging_and_warnings

    def configure_then(*args: object, **kwargs: object) -> None:
        configure(*args, **kwargs)
        then()

    rasa_cli.configure_logging_and_warnings = configure_then


def main() -> None:
    options = sys.argv[1:]
    try:
        arguments = rasa_arguments(options, os.environ.get(TOKEN_ENV))
    except ValueError as error:
        sys.exit(f"bot.serve: {error}")
    if os.environ.get(LOG_LEVEL_ENV):  # Rasa knows only upper-case names: "debug" would stop it
        os.environ[LOG_LEVEL_ENV] = os.environ[LOG_LEVEL_ENV].strip().upper()
    limit_native_threads()  # before NumPy loads (actions/settings.py)
    model = model_argument(options)
    if model is not None:
        without_tensorflow.install(model)
    if not debugging(options):
        import sanic  # noqa: F401  # its import puts "once" for every DeprecationWarning first

        ignore_dependency_warnings()
        after_rasa_configures(ignore_dependency_warnings)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
