"""Assertions shared by several test modules."""

from __future__ import annotations

from collections.abc import Iterable

from rag import NewsRAG
from rag.schema import Citation


def assert_quotes_exact(news: NewsRAG, citations: Iterable[Citation]) -> None:
    """Every citation quotes its article to the character, at the offsets it gives: the promise
    every answer and summary makes, whatever wrote it."""
    for c in citations:
        article = news.article(c.article_id)
        assert article is not None and article.text[c.start : c.end] == c.quote, c
