"""The topic a summary request names, read in the user's words: "summarise what the articles say
about the Ukraine war" gives "the Ukraine war"; "recap the stuff I uploaded, 3 bullets" names
none (an overview)."""

from __future__ import annotations

import re

from rag.summarize.words import CORPUS, PREP, SCOPE, SUMMARY, VERB

_AFTER = re.compile(
    rf"\b{SUMMARY}|\b{CORPUS}\s+(?:\w+\s+)?(?:{VERB}|covering|cover)\b|\bcovering\b|"
    # "what say the articles about X" (another word order), "make resume of X", "in short".
    rf"\b(?:say|says|said)\s+(?:the\s+|these\s+|all\s+the\s+)?{CORPUS}\b|\bresum[eé]\b|"
    r"\bin (?:short|brief)\b",
    re.I,
)
# The corpus word may carry a possessive and a noun of opinion: "the articles' take on the op-ed",
# "the media's view of the summit" name the op-ed and the summit.
# Topic reading only (the cues above keep their fitted definitions): more ways to name the set
# ("these pieces", "what they say", "the stuff about X", "the articles I uploaded").
_CORPUS_T = r"(?:pieces|items|links|documents|articles|reports|stories|docs)"
_SET = (
    rf"(?:{CORPUS}|pieces|items|links|clips|uploads?|pile|collection|material|docs|readings|"
    r"ev(?:e)?rything|"
    r"whatever|they|people)"
)
_BY_USER = (
    r"(?:\s+(?:that\s+|which\s+)?(?:i|we)(?:'ve|\s+have|\s+just)?\s+(?:uploaded|upload|pasted|"
    r"added|sent|shared|gave you|give you|provided|dropped(?: in)?|selected|put in)\b"
    r"(?:\s+(?:today|here|earlier|above|so far|this morning|yesterday))?"
    r"|\s+(?:contained|included|collected|gathered)\s+(?:in|here)\b(?:\s+(?:these|the|this|those|"
    rf"my)\s+{_CORPUS_T})?)?"
)
_TOPIC_PREP = rf"(?:{PREP}|abt|across|throughout)"
_LEAD = [
    re.compile(r"^[\s,:;-]*(?:(?:me|us|it all|it|them|up|please|quickly|briefly)\s+)*", re.I),
    re.compile(rf"^{_TOPIC_PREP}\s+", re.I),
    re.compile(
        rf"^(?:what\s+|how\s+|everything\s+|all\s+(?:that\s+)?)?(?:the\s+(?:entire\s+|whole\s+)?|"
        rf"all\s+(?:of\s+)?the\s+|these\s+|those\s+|this\s+|different\s+|today's\s+|"
        rf"this morning's\s+|yesterday's\s+|my\s+|our\s+)?(?:collection of\s+)?"
        rf"(?:(?:uploaded|attached|selected|provided|following|different)\s+)?{_SET}\b(?:'s?)?"
        rf"{_BY_USER}\s*(?:(?:\w+\s+)?(?:{VERB}|have|has|covering|cover|take|takes|view|views|"
        rf"angle|spin|describe|portray|treat|frame|handle)\b\s*)?(?:{_TOPIC_PREP}\s+)?",
        re.I,
    ),
    # "the stuff about X", "the bits on X", "what's out there on X": X.
    re.compile(
        rf"^(?:only\s+)?(?:(?:of|on)\s+)?(?:the\s+)?(?:stuff|bits?|parts?|things?|info|details?|news|"
        rf"material|what'?s out there)\s+{_TOPIC_PREP}\s+",
        re.I,
    ),
    # "the main points from X", "the principal developments covered across X": X.
    re.compile(
        r"^(?:the\s+)?(?:essential|main|key|important|principal|major|latest)\s+(?:points|"
        r"developments|findings|facts|takeaways|highlights|news|arguments|themes|issues|claims)\s+"
        r"(?:covered\s+|reported\s+)?"
        rf"{_TOPIC_PREP}\s+",
        re.I,
    ),
]
# What follows the topic and is not part of it: a format ("in 3 bullet points"), or the user's own
# clause ("the royal divorce, i only care about that", "the whole thing so i'm not lost").
_CUT = re.compile(
    # A topic ends at a clause or sentence break ("the royal divorce, i only care about that",
    # "the Boeing whistleblower. fast.", "the ceasefire talks — 3 bullets").
    r"\s*(?:[,;:?!]|\.(?:\s|$)|\s[—–-]\s).*$"
    # ... or at a format ("in 3 bullet points", "into a one-page study overview").
    r"|\s+(?:in|into)\s+(?:a few\s+|an?\s+|\d+\s+|one\s+|two\s+|three\s+|four\s+|five\s+)?"
    r"(?:[\w-]+\s+){0,2}?(?:sentences?|bullets?|bullet points?|words|lines?|paragraphs?|points|"
    r"english|terms|overview|summary|list|page)\b.*$"
    r"|\s+in no more than\b.*$"
    # ... or at the user's own words: filler, a reason, an audience.
    r"|\s+(?:like|as if|for (?:my|our)|(?:so|because|since|cause|cuz|coz)\s+(?:i|i'm|we|that))\s.*$"
    r"|\s+(?:tbh|thx|ty|imo)\b.*$"
    r"|\s+and\s+(?:skip|ignore|leave|then|also|nothing)\b.*$",
    re.I,
)
# Words that name the material, its form or the request, never a topic: a candidate topic made of
# these alone ("all the stuff I uploaded", "the docs from this morning", "the whole lot") asks for
# an overview.
_META = frozenset(
    """a an the of in on at to for from by with about and or but this that these those it its all
    each every any some my our your their me us you i we they what whats what's how is are was
    were be been do does did so just like um uh ok okay please pls plz thanks really real quick
    quickly fast short brief briefly now go here above below earlier today today's morning
    morning's yesterday yesterday's tonight whole entire lot batch stack pile bunch set collection
    material stuff thing things bit bits part parts piece pieces item items link links clip clips
    doc docs document documents article articles report reports story stories news coverage source
    sources outlet outlets paper papers press media text texts upload uploads uploaded attached
    pasted sent shared provided gave give put dragged dropped added selected file files reading
    readings everything evrything anything whatever overall general version summary overview recap
    gist rundown digest briefing highlights takeaways bullet bullets point points line lines
    paragraph paragraphs sentence sentences word words list numbered max under less more than
    nutshell picture big main key top topline going happening up said say says saying wrote
    covered cover covering been has have had can could would will just also only one two three
    four five six seven eight nine ten across through tell teh plain simple language english terms
    """.split()  # noqa: SIM905
)


def _names_something(topic: str) -> bool:
    words = re.findall(r"[\w'-]+", topic.lower())
    return any(w not in _META and not w.isdigit() for w in words)


# A topic given as a pronoun points back: "i only care about the ceasefire talks, summarise what
# the reports say on that" is about the ceasefire talks.
_PRONOUN = re.compile(r"^(?:that|this|it|them|those|these|that part|this part|that one)$", re.I)
_EARLIER = re.compile(
    r"^\W*((?:the\s+)?[\w'-]+(?:\s+[\w'-]+){0,5}?)\s+is\s+"
    r"(?:all|what|the (?:only )?(?:thing|part))\b"
    r"|(?:\b(?:about|on|regarding|abt|bout)|\b(?:up|deal|going on|happening)\s+(?:with|w/?))\s+"
    r"((?:the\s+)?[\w'-]+(?:\s+[\w'-]+){0,5})",
    re.I,
)
_TAIL = re.compile(
    r"(?:[\s?.!,]|\bplease\b|\bpls\b|\bplz\b|\blol\b|\b(?:for|4) (?:me|us)\b|"
    r"\bthanks?(?: you)?\b)+$",
    re.I,
)
_GENERIC = re.compile(
    rf"^(?:{SCOPE}|here|now|so far|today|then|again|all this|what happened|the events|events|"
    r"what's this all about|this all|me|us|all of (?:it|this|that|them|these|those)|the lot|"
    rf"the whole thing|(?:in )?a nutshell|(?:what(?:'s| is| are) )?(?:the )?(?:main|key) points|"
    r"ev(?:e)?rything|"
    rf"{SUMMARY})?$",
    re.I,
)


def read_topic(message: str) -> str | None:
    """The topic a summary request names, in the user's words ("the Ukraine war"), or None."""
    text = " ".join(str(message or "").replace("’", "'").split())
    text = re.sub(r"\bre:\s*", "regarding ", text, flags=re.I)  # "highlights re: the merger"
    found = _AFTER.search(text)
    if found is None:
        return None
    rest = _TAIL.sub("", _CUT.sub("", text[found.end() :].lstrip(" :;,-—–")))
    for _ in range(3):  # "the coverage of what the sources say about X": peel each layer
        before = rest
        for rx in _LEAD:
            rest = rx.sub("", rest, count=1)
        if rest == before:
            break
    rest = _TAIL.sub("", _CUT.sub("", rest)).strip()
    if not _names_something(rest) or _PRONOUN.match(rest):  # "the TikTok ban, sum it up"
        rest = _named_before(text[: found.start()])
    if not rest or _GENERIC.match(rest) or not _names_something(rest) or len(rest) > 120:
        return None
    return rest


_BARE = re.compile(r"^\s*the\s+[\w'-]+(?:\s+[\w'-]+){0,5}\s*$", re.I)


def _named_before(text: str) -> str:
    """A topic named before the request, in the nearest clause that names one."""
    for clause in reversed(re.split(r"[,;:?!.—–]", text)):
        found = _EARLIER.search(clause)
        named = found and (found.group(1) or found.group(2))
        # A clause that is only a name: "the ceasefire talks — recap, 3 bullets".
        named = named or (clause.strip() if _BARE.match(clause) else "")
        if named:
            topic = _TAIL.sub("", _CUT.sub("", named)).strip()
            if _names_something(topic):
                return topic
    return ""
