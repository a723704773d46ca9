"""Article, file-name and question text is data: script and markup in it must stay inert."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from rag import NewsRAG
from tests.browser.conftest import fake_settings, screenshot
from tests.browser.test_chat_page import ask

SCRIPT = "<script>window.__xss=1</script>"
IMG = '<img src=x onerror="window.__xss=2">'
TEMPLATES = "${window.__xss=3} {{constructor.constructor('window.__xss=4')()}}"

TXT = f"""Glorbo bridge vote {SCRIPT} {IMG} tonight

Glorbo Herald

The Glorbo council met on Monday to approve the new river bridge. {SCRIPT}
Councillor Mira Quell {IMG} said the Glorbo bridge will open in May. {TEMPLATES}
Builders expect the Glorbo bridge to carry 9,000 cars a day.
"""

HTML = f"""<!doctype html><html><head>
<title>Quell &lt;img src=x onerror="window.__xss=2"&gt; interview
&lt;script&gt;window.__xss=1&lt;/script&gt;</title>
<script>window.__xss=1</script></head><body><article>
<h1>Quell &lt;img src=x onerror="window.__xss=2"&gt; interview</h1>
<p>The Zibbet harbour reopened on Tuesday after repairs &lt;script&gt;window.__xss=1&lt;/script&gt;
costing 3 million zorbs.</p>
<p>Harbour master Teodor Pank {IMG} said the Zibbet harbour now takes ships of any size.</p>
<p>Pank added that {TEMPLATES} the Zibbet quay was rebuilt in stone.</p>
</article></body></html>
"""

INERT = """() => {
  const zones = '#chat, #viewer, #sources, #upload-report, #scope-note';
  const live = document.querySelectorAll(
    ['img', 'script', 'iframe', '[onerror]', '[onload]'].map(t => zones.split(', ').map(
      z => z + ' ' + t).join(', ')).join(', '));
  return {xss: window.__xss, live: live.length};
}"""


def assert_inert(page: Any) -> None:
    page.wait_for_timeout(300)  # an onerror would fire on the failed image load
    state = page.evaluate(INERT)
    assert state == {"xss": None, "live": 0}, state


def test_payloads_in_articles_files_and_questions_stay_inert(
    tmp_path: Path, serve: Callable[[NewsRAG], str], page_for: Callable[..., Any]
) -> None:
    news = NewsRAG(fake_settings(tmp_path / "store"))
    txt = tmp_path / "glorbo.txt"
    txt.write_text(TXT)
    assert news.ingest([txt]).added
    page = page_for(serve(news))
    page.evaluate("() => { window.__xss = undefined; }")

    # the HTML capture arrives by upload, under a hostile file name
    page.set_input_files(
        "#upload input[type=file]",
        [{"name": f"{IMG}.html", "mimeType": "text/html", "buffer": HTML.encode()}],
    )
    page.locator("#upload-report li").first.wait_for(timeout=60_000)
    assert "added" in page.locator("#upload-report").inner_text()
    page.wait_for_function("() => document.querySelectorAll('#sources .src').length === 2")
    titles = page.locator("#sources .src-title").all_inner_texts()
    assert any(SCRIPT in t for t in titles), titles  # shown as text, not run
    assert_inert(page)

    # sources -> viewer, for both articles
    for button in page.locator("#sources button[data-action=view]").all():
        button.click()
        page.wait_for_timeout(300)
        assert_inert(page)
    assert "window.__xss" in page.locator("#viewer .v-text").inner_text()

    # a cited answer quoting a passage with a payload, then the viewer on that citation
    answer = ask(page, "What did Councillor Mira Quell say about the Glorbo bridge?")
    assert answer.locator("button.cite").count() >= 1
    assert_inert(page)
    answer.locator("button.cite").first.click()
    page.wait_for_selector("#viewer mark")
    assert "Quell" in page.locator("#viewer mark").inner_text()
    assert_inert(page)

    answer = ask(page, "What did harbour master Teodor Pank say about the Zibbet harbour?", 2)
    answer.locator("button.cite").first.click()
    page.wait_for_selector("#viewer mark:has-text('Pank')")
    assert_inert(page)

    # a question carrying payloads is echoed as text
    question = f"{IMG} {SCRIPT} {TEMPLATES} Glorbo bridge?"
    ask(page, question, turn=3)
    assert page.locator("#chat .msg.user p").nth(2).inner_text() == question
    assert_inert(page)
    screenshot(page, "desktop-xss")
    assert page.offsite == []
