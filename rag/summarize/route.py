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
from dataclasses import dataclass, replace
from functools import cache
from pathlib import Path
from typing import Literal

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.summarize.base import Kind
from rag.summarize.form import Form, read_form, without_form
from rag.summarize.topic_reader import read_topic
from rag.summarize.words import (
    COMPARE,
    CORPUS,
    FACT_START,
    POLITE,
    SCOPE,
    SUMMARY,
    TIMELINE,
    VERB,
    normalize,
)

WEIGHTS = Path(__file__).resolve().parent.parent / "calibration" / "router.json"
Label = Literal["overview", "topic", "timeline", "compare", "question"]
LABELS: tuple[Label, ...] = ("overview", "topic", "timeline", "compare", "question")
# What the classifier tells apart; "overview" and "topic" differ only by the topic read out.
CLASSES = ("summary", "timeline", "compare", "question")


@dataclass(frozen=True)
class Route:
    """A summary request: its kind, for a topic summary (kind "overview") the topic, and the
    shape asked for ("in 3 bullets"; overviews only)."""

    kind: Kind
    topic: str | None = None
    form: Form | None = None

    @property
    def label(self) -> Label:
        if self.topic:
            return "topic"
        if self.kind == "timeline":
            return "timeline"
        return "compare" if self.kind == "compare" else "overview"


_CUES = {
    "summary": re.compile(rf"\b{SUMMARY}"),
    "corpus": re.compile(rf"\b{CORPUS}\b"),
    "timeline": re.compile(rf"\b{TIMELINE}"),
    "compare": re.compile(rf"\b{COMPARE}"),
    "fact_start": re.compile(FACT_START),
    "says_about": re.compile(rf"\b{CORPUS}\s+(?:\w+\s+)?{VERB}\s+(?:about|on|regarding)\b"),
    # "what does the report say Putin gave Kim": a fact the coverage states, not its summary.
    "says_clause": re.compile(rf"\b{CORPUS}\s+{VERB}\s+(?!about|on|regarding|\W*$)\w"),
    "according": re.compile(r"\baccording to\b"),
    # "recap: who greeted...", "in short, who...": a question behind a summary word.
    "inner_question": re.compile(r"^[\w ;]{0,20}[,:]\s*(?:who|when|where|which|why|how)\b"),
    "determiner_summary": re.compile(
        r"\b(?:the|its|their|his|her|\w+'s)\s+(?:summary|overview|time ?line|recap|readout)\b"
    ),
    "imperative": re.compile(
        rf"^(?:(?:hi|hey|ok|okay|so|please|now|just)\W+)*(?:(?:can|could|would|will) "
        rf"(?:you|i|we)\W+(?:please\W+)?)?(?:give|get|make|show|tell|walk|lay|list|put|spot|"
        rf"bring|i want|i'd like|{SUMMARY})"
    ),
    "question_mark": re.compile(r"\?\s*$"),
}
CUE_NAMES = tuple(_CUES)


def cues(message: str) -> np.ndarray:
    """The cue features of a normalised message, 0 or 1 each (order: CUE_NAMES)."""
    return np.array([1.0 if rx.search(message) else 0.0 for rx in _CUES.values()], np.float32)


# -- rules ---------------------------------------------------------------------------------------

_ONLY_OVERVIEW = re.compile(
    POLITE + r"(?:summari[sz]e|sum up|recap|brief me(?: on)?|give (?:me |us )?(?:an? )?"
    r"(?:brief |short |quick |general )?(?:summary|overview|recap|rundown|digest)(?: of)?|"
    r"(?:an? )?(?:quick |short |brief )?(?:summary|overview|recap|rundown|tl;dr)(?: of)?)"
    rf"(?:\s+{SCOPE})?(?:\W+please)?\W*$"
    rf"|^\W*what (?:do|does) (?:the |all |all the |these )?{CORPUS} say\W*$"
    rf"|^\W*what(?:'s| is) (?:the|this) (?:story|coverage|news) about\W*$"
)
_ONLY_TIMELINE = re.compile(
    POLITE + rf"(?:give (?:me |us )?|make (?:me |us )?|show (?:me |us )?|what(?:'s| is) )?"
    rf"(?:an? |the )?"
    rf"(?:time ?line|chronology|key dates|sequence of events|order of events)"
    rf"(?:\s+(?:of|for) (?:{SCOPE}|events|the events))?(?:\W+please)?\W*$"
)
_ONLY_COMPARE = re.compile(
    rf"^\W*(?:where|how) (?:do|does|did) (?:the |these |all the )?{CORPUS} "
    r"(?:disagree|differ|conflict|contradict each other|compare)\W*$"
    rf"|{POLITE}compare (?:the )?{CORPUS}\W*(?:please)?\W*$"
    r"|^\W*(?:which|what) (?:outlet|source|paper|newspaper)s? (?:reported|said|say|says) what\W*$"
    r"|^\W*who (?:reported|said) what\W*$"
)
_WHAT_THEY_SAY = re.compile(
    rf"(?:^\W*(?:what|how) (?:do|does|are|is|'s|did) |{POLITE}(?:summari[sz]e|sum up|recap) "
    rf"(?:what |everything |all )?)(?:the |all the |all |these |those )?{CORPUS}\s+"
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
    if _WHAT_THEY_SAY.search(message) and (topic := _topic(original)):
        return Route("overview", topic)
    return False


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
        # "recap the coverage in 3 bullets" is as clear a request as "recap the coverage"
        out.append(None if not q or len(q) > 300 else rule(without_form(q), m))
    todo = [i for i, r in enumerate(out) if r is False]
    model = classifier() if todo and has_minilm(embeddings) else None
    if model is not None and embeddings is not None:
        texts = [normalize(messages[i]) for i in todo]
        probs = model.probabilities(model.features(embed_matrix(embeddings, texts), texts))
        for i, p, text in zip(todo, probs, texts, strict=True):
            cls = CLASSES[int(np.argmax(p))]
            out[i] = _as_route(cls if _may_be_summary(text) else "question", messages[i])
    return [
        None if not r else replace(r, form=read_form(m)) if r.kind == "overview" else r
        for r, m in zip(out, messages, strict=True)
    ]


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
        return Route("overview", _topic(message))
    return Route("timeline" if cls == "timeline" else "compare")


def _topic(message: str) -> str | None:
    """The topic, read again without the shape when the shape was read into it ("catch me up
    in a few lines" names none; "what do the papers say in one line about the vote": the vote)."""
    topic = read_topic(message)
    if topic and without_form(topic) != topic:
        return read_topic(without_form(message))
    return topic


def label_of(found: Route | None) -> Label:
    return "question" if found is None else found.label
