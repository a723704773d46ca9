"""Run records: what one pipeline said to one question, in pipeline-neutral form.

Both pipelines are reduced to one `Output` record first (`product_output`, `baseline_output`,
`error_output`), so every metric and table of the report (eval/report.py) treats the product and
the baseline exactly alike.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from typing import Any

from eval.baseline import BaselineAnswer
from eval.metrics import is_abstention
from rag.cite import shown_passage
from rag.schema import Article


@dataclass
class Output:
    """What one pipeline said to one question, in pipeline-neutral form."""

    text: str
    abstained: bool
    quotes: dict[int, str]  # citation number -> the passage it points at, as the model saw it
    retrieved: list[tuple[str, str]]  # (source file name, passage) the model saw, in rank order
    total_ms: float
    first_token_ms: float | None = None
    retrieve_ms: float | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)
    quote_exact: bool | None = None  # every citation quote == article.text[start:end]
    mode: str = ""
    note: str = ""
    error: str = ""
    draft: str = ""  # the streamed model text before verification
    dropped: list[str] = field(default_factory=list)  # sentences the citation check removed
    features: dict[str, Any] = field(default_factory=dict)  # the decision's inputs (rag.decide)
    confidence: float | None = None  # the decision's probability

    @property
    def first_output_ms(self) -> float:
        # An early abstention calls no model: the user sees the whole answer at total_ms.
        return self.first_token_ms if self.first_token_ms is not None else self.total_ms

    def timings(self) -> dict[str, float | None]:
        return {
            "retrieve_ms": self.retrieve_ms,
            "first_token_ms": self.first_token_ms,
            "first_output_ms": self.first_output_ms,
            "total_ms": self.total_ms,
        }


def _plain(obj: Any) -> dict[str, Any]:
    if is_dataclass(obj) and not isinstance(obj, type):
        return asdict(obj)
    return dict(getattr(obj, "__dict__", {}))


def article_lookup(news: Any) -> Callable[[str], Article | None]:
    """`news.article`, cached: every citation of every answer is checked against it."""
    cache: dict[str, Article | None] = {}

    def lookup(article_id: str) -> Article | None:
        if article_id not in cache:
            cache[article_id] = news.article(article_id)
        return cache[article_id]

    return lookup


def product_output(
    result: Any, article: Callable[[str], Article | None], wall_ms: float, draft: str = ""
) -> Output:
    """An Answer (or the Answer-like result of `summarize`) as an Output.

    `article` looks stored articles up by id: it names each passage's source file and checks
    that every citation quote is exactly the stored text at its offsets.
    """

    def source(article_id: str) -> str:
        found = article(article_id)
        return Path(found.source).name if found and found.source else article_id

    citations = list(getattr(result, "citations", None) or [])
    evidence = list(getattr(result, "evidence", None) or [])
    timings = getattr(result, "timings", None)
    exact: bool | None = None
    if citations:
        exact = True
        for c in citations:
            stored = article(c.article_id)
            if stored is None or stored.text[c.start : c.end] != c.quote:
                exact = False
    return Output(
        text=str(getattr(result, "text", "") or ""),
        abstained=bool(getattr(result, "abstained", False)),
        quotes={int(c.n): shown_passage(c) for c in citations},
        retrieved=[(source(e.article_id), str(e.quote)) for e in evidence],
        total_ms=float(getattr(timings, "total_ms", 0.0) or wall_ms),
        first_token_ms=getattr(timings, "first_token_ms", None),
        retrieve_ms=getattr(timings, "retrieve_ms", None),
        citations=[{**_plain(c), "source": source(c.article_id)} for c in citations],
        quote_exact=exact,
        mode=str(getattr(result, "mode", "")),
        note=str(getattr(result, "note", "")),
        draft=draft,
        dropped=[str(x) for x in getattr(result, "dropped", None) or []],
        features=dict(getattr(result, "features", None) or {}),
        confidence=getattr(result, "confidence", None),
    )


def baseline_output(answer: BaselineAnswer) -> Output:
    return Output(
        text=answer.text,
        abstained=is_abstention(answer.text),
        quotes={},
        retrieved=list(answer.contexts),
        total_ms=answer.total_ms,
        first_token_ms=answer.first_token_ms,
        retrieve_ms=answer.retrieve_ms,
        error=answer.error,
    )


def error_output(exc: Exception, wall_ms: float) -> Output:
    return Output("", False, {}, [], wall_ms, error=f"{type(exc).__name__}: {exc}")
