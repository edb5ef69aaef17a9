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

Applied in the NLU pipeline by bot/components.py's ScopeGuard, after entity extraction.
"""

from __future__ import annotations

import re

OTHER_CONDITIONS = re.compile(
    r"\b(?:cancers?|tumou?rs?|leuka?emia|lymphoma|melanoma|diabetes|diabetic|asthma|eczema|"
    r"psoriasis|lupus|arthritis|multiple sclerosis|MS|migraines?|covid(?:-19)?|flu|influenza|"
    r"common cold|depression|hypo-?thyroidism|hyper-?thyroidism|thyroid|epilepsy|alzheimer'?s|"
    r"dementia|parkinson'?s|HIV|AIDS|hepatitis|crohn'?s|colitis|IBS|coeliac|celiac|"
    r"cystic fibrosis|sickle cell|ha?emophilia|heart disease|heart attack|stroke|hypertension|"
    r"high blood pressure|glaucoma|scabies|acne|rosacea|PCOS|endometriosis|autism|ADHD|"
    r"obesity|gout|ana?emia|shingles|chickenpox|measles|tuberculosis|TB|malaria|cholesterol|"
    r"kidney stones?|osteoarthritis|fibromyalgia|hay fever|food poisoning)\b",
    re.IGNORECASE,
)
MASTOCYTOSIS_TERMS = (
    r"mast\w*|\bMCAS\b|\bMCL\b|\bMCS\b|\bI?SM\b|\bASM\b|\bSSM\b|"
    r"\bCM\b|\bUP\b|urticaria pigmentosa|tryptase|\bKIT\b|D816V|darier"
)
MASTOCYTOSIS_CONTEXT = re.compile(
    MASTOCYTOSIS_TERMS + r"|\b(?:it|its|it's|this|that|these|those|they|them)\b"
    r"|\bmy (?:condition|diagnosis|disease)\b",
    re.IGNORECASE,
)
MASTOCYTOSIS_WORDS = re.compile(MASTOCYTOSIS_TERMS, re.IGNORECASE)
# Entity types whose lookup tables hold mastocytosis vocabulary (organ names are everyday words).
DOMAIN_ENTITIES = frozenset({"form", "symptom", "drug", "gene", "test", "population"})


def is_about_another_condition(text: str) -> bool:
    """True if the text names another condition and nothing that ties it to mastocytosis."""
    return bool(OTHER_CONDITIONS.search(text)) and not MASTOCYTOSIS_CONTEXT.search(text)


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
