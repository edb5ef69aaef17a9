"""Questions no knowledge base of ours can answer, and where to find out instead.

Prices, local services, named doctors, news, the rules of a particular airline or insurer,
interactions for one person and predictions about one person: `UnknowableKinds` reads the kind
a question asks for with a classifier trained on reviewable examples
(nlu_data/unknowable_kinds.yml, actions/understanding/example_classifier.py), and `UNKNOWABLE`
says what to tell the person instead. A message is read whole and clause by clause, so that in
"what is avapritinib and can I get it at my local hospital?" the clause that asks the unknowable
is known, and the rest can still be answered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from actions.understanding.example_classifier import ExampleClassifier, ExampleFile


@dataclass(frozen=True)
class Unknowable:
    """A kind of question the assistant cannot know the answer to, and where to find out."""

    kind: str
    what: str  # "prices and what insurance pays"
    where: str


UNKNOWABLE = {
    "price": Unknowable(
        "price",
        "prices or what an insurer or health service will pay",
        "prices and cover differ by country, insurer and pharmacy; your pharmacist, your insurer "
        "or health service, or the medicine's maker can tell you, and patient organisations "
        "(The Mast Cell Disease Society, UK Mastocytosis Support Group) can help with costs",
    ),
    "local": Unknowable(
        "local",
        "local services, phone numbers or waiting lists",
        "your GP or specialist's team, your local health service's website, or a patient "
        "organisation can tell you what is available near you and how long it takes",
    ),
    "named": Unknowable(
        "named",
        "anything about a named doctor or hospital",
        "ask your GP for a referral, or see the lists of specialist centres kept by the "
        "European Competence Network on Mastocytosis (ECNM) and patient organisations",
    ),
    "news": Unknowable(
        "news",
        "recent news or decisions",
        "my knowledge was last reviewed on a fixed date; the regulator's website (FDA, EMA, "
        "MHRA), your specialist or a patient organisation will have the latest",
    ),
    "policy": Unknowable(
        "policy",
        "the rules of a particular airline, insurer, employer or school",
        "they set their own rules and change them, so ask them directly; a letter from your "
        "specialist usually helps",
    ),
    "interaction": Unknowable(
        "interaction",
        "whether particular medicines interact for one person",
        "a pharmacist or your doctor can check everything you take together, including "
        "supplements and foods",
    ),
    "prediction": Unknowable(
        "prediction",
        "what will happen to one person in the future",
        "your specialist, who knows your results and history, is the one to ask; I can only "
        "describe what is generally known",
    ),
}

NONE = "none"
KINDS = (*UNKNOWABLE, NONE)
EXAMPLES_FILE = "unknowable_kinds.yml"
# How sure the classifier must be that a question (or one of its clauses) is unknowable (the
# probability of all unknowable kinds together) before it is said to be: an ordinary question
# wrongly refused costs more than an unknowable one answered with what is known. Chosen on the
# tuning data: at 0.97 the retrieval benchmark's answerable questions are flagged 3.5% of the
# time and the tuned sets' (dev7, dev9) unknowable turns caught 90%; at 0.9, 6.4% and 93%; at
# 0.98, 2.7% and 87%. (The classifier's probabilities are sharp: it is a logistic regression
# with little regularisation, as the intent classifier is.) And how sure that a whole message
# is an ordinary question before its clauses are not read one by one ("my wife has been
# anxious and low, is that part of mastocytosis?").
SURE = 0.97
WHOLE_NONE = 0.9
# Clauses of one message: its sentences, and the parts that "and", "or", "but" or ";" join.
CLAUSE = re.compile(r"(?<=[.!?])\s+|;\s*|,?\s+\b(?:and|but|or|also)\b\s+", re.IGNORECASE)
MIN_CLAUSE_WORDS = 3


def examples(nlu_dir: Path) -> ExampleFile:
    """The unknowable kinds' examples in `nlu_dir`."""
    return ExampleFile(nlu_dir / EXAMPLES_FILE, "unknowable_kinds", KINDS)


def clauses(text: str) -> list[str]:
    """The parts of a message that can ask on their own (three words or more)."""
    parts = [part.strip(" ,") for part in CLAUSE.split(text) if part and part.strip(" ,")]
    return [part for part in parts if len(part.split()) >= MIN_CLAUSE_WORDS]


class UnknowableKinds(ExampleClassifier):
    """Which unknowable fact a message asks for, and the clause that asks it.

    Whether a text asks the unknowable is the probability of all unknowable kinds together
    (1 - P(none)): "best hospital in London?" is a named hospital or a local service, and the
    two share the probability; the kind said is the likeliest of them.
    """

    def readings(
        self, texts: list[str], embeddings: np.ndarray | None = None
    ) -> list[tuple[str, float]]:
        """For each text, (its likeliest unknowable kind, the probability it is unknowable)."""
        classes, probabilities = self.probabilities(texts, embeddings)
        unknowable = [n for n, kind in enumerate(classes) if kind != NONE]
        return [
            (classes[unknowable[int(row[unknowable].argmax())]], float(row[unknowable].sum()))
            for row in probabilities
        ]

    def match(
        self, text: str, embedding: np.ndarray | None = None
    ) -> tuple[Unknowable, str] | None:
        """(the kind, the clause that asks for it), or None for a question we may answer."""
        vectors = None if embedding is None else embedding.reshape(1, -1)
        [(kind, sure)] = self.readings([text], vectors)
        parts = clauses(text)
        if sure >= SURE:
            if len(parts) < 2:
                return UNKNOWABLE[kind], text
            found = zip(self.readings(parts), parts, strict=True)
            asking = max(found, key=lambda r: (r[0][0] == kind, r[0][1]))
            return UNKNOWABLE[kind], asking[1]
        if len(parts) < 2 or 1 - sure >= WHOLE_NONE:
            return None
        for (part_kind, part_sure), part in zip(self.readings(parts), parts, strict=True):
            if part_sure >= SURE:
                return UNKNOWABLE[part_kind], part
        return None

    def kind(self, text: str, embedding: np.ndarray | None = None) -> Unknowable | None:
        """The kind of fact no knowledge base of ours can hold, if the message asks for one."""
        found = self.match(text, embedding)
        return found[0] if found else None
