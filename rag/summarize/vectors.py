"""Sentence vectors kept between summaries, and filled ahead of the first one.

Every summary embeds its whole sentence pool (~900 sentences for a week of news, ~5 s on 2
cores) before the model writes a word, and the next summary of the same articles embeds the same
sentences again. The vectors are kept here, by sentence text, so they are computed once; and
`NewsRAG.prepare_summaries` fills them in the background (at page start and after an upload), so
the first overview does not wait for them either. The vectors are the embedder's own: a summary
reads exactly what it would have computed.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.embed import DIM, embed_matrix

# ~1.6 KB a vector with its key: ~30 MB at most. A pool is capped at ~900 sentences whatever the
# store's size (rag.summarize.pool), so this holds the pools of many scopes and topics.
MAX_VECTORS = 20_000


class VectorCache(Embeddings):
    """`embeddings` with a bounded memory of the texts it has embedded (least recently used
    dropped first). Thread-safe: the page prepares in the background while requests run."""

    def __init__(self, embeddings: Embeddings, limit: int = MAX_VECTORS) -> None:
        self.inner = embeddings
        self.limit = limit
        self._vecs: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self._vecs)

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Vectors as the inner embedder gives them (rag.embed.embed_matrix), one row per text;
        only the texts not seen before are embedded, each once."""
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        with self._lock:
            known = {t: self._vecs[t] for t in dict.fromkeys(texts) if t in self._vecs}
            for t in known:
                self._vecs.move_to_end(t)
        missing = [t for t in dict.fromkeys(texts) if t not in known]
        if missing:
            new = embed_matrix(self.inner, missing, normalize=False)
            with self._lock:
                for t, vec in zip(missing, new, strict=True):
                    known[t] = self._vecs[t] = vec
                while len(self._vecs) > self.limit:
                    self._vecs.popitem(last=False)
        return np.vstack([known[t] for t in texts]).astype(np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)  # questions and topics: new text each time

    def warm(self, texts: Sequence[str]) -> int:
        """Embed `texts` ahead of need; returns how many were new."""
        with self._lock:
            new = sum(t not in self._vecs for t in set(texts))
        self.embed_array(list(texts))
        return new
