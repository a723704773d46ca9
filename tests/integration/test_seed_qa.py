"""The real embedder and the real embedded LLM over the bundled articles."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from rag import NOT_FOUND, NewsRAG
from rag.config import Settings
from tests.conftest import MODEL_DIR, SEEDS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def news(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewsRAG]:
    root: Path = tmp_path_factory.mktemp("seedqa")
    settings = Settings(data_dir=root, model_dir=MODEL_DIR)
    rag = NewsRAG(settings)
    report = rag.ingest([SEEDS])
    assert len(report.added) == 5, report
    yield rag


def test_who_travelled_with_putin(news: NewsRAG) -> None:
    answer = news.ask("Who travelled with Putin to North Korea?")
    assert not answer.abstained, answer
    for name in ("Belousov", "Lavrov", "Novak"):
        assert name in answer.text, answer.text
        cited = [c for c in answer.citations if name in c.quote]
        assert cited, f"no citation quote contains {name}: {answer.citations}"
        assert any(f"[{c.n}]" in answer.text for c in cited)
    for c in answer.citations:
        article = news.article(c.article_id)
        assert article is not None and article.text[c.start : c.end] == c.quote


def test_gift_question_abstains(news: NewsRAG) -> None:
    answer = news.ask("What gift did Putin give Kim Jong Un?")
    assert answer.abstained and answer.text == NOT_FOUND, answer.text
    assert answer.citations == []


def test_greeting_at_the_plane(news: NewsRAG) -> None:
    answer = news.ask("Who greeted Putin at the plane?")
    assert "Kim Jong Un" in answer.text and "Kim Jong Il" not in answer.text, answer.text
    assert answer.citations and answer.timings.first_token_ms is not None


def test_an_unanswerable_which_question_abstains(news: NewsRAG) -> None:
    answer = news.ask("Which country did Putin visit right after North Korea?")
    assert answer.abstained and answer.citations == [], answer
