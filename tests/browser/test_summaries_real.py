"""Summaries as a user asks for them, with the real embedder, the real LLM and real Chroma over
the five bundled articles (slow: 2 cores): a topic summary asked in chat, a topic nothing covers,
the Overview button streaming, and a summary request worded as nobody wrote it in eval/routing*.
None of them may show a source by its file stem ("002_f67a801f5426b32f")."""

from __future__ import annotations

import re
import time
from collections.abc import Callable
from itertools import pairwise
from typing import Any

import pytest

from rag import NewsRAG, Settings
from tests.browser.conftest import (
    STEM,
    assert_no_file_stem,
    screenshot,
    seen_status,
    watch_status,
)
from tests.conftest import MODEL_DIR, SEEDS

pytestmark = pytest.mark.integration

Serve = Callable[[NewsRAG], str]
PageFor = Callable[..., Any]

SUMMARY_S = 300  # an overview took 117-148 s under load (issue 16); idle, about 30 s
DONE = ".answer-text, .abstain, .error"

# Every 100 ms, the first answer bubble as the reader sees it, until its final form is shown.
SAMPLER = """() => {
  window.__samples = [];
  const t0 = performance.now();
  window.__sampler = setInterval(() => {
    const bot = document.querySelector('#chat .msg.bot');
    if (!bot) return;
    const text = sel => (bot.querySelector(sel) || {}).textContent || '';
    window.__samples.push({t: performance.now() - t0, text: bot.innerText, draft: text('.draft'),
                           status: text('.status'), done: !!bot.querySelector('%s')});
  }, 100);
}""".replace("%s", DONE)


@pytest.fixture(scope="module")
def real_news(tmp_path_factory: pytest.TempPathFactory) -> NewsRAG:
    """One store for the module: ingesting and loading the LLM once saves minutes on 2 cores."""
    news = NewsRAG(Settings(data_dir=tmp_path_factory.mktemp("real"), model_dir=MODEL_DIR))
    assert len(news.ingest([SEEDS]).added) == 5
    return news


def send(page: Any, message: str, turn: int = 1) -> Any:
    """Type a message, press Enter, wait until turn `turn` shows its final form."""
    page.fill("#question textarea", message)
    page.press("#question textarea", "Enter")
    bot = page.locator("#chat .msg.bot").nth(turn - 1)
    bot.locator(DONE).first.wait_for(timeout=SUMMARY_S * 1000)
    page.wait_for_function("() => document.querySelectorAll('#chat .msg.bot .status').length === 0")
    return bot


def test_the_stem_pattern_catches_the_bundled_file_names() -> None:
    """The check below can fail: every bundled file's stem matches it."""
    stems = [p.stem for p in SEEDS.glob("*.txt")]
    assert len(stems) == 5 and all(STEM.fullmatch(s) for s in stems), stems


def test_topic_summary_in_chat_and_a_topic_nothing_covers(
    real_news: NewsRAG, serve: Serve, page_for: PageFor
) -> None:
    page = page_for(serve(real_news))
    t0 = time.monotonic()
    answer = send(page, "what do the articles say about the Ukraine war?")
    took = time.monotonic() - t0
    assert answer.locator(".abstain, .error").count() == 0, answer.inner_text()
    text = answer.locator(".answer-text").inner_text()
    print(f"\ntopic summary in chat ({took:.0f} s): {text}")
    assert "ukrain" in text.lower(), text
    assert answer.locator(".answer-text button.cite").count() >= 1, text
    # The note says which passages it read: those on the topic, not the whole overview.
    assert "on the Ukraine war" in answer.locator(".note").inner_text()
    quotes = answer.locator(".cites .quote").all_text_contents()
    assert quotes and any("ukrain" in q.lower() for q in quotes), quotes
    answer.locator(".answer-text button.cite").first.click()
    page.wait_for_selector("#viewer mark")
    screenshot(page, "desktop-topic-summary-real")

    nothing = send(page, "summarise what the articles say about the World Cup final", turn=2)
    assert nothing.locator(".abstain").inner_text() == (
        "The articles say nothing about the World Cup final."
    )
    assert nothing.locator(".answer-text, button.cite, .error").count() == 0
    assert nothing.locator(".note").count() == 0  # the reason is said once, in the fold
    fold = nothing.locator("details.why")
    fold.locator("summary").click()
    assert "No passage of the 5 articles in scope is about the World Cup final" in (
        fold.inner_text()
    )
    assert_no_file_stem(page)
    assert page.offsite == []


def test_overview_button_streams_then_cites(
    real_news: NewsRAG, serve: Serve, page_for: PageFor
) -> None:
    page = page_for(serve(real_news))
    page.evaluate(SAMPLER)
    page.click("#summary-overview")
    answer = page.locator("#chat .msg.bot").first
    answer.locator(DONE).first.wait_for(timeout=SUMMARY_S * 1000)
    # The sampler ticks every 100 ms: let it record the finished state before it is stopped.
    page.wait_for_function("() => window.__samples.some(s => s.done)", timeout=5000)
    samples = page.evaluate("() => { clearInterval(window.__sampler); return window.__samples; }")
    assert page.locator("#chat .msg.user p").first.inner_text() == "Overview of all 5 articles"
    assert answer.locator(".abstain, .error").count() == 0, answer.inner_text()
    assert answer.locator(".answer-text button.cite").count() >= 2
    assert "Covers all 5 articles" in answer.locator(".note").inner_text()

    before = [s for s in samples if not s["done"]]
    end = next(s["t"] for s in samples if s["done"])
    drafts = [s for s in before if s["draft"].strip()]
    first = drafts[0]["t"] if drafts else None
    print(
        f"\noverview: {len(before)} samples before the end at {end / 1000:.1f} s; first draft "
        f"text at {first / 1000 if first else float('nan'):.1f} s; statuses "
        f"{sorted({s['status'] for s in before})}"
    )
    assert len(before) >= 2, samples
    assert any(s["status"].strip() for s in before), "no progress line before the end"
    # The reader sees the model's words arrive while it writes, not all at once at the end.
    assert len(drafts) >= 2, "no draft text streamed before the end"
    lengths = [len(s["text"]) for s in drafts]
    assert lengths[-1] > lengths[0], lengths
    assert len({s["draft"] for s in drafts}) >= 2, "the draft never grew"
    assert all(a["draft"] in b["draft"] for a, b in pairwise(drafts))
    screenshot(page, "desktop-overview-real")
    assert_no_file_stem(page)


def test_a_summary_request_in_new_words_is_answered_as_a_summary(
    real_news: NewsRAG, serve: Serve, page_for: PageFor
) -> None:
    page = page_for(serve(real_news))
    answer = send(page, "could u give me the short version of all this")
    assert answer.locator(".abstain, .error").count() == 0, answer.inner_text()
    # An overview of every article (its note says so), not a one-fact answer.
    assert "Covers all 5 articles" in answer.locator(".note").inner_text()
    assert answer.locator(".answer-text button.cite").count() >= 2
    aids = answer.locator(".cites button.cite").evaluate_all("bs => bs.map(b => b.dataset.aid)")
    assert len(set(aids)) >= 2, "a summary of one article, not of the coverage"
    assert_no_file_stem(page)


def test_progress_line_shows_until_the_overview_streams_and_in_chat(
    real_news: NewsRAG, serve: Serve, page_for: PageFor
) -> None:
    """Issue 16: a progress line while the stories are grouped, then the sentences stream; the
    same for a summary asked in chat. The line names the step and counts the seconds."""
    page = page_for(serve(real_news))
    watch_status(page)
    page.click("#summary-overview")
    answer = page.locator("#chat .msg.bot").first
    answer.locator(DONE).first.wait_for(timeout=SUMMARY_S * 1000)
    assert answer.locator(".abstain, .error").count() == 0, answer.inner_text()
    seen = seen_status(page)
    texts = [s["text"] for s in seen]
    first_draft = next((s["t"] for s in seen if s["draft"].strip()), None)
    print(f"\noverview progress lines ({len(seen)}; first draft at {first_draft} ms): {texts}")
    before = [s["text"] for s in seen if not s["draft"].strip()]
    # Before the model writes: the steps that read and group the articles, by name.
    assert any(
        t.startswith(("Reading the articles (step", "Grouping the articles into stories"))
        for t in before
    ), texts
    # While it writes: which sentence, never the Q&A line.
    assert any(re.match(r"Writing sentence 1 of \d+…", t) for t in texts), texts
    assert not any(t.startswith("Writing… each sentence") for t in texts), texts
    # A quiet step still moves: the seconds count up (an overview takes 30 s or more here).
    seconds = {int(m.group(1)) for t in texts if (m := re.search(r"… (\d+) s$", t))}
    assert len(seconds) >= 3, texts
    assert page.locator("#chat .msg.bot .status").count() == 0

    page.evaluate("() => { window.__statuses = []; }")
    topic = send(page, "what do the articles say about the Ukraine war?", turn=2)
    assert topic.locator(".error").count() == 0, topic.inner_text()
    chat = [s["text"] for s in seen_status(page)]
    print(f"topic summary progress lines: {chat}")
    assert any(t.startswith("Finding the passages on the topic") for t in chat), chat
    assert_no_file_stem(page)


def test_a_summary_in_bullets_as_asked_renders_as_a_list(
    real_news: NewsRAG, serve: Serve, page_for: PageFor
) -> None:
    page = page_for(serve(real_news))
    answer = send(page, "quick recap of the coverage pls, 3 bullets")
    assert answer.locator(".abstain, .error").count() == 0, answer.inner_text()
    items = answer.locator(".answer-text li")
    assert 1 <= items.count() <= 3, answer.inner_text()
    assert answer.locator(".answer-text li button.cite").count() >= items.count()
    assert f"{items.count()} bullet point" in answer.locator(".note").inner_text()
    assert_no_file_stem(page)
