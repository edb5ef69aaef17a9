"""Recognise a question about another disease, which the assistant should not answer.

"Best treatment for cancer?" reads exactly like a treatment question, and the intent classifier
(which learns how questions are asked, not which disease they are about) calls it ask_treatment;
retrieval would then answer it with mastocytosis treatment. A message that names another
condition and nothing that ties it to mastocytosis (a mastocytosis word, a mast cell word, or a
pronoun such as "it" that points back to the conversation) is out of scope. Comparisons stay in
scope: "can masto be mistaken for IBS?", "is it like eczema?".

The other way round, a message the classifier calls out of scope but that names mastocytosis
matter and no other condition ("will my symptoms get worse while pregnant?") is not out of scope
(`is_about_mastocytosis`): the classifier learnt out_of_scope from many questions about other
diseases, and their wording ("get worse", "while") can outweigh what the message is about.

A third case needs the conversation: a message the NLU calls out of scope but that continues
the last answer ("what about food?" after triggers, "what can we do at home to make her skin
less bad?"), names no other condition and shares a word with the knowledge base (or has no word
but pointers: "what can I do about it?") is a follow-up.

`decide_scope` holds all three rules. The NLU pipeline (bot/intent_guards.py's ScopeGuard, after
entity extraction) calls it without the conversation; `action_out_of_scope` calls it with it.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from actions.understanding.words import tokenize

OTHER_CONDITIONS = re.compile(
    r"\b(?:cancers?|tumou?rs?|leuka?emia|lymphoma|melanoma|diabetes|diabetic|asthma|eczema|"
    r"psoriasis|lupus|arthritis|multiple sclerosis|(?-i:MS)|migraines?|covid(?:-19)?|flu|influenza|"
    r"common cold|depression|hypo-?thyroidism|hyper-?thyroidism|thyroid|epilepsy|alzheimer'?s|"
    r"dementia|parkinson'?s|(?-i:HIV|AIDS)|hepatitis|crohn'?s|colitis|(?-i:IBS)|coeliac|celiac|"
    r"cystic fibrosis|sickle cell|ha?emophilia|heart disease|heart attack|stroke|hypertension|"
    r"high blood pressure|glaucoma|scabies|acne|rosacea|PCOS|endometriosis|autism|ADHD|"
    r"obesity|gout|ana?emia|shingles|chickenpox|measles|tuberculosis|TB|malaria|cholesterol|"
    r"kidney stones?|osteoarthritis|fibromyalgia|hay fever|food poisoning)\b",
    re.IGNORECASE,
)
# "the flu jab", "a covid booster": a vaccine, which the knowledge base covers, not the disease.
VACCINE = re.compile(
    r"\b(?:flu|influenza|covid(?:-19)?|shingles|measles|chickenpox|hepatitis|tb) "
    r"(?:jabs?|vaccines?|vaccinations?|shots?|boosters?|immuni[sz]ations?)\b",
    re.IGNORECASE,
)
# Acronyms count only in capitals ("how many cm in an inch", "set up a project" are not ours);
# "mast" only as mastocytosis, mastocytoma, masto or mast cell ("master", "mastitis" are not).
MASTOCYTOSIS_TERMS = (
    r"\bmast(?:o\w*|[\s-]?cel\w*)|\bmastocitosis\b|"
    r"(?-i:\b(?:MCAS|MCL|MCS|I?SM|ASM|SSM|CM|UP|KIT)\b)|"
    r"urticaria pigmentosa|tryptase|D816V|darier"
)
MASTOCYTOSIS_CONTEXT = re.compile(
    MASTOCYTOSIS_TERMS + r"|\b(?:it|its|it's|this|that|these|those|they|them)\b"
    r"|\bmy (?:condition|diagnosis|disease)\b",
    re.IGNORECASE,
)
MASTOCYTOSIS_WORDS = re.compile(MASTOCYTOSIS_TERMS, re.IGNORECASE)
# Entity types whose lookup tables hold mastocytosis vocabulary (organ names are everyday words).
DOMAIN_ENTITIES = frozenset({"form", "symptom", "drug", "gene", "test", "population", "condition"})


# Words of health care: "how long is the wait to see the specialist at St James's?" is about care,
# "can you recommend a good pizza place near me?" is not.
CARE_WORDS = re.compile(
    r"\b(?:specialists?|doctors?|gps?|consultants?|clinics?|hospitals?|cent(?:re|er)s?|nurses?|"
    r"pharmac\w*|tests?|scans?|biops\w*|treatments?|medicines?|medications?|drugs?|tablets?|"
    r"appointments?|referrals?|insurers?|insurance|prescriptions?|haematolog\w*|hematolog\w*|"
    r"dermatolog\w*|allergists?|immunolog\w*)\b",
    re.IGNORECASE,
)


def is_about_care(text: str) -> bool:
    """True if the text names health care: a specialist, a test, a treatment, insurance."""
    return bool(CARE_WORDS.search(text))


OTHER, OURS, FOLLOW_UP, UNCLEAR = "other condition", "ours", "follow-up", "unclear"


def domain_entity_types(text: str, entities: list[dict]) -> set[str]:
    """The types of the NLU's entities that name mastocytosis matter in this text.

    The lookup tables match case-insensitively, so "cm" in "how many cm in an inch" is found as
    the form CM: a short entity counts only when it was typed in capitals.
    """
    types = set()
    for entity in entities:
        start, end = entity.get("start"), entity.get("end")
        surface = text[start:end] if isinstance(start, int) and isinstance(end, int) else ""
        if len(surface) <= 4 and surface and not surface.isupper():
            continue
        types.add(str(entity.get("entity")))
    return types


def is_about_another_condition(text: str) -> bool:
    """True if the text names another condition and nothing that ties it to mastocytosis."""
    text = VACCINE.sub("vaccine", text)
    return bool(OTHER_CONDITIONS.search(text)) and not MASTOCYTOSIS_CONTEXT.search(text)


def decide_scope(
    text: str,
    entity_types: set[str] | frozenset[str] = frozenset(),
    follows_an_answer: bool = False,
    knows_words: Callable[[str], bool] | None = None,
) -> str:
    """Whose question this is: another condition's, ours, a follow-up of ours, or unclear.

    Args:
        text: the message.
        entity_types: the entity types the NLU found in it.
        follows_an_answer: the conversation has an answer and the message continues it (its
            turn kind, actions/understanding/turn_kind.py).
        knows_words: whether a word of the text is in the knowledge base (the action's service).
    """
    if is_about_another_condition(text):
        return OTHER
    if is_about_mastocytosis(text, set(entity_types)):
        return OURS
    # "what can I do about it?" has no word of its own to check: it only points back.
    known = knows_words is not None and (not tokenize(text) or knows_words(text))
    if follows_an_answer and known:
        return FOLLOW_UP
    return UNCLEAR


def is_about_mastocytosis(text: str, entity_types: set[str]) -> bool:
    """True if the text names mastocytosis matter and no other condition.

    Mastocytosis matter is a mastocytosis or mast cell word, or an entity the NLU found in the
    project's own lookup tables (a form, symptom, drug, gene, test or population): "will my
    symptoms get worse while pregnant?" names pregnancy. Pronouns do not count here: "what time
    is it?" is not about mastocytosis.
    """
    if is_about_another_condition(text):
        return False
    return bool(MASTOCYTOSIS_WORDS.search(text)) or bool(entity_types & DOMAIN_ENTITIES)
