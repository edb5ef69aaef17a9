"""The logistic-regression text classifier and the Rasa intent component built on it."""

import numpy as np
import pytest
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from actions.understanding.text_classifier import ClassifierConfig, TextClassifier, tfidf
from bot.components import LinearIntentClassifier

EXAMPLES = {
    "ask_causes": ["what causes mastocytosis", "why did i get masto", "what is the cause of it"],
    "ask_treatment": ["how is mastocytosis treated", "what treatments are there", "cure for it?"],
    "greet": ["hello", "hi there", "good morning"],
}


def labelled(fake_embedder) -> tuple[list[str], np.ndarray, list[str]]:
    texts = [text for examples in EXAMPLES.values() for text in examples]
    labels = [label for label, examples in EXAMPLES.items() for _ in examples]
    return texts, fake_embedder.embed(texts), labels


def test_a_prediction_started_while_another_prepares_the_weights_sees_all_or_nothing(
    fake_embedder, monkeypatch
) -> None:
    """Two request threads may predict at once on a fresh classifier (an action server just
    started): one must never see the weights prepared and the idf not yet. A second prediction
    made from inside the first one's preparation stands for that other thread, deterministically.
    """
    import actions.understanding.text_classifier as module

    texts, embeddings, labels = labelled(fake_embedder)
    classifier = TextClassifier(ClassifierConfig(C=10)).fit(texts, embeddings, labels)
    query = ["what causes masto"]
    inner: list[np.ndarray] = []
    ravel = np.ravel

    def ravel_while_another_thread_predicts(array):  # called while preparing the idf
        if not inner:
            inner.append(np.zeros(1))
            inner[0] = classifier.predict_proba(query, fake_embedder.embed(query))
        return ravel(array)

    monkeypatch.setattr(module.np, "ravel", ravel_while_another_thread_predicts)
    outer = classifier.predict_proba(query, fake_embedder.embed(query))
    assert np.allclose(inner[0], outer)


def test_classifier_learns_the_labels_and_survives_a_round_trip(fake_embedder, tmp_path) -> None:
    texts, embeddings, labels = labelled(fake_embedder)
    classifier = TextClassifier(ClassifierConfig(C=10)).fit(texts, embeddings, labels)
    queries = ["what causes masto", "how is it treated", "hi"]
    probabilities = classifier.predict_proba(queries, fake_embedder.embed(queries))
    assert probabilities.shape == (3, 3)
    assert np.allclose(probabilities.sum(axis=1), 1.0)
    predicted = [classifier.classes[i] for i in probabilities.argmax(axis=1)]
    assert predicted == ["ask_causes", "ask_treatment", "greet"]
    classifier.save(tmp_path / "model")
    reloaded = TextClassifier.load(tmp_path / "model")
    assert reloaded.classes == classifier.classes
    again = reloaded.predict_proba(queries, fake_embedder.embed(queries))
    assert np.allclose(again, probabilities, atol=1e-6)


def test_the_probabilities_are_those_of_the_stacked_features_times_the_weights(
    fake_embedder,
) -> None:
    texts, embeddings, labels = labelled(fake_embedder)
    classifier = TextClassifier(ClassifierConfig(C=10)).fit(texts, embeddings, labels)
    queries = ["what causes masto", "how is it treated", "hi", "an unseen message"]
    vectors = fake_embedder.embed(queries)
    logits = classifier._features(queries, vectors) @ classifier._coef.T + classifier._intercept
    expected = np.exp(logits - logits.max(axis=1, keepdims=True))
    expected /= expected.sum(axis=1, keepdims=True)
    np.testing.assert_allclose(classifier.predict_proba(queries, vectors), expected, atol=1e-6)


def test_the_tfidf_rows_are_sklearns_bit_for_bit(fake_embedder, tmp_path) -> None:
    from tests.test_embedding import nlu_example_texts

    texts = nlu_example_texts()
    labels = ["a", "b"] * (len(texts) // 2)
    fitted = TextClassifier().fit(
        texts[: len(labels)], fake_embedder.embed(texts[: len(labels)]), labels
    )
    fitted.save(tmp_path / "model")
    loaded = TextClassifier.load(tmp_path / "model")  # idf set from the saved array
    queries = [*texts[::7], "", "ÉPIPEN 💉 dose?", "mast cells " * 300]
    for classifier in (fitted, loaded):
        for vectorizer in classifier._vectorizers:
            for start in range(0, len(queries), 50):
                batch = queries[start : start + 50]
                expected = vectorizer.transform(batch)
                got = tfidf(vectorizer, np.ravel(vectorizer.idf_), batch)
                assert (got != expected).nnz == 0 and (got.indices == expected.indices).all()


def test_classifier_refuses_bad_input(fake_embedder) -> None:
    with pytest.raises(RuntimeError):
        TextClassifier().predict_proba(["x"], fake_embedder.embed(["x"]))
    with pytest.raises(ValueError):
        TextClassifier().fit(["a", "b"], fake_embedder.embed(["a", "b"]), ["same", "same"])


def featurized(text: str, fake_embedder, intent: str | None = None) -> Message:
    message = Message(data={"text": text, **({"intent": intent} if intent else {})})
    vector = fake_embedder.embed([text])
    message.add_features(Features(vector, "sentence", "text", "minilm"))
    return message


def test_intent_component_trains_persists_loads_and_ranks(fake_embedder, tmp_path) -> None:
    storage, resource = LocalModelStorage(tmp_path), Resource("intents")
    config = {**LinearIntentClassifier.get_default_config(), "C": 10}
    training = TrainingData(
        [
            featurized(text, fake_embedder, intent)
            for intent, examples in EXAMPLES.items()
            for text in examples
        ]
    )
    LinearIntentClassifier.create(config, storage, resource, None).train(training)
    loaded = LinearIntentClassifier.load(config, storage, resource, None)
    message = featurized("why did i get mastocytosis", fake_embedder)
    loaded.process([message])
    ranking = message.get("intent_ranking")
    assert message.get("intent")["name"] == "ask_causes"
    assert len(ranking) == 3
    confidences = [r["confidence"] for r in ranking]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) == pytest.approx(1.0, abs=1e-5)
