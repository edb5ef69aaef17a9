"""Random and adversarial text against the action code and the REST channel (hypothesis).

The unit properties run on every `make test` in a few seconds. The REST ones (marker `stack`)
post 50 random messages and 50 random request bodies to the running stack: never a 5xx, a reply
to every well-formed message, and the conversation still answers a normal question afterwards.
Examples are derived from each test's code (`derandomize`), so a failure reproduces; set
HYPOTHESIS_PROFILE=explore for new random examples, more of them.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
import unicodedata
import uuid
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions import actions as actions_module
from actions.actions import EMPTY_QUESTION_REPLY, YOU_ARE_WELCOME, ActionAnswerQuestion
from actions.answering.answerability import ABSTAINED, ANSWERED, Assessment
from actions.answering.composition import (
    ABSTAIN_TEXT,
    SOURCES_BREAK,
    candidate_sentences,
    choose_sentences,
    compose_answer,
)
from actions.clarify import DID_YOU_MEAN, TOPIC_MENU
from actions.knowledge_base.documents import Chunk
from actions.retrieval.hybrid import Hit
from actions.service import QuestionAnswerer
from actions.settings import load_settings
from actions.understanding.planner import plan_query
from actions.understanding.sanitize import EMPTY_MESSAGE, clean_text, is_empty_message
from actions.understanding.turn_kind import KINDS
from actions.understanding.words import tokenize
from bot.resilience import UNAVAILABLE_REPLY
from bot.safety import is_emergency
from tests.conftest import TEST_KNOWLEDGE, FakeEmbedder, Stack

# The autouse network blocker is function-scoped; it holds for every example all the same.
_COMMON = {
    "deadline": None,
    "database": None,
    "suppress_health_check": [HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
}
settings.register_profile("ci", derandomize=True, **_COMMON)
settings.register_profile("explore", max_examples=500, **_COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ADVERSARIAL = [
    "",
    " \t\r\n ",
    "\x00\x01\x1b[31m\x7f",
    "\u200b\u200d\ufeff\u2060",
    "\u202ewhat is mastocytosis\u202c",
    "\ud800 lone surrogate \udfff",
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "<<b>b>what is mastocytosis</b>",
    "<!-- --><![CDATA[ ]]>",
    "[click](javascript:alert(1))",
    "{{7*7}} ${jndi:ldap://x} %s%n%x",
    "'; DROP TABLE events; --",
    "../../../../etc/passwd",
    "/restart",
    "/greet",
    '/ask_treatment{"form": "mast cell leukemia"}',
    "/no_such_intent",
    "/back",
    "/",
    "\\u0000\\n",
    "🙂" * 40,
    "👨\u200d👩\u200d👧\u200d👦 is it hereditary?",
    "мастоцитоз 肥大细胞增多症 ما هو المرض mastocytosis?",
    "ﷺ" * 60,
    "e\u0301" * 50,
    "𝖜𝖍𝖆𝖙 𝖎𝖘 𝖒𝖆𝖘𝖙𝖔𝖈𝖞𝖙𝖔𝖘𝖎𝖘",
    "my throat is closing",
    "how much cetirizine should I take",
    "?" * 500,
    "a" * 12_000,
    "what do mast cells do? " * 800,
]


def _long(seed: str, length: int) -> str:
    seed = seed or "x"
    return (seed * (length // len(seed) + 1))[:length]


adversarial_text = st.sampled_from(ADVERSARIAL)
# Any code point but surrogates (they are in ADVERSARIAL), and pieces glued together.
any_text = st.text(max_size=300)
glued_text = st.lists(st.one_of(adversarial_text, st.text(max_size=40)), max_size=6).map("".join)
long_text = st.builds(_long, st.text(min_size=1, max_size=30), st.integers(10_000, 30_000))
messages = st.one_of(adversarial_text, any_text, glued_text, long_text)


# --- actions.understanding.sanitize
# ------------------------------------------------------------------------


@given(messages, st.integers(min_value=1, max_value=2_000))
def test_clean_text_keeps_no_control_characters_and_respects_the_cap(text, cap) -> None:
    cleaned = clean_text(text, max_chars=cap)
    assert len(cleaned) <= cap
    assert not cleaned.startswith(" ") and "  " not in cleaned
    assert not [ch for ch in cleaned if unicodedata.category(ch).startswith("C")]
    assert isinstance(is_empty_message(text), bool)


@given(st.text(alphabet=" \t\n\r\x00\x0b\x0c\u200b\u200d\u2060\ufeff\x85<>/b", max_size=50))
def test_a_message_of_blanks_controls_and_empty_tags_is_empty(text) -> None:
    if not clean_text(text):
        assert is_empty_message(text)
    assert is_empty_message(EMPTY_MESSAGE)


# --- actions.understanding.context
# ---------------------------------------------------------------------------

forms = st.sampled_from(["indolent systemic mastocytosis", "mast cell leukemia", "x"])


@given(messages, st.lists(forms, max_size=2), st.one_of(st.none(), forms), st.sampled_from(KINDS))
def test_plan_query_only_ever_adds_the_remembered_form(text, named, remembered, kind) -> None:
    question = clean_text(text)
    entities = [{"entity": "form", "value": value} for value in named]
    plan = plan_query(question, entities, None, remembered, kind=kind)
    # The form is appended, or written in place of "it": never any other words.
    assert set(tokenize(plan.query)) <= set(tokenize(question)) | set(tokenize(remembered or ""))
    assert plan.query == question or remembered
    if not remembered:
        assert plan.query == question
    assert plan.query == question or plan.follow_up


# --- actions.answering.composition
# ------------------------------------------------------------------------

# Sentences without spaces, so that the answer's body splits back into them; some repeat.
sentences = st.lists(st.sampled_from([f"Fact_{n}." for n in range(12)]), min_size=1, max_size=8)
source = st.fixed_dictionaries({"title": st.text(max_size=30), "url": st.text(max_size=30)})


@st.composite
def ranked_hits(draw: st.DrawFn) -> list[Hit]:
    found = []
    for number in range(draw(st.integers(0, 6))):
        doc = draw(st.sampled_from(["alpha", "beta"]))
        meta = {"doc_id": doc, "sentences": draw(sentences), "sources": draw(st.lists(source))}
        meta["topics"] = []
        chunk = Chunk(f"{doc}#{number}", draw(st.text(max_size=30)), "", meta)
        score, dense = draw(st.floats(-1, 2)), draw(st.floats(-1, 1))
        found.append(Hit(chunk, score, dense, draw(st.floats(0, 1))))
    return sorted(found, key=lambda hit: hit.score, reverse=True)


def sentences_with_vectors(hit: Hit) -> tuple[list[str], np.ndarray]:
    """Each sentence's vector: a deterministic function of its text (Fact_n -> axis n)."""
    sentences = hit.chunk.meta["sentences"]
    vectors = np.zeros((len(sentences), 12), dtype=np.float32)
    for row, sentence in enumerate(sentences):
        vectors[row, int(sentence[5:-1])] = 1.0
    return sentences, vectors


@given(ranked_hits(), st.integers(0, 11), st.integers(1, 8), st.booleans())
def test_composed_answer_is_short_sourced_and_never_repeats_itself(found, axis, most, ok) -> None:
    query = np.zeros(12, dtype=np.float32)
    query[axis] = 1.0
    candidates = (
        candidate_sentences(found, sentences_with_vectors, query, ["Fact"]) if found else []
    )
    chosen = choose_sentences(candidates, most)
    answer = compose_answer(chosen, Assessment(ANSWERED if ok else ABSTAINED), "facts", found)
    assert answer.abstained == (not ok or not found)
    if answer.abstained:
        assert answer.text.startswith(ABSTAIN_TEXT) and not answer.sources
        return
    body, _, links = answer.text.partition(SOURCES_BREAK)
    said = body.split(" ")
    assert 1 <= len(said) <= most and len(set(said)) == len(said)
    assert said[0] == max(candidates, key=lambda c: c.score).sentence  # the best comes first
    assert set(answer.chunk_ids) <= {hit.chunk.id for hit in found}
    assert len(set(answer.chunk_ids)) == len(answer.chunk_ids)
    used = [hit.chunk for hit in found if hit.chunk.id in answer.chunk_ids]
    assert set(said) <= {sentence for chunk in used for sentence in chunk.meta["sentences"]}
    assert all(source in answer.sources for chunk in used for source in chunk.sources)
    assert links.startswith("Source")


# --- the action, on a fake model over the tests' tiny knowledge base ---------------------------


@pytest.fixture(scope="module")
def fake_service(tmp_path_factory: pytest.TempPathFactory) -> QuestionAnswerer:
    index_dir = tmp_path_factory.mktemp("fuzz-index")
    settings_ = replace(load_settings(), knowledge_dir=Path(TEST_KNOWLEDGE), index_dir=index_dir)
    service = QuestionAnswerer(settings_, embedder=FakeEmbedder())
    service.warm_up()
    return service


intents = st.sampled_from(["ask_treatment", "ask_what_is", "nlu_fallback", "out_of_scope", ""])


FIXED_REPLIES = (ABSTAIN_TEXT, DID_YOU_MEAN, TOPIC_MENU, EMPTY_QUESTION_REPLY)
GAP_OPENINGS = ("I don't have information on", "I can't know")


@given(messages, intents, st.one_of(st.none(), forms), st.one_of(st.none(), st.text(max_size=40)))
def test_action_says_one_thing_and_only_what_the_knowledge_base_says(
    fake_service, monkeypatch, text, intent, form, pending
) -> None:
    monkeypatch.setattr(actions_module, "get_service", lambda: fake_service)
    message = {"text": text, "intent": {"name": intent, "confidence": 0.5}, "entities": []}
    slots = {"form": form, "pending_question": pending}
    events = [{"event": "user", "text": text, "parse_data": message}]
    tracker = Tracker("fuzz", slots, message, events, False, None, {}, "action_listen")
    dispatcher = CollectingDispatcher()
    returned = asyncio.run(ActionAnswerQuestion().run(dispatcher, tracker, {}))
    said = dispatcher.messages
    if said and said[0].get("text") == YOU_ARE_WELCOME:  # thanks, then the question's answer
        said = said[1:]
    assert len(said) == 1
    if said[0].get("response") == "utter_you_are_welcome":
        return  # all thanks
    reply = said[0]["text"]
    assert all(event["event"] == "slot" for event in returned)
    if reply.startswith(FIXED_REPLIES + GAP_OPENINGS):
        return  # a fixed reply, or a gap named before anything is said from the sources
    # Otherwise every sentence said comes from the knowledge base, never from the message.
    body = reply.split(SOURCES_BREAK)[0]
    known = {
        sentence for chunk in fake_service.index.chunks for sentence in chunk.meta["sentences"]
    }
    assert body.split(": ", 1)[-1] if body.startswith("What I can") else body
    said = [sentence for sentence in known if sentence in body]
    assert said and len(" ".join(said)) >= len(body.strip()) * 0.9, reply


@given(messages)
def test_a_vital_sign_is_an_emergency_whatever_comes_before_it(text) -> None:
    started = time.perf_counter()
    assert is_emergency(f"{text}. I can't breathe")
    assert is_emergency(f"{text} and now my throat is swelling")
    assert time.perf_counter() - started < 0.5


# --- the REST channel of the running stack ------------------------------------------------


def _post(stack: Stack, body: bytes, content_type: str | None) -> requests.Response:
    headers = {"Content-Type": content_type} if content_type else {}
    return requests.post(
        f"{stack.rasa}/webhooks/rest/webhook", data=body, headers=headers, timeout=60
    )


def _dumps(value: object) -> bytes:
    return json.dumps(value).encode()


# Rasa's own commands, answered with the domain's utter_restart / utter_back if it had them.
SILENT_COMMANDS = ("/restart", "/back", "/session_start")


@pytest.mark.stack
@settings(max_examples=50)
@given(messages)
def test_every_message_gets_a_reply_and_the_conversation_goes_on(stack: Stack, text) -> None:
    sender = uuid.uuid4().hex
    response = _post(stack, _dumps({"sender": sender, "message": text}), "application/json")
    assert response.status_code == 200, response.text
    replies = response.json()
    assert replies or text.strip() in SILENT_COMMANDS
    assert all(reply["recipient_id"] == sender for reply in replies)
    assert all(reply.get("text") or reply.get("buttons") for reply in replies)
    assert UNAVAILABLE_REPLY not in [reply.get("text") for reply in replies]
    assert "](https://" in stack.answer_text("What causes mastocytosis?", sender)


json_values = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text()),
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(), children),
    max_leaves=8,
)
fields = st.sampled_from(["sender", "message", "metadata", "input_channel", "stream"])
bodies = st.one_of(
    json_values.map(_dumps),
    st.dictionaries(fields, json_values, max_size=5).map(_dumps),
    st.builds(
        lambda sender, message: _dumps({"sender": sender, "message": message}),
        st.one_of(json_values, st.text(max_size=200)),
        st.one_of(json_values, messages),
    ),
    st.binary(max_size=200),
    st.text(max_size=200).map(str.encode),
)
content_types = st.sampled_from(
    [
        "application/json",
        "application/json; charset=utf-8",
        "APPLICATION/JSON",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/xml",
        "",
        None,
    ]
)


@pytest.mark.stack
@settings(max_examples=50)
@given(bodies, content_types)
def test_no_request_body_makes_the_server_fail(stack: Stack, body, content_type) -> None:
    response = _post(stack, body, content_type)
    assert response.status_code < 500, (body[:200], content_type, response.text[:300])
    if response.status_code == 200:
        assert isinstance(response.json(), list)


JSON = "application/json"
CASES = {
    "empty message": (b'{"sender": "S", "message": ""}', JSON, 200),
    "whitespace message": (b'{"sender": "S", "message": " \\t\\n "}', JSON, 200),
    "invalid JSON": (b'{"sender": "S", "message": ', JSON, 400),
    "no body": (b"", JSON, 400),
    "a JSON array": (b'["S", "hello"]', JSON, 400),
    "no message": (b'{"sender": "S"}', JSON, 400),
    "no sender": (b'{"message": "hello"}', JSON, 400),
    "empty sender": (b'{"sender": " ", "message": "hello"}', JSON, 400),
    "control characters in the sender": (b'{"sender": "S\\u0000", "message": "hi"}', JSON, 400),
    "a number as message": (b'{"sender": "S", "message": 42}', JSON, 400),
    "an object as message": (b'{"sender": "S", "message": {"text": "hi"}}', JSON, 400),
    "a list as metadata": (b'{"sender": "S", "message": "hi", "metadata": []}', JSON, 400),
    "form-encoded": (b"sender=S&message=hello", "application/x-www-form-urlencoded", 415),
    "JSON sent as text/plain": (b'{"sender": "S", "message": "hello"}', "text/plain", 415),
    "JSON with a charset": (
        b'{"sender": "S", "message": "hello"}',
        "application/json; charset=utf-8",
        200,
    ),
    "invalid UTF-8": (b'{"sender": "S", "message": "\xff\xfe"}', JSON, 400),
    "a body over 1 MB": (_dumps({"sender": "S", "message": "a" * 1_100_000}), JSON, 413),
}


@pytest.mark.stack
@pytest.mark.parametrize("case", CASES)
def test_bad_input_gets_a_reply_or_a_client_error(stack: Stack, case: str) -> None:
    sender = uuid.uuid4().hex
    body, content_type, status = CASES[case]
    response = _post(stack, body.replace(b'"S', f'"{sender}'.encode()), content_type)
    assert response.status_code == status, response.text[:300]
    if status == 200:
        assert "didn't catch a question" in response.text or response.json()
    started = time.monotonic()
    assert "KIT" in stack.answer_text("What causes mastocytosis?", sender)
    assert time.monotonic() - started < 10
