"""newsrag inside LangChain: a retriever and a runnable over one `NewsRAG`.

- `NewsRetriever` (`NewsRAG.as_retriever()`), a `BaseRetriever`: a question gives the passages
  newsrag itself would hand its model (hybrid search, the best sentences of the best chunks,
  passages that address a model left out) as `Document`s whose metadata say where each one is:
  `article_id`, `title`, `outlet`, `published`, `url`, and `start`/`end` so that
  `news.article(article_id).text[start:end] == page_content`; `score` is the relevance.
- `NewsRunnable` (`NewsRAG.as_runnable()`), a `Runnable`: a question (a string, or a mapping with
  `question`, `history` and `filters`) gives the verified `rag.schema.Answer`. `stream` and
  `astream` give the `Token`s the model writes, then the Answer, always last.

Callbacks and tags in the config reach the chat model: the question is answered inside the
runnable's child config, which LangChain hands to every model call made within it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Generator, Iterator, Mapping
from typing import Any

from langchain_core.callbacks import CallbackManagerForRetrieverRun
from langchain_core.documents import Document
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableConfig
from langchain_core.runnables.config import (
    ensure_config,
    get_callback_manager_for_config,
    patch_config,
    run_in_executor,
    set_config_context,
)
from pydantic import ConfigDict

from rag.answer import History, check_question
from rag.api import NewsRAG
from rag.filters import Filters
from rag.schema import Answer, Evidence, Token

NewsInput = str | Mapping[str, Any]


def passage_document(e: Evidence, url: str | None) -> Document:
    return Document(
        page_content=e.quote,
        metadata={
            "article_id": e.article_id,
            "title": e.title,
            "outlet": e.outlet,
            "published": e.published,
            "url": url,
            "start": e.start,
            "end": e.end,
            "score": e.score,
        },
    )


class NewsRetriever(BaseRetriever):
    """The passages newsrag would answer from, best first. `k`: at most k passages, and no
    token budget (your prompt, your budget); by default the settings' count and budget.
    `filters`: a `Filters` (outlets, article ids, dates) applied to every search."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    news: NewsRAG
    filters: Filters | None = None
    k: int | None = None

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits, evidence = self.news.answerer.gather(check_question(query), self.filters, self.k)
        # Passages carry no url; the chunks they came from do.
        urls = {str(h.meta.get("article_id")): str(h.meta.get("url") or "") for h in hits}
        return [passage_document(e, urls.get(e.article_id) or None) for e in evidence]


def parse_input(value: NewsInput) -> tuple[str, History | None, Filters | None]:
    """A runnable input as (question, history, filters)."""
    if isinstance(value, str):
        return value, None, None
    if not isinstance(value, Mapping):
        raise TypeError(
            f"newsrag takes a question string or a mapping with 'question', not "
            f"{type(value).__name__}"
        )
    unknown = set(value) - {"question", "history", "filters"}
    if unknown:
        raise ValueError(f"unknown input key {', '.join(sorted(unknown))}")
    question = value.get("question")
    if not isinstance(question, str):
        raise TypeError("'question' must be a string")
    history = [(str(q), str(a)) for q, a in value.get("history") or []]
    return question, history or None, Filters.from_json(value.get("filters"))


class NewsRunnable(Runnable[NewsInput, Answer]):
    """Question -> verified, cited Answer. invoke, batch and ainvoke give Answers (batch runs
    questions on LangChain's thread pool; an embedded model still answers one at a time);
    stream and astream give Token events and then the Answer."""

    def __init__(self, news: NewsRAG) -> None:
        self.news = news
        self.name = "NewsRAG"

    def invoke(
        self, input: NewsInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Answer:
        final: Answer | None = None
        for event in self.stream(input, config):
            if isinstance(event, Answer):
                final = event
        assert final is not None  # every stream ends with an Answer
        return final

    # The stream is wider than the output on purpose: the draft's tokens, then the Answer. In a
    # larger chain LangChain keeps the last of chunks it cannot add up, so the next step gets
    # the Answer.
    def stream(  # type: ignore[override]
        self, input: NewsInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> Generator[Token | Answer, None, None]:
        config = ensure_config(config)
        run = get_callback_manager_for_config(config).on_chain_start(
            None,
            {"input": input},
            name=config.get("run_name") or self.get_name(),
            run_id=config.pop("run_id", None),
        )
        final: Answer | None = None
        events: Iterator[Token | Answer] = iter(())
        try:
            question, history, filters = parse_input(input)
            # Every step runs in the child config's context, so a chat model called without a
            # config (as rag.answer calls it) reports to this run's callbacks.
            with set_config_context(patch_config(config, callbacks=run.get_child())) as context:
                events = context.run(self.news.ask_stream, question, history, filters)
                while (event := context.run(next, events, None)) is not None:
                    if isinstance(event, Answer):
                        final = event
                    yield event
        except GeneratorExit:  # the caller stopped reading: end the model's stream too
            events_close = getattr(events, "close", None)
            if events_close is not None:
                events_close()
            run.on_chain_end(final)
            return
        except BaseException as exc:
            run.on_chain_error(exc)
            raise
        run.on_chain_end(final)

    async def astream(  # type: ignore[override]
        self, input: NewsInput, config: RunnableConfig | None = None, **kwargs: Any
    ) -> AsyncIterator[Token | Answer]:
        # The library is synchronous (llama.cpp, Chroma): each step of the stream runs on a
        # worker thread, with this task's context, so the event loop is never blocked.
        events = self.stream(input, config)
        try:
            while (event := await run_in_executor(None, next, events, None)) is not None:
                yield event
        finally:
            await run_in_executor(None, events.close)
