"""BM25 over the chunks in Chroma, kept on disk between runs.

The index is derived from Chroma, never edited on its own: it is rebuilt whenever the store's
generation token changes (every write, removal and repair sets a new one, in Chroma itself, so
another process's ingest is seen too). A build on 7,600 articles takes tens of seconds, so the
result is saved beside the store and a later process with the same generation loads it instead.
Saved as plain arrays (npz, no pickle): loading never runs code from the data folder.
"""

from __future__ import annotations

import math
import os
import tempfile
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag.text import STOPWORDS, words

_FORMAT = 1


def terms(text: str) -> list[str]:
    return [w for w in words(text) if w not in STOPWORDS]


class LexicalIndex:
    """Okapi BM25 over an inverted index; scoring touches only the postings of query terms."""

    def __init__(self, texts: list[str], k1: float = 1.5, b: float = 0.75) -> None:
        self.k1, self.b = k1, b
        self.n = len(texts)
        postings: dict[str, dict[int, int]] = defaultdict(dict)
        lengths = np.zeros(self.n, dtype=np.float32)
        for i, text in enumerate(texts):
            found = terms(text)
            lengths[i] = len(found)
            for t in found:
                postings[t][i] = postings[t].get(i, 0) + 1
        avg = float(lengths.mean()) if self.n else 1.0
        self.norm = k1 * (1 - b + b * lengths / (avg or 1.0))
        self.postings = {
            t: (
                np.fromiter(p.keys(), np.int32, len(p)),
                np.fromiter(p.values(), np.float32, len(p)),
            )
            for t, p in postings.items()
        }
        self._finish()

    def _finish(self) -> None:
        self.idf = {t: self._idf(len(docs)) for t, (docs, _) in self.postings.items()}
        self.rarest = max(self.idf.values(), default=1.0)

    def _idf(self, df: int) -> float:
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(self.n, dtype=np.float32)
        # Sorted: float32 addition is not associative, so summing terms in set order (which
        # varies with PYTHONHASHSEED) gave scores that differed in the last bit between runs.
        for t in sorted(set(terms(query))):
            if t not in self.postings:
                continue
            docs, tf = self.postings[t]
            out[docs] += self.idf[t] * tf * (self.k1 + 1) / (tf + self.norm[docs])
        return out

    def arrays(self) -> dict[str, np.ndarray]:
        names = sorted(self.postings)
        sizes = [len(self.postings[t][0]) for t in names]
        docs = [self.postings[t][0] for t in names] or [np.zeros(0, np.int32)]
        tfs = [self.postings[t][1] for t in names] or [np.zeros(0, np.float32)]
        return {
            "params": np.array([self.n, self.k1, self.b], dtype=np.float64),
            "norm": self.norm,
            "terms": np.array(names, dtype=str),
            "offsets": np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]),
            "docs": np.concatenate(docs),
            "tfs": np.concatenate(tfs),
        }

    @classmethod
    def from_arrays(cls, a: Any) -> LexicalIndex:
        self = cls.__new__(cls)
        n, self.k1, self.b = a["params"]
        self.n = int(n)
        self.norm = a["norm"]
        offsets, docs, tfs = a["offsets"], a["docs"], a["tfs"]
        self.postings = {
            str(t): (docs[offsets[i] : offsets[i + 1]], tfs[offsets[i] : offsets[i + 1]])
            for i, t in enumerate(a["terms"])
        }
        self._finish()
        return self


@dataclass(frozen=True)
class Catalog:
    """Per chunk, in index order: its id and what filters look at (not its text)."""

    ids: list[str]
    article_ids: list[str]
    outlets: list[str]
    days: np.ndarray  # published_day, 0 when unknown

    @classmethod
    def from_metas(cls, ids: list[str], metas: list[dict[str, Any]]) -> Catalog:
        return cls(
            list(ids),
            [str(m.get("article_id", "")) for m in metas],
            [str(m.get("outlet", "")) for m in metas],
            np.array([int(m.get("published_day") or 0) for m in metas], dtype=np.int64),
        )

    def meta(self, i: int) -> dict[str, Any]:
        return {
            "article_id": self.article_ids[i],
            "outlet": self.outlets[i],
            "published_day": int(self.days[i]),
        }


def save(path: Path, generation: str, index: LexicalIndex, catalog: Catalog) -> None:
    """Write atomically: a reader sees the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            arrays: dict[str, Any] = {
                "format": np.array([_FORMAT]),
                "generation": np.array([generation], dtype=str),
                "ids": np.array(catalog.ids, dtype=str),
                "article_ids": np.array(catalog.article_ids, dtype=str),
                "outlets": np.array(catalog.outlets, dtype=str),
                "days": catalog.days,
                **index.arrays(),
            }
            np.savez(f, **arrays)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def load(path: Path, generation: str) -> tuple[LexicalIndex, Catalog] | None:
    """The saved index if it was built for this generation; None if absent, stale or unreadable
    (then it is simply rebuilt)."""
    try:
        with np.load(path, allow_pickle=False) as a:
            if int(a["format"][0]) != _FORMAT or str(a["generation"][0]) != generation:
                return None
            catalog = Catalog(
                [str(x) for x in a["ids"]],
                [str(x) for x in a["article_ids"]],
                [str(x) for x in a["outlets"]],
                a["days"],
            )
            return LexicalIndex.from_arrays(a), catalog
    except (OSError, KeyError, ValueError, IndexError):
        return None
