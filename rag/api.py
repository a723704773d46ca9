"""`NewsRAG`: the one object the CLI, the page and the eval use.

Backends are passed in or built from Settings on first use, so a test can hand in fakes and a user
changes backends with environment variables alone.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from rag.answer import Answerer, History, answer_system_prompt
from rag.config import Settings
from rag.embed import build_embeddings
from rag.filters import Filters
from rag.indexer import Indexer, Progress, ingest_paths
from rag.ingest import Rejected, article_from_text
from rag.llm import LlamaCppChat, build_chat_model
from rag.model_files import set_offline_env
from rag.retrieve import Retriever
from rag.schema import Answer, Article, IngestReport, Token
from rag.store import NewsStore
from rag.summarize import Form, Summarizer, route
from rag.summarize import Progress as SummaryProgress
from rag.summarize.base import summary_system_prompt

if TYPE_CHECKING:
    from rag.chains import NewsRetriever, NewsRunnable


class NewsRAG:
    def __init__(
        self,
        settings: Settings | None = None,
        *,
        embeddings: Embeddings | None = None,
        chat_model: BaseChatModel | None = None,
        chroma_client: Any = None,
    ) -> None:
        set_offline_env()
        self.settings = settings or Settings()
        self.embeddings = embeddings or build_embeddings(self.settings)
        self._chat_model = chat_model
        self._llm_lock = threading.Lock()
        self.store = NewsStore(self.settings, self.embeddings, chroma_client)
        self.retriever = Retriever(self.store, self.settings.retrieval, self.settings.lexical_cache)
        self.answerer = Answerer(self.settings, self.retriever, self.embeddings, self.chat_model)

    def chat_model(self) -> BaseChatModel:
        """The LLM, built on first use (assembling/loading the embedded model takes seconds)."""
        with self._llm_lock:
            if self._chat_model is None:
                self._chat_model = build_chat_model(self.settings)
            return self._chat_model

    def warm_up(self) -> None:
        """Load the local model and read the answer and summary system prompts into their own
        contexts, so neither the first question nor the first summary waits for them, then
        `prepare_summaries`. Call it in the background at start; a request that arrives
        meanwhile waits for the model's lock. The model part is a no-op for a model served
        elsewhere."""
        try:
            chat = self.chat_model()
            if isinstance(chat, LlamaCppChat):
                chat.warm([answer_system_prompt(), summary_system_prompt()])
        finally:  # a model that is down must not leave the summaries unprepared
            self.prepare_summaries()

    def prepare_summaries(self) -> int | None:
        """Embed the sentences an overview of all the articles reads, ahead of the request (a
        week of news: up to ~900 sentences, ~5 s on 2 cores). Call it in the background after
        an ingest. A summary asked meanwhile waits only for the sentences being embedded at that
        moment and embeds the rest itself. Returns how many sentences were new (None: see
        Summarizer.prepare)."""
        return self.summarizer.prepare()

    # -- articles ------------------------------------------------------------------------------

    def ingest(
        self, paths: Sequence[str | Path] | str | Path, progress: Progress | None = None
    ) -> IngestReport:
        """Add files and folders (recursively). Bad files go to `rejected`; nothing is raised.
        `progress(bytes read, bytes in all, source)` is called as each story is read."""
        if isinstance(paths, str | Path):
            paths = [paths]
        return ingest_paths(self.store, self.settings, paths, progress)

    def ingest_text(
        self,
        text: str,
        *,
        source: str,
        title: str | None = None,
        outlet: str | None = None,
        published: str | None = None,
        url: str | None = None,
        html: bool = False,
    ) -> IngestReport:
        """Add one article given as text (or HTML), e.g. pasted into the page."""
        item: Article | Rejected = article_from_text(
            text, source=source, title=title, outlet=outlet, published=published, url=url, html=html
        )
        return Indexer(self.store, self.settings).ingest([item])

    def articles(self, filters: Filters | None = None) -> list[Article]:
        """Every stored article, cleaned, oldest first."""
        found = self.store.get_articles(filters.article_ids if filters else None)
        if filters and not filters.is_empty():
            found = [a for a in found if filters.matches(_meta(a))]
        return found

    def article(self, article_id: str) -> Article | None:
        return self.store.get_article(article_id)

    def remove(self, article_id: str) -> bool:
        return self.store.remove(article_id)

    # -- questions -----------------------------------------------------------------------------

    def ask_stream(
        self,
        question: str,
        history: History | None = None,
        filters: Filters | None = None,
        *,
        progress: SummaryProgress | None = None,
    ) -> Iterator[Token | Answer]:
        """Token events while the model writes, then the verified Answer (always last).
        `progress(done, total, stage)`: called as a message routed to a summary is prepared."""
        # "summarise the coverage", "give me a timeline", "what do the reports say about X"...
        found = route(question, self.embeddings)
        if found is not None:
            yield from self.summarize_stream(
                found.kind, found.topic, filters, progress, question=question, form=found.form
            )
            return
        yield from self.answerer.stream(question, history, filters)

    def ask(
        self, question: str, history: History | None = None, filters: Filters | None = None
    ) -> Answer:
        return _last_answer(self.ask_stream(question, history, filters))

    # -- summaries (rag.summarize) ---------------------------------------------------------------

    @cached_property
    def summarizer(self) -> Summarizer:
        return Summarizer(
            self.settings, self.embeddings, self.chat_model, self.articles, self.store
        )

    def summarize_stream(
        self,
        kind: str = "overview",
        topic: str | None = None,
        filters: Filters | None = None,
        progress: SummaryProgress | None = None,
        *,
        question: str | None = None,
        form: Form | None = None,
    ) -> Iterator[Token | Answer]:
        """kind: overview | timeline | compare | article (filters.article_ids = one id).
        `topic` (overview only): a summary of the passages on it, from every article that has
        one; "The articles say nothing about <topic>." when none has.
        `form` (overview only): the shape asked for, e.g. `Form(bullets=3)`; `read_form("in 3
        bullets")` reads one from a message, as the chat does.
        Token events while the model writes, then the verified, cited summary (always last)."""
        yield from self.summarizer.stream(kind, filters, progress, question, topic, form)

    def summarize(
        self,
        kind: str = "overview",
        topic: str | None = None,
        filters: Filters | None = None,
        progress: SummaryProgress | None = None,
        *,
        form: Form | None = None,
    ) -> Answer:
        """A cited summary of the articles in scope (of one topic, when given; in the shape
        asked for, when `form` is given); `progress(done, total, stage)`."""
        return _last_answer(self.summarize_stream(kind, topic, filters, progress, form=form))

    # -- LangChain (rag.chains) ------------------------------------------------------------------

    def as_retriever(self, filters: Filters | None = None, k: int | None = None) -> NewsRetriever:
        """A LangChain `BaseRetriever` over this store: Documents of the passages newsrag would
        answer from, metadata article_id, title, outlet, published, url, start, end, score.
        `k`: at most k passages (default: the settings' evidence count and token budget)."""
        from rag.chains import NewsRetriever

        return NewsRetriever(news=self, filters=filters, k=k)

    def as_runnable(self) -> NewsRunnable:
        """A LangChain `Runnable`: a question, or {"question", "history", "filters"}, gives the
        verified Answer; stream/astream give Token events, then the Answer."""
        from rag.chains import NewsRunnable

        return NewsRunnable(self)


def _last_answer(events: Iterable[Token | Answer]) -> Answer:
    final: Answer | None = None
    for event in events:
        if isinstance(event, Answer):
            final = event
    assert final is not None  # every stream ends with an Answer
    return final


def _meta(a: Article) -> dict[str, Any]:
    from rag.filters import date_ordinal

    return {"outlet": a.outlet, "article_id": a.id, "published_day": date_ordinal(a.published)}


_default: NewsRAG | None = None
_default_lock = threading.Lock()


def default() -> NewsRAG:
    """A process-wide NewsRAG over the default store, built on first use."""
    global _default
    with _default_lock:
        if _default is None:
            _default = NewsRAG()
        return _default


def ask(question: str, history: History | None = None) -> Answer:
    """Ask the default store (settings from NEWSRAG_* environment variables)."""
    return default().ask(question, history)
