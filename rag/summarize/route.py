"""Which chat messages ask for a summary, of what kind, and about which topic.

Rules answer the clear cases: a message that is only a summary request ("summarise the
coverage", "tl;dr"), or asks what the coverage says about something ("what are the reports
saying about the ukraine war"). Everything else goes to a small classifier: a logistic regression
over the MiniLM vector of the message plus a handful of cue features (summary words, words for the
articles, a factual question word first...). It was fitted by `python -m eval.fit_router` on
eval/routing.jsonl, routing_more.jsonl and routing_fit3.jsonl; its weights are in
rag/calibration/router.json.
Without the MiniLM embedder (the fake one in tests) only the rules route, and anything they do
not claim is a question.

A topic is read from the words after the request: "summarise what the articles say about the
Ukraine war" gives the topic "the Ukraine war". A summary request without one is an overview.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.summarize.base import Kind

WEIGHTS = Path(__file__).resolve().parent.parent / "calibration" / "router.json"
Label = Literal["overview", "topic", "timeline", "compare", "question"]
LABELS: tuple[Label, ...] = ("overview", "topic", "timeline", "compare", "question")
# What the classifier tells apart; "overview" and "topic" differ only by the topic read out.
CLASSES = ("summary", "timeline", "compare", "question")


@dataclass(frozen=True)
class Route:
    """A summary request: its kind, and for a topic summary (kind "overview") the topic."""

    kind: Kind
    topic: str | None = None

    @property
    def label(self) -> Label:
        if self.topic:
            return "topic"
        if self.kind == "timeline":
            return "timeline"
        return "compare" if self.kind == "compare" else "overview"


# -- words ---------------------------------------------------------------------------------------

_CORPUS = (
    r"(?:articles?|reports?|sources?|coverage|outlets?|papers?|newspapers?|news|press|stories|"
    r"story|media|reporting|documents?|texts?|sites?|accounts?)"
)
_SUMMARY = (
    r"(?:summ?[ae]ri[sz]\w*|summary|summaries|sum (?:it |this |them |everything )?(?:all )?up|"
    r"recap\w*|overview|run-?down|gist|tl;?dr|brief me|briefing|catch (?:me|us) up|"
    r"up to speed|fill (?:me|us) in|highlights|takeaways?|nutshell|big picture|short version|"
    r"main story|break (?:it )?down|pull together|what'?s going on|what happened(?=\W*$)|"
    r"condens\w*|distil\w*|digest|boil (?:it |this |them |everything )?(?:all )?down|"
    r"(?:key|main) (?:points|takeaways)|bullet ?points?|bullets|upshot|walk (?:me|us) through)"
)
_TIMELINE = (
    r"(?:time ?lines?|chronolog\w*|sequence of (?:events|what happened)|order of events|"
    r"key dates|what happened when|in (?:chronological )?order|step by step|day by day|unfold\w*|"
    r"what came (?:after|next)|happened first|evolv\w*|develop(?:ed)? over|trac(?:e|ed|ing)\b|"
    r"(?:led|lead|leading) up to)"
)
_COMPARE = (
    r"(?:disagree\w*|agree (?:with|on)\b|differ(?:s|ed)?\b|differently|difference\w*|"
    r"contradict\w*|diverg\w*|compare\b|comparison|conflict(?:s|ing)?\b|discrepan\w*|"
    r"consistent|inconsisten\w*|frame|who reported what|who said what|reported which|say what|"
    r"contrast\w*|angles?\b|bias\w*|spin\b|side by side|same thing|consensus|all agree)"
)
_FACT_START = (
    r"^(?:who|whom|whose|when|where|why|which|how (?:many|much|long|old|far|often|did|does)|"
    r"what (?:time|day|year|date|city|car|gift|newspaper)|is|was|were|did|has|have|had|will|"
    r"would|should)\b"
)
_VERB = r"(?:say|says|said|saying|report|reports|reported|reporting|write|writes|writing|tell)"
_PREP = r"(?:about|on|regarding|concerning|re:?|of|over|into|from|in|for)"


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


_CUES = {
    "summary": re.compile(rf"\b{_SUMMARY}"),
    "corpus": re.compile(rf"\b{_CORPUS}\b"),
    "timeline": re.compile(rf"\b{_TIMELINE}"),
    "compare": re.compile(rf"\b{_COMPARE}"),
    "fact_start": re.compile(_FACT_START),
    "says_about": re.compile(rf"\b{_CORPUS}\s+(?:\w+\s+)?{_VERB}\s+(?:about|on|regarding)\b"),
    # "what does the report say Putin gave Kim": a fact the coverage states, not its summary.
    "says_clause": re.compile(rf"\b{_CORPUS}\s+{_VERB}\s+(?!about|on|regarding|\W*$)\w"),
    "according": re.compile(r"\baccording to\b"),
    # "recap: who greeted...", "in short, who...": a question behind a summary word.
    "inner_question": re.compile(r"^[\w ;]{0,20}[,:]\s*(?:who|when|where|which|why|how)\b"),
    "determiner_summary": re.compile(
        r"\b(?:the|its|their|his|her|\w+'s)\s+(?:summary|overview|time ?line|recap|readout)\b"
    ),
    "imperative": re.compile(
        rf"^(?:(?:hi|hey|ok|okay|so|please|now|just)\W+)*(?:(?:can|could|would|will) "
        rf"(?:you|i|we)\W+(?:please\W+)?)?(?:give|get|make|show|tell|walk|lay|list|put|spot|"
        rf"bring|i want|i'd like|{_SUMMARY})"
    ),
    "question_mark": re.compile(r"\?\s*$"),
}
CUE_NAMES = tuple(_CUES)


def cues(message: str) -> np.ndarray:
    """The cue features of a normalised message, 0 or 1 each (order: CUE_NAMES)."""
    return np.array([1.0 if rx.search(message) else 0.0 for rx in _CUES.values()], np.float32)


# -- rules ---------------------------------------------------------------------------------------

_POLITE = (
    r"^\W*(?:(?:please|now|ok|okay|so|and|hi|hey|can you|could you|would you|will you|just)\W+)*"
)
_SCOPE = (
    rf"(?:(?:the |all |all the |these |this |those |my |our )?(?:selected |whole |entire |latest )?"
    rf"(?:{_CORPUS}|everything|it|them|this|these|all))"
)
_ONLY_OVERVIEW = re.compile(
    _POLITE + r"(?:summari[sz]e|sum up|recap|brief me(?: on)?|give (?:me |us )?(?:an? )?"
    r"(?:brief |short |quick |general )?(?:summary|overview|recap|rundown|digest)(?: of)?|"
    r"(?:an? )?(?:quick |short |brief )?(?:summary|overview|recap|rundown|tl;dr)(?: of)?)"
    rf"(?:\s+{_SCOPE})?(?:\W+please)?\W*$"
    rf"|^\W*what (?:do|does) (?:the |all |all the |these )?{_CORPUS} say\W*$"
    rf"|^\W*what(?:'s| is) (?:the|this) (?:story|coverage|news) about\W*$"
)
_ONLY_TIMELINE = re.compile(
    _POLITE + rf"(?:give (?:me |us )?|make (?:me |us )?|show (?:me |us )?|what(?:'s| is) )?"
    rf"(?:an? |the )?"
    rf"(?:time ?line|chronology|key dates|sequence of events|order of events)"
    rf"(?:\s+(?:of|for) (?:{_SCOPE}|events|the events))?(?:\W+please)?\W*$"
)
_ONLY_COMPARE = re.compile(
    rf"^\W*(?:where|how) (?:do|does|did) (?:the |these |all the )?{_CORPUS} "
    r"(?:disagree|differ|conflict|contradict each other|compare)\W*$"
    rf"|{_POLITE}compare (?:the )?{_CORPUS}\W*(?:please)?\W*$"
    r"|^\W*(?:which|what) (?:outlet|source|paper|newspaper)s? (?:reported|said|say|says) what\W*$"
    r"|^\W*who (?:reported|said) what\W*$"
)
_WHAT_THEY_SAY = re.compile(
    rf"(?:^\W*(?:what|how) (?:do|does|are|is|'s|did) |{_POLITE}(?:summari[sz]e|sum up|recap) "
    rf"(?:what |everything |all )?)(?:the |all the |all |these |those )?{_CORPUS}\s+"
    rf"(?:say|saying|report|reporting|write|writing|covering|cover)\s+(?:about|on|regarding) "
)


def rule(message: str, original: str) -> Route | Literal[False] | None:
    """The clear cases of a normalised message: a Route, or False when the rules cannot tell.
    `original`: the message as typed, from which the topic is read (its capitals kept)."""
    if _ONLY_TIMELINE.search(message):
        return Route("timeline")
    if _ONLY_COMPARE.search(message):
        return Route("compare")
    if _ONLY_OVERVIEW.search(message):
        return Route("overview")
    if _WHAT_THEY_SAY.search(message) and (topic := read_topic(original)):
        return Route("overview", topic)
    return False


# -- topic ---------------------------------------------------------------------------------------

_AFTER = re.compile(
    rf"\b{_SUMMARY}|\b{_CORPUS}\s+(?:\w+\s+)?(?:{_VERB}|covering|cover)\b|\bcovering\b|"
    # "what say the articles about X" (another word order), "make resume of X", "in short".
    rf"\b(?:say|says|said)\s+(?:the\s+|these\s+|all\s+the\s+)?{_CORPUS}\b|\bresum[eé]\b|"
    r"\bin (?:short|brief)\b",
    re.I,
)
# The corpus word may carry a possessive and a noun of opinion: "the articles' take on the op-ed",
# "the media's view of the summit" name the op-ed and the summit.
# Topic reading only (the cues above keep their fitted definitions): more ways to name the set
# ("these pieces", "what they say", "the stuff about X", "the articles I uploaded").
_CORPUS_T = r"(?:pieces|items|links|documents|articles|reports|stories|docs)"
_SET = (
    rf"(?:{_CORPUS}|pieces|items|links|clips|uploads?|pile|collection|material|docs|readings|"
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
_TOPIC_PREP = rf"(?:{_PREP}|abt|across|throughout)"
_LEAD = [
    re.compile(r"^[\s,:;-]*(?:(?:me|us|it all|it|them|up|please|quickly|briefly)\s+)*", re.I),
    re.compile(rf"^{_TOPIC_PREP}\s+", re.I),
    re.compile(
        rf"^(?:what\s+|how\s+|everything\s+|all\s+(?:that\s+)?)?(?:the\s+(?:entire\s+|whole\s+)?|"
        rf"all\s+(?:of\s+)?the\s+|these\s+|those\s+|this\s+|different\s+|today's\s+|"
        rf"this morning's\s+|yesterday's\s+|my\s+|our\s+)?(?:collection of\s+)?"
        rf"(?:(?:uploaded|attached|selected|provided|following|different)\s+)?{_SET}\b(?:'s?)?"
        rf"{_BY_USER}\s*(?:(?:\w+\s+)?(?:{_VERB}|have|has|covering|cover|take|takes|view|views|"
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
    rf"^(?:{_SCOPE}|here|now|so far|today|then|again|all this|what happened|the events|events|"
    r"what's this all about|this all|me|us|all of (?:it|this|that|them|these|those)|the lot|"
    rf"the whole thing|(?:in )?a nutshell|(?:what(?:'s| is| are) )?(?:the )?(?:main|key) points|"
    r"ev(?:e)?rything|"
    rf"{_SUMMARY})?$",
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


# -- classifier ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Classifier:
    """Multinomial logistic regression: scores = [vector, cues * cue_scale] @ coef + intercept."""

    coef: np.ndarray  # (384 + len(CUE_NAMES), len(CLASSES))
    intercept: np.ndarray
    cue_scale: float

    def features(self, vectors: np.ndarray, messages: list[str]) -> np.ndarray:
        extra = np.vstack([cues(m) for m in messages]) * self.cue_scale
        return np.hstack([vectors, extra])

    def probabilities(self, x: np.ndarray) -> np.ndarray:
        z = x @ self.coef + self.intercept
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return z / z.sum(axis=1, keepdims=True)


@cache
def classifier(path: Path = WEIGHTS) -> Classifier | None:
    """The fitted classifier, or None when the weights are missing (rules alone then route)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if tuple(data.get("cues", ())) != CUE_NAMES or tuple(data.get("classes", ())) != CLASSES:
        return None  # weights for other features: refitting is needed, not a silent misroute
    return Classifier(
        np.asarray(data["coef"], dtype=np.float32),
        np.asarray(data["intercept"], dtype=np.float32),
        float(data["cue_scale"]),
    )


def has_minilm(embeddings: Embeddings | None) -> bool:
    """The classifier reads MiniLM vectors; any other embedder's would be noise to it."""
    from rag.embed import MiniLMEmbeddings
    from rag.onnx_embed import OnnxMiniLM

    return isinstance(embeddings, MiniLMEmbeddings | OnnxMiniLM)


def route(message: str, embeddings: Embeddings | None = None) -> Route | None:
    """The summary a message asks for, or None for an ordinary question. `embeddings`: the
    MiniLM embedder, for the classifier (without it only the clear cases are routed)."""
    return route_many([message], embeddings)[0]


def route_many(messages: list[str], embeddings: Embeddings | None = None) -> list[Route | None]:
    """`route` for many messages, embedding them in one call."""
    from rag.embed import embed_matrix

    out: list[Route | Literal[False] | None] = []
    for m in messages:
        q = normalize(m)
        out.append(None if not q or len(q) > 300 else rule(q, m))
    todo = [i for i, r in enumerate(out) if r is False]
    model = classifier() if todo and has_minilm(embeddings) else None
    if model is not None and embeddings is not None:
        texts = [normalize(messages[i]) for i in todo]
        probs = model.probabilities(model.features(embed_matrix(embeddings, texts), texts))
        for i, p, text in zip(todo, probs, texts, strict=True):
            cls = CLASSES[int(np.argmax(p))]
            out[i] = _as_route(cls if _may_be_summary(text) else "question", messages[i])
    return [None if r is False else r for r in out]


def _may_be_summary(text: str) -> bool:
    """A message with no summary, timeline or comparison word that does not speak of the
    articles is a question, whatever its vector says; so is a long one (a quiz question
    such as RealTimeQA's) that neither speaks of the articles nor asks for a summary."""
    c = dict(zip(CUE_NAMES, cues(text), strict=True))
    addressed = c["corpus"] or c["imperative"] or c["summary"]
    if len(text.split()) > 16:
        return bool(addressed)
    return bool(addressed or c["timeline"] or c["compare"])


def _as_route(cls: str, message: str) -> Route | None:
    if cls == "question":
        return None
    if cls == "summary":
        return Route("overview", read_topic(message))
    return Route("timeline" if cls == "timeline" else "compare")


def label_of(found: Route | None) -> Label:
    return "question" if found is None else found.label
