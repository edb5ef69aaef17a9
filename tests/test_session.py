"""bot/session.py: "/session_start" gets a reply; a session Rasa starts by itself stays silent."""

import asyncio

from rasa.core.actions.action import ActionSessionStart
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, BotUttered, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from actions.settings import PROJECT_ROOT
from bot import session

DOMAIN = Domain.load(str(PROJECT_ROOT / "bot" / "domain.yml"))


def run_session_start(events: list) -> list:
    session.install()
    tracker = DialogueStateTracker.from_events("someone", events, DOMAIN.slots)
    nlg = TemplatedNaturalLanguageGenerator(DOMAIN.responses)
    return asyncio.run(ActionSessionStart().run(CollectingOutputChannel(), nlg, tracker, DOMAIN))


def test_the_command_gets_a_reply_in_the_new_session() -> None:
    events = run_session_start([UserUttered("/session_start", {"name": "session_start"})])
    assert isinstance(events[0], SessionStarted)
    [said] = [e for e in events if isinstance(e, BotUttered)]
    assert said.text.startswith("A new conversation has started")
    assert events[-1] == ActionExecuted("action_listen")


def test_a_session_rasa_starts_by_itself_is_silent() -> None:
    assert not [e for e in run_session_start([]) if isinstance(e, BotUttered)]
    earlier = [UserUttered("what is ISM?", {"name": "ask_what_is"})]
    assert not [e for e in run_session_start(earlier) if isinstance(e, BotUttered)]


def test_installing_twice_wraps_once() -> None:
    session.install()
    wrapped = ActionSessionStart.run
    session.install()
    assert ActionSessionStart.run is wrapped
