"""Fast 5-fold cross-validation of the intent classifier alone, for editing training data.

`make eval-nlu` runs Rasa's own cross-validation of the whole pipeline (7 to 8 minutes). This
fits the same classifier (actions/understanding/text_classifier.py) on the same cleaned examples
and sentence
embeddings in under a minute, and lists the intents that are confused with each other and the
examples behind each confusion, so data can be fixed where it is inconsistent. Its macro-F1 is
close to Rasa's but not identical (Rasa draws its own folds). Embeddings are cached in build/.

    python -m scripts.quick_cv [--folds 5] [--confusions 25]
"""

from __future__ import annotations

import argparse
import hashlib
from collections import Counter
from pathlib import Path

import numpy as np

from actions.knowledge_base.embedding import TextEmbedder
from actions.settings import default_model_path
from actions.understanding.sanitize import clean_text
from actions.understanding.text_classifier import ClassifierConfig, TextClassifier

CACHE = Path("build/quick_cv")


def load_examples(data_dir: str = "nlu_data") -> tuple[list[str], list[str]]:
    from rasa.shared.nlu.training_data.loading import load_data

    data = load_data(data_dir)
    pairs = [(clean_text(m.get("text")), m.get("intent")) for m in data.intent_examples]
    pairs = [(t, i) for t, i in pairs if t]
    return [t for t, _ in pairs], [i for _, i in pairs]


def embed_cached(texts: list[str]) -> np.ndarray:
    """Embeddings of `texts`, computing only the ones not cached yet."""
    CACHE.mkdir(parents=True, exist_ok=True)
    store = CACHE / "embeddings.npz"
    cached: dict[str, np.ndarray] = {}
    if store.exists():
        with np.load(store) as saved:
            cached = dict(zip(saved["keys"].tolist(), saved["vectors"], strict=True))
    keys = [hashlib.sha1(t.encode()).hexdigest() for t in texts]
    missing = [t for t, k in zip(texts, keys, strict=True) if k not in cached]
    if missing:
        vectors = TextEmbedder(default_model_path()).embed(missing)
        for text, vector in zip(missing, vectors, strict=True):
            cached[hashlib.sha1(text.encode()).hexdigest()] = vector
        np.savez(store, keys=np.array(list(cached)), vectors=np.stack(list(cached.values())))
    return np.stack([cached[k] for k in keys])


def cross_validate(
    texts: list[str], labels: list[str], folds: int, config: ClassifierConfig, seed: int = 0
) -> list[str]:
    from sklearn.model_selection import StratifiedKFold

    embeddings = embed_cached(texts)
    predicted = [""] * len(texts)
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in splitter.split(texts, labels):
        model = TextClassifier(config).fit(
            [texts[i] for i in train], embeddings[train], [labels[i] for i in train]
        )
        probabilities = model.predict_proba([texts[i] for i in test], embeddings[test])
        for i, row in zip(test, probabilities, strict=True):
            predicted[i] = model.classes[int(np.argmax(row))]
    return predicted


def main() -> None:
    from sklearn.metrics import classification_report, f1_score

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seeds", type=int, default=1, help="repeat with this many shuffles")
    parser.add_argument("--confusions", type=int, default=25)
    parser.add_argument("--C", type=float, default=ClassifierConfig.C)
    parser.add_argument("--embedding-weight", type=float, default=ClassifierConfig.embedding_weight)
    parser.add_argument("--balanced", action="store_true", help='class_weight="balanced"')
    args = parser.parse_args()

    texts, labels = load_examples()
    config = ClassifierConfig(
        C=args.C,
        embedding_weight=args.embedding_weight,
        class_weight="balanced" if args.balanced else None,
    )
    scores = []
    for seed in range(args.seeds):
        predicted = cross_validate(texts, labels, args.folds, config, seed)
        scores.append(f1_score(labels, predicted, average="macro"))
    print(classification_report(labels, predicted, digits=3))
    print(f"examples {len(texts)}, intents {len(set(labels))}")
    print("macro-F1 per shuffle:", " ".join(f"{s:.4f}" for s in scores))
    print(f"macro-F1 mean: {np.mean(scores):.4f}")
    pairs = Counter((t, p) for t, p in zip(labels, predicted, strict=True) if t != p)
    for (true, guess), count in pairs.most_common(args.confusions):
        print(f"\n{count:3d}  {true} -> {guess}")
        for text, t, p in zip(texts, labels, predicted, strict=True):
            if (t, p) == (true, guess):
                print(f"       {text}")


if __name__ == "__main__":
    main()
