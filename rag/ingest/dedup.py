"""Near-duplicate detection: MinHash over word 5-shingles, LSH bands for fast lookup.

Syndicated news (one wire story on ten sites, each with its own headline and a changed sentence)
should be stored once and credited to every outlet. Everything is derived from fixed byte strings
through blake2b, never Python's salted hash(), so signatures stored in Chroma by one process
compare correctly with signatures computed by the next.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Sequence
from functools import lru_cache

import numpy as np
import numpy.typing as npt

from rag.text import words

NUM_PERM = 128
SHINGLE = 5
_PREFIX = "mh1:"
_BLOCK = 4096  # shingles hashed at once: bounds memory on 100k-character articles


def _constants(label: str, n: int, odd: bool = False) -> npt.NDArray[np.uint64]:
    values = [
        int.from_bytes(hashlib.blake2b(f"newsrag-{label}-{i}".encode(), digest_size=8).digest())
        for i in range(n)
    ]
    arr = np.array(values, dtype=np.uint64)
    return arr | np.uint64(1) if odd else arr


# Multiply-shift hashing (Dietzfelbinger): h(x) = ((x ^ salt) * odd) >> 32, one per permutation.
_SALTS = _constants("salt", NUM_PERM)
_MULTS = _constants("mult", NUM_PERM, odd=True)
_POSITION = _constants("pos", SHINGLE, odd=True)  # so "a b c d e" and "e d c b a" differ
_EMPTY = [0xFFFFFFFF] * NUM_PERM


@lru_cache(maxsize=1 << 18)
def _word_hash(word: str) -> int:
    return int.from_bytes(hashlib.blake2b(word.encode(), digest_size=8).digest())


def signature(text: str) -> list[int]:
    """128 MinHash values (32-bit) of the text's normalised word 5-shingles."""
    tokens = words(text)
    if not tokens:
        return list(_EMPTY)
    ids = np.fromiter((_word_hash(t) for t in tokens), dtype=np.uint64, count=len(tokens))
    k = min(SHINGLE, len(ids))
    count = len(ids) - k + 1
    shingles = np.zeros(count, dtype=np.uint64)
    for j in range(k):  # uint64 arithmetic wraps, which is what a rolling hash wants
        shingles += ids[j : j + count] * _POSITION[j]
    shingles = np.unique(shingles)
    best = np.full(NUM_PERM, np.iinfo(np.uint64).max, dtype=np.uint64)
    for a in range(0, len(shingles), _BLOCK):
        block = shingles[a : a + _BLOCK, None]
        hashed = ((block ^ _SALTS) * _MULTS) >> np.uint64(32)
        np.minimum(best, hashed.min(axis=0), out=best)
    return [int(v) for v in best]


def similarity(a: Sequence[int], b: Sequence[int]) -> float:
    """Estimated Jaccard similarity of the two texts' shingle sets."""
    if len(a) != len(b) or not a:
        raise ValueError("signatures must have the same, non-zero length")
    return float(np.mean(np.asarray(a, dtype=np.uint32) == np.asarray(b, dtype=np.uint32)))


def signature_to_str(sig: Sequence[int]) -> str:
    """A compact, versioned string (about 690 characters) for Chroma metadata."""
    raw = np.asarray(sig, dtype="<u4").tobytes()
    return _PREFIX + base64.b64encode(raw).decode("ascii")


def signature_from_str(s: str) -> list[int]:
    if not s.startswith(_PREFIX):
        raise ValueError("not a newsrag MinHash signature")
    try:
        raw = base64.b64decode(s[len(_PREFIX) :], validate=True)
    except ValueError as exc:
        raise ValueError("corrupt MinHash signature") from exc
    if len(raw) != 4 * NUM_PERM:
        raise ValueError("corrupt MinHash signature")
    return [int(v) for v in np.frombuffer(raw, dtype="<u4")]


class SignatureIndex:
    """Finds stored signatures similar to a new one without comparing against all of them.

    32 bands of 4 rows: two texts with Jaccard 0.8 share a band with probability > 0.9999999,
    texts at 0.3 with probability ~0.23; every candidate is then checked on the full signature.
    """

    def __init__(self, bands: int = 32) -> None:
        if NUM_PERM % bands:
            raise ValueError(f"bands must divide {NUM_PERM}")
        self._bands = bands
        self._rows = NUM_PERM // bands
        self._buckets: list[dict[bytes, set[str]]] = [{} for _ in range(bands)]
        self._sigs: dict[str, npt.NDArray[np.uint32]] = {}

    def __len__(self) -> int:
        return len(self._sigs)

    def __contains__(self, item: object) -> bool:
        return item in self._sigs

    def _keys(self, arr: npt.NDArray[np.uint32]) -> list[bytes]:
        return [arr[b * self._rows : (b + 1) * self._rows].tobytes() for b in range(self._bands)]

    def add(self, id: str, sig: Sequence[int]) -> None:
        if id in self._sigs:
            self.remove(id)
        arr = np.asarray(sig, dtype=np.uint32)
        if arr.shape != (NUM_PERM,):
            raise ValueError(f"a signature has {NUM_PERM} values")
        self._sigs[id] = arr
        for bucket, key in zip(self._buckets, self._keys(arr), strict=True):
            bucket.setdefault(key, set()).add(id)

    def remove(self, id: str) -> None:
        arr = self._sigs.pop(id, None)
        if arr is None:
            return
        for bucket, key in zip(self._buckets, self._keys(arr), strict=True):
            ids = bucket.get(key)
            if ids is not None:
                ids.discard(id)
                if not ids:
                    del bucket[key]

    def candidates(self, sig: Sequence[int]) -> set[str]:
        arr = np.asarray(sig, dtype=np.uint32)
        found: set[str] = set()
        for bucket, key in zip(self._buckets, self._keys(arr), strict=True):
            found |= bucket.get(key, set())
        return found

    def best_match(self, sig: Sequence[int], threshold: float = 0.8) -> tuple[str, float] | None:
        """The most similar stored id at or above `threshold`, ties broken by id."""
        arr = np.asarray(sig, dtype=np.uint32)
        best: tuple[str, float] | None = None
        for cand in sorted(self.candidates(sig)):
            score = float(np.mean(self._sigs[cand] == arr))
            if score >= threshold and (best is None or score > best[1]):
                best = (cand, score)
        return best

    def pairs(self, threshold: float = 0.8) -> list[tuple[str, str, float]]:
        """Every stored pair at or above `threshold`: (id_a, id_b, similarity), id_a < id_b."""
        seen: set[tuple[str, str]] = set()
        out: list[tuple[str, str, float]] = []
        for bucket in self._buckets:
            for ids in bucket.values():
                if len(ids) < 2:
                    continue
                members = sorted(ids)
                for i, a in enumerate(members):
                    for b in members[i + 1 :]:
                        if (a, b) in seen:
                            continue
                        seen.add((a, b))
                        score = float(np.mean(self._sigs[a] == self._sigs[b]))
                        if score >= threshold:
                            out.append((a, b, score))
        return sorted(out)
