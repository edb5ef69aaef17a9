"""The message's sentence embedding, sent by Rasa with an action call: embedded once, not twice.

Rasa's NLU embeds every message (bot/components.py) with the model the action server searches
with, and the action server embedded the same text again to retrieve: 3-5 ms of a question's
time. Rasa now adds the vector it computed to the action call (bot/action_call.py), under
`REQUEST_KEY`, next to the tracker: the text it is of, the vector (float32, base64) and the
model and backend that made it. The action server (actions/server.py) hands it to its embedder,
which uses it when asked for that very text by the same model; any other text (a follow-up
searched with its thread) is embedded as before. An action call without it works as it always
did.
"""

from __future__ import annotations

import base64
from typing import Any

import numpy as np

REQUEST_KEY = "message_embedding"


def encode(text: str, vector: np.ndarray, model: str) -> dict[str, Any]:
    """The JSON value of REQUEST_KEY for one text's vector."""
    data = np.ascontiguousarray(vector, dtype=np.float32).tobytes()
    return {"text": text, "vector": base64.b64encode(data).decode("ascii"), "model": model}


def decode(action_call: Any) -> tuple[str, np.ndarray, str] | None:
    """(text, vector, model) from an action call's body, or None if it holds none (or junk)."""
    value = action_call.get(REQUEST_KEY) if isinstance(action_call, dict) else None
    if not isinstance(value, dict):
        return None
    text, vector, model = value.get("text"), value.get("vector"), value.get("model")
    if not (isinstance(text, str) and isinstance(vector, str) and isinstance(model, str)):
        return None
    try:
        data = base64.b64decode(vector, validate=True)
    except ValueError:
        return None
    if not data or len(data) % 4:
        return None
    return text, np.frombuffer(data, dtype=np.float32).copy(), model
