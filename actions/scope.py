"""Recognise a question about another disease, which the assistant should not answer.

"Best treatment for cancer?" reads exactly like a treatment question, and the intent classifier
(which learns how questions are asked, not which disease they are about) calls it ask_treatment;
retrieval would then answer it with mastocytosis treatment. A message that names another
condition and nothing that ties it to mastocytosis (a mastocytosis word, a mast cell word, or a
pronoun such as "it" that points back to the conversation) is out of scope. Comparisons stay in
scope: "can masto be mistaken for IBS?", "is it like eczema?".

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
MASTOCYTOSIS_CONTEXT = re.compile(
    r"mast\w*|\bMCAS\b|\bMCL\b|\bMCS\b|\bI?SM\b|\bASM\b|\bSSM\b|"
    r"\bCM\b|\bUP\b|urticaria pigmentosa|tryptase|\bKIT\b|D816V|darier|"
    r"\b(?:it|its|it's|this|that|these|those|they|them)\b|\bmy (?:condition|diagnosis|disease)\b",
    re.IGNORECASE,
)


def is_about_another_condition(text: str) -> bool:
    """True if the text names another condition and nothing that ties it to mastocytosis."""
    return bool(OTHER_CONDITIONS.search(text)) and not MASTOCYTOSIS_CONTEXT.search(text)
