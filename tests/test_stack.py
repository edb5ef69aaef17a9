"""End to end: `make run` starts both servers; questions asked over REST get grounded answers."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
import requests

from scripts import render_emergency
from scripts.feedback_summary import read_ratings
from scripts.stack import SERVICES, service_pid
from tests.conftest import Stack

pytestmark = pytest.mark.stack


def test_action_server_health(stack: Stack) -> None:
    response = requests.get(f"{stack.actions}/health", timeout=5)
    assert response.json() == {"status": "ok"}


def test_the_servers_hold_neither_tensorflow_nor_pytorch(stack: Stack) -> None:
    # ONNX Runtime embeds (actions/knowledge_base/onnx_embedding.py) and the model uses no
    # TensorFlow
    # component (bot/without_tensorflow.py): each library is hundreds of MB that would idle.
    for server in ("rasa", "actions"):
        pid = service_pid(SERVICES[server], stack.ports[server])  # as now: a test may restart it
        assert pid is not None, server
        libraries = Path(f"/proc/{pid}/maps").read_text()
        assert "libtensorflow" not in libraries and "libtorch" not in libraries, server


def test_causes_answer_names_kit_and_its_source(stack: Stack) -> None:
    reply = stack.answer_text("What causes mastocytosis?")
    assert "KIT" in reply
    assert "](https://" in reply


def test_misspelt_question_is_still_answered_from_the_knowledge_base(stack: Stack) -> None:
    reply = stack.answer_text("wat are the simptoms of mastocytosis")
    assert "](https://" in reply
    assert any(word in reply.lower() for word in ("flushing", "itch", "diarrh"))


def test_greeting_says_it_is_not_medical_advice(stack: Stack) -> None:
    assert "not medical advice" in stack.answer_text("hello")


def test_emergency_is_answered_with_what_to_do_now(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.answer_text("what is mastocytosis", sender)
    reply = stack.answer_text("my throat is swelling and I can't breathe", sender)
    assert reply.startswith("This may be anaphylaxis")
    assert render_emergency.alert_text() in reply  # the one sequence, from the steps file
    assert reply.index("adrenaline") < reply.index("Call emergency services")
    assert "stand or walk" in reply and "CPR" in reply and "sting" in reply


@pytest.mark.parametrize(
    ("question", "facts"),
    [
        # Issue 14's "Why": each was answered from a neighbouring passage before.
        ("can someone with mastocytosis give blood?", ["blood service", "donor"]),
        ("what is ketotifen?", ["Ketotifen", "mast cell stabiliser"]),
        (
            "I take a beta-blocker for my blood pressure, is that a problem with mastocytosis?",
            ["Beta-blockers", "adrenaline"],
        ),
        (
            "does tryptase over 200 plus 30% infiltration count as two B-findings?",
            ["one B-finding"],
        ),
        ("does osteoporosis count as a C-finding?", ["not a C-finding"]),
    ],
)
def test_questions_the_knowledge_base_lacked_are_answered(
    stack: Stack, question: str, facts: list[str]
) -> None:
    reply = stack.answer_text(question)
    assert all(fact.lower() in reply.lower() for fact in facts), reply
    assert "](https://" in reply


def test_a_baby_gone_pale_and_floppy_gets_the_emergency_steps(stack: Stack) -> None:
    reply = stack.answer_text("my baby's spots are blistering and she has gone pale and floppy")
    assert reply.startswith("This may be anaphylaxis")


def test_off_topic_question_is_not_answered_from_the_knowledge_base(stack: Stack) -> None:
    reply = stack.answer_text("who won the football world cup in 1998?")
    assert "](https://" not in reply
    assert "only help with questions about mastocytosis" in reply or "I don't know that" in reply


def test_follow_up_question_keeps_the_form_being_discussed(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.answer_text("tell me about mast cell leukemia", sender)
    reply = stack.answer_text("what is the outlook?", sender)
    assert "leukemia" in reply.lower() or "leukaemia" in reply.lower()
    assert "](https://" in reply


def test_dose_request_is_sent_to_the_doctor_with_general_information(stack: Stack) -> None:
    reply = stack.answer_text("how much cetirizine should I take for my flushing?")
    assert reply.startswith("I can't recommend doses")
    assert "](https://" in reply


def test_chat_page_serves_the_widget_locally(stack: Stack) -> None:
    page = requests.get(f"{stack.web}/", timeout=5)
    assert page.ok and "<title>Mastocytosis assistant</title>" in page.text
    assert "not medical advice" in page.text
    widget = requests.get(f"{stack.web}/vendor/rasa-webchat.js", timeout=5)
    assert widget.ok and len(widget.content) > 100_000
    config = requests.get(f"{stack.web}/config.js", timeout=5).text
    assert f'"rasaPort": {stack.rasa.rsplit(":", 1)[1]}' in config
    assert requests.get(f"{stack.web}/../Makefile", timeout=5).status_code == 404


def test_socketio_channel_answers_over_a_websocket(stack: Stack) -> None:
    """What the web widget does: socket.io over a websocket (needs bot/channels.py's fix)."""
    import asyncio

    import socketio

    async def converse() -> list[dict]:
        client = socketio.AsyncClient()
        replies: list[dict] = []
        session = uuid.uuid4().hex

        @client.on("bot_uttered")
        async def on_bot_uttered(data: dict) -> None:
            replies.append(data)

        await client.connect(stack.rasa, socketio_path="/socket.io", transports=["websocket"])
        await client.emit("session_request", {"session_id": session})
        await client.emit(
            "user_uttered", {"message": "What causes mastocytosis?", "session_id": session}
        )
        for _ in range(100):
            if any("KIT" in reply.get("text", "") for reply in replies):
                break
            await asyncio.sleep(0.1)
        await client.disconnect()
        return replies

    replies = asyncio.run(converse())
    assert any("KIT" in reply.get("text", "") for reply in replies), replies


@pytest.mark.parametrize("text", ["", "   ", "\u200b\x00"])
def test_empty_message_gets_a_clear_reply(stack: Stack, text: str) -> None:
    assert "didn't catch a question" in stack.answer_text(text)


def test_markup_around_a_question_is_ignored(stack: Stack) -> None:
    reply = stack.answer_text("<script>alert(1)</script> <b>what is mastocytosis?</b>")
    assert "mast cells" in reply and "](https://" in reply
    assert "<script>" not in reply


def test_huge_message_gets_an_answer_not_an_error(stack: Stack) -> None:
    reply = stack.answer_text("what do mast cells do? " + "really " * 3000)
    assert reply.startswith("Your message was long, so I read only its first 1,000 characters")
    assert "](https://" in reply  # and the question it began with is still answered


def test_malformed_json_is_a_client_error(stack: Stack) -> None:
    response = requests.post(
        f"{stack.rasa}/webhooks/rest/webhook",
        data='{"sender": "x", "message": ',
        headers={"content-type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 400


def test_abbreviation_does_not_pull_the_answer_off_topic(stack: Stack) -> None:
    reply = stack.answer_text("is it safe to get pregnant with SM")
    assert "pregnan" in reply.lower() and "](https://" in reply


def test_short_vague_question_with_a_clear_intent_is_answered(stack: Stack) -> None:
    reply = stack.answer_text("what is the outlook?")
    assert not reply.startswith("I don't know") and "](https://" in reply


def test_what_about_asks_the_previous_question_about_someone_else(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.answer_text("how is indolent systemic mastocytosis treated?", sender)
    reply = stack.answer_text("and in pregnancy?", sender).lower()
    assert "pregnan" in reply and "medicines" in reply and "](https://" in reply


def test_the_skin_one_means_cutaneous_mastocytosis(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.answer_text("what types of mastocytosis are there?", sender)
    reply = stack.answer_text("tell me more about the skin one", sender).lower()
    assert "skin" in reply and "cutaneous" in reply


def test_every_answer_can_be_rated_and_the_rating_is_stored(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    [answer] = stack.ask("what causes mastocytosis?", sender)
    assert [b["payload"] for b in answer["buttons"]] == ["/feedback_positive", "/feedback_negative"]
    reply = stack.answer_text("/feedback_negative", sender)
    assert "sorry that didn't help" in reply
    stack.answer_text("that was helpful", sender)
    db_url = f"sqlite:///{stack.tracker_db}"
    mine = [r for r in read_ratings(db_url).not_helpful if r["sender"] == sender]
    assert [r["question"] for r in mine] == ["what causes mastocytosis?"]
    assert mine[0]["chunks"][0].startswith("causes-kit-gene#")
    assert read_ratings(db_url).helpful >= 1


def test_restart_clears_the_conversation_and_says_so(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    stack.answer_text("tell me about mast cell leukemia", sender)
    assert stack.answer_text("/restart", sender).startswith("Let's start again")
    assert "leuk" not in stack.answer_text("what is the outlook?", sender).lower()


def test_session_start_and_back_get_a_reply(stack: Stack) -> None:
    sender = uuid.uuid4().hex
    assert stack.answer_text("/session_start", sender).startswith("A new conversation has started")
    stack.answer_text("what is tryptase?", sender)
    assert stack.answer_text("/back", sender).startswith("I've undone your last message")
    # A conversation's automatic first session start says nothing of its own.
    first = stack.answer_text("What causes mastocytosis?", uuid.uuid4().hex)
    assert "KIT" in first and "new conversation" not in first
