"""Check `make run`'s settings before anything starts: a bad one stops it at once.

Usage: python -m scripts.preflight   (reads the environment; `make run` calls it first)

Without this, a bad setting shows up late and badly: a short RASA_AUTH_TOKEN makes Rasa exit,
and the supervisor restarts it in a loop; a malformed URL or an unknown embedding backend fails
inside a service minutes later. Each problem is printed with the variable's name, and the exit
status is 2.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from bot.tokens import MIN_TOKEN_CHARS, TELEGRAM_SECRET_TOKEN

URL_SETTINGS = (
    "ACTION_ENDPOINT_URL",
    "TELEGRAM_API_URL",
    "TELEGRAM_WEBHOOK_URL",
    "RASA_PUBLIC_URL",
)
PORT_SETTINGS = ("ACTIONS_PORT", "RASA_PORT", "WEB_PORT")
POSITIVE_INTEGERS = (
    "ANSWER_MAX_SENTENCES",
    "RETRIEVAL_TOP_K",
    "ACTION_TIMEOUT_SECONDS",
    "EMBEDDING_THREADS",
    "CHUNK_SPLIT_LENGTH",
    "RETENTION_DAYS",
)
FRACTIONS = ("RETRIEVAL_ABSTAIN_BELOW", "RETRIEVAL_ABSTAIN_BELOW_CONFIDENT", "CONFIDENT_INTENT")
EMBEDDING_BACKENDS = ("onnx", "torch")


def url_problem(value: str) -> str | None:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"{value!r} is not an http(s) URL with a host"
    return None


def port_problem(value: str) -> str | None:
    if not value.isdigit() or not 1 <= int(value) <= 65535:
        return f"{value!r} is not a port number (1-65535)"
    return None


def positive_integer_problem(value: str) -> str | None:
    if not value.isdigit() or int(value) < 1:
        return f"{value!r} is not a whole number of at least 1"
    return None


def fraction_problem(value: str) -> str | None:
    try:
        number = float(value)
    except ValueError:
        return f"{value!r} is not a number"
    return None if 0.0 <= number <= 1.0 else f"{value!r} is not between 0 and 1"


def token_problem(value: str) -> str | None:
    if len(value.strip()) < MIN_TOKEN_CHARS:
        return f"must be at least {MIN_TOKEN_CHARS} characters long (it could be guessed)"
    return None


def backend_problem(value: str) -> str | None:
    if value not in EMBEDDING_BACKENDS:
        return f"{value!r} is not one of {', '.join(EMBEDDING_BACKENDS)}"
    return None


def cors_problem(value: str) -> str | None:
    bad = [origin for origin in value.split() if origin != "*" and url_problem(origin)]
    return (
        f"{', '.join(map(repr, bad))} not an origin (http(s)://host[:port]) or *" if bad else None
    )


def secret_problem(value: str) -> str | None:
    if not TELEGRAM_SECRET_TOKEN.fullmatch(value):
        return "must be 1-256 characters of A-Z, a-z, 0-9, _ and -"
    return None


CHECKS: dict[str, Callable[[str], str | None]] = {
    **dict.fromkeys(URL_SETTINGS, url_problem),
    **dict.fromkeys(PORT_SETTINGS, port_problem),
    **dict.fromkeys(POSITIVE_INTEGERS, positive_integer_problem),
    **dict.fromkeys(FRACTIONS, fraction_problem),
    "RASA_AUTH_TOKEN": token_problem,
    "EMBEDDING_BACKEND": backend_problem,
    "CORS_ORIGINS": cors_problem,
    "TELEGRAM_SECRET_TOKEN": secret_problem,
}


def problems(environment: Mapping[str, str]) -> list[str]:
    """'NAME: what is wrong' for every setting that is set and wrong (unset ones default)."""
    found = []
    for name, check in CHECKS.items():
        value = environment.get(name, "")
        problem = check(value) if value.strip() else None
        if problem:
            found.append(f"{name}: {problem}")
    return found


def main() -> None:
    import os

    found = problems(os.environ)
    for problem in found:
        print(f"preflight: {problem}", file=sys.stderr)
    if found:
        sys.exit(2)


if __name__ == "__main__":
    main()
