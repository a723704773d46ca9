"""newsrag as LangChain parts (rag.chains), with the fake embedder and LLM over a real Chroma
store: the retriever, the runnable (invoke, batch, stream, async, callbacks, larger chains), and
the README's "Use it from LangChain" code, run as written with a fake model in place of a server."""

from __future__ import annotations

import re
import threading
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.language_models import FakeListChatModel
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from rag import Answer, Filters, NewsRAG, Token
from rag.answer import QuestionError
from rag.config import settings_for
from tests import aio
from tests.checks import assert_quotes_exact
from tests.conftest import ROOT, SEEDS

GREETING = "Who greeted Putin at the plane?"
DELEGATION = "Who is in Putin's delegation with Belousov, Lavrov and Novak?"
META = {"article_id", "title", "outlet", "published", "url", "start", "end", "score"}


class Recorder(BaseCallbackHandler):
    """Every chat model call and chain run that reaches the callbacks."""

    def __init__(self) -> None:
        self.prompts: list[str] = []
        self.chains: list[str] = []
        self.lock = threading.Lock()

    def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
        with self.lock:
            self.prompts.append("\n".join(str(m.content) for m in messages[0]))

    def on_chain_start(self, serialized: Any, inputs: Any, **kw: Any) -> None:
        with self.lock:
            self.chains.append(str(kw.get("name")))


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> NewsRAG:
    rag = NewsRAG(settings_for("fake", data_dir=tmp_path_factory.mktemp("chains")))
    assert len(rag.ingest([SEEDS]).added) == 5
    text = (
        "The harbour council of Port Elm voted on Tuesday to build a new bridge over the river. "
        "Mayor Ada Quist said the bridge would open in 2026."
    )
    url = "https://elm.example/bridge"
    report = rag.ingest_text(text, source="elm", title="Port Elm bridge", outlet="Elm", url=url)
    assert report.added
    return rag


def assert_passages(news: NewsRAG, docs: list[Document]) -> None:
    assert docs and all(isinstance(d, Document) for d in docs)
    for d in docs:
        assert set(d.metadata) == META, d.metadata
        article = news.article(d.metadata["article_id"])
        assert article is not None
        assert article.text[d.metadata["start"] : d.metadata["end"]] == d.page_content
        assert (d.metadata["title"], d.metadata["outlet"]) == (article.title, article.outlet)
        assert d.metadata["published"] == article.published and d.metadata["url"] == article.url
        assert isinstance(d.metadata["score"], float)


def assert_cited(news: NewsRAG, answer: object) -> None:
    assert isinstance(answer, Answer) and not answer.abstained and answer.citations, answer
    assert_quotes_exact(news, answer.citations)


# -- the retriever -----------------------------------------------------------------------------


def test_retriever_gives_cited_passages(news: NewsRAG) -> None:
    retriever = news.as_retriever()
    assert isinstance(retriever, BaseRetriever)
    docs = retriever.invoke(GREETING)
    assert_passages(news, docs)
    assert any("Kim Jong Un" in d.page_content for d in docs)
    # The passages are the ones newsrag's own answer is made from.
    evidence = news.answerer.gather(GREETING, None)[1]
    assert [d.page_content for d in docs] == [e.quote for e in evidence]

    bridge = news.as_retriever(k=2).invoke("When will the Port Elm bridge open?")
    assert_passages(news, bridge)
    assert len(bridge) == 2 and bridge[0].metadata["url"] == "https://elm.example/bridge"


def test_retriever_filters_k_and_async(news: NewsRAG) -> None:
    one = news.articles()[0].id
    scoped = news.as_retriever(filters=Filters(article_ids=(one,)), k=3).invoke(GREETING)
    assert scoped and len(scoped) <= 3 and {d.metadata["article_id"] for d in scoped} == {one}
    wide = news.as_retriever(k=20).invoke(GREETING)
    assert len(wide) > len(news.as_retriever().invoke(GREETING))  # k lifts the token budget
    retriever = news.as_retriever()
    assert aio.run(retriever.ainvoke(GREETING)) == retriever.invoke(GREETING)
    with pytest.raises(QuestionError):
        retriever.invoke("   ")


# -- the runnable ------------------------------------------------------------------------------


def test_runnable_invokes_and_batches(news: NewsRAG) -> None:
    answer = news.as_runnable()
    assert isinstance(answer, Runnable)
    assert_cited(news, answer.invoke(GREETING))
    results = answer.batch([GREETING, DELEGATION])
    assert len(results) == 2
    for r in results:
        assert_cited(news, r)
    assert "Kim Jong Un" in results[0].text and "Belousov" in results[1].text
    scoped = answer.invoke({"question": GREETING, "filters": {"outlets": ["Elm"]}})
    assert all(c.outlet == "Elm" for c in scoped.citations)
    with pytest.raises(ValueError, match="unknown input key"):
        answer.invoke({"query": GREETING})
    with pytest.raises(TypeError):
        answer.invoke(42)  # type: ignore[arg-type]


def test_runnable_streams_tokens_then_the_answer(news: NewsRAG) -> None:
    events = list(news.as_runnable().stream(GREETING))
    assert isinstance(events[-1], Answer) and all(isinstance(e, Token) for e in events[:-1])
    assert len(events) > 2 and "".join(e.text for e in events[:-1]) == events[-1].draft
    assert_cited(news, events[-1])


def test_runnable_async(news: NewsRAG) -> None:
    runnable = news.as_runnable()

    async def both() -> tuple[Answer, list[Token | Answer]]:
        return await runnable.ainvoke(GREETING), [e async for e in runnable.astream(GREETING)]

    answer, events = aio.run(both())
    assert_cited(news, answer)
    assert isinstance(events[-1], Answer) and isinstance(events[0], Token)
    assert events[-1].text == answer.text


def test_callbacks_reach_the_chat_model(news: NewsRAG) -> None:
    runnable = news.as_runnable()
    seen = Recorder()
    runnable.invoke(GREETING, config={"callbacks": [seen]})
    assert seen.chains[0] == "NewsRAG" and len(seen.prompts) == 1
    assert GREETING in seen.prompts[0] and "[1] " in seen.prompts[0]  # the numbered passages

    streamed, batched, awaited = Recorder(), Recorder(), Recorder()
    list(runnable.stream(GREETING, config={"callbacks": [streamed]}))
    runnable.batch([GREETING, DELEGATION], config={"callbacks": [batched]})

    async def drain() -> None:
        async for _ in runnable.astream(GREETING, config={"callbacks": [awaited]}):
            pass

    aio.run(drain())
    assert len(streamed.prompts) == 1 and len(awaited.prompts) == 1
    assert len(batched.prompts) == 2  # each question's own model call reported to the batch's
    assert [sum(q in p for p in batched.prompts) for q in (GREETING, DELEGATION)] == [1, 1]

    # A follow-up with history: the model is asked to rewrite it first, then to answer it.
    follow = Recorder()
    runnable.invoke(
        {"question": "And who greeted him?", "history": [(DELEGATION, "Belousov [1].")]},
        config={"callbacks": [follow]},
    )
    assert len(follow.prompts) == 2 and DELEGATION in follow.prompts[0]


def test_runnable_in_a_larger_chain(news: NewsRAG) -> None:
    text = {"question": RunnablePassthrough()} | news.as_runnable() | RunnableLambda(_text)
    assert "Kim Jong Un" in text.invoke(GREETING)
    chunks = list(text.stream(GREETING))  # the next step gets the Answer, not the tokens
    assert chunks and "Kim Jong Un" in chunks[-1] and "[1]" in chunks[-1]


def _text(answer: Answer) -> str:
    return answer.text


# -- the README's code, as written ---------------------------------------------------------------


def readme_langchain_code() -> list[str]:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Use it from LangChain", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```python\n(.*?)```", section, re.S)


def test_readme_langchain_examples_run(news: NewsRAG, capsys: pytest.CaptureFixture[str]) -> None:
    blocks = readme_langchain_code()
    assert len(blocks) == 3
    seen = Recorder()
    model = FakeListChatModel(responses=["Kim Jong Un greeted him."], callbacks=[seen])
    first = blocks[0]
    for line in ("news = NewsRAG()", "model = ChatOpenAI("):
        assert line in first  # what is replaced below is what a user runs
    first = first.replace("news = NewsRAG()", "news = NEWS")
    first = re.sub(r"model = ChatOpenAI\(.*\)", "model = MODEL", first)
    scope: dict[str, Any] = {"NEWS": news, "MODEL": model}
    exec(compile(first, "README.md (retriever in a chain)", "exec"), scope)
    assert "Kim Jong Un greeted him." in capsys.readouterr().out
    assert len(seen.prompts) == 1 and seen.prompts[0].count("\n[") >= 3, seen.prompts

    exec(compile(blocks[1], "README.md (runnable in a chain)", "exec"), scope)
    assert "Token(text=" in capsys.readouterr().out
    sourced = scope["sourced"].invoke(GREETING)
    assert "Kim Jong Un" in sourced["text"] and sourced["outlets"]

    exec(compile(blocks[2], "README.md (langchain-chroma)", "exec"), scope)
    found = scope["store"].similarity_search("Kim Jong Un greeted Putin", k=3)
    assert len(found) == 3 and {"article_id", "start", "end"} <= set(found[0].metadata)
