"""Questions no knowledge base of ours can answer, and where to find out instead.

Prices, local services, named doctors, news, the rules of a particular airline or insurer,
interactions for one person and predictions about one person: `unknowable_kind` names the kind
a question asks for, and `UNKNOWABLE` says what to tell the person instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


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

UNKNOWABLE_PATTERNS = (
    (
        "price",
        r"\b(?:how much (?:does|do|is|will|would)\b.{0,40}\b(?:cost|charge|pay)|cost\w*|price\w*|"
        r"how much (?:is|are) (?!too\b|enough\b|(?:a |the )?normal\b)(?![^?]*\b(?:dose|dosage|mg|"
        r"level|tryptase|alcohol|exercise|sleep|water|sun|heat|\w+ing)\b)[^?]{2,40}?"
        r"(?: in (?:the )?[A-Z][A-Za-z]*| per \w+| a (?:month|year|week|pack|box)|(?=\?)|$)|"
        r"pric(?:e|ey)|expensive|cheap\w*|afford\w*|insurance (?:pay|cover)\w*|"
        r"(?:insurer|insurance|nhs|medicare|medicaid) (?:will |going to )?(?:pay|cover|fund)\w*|"
        # "will Blue Cross cover Xolair?"
        r"(?:blue cross|blue shield|aetna|cigna|humana|united ?healthcare|kaiser|bupa|axa|"
        r"vitality|my (?:health )?(?:plan|insurer|insurance)) (?:\w+ )?(?:cover|pay for)\w*|"
        r"(?:covered|reimburs\w*|co-?pay\w*|funded|paid for) by|"
        # "does my local NHS trust fund avapritinib?"
        r"(?:nhs|trusts?|insurers?|insurance|medicare|medicaid|health (?:service|board)s?|icbs?|"
        r"ccgs?|government|state) (?:\w+ ){0,3}fund(?:s|ed|ing)?)\b",
    ),
    (
        "local",
        r"\b(?:near me|nearest|in my (?:area|town|city)|phone number|telephone number|"
        r"(?:at|from|in) my local (?:hospital|clinic|gp|pharmacy|surgery|cent(?:re|er)|service)s?|"
        r"contact number|waiting (?:list|time)s?|how long (?:is|are) the wait\w*|opening hours|"
        r"address of|(?:next|upcoming) (?:meet-?up|meeting|support group meeting|event)s?|"
        r"(?:is|are) there (?:one|any|an?)? ?(?:(?:specialists?|clinics?|cent(?:re|er)s?|doctors?|"
        r"consultants?|support groups?|groups?|hospitals?|meet-?ups?|trials?) )?(?:in|near|around) "
        r"(?!(?:children|kids|adults|babies|pregnancy|people|women|men|the (?:skin|body|blood|"
        r"bone|gut|marrow))\b)[a-z][a-z]+|"
        r"which (?:hospitals?|clinics?|cent(?:re|er)s?)\b|"
        # "a support group meeting near leeds"
        r"(?:meetings?|meet-?ups?|groups?|clinics?|cent(?:re|er)s?|hospitals?|specialists?) "
        r"(?:\w+ )?near (?!(?:the|a|normal)\b)[a-z]{3,})\b",
    ),
    (
        "news",
        r"\b(?:last|this) (?:week|month)\b.{0,60}\b(?:decid\w*|approv\w*|announc\w*|news|said)|"
        r"\b(?:decid\w*|approv\w*|announc\w*|said)\b.{0,60}\b(?:last|this) (?:week|month)\b|"
        r"\b(?:latest|recent|breaking) (?:news|decision|announcement|approval)s?\b|"
        r"\b(?:in the news|yesterday|today)\b.{0,40}\b(?:approv\w*|announc\w*|decid\w*)|"
        r"\b(?:any|latest|recent) (?:news|updates?)\b|\bapproved yet\b|\bbeen approved yet\b|"
        # "will avapritinib be approved in australia this year?"
        r"\bwill (?:\w+ ){1,2}(?:be|get) (?:approved|licensed|funded|available)\b.{0,50}\b"
        r"(?:this|next) (?:year|month|week)\b|"
        r"\b(?:newest|latest|most recent) (?:\w+ ){0,3}(?:papers?|stud(?:y|ies)|publications?|"
        r"guidelines?|guidance|recommendations?|results?)\b|"
        r"\b(?:published|released|announced) (?:this|last) (?:year|month|week)\b|"
        # "what did the NICE guidance from last month say?"
        r"\b(?:from|since) (?:last|this past) (?:week|month)\b",
    ),
    (
        "policy",
        r"\b(?:airlines?|insurers?|insurance compan(?:y|ies)|employers?|schools?|"
        r"universit(?:y|ies))'?s? (?:own )?(?:polic(?:y|ies)|rules)\b|"
        r"\b(?:polic(?:y|ies)|rules) of (?:my|the|an?) (?:airline|insurer|employer|school)\b",
    ),
    (
        # "does it interact with my warfarin?", "can i take fluconazole while im on midostaurin?"
        "interaction",
        r"\binteract\w* with (?:my|his|her|their|our)\b|"
        r"\b(?:take|taking|have|having|use|using)\b[^?.!]{1,40}\b(?:while|whilst) "
        r"(?:(?:i'?m|im|i am|he'?s|hes|she'?s|shes|they'?re|we'?re) )?(?:on|taking)\b",
    ),
    (
        "prediction",
        r"\bwill (?:my|mine|his|her|their|our)\b.{0,40}\b(?:be|get|go|come|become|turn)\b.{0,70}"
        r"\b(?:next|in \d+|by \d{4}|in (?:a|ten|five|two|few) years?)|"
        r"\b(?:cure|cured) (?:by|before|in) (?:\d{4}|the next)\b|\bby (?:20\d\d)\b.{0,40}\bcure|"
        r"\bhow long (?:do|will|have) (?:i|my \w+|he|she) (?:have )?(?:got )?(?:left|to live)\b|"
        r"\bhow long (?:do|does|has|have) (?:i|he|she|they|my \w+) (?:got|have|has)\b(?! to\b)|"
        r"\bhow many (?:more )?years (?:have|do|has|does) (?:i|he|she|we|my \w+) "
        r"(?:got|have|has|left)\b|"
        r"\bby the time (?:i|he|she|they|my \w+|i'?m|s?he'?s|shes|hes)\b|"
        r"\bwhat will (?:my|his|her) (?:next )?(?:[\w-]+ ){0,3}(?:be|show|say|find)\b|"
        # "will it keep going up?" "am i going to end up with SM?" "which one would i get into?"
        r"\bwill (?:it|they|mine|my \w+|his \w+|her \w+) (?:keep|continue|carry on) (?:on )?"
        r"(?:going up|rising|climbing|increasing|getting worse|growing|spreading)\b|"
        r"\b(?:am|is|are) (?:i|he|she|we|my \w+) (?:going to|gonna) (?:end up|get|develop|die|"
        r"need|have to)\b|"
        r"\bwhich (?:one|trial|study) (?:would|will|could) (?:i|he|she) (?:get into|get on|be "
        r"accepted|qualify)\b|"
        r"\b(?:when|will) (?:will )?there (?:ever )?be a cure\b|\bcure (?:soon|within)\b|"
        r"\bwhat are (?:my|his|her|our) chances\b|\bwill (?:i|he|she) (?:die|live)\b|"
        # "so will mine get worse?", "will I progress?": what one person's disease will do
        r"\bwill (?:mine|i|he|she|my (?:[\w-]+ ){0,2}?(?:ism|sm|mastocytosis|masto|disease|"
        r"condition)) (?:ever )?(?:get worse|worsen|progress|turn (?:into|aggressive)|"
        r"become (?:aggressive|advanced|worse))\b|"
        # "will I need chemo in 5 years?"
        r"\bwill (?:i|he|she|they|my \w+) (?:ever )?(?:need|have|get|develop|be on)\b.{0,40}"
        r"\b(?:in \d+|in (?:a|ten|five|two|three|few|a few) (?:years?|months?)|next year|"
        r"by \d{4}|by the time)\b",
    ),
)
_UNKNOWABLE = tuple((kind, re.compile(p, re.IGNORECASE)) for kind, p in UNKNOWABLE_PATTERNS)
# A named doctor or hospital: capitalised names, so this one pattern is case-sensitive.
_NAMED = re.compile(
    r"\b(?:[Dd]r\.?|[Dd]octor|[Pp]rof\.?|[Pp]rofessor) [A-Z][a-z]+|"
    r"\b(?i:dr\.?|prof\.?) (?!who\b|said\b|says\b|told\b|wants?\b|thinks?\b)[a-z]{3,}\b|"
    r"\b(?i:st\.?|saint) [A-Za-z]+'s\b|"
    r"\b(?:best|top|good) (?:hospitals?|clinics?|doctors?|specialists?|centres?|centers?) "
    r"(?:in|near|around) [A-Za-z]|"
    # "which doctor is best ... can you recommend someone by name?"
    r"\b(?i:recommend (?:someone|anyone|somebody|a (?:good )?(?:doctor|specialist|consultant|"
    r"dermatologist|haematologist|hematologist|allergist))(?: \w+){0,3} by name)|"
    r"\b(?i:which (?:doctor|specialist|consultant|hospital|clinic) is (?:the )?best)\b"
    r"[^?.]{0,40}\b(?:in|near|around) [A-Z][a-z]+|"
    r"\b[A-Z][\w'-]+(?: [A-Z][\w'-]+)* "
    r"(?:[Hh]ospital|[Cc]linic|[Ii]nfirmary|[Mm]edical [Cc]ent(?:re|er))"
)


def unknowable_kind(text: str) -> Unknowable | None:
    """The kind of fact no knowledge base of ours can hold, if the question asks for one."""
    found = unknowable_match(text)
    return found[0] if found else None


def unknowable_match(text: str) -> tuple[Unknowable, str] | None:
    """The kind of unknowable fact asked for, and the words that ask for it."""
    for kind, pattern in (*_UNKNOWABLE, ("named", _NAMED)):
        match = pattern.search(text)
        if match:
            return UNKNOWABLE[kind], match.group(0)
    return None
