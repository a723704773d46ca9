"""The second pass: a draft that declines, or only restates the question, gets one follow-up
asking for the answer's words alone; a name the passages hold then comes out, cited and checked."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import AIMessage, AIMessageChunk, BaseMessage
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import Field

from rag import NOT_FOUND, NewsRAG
from rag.answer import MODEL_FOUND_NONE, restates
from rag.config import settings_for
from rag.schema import Evidence
from tests.conftest import SEEDS


class ShyThenShort(BaseChatModel):
    """Declines (or restates) at first; asked again, names Belousov with his passage number."""

    first: str = NOT_FOUND
    calls: list[int] = Field(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "shy-then-short"

    def _reply(self, messages: list[BaseMessage]) -> str:
        self.calls.append(len(messages))
        if len(messages) <= 2:
            return self.first
        for line in str(messages[1].content).splitlines():
            m = re.match(r"^\[(\d+)\].*Belousov", line)
            if m:
                return f"Andrei Belousov [{m.group(1)}]"
        return NOT_FOUND

    def _generate(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> ChatResult:
        return ChatResult(generations=[ChatGeneration(message=AIMessage(self._reply(messages)))])

    def _stream(
        self, messages: list[BaseMessage], stop: Any = None, run_manager: Any = None, **kw: Any
    ) -> Iterator[ChatGenerationChunk]:
        yield ChatGenerationChunk(message=AIMessageChunk(content=self._reply(messages)))


def ev(quote: str, outlet: str = "News1", title: str = "Putin in Pyongyang") -> Evidence:
    return Evidence(1, "a", title, outlet, "2024-06-19", quote, 0, len(quote), 0.5)


def test_a_restatement_names_nothing_new() -> None:
    q = "Which former NFL star announced he will become a college professor at his alma mater?"
    passages = [ev("Peyton Manning will teach at the University of Tennessee.", "The Week")]
    assert restates("The former NFL star announced he will become a professor [1].", q, passages)
    assert restates("The Week, 2024-06-19: " + q, q, passages)  # a header and the question
    assert not restates("Peyton Manning [1].", q, passages)
    assert not restates("The former NFL star is Peyton Manning [1].", q, passages)
    japan = "Which country is releasing the water from its Fukushima plant, Japanese media said?"
    assert not restates("Japan [1].", japan, passages)  # a short word must match whole


def ask(tmp_path: Path, chat: ShyThenShort) -> Any:
    news = NewsRAG(settings_for("fake", data_dir=tmp_path), chat_model=chat)
    news.ingest([SEEDS])
    return news.ask("Who is Russia's new defence minister, travelling with Putin?")


def test_a_declined_draft_gets_a_second_pass_that_names_the_answer(tmp_path: Path) -> None:
    chat = ShyThenShort(calls=[])
    answer = ask(tmp_path, chat)
    assert chat.calls == [2, 4]  # the question, then one follow-up turn
    assert not answer.abstained, answer.reason
    assert "Belousov" in answer.text and answer.citations
    assert any("Belousov" in c.quote for c in answer.citations)
    assert answer.features.get("second_pass") == 1.0


def test_a_restating_draft_gets_the_second_pass_too(tmp_path: Path) -> None:
    chat = ShyThenShort(first="Russia's new defence minister travelled with Putin [1].", calls=[])
    answer = ask(tmp_path, chat)
    assert chat.calls == [2, 4] and "Belousov" in answer.text


def test_a_model_that_declines_twice_abstains(tmp_path: Path) -> None:
    news = NewsRAG(settings_for("fake", data_dir=tmp_path), chat_model=_Never(calls=[]))
    news.ingest([SEEDS])
    answer = news.ask("Who travelled with Putin to North Korea?")
    assert answer.abstained and answer.reason == MODEL_FOUND_NONE


class _Never(ShyThenShort):
    def _reply(self, messages: list[BaseMessage]) -> str:
        self.calls.append(len(messages))
        return NOT_FOUND
