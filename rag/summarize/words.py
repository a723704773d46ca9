"""The words the chat router reads: for the articles, for a summary, a timeline, a comparison, a
factual question; and the shorthand people type, spelled out. Shared by the cue features and the
rules (route.py) and by the topic reader (topic_reader.py)."""

from __future__ import annotations

import re

CORPUS = (
    r"(?:articles?|reports?|sources?|coverage|outlets?|papers?|newspapers?|news|press|stories|"
    r"story|media|reporting|documents?|texts?|sites?|accounts?)"
)
SUMMARY = (
    r"(?:summ?[ae]ri[sz]\w*|summary|summaries|sum (?:it |this |them |everything )?(?:all )?up|"
    r"recap\w*|overview|run-?down|gist|tl;?dr|brief me|briefing|catch (?:me|us) up|"
    r"up to speed|fill (?:me|us) in|highlights|takeaways?|nutshell|big picture|short version|"
    r"main story|break (?:it )?down|pull together|what'?s going on|what happened(?=\W*$)|"
    r"condens\w*|distil\w*|digest|boil (?:it |this |them |everything )?(?:all )?down|"
    r"(?:key|main) (?:points|takeaways)|bullet ?points?|bullets|upshot|walk (?:me|us) through)"
)
TIMELINE = (
    r"(?:time ?lines?|chronolog\w*|sequence of (?:events|what happened)|order of events|"
    r"key dates|what happened when|in (?:chronological )?order|step by step|day by day|unfold\w*|"
    r"what came (?:after|next)|happened first|evolv\w*|develop(?:ed)? over|trac(?:e|ed|ing)\b|"
    r"(?:led|lead|leading) up to)"
)
COMPARE = (
    r"(?:disagree\w*|agree (?:with|on)\b|differ(?:s|ed)?\b|differently|difference\w*|"
    r"contradict\w*|diverg\w*|compare\b|comparison|conflict(?:s|ing)?\b|discrepan\w*|"
    r"consistent|inconsisten\w*|frame|who reported what|who said what|reported which|say what|"
    r"contrast\w*|angles?\b|bias\w*|spin\b|side by side|same thing|consensus|all agree)"
)
FACT_START = (
    r"^(?:who|whom|whose|when|where|why|which|how (?:many|much|long|old|far|often|did|does)|"
    r"what (?:time|day|year|date|city|car|gift|newspaper)|is|was|were|did|has|have|had|will|"
    r"would|should)\b"
)
VERB = r"(?:say|says|said|saying|report|reports|reported|reporting|write|writes|writing|tell)"
PREP = r"(?:about|on|regarding|concerning|re:?|of|over|into|from|in|for)"


def normalize(message: str) -> str:
    """Lowercase, one space, straight quotes, and the shorthand people type spelled out."""
    t = " ".join(str(message or "").replace("’", "'").replace("‘", "'").lower().split())
    for short, full in ((r"\bu\b", "you"), (r"\b(?:pls|plz|pleas)\b", "please"),
                        (r"\bthru\b", "through"), (r"\btl;? ?dr\b", "tl;dr"),
                        (r"\bwhats\b", "what's"), (r"\bi dont\b", "i don't"),
                        (r"\bwat\b", "what"), (r"\babt\b", "about"), (r"\bteh\b", "the"),
                        (r"^r\b", "are"), (r"\bur\b", "your")):  # fmt: skip
        t = re.sub(short, full, t)
    return t


POLITE = (
    r"^\W*(?:(?:please|now|ok|okay|so|and|hi|hey|can you|could you|would you|will you|just)\W+)*"
)
SCOPE = (
    rf"(?:(?:the |all |all the |these |this |those |my |our )?(?:selected |whole |entire |latest )?"
    rf"(?:{CORPUS}|everything|it|them|this|these|all))"
)
