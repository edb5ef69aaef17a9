"""What a question asks about beyond generic words.

The *focus* of "does CBD oil help mastocytosis?" is "CBD oil": "mastocytosis" and "help" say
nothing about which fact is wanted. Answerability (actions/answering/composition.py) checks the
focus against
the passages found, so a question about something the knowledge base never mentions is not
answered with a neighbouring passage.

Questions no knowledge base of ours can answer are told apart in
actions/understanding/unknowable.py.
"""

from __future__ import annotations

import re

from actions.understanding.words import STOPWORDS, stem

WORD = re.compile(r"[A-Za-z][A-Za-z0-9'-]*|\d+(?:\.\d+)?")

# Words that say nothing about which fact is wanted, in a mastocytosis assistant.
GENERIC = frozenset(
    """
    mastocytosis masto mastocitosis mast cell cells disease condition disorder illness problem
    problems issue issues thing things stuff safe safely okay ok alright fine help helps helpful
    need needs should shall must may might get gets getting take takes taking use uses using make
    makes made go goes going come comes know known tell say said mean means meaning explain
    explained info information question questions answer someone somebody anyone people person
    patient patients really actually just also still even ever very much many more most less
    lot lots bit little good bad better worse best worst normal usual usually common typical
    something anything everything way ways like want wants wanted think thought worry worried
    scared concerned wondering wonder hi hello hey thanks thank please yes no right sure
    diagnosed diagnosis doctor doctors dr gp specialist i'm i've it's can't don't doesn't isn't
    im ive dont cant wont would've kind kinds type types sort does did done happen happens
    derm derms haem heme haematologist ped peds paeds dx hx rx tx tbh lol pls plz asap lvl
    u ur r ya yeah yep nope cos coz bc gonna wanna gotta kinda thats whats theyre shes hes
    doesnt isnt arent wasnt werent didnt couldnt shouldnt wouldnt youre weve theres hows whos
    whenever wherever whatever however whoever both either neither each
    """.split()
)
# The people a question is about ("my wife is anxious"): who asks, never what is missing.
PEOPLE = frozenset(
    """
    wife husband partner spouse boyfriend girlfriend mum mom mother dad father brother sister
    son daughter grandson granddaughter grandma grandmother grandpa grandfather aunt uncle
    niece nephew cousin friend friends colleague boss hubby wifey bf gf fiance fiancee fianc
    stepson stepdaughter stepmum stepmom stepdad stepfather stepmother
    """.split()
)
# When something happens ("next month", "this weekend"): never the fact a question wants.
WHEN = frozenset(
    """
    next last month months week weeks weekend weekends year years today tomorrow tonight
    yesterday morning mornings evening evenings soon later january february march april may
    june july august september october november december monday tuesday wednesday thursday
    friday saturday sunday christmas easter summer winter spring autumn
    """.split()
)
NEVER_MISSING = GENERIC | PEOPLE | WHEN  # words an answer never names as what it lacks


# Words that ask for a property of whatever was just discussed ("side effects?", "does it
# hurt?", "how long does it last?"), as stems: a follow-up made of these alone is about the thread.
ATTRIBUTES = frozenset(
    """
    side effect effects risk risky danger dangerous serious hurt pain painful sore cost dose
    work long last often soon quickly treat treated treatment cure cured outlook prognosis
    common rare inherit inherited genetic test tested check checked diagnose diagnosed symptom
    sign cause mean worse better progress spread contagious remove removed go away grow out
    fade happen differ difference same type form start stop approved available next else
    level high low normal result rule ruled raise raised count strong stronger enough help helps
    effective step downside downsides drawback drawbacks disadvantage disadvantages con cons
    """.split()
)
ATTRIBUTES = frozenset(stem(word) for word in ATTRIBUTES) | ATTRIBUTES


# Questions that want a particular kind of fact: a person, a time, a number.
_FIRST = r"(?:first |originally )?(?:described|discovered|named|identified|found|invented|coined)"
EXPECTED_FACT = (
    (
        "who",
        re.compile(
            r"\b[Ww]ho (?:first |originally )?(?:described|discovered|named|identified|"
            r"found|invented|coined)\b"
        ),
    ),
    (
        "when",
        re.compile(
            r"\b(?:what|which) year\b|\bwhen (?:was|were|did)\b[^?]{0,60}\b" + _FIRST, re.IGNORECASE
        ),
    ),
)
FACT_IN_TEXT = {
    "who": re.compile(r"\b(?:[A-Z][a-z]+ (?:and|&) [A-Z][a-z]+|(?:Dr|Sir|Professor) [A-Z]\w+)"),
    "when": re.compile(r"\b(?:1[6-9]\d\d|20\d\d)s?\b"),
}


def expected_fact(text: str) -> str | None:
    """The kind of fact ("who", "when") a question about history wants, if it wants one."""
    return next((kind for kind, pattern in EXPECTED_FACT if pattern.search(text)), None)


# A capitalised word mid-sentence: a place, an organisation, a brand, a person.
PROPER_NOUN = re.compile(r"\b[A-Z][a-z]{2,}\b")
# Where someone is going ("flying to Florida", "a wedding in Spain"): the setting of a question
# about travel, not what it asks.
DESTINATION = re.compile(
    r"\b(?:fly|flying|flew|travel\w*|trips?|holidays?|vacations?|going|heading|moving|visiting|"
    r"wedding|cruise)\b(?:\s+\w+){0,3}?\s+(?:to|in|around)\s+(?P<place>[A-Z][a-z]+(?:\s+[A-Z][a-z]+)?)"
)


def destinations(text: str) -> set[str]:
    """The words of the places a message says someone is going to ("Florida", "New York")."""
    return {word for match in DESTINATION.finditer(text) for word in match["place"].split()}


def proper_nouns(text: str) -> list[str]:
    """Capitalised words that do not start a sentence ("Ireland", "Ryanair"), in order.

    A destination ("we're flying to Florida next month, any tips?") is where a question is
    set, not a name it asks about.
    """
    found = []
    going = destinations(text)
    for match in PROPER_NOUN.finditer(text):
        before = text[: match.start()].rstrip()
        word = match.group(0)
        starts_sentence = not before or before[-1] in ".?!:;\"'(-"
        # a destination, or a time ("in June", "over Christmas"), is not a name asked about
        setting = word in going or word.lower() in WHEN
        if not starts_sentence and not setting and word not in found:
            found.append(word)
    return found


def has_expected_fact(kind: str, text: str) -> bool:
    return bool(FACT_IN_TEXT[kind].search(text))


def focus_words(text: str) -> list[str]:
    """Words of a question that say what it asks about, as typed, in order (no duplicates)."""
    words: list[str] = []
    for word in WORD.findall(text):
        lower = word.lower().strip("'-")
        head = lower.split("'")[0]
        if head != lower and (head in STOPWORDS or head in GENERIC):
            continue  # "what's", "it's", "she'd"
        if len(lower) < 3 and not lower.isdigit() and not word.isupper():
            continue
        if lower in STOPWORDS or lower in GENERIC or stem(lower) in GENERIC:
            continue
        if lower not in (w.lower() for w in words):
            words.append(word)
    return words
