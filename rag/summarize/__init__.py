"""Multi-document summaries, all cited: overview, timeline, compare, and a per-article guide.

    from rag import NewsRAG
    news = NewsRAG()
    print(news.summarize("timeline").text)

Every kind reads the WHOLE scope (not the top-k of a search), quotes articles exactly, and checks
each model-written sentence against the sentences it cites (strict: unsupported ones are dropped).
An overview can be of one topic: only the passages on it (rag.summarize.topic).
The model is asked a bounded number of times per summary (overview: at most 8, guide: 1; the
timeline and the comparison quote the articles and need none); when it is down or too slow, the
summary quotes the articles instead and says so in `note`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Generator, Iterator

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from rag.cite import CitationChecker
from rag.config import Settings
from rag.filters import Filters
from rag.schema import Answer, Article, Token
from rag.store import NewsStore
from rag.summarize import compare, guide, overview, timeline
from rag.summarize.base import KINDS, TITLES, Kind, Progress, Writer, finish
from rag.summarize.context import Context
from rag.summarize.form import Form, read_form
from rag.summarize.pool import BUDGET, within_budget
from rag.summarize.route import Route, route
from rag.summarize.topic import run as summarize_topic
from rag.summarize.vectors import VectorCache

__all__ = ["KINDS", "Form", "Kind", "Progress", "Route", "Summarizer", "read_form", "route"]

_CALLS: dict[str, int] = {
    "overview": overview.MAX_CALLS,
    "timeline": 0,
    "compare": 0,
    "article": 1,
}


# Sentences prepare() embeds at most (~15 s on 2 cores). Past BUDGET sentences an overview keeps
# each article's first max(3, BUDGET // articles), so a store of thousands of articles pools far
# more than BUDGET; such an overview takes minutes whatever is prepared, and preparing it would
# keep the embedder busy while the user asks the first question.
PREPARE_LIMIT = 3 * BUDGET


class Summarizer:
    def __init__(
        self,
        settings: Settings,
        embeddings: Embeddings,
        chat_model: Callable[[], BaseChatModel],
        articles: Callable[[Filters | None], list[Article]],
        store: NewsStore | None = None,
    ) -> None:
        self.settings = settings
        # Sentence vectors are kept between summaries and filled ahead of the first (prepare).
        self.embeddings = self.vectors = VectorCache(embeddings)
        self._chat_model = chat_model  # built lazily: loading the LLM is slow
        self._articles = articles
        self.store = store
        # Always strict: a summary is unprompted text, so a sentence its sources do not support
        # is dropped, whatever the Q&A citation mode.
        self.checker = CitationChecker(self.vectors, settings.citations.min_support, strict=True)
        self.guides = guide.GuideCache(settings.data_dir / "guides")
        self._preparing = threading.Lock()
        self._again = False  # articles changed while a preparation ran: it runs once more

    def prepare(self, filters: Filters | None = None) -> int | None:
        """Embed the sentences an overview of the articles in scope reads, ahead of the request
        (the page does it in the background at start and after an upload): a week of news is
        up to ~900 sentences, ~5 s on 2 cores that the first overview then does not wait for.
        Topic summaries and comparisons read the same sentences. Returns how many were new; None
        when the scope is too large to prepare (PREPARE_LIMIT) or another call is preparing, in
        which case that call runs once more when it ends: uploads in a row prepare once or twice,
        not once each."""
        if not self._preparing.acquire(blocking=False):
            self._again = True
            return None
        try:
            new = 0
            while True:
                self._again = False
                scope = self._articles(filters)
                texts = [s.text for group in within_budget(scope, BUDGET) for s in group]
                if len(texts) > PREPARE_LIMIT:
                    return None  # thousands of articles: minutes of work for little gain
                new += self.vectors.warm(texts)
                if not self._again:
                    return new
        finally:
            self._preparing.release()

    def stream(
        self,
        kind: str,
        filters: Filters | None = None,
        progress: Progress | None = None,
        question: str | None = None,
        topic: str | None = None,
        form: Form | None = None,
    ) -> Iterator[Token | Answer]:
        """Token events while the model writes, then the verified summary (always last).
        `topic`: an overview of only the passages on it (kind "overview"). `form`: the shape
        asked for, "in 3 bullets" (kind "overview"; rag.summarize.form)."""
        if kind not in KINDS:
            raise ValueError(f"unknown summary kind {kind!r}; choose from {', '.join(KINDS)}")
        if kind == "article" and (filters is None or len(filters.article_ids) != 1):
            raise ValueError("an article guide needs exactly one article id")
        if topic is not None and not isinstance(topic, str):  # summarize(kind, filters) of old
            raise TypeError("topic must be a string; pass the scope as filters=...")
        topic = " ".join((topic or "").split())[:200] or None
        if topic and kind != "overview":
            raise ValueError("a topic summary is an overview: use kind 'overview' with a topic")
        if form is not None and kind != "overview":
            raise ValueError("only an overview takes a form (bullets or sentences)")
        t0 = time.perf_counter()
        title = question or (f"What the articles say about {topic}" if topic else TITLES[kind])
        scope = self._articles(filters)
        writer = Writer(self._chat_model, self.settings.llm.timeout_s, _CALLS[kind])
        if not scope:
            yield finish(title, [], t0, time.perf_counter(), None, "No articles are in scope.")
            return
        ctx = Context(
            self.settings, self.embeddings, self.checker, writer, self.store, title, t0, progress
        )
        answer = yield from self._run(kind, ctx, scope, topic, form)
        yield answer

    def _run(
        self, kind: str, ctx: Context, scope: list[Article], topic: str | None, form: Form | None
    ) -> Generator[Token, None, Answer]:
        if topic:
            return (yield from summarize_topic(ctx, scope, topic, form))
        if kind == "overview":
            return (yield from overview.run(ctx, scope, form=form))
        if kind == "timeline":
            return timeline.run(ctx, scope)
        if kind == "compare":
            return compare.run(ctx, scope)
        article = scope[0]
        hit = guide.cached(self.guides, article, ctx.question, ctx.t0)
        if hit is not None:
            return hit
        answer = yield from guide.run(ctx, article)
        if not ctx.writer.failure and not answer.abstained:
            self.guides.put(article, answer)
        return answer
