"""Hybrid retrieval, and the candidate sentences evidence is chosen from (rag.evidence).

dense (Chroma) + BM25 -> reciprocal rank fusion -> diversity across articles -> candidate sentences.

BM25 matters for names: "Belousov" is one rare token that a 384-d sentence vector blurs. The BM25
index (rag.lexical) is derived from the chunks in Chroma and rebuilt, or loaded from disk, for
each generation of the store, so it cannot drift from the vector index.
"""

from __future__ import annotations

import contextlib
import math
import re
import threading
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from rag import lexical
from rag.config import RetrievalSettings
from rag.filters import Filters
from rag.lexical import Catalog, LexicalIndex
from rag.store import NewsStore
from rag.text import content_words, sentence_spans


@dataclass(frozen=True)
class Hit:
    chunk_id: str
    text: str
    meta: dict[str, Any]
    score: float  # fused score


class Retriever:
    """Owns the lexical index for one store."""

    def __init__(self, store: NewsStore, cfg: RetrievalSettings, cache: Path | None = None) -> None:
        self.store = store
        self.cfg = cfg
        self.cache = cache  # where the index is saved between runs; None keeps it in memory
        self._lock = threading.Lock()
        self._key: str | None = None
        self._index: LexicalIndex | None = None
        self._catalog = Catalog([], [], [], np.zeros(0, dtype=np.int64))

    def _lexical(self) -> tuple[LexicalIndex, Catalog]:
        with self._lock:
            generation = self.store.generation()
            if self._index is None or generation != self._key:
                self._index, self._catalog = self._load_or_build(generation)
                self._key = generation
            return self._index, self._catalog

    def _load_or_build(self, generation: str) -> tuple[LexicalIndex, Catalog]:
        if self.cache is not None:
            saved = lexical.load(self.cache, generation)
            if saved is not None:
                return saved
        stored = self.store.all_chunks()
        built = LexicalIndex(stored.texts), Catalog.from_metas(stored.ids, stored.metas)
        # Saved only if nothing changed while reading: a half-written batch is never kept.
        if self.cache is not None and self.store.generation() == generation:
            # a read-only or full disk costs the next run a rebuild, nothing else
            with contextlib.suppress(OSError):
                lexical.save(self.cache, generation, *built)
        return built

    def warm(self) -> threading.Thread:
        """Build the lexical index in the background (a long-running app calls this at start and
        after each ingest): on 7,600 articles the build takes seconds, and the first question
        would otherwise wait for it. A question arriving meanwhile waits on the same lock."""
        thread = threading.Thread(target=self._lexical, name="bm25-warm", daemon=True)
        thread.start()
        return thread

    def idf(self) -> tuple[dict[str, float], float]:
        """Inverse document frequency of every indexed term (over chunks), for evidence scoring,
        and the largest one (the weight of a word the corpus never uses)."""
        index = self._lexical()[0]
        return index.idf, index.rarest

    def search(
        self, query: str, query_vec: list[float], filters: Filters | None = None
    ) -> list[Hit]:
        filters = filters or Filters()
        dense = self.store.dense_search(query_vec, self.cfg.k_dense, filters.where())
        index, catalog = self._lexical()
        scores = index.scores(query)
        lexical_ids: list[str] = []
        bm25: dict[str, float] = {}
        if index.n:
            # Only the best few matter: a partial sort, not a sort of every chunk in the store.
            # A filter may reject most of them, so filtered searches order everything.
            want = self.cfg.k_lexical
            if filters.is_empty() and want < index.n:
                top = np.argpartition(-scores, want - 1)[:want]
                order = top[np.argsort(-scores[top])]
            else:
                order = np.argsort(-scores)
            for i in order:
                if scores[i] <= 0 or len(lexical_ids) >= want:
                    break
                if filters.matches(catalog.meta(int(i))):
                    lexical_ids.append(catalog.ids[i])
                    bm25[catalog.ids[i]] = float(scores[i])
        fused: dict[str, float] = defaultdict(float)
        found: dict[str, tuple[str, dict[str, Any]]] = {}
        cosine: dict[str, float] = {}
        for rank, (cid, text, meta, sim) in enumerate(dense):
            fused[cid] += 1.0 / (self.cfg.rrf_k + rank + 1)
            found[cid] = (text, meta)
            cosine[cid] = sim
        # texts are not kept in memory: the few lexical hits are read back from Chroma, with
        # their vectors, so every chunk of the pool is scored on the same terms
        lexical_only = [c for c in lexical_ids if c not in found]
        for cid, (text, meta, vec) in self.store.get_chunk_vectors(lexical_only).items():
            found[cid] = (text, meta)
            cosine[cid] = _cosine(query_vec, vec)
        for rank, cid in enumerate(lexical_ids):
            if cid in found:  # removed by another process since the index was built
                fused[cid] += 1.0 / (self.cfg.rrf_k + rank + 1)
        idf, rarest = index.idf, index.rarest
        top_bm25 = max(bm25.values(), default=0.0) or 1.0
        relevance = {
            cid: chunk_relevance(
                query,
                found[cid][0],
                str(found[cid][1].get("title", "")),
                cosine.get(cid, 0.0),
                bm25.get(cid, 0.0) / top_bm25,
                idf,
                rarest,
            )
            for cid in fused
        }
        ranked = sorted(fused, key=lambda c: (-relevance[c], -fused[c]))
        return diversify(
            [Hit(c, found[c][0], found[c][1], relevance[c]) for c in ranked],
            self.cfg.k_chunks,
            self.cfg.max_per_article,
        )


def _cosine(a: list[float], b: Any) -> float:
    va, vb = np.asarray(a, dtype=np.float32), np.asarray(b, dtype=np.float32)
    return float(va @ vb / ((np.linalg.norm(va) * np.linalg.norm(vb)) or 1.0))


# How a chunk of the candidate pool is ranked before diversity cuts it (weights sum to 1). Rank
# fusion alone threw away answers that dense or BM25 search had found: on RealTimeQA Jan-Jun
# weeks the answer was in the dense top 40 far more often than in the fused top 8. Meaning and
# rare-word overlap carry most of the weight; a question's words in the headline say the whole
# article is on its topic.
CHUNK_WEIGHTS = {"cosine": 0.5, "overlap": 0.3, "title": 0.1, "bm25": 0.1}


def chunk_relevance(
    query: str,
    text: str,
    title: str,
    cosine: float,
    bm25: float,
    idf: dict[str, float],
    rarest: float,
) -> float:
    w = CHUNK_WEIGHTS
    return (
        w["cosine"] * cosine
        + w["overlap"] * lexical_overlap(query, text, idf, rarest)
        + w["title"] * lexical_overlap(query, title, idf, rarest)
        + w["bm25"] * bm25
    )


def diversify(hits: list[Hit], k: int, max_per_article: int) -> list[Hit]:
    """Round-robin over articles in fused order: every article's best chunk before any second one,
    so one long article cannot fill the context while other outlets say the same."""
    by_article: dict[str, list[Hit]] = defaultdict(list)
    for h in hits:
        by_article[str(h.meta.get("article_id"))].append(h)
    chosen: list[Hit] = []
    for depth in range(max_per_article):
        for group in by_article.values():
            if depth < len(group) and len(chosen) < k:
                chosen.append(group[depth])
    rank = {h.chunk_id: i for i, h in enumerate(hits)}
    return sorted(chosen, key=lambda h: rank[h.chunk_id])


_PRONOUN_START = re.compile(r"^(He|She|They|It|This|That|These|Those|His|Her|Their)\b")
# Fragments that continue the sentence before ("... Lavrov. And heads of ... Along with Novak"),
# common in machine-paraphrased and badly punctuated captures.
_CONTINUATION = re.compile(r"^(And|Along with|As well as|Plus|Or|Including|Together with)\b")


@dataclass(frozen=True)
class Candidate:
    article_id: str
    meta: dict[str, Any]
    start: int  # offsets into the article text
    end: int
    text: str


def candidate_sentences(hits: list[Hit]) -> list[Candidate]:
    """Sentences of the hit chunks with article offsets; overlapping chunks give each once.
    A sentence opening with a pronoun keeps the sentence before it, so it can be read alone."""
    seen: set[tuple[str, int]] = set()
    out: list[Candidate] = []
    for h in hits:
        base = int(h.meta.get("start", 0))
        aid = str(h.meta.get("article_id"))
        spans = sentence_spans(h.text)
        for j, (a, b) in enumerate(spans):
            if (aid, base + a) in seen:
                continue
            seen.add((aid, base + a))
            first = j
            if j and _PRONOUN_START.match(h.text[a:b]):
                first = j - 1
            # walk back over up to two continuation fragments to the sentence they complete
            while first and first > j - 3 and _CONTINUATION.match(h.text[spans[first][0] :]):
                first -= 1
            start = spans[first][0]
            out.append(Candidate(aid, h.meta, base + start, base + b, h.text[start:b]))
    # A span inside a longer one of the same article adds nothing: keep the longer.
    return [
        c for c in out
        if not any(
            o is not c and o.article_id == c.article_id and o.start <= c.start
            and c.end <= o.end and (o.end - o.start) > (c.end - c.start)
            for o in out
        )
    ]  # fmt: skip


def lexical_overlap(
    query: str, text: str, idf: dict[str, float] | None = None, rarest: float | None = None
) -> float:
    """Share of the question's content words found in the text, weighted by rarity when an IDF
    table is given: "Belousov" matching says far more than "Putin" in a corpus about Putin."""
    q = content_words(query)
    if not q:
        return 0.0
    found = q & content_words(text)
    if idf is None:
        return len(found) / len(q)
    # A question word the corpus never uses ("travelled") is the rarest of all: it stays in the
    # denominator, so sentences matching only the common words ("Putin", "Korea") score low.
    # `rarest` is passed in by callers scoring many texts: max() over a 200,000-term table per
    # sentence was most of the evidence-selection time on a large store.
    if rarest is None:
        rarest = max(idf.values(), default=1.0)
    # fsum: exact, so independent of set iteration order (which varies with PYTHONHASHSEED);
    # a plain sum over the sets differed in the last bit between runs.
    total = math.fsum(idf.get(w, rarest) for w in q)
    return math.fsum(idf.get(w, rarest) for w in found) / total if total else 0.0


_PERSON = re.compile(r"\b[A-Z][a-z]+(?:[ -][A-Z][a-z]+)+\b")  # two or more capitalised words
_DATE = re.compile(
    r"\b(1[89]\d\d|20\d\d|January|February|March|April|May|June|July|August|September|"
    r"October|November|December|Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|"
    r"yesterday|today|\d{1,2}(st|nd|rd|th))\b"
)
_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|dozens?|hundreds?|"
    r"thousands?|millions?)\b",
    re.IGNORECASE,
)


# Reporters name the thing a question asks about with a noun the question does not use: "who
# travelled with X" is answered by "X's delegation includes ...". A small embedder cannot bridge
# that, so questions get the usual news nouns for their verbs appended before retrieval.
_EXPANSIONS: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(p, re.IGNORECASE), extra)
    for p, extra in (
        (
            r"\b(travel+(ed|ing|s)?|accompan\w*|went with|came with|joined)\b",
            "delegation accompanying",
        ),
        (r"\b(met|meet|meeting)\b", "talks meeting"),
        (r"\b(said|say|says|stated|announce\w*)\b", "statement spokesman"),
        (r"\b(stay\w*|sleep|lodg\w*)\b", "guest house residence"),
        (r"\b(gave|give|gift\w*|present(ed)?)\b", "gift presented"),
        (r"\b(killed|died|dead|casualt\w*)\b", "death toll killed"),
        (r"\b(cost|price|paid|pay)\b", "price cost"),
        (r"\b(respond\w*|react\w*|response)\b", "statement dismissed denied rejected"),
        (r"\b(images?|photos?|pictures?|footage)\b", "photographs imagery"),
        (r"\b(show|shows|showed|shown)\b", "revealed confirmed"),
    )
)


def expand_query(question: str) -> str:
    extra = [e for pattern, e in _EXPANSIONS if pattern.search(question)]
    return f"{question} {' '.join(extra)}" if extra else question


def answer_type_match(question: str, text: str) -> float:
    """1.0 when the text holds the kind of thing the question asks for (a person for "who", a
    date for "when", a number for "how many"), 0.0 when it cannot, 0.5 when the question does
    not say. Classic QA answer typing: evidence should contain a candidate answer."""
    q = question.lower()
    if re.search(r"\bwho(m|se)?\b", q):
        asked = content_words(question)
        names = [m for m in _PERSON.findall(text) if not content_words(m) <= asked]
        return min(1.0, len(names) / 3)
    if re.search(r"\bwhen\b|\bwhat (date|day|year|month|time)\b|\bwhich (date|day|year)\b", q):
        return 1.0 if _DATE.search(text) else 0.0
    if re.search(r"\bhow (many|much|long|old)\b|\bwhat (number|percentage|amount)\b", q):
        return 1.0 if _NUMBER.search(text) else 0.0
    return 0.5
