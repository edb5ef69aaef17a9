"""Can the knowledge base answer this question: fully, in part, or not at all?

Retrieval always finds a nearest passage; that is not the same as an answer. A question is
- **not answered** when retrieval is weak, when it wants a fact of a kind the passages do not
  hold ("who first described mastocytosis?": no names or years), or when what it asks about is
  unknown to the knowledge base and nothing else is left to answer;
- **partly answered** when part of its focus is unknown to the knowledge base ("does CBD oil
  help?": CBD), or when it asks for something no knowledge base of ours can know (a price, a
  local service, a named doctor, news, a prediction) about a subject we do cover;
- **answered** otherwise.

A focus word is *unknown* when it is not in the knowledge files (their text, headings and
example questions), not in the NLU training data, not an everyday English word (a whole word of
the embedding model's WordPiece vocabulary, roughly the 30,000 commonest), and not a misspelling
of a knowledge-base word.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from actions.answering.claims import claimed_symptom, uncovered
from actions.knowledge_base.documents import Chunk
from actions.understanding.focus import expected_fact, has_expected_fact, proper_nouns
from actions.understanding.unknowable import Unknowable
from actions.understanding.words import STOPWORDS, TOKEN, stem, tokenize

ANSWERED, PARTIAL, ABSTAINED = "answered", "partial", "abstained"
# A passage this close to the question answers it whatever odd words the question has.
STRONG_MATCH = 0.7
ENDINGS = ("ing", "ed", "es", "s", "ly", "ful", "ness", "y", "er", "ish")
# How close a word that only example questions use must be to a passage's word to be corrected.
QUESTION_ONLY_CUTOFF = 0.85
MARKUP = re.compile(r"\]\([^)]*\)|[\[\]]")


@dataclass(frozen=True)
class Assessment:
    """The outcome for one question, and what is missing from the knowledge base."""

    outcome: str
    missing: str = ""  # the missing part, as the person wrote it ("CBD oil")
    unknowable: Unknowable | None = None


class Vocabulary:
    """The words the knowledge base knows, and the everyday words that need no knowledge."""

    def __init__(
        self,
        knowledge: Iterable[str],
        everyday: Iterable[str],
        written: Iterable[str] = (),
        prose: Iterable[str] = (),
        keep: Iterable[str] = (),
    ) -> None:
        self.keep = frozenset(keep)  # words never corrected ("wasnt" is not "want")
        self.known = {stem(word) for word in knowledge}
        self.everyday = set(everyday)
        # Words of the knowledge files themselves (not of the NLU data, whose out-of-scope
        # examples name mortgages and dogs).
        self.written = {stem(word) for word in written} or self.known
        # Words of the passages (not their example questions, which misspell on purpose:
        # "urticara", "darriers"), and the spelling they use for each stem.
        prose = list(prose) or list(written)
        self.prose = {stem(word) for word in prose} or self.written
        self._spelling = {stem(word): word for word in sorted(set(prose), key=len, reverse=True)}
        self._close_to = sorted(word for word in self.known if len(word) >= 4)
        self._close_to_written = [word for word in self._close_to if word in self.written]
        self._close_to_prose = sorted(word for word in self.prose if len(word) >= 4)

    @classmethod
    def build(
        cls,
        chunks: list[Chunk],
        nlu_dir: Path,
        wordpiece_vocab: Path | None,
        keep: Iterable[str] = (),
    ) -> Vocabulary:
        texts = [t for c in chunks for t in (c.text, c.heading, c.title, *c.questions)]
        written = [word for text in texts for word in TOKEN.findall(text.lower())]
        passages = (t for c in chunks for t in (c.text, c.heading, c.title))
        prose = [word for text in passages for word in TOKEN.findall(text.lower())]
        for path in sorted(nlu_dir.glob("*.yml")) if nlu_dir.is_dir() else []:
            text = path.read_text("utf-8")
            # Rasa's own training data only: the classifiers' examples (turn and unknowable
            # kinds) name things on purpose that the knowledge does not cover ("kratom").
            if re.search(r"^nlu:", text, re.MULTILINE):
                texts.append(MARKUP.sub(" ", text))
        words = [word for text in texts for word in TOKEN.findall(text.lower())]
        everyday: list[str] = []
        if wordpiece_vocab is not None and wordpiece_vocab.exists():
            everyday = [w for w in wordpiece_vocab.read_text("utf-8").split() if w.isalpha()]
        return cls(words, everyday, written, prose, keep)

    def is_everyday(self, word: str) -> bool:
        if word in self.everyday:
            return True
        for ending in ENDINGS:
            base = word.removesuffix(ending)
            if base != word and (base in self.everyday or base[:-1] in self.everyday):
                return True  # "jabbed" -> "jab", "foggy" -> "fog"
        return False

    def knows(self, word: str) -> bool:
        """True if the word (or each part of a hyphenated word) needs no new knowledge."""
        word = word.lower().strip("'-")
        if "'" in word or any(ch.isdigit() for ch in word):
            return True  # contractions and numbers are never the missing topic
        parts = [p for p in word.split("-") if p]
        return all(self._knows_part(part) for part in parts)

    def _knows_part(self, part: str) -> bool:
        variants = {part, part.replace("ae", "e"), part.replace("our", "or")}
        if any(stem(v) in self.known or self.is_everyday(v) for v in variants):
            return True
        return len(part) >= 5 and closest(part, self._close_to) is not None

    def mentions(self, word: str) -> bool:
        """True if the knowledge files or the NLU data (not just everyday English) have the word."""
        return stem(word.lower()) in self.known

    def unknown(self, words: Iterable[str]) -> list[str]:
        return [word for word in words if not self.knows(word)]

    def correct(self, text: str) -> str:
        """`text` with each misspelt word written as the knowledge files spell it.

        "is urticaria pigmentossa contageous" becomes "is urticaria pigmentosa contagious": the
        embedding model reads a misspelt word as something else. Words the knowledge files use,
        everyday English words and short words are left alone.
        """

        def fix(match: re.Match[str]) -> str:
            word = match.group(0)
            lower = word.lower()
            if len(lower) < 5 or lower in self.keep or stem(lower) in self.prose:
                return word
            if self.is_everyday(lower):
                return word
            if stem(lower) in self.written:
                # only in example questions: a misspelling kept there on purpose ("urticara")
                # if a passage word is very close and starts alike, else a word of its own
                # ("workup", "palpitations")
                close = closest(lower, self._close_to_prose, QUESTION_ONLY_CUTOFF)
                close = close if close and close[0] == lower[0] else None
            else:
                close = closest(lower, self._close_to_prose)
            return self._spelling.get(close, word) if close else word

        return re.sub(r"[A-Za-z]+", fix, text)

    def writes(self, text: str) -> bool:
        """True if a word of `text` (stop words aside) is one the knowledge files use."""
        return any(token in self.written for token in tokenize(text))

    def unwritten(self, words: Iterable[str]) -> list[str]:
        """Words the knowledge files never use and do not misspell ("mortgage", "tinnitus")."""
        found = []
        for word in words:
            lower = word.lower().strip("'-")
            if len(lower) < 3 or not lower.isalpha() or stem(lower) in self.written:
                continue
            if not self._misspells(lower):
                found.append(word)
        return found

    def _misspells(self, word: str) -> bool:
        if len(word) == SHORT_WORD and any(one_letter_apart(word, w) for w in QUESTION_WORDS):
            return True  # "what dose dariers sign meen": "meen" is "mean", not a missing topic
        if len(word) < 5:
            return False
        close = closest(word, self._close_to_written)
        if close is None or not self.is_everyday(word):
            return close is not None
        # An English word is another form of a close one ("asleep" of "sleep", "theatre" of
        # "theater"), or a word of its own ("diving" is not "driving").
        return close in word or word in close or close[:VARIANT_STEM] == word[:VARIANT_STEM]


VARIANT_STEM = 4  # letters two spellings of one word share at the start ("theatre", "theater")
# Four-letter words of questions themselves: a word one letter away ("meen", "wath") is a typo of
# one of them, never the missing part. Only words whose neighbours are not things people ask
# about ("they" and "when" are one letter from "whey", "does" from "toes", "need" from "seed"),
# and only as the missing part: as a spelling fix for retrieval, a four-letter rule made "cork"
# a misspelling of "work".
SHORT_WORD = 4
QUESTION_WORDS = frozenset(("mean", "what", "with", "this", "that", "have", "your"))


def one_letter_apart(word: str, other: str) -> bool:
    """True if two words of one length differ in exactly one letter."""
    same_length = len(word) == len(other)
    return same_length and sum(a != b for a, b in zip(word, other, strict=True)) == 1


def closest(word: str, stems: list[str], cutoff: float = 0.8) -> str | None:
    """The stem among `stems` that `word` most likely misspells, if any is close enough."""
    close = difflib.get_close_matches(stem(word), stems, n=1, cutoff=cutoff)
    return close[0] if close else None


def missing_phrase(text: str, word: str, generic: Iterable[str] = ()) -> str:
    """The unknown word with the word after it when that names the same thing ("CBD oil")."""
    match = re.search(rf"\b{re.escape(word)}\b(?:\s+([A-Za-z]+))?", text)
    if not match or not match.group(1):
        return word
    following = match.group(1).lower()
    skip = set(generic) | STOPWORDS
    return word if following in skip else f"{word} {match.group(1)}"


def missing_phrases(message: str, unknown: list[str], generic: Iterable[str] = ()) -> list[str]:
    """The missing words as the person wrote them, neighbours joined: "black seed oil".

    Missing words next to each other are one phrase, with the describing word just before
    them ("black"); a missing word on its own takes the word after it when that names the same
    thing ("CBD oil").
    """
    tokens = re.findall(r"[\w'-]+", message)
    missing = {word.lower() for word in unknown}
    skip = set(generic) | STOPWORDS
    phrases: list[str] = []
    n = 0
    while n < len(tokens):
        if tokens[n].lower() not in missing:
            n += 1
            continue
        end = n
        while end + 1 < len(tokens) and tokens[end + 1].lower() in missing:
            end += 1
        if end > n:
            start = n - 1 if n and tokens[n - 1].lower() not in skip else n
            phrases.append(" ".join(tokens[start : end + 1]))
        else:
            phrases.append(missing_phrase(message, tokens[n], generic))
        n = end + 1
    found = {word.lower() for phrase in phrases for word in phrase.split()}
    phrases += [word for word in unknown if word.lower() not in found]  # not found as typed
    return list(dict.fromkeys(phrases))


def assess(
    message: str,
    focus: Iterable[str],
    best_similarity: float,
    threshold: float,
    passages: str,
    vocabulary: Vocabulary,
    has_subject: bool,
    generic: Iterable[str] = (),
    unaddressed: Iterable[str] = (),
    examples: str = "",
    cannot_know: tuple[Unknowable, str] | None = None,
) -> Assessment:
    """Decide answered / partial / abstained for one message.

    Args:
        message: what the person wrote (for a follow-up, the follow-up itself).
        focus: its focus words (actions.understanding.focus.focus_words).
        best_similarity: the best passage's cosine similarity to the searched query.
        threshold: the similarity below which nothing is answered.
        passages: the text the answer would be built from.
        vocabulary: the words the knowledge base and everyday English know.
        has_subject: the question names (or leans on) a form, gene, drug or test.
        generic: words that never name what is missing ("oil" may, "help" may not).
        unaddressed: focus words the passage does not address, however close it is
            ("mortgage" in "does mastocytosis affect getting a mortgage?").
        examples: the example questions of the passages, whose everyday words ("tummy") count
            as the passages' own when a symptom the question names is looked for in them.
        cannot_know: the unknowable kind the message asks for and the clause that asks it
            (actions/understanding/unknowable.py), if any.
    """
    if best_similarity < threshold:
        # "is dr patel any good?" finds nothing close, and is still a question no one can answer
        return Assessment(ABSTAINED, unknowable=cannot_know[0] if cannot_know else None)
    focus = list(focus)
    unknown = vocabulary.unknown(focus)
    known_rest = [word for word in focus if word not in unknown]
    if cannot_know:
        kind, asking = cannot_know
        rest = [word for word in known_rest if word.lower() not in asking.lower()]
        outcome = PARTIAL if (has_subject or rest) else ABSTAINED
        return Assessment(outcome, unknowable=kind)
    fact = expected_fact(message)
    if fact and not has_expected_fact(fact, passages):
        return Assessment(ABSTAINED, missing=f"{fact} {_after(message, fact)}".strip())
    # A place, organisation or brand the knowledge base never names ("in Ireland", "Ryanair")
    # is missing however close the passage is: the passage is about something more general.
    named = [w for w in proper_nouns(message) if not vocabulary.mentions(w)]
    claimed = claimed_symptom(message)  # "can mastocytosis cause ringing in the ears?"
    if claimed:
        claimed = vocabulary.correct(claimed)  # "too dence": "dense" is in the passage
        named += uncovered(claimed, f"{passages} {examples}", frozenset(generic))
    weak = unknown if best_similarity < STRONG_MATCH else []
    unknown = list(dict.fromkeys([*named, *weak, *unaddressed]))
    known_rest = [word for word in known_rest if word not in named]
    if unknown:
        phrases = missing_phrases(message, unknown, generic)
        missing = ", ".join(phrases)
        substance = [w for w in known_rest if w.lower() not in " ".join(phrases).lower()]
        outcome = PARTIAL if (has_subject or substance) else ABSTAINED
        return Assessment(outcome, missing=missing)
    return Assessment(ANSWERED)


def _after(message: str, word: str) -> str:
    """The rest of the question after its question word ("first described mastocytosis")."""
    match = re.search(rf"\b{word}\b\s+(.*?)[?.!]*\s*$", message, re.IGNORECASE)
    return match.group(1).strip() if match else ""
