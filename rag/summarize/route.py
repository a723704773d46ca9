"""Which chat messages ask for a summary rather than a fact.

Deliberately narrow: "summarise the coverage" is a summary; "summarise what Peskov said" is a
question about one thing, better answered by retrieval, so it is left to the Q&A flow.
"""

from __future__ import annotations

import re

from rag.summarize.base import Kind

_SCOPE = (
    r"(?:the |all |all the |these |this |those |my |our )?(?:selected |whole |entire |latest )?"
    r"(?:coverage|articles?|news|sources|reports|stories|story|outlets|documents|texts|"
    r"everything|it|them|this|these|all)"
)
_POLITE = r"^\W*(?:(?:please|pls|now|ok|okay|so|and|can you|could you|would you|will you)\W+)*"
_TIMELINE = re.compile(
    r"\b(?:time ?lines?|chronolog\w*|sequence of events|order of events|key dates|"
    r"what happened when|when did (?:each|everything|it all) happen)\b",
    re.IGNORECASE,
)
_COMPARE = re.compile(
    r"\b(?:sources|outlets|articles|reports|papers|media|coverage|newspapers)\b.{0,30}"
    r"\b(?:disagree\w*|differ|differs|differed|contradict\w*|diverg\w*|compare)\b"
    r"|\b(?:disagree\w*|discrepanc\w*|contradict\w*|conflicting|differences?|compare|comparison)"
    r"\b.{0,40}\b(?:sources|outlets|articles|reports|papers|media|coverage|newspapers)\b"
    r"|\b(?:which|what) (?:outlet|source|paper|newspaper)s? (?:reported|said|say|says) what\b"
    r"|\bwho (?:reported|said) what\b",
    re.IGNORECASE,
)
_OVERVIEW = re.compile(
    _POLITE + r"(?:summari[sz]e|sum up|recap|brief me on|give (?:me |us )?(?:an? )?"
    r"(?:brief |short |quick |general )?(?:summary|overview|recap|rundown|digest)"
    r"(?: of)?|(?:an? )?(?:summary|overview|recap|rundown|tl;?dr)(?: of)?)"
    rf"(?:\s+{_SCOPE})?(?:\W+please)?\W*$"
    rf"|\b(?:summary|overview|recap|rundown|gist) of {_SCOPE}\W*$"
    r"|^\W*what (?:do|does) (?:the |all |these )?(?:articles|sources|outlets|reports|coverage) "
    r"say\W*$"
    r"|^\W*what(?:'s| is) (?:the|this) (?:story|coverage|news) about\W*$"
    r"|\btl;?dr\b",
    re.IGNORECASE,
)


def route(question: str) -> Kind | None:
    """The summary a message asks for, or None for an ordinary question."""
    q = " ".join(str(question or "").split())
    if not q or len(q) > 300:
        return None
    if _TIMELINE.search(q):
        return "timeline"
    if _COMPARE.search(q):
        return "compare"
    if _OVERVIEW.search(q):
        return "overview"
    return None
