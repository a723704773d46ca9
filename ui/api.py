"""The page's HTTP API: four named Gradio endpoints that take and return JSON.

    /ask        a question -> the verified answer: answer, citations, timings, reason, ...
    /summarize  overview | timeline | compare | article -> a cited summary, same shape
    /articles   the stored articles' metadata (and text, on request)
    /ingest     articles given as text or HTML -> what was added, unchanged or rejected

They are registered with `gr.api`, so they have no components on the page, but they go through
the same Gradio queue and, when NEWSRAG_SERVER__AUTH is set, the same login as the page. Clients
call them with `gradio_client` or plain HTTP (README, "HTTP API"). Their answers are the JSON of
`rag.schema` (`Answer.to_json`, `IngestReport.to_json`): the same shapes as `newsrag ask --json`.
"""

from __future__ import annotations

import threading
from dataclasses import fields
from typing import Any

import gradio as gr

from rag import Answer, Filters, IngestReport, NewsRAG
from rag.answer import QuestionError
from rag.summarize import KINDS
from ui.live import prepare_summaries

_MB = 1024 * 1024
# What an /ingest item may carry; everything but `text` is optional.
INGEST_KEYS = ("text", "title", "outlet", "published", "url", "html", "source")


def _refuse(message: str) -> gr.Error:
    """A client's mistake, reported to the client; not a server fault worth a traceback."""
    return gr.Error(message, print_exception=False)


def _filters(
    outlets: list[str] | None,
    article_ids: list[str] | None,
    date_from: str | None,
    date_to: str | None,
) -> Filters | None:
    try:
        found = Filters.from_json(
            {
                "outlets": outlets or [],
                "article_ids": article_ids or [],
                "date_from": date_from or None,
                "date_to": date_to or None,
            }
        )
    except ValueError as exc:
        raise _refuse(str(exc)) from None
    return None if found is None or found.is_empty() else found


def answer_json(answer: Answer) -> dict[str, Any]:
    """`Answer.to_json()` with `reason` always present ("" when answered), so a client reads
    one shape whatever happened."""
    data = answer.to_json()
    data.setdefault("reason", "")
    return data


class HttpApi:
    """The endpoints' functions, over the page's NewsRAG. Every parameter is typed: `gr.api`
    derives the API's schema (shown at /gradio_api/info and on the page's "Use via API")
    from the type hints."""

    def __init__(self, news: NewsRAG, ingest_lock: threading.Lock) -> None:
        self.news = news
        self.ingest_lock = ingest_lock  # shared with the page's uploads: one ingest at a time
        self.max_mb = news.settings.server.max_upload_mb

    def ask(
        self,
        question: str,
        history: list[list[str]] | None = None,
        outlets: list[str] | None = None,
        article_ids: list[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
    ) -> dict[str, Any]:
        """Answer a question from the articles, every sentence cited. `history`: earlier
        [question, answer] pairs, for follow-ups. Filters: outlets, article ids, ISO dates.
        Returns question, answer, abstained, citations, timings, reason, mode, note,
        confidence (and, on an abstention, the closest passages and any rejected draft)."""
        pairs = [(str(p[0]), str(p[1])) for p in history or [] if len(p) == 2]
        scope = _filters(outlets, article_ids, date_from, date_to)
        try:
            return answer_json(self.news.ask(question, pairs, scope))
        except QuestionError as exc:
            raise _refuse(f"{str(exc).capitalize()}.") from None

    def summarize(
        self,
        kind: str = "overview",
        outlets: list[str] | None = None,
        article_ids: list[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        topic: str | None = None,
    ) -> dict[str, Any]:
        """A cited summary of the articles in scope. kind: overview, timeline, compare, or
        article (with exactly one id in article_ids). topic (overview only): a summary of the
        passages on it. Same shape as /ask."""
        if kind not in KINDS:
            raise _refuse(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
        if kind == "article" and len(article_ids or []) != 1:
            raise _refuse("kind 'article' needs exactly one id in article_ids")
        if topic and kind != "overview":
            raise _refuse("a topic goes with kind 'overview'")
        scope = _filters(outlets, article_ids, date_from, date_to)
        return answer_json(self.news.summarize(kind, topic or None, scope))

    def articles(
        self,
        outlets: list[str] | None = None,
        article_ids: list[str] | None = None,
        date_from: str | None = None,
        date_to: str | None = None,
        text: bool = False,
    ) -> list[dict[str, Any]]:
        """The stored articles, oldest first: id, title, outlet, published, url, authors,
        also_in, chars (and the cleaned text with text=true). Citations' start/end index into
        that text."""
        out = []
        for a in self.news.articles(_filters(outlets, article_ids, date_from, date_to)):
            # `source` is where the server read the file: a server path, not the client's news.
            row: dict[str, Any] = {
                "id": a.id,
                "title": a.title,
                "outlet": a.outlet,
                "published": a.published,
                "url": a.url,
                "authors": list(a.authors),
                "also_in": list(a.also_in),
                "chars": len(a.text),
            }
            if text:
                row["text"] = a.text
            out.append(row)
        return out

    def ingest(self, articles: list[dict[str, Any]]) -> dict[str, Any]:
        """Add articles given as JSON objects: text (required; HTML with html=true), and
        optionally title, outlet, published (ISO date), url, source (a label). Returns added,
        unchanged, duplicates, replaced and rejected ([label, reason]) and chunks written. A
        bad item is rejected with a reason; it never stops the others."""
        total = IngestReport()
        with self.ingest_lock:
            for i, item in enumerate(articles or []):
                label = f"api:{i + 1}"
                problem = self._check(item)
                if problem:
                    source = item.get("source") if isinstance(item, dict) else None
                    total.rejected.append((str(source or label), problem))
                    continue
                report = self.news.ingest_text(
                    item["text"],
                    source=str(item.get("source") or label),
                    title=_opt(item, "title"),
                    outlet=_opt(item, "outlet"),
                    published=_opt(item, "published"),
                    url=_opt(item, "url"),
                    html=bool(item.get("html")),
                )
                _add(total, report)
        if total.added or total.replaced:
            self.news.retriever.warm()  # the next question need not rebuild BM25
            prepare_summaries(self.news)
        return total.to_json()

    def _check(self, item: Any) -> str:
        """Why an /ingest item cannot be read, or ""."""
        if not isinstance(item, dict):
            return "each article must be a JSON object"
        unknown = set(item) - set(INGEST_KEYS)
        if unknown:
            return f"unknown field {', '.join(sorted(unknown))}"
        if not isinstance(item.get("text"), str) or not item["text"].strip():
            return "no text"
        if len(item["text"].encode("utf-8")) > self.max_mb * _MB:
            return f"larger than {self.max_mb:g} MB"
        return ""

    def register(self) -> None:
        """Add the endpoints to the Blocks being built (call inside `with gr.Blocks()`)."""
        gr.api(self.ask, api_name="ask")
        gr.api(self.summarize, api_name="summarize")
        # Listing reads the store only: it need not wait behind questions for the model.
        gr.api(self.articles, api_name="articles", concurrency_limit=None)
        gr.api(self.ingest, api_name="ingest", concurrency_limit=1, concurrency_id="ingest")


def _opt(item: dict[str, Any], key: str) -> str | None:
    value = item.get(key)
    return str(value) if value not in (None, "") else None


def _add(total: IngestReport, report: IngestReport) -> None:
    for f in fields(IngestReport):
        setattr(total, f.name, getattr(total, f.name) + getattr(report, f.name))
