"""Rules for the secrets the stack reads from its environment.

Shared by the code that uses them and by scripts/preflight.py, which checks them before
`make run` starts anything. Kept in this small module so the check loads neither Rasa nor aiogram.
"""

from __future__ import annotations

import re

# RASA_AUTH_TOKEN: shorter ones could be guessed.
MIN_TOKEN_CHARS = 16
# TELEGRAM_SECRET_TOKEN: what the Bot API's setWebhook accepts as secret_token.
TELEGRAM_SECRET_TOKEN = re.compile(r"[A-Za-z0-9_-]{1,256}")
