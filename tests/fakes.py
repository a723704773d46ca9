"""Test doubles shared by several test modules."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGenerationChunk, ChatResult


class Broken(BaseChatModel):
    """A chat model whose server refuses every connection; counts the attempts."""

    calls: int = 0

    @property
    def _llm_type(self) -> str:
        return "broken"

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        self.calls += 1
        raise ConnectionError("connection refused")

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        self.calls += 1
        raise ConnectionError("connection refused")
        yield ChatGenerationChunk(message=AIMessageChunk(content=""))


class TextVectors(Embeddings):
    """An embedder defined by one text -> vector function (`_vec`), for queries and documents."""

    def _vec(self, text: str) -> list[float]:
        raise NotImplementedError

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return [self._vec(t) for t in texts]

    def embed_query(self, text: str) -> list[float]:
        return self._vec(text)
