"""What kind of turn a message is, learnt from reviewable examples (nlu_data/turn_kinds.yml).

Read without the conversation, one message is one of:

- `new_question`: it stands on its own ("what causes mastocytosis?");
- `about_assistant`: a greeting, or a question about the assistant ("what can you help with?");
- `follow_up`: it leans on the last turn ("does it hurt?", "side effects?", "besides the rash?");
- `same_question_about`: the last question again, about something else ("and in children?");
- `about_person`: a new topic about someone already talked about ("can she still go swimming?");
- `acknowledgement`: thanks or agreement, no question ("brilliant, that's what I needed").

The planner (actions/understanding/planner.py) reads the kind with the NLU's entities to decide
whether a message continues the thread. The classifier is an `ExampleClassifier`
(actions/understanding/example_classifier.py); `make eval` reports its cross-validated macro-F1
(scripts/eval_classifiers.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from actions.understanding.example_classifier import ExampleClassifier, ExampleFile, Reading

NEW_QUESTION = "new_question"
FOLLOW_UP = "follow_up"
SAME_QUESTION_ABOUT = "same_question_about"
ABOUT_PERSON = "about_person"
ACKNOWLEDGEMENT = "acknowledgement"
ABOUT_ASSISTANT = "about_assistant"
KINDS = (
    NEW_QUESTION,
    ABOUT_ASSISTANT,
    FOLLOW_UP,
    SAME_QUESTION_ABOUT,
    ABOUT_PERSON,
    ACKNOWLEDGEMENT,
)
# Kinds that read the message against the thread.
CONTINUES = frozenset({FOLLOW_UP, SAME_QUESTION_ABOUT, ABOUT_PERSON})
EXAMPLES_FILE = "turn_kinds.yml"


def examples(nlu_dir: Path) -> ExampleFile:
    """The turn kinds' examples in `nlu_dir`."""
    return ExampleFile(nlu_dir / EXAMPLES_FILE, "turn_kinds", KINDS)


@dataclass(frozen=True)
class TurnKind(Reading):
    """A message's turn kind and the classifier's probability for it.

    `thanks` is how much the message reads like thanks: the probability of `acknowledgement`.
    """

    thanks: float = 0.0

    @property
    def continues(self) -> bool:
        """Whether the message is read against the thread."""
        return self.name in CONTINUES


class TurnKinds(ExampleClassifier):
    """The turn-kind classifier: `read` gives a `TurnKind`."""

    def read(self, text: str, embedding: np.ndarray | None = None) -> TurnKind:
        vectors = None if embedding is None else embedding.reshape(1, -1)
        classes, [row] = self.probabilities([text], vectors)
        best = int(row.argmax())
        thanks = float(row[classes.index(ACKNOWLEDGEMENT)])
        return TurnKind(classes[best], float(row[best]), thanks)


SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
CLAUSE_END = re.compile(r"[,;:]\s+|\s+-+\s+")
# How sure the classifier must be that a message or its opening is thanks before it is answered
# as thanks: statements about a symptom or a plan ("I'm having a CT tomorrow") scored 0.7-0.88
# on the tuning sets, thanks 0.94-1.0.
ACKNOWLEDGED = 0.9
# Thanks before a question are short ("great, thanks.", "thank you so much, that really helps"):
# a longer opening is not read as thanks, and costs no embedding.
MAX_THANKS_WORDS = 8
# A message with thanks before its question still reads a little like thanks as a whole (on the
# tuning sets 0.013-0.375, one at 0.001); half of the benchmark's questions read under 0.002, and
# their openings are not looked at.
MAYBE_THANKS = 0.01


def split_acknowledgement(
    text: str, kinds: TurnKinds, whole: TurnKind | None = None
) -> tuple[str, str] | None:
    """(thanks, question) when a message opens with thanks and goes on to ask; else None.

    "great, thanks. and what about friction?" gives ("great, thanks.", "and what about
    friction?"). The opening is the first sentence, or the first clause of a one-sentence
    message, and no longer than thanks usually are. A message that is all thanks gives
    (text, ""). `whole` is the message's own reading, if it was read already.
    """
    thanks = (whole or kinds.read(text)).thanks
    if thanks >= ACKNOWLEDGED and "?" not in text:
        return text, ""
    if thanks < MAYBE_THANKS:  # most questions: no opening is read (it costs an embedding)
        return None
    for pattern in (SENTENCE_END, CLAUSE_END):
        parts = pattern.split(text.strip(), maxsplit=1)
        if len(parts) < 2 or not parts[1].strip() or len(parts[0].split()) > MAX_THANKS_WORDS:
            continue
        opening, rest = parts[0], parts[1].strip()
        first, then = kinds.read_all([opening, rest])
        if first.name == ACKNOWLEDGEMENT and first.confidence >= ACKNOWLEDGED:
            return (opening, rest) if then.name != ACKNOWLEDGEMENT else (text, "")
    return None
