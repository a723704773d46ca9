"""Assertions shared by several test modules."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from rag import NewsRAG
from rag.schema import Citation


def assert_quotes_exact(news: NewsRAG, citations: Iterable[Citation]) -> None:
    """Every citation quotes its article to the character, at the offsets it gives: the promise
    every answer and summary makes, whatever wrote it."""
    for c in citations:
        article = news.article(c.article_id)
        assert article is not None and article.text[c.start : c.end] == c.quote, c


ROOT = Path(__file__).resolve().parents[1]


def outputs_under_hash_seeds(body: str, stdin: str = "") -> set[str]:
    """What `body` (Python code) prints in fresh processes under PYTHONHASHSEED 1, 2 and 3: one
    output when nothing depends on set iteration order. `rag` is entered as a bare package so
    that only the modules the code imports load, not the whole library."""
    prelude = (
        "import sys, types; pkg = types.ModuleType('rag'); pkg.__path__ = [sys.argv[1]];"
        "sys.modules['rag'] = pkg; sys.path.insert(0, sys.argv[2]);"
    )
    return {
        subprocess.run(
            [sys.executable, "-c", prelude + body, str(ROOT / "rag"), str(ROOT)],
            input=stdin,
            capture_output=True,
            text=True,
            check=True,
            env={**os.environ, "PYTHONHASHSEED": seed},
        ).stdout
        for seed in ("1", "2", "3")
    }
