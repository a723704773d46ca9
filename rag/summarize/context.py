"""The per-request context a summary kind runs in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.cite import CitationChecker
from rag.config import Settings
from rag.schema import Article
from rag.store import NewsStore
from rag.summarize.base import Progress, Writer
from rag.summarize.pool import unit


@dataclass
class Context:
    settings: Settings
    embeddings: Embeddings
    checker: CitationChecker
    writer: Writer
    store: NewsStore | None
    question: str
    t0: float
    progress: Progress | None = None

    def step(self, done: int, total: int, stage: str) -> None:
        if self.progress is not None:
            self.progress(done, total, stage)

    def article_vectors(self, articles: list[Article]) -> dict[str, np.ndarray]:
        """The stored article vectors (normalised mean of the article's chunk vectors), by id.
        Missing ones (an article record without a vector) are simply absent."""
        if self.store is None or not articles:
            return {}
        try:
            got = self.store.read_all(
                self.store.articles_col, ["embeddings"], [a.id for a in articles]
            )
        except Exception:  # a store without vectors: the caller falls back to sentence means
            return {}
        vectors = got.get("embeddings")
        if vectors is None:
            return {}
        out: dict[str, np.ndarray] = {}
        for aid, vec in zip(got["ids"], vectors, strict=False):
            if vec is not None and len(vec):
                out[aid] = unit(np.asarray([vec], dtype=np.float32))[0]
        return out
