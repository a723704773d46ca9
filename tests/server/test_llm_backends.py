"""The LLM backends over HTTP, chosen through NEWSRAG_LLM__* settings alone:

- openai: llama-cpp-python's own OpenAI-compatible server running the packaged GGUF (real model);
- ollama: a stand-in speaking Ollama's /api/chat streaming NDJSON (Ollama cannot be installed here).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from rag import NewsRAG, Settings
from rag.llm import build_chat_model
from tests.conftest import SEEDS
from tests.server.standins import ChromaServer, LlamaServer, OllamaHandler, StandIn

pytestmark = pytest.mark.server

GREETING = "Who greeted Putin at the plane?"


def assert_cited(news: NewsRAG, answer: object) -> None:
    from rag import Answer

    assert isinstance(answer, Answer)
    assert answer.mode == "llm" and not answer.abstained, answer
    assert answer.citations, answer
    for c in answer.citations:
        assert f"[{c.n}]" in answer.text
        article = news.article(c.article_id)
        assert article is not None and article.text[c.start : c.end] == c.quote


@pytest.mark.integration
def test_openai_backend_against_llama_cpp_server(
    llama_server: LlamaServer,
    chroma: ChromaServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Full server mode: the model behind an OpenAI-compatible server, the store behind Chroma's,
    the real embedder; configured only through the environment, as the README shows."""
    monkeypatch.setenv("NEWSRAG_LLM__BACKEND", "openai")
    monkeypatch.setenv("NEWSRAG_LLM__BASE_URL", llama_server.base_url)
    monkeypatch.setenv("NEWSRAG_LLM__API_KEY", "not-needed")
    monkeypatch.setenv("NEWSRAG_LLM__MODEL", "qwen2.5-coder-1.5b-instruct")
    monkeypatch.setenv("NEWSRAG_LLM__TIMEOUT_S", "600")  # 2 shared cores: slow, never asserted
    monkeypatch.setenv("NEWSRAG_STORE__HOST", "127.0.0.1")
    monkeypatch.setenv("NEWSRAG_STORE__PORT", str(chroma.port))
    monkeypatch.setenv("NEWSRAG_STORE__COLLECTION", "openai_backend")
    settings = Settings()
    assert type(build_chat_model(settings)).__name__ == "ChatOpenAI"
    news = NewsRAG(settings)
    assert len(news.ingest([SEEDS]).added) == 5
    answer = news.ask(GREETING)
    print(f"\nopenai backend ({llama_server.base_url}): {answer.text}  [{answer.timings}]")
    assert_cited(news, answer)
    assert "Kim Jong Un" in answer.text and "Kim Jong Il" not in answer.text, answer.text
    assert any("Kim Jong Un" in c.quote for c in answer.citations)


def test_ollama_backend_against_a_protocol_standin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with StandIn(OllamaHandler) as ollama:
        monkeypatch.setenv("NEWSRAG_LLM__BACKEND", "ollama")
        monkeypatch.setenv("NEWSRAG_LLM__BASE_URL", ollama.url)
        monkeypatch.setenv("NEWSRAG_LLM__MODEL", "standin")
        monkeypatch.setenv("NEWSRAG_LLM__MAX_TOKENS", "200")
        monkeypatch.setenv("NEWSRAG_EMBED__BACKEND", "fake")
        monkeypatch.setenv("NEWSRAG_DATA_DIR", str(tmp_path))
        settings = Settings()
        assert type(build_chat_model(settings)).__name__ == "ChatOllama"
        news = NewsRAG(settings)
        assert len(news.ingest([SEEDS]).added) == 5
        answer = news.ask(GREETING)
        assert_cited(news, answer)
        assert "Kim Jong Un" in answer.text and answer.timings.first_token_ms is not None

        # What went over the wire is what ollama-python 0.6 sends.
        chats = [r for r in ollama.requests if r["path"] == "/api/chat"]
        assert len(chats) == 1, ollama.requests
        sent = chats[0]
        assert sent["model"] == "standin" and sent["stream"] is True
        assert [m["role"] for m in sent["messages"]] == ["system", "user"]
        assert GREETING in sent["messages"][-1]["content"]
        assert "[1] " in sent["messages"][-1]["content"]
        assert sent["options"]["temperature"] == 0.0 and sent["options"]["num_predict"] == 200
