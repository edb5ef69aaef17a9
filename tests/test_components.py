"""The custom Rasa NLU components in bot/components.py, on real Rasa Message objects."""

from rasa.shared.nlu.training_data.message import Message

from actions.understanding.intents import retrieval_intent
from bot.components import MessageCleaner, SentenceEmbeddingFeaturizer
from bot.intent_guards import IntentSafetyNet


def message(text: str, intent: str = "ask_anaphylaxis") -> Message:
    msg = Message(data={"text": text})
    msg.set("intent", {"name": intent, "confidence": 0.9}, add_to_output=True)
    ranking = [{"name": intent, "confidence": 0.9}, {"name": "emergency", "confidence": 0.05}]
    msg.set("intent_ranking", ranking, add_to_output=True)
    return msg


def test_safety_net_overrides_the_classifier_for_signs_happening_now() -> None:
    urgent, question = (
        message("my wife is having anaphylaxis right now"),
        message("what is anaphylaxis"),
    )
    IntentSafetyNet().process([urgent, question])
    assert urgent.get("intent") == {"name": "emergency", "confidence": 1.0}
    assert [i["name"] for i in urgent.get("intent_ranking")] == ["emergency", "ask_anaphylaxis"]
    assert question.get("intent")["name"] == "ask_anaphylaxis"


def test_an_emergency_told_with_a_history_and_a_question_is_both() -> None:
    told = message(
        "years of flushing and I fainted twice after wasp stings. my allergist wants a bone "
        "marrow biopsy. why do they need bone marrow when they have a blood test?",
        intent="ask_diagnosis",
    )
    IntentSafetyNet().process([told])
    assert told.get("intent") == {"name": "emergency_with_question", "confidence": 1.0}
    # The classifier's reading stays next in the ranking, as the hint of the question's topic.
    assert retrieval_intent(told.as_dict()) == ("ask_diagnosis", 0.45)


def test_the_classifiers_emergency_needs_a_word_an_emergency_is_told_with() -> None:
    itch, sos = (
        message("the itching is driving me mad at night, what can I do"),
        message("SOS my child"),
    )
    for told in (itch, sos):
        ranking = [
            {"name": "emergency", "confidence": 0.6},
            {"name": "ask_treatment", "confidence": 0.3},
        ]
        told.set("intent", ranking[0], add_to_output=True)
        told.set("intent_ranking", ranking, add_to_output=True)
    IntentSafetyNet().process([itch, sos])
    assert itch.get("intent")["name"] == "ask_treatment"  # the next in the ranking
    assert sos.get("intent")["name"] == "emergency"


def test_featurizer_adds_one_sentence_vector_per_message(fake_embedder) -> None:
    featurizer = SentenceEmbeddingFeaturizer(
        {**SentenceEmbeddingFeaturizer.get_default_config(), "alias": "minilm"}, "featurizer"
    )
    featurizer.embedder = fake_embedder
    with_text, empty = Message(data={"text": "what causes it"}), Message(data={"text": "  "})
    featurizer.process([with_text, empty])
    sequence, sentence = with_text.get_dense_features("text")
    assert sequence is None
    assert sentence.features.shape == (1, fake_embedder.dimensions)
    assert empty.get_dense_features("text") == (None, None)


def test_empty_message_becomes_a_fallback_so_it_gets_a_reply() -> None:
    empty = Message(data={"text": " \u200b "})
    MessageCleaner().process([empty])
    assert empty.get("text") == "(empty message)"  # a placeholder the classifier can read
    empty.set("intent", {"name": "greet", "confidence": 0.9}, add_to_output=True)
    IntentSafetyNet().process([empty])
    assert empty.get("intent") == {"name": "nlu_fallback", "confidence": 1.0}


def test_cleaner_replaces_the_text_before_anything_reads_it() -> None:
    msg = Message(data={"text": "<b>what is</b>\x00 mastocytosis"})
    MessageCleaner().process([msg])
    assert msg.get("text") == "what is mastocytosis"


def test_an_override_is_never_a_near_tie_for_the_fallback_classifier() -> None:
    urgent = message("my throat is closing", intent="ask_anaphylaxis")
    urgent.set("intent_ranking", [{"name": "ask_anaphylaxis", "confidence": 0.97}])
    IntentSafetyNet().process([urgent])
    top, second = urgent.get("intent_ranking")
    assert top == {"name": "emergency", "confidence": 1.0}
    assert second == {"name": "ask_anaphylaxis", "confidence": 0.485}


def test_a_message_cut_to_length_is_marked_so_the_answer_can_say_so() -> None:
    long, short = Message(data={"text": "what is masto " * 200}), Message(data={"text": "hi"})
    MessageCleaner().process([long, short])
    assert long.get("truncated") is True and len(long.get("text")) <= 1000
    assert short.get("truncated") is None


def test_the_nlu_components_do_not_load_the_retrieval_stack() -> None:
    import subprocess
    import sys

    code = (
        "import sys, bot.components, bot.entity_resolver, bot.intent_guards; "
        "print(sorted(m for m in sys.modules if 'actions' in m))"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    for heavy in (
        "actions.service",
        "actions.retrieval.hybrid",
        "actions.knowledge_base.index",
        "actions.answering.composition",
    ):
        assert f"'{heavy}'" not in run.stdout
    assert (
        "'actions.understanding.scope'" in run.stdout
    )  # the rules shared with the action server are there


def test_the_classifier_never_learns_a_command(tmp_path) -> None:
    """'/forget' deletes at once: only Rasa's command parsing may produce its intent."""
    import numpy as np
    from rasa.engine.storage.local_model_storage import LocalModelStorage
    from rasa.engine.storage.resource import Resource
    from rasa.shared.nlu.training_data.features import Features
    from rasa.shared.nlu.training_data.training_data import TrainingData

    from bot.components import LinearIntentClassifier

    examples = []
    for index, (text, intent) in enumerate(
        [
            ("delete my chat", "forget_conversation"),
            ("erase my data", "forget_conversation"),
            ("/forget", "forget"),
            ("hi there", "greet"),
            ("hello", "greet"),
        ]
    ):
        example = Message(data={"text": text, "intent": intent})
        vector = np.eye(5, dtype=np.float32)[index : index + 1]
        example.add_features(Features(vector, "sentence", "text", "fake"))
        examples.append(example)
    classifier = LinearIntentClassifier(
        LinearIntentClassifier.get_default_config(), LocalModelStorage(tmp_path), Resource("c")
    )
    classifier.train(TrainingData(examples))
    assert sorted(classifier.classifier.classes) == ["forget_conversation", "greet"]


def test_a_question_asking_for_a_dose_goes_to_the_doctor_whatever_the_classifier_says() -> None:
    dose = message("what dose of avapritinib do people with ISM take", intent="ask_treatment")
    amount = message("how many antihistamines can I take a day", intent="ask_treatment")
    common = message("how many people have mastocytosis", intent="ask_prevalence")
    hello = message("hello, is 10 mg a dose?", intent="greet")
    weight = message("how much should i give her? she weighs 16kg", intent="out_of_scope")
    IntentSafetyNet().process([dose, amount, common, hello, weight])
    assert dose.get("intent")["name"] == "ask_personal_advice"
    assert weight.get("intent")["name"] == "ask_personal_advice"
    assert amount.get("intent")["name"] == "ask_personal_advice"
    assert common.get("intent")["name"] == "ask_prevalence"
    assert hello.get("intent")["name"] == "greet"  # only questions are overridden


def test_a_question_taken_for_goodbye_loses_the_goodbye() -> None:
    from bot.intent_guards import ScopeGuard

    question = message("how long would that go on for", intent="goodbye")
    question.set(
        "intent_ranking",
        [{"name": "goodbye", "confidence": 0.6}, {"name": "ask_treatment", "confidence": 0.3}],
    )
    farewell = message("ok bye then", intent="goodbye")
    hello = message("how are you doing today", intent="greet")
    ScopeGuard().process([question, farewell, hello])
    assert question.get("intent")["name"] == "ask_treatment"
    assert farewell.get("intent")["name"] == "goodbye"
    assert hello.get("intent")["name"] == "greet"
