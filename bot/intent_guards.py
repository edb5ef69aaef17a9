"""NLU components that overrule the intent classifier where a rule must win.

`IntentSafetyNet` (after the classifier) makes sure a message describing anaphylaxis now is
classified `emergency` and a question asking for a dose `ask_personal_advice`, whatever the
statistical classifier said, and that an empty message still gets a reply (as `nlu_fallback`).
`ScopeGuard` (after the entity extractors) decides scope (actions/understanding/scope.py) and takes
a
small-talk intent away from a question (bot/small_talk.py).
"""

from __future__ import annotations

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.constants import DEFAULT_NLU_FALLBACK_INTENT_NAME
from rasa.shared.nlu.constants import (
    ENTITIES,
    INTENT,
    INTENT_NAME_KEY,
    INTENT_RANKING_KEY,
    PREDICTED_CONFIDENCE_KEY,
    TEXT,
)
from rasa.shared.nlu.training_data.message import Message

from actions.understanding.intents import PERSONAL_ADVICE_INTENT
from actions.understanding.sanitize import is_empty_message
from actions.understanding.scope import OTHER, OURS, decide_scope, domain_entity_types
from bot.components import StatelessComponent
from bot.safety import (
    asks_beyond_the_emergency,
    asks_for_a_dose,
    is_emergency,
    mentions_a_sign,
)
from bot.small_talk import SMALL_TALK_INTENTS, is_question_not_small_talk

EMERGENCY_INTENT = "emergency"
# An emergency told with a history and a question of its own: the steps, then the answer.
EMERGENCY_WITH_QUESTION_INTENT = "emergency_with_question"
OUT_OF_SCOPE_INTENT = "out_of_scope"


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class IntentSafetyNet(StatelessComponent):
    """Overrides the classifier for emergencies, doses and empty messages.

    `emergency` when the text matches bot/safety.py's patterns (`emergency_with_question` when it
    also tells a history and asks a question of its own: the steps come first, then the answer);
    the classifier's `emergency` is taken away from a message that uses no word an emergency is
    told with (bot/safety.py `ANY_SIGN`); `ask_personal_advice` for a question that asks for a
    dose, even one the classifier took for another subject ("how much should i give her? she
    weighs 16kg"), answered by "ask your doctor", then general information only;
    `nlu_fallback` when there is no text, so the assistant asks for a question instead of
    staying silent. Place it after the
    intent classifier and before the FallbackClassifier.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            text = message.get(TEXT) or ""
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) or ""
            if asks_beyond_the_emergency(text):
                override_intent(message, EMERGENCY_WITH_QUESTION_INTENT)
            elif is_emergency(text):
                override_intent(message, EMERGENCY_INTENT)
            elif intent == EMERGENCY_INTENT and not mentions_a_sign(text):
                exclude_intent(message, EMERGENCY_INTENT)
            elif asks_for_a_dose(text) and (
                intent.startswith("ask_") or intent == OUT_OF_SCOPE_INTENT
            ):
                override_intent(message, PERSONAL_ADVICE_INTENT)
            elif is_empty_message(text):
                override_intent(message, DEFAULT_NLU_FALLBACK_INTENT_NAME)
        return messages


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER, is_trainable=False)
class ScopeGuard(StatelessComponent):
    """Makes a question about another disease `out_of_scope`, and one about mastocytosis not.

    A question the classifier took for small talk ("how long would that go on for?" as goodbye,
    bot/small_talk.py) loses that intent too.

    "Best treatment for cancer?" is worded like ask_treatment; without this it would be
    answered with mastocytosis treatment. Only question intents are overridden, so an
    emergency stays an emergency. And "will my symptoms get worse while pregnant?", which the
    classifier calls out_of_scope, names mastocytosis matter (pregnancy, from the lookup tables)
    and no other disease: out_of_scope is taken out of its ranking
    (actions/understanding/scope.py). Place it
    after IntentSafetyNet and the entity extractors, before the FallbackClassifier.
    """

    def process(self, messages: list[Message]) -> list[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get(INTENT_NAME_KEY) or ""
            text = message.get(TEXT) or ""
            scope = decide_scope(text, domain_entity_types(text, message.get(ENTITIES) or []))
            if intent.startswith("ask_") and scope == OTHER:
                override_intent(message, OUT_OF_SCOPE_INTENT)
            elif intent == OUT_OF_SCOPE_INTENT and scope == OURS:
                exclude_intent(message, OUT_OF_SCOPE_INTENT)
            elif intent in SMALL_TALK_INTENTS and is_question_not_small_talk(text):
                exclude_intent(message, intent)
        return messages


def exclude_intent(message: Message, intent_name: str) -> None:
    """Drop `intent_name` from the ranking and rescale the rest to sum to 1.

    The confidences become probabilities given that the message is not `intent_name`: below
    the 0.8 at which retrieval relaxes its threshold unless one intent clearly led the rest.
    """
    ranking = message.get(INTENT_RANKING_KEY) or []
    kept = [i for i in ranking if i.get(INTENT_NAME_KEY) != intent_name]
    if not kept:
        return
    total = sum(float(i.get(PREDICTED_CONFIDENCE_KEY) or 0) for i in kept)
    scale = 1.0 / total if total > 0 else 1.0
    rescaled = [
        {**i, PREDICTED_CONFIDENCE_KEY: float(i.get(PREDICTED_CONFIDENCE_KEY) or 0) * scale}
        for i in kept
    ]
    message.set(INTENT, rescaled[0], add_to_output=True)
    message.set(INTENT_RANKING_KEY, rescaled, add_to_output=True)


def override_intent(message: Message, intent_name: str) -> None:
    """Make `intent_name` the certain top intent, keeping the rest of the ranking below it.

    The others keep their order at half their confidence (at most 0.5), so that the
    FallbackClassifier never sees a near tie with the override and turns an emergency into
    "nlu_fallback".
    """
    top = {INTENT_NAME_KEY: intent_name, PREDICTED_CONFIDENCE_KEY: 1.0}
    ranking = [
        {**intent, PREDICTED_CONFIDENCE_KEY: float(intent.get(PREDICTED_CONFIDENCE_KEY) or 0) / 2}
        for intent in message.get(INTENT_RANKING_KEY) or []
        if intent.get(INTENT_NAME_KEY) != intent_name
    ]
    message.set(INTENT, top, add_to_output=True)
    message.set(INTENT_RANKING_KEY, [top, *ranking], add_to_output=True)
