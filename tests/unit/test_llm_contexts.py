"""The embedded model keeps one llama.cpp context per system prompt, so answering and summarising
do not wipe each other's cached prefix. A fake Llama stands in for llama.cpp (no model loaded)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, ClassVar

import llama_cpp
import pytest
from langchain_core.messages import HumanMessage, SystemMessage

from rag.llm import LlamaCppChat


class FakeLlama:
    made: ClassVar[list[FakeLlama]] = []

    def __init__(self, **kwargs: Any) -> None:
        self.prompts: list[list[dict[str, str]]] = []
        FakeLlama.made.append(self)

    def create_chat_completion(
        self, messages: list[dict[str, str]], stream: bool, **params: Any
    ) -> Iterator[dict[str, Any]]:
        self.prompts.append(messages)
        yield {"choices": [{"delta": {"content": "OK"}, "finish_reason": None}]}


@pytest.fixture
def chat(monkeypatch: pytest.MonkeyPatch) -> LlamaCppChat:
    FakeLlama.made = []
    monkeypatch.setattr(llama_cpp, "Llama", FakeLlama)
    monkeypatch.setattr(LlamaCppChat, "_record_logprobs", lambda self, llama: None)
    return LlamaCppChat(model_path="unused.gguf", contexts=2)


def ask(chat: LlamaCppChat, system: str | None, text: str = "q") -> None:
    messages = [SystemMessage(system)] if system is not None else []
    chat.invoke([*messages, HumanMessage(text)])


def test_each_system_prompt_keeps_its_own_context(chat: LlamaCppChat) -> None:
    ask(chat, "answer")
    ask(chat, "summary")
    ask(chat, "answer")  # back to the first context: its cached prefix is still there
    assert len(FakeLlama.made) == 2
    first, second = FakeLlama.made
    assert [m[0]["content"] for m in first.prompts] == ["answer", "answer"]
    assert [m[0]["content"] for m in second.prompts] == ["summary"]


def test_a_third_system_prompt_takes_the_least_recently_used_context(chat: LlamaCppChat) -> None:
    ask(chat, "answer")
    ask(chat, "summary")
    ask(chat, "answer")
    ask(chat, "condense")  # "summary" was used least recently: its context is reused
    assert len(FakeLlama.made) == 2  # never more contexts than asked for
    first, second = FakeLlama.made
    assert [m[0]["content"] for m in second.prompts] == ["summary", "condense"]
    ask(chat, "answer")
    assert len(first.prompts) == 3


def test_warm_reads_every_system_prompt_once(chat: LlamaCppChat) -> None:
    chat.warm(["answer", "summary"])
    assert [[m[0]["content"] for m in llama.prompts] for llama in FakeLlama.made] == [
        ["answer"],
        ["summary"],
    ]
    ask(chat, "summary")
    assert len(FakeLlama.made) == 2


def test_one_context_is_the_old_behaviour(monkeypatch: pytest.MonkeyPatch) -> None:
    FakeLlama.made = []
    monkeypatch.setattr(llama_cpp, "Llama", FakeLlama)
    monkeypatch.setattr(LlamaCppChat, "_record_logprobs", lambda self, llama: None)
    chat = LlamaCppChat(model_path="unused.gguf", contexts=1)
    ask(chat, "answer")
    ask(chat, "summary")
    ask(chat, None)
    assert len(FakeLlama.made) == 1 and len(FakeLlama.made[0].prompts) == 3
