"""Recognise a message describing anaphylaxis happening now, or asking for a dose.

A keyword safety net behind the `emergency` intent, applied in the NLU pipeline by
bot/intent_guards.py's IntentSafetyNet. The patterns want signs in the present ("my throat is
closing", "she's not breathing", "I'm having anaphylaxis") so that questions *about* anaphylaxis
("what are the signs of anaphylaxis?") are still answered as questions.
"""

from __future__ import annotations

import re

from bot.small_talk import QUESTION_OPENING  # one pattern for "opens like a question"

# Someone, a child too: who a sign is about.
_SOMEONE = (
    r"\b(?:i|i'?m|we|he|she|they|he'?s|she'?s|they'?re|baby|babies|child|kid|toddler|son|"
    r"daughter|boy|girl|husband|wife|partner|mum|mom|dad|friend|infant|newborn|little one|"
    r"(?:year|month|week)s?[- ]old|grandson|granddaughter|brother|sister|nephew|niece|patient|"
    r"person|man|woman|pupil|student)\b"
)
# Body parts that collapse without anyone collapsing ("my vertebra has collapsed").
_NOT_A_PERSON = r"(?:vertebra\w*|bones?|spine|lungs?|veins?|back|hips?|disc)\b"
_PERSON = (
    r"(?:i|i'?m|i am|my (?!" + _NOT_A_PERSON + r")\w+|he|she|they|he'?s|she'?s|they'?re|he is|"
    r"she is|they are|we)"
)
# Breathing, throat and collapse: the signs that past-time words never cancel ("I can't breathe,
# this happened once before"; "come at once, she's not breathing").
VITAL_SIGNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        r"\b(?:can'?t|cannot|can not|unable to|struggling to|hard to) (?:breathe|breath|swallow)\b",
        r"\b(?:(?:my|his|her|their|our|your)(?: \w+'s)?|the \w+'s) "
        r"(?:throat|tongue|lips?|face|mouth|airway)\b"
        r"[^.?!]{0,30}\b(?:swell\w*|swollen|closing|closed|tight\w*|blocked)",
        r"\b(?:throat|airway) (?:is|feels|'s) (?:closing|closed|tight|swelling)",
        _PERSON + r" (?:is |are |has |have |just )?(?:passed out|collapsed|fainted|unconscious|"
        r"unresponsive|not breathing|turning blue|going blue)\b",
        # "she got stung by a wasp and has collapsed", "he's collapsing" (not "my vertebra has
        # collapsed": a bone named on the way cancels it)
        _SOMEONE + r"(?:(?!\b" + _NOT_A_PERSON + r")[^.?!]){0,60}?"
        r"(?:has|have|is|are|'s|just) (?:just |now |suddenly )?"
        r"(?:passed out|collapsed|collapsing|gone unconscious|stopped breathing)\b",
    )
)
# Words for a reaction that a story about the past also uses ("she was having anaphylaxis").
OTHER_SIGNS = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        _PERSON + r" (?:is |are |has |have |just )?(?:having|going into|in) (?:an? )?"
        r"(?:anaphyla\w*|severe allergic reaction|allergic shock)",
        r"\b(?:wheezing|gasping) (?:and|after|since)\b",
        r"\banaphyla\w* (?:right )?now\b",
        r"\bcall(?:ing)? (?:an ambulance|911|999|112)\b",
    )
)
EMERGENCY_PATTERNS = VITAL_SIGNS + OTHER_SIGNS


# Someone (a child too) who has gone floppy, limp or unresponsive: ASCIA's sign of anaphylaxis in a
# young child, an emergency whatever else the message says.
_BECOMES = (
    r"(?:'?s|'?re|is|are|am|was|has|have|had|just|gone|went|going|getting|got|turned|turning|"
    r"become|became|looks?|looking|seems?|feels?|feeling|suddenly|very|so|really|all|and|now)"
)
FLOPPY = re.compile(
    _SOMEONE
    + r"(?: "
    + _BECOMES
    + r"){0,3} (?:pale,? and |pale,? )?(?:floppy|limp|unresponsive)\b"
    # with words between ("my 2 year old with mastocytosis just went really pale and floppy"),
    # but not "walks with a limp"
    + r"|"
    + _SOMEONE
    + r"[^.?!]{0,60}?\b(?:gone|went|go|goes|going|is|'s|was|became|becomes|turned|turning|seems|"
    r"looks|feels)\b(?:\s+(?:very|really|so|all|suddenly|completely|quite))*\s+"
    r"(?:pale,? and |pale,? )?(?:floppy|limp|unresponsive)\b",
    re.IGNORECASE,
)
# Drowsy, pale, collapsing or fainting together with flushing or vomiting: anaphylaxis until
# proved otherwise, whatever else the message says ("her spots blistered, she's gone pale and
# she's vomiting"). A question about symptoms in general names no one in that state.
STATE = re.compile(
    _SOMEONE + r"(?: " + _BECOMES + r"){0,3} (?:\w+ )?"
    r"(?:drowsy|pale|grey|gray|collaps\w*|faint\w*|pass(?:ed|ing) out|blacking out|sleepy)\b",
    re.IGNORECASE,
)
FLUSHING_OR_VOMITING = re.compile(
    r"\b(?:flush\w*|vomit\w*|throw(?:ing|n)? up|threw up|being sick|been sick)\b", re.IGNORECASE
)

# A story about a past reaction ("she was having anaphylaxis last summer") is a question, unless
# it also names a vital sign: those are answered as an emergency whatever else is said.
PAST_EVENT = re.compile(
    r"\b(?:last (?:year|summer|winter|spring|autumn|month|week|time)|years? ago|months? ago|"
    r"weeks? ago|once|used to|in the past|as a child)\b",
    re.IGNORECASE,
)


# A history told before a question ("I fainted twice after wasp stings ... why do they need a bone
# marrow biopsy?"): said as a count, a span of time or "before", not as what is happening now.
HISTORY = re.compile(
    r"\b(?:twice|(?:two|three|four|five|several|a few|a couple of|many|multiple|\d+) times|"
    r"years of|history of|before|previously|in the past|(?:has|have|'ve) had)\b",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"(?<=[.?!])\s+|\n+")
MIN_QUESTION_WORDS = 4


# Words an emergency is told with. The statistical classifier may call a message `emergency` only
# if it uses one: "the itching is driving me mad at night, what can I do" has no sign of
# anaphylaxis, whatever its likeness to "my whole body is itching and my throat feels tight".
# Every emergency example in the training data uses one (tests/test_safety.py); the list is wide
# on purpose, so a message that might be an emergency stays one.
ANY_SIGN = re.compile(
    r"\b(?:breath\w*|breathing|throat|tongue|lips?|mouth|face|eyes?|swell\w*|swollen|faint\w*|"
    r"collaps\w*|pass(?:ed|ing)? out|unconscious|unresponsive|waking|blue|pale|grey|gray|floppy|"
    r"limp|drowsy|wheez\w*|chest|heart|pulse|shock|anaphyla\w*|react\w*|epi-?pens?|adrenaline|"
    r"epinephrine|auto-?injector|ambulance|911|999|112|emergency|urgent\w*|help|sos|dying|die|"
    r"vomit\w*|dizz\w*|light-?headed|hives|rash|stung|sting|numb|tingl\w*|shak\w*|worse|"
    r"sleepy|wake|woke|cough\w*|hoarse|voice|talk\w*|speak\w*|confus\w*|weak\w*|clammy|"
    r"sweat\w*|cold|now|rn|asap|quick\w*)\b",
    re.IGNORECASE,
)


def mentions_a_sign(text: str) -> bool:
    """True if the text uses any word an emergency is told with (`ANY_SIGN`)."""
    return bool(ANY_SIGN.search(text))


def is_emergency(text: str) -> bool:
    """True if the text describes signs of anaphylaxis happening now."""
    if FLOPPY.search(text) or (STATE.search(text) and FLUSHING_OR_VOMITING.search(text)):
        return True
    if any(pattern.search(text) for pattern in VITAL_SIGNS):
        return True
    return not PAST_EVENT.search(text) and any(pattern.search(text) for pattern in OTHER_SIGNS)


def asks_beyond_the_emergency(text: str) -> bool:
    """True if an emergency message also tells a history and asks a question of its own.

    "years of flushing and I fainted twice after wasp stings. why do they need bone marrow when
    they already have a blood test?" gets the emergency steps first (collapse and fainting are
    never cancelled by past-time words) and then an answer to its question. The question must
    be a sentence of at least four words that names no sign itself.
    """
    if not is_emergency(text) or not (HISTORY.search(text) or PAST_EVENT.search(text)):
        return False
    questions = [s for s in _SENTENCE_END.split(text.strip()) if s.rstrip().endswith("?")]
    # typed without a question mark: a last clause that opens like a question ("i fainted at the
    # wheel last year, can i still drive with masto")
    last_clause = re.split(r"[.,;!]\s*", text.strip().rstrip(".!"))[-1]
    asked = questions[-1] if questions else last_clause
    if not questions and not QUESTION_OPENING.match(asked):
        return False
    return len(re.findall(r"[\w']+", asked)) >= MIN_QUESTION_WORDS and not is_emergency(asked)


# A dose or an amount to take: never answered with a number, whatever the NLU model thinks
# ("what dose of avapritinib do people with ISM take?" is worded like a treatment question).
DOSE = re.compile(
    # "what dose darier's sign mean": "dose" typed for "does", followed by what it asks to mean
    r"\bdose\b(?:(?= of\b)|(?!(?:\s+[\w']+){1,4}\s+(?:mean|meen|look|looks|work|happen|cause)\b))"
    r"|\b(?:doses|dosage|dosing|milligrams?|mgs?|micrograms?)\b"
    r"|\bhow (?:much|many) (?:\w+ ){0,3}(?:should|do|does|can|could|to|would|must) "
    r"(?:\w+ ){0,3}(?:take|give|have|use|be on)\b",
    re.IGNORECASE,
)


def asks_for_a_dose(text: str) -> bool:
    """True if the text asks about a dose or how much of a medicine to take."""
    return bool(DOSE.search(text))
