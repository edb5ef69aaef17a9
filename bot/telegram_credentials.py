"""A credentials file with Telegram on: Rasa's other channels plus the Telegram block.

`python -m bot.telegram_credentials BASE TARGET` writes BASE's channels plus the Telegram block
to TARGET; `make run` does that, and passes TARGET to Rasa, only when TELEGRAM_ACCESS_TOKEN is set.
The block holds `${...}` references, filled in by Rasa from the environment, never a secret.
"""

from __future__ import annotations

import argparse
from pathlib import Path

CREDENTIALS_BLOCK = """
# Telegram (bot/telegram.py). Added by `make run` only when TELEGRAM_ACCESS_TOKEN is set; Rasa
# fills in the ${...} values from the environment at start-up, so no secret is written here.
# TelegramInput reads TELEGRAM_SECRET_TOKEN from the environment itself (it may be unset).
bot.telegram.TelegramInput:
  access_token: ${TELEGRAM_ACCESS_TOKEN}
  verify: ${TELEGRAM_VERIFY}
  webhook_url: ${TELEGRAM_WEBHOOK_URL}
  api_url: ${TELEGRAM_API_URL}
"""


def write_credentials(base: Path, target: Path) -> None:
    """`base` (Rasa's other channels) plus the Telegram block, written to `target`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(base.read_text("utf-8").rstrip("\n") + "\n" + CREDENTIALS_BLOCK, "utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description="Write a credentials file with Telegram enabled.")
    parser.add_argument("base", type=Path, help="credentials file with the other channels")
    parser.add_argument("target", type=Path, help="where to write it with the Telegram block")
    args = parser.parse_args()
    write_credentials(args.base, args.target)


if __name__ == "__main__":
    main()
