"""Asking, citing, scoping, removing and uploading, as a user does it in the browser."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rag import NewsRAG
from tests.browser.conftest import (
    PHONE,
    assert_no_file_stem,
    fake_settings,
    screenshot,
    seen_status,
    watch_status,
)
from tests.conftest import SEEDS

Serve = Callable[[NewsRAG], str]
PageFor = Callable[..., Any]


@pytest.fixture
def seeded(tmp_path: Path) -> NewsRAG:
    news = NewsRAG(fake_settings(tmp_path / "store"))
    assert len(news.ingest([SEEDS]).added) == 5
    return news


def ask(page: Any, question: str, turn: int = 1) -> Any:
    """Type a question, press Enter, wait for the verified answer of turn `turn`."""
    page.fill("#question textarea", question)
    page.press("#question textarea", "Enter")
    bots = page.locator("#chat .msg.bot")
    bots.nth(turn - 1).locator(".answer-text, .abstain, .error").first.wait_for(timeout=60_000)
    page.wait_for_function(
        "n => document.querySelectorAll('#chat .msg.bot .status').length === 0", arg=turn
    )
    return bots.nth(turn - 1)


def test_answer_cites_and_marker_opens_the_passage(
    seeded: NewsRAG, serve: Serve, page_for: PageFor
) -> None:
    page = page_for(serve(seeded))
    assert page.locator("#sources .src").count() == 5
    screenshot(page, "desktop-first-start")
    answer = ask(page, "Who greeted Putin at the plane ramp in Pyongyang?")
    marker = answer.locator(".answer-text button.cite").first
    assert marker.inner_text() == "1"
    assert answer.locator(".cites li").count() >= 1
    marker.click()
    mark = page.locator("#viewer mark#cited-passage")
    mark.wait_for(timeout=10_000)
    c = next(
        c
        for c in seeded.ask("Who greeted Putin at the plane ramp in Pyongyang?").citations
        if c.n == 1
    )
    assert " ".join(mark.inner_text().split()) == " ".join(c.quote.split())
    assert page.locator("#viewer h3").inner_text() == c.title
    page.wait_for_timeout(600)  # the smooth scroll
    assert mark.is_visible()
    box = page.locator("#viewer .v-text").bounding_box()
    spot = mark.bounding_box()
    assert box and spot and box["y"] <= spot["y"] <= box["y"] + box["height"]
    screenshot(page, "desktop-answer")
    assert page.offsite == []


def test_follow_up_clear_and_keyboard(seeded: NewsRAG, serve: Serve, page_for: PageFor) -> None:
    page = page_for(serve(seeded))
    ask(page, "Who greeted Putin at the plane ramp in Pyongyang?")
    second = ask(page, "When did he arrive?", turn=2)
    assert second.locator("button.cite, .abstain").count() >= 1
    assert page.locator("#chat .msg.user").count() == 2
    page.locator("#question textarea").focus()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id || document.activeElement.textContent") in (
        "ask",
        "Ask",
    )
    outline = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert outline not in ("none", ""), "focused button shows no outline"
    page.click("#clear")
    page.wait_for_selector("#chat .empty")
    assert page.locator("#chat .msg").count() == 0
    too_long = "why " * 600
    error = ask(page, too_long).locator(".error")
    assert "limit is 2,000" in error.inner_text()
    assert page.locator("#question textarea").input_value() == too_long.strip()


def test_scope_to_selected_articles_and_remove(
    seeded: NewsRAG, serve: Serve, page_for: PageFor
) -> None:
    page = page_for(serve(seeded))
    articles = seeded.articles()
    chosen = articles[0]
    page.locator(f'#sources input.scope[data-aid="{chosen.id}"]').check()
    page.wait_for_selector("#scope-note:has-text('Asking 1 selected article')")
    answer = ask(page, "What did Putin do?")
    aids = answer.locator("button.cite").evaluate_all("bs => bs.map(b => b.dataset.aid)")
    assert aids and set(aids) == {chosen.id}
    page.locator("#sources button[data-action=all]").click()
    page.wait_for_selector("#scope-note:has-text('Asking all 5 articles')")

    gone = articles[1]
    page.locator(f'#sources button[data-action=remove][data-aid="{gone.id}"]').click()
    page.wait_for_function("() => document.querySelectorAll('#sources .src').length === 4")
    assert seeded.article(gone.id) is None

    page.locator(f'#sources button[data-action=view][data-aid="{chosen.id}"]').click()
    page.wait_for_selector("#viewer h3")
    assert page.locator("#viewer h3").inner_text() == chosen.title


def test_upload_reports_each_file_and_the_new_article_is_cited(
    seeded: NewsRAG, serve: Serve, page_for: PageFor, tmp_path: Path
) -> None:
    page = page_for(serve(seeded))
    story = (
        "Zorblat Festival Opens In Quexton\n\nQuexton Gazette\n\n"
        "The annual Zorblat festival opened in Quexton on Saturday with 4,000 visitors. "
        "Mayor Ilse Vantongeren cut the ribbon at the harbour gate. "
        "Organisers said the Zorblat parade will run for three days."
    )
    dup = (SEEDS / sorted(p.name for p in SEEDS.iterdir())[0]).read_bytes()
    page.set_input_files(
        "#upload input[type=file]",
        [
            {"name": "../../zorblat.txt", "mimeType": "text/plain", "buffer": story.encode()},
            {"name": "copy.txt", "mimeType": "text/plain", "buffer": dup},
            {"name": "notes.pdf", "mimeType": "application/pdf", "buffer": b"%PDF-1.4"},
            {"name": "empty.txt", "mimeType": "text/plain", "buffer": b"   "},
        ],
    )
    report = page.locator("#upload-report .upload-report")
    report.wait_for(timeout=60_000)
    rows = {
        li.locator(".up-name").inner_text(): (
            li.locator(".up-status").inner_text(),
            li.locator(".up-detail").inner_text(),
        )
        for li in report.locator("li").all()
    }
    assert rows["zorblat.txt"][0] == "added" and "Zorblat" in rows["zorblat.txt"][1]
    assert rows["copy.txt"][0] in ("duplicate", "unchanged")
    assert rows["notes.pdf"][0] == "rejected" and "pdf" in rows["notes.pdf"][1].lower()
    assert rows["empty.txt"][0] == "rejected"
    assert not list(seeded.settings.data_dir.glob("**/zorblat.txt")), "staged copy left behind"
    assert not (seeded.settings.data_dir.parent / "zorblat.txt").exists()
    page.wait_for_selector("#sources .src-title:has-text('Zorblat Festival')")
    screenshot(page, "desktop-upload-report")
    assert page.locator("#sources .src").count() == 6
    answer = ask(page, "Who cut the ribbon?")
    assert "Vantongeren" in answer.locator(".answer-text").inner_text()
    answer.locator("button.cite").first.click()
    page.wait_for_selector("#viewer h3:has-text('Zorblat Festival')")
    assert "Vantongeren" in page.locator("#viewer mark").inner_text()


def test_upload_size_limit_is_enforced_on_the_server(
    tmp_path: Path, serve: Serve, page_for: PageFor
) -> None:
    from ui.page import Page

    news = NewsRAG(fake_settings(tmp_path / "store", server__max_upload_mb=0.001))
    big = tmp_path / "big.txt"
    big.write_text("Big story\n\n" + "The council met again today. " * 200)
    small = tmp_path / "small.txt"
    small.write_text("Small story\n\nThe council met today in the town hall about roads.")
    html, *_ = Page(news).on_upload([str(big), str(small)], [], [])
    assert "big.txt" in html and "larger than 0.001 MB" in html
    assert "small.txt" in html and "added" in html
    assert len(news.articles()) == 1
    # the browser side: Gradio refuses the same file before it reaches the handler
    page = page_for(serve(news))
    page.set_input_files("#upload input[type=file]", str(big))
    page.wait_for_timeout(1500)
    assert len(news.articles()) == 1


def test_lenient_mode_marks_unsupported_sentences(
    tmp_path: Path, serve: Serve, page_for: PageFor
) -> None:
    from rag.llm import FakeChat

    reply = (
        "Kim Jong Un greeted Putin at the airport [1]. "
        "Putin also flew to the Moon on a purple dragon [1]."
    )
    news = NewsRAG(fake_settings(tmp_path / "store"), chat_model=FakeChat(responses=[reply]))
    news.ingest([SEEDS])
    page = page_for(serve(news))
    page.locator("#settings").click()
    page.get_by_label("Lenient: keep them, marked").check()
    answer = ask(page, "Who greeted Putin at the plane ramp in Pyongyang?")
    flagged = answer.locator(".unsupported")
    assert flagged.count() == 1 and "dragon" in flagged.inner_text()
    assert "not supported" in flagged.locator(".flag").inner_text()
    screenshot(page, "desktop-lenient")
    page.get_by_label("Strict: drop unsupported sentences").check()
    strict = ask(page, "Who greeted Putin at the plane ramp in Pyongyang?", turn=2)
    assert "dragon" not in strict.inner_text()


def test_phone_layout(seeded: NewsRAG, serve: Serve, page_for: PageFor) -> None:
    page = page_for(serve(seeded), PHONE)
    screenshot(page, "phone-first-start")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"page scrolls sideways on a phone ({width}px)"
    answer = ask(page, "Who greeted Putin at the plane ramp in Pyongyang?")
    answer.locator("button.cite").first.click()
    page.wait_for_selector("#viewer mark")
    page.wait_for_timeout(800)
    assert page.locator("#viewer mark").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "phone-answer")


def test_summary_buttons_give_cited_summaries(
    seeded: NewsRAG, serve: Serve, page_for: PageFor
) -> None:
    if not hasattr(seeded, "summarize"):
        pytest.skip("this library has no NewsRAG.summarize yet: the page hides the buttons")
    page = page_for(serve(seeded))
    page.click("#summary-timeline")
    answer = page.locator("#chat .msg.bot").first
    answer.locator(".answer-text, .abstain, .error").first.wait_for(timeout=60_000)
    assert page.locator("#chat .msg.user p").first.inner_text() == "Timeline of all 5 articles"
    assert answer.locator(".error").count() == 0
    assert answer.locator(".answer-text li").count() >= 2  # "- " lines render as a list
    assert "**" not in answer.locator(".answer-text").inner_text()
    screenshot(page, "desktop-summary")
    answer.locator("button.cite").first.click()
    page.wait_for_selector("#viewer mark")
    page.click("#viewer button[data-action=summarize]")  # a guide to the article on view
    guide = page.locator("#chat .msg.bot").nth(1)
    guide.locator(".answer-text, .abstain, .error").first.wait_for(timeout=60_000)
    title = page.locator("#viewer h3").inner_text()
    assert page.locator("#chat .msg.user p").nth(1).inner_text() == f"Summary of “{title}”"
    assert guide.locator(".error").count() == 0 and guide.locator("button.cite").count() >= 1


def test_topic_summary_in_chat_cites_the_topic_and_no_file_stem(
    seeded: NewsRAG, serve: Serve, page_for: PageFor
) -> None:
    """The fast version of test_summaries_real's (fake vectors: a passage is on the topic by
    having its words)."""
    page = page_for(serve(seeded))
    answer = ask(page, "what do the articles say about the Ukraine war?")
    assert answer.locator(".abstain, .error").count() == 0, answer.inner_text()
    assert "on the Ukraine war" in answer.locator(".note").inner_text()
    quotes = answer.locator(".cites .quote").all_text_contents()
    assert quotes and all("ukraine" in q.lower() and "war" in q.lower() for q in quotes), quotes
    answer.locator(".answer-text button.cite").first.click()
    page.wait_for_selector("#viewer mark")
    nothing = ask(page, "summarise what the articles say about the World Cup final", turn=2)
    assert nothing.locator(".abstain").inner_text() == (
        "The articles say nothing about the World Cup final."
    )
    assert nothing.locator(".note").count() == 0  # said once, in the "Why no answer?" fold
    assert_no_file_stem(page)


def test_tabs_asking_at_once_all_get_answers(
    tmp_path: Path, serve: Serve, page_for: PageFor
) -> None:
    import time

    from rag.llm import FakeChat

    class SlowChat(FakeChat):
        def _stream(self, *args: Any, **kwargs: Any) -> Any:
            for chunk in super()._stream(*args, **kwargs):
                time.sleep(0.05)
                yield chunk

    news = NewsRAG(fake_settings(tmp_path / "store"), chat_model=SlowChat())
    news.ingest([SEEDS])
    url = serve(news)
    pages = [page_for(url) for _ in range(3)]
    for page in pages:
        page.fill("#question textarea", "Who greeted Putin at the plane ramp in Pyongyang?")
    for page in pages:
        page.press("#question textarea", "Enter")
    for page in pages:
        marker = page.locator("#chat .msg.bot .answer-text button.cite").first
        marker.wait_for(timeout=60_000)


def test_an_abstention_explains_itself_in_a_fold(
    tmp_path: Path, serve: Serve, page_for: PageFor
) -> None:
    from rag.llm import FakeChat

    chat = FakeChat(responses=["Elon <b>Musk</b> travelled with Putin [1]."])
    news = NewsRAG(fake_settings(tmp_path / "store"), chat_model=chat)
    news.ingest([SEEDS])
    page = page_for(serve(news))
    answer = ask(page, "Who travelled with Putin to North Korea?")
    assert answer.locator(".abstain").count() == 1
    fold = answer.locator("details.why")
    assert fold.locator("summary").inner_text() == "Why no answer?"
    fold.locator("summary").click()
    text = fold.inner_text()
    assert "no passage supports" in text and "Musk" in text
    assert "<b>Musk</b>" in text  # shown as text, never as markup
    assert fold.locator(".why-draft b").count() == 0
    assert fold.locator(".cites li").count() == 3
    screenshot(page, "desktop-why-no-answer")
    assert page.offsite == []


def test_overview_shows_its_progress_line_until_the_summary(
    tmp_path: Path, serve: Serve, page_for: PageFor
) -> None:
    """Fake vectors made slow (0.4 s a batch) and a slow fake model: the steps before the first
    token last long enough to be drawn, as the real embedder's and model's do."""
    import re
    import time

    from langchain_core.embeddings import Embeddings

    from rag.embed import build_embeddings
    from rag.llm import FakeChat

    class SlowEmbeddings(Embeddings):
        def __init__(self, inner: Embeddings) -> None:
            self.inner = inner

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            time.sleep(0.4)
            return self.inner.embed_documents(texts)

        def embed_query(self, text: str) -> list[float]:
            return self.inner.embed_query(text)

    class SlowChat(FakeChat):
        def _stream(self, *args: Any, **kwargs: Any) -> Any:
            for chunk in super()._stream(*args, **kwargs):
                time.sleep(0.05)
                yield chunk

    settings = fake_settings(tmp_path / "store")
    slow = SlowEmbeddings(build_embeddings(settings))
    news = NewsRAG(settings, embeddings=slow, chat_model=SlowChat())
    news.ingest([SEEDS])
    page = page_for(serve(news))
    watch_status(page)
    page.click("#summary-overview")
    answer = page.locator("#chat .msg.bot").first
    answer.locator(".answer-text, .abstain, .error").first.wait_for(timeout=60_000)
    assert answer.locator(".abstain, .error").count() == 0, answer.inner_text()
    seen = seen_status(page)
    texts = [s["text"] for s in seen]
    print("\nprogress lines:", texts)
    # The article-reading step, before any model text, then one line per sentence written.
    reading = [s for s in seen if s["text"].startswith("Reading the articles (step 1 of 3)…")]
    assert reading and not reading[0]["draft"], texts
    writing = [t for t in texts if re.match(r"Writing sentence 1 of \d+…", t)]
    assert writing, texts
    assert page.locator("#chat .msg.bot .status").count() == 0  # gone with the answer
