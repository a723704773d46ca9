"""The chat page in real headless Chromium (Debian's build, driven by Playwright).

Each test serves its own page on a free loopback port, over its own store, and closes it after.
Chromium runs with flags that keep it off the network; Playwright's own browser download cannot
work here, so `/usr/bin/chromium` is required (`make browser-deps`). Without it the tests skip,
except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import re
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from rag import NewsRAG, Settings
from rag.config import settings_for
from tests.aio import close_page
from tests.conftest import ROOT

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = ROOT / "test-artifacts"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: run `make browser-deps` (apt-get install chromium)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"{reason}; browser tests may not skip in CI")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def fake_settings(tmp: Path, **overrides: object) -> Settings:
    return settings_for("fake", data_dir=tmp, **overrides)


@pytest.fixture
def serve() -> Iterator[Callable[[NewsRAG], str]]:
    """serve(news) -> URL of the chat page over `news`; every page is closed after the test."""
    import app

    running: list[Any] = []

    def start(news: NewsRAG) -> str:
        port = free_port()
        blocks = app.build(news)
        options = app.launch_options(news.settings)
        options.update(server_port=port, prevent_thread_lock=True, quiet=True)
        assert options["server_name"] == "127.0.0.1"  # loopback unless the user says otherwise
        blocks.launch(**options)
        running.append(blocks)
        return f"http://127.0.0.1:{port}/"

    yield start
    for blocks in running:
        close_page(blocks)



@pytest.fixture
def page_for(browser: Any, request: pytest.FixtureRequest) -> Iterator[Callable[..., Any]]:
    """page_for(url, viewport) -> a fresh Playwright page, with every request to a host other
    than loopback recorded in `page.offsite` (the page must work offline)."""
    contexts: list[Any] = []

    def open_page(url: str, viewport: dict[str, int] | None = None) -> Any:
        context = browser.new_context(viewport=viewport or DESKTOP)
        contexts.append(context)
        page = context.new_page()
        page.offsite = []

        def check(route: Any) -> None:
            host = route.request.url.split("/")[2].split(":")[0]
            if route.request.url.startswith(("data:", "blob:")) or host in ("127.0.0.1", ""):
                route.continue_()
            else:
                page.offsite.append(route.request.url)
                route.abort()

        page.route("**/*", check)
        page.on("dialog", lambda d: d.accept())
        page.goto(url)
        page.wait_for_selector("#sources .src, #sources .empty", timeout=30_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def screenshot(page: Any, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=False)
    return path


STEM = re.compile(r"\b\d{3}_[0-9a-f]{8,}\b")  # the bundled files' names: "002_f67a801f5426b32f"

# What a reader can see, plus what the folds and the attributes hold: message text, the sources
# panel, the viewer, citation tooltips, "Why no answer?" folds (opened first).
PAGE_TEXT = """() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const parts = [document.body.innerText];
  for (const sel of ['#chat', '#sources', '#viewer']) {
    const root = document.querySelector(sel);
    if (!root) continue;
    parts.push(root.textContent);
    root.querySelectorAll('[title], [aria-label], [data-title]').forEach(el => {
      for (const a of ['title', 'aria-label', 'data-title']) parts.push(el.getAttribute(a) || '');
    });
  }
  return parts.join('\\n');
}"""


def assert_no_file_stem(page: Any) -> None:
    """No file stem anywhere on the page: messages, sources, viewer, folds, tooltips."""
    text = page.evaluate(PAGE_TEXT)
    assert "Putin" in text  # the page was read, not an empty string
    found = sorted(set(STEM.findall(text)))
    assert not found, f"file stems shown as source labels: {found}"


# Every progress line the chat shows, in order, as the DOM changes: a 100 ms sampler can miss a
# step that lasts less, an observer sees every redraw the browser makes.
WATCH_STATUS = """() => {
  window.__statuses = [];
  const t0 = performance.now();
  const record = () => {
    for (const el of document.querySelectorAll('#chat .msg.bot .status')) {
      const last = window.__statuses[window.__statuses.length - 1];
      if (!last || last.text !== el.textContent) {
        const draft = (el.parentElement.querySelector('.draft') || {}).textContent || '';
        window.__statuses.push({t: performance.now() - t0, text: el.textContent, draft});
      }
    }
  };
  new MutationObserver(record).observe(document.body,
    {subtree: true, childList: true, characterData: true});
}"""


def watch_status(page: Any) -> None:
    page.evaluate(WATCH_STATUS)


def seen_status(page: Any) -> list[dict[str, Any]]:
    """[{t: ms since watch_status, text: the progress line, draft: the text streamed so far}]"""
    return list(page.evaluate("() => window.__statuses"))
