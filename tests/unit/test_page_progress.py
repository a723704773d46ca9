"""The page shows a summary's progress while it is prepared, also for a summary asked in chat,
with the fake embedder and LLM (no browser: the handlers' outputs are the page's HTML)."""

from __future__ import annotations

import html
import re
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rag import Answer, NewsRAG, Token
from rag.answer import QuestionError
from rag.config import settings_for
from tests.conftest import SEEDS
from ui.live import Step, live, status_line
from ui.page import Page

STATUS = re.compile(r'<p class="status" role="status">(.*?)</p>')
EVIL = '<img src=x onerror="alert(1)">'


def statuses(pages: list[str]) -> list[str]:
    """Every progress line the reader saw, in order, unescaped."""
    return [html.unescape(s) for page in pages for s in STATUS.findall(page)]


def make(tmp_path: Path) -> NewsRAG:
    return NewsRAG(settings_for("fake", data_dir=tmp_path))


@pytest.fixture
def seeded(tmp_path: Path) -> NewsRAG:
    news = make(tmp_path)
    assert len(news.ingest([SEEDS]).added) == 5
    return news


def ask(page: Page, news: NewsRAG, message: str) -> list[str]:
    s = news.settings
    outs = page.respond(message, [], [], s.citations.mode, s.retrieval.evidence_sentences)
    return [out[0] for out in outs if isinstance(out[0], str)]


def answer(text: str = "The summary [1].") -> Answer:
    return Answer("Overview of the coverage", text, [], False)


# -- a step shows at once, before the stream moves on -----------------------------------------


def test_a_step_is_on_the_page_while_stories_are_grouped(tmp_path: Path) -> None:
    news = make(tmp_path)
    shown = threading.Event()

    def summarize_stream(*_: Any, progress: Any = None, **__: Any) -> Iterator[Answer]:
        progress(1, 3, "grouping the articles into stories")
        # Nothing else comes until the page has drawn the step (a bounded wait: a page that
        # draws only on tokens fails the assertion below instead of hanging).
        shown.wait(5)
        yield answer()

    news.summarize_stream = summarize_stream  # type: ignore[method-assign]
    outs = Page(news).summarize("overview", [], [])
    first, *_ = next(outs)
    assert statuses([first]) == ["Reading the articles…"]
    grouping = "Grouping the articles into stories (step 2 of 3)…"
    seen: list[str] = []
    for page, *_ in outs:  # a quiet tick may come first on a busy machine
        seen += statuses([page])
        if not seen or seen[-1].startswith(grouping) or "The summary" in page:
            break
    assert not shown.is_set() and seen[-1].startswith(grouping), seen
    shown.set()
    last = [out[0] for out in outs][-1]
    assert "The summary" in last and not statuses([last])


def test_every_stage_of_an_overview_is_shown_then_the_answer(seeded: NewsRAG) -> None:
    pages = [out[0] for out in Page(seeded).summarize("overview", [], [])]
    seen = statuses(pages)
    for stage in ("Reading the articles (step 1 of 3)", "Grouping the articles into stories",
                  "Choosing the central sentences", "Writing sentence 1 of"):  # fmt: skip
        assert any(s.startswith(stage) for s in seen), (stage, seen)
    assert 'class="answer-text"' in pages[-1] and not statuses(pages[-1:])


@pytest.mark.parametrize(
    ("message", "stage"),
    [
        ("Summarise the coverage", "Grouping the articles into stories"),
        ("give me a timeline", "Finding dates"),
        ("what do the articles say about Pyongyang?", "Finding the passages on the topic"),
    ],
)
def test_a_summary_asked_in_chat_shows_its_progress(
    seeded: NewsRAG, message: str, stage: str
) -> None:
    pages = ask(Page(seeded), seeded, message)
    seen = statuses(pages)
    assert seen[0] == "Searching the articles…"
    assert any(s.startswith(stage) for s in seen), seen
    assert 'class="answer-text"' in pages[-1] or 'class="abstain"' in pages[-1], pages[-1]


def test_ask_stream_reports_progress_only_for_a_routed_summary(seeded: NewsRAG) -> None:
    seen: list[tuple[int, int, str]] = []
    events = list(seeded.ask_stream("Summarise the coverage", progress=lambda *a: seen.append(a)))
    assert isinstance(events[-1], Answer) and seen and seen[-1][0] == seen[-1][1]
    seen.clear()
    list(seeded.ask_stream("Who greeted Putin at the plane?", progress=lambda *a: seen.append(a)))
    assert seen == []


# -- what the line says, and that it is escaped ------------------------------------------------


def test_progress_line_is_escaped(tmp_path: Path) -> None:
    news = make(tmp_path)

    def summarize_stream(*_: Any, progress: Any = None, **__: Any) -> Iterator[Answer]:
        progress(0, 2, EVIL)
        yield answer()

    news.summarize_stream = summarize_stream  # type: ignore[method-assign]
    pages = [out[0] for out in Page(news).summarize("timeline", [], [])]
    assert any("&lt;img src=x" in p for p in pages)
    assert not any("<img" in p for p in pages)


def test_status_line_words() -> None:
    assert status_line(None, 0.2, "Searching the articles…") == "Searching the articles…"
    assert status_line(None, 3.7, "Searching the articles…") == "Searching the articles… 3 s"
    grouping = status_line(Step(1, 3, "grouping the articles into stories"), 12.0, "")
    assert grouping == "Grouping the articles into stories (step 2 of 3)… 12 s"
    writing = Step(3, 10, "writing sentence 2 of 8")
    assert status_line(writing, 0.0, "") == "Writing sentence 2 of 8…"  # its own count only
    assert status_line(Step(2, 2, "done"), 0.0, "") == "Finishing…"


# -- the worker thread ---------------------------------------------------------------------------


def test_live_yields_steps_in_order_and_ticks_while_quiet() -> None:
    def stream(progress: Any) -> Iterator[Token | Answer]:
        progress(0, 2, "finding dates")
        time.sleep(0.3)  # a long step: the page still redraws
        yield Token("a")
        progress(1, 2, "ordering events")
        yield answer()

    got = list(live(stream, tick_s=0.05))
    events = [e for e in got if e is not None]
    assert events == [Step(0, 2, "finding dates"), Token("a"), Step(1, 2, "ordering events"),
                      answer()]  # fmt: skip
    assert None in got[got.index(events[0]) : got.index(Token("a"))]


def test_live_raises_the_streams_error_in_the_caller() -> None:
    def stream(_: Any) -> Iterator[Token]:
        yield Token("a")
        raise QuestionError("the question is empty")

    events = live(stream)
    assert next(events) == Token("a")
    with pytest.raises(QuestionError):
        next(events)


def test_leaving_the_page_stops_the_stream(tmp_path: Path) -> None:
    news = make(tmp_path)
    closed = threading.Event()

    def summarize_stream(*_: Any, **__: Any) -> Iterator[Token]:
        try:
            while True:  # a model that would write forever
                time.sleep(0.01)
                yield Token("word ")
        finally:
            closed.set()

    news.summarize_stream = summarize_stream  # type: ignore[method-assign]
    outs = Page(news).summarize("overview", [], [])
    next(outs)
    next(outs)
    outs.close()  # what Gradio does when the tab goes away
    assert closed.wait(5), "the summary kept running after the page was left"


def test_an_error_in_the_stream_is_a_message(tmp_path: Path) -> None:
    news = make(tmp_path)

    def summarize_stream(*_: Any, progress: Any = None, **__: Any) -> Iterator[Answer]:
        progress(0, 3, "reading the articles")
        raise RuntimeError("the store went away")
        yield answer()  # unreachable: makes this a generator

    news.summarize_stream = summarize_stream  # type: ignore[method-assign]
    last = [out[0] for out in Page(news).summarize("overview", [], [])][-1]
    assert "Something went wrong: RuntimeError: the store went away" in last
