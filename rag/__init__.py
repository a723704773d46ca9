"""newsrag: multi-document news Q&A and summaries with verified citations, offline by default.

    from rag import NewsRAG
    news = NewsRAG()
    news.ingest(["articles/"])
    print(news.ask("Who travelled with Putin?").text)

Names are imported on first use, so `import rag.text` does not load Chroma, torch or llama.cpp.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rag.api import NewsRAG, ask
    from rag.config import Settings, settings_for
    from rag.filters import Filters
    from rag.schema import (
        NOT_FOUND,
        Answer,
        Article,
        Citation,
        Evidence,
        IngestReport,
        Timings,
        Token,
    )

_EXPORTS = {
    "NewsRAG": "rag.api",
    "ask": "rag.api",
    "Settings": "rag.config",
    "settings_for": "rag.config",
    "NOT_FOUND": "rag.schema",
    "Answer": "rag.schema",
    "Article": "rag.schema",
    "Citation": "rag.schema",
    "Evidence": "rag.schema",
    "IngestReport": "rag.schema",
    "Timings": "rag.schema",
    "Token": "rag.schema",
    "Filters": "rag.filters",
}
__all__ = [
    "NOT_FOUND",
    "Answer",
    "Article",
    "Citation",
    "Evidence",
    "Filters",
    "IngestReport",
    "NewsRAG",
    "Settings",
    "Timings",
    "Token",
    "ask",
    "settings_for",
]


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        return getattr(importlib.import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'rag' has no attribute {name!r}")
