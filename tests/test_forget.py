"""End to end over REST: "/forget" and "delete my conversation" on `make run`'s SQLite store."""

from __future__ import annotations

import json
import sqlite3
import uuid
from contextlib import closing

import pytest

from tests.conftest import Stack

pytestmark = pytest.mark.stack


def stored_events(stack: Stack, sender: str) -> list[tuple[str, dict]]:
    """(type, event) of every event stored for `sender`, oldest first."""
    with closing(sqlite3.connect(stack.tracker_db)) as db:
        rows = db.execute(
            "SELECT type_name, data FROM events WHERE sender_id = ? ORDER BY id", (sender,)
        ).fetchall()
    return [(type_name, json.loads(data)) for type_name, data in rows]


def user_texts(stack: Stack, sender: str) -> list[str]:
    return [event["text"] for kind, event in stored_events(stack, sender) if kind == "user"]


def test_forget_deletes_the_conversation_and_the_next_message_starts_a_new_one(
    stack: Stack,
) -> None:
    sender, other = uuid.uuid4().hex, uuid.uuid4().hex
    first_reply = stack.answer_text("What causes mastocytosis?", sender)
    assert "KIT" in first_reply
    stack.answer_text("what is ISM?", other)
    assert user_texts(stack, sender) == ["What causes mastocytosis?"]

    reply = stack.answer_text("/forget", sender)
    assert reply.startswith("Done: I've deleted this conversation from our records.")
    assert stored_events(stack, sender) == []
    assert user_texts(stack, other) == ["what is ISM?"]  # no one else's

    assert "](https://" in stack.answer_text("how is mastocytosis diagnosed?", sender)
    assert user_texts(stack, sender) == ["how is mastocytosis diagnosed?"]
    stored = json.dumps(stored_events(stack, sender))
    # nothing of the first conversation: its question, the command, the first answer's opening
    opening = first_reply.split(". ")[0]
    assert "What causes" not in stored and "/forget" not in stored and opening not in stored


def test_asked_in_words_it_asks_first_and_the_yes_button_deletes(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.answer_text("what is mastocytosis", sender)
    [question] = stack.ask("can you delete this conversation", sender)
    assert question["text"].startswith("Delete everything you've said in this conversation?")
    assert [(b["title"], b["payload"]) for b in question["buttons"]] == [
        ("Yes, delete it", "/forget"),
        ("No, keep it", "/deny"),
    ]
    assert len(user_texts(stack, sender)) == 2  # nothing deleted before the answer
    assert stack.answer_text("/forget", sender).startswith("Done: I've deleted")
    assert stored_events(stack, sender) == []


def test_no_keeps_the_conversation(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.answer_text("what is mastocytosis", sender)
    stack.answer_text("forget what i told you", sender)
    assert stack.answer_text("/deny", sender).startswith("All right, I haven't deleted anything")
    assert user_texts(stack, sender) == ["what is mastocytosis", "forget what i told you", "/deny"]


def test_forgetting_as_a_symptom_is_answered_and_deletes_nothing(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    reply = stack.answer_text("brain fog makes me forget things", sender)
    assert "Delete everything" not in reply and "deleted" not in reply
    assert user_texts(stack, sender) == ["brain fog makes me forget things"]
