"""The product's data types: what goes into the store and what comes back from a question.

Plain frozen dataclasses, so they serialise with `dataclasses.asdict` and compare by value in tests.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

# One sentence, shared by the prompt, the answer parser, the eval metrics and the tests: when the
# articles do not answer a question, this is the whole answer.
NOT_FOUND = "The articles do not contain the answer to this question."


@dataclass(frozen=True)
class Article:
    """One cleaned news article, as stored. `text` is what citations index into."""

    id: str  # stable, derived from the cleaned content (see rag.ingest.article_id)
    title: str
    text: str
    outlet: str = ""
    published: str | None = None  # ISO date (YYYY-MM-DD) of the story, not of the page capture
    url: str | None = None
    authors: tuple[str, ...] = ()
    source: str = ""  # where it came from: a path, or path#record for JSONL
    also_in: tuple[str, ...] = ()  # outlets that carried a near-duplicate of this story
    # Text the capture held but the article does not: sentences addressed to a language model,
    # dropped at ingest (rag.injection). Kept so `newsrag articles --show` can say what went.
    dropped: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Chunk:
    """A span of an article. `article.text[start:end] == text` always holds."""

    id: str
    article_id: str
    text: str
    start: int
    end: int
    index: int


@dataclass(frozen=True)
class Evidence:
    """A passage handed to the model, numbered `n` in the prompt; a quote of its article."""

    n: int
    article_id: str
    title: str
    outlet: str
    published: str | None
    quote: str
    start: int
    end: int
    score: float = 0.0  # retrieval relevance, higher is better


@dataclass(frozen=True)
class Citation:
    """A `[n]` marker in an answer and the exact passage it points to.

    `quote == article.text[start:end]` exactly. `supported` says whether the citation check found
    the answer sentence(s) citing it supported by the quote; `score` is that check's score (0..1).
    """

    n: int
    article_id: str
    title: str
    outlet: str
    published: str | None
    quote: str
    start: int
    end: int
    supported: bool = True
    score: float = 1.0

    @classmethod
    def from_evidence(
        cls, e: Evidence, n: int, supported: bool = True, score: float = 1.0
    ) -> Citation:
        return cls(
            n, e.article_id, e.title, e.outlet, e.published, e.quote, e.start, e.end,
            supported, score,
        )  # fmt: skip


@dataclass(frozen=True)
class Timings:
    retrieve_ms: float = 0.0
    first_token_ms: float | None = None  # None when no model token was generated (abstain early)
    total_ms: float = 0.0


AnswerMode = Literal["llm", "extractive", "abstain"]


@dataclass(frozen=True)
class ConflictClaim:
    """One answer the sources give to a disputed slot, with the `[n]` citations of the answer
    that carry it and their outlets (distinct source labels: the independent sources)."""

    value: str
    citations: list[int]
    outlets: list[str]


@dataclass(frozen=True)
class SourceConflict:
    """Sources disagreeing on what the question asks: different numbers, dates or names for the
    same slot (rag.disagree). `claims` are ordered most outlets first; `minority` is the value
    fewer outlets give than the first claim ("" on a tie), `lone` says it rests on one outlet
    against two or more."""

    slot: str  # e.g. "number of people", "date", "who"
    kind: Literal["number", "date", "name"]
    claims: list[ConflictClaim]
    minority: str = ""
    lone: bool = False

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Answer:
    """The result of a question. `text` carries inline `[n]` markers matching `citations`."""

    question: str
    text: str
    citations: list[Citation]
    abstained: bool
    timings: Timings = field(default_factory=Timings)
    mode: AnswerMode = "llm"
    note: str = ""  # a plain-language remark for the user, e.g. why the extractive fallback ran
    evidence: list[Evidence] = field(default_factory=list)  # what the model saw (for eval/debug)
    dropped: list[str] = field(default_factory=list)  # answer sentences removed as unsupported
    reason: str = ""  # why there is no answer, in plain words; "" when answered
    draft: str = ""  # the model's own words before the checks
    confidence: float | None = None  # the calibrated probability the answer is right (rag.decide)
    retrieved: list[str] = field(default_factory=list)  # chunk texts searched (for eval/debug)
    features: dict[str, float | None] = field(default_factory=dict)  # the decision's inputs
    conflicts: list[SourceConflict] = field(default_factory=list)  # where the sources disagree

    def closest(self, n: int = 3) -> list[Evidence]:
        """The passages that came closest to answering: shown beside an abstention."""
        return sorted(self.evidence, key=lambda e: -e.score)[:n]

    def to_json(self) -> dict[str, Any]:
        """The `ask --json` shape: question, answer, abstained, citations, timings, conflicts
        (always a list, [] when the sources agree) (+ extras).
        An abstention carries its `reason`, the three closest `passages`, and the `draft` when
        the model wrote one that the checks rejected."""
        out: dict[str, Any] = {
            "question": self.question,
            "answer": self.text,
            "abstained": self.abstained,
            "citations": [asdict(c) for c in self.citations],
            "timings": asdict(self.timings),
            "mode": self.mode,
            "note": self.note,
            "confidence": self.confidence,
            "conflicts": [c.to_json() for c in self.conflicts],
        }
        if self.abstained:
            out["reason"] = self.reason or self.note
            out["passages"] = [asdict(e) for e in self.closest()]
            if self.draft.strip() and self.draft.strip() != NOT_FOUND:
                out["draft"] = self.draft
        return out


@dataclass(frozen=True)
class Token:
    """A streamed piece of the draft answer, before verification rewrites it."""

    text: str


@dataclass
class IngestReport:
    """What one ingest call did. Paths are as given; reasons are plain sentences."""

    added: list[str] = field(default_factory=list)  # article ids newly indexed
    unchanged: list[str] = field(default_factory=list)  # article ids already present
    rejected: list[tuple[str, str]] = field(default_factory=list)  # (path, reason)
    duplicates: list[tuple[str, str]] = field(default_factory=list)  # (source, canonical id)
    replaced: list[str] = field(default_factory=list)  # old article ids replaced by a new version
    chunks: int = 0  # chunks written

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.unchanged)} unchanged, "
            f"{len(self.duplicates)} duplicates, {len(self.replaced)} replaced, "
            f"{len(self.rejected)} rejected, {self.chunks} chunks"
        )


def source_file(source: str) -> str:
    """The file an article was read from (JSONL records are `path#line3`)."""
    return source.split("#", 1)[0]
