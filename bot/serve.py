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
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from actions.settings import limit_native_threads
from bot import without_tensorflow
from bot.tokens import MIN_TOKEN_CHARS

TOKEN_ENV = "RASA_AUTH_TOKEN"


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


def main() -> None:
    try:
        arguments = rasa_arguments(sys.argv[1:], os.environ.get(TOKEN_ENV))
    except ValueError as error:
        sys.exit(f"bot.serve: {error}")
    limit_native_threads()  # before NumPy loads (actions/settings.py)
    model = model_argument(sys.argv[1:])
    if model is not None:
        without_tensorflow.install(model)
    from rasa.__main__ import main as rasa_main

    sys.argv = ["rasa", *arguments]
    rasa_main()


if __name__ == "__main__":
    main()
