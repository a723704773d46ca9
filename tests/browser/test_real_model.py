"""One question end to end with the real embedder and the real embedded LLM (slow: 2 cores)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from rag import NewsRAG, Settings
from tests.browser.conftest import screenshot
from tests.conftest import MODEL_DIR, SEEDS

pytestmark = pytest.mark.integration


def test_real_model_answers_with_a_citation(
    tmp_path: Path, serve: Callable[[NewsRAG], str], page_for: Callable[..., Any]
) -> None:
    news = NewsRAG(Settings(data_dir=tmp_path / "real", model_dir=MODEL_DIR))
    assert len(news.ingest([SEEDS]).added) == 5
    page = page_for(serve(news))
    page.fill("#question textarea", "Who greeted Putin at the plane?")
    page.press("#question textarea", "Enter")
    answer = page.locator("#chat .msg.bot").first
    answer.locator(".answer-text, .abstain, .error").first.wait_for(timeout=150_000)
    text = answer.locator(".answer-text").inner_text()
    assert "Kim Jong Un" in text, text
    marker = answer.locator(".answer-text button.cite").first
    assert marker.count() == 1
    marker.click()
    page.wait_for_selector("#viewer mark")
    screenshot(page, "desktop-real-model")
