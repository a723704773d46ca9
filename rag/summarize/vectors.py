"""Sentence vectors kept between summaries, and filled ahead of the first one.

Every summary embeds its whole sentence pool (~900 sentences for a week of news, ~5 s on 2
cores) before the model writes a word, and the next summary of the same articles embeds the same
sentences again. The vectors are kept here, by sentence text, so they are computed once; and
`NewsRAG.prepare_summaries` fills them in the background (at page start and after an upload), so
the first overview does not wait for them either. The vectors are the embedder's own: with the
int8 ONNX embedder (one text per run) a summary reads exactly what it would have computed; a
batching embedder (sentence-transformers pads a batch) can differ at rounding level.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.embed import DIM, embed_matrix

# ~2.5 KB a vector with its sentence as key and the dict entry: ~50 MB at most. A pool holds at
# most a few thousand sentences (rag.summarize.pool), so this holds the pools of many scopes.
MAX_VECTORS = 20_000
# warm() embeds this many at a time: the embedder serves its callers in turn, so a question's
# own embedding waits for one piece (~0.3 s on 2 cores), never for a whole week's sentences.
WARM_PIECE = 48


class VectorCache(Embeddings):
    """`embeddings` with a bounded memory of the texts it has embedded (least recently used
    dropped first). Thread-safe: the page prepares in the background while requests run, and a
    text another thread is embedding is waited for, not embedded twice."""

    def __init__(self, embeddings: Embeddings, limit: int = MAX_VECTORS) -> None:
        self.inner = embeddings
        self.limit = limit
        self._vecs: OrderedDict[str, np.ndarray] = OrderedDict()
        self._pending: dict[str, threading.Event] = {}
        self._lock = threading.Lock()

    @property
    def size(self) -> int:
        return len(self._vecs)

    def embed_array(self, texts: list[str]) -> np.ndarray:
        """Vectors as the inner embedder gives them (rag.embed.embed_matrix), one row per text;
        only the texts not seen before are embedded, each once."""
        unique = list(dict.fromkeys(texts))
        known: dict[str, np.ndarray] = {}
        waits: dict[str, threading.Event] = {}
        mine: list[str] = []
        done = threading.Event()
        with self._lock:
            for t in unique:
                if t in self._vecs:
                    self._vecs.move_to_end(t)
                    known[t] = self._vecs[t]
                elif t in self._pending:
                    waits[t] = self._pending[t]
                else:
                    self._pending[t] = done
                    mine.append(t)
        try:
            if mine:
                new = embed_matrix(self.inner, mine, normalize=False)
                with self._lock:
                    for t, vec in zip(mine, new, strict=True):
                        # A copy: a row view would keep its whole batch's array alive.
                        known[t] = self._vecs[t] = vec.copy()
                    while len(self._vecs) > self.limit:
                        self._vecs.popitem(last=False)
        finally:
            with self._lock:
                for t in mine:
                    self._pending.pop(t, None)
            done.set()
        for t, event in waits.items():
            event.wait()
            with self._lock:
                vec = self._vecs.get(t)
            # Gone already (the other call failed, or the limit evicted it): embed it here.
            known[t] = vec if vec is not None else embed_matrix(self.inner, [t], normalize=False)[0]
        if not texts:
            return np.zeros((0, DIM), dtype=np.float32)
        return np.vstack([known[t] for t in texts]).astype(np.float32)

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.embed_array(list(texts)).tolist()

    def embed_query(self, text: str) -> list[float]:
        return self.inner.embed_query(text)  # questions and topics: new text each time

    def warm(self, texts: Sequence[str]) -> int:
        """Embed `texts` ahead of need, a piece at a time; returns how many were new."""
        with self._lock:
            todo = [t for t in dict.fromkeys(texts) if t not in self._vecs]
        for k in range(0, len(todo), WARM_PIECE):
            self.embed_array(todo[k : k + WARM_PIECE])
        return len(todo)
