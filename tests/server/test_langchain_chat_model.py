"""newsrag's LangChain runnable and retriever with a LangChain chat model the user builds: a
`ChatOpenAI` pointed at llama-cpp-python's OpenAI-compatible server running the packaged model,
passed as `NewsRAG(chat_model=...)`. Real embedder, real Chroma, real LLM (slow: 2 cores)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnablePassthrough
from langchain_openai import ChatOpenAI

from rag import Answer, NewsRAG, Token
from rag.config import settings_for
from tests.conftest import MODEL_DIR, SEEDS
from tests.server.standins import LlamaServer

pytestmark = [pytest.mark.server, pytest.mark.integration]

GREETING = "Who greeted Putin at the plane?"
TRAVELLED = "Who travelled with Putin to North Korea?"


class ModelCalls(BaseCallbackHandler):
    """The chat model calls that reach the callbacks: (model class, prompt text)."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str]] = []

    def on_chat_model_start(self, serialized: Any, messages: Any, **kw: Any) -> None:
        name = (serialized or {}).get("id", ["?"])[-1]
        self.calls.append((name, "\n".join(str(m.content) for m in messages[0])))


def assert_cited(news: NewsRAG, answer: object) -> Answer:
    assert isinstance(answer, Answer), answer
    assert answer.mode == "llm" and not answer.abstained, (answer.mode, answer.note, answer.text)
    assert answer.citations, answer
    for c in answer.citations:
        assert f"[{c.n}]" in answer.text
        article = news.article(c.article_id)
        assert article is not None and article.text[c.start : c.end] == c.quote
    return answer


@pytest.fixture(scope="module")
def news(llama_server: LlamaServer, tmp_path_factory: pytest.TempPathFactory) -> NewsRAG:
    model = ChatOpenAI(
        base_url=llama_server.base_url,
        api_key="not-needed",
        model="qwen2.5-coder-1.5b-instruct",
        temperature=0,
        max_completion_tokens=256,
        timeout=600,  # 2 shared cores: slow, never asserted
        max_retries=0,
    )
    root: Path = tmp_path_factory.mktemp("lc-chat-model")
    # A batch's questions wait for each other at a one-model server: no deadline on 2 cores.
    settings = settings_for("default", data_dir=root, model_dir=MODEL_DIR, llm__timeout_s=600)
    rag = NewsRAG(settings, chat_model=model)
    assert len(rag.ingest([SEEDS]).added) == 5
    return rag


def test_runnable_batches_and_streams_with_a_chat_openai_model(news: NewsRAG) -> None:
    answer = news.as_runnable()
    seen = ModelCalls()
    greeted, travelled = answer.batch([GREETING, TRAVELLED], config={"callbacks": [seen]})
    print(f"\nbatch: {greeted.text} | {travelled.text}")
    assert "Kim Jong Un" in assert_cited(news, greeted).text
    assert "Kim Jong Il" not in greeted.text
    assert sum(name in assert_cited(news, travelled).text for name in ("Belousov", "Lavrov")) >= 1
    # Each question's model call went to ChatOpenAI and reached this batch's callback handler.
    assert [name for name, _ in seen.calls] == ["ChatOpenAI", "ChatOpenAI"], seen.calls
    assert sorted(GREETING in prompt for _, prompt in seen.calls) == [False, True]

    events = list(answer.stream(GREETING))
    tokens = [e for e in events if isinstance(e, Token)]
    assert len(tokens) >= 2 and events[:-1] == tokens
    final = assert_cited(news, events[-1])
    assert "".join(t.text for t in tokens) == final.draft and "Kim Jong Un" in final.text


def test_retriever_in_a_chain_with_the_users_prompt_and_model(news: NewsRAG) -> None:
    model = news.chat_model()
    seen = ModelCalls()

    def numbered(docs: list[Any]) -> str:
        return "\n".join(f"[{d.metadata['outlet']}] {d.page_content}" for d in docs)

    prompt = ChatPromptTemplate.from_messages(
        [
            ("system", "Answer in one sentence, only from these news passages:\n{passages}"),
            ("human", "{question}"),
        ]
    )
    chain = (
        {"passages": news.as_retriever(k=4) | numbered, "question": RunnablePassthrough()}
        | prompt
        | model
        | StrOutputParser()
    )
    text = chain.invoke(GREETING, config={"callbacks": [seen]})
    print(f"\nretriever + ChatOpenAI: {text}")
    assert "Kim Jong Un" in text, text
    assert len(seen.calls) == 1 and "Kim Jong Un" in seen.calls[0][1]
