"""The sentence pool every summary draws from, and the numpy clustering it is grouped with.

Summaries quote articles, so the unit is a sentence span of a stored article (exact offsets). A
pool holds the candidate sentences of the articles in scope with unit vectors, a salience score
(lead position, names and numbers, corroboration by other outlets) and groups of near-identical
sentences from different outlets, which are shown once but cited everywhere they appear.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from itertools import islice

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.embed import embed_matrix as embed
from rag.embed import unit_rows as unit
from rag.injection import is_injection
from rag.schema import Article, Evidence
from rag.text import content_words, entities, numbers, sentence_spans

MIN_CHARS = 30  # shorter "sentences" in captures are captions, headings and widget debris
MAX_CHARS = 600
BUDGET = 900  # sentences pooled at most: each article keeps its first ones past it (within_budget)
SAME_FACT = 0.6  # cosine at which two sentences from different outlets report the same fact
NEAR_IDENTICAL = 0.9  # cosine at which two sentences are the same text, reworded at most
# Sentences that lean on the one before ("This shows...", "He added...") read badly alone.
_LEANING = re.compile(r"^(This|That|These|Those|It|He|She|They|His|Her|Their|Which|And|But)\b")


@dataclass(frozen=True)
class Sent:
    article: Article
    start: int
    end: int
    index: int  # position among the article's candidate sentences (0 = lead)

    @property
    def text(self) -> str:
        return self.article.text[self.start : self.end]

    def evidence(self, n: int, score: float = 0.0) -> Evidence:
        a = self.article
        return Evidence(
            n, a.id, a.title, a.outlet, a.published, self.text, self.start, self.end, score
        )


@dataclass
class Pool:
    sents: list[Sent]
    vecs: np.ndarray  # unit vectors, one row per sentence
    cvecs: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))  # centred (see centered)
    lex: np.ndarray = field(default_factory=lambda: np.zeros((0, 0)))  # content-word overlap
    same: np.ndarray = field(default_factory=lambda: np.zeros((0, 0), dtype=bool))  # same fact
    salience: np.ndarray = field(default_factory=lambda: np.zeros(0))
    lead: np.ndarray = field(default_factory=lambda: np.zeros(0))  # 1 for an article's lead
    info: np.ndarray = field(default_factory=lambda: np.zeros(0))  # rare names and numbers, 0..1
    leaning: np.ndarray = field(default_factory=lambda: np.zeros(0))  # 1: reads badly alone
    dup_of: list[int] = field(default_factory=list)  # index of each sentence's group leader
    outlets_of: list[int] = field(default_factory=list)  # distinct outlets with the same fact

    def members(self, i: int) -> list[int]:
        """The near-identical sentences grouped under leader i (i first)."""
        lead = self.dup_of[i]
        return [lead] + [j for j, d in enumerate(self.dup_of) if d == lead and j != lead]

    def same_fact(self) -> np.ndarray:
        """Pairs of sentences that state the same fact: close in meaning (raw and with the common
        topic removed, so "visit" sentences are not all one fact), or mostly the same words."""
        raw = self.vecs @ self.vecs.T
        cen = self.cvecs @ self.cvecs.T
        return (raw >= 0.85) | ((raw >= SAME_FACT) & (cen >= 0.45)) | (self.lex >= 0.75)


def outlet_key(a: Article) -> str:
    return a.outlet or a.id


def candidates(article: Article, limit: int | None = None) -> list[Sent]:
    """An article's citable sentences in order: long enough to state a fact, never text that
    addresses a model (an article is data; instructions in it must not reach a prompt)."""
    return list(islice(iter_candidates(article), limit))


def iter_candidates(article: Article) -> Iterator[Sent]:
    """`candidates`, lazily: the injection check is the costly part (~0.2 ms a sentence, 10 000
    sentences in a week of news), so callers that keep only the first few stop early."""
    n = 0
    for a, b in sentence_spans(article.text):
        text = article.text[a:b]
        if len(text) < MIN_CHARS or len(text) > MAX_CHARS or len(text.split()) < 5:
            continue
        if is_injection(text):
            continue
        yield Sent(article, a, b, n)
        n += 1


def lexical_sim(a: str, b: str) -> float:
    """Overlap coefficient of content words: catches the same fact when vectors miss it (and lets
    the fake embedder's tests exercise the same code)."""
    x, y = content_words(a), content_words(b)
    if not x or not y:
        return 0.0
    return len(x & y) / min(len(x), len(y))


def build_pool(
    articles: Sequence[Article], embeddings: Embeddings, budget: int = BUDGET
) -> Pool:
    """Candidate sentences of every article. Past `budget` sentences, each article keeps its lead
    (news puts the facts first), so embedding cost stays bounded for hundreds of articles."""
    sents = [s for group in within_budget(articles, budget) for s in group]
    vecs = embed(embeddings, [s.text for s in sents])
    pool = Pool(sents, vecs if len(sents) else np.zeros((0, 1), dtype=np.float32))
    score(pool)
    return pool


def within_budget(articles: Sequence[Article], budget: int) -> list[list[Sent]]:
    """Every article's candidates when they number `budget` or fewer in all, else each article's
    first `cap` of them. The same as listing them all and then cutting, but an article's
    sentences are read only until the cut is known: past each one's first `cap`, only as many
    as it takes to pass `budget` (a week of 200 articles: ~900 of its ~10 000 sentences)."""
    if not articles:
        return []
    cap = max(3, budget // len(articles))
    streams = [iter_candidates(a) for a in articles]
    per_article = [list(islice(s, cap)) for s in streams]
    total = sum(len(s) for s in per_article)
    for stream, got in zip(streams, per_article, strict=True):
        for sent in stream:
            got.append(sent)
            total += 1
            if total > budget:
                return [s[:cap] for s in per_article]
    return per_article


def subset(pool: Pool, keep: Sequence[int]) -> Pool:
    """A pool of some of `pool`'s sentences (their vectors reused), scored afresh among
    themselves: salience and corroboration are relative to what is kept."""
    idx = list(keep)
    part = Pool([pool.sents[i] for i in idx], pool.vecs[idx] if idx else pool.vecs[:0])
    score(part)
    return part


def overlap_matrix(texts: Sequence[str]) -> np.ndarray:
    """Overlap coefficient of content words for every pair: |A & B| / min(|A|, |B|)."""
    sets = [content_words(t) for t in texts]
    vocab = {w: k for k, w in enumerate(sorted(set().union(*sets)))} if sets else {}
    m = np.zeros((len(sets), max(1, len(vocab))), dtype=np.float32)
    for i, words_i in enumerate(sets):
        m[i, [vocab[w] for w in words_i]] = 1.0
    shared = m @ m.T
    sizes = m.sum(axis=1)
    smaller = np.minimum.outer(sizes, sizes)
    return np.where(smaller > 0, shared / np.where(smaller > 0, smaller, 1), 0.0)


def score(pool: Pool) -> None:
    """Salience of each sentence, and groups of near-identical sentences across outlets.

    Salience = lead position (news puts the facts first) + informative names and numbers (rare in
    the pool: "Belousov" says more than "Putin") + corroboration by other outlets, minus a penalty
    for sentences that lean on the one before ("This shows...")."""
    n = len(pool.sents)
    texts = [s.text for s in pool.sents]
    pool.cvecs = centered(pool.vecs)
    pool.lex = overlap_matrix(texts)
    pool.dup_of = list(range(n))
    pool.outlets_of = [1] * n
    pool.same = np.zeros((n, n), dtype=bool)
    if not n:
        for name in ("salience", "lead", "info", "leaning"):
            setattr(pool, name, np.zeros(0, dtype=np.float32))
        return
    raw = pool.vecs @ pool.vecs.T
    same = pool.same = pool.same_fact()
    names = [outlet_key(s.article) for s in pool.sents]
    ids = {name: k for k, name in enumerate(dict.fromkeys(names))}
    outlet = np.array([ids[name] for name in names])
    for i in range(n):
        other = outlet != outlet[i]
        pool.outlets_of[i] = 1 + len(set(outlet[other & same[i]].tolist()))
        # Leader: the first earlier sentence from another outlet that says the same words.
        for j in np.flatnonzero(other[:i] & ((raw[i, :i] >= 0.75) | (pool.lex[i, :i] >= 0.9))):
            if pool.dup_of[j] == j and _identical(float(raw[i, j]), pool.sents[i], pool.sents[j]):
                pool.dup_of[int(i)] = int(j)
                break
    terms = [entities(t) | numbers(t) for t in texts]
    df: dict[str, int] = {}
    for ts in terms:
        for t in ts:
            df[t] = df.get(t, 0) + 1
    # fsum: exact, so the same whatever order the set `ts` iterates in (PYTHONHASHSEED).
    info = np.array([math.fsum(math.log(n / df[t]) for t in ts) for ts in terms], dtype=np.float32)
    top = float(np.percentile(info, 90)) if n > 1 else float(info.max(initial=0))
    pool.info = np.minimum(1.0, info / (top or 1.0)).astype(np.float32)
    pool.lead = np.array([1.0 / (1.0 + s.index / 4.0) for s in pool.sents], dtype=np.float32)
    pool.leaning = np.array([1.0 if _LEANING.match(t) else 0.0 for t in texts], dtype=np.float32)
    corroboration = (np.array(pool.outlets_of) - 1) / max(1, len(ids) - 1)
    pool.salience = (
        0.35 * pool.lead + 0.3 * pool.info + 0.35 * corroboration - 0.3 * pool.leaning
    ).astype(np.float32)


def _identical(sim: float, a: Sent, b: Sent) -> bool:
    if sim >= NEAR_IDENTICAL:
        return True
    x, y = a.text, b.text
    return lexical_sim(x, y) >= 0.9 and abs(len(x) - len(y)) < 0.3 * len(x)


def centered(vecs: np.ndarray) -> np.ndarray:
    """Vectors minus their mean, renormalised. Sentences about one story all sit close to the
    story's direction; removing it lets the facets (arrival, delegation, weapons) separate."""
    if len(vecs) < 3:
        return vecs
    return unit(vecs - vecs.mean(axis=0, keepdims=True))


def agglomerate(
    vecs: np.ndarray, threshold: float, max_clusters: int | None = None
) -> list[list[int]]:
    """Average-link agglomerative clustering on cosine similarity: merge the closest pair while
    their mean similarity is at least `threshold` (or while there are more than `max_clusters`).
    Every row lands in exactly one cluster; clusters are returned largest first."""
    n = len(vecs)
    if n == 0:
        return []
    sims = (vecs @ vecs.T).astype(np.float64)
    # link[a, b] = sum of pairwise similarities between clusters a and b; average = sum / sizes.
    link = sims.copy()
    sizes = np.ones(n)
    alive = np.ones(n, dtype=bool)
    members: list[list[int]] = [[i] for i in range(n)]
    while alive.sum() > 1:
        avg = link / np.outer(sizes, sizes)
        mask = np.outer(alive, alive)
        np.fill_diagonal(mask, False)
        avg = np.where(mask, avg, -np.inf)
        a, b = np.unravel_index(int(np.argmax(avg)), avg.shape)
        best = avg[a, b]
        if best < threshold and (max_clusters is None or alive.sum() <= max_clusters):
            break
        link[a, :] += link[b, :]
        link[:, a] += link[:, b]
        sizes[a] += sizes[b]
        alive[b] = False
        members[a] += members[b]
        members[b] = []
    out = [sorted(m) for m, live in zip(members, alive, strict=True) if live]
    return sorted(out, key=lambda m: (-len(m), m[0]))


def mmr(
    order: Sequence[int], vecs: np.ndarray, k: int, relevance: np.ndarray, lam: float = 0.7
) -> list[int]:
    """Up to k of `order` by maximal marginal relevance: salient, and not repeating each other."""
    left = list(order)
    picked: list[int] = []
    while left and len(picked) < k:
        red = (vecs[left] @ vecs[picked].T).max(axis=1) if picked else np.zeros(len(left))
        gain = lam * relevance[left] - (1 - lam) * red
        best = left[int(np.argmax(gain))]
        left.remove(best)
        picked.append(best)
    return picked


def trim(text: str, anchor: str = "", limit: int = 200) -> str:
    """A shorter excerpt of a sentence for display, cut at clause boundaries around `anchor`
    (e.g. a date phrase); the citation still quotes the full sentence."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    parts = re.split(r"(?<=[,;:–—])\s+", text)
    pos = max(text.find(anchor), 0) if anchor else 0
    starts = [0]
    for p in parts[:-1]:
        starts.append(starts[-1] + len(p) + 1)
    lo = max(k for k, o in enumerate(starts) if o <= pos)
    hi = lo + 1
    # Grow the window clause by clause, forwards first, while it stays within the limit.
    while True:
        if hi < len(parts) and len(" ".join(parts[lo : hi + 1])) <= limit:
            hi += 1
        elif lo > 0 and len(" ".join(parts[lo - 1 : hi])) <= limit:
            lo -= 1
        else:
            break
    out = " ".join(parts[lo:hi]).rstrip(",;:–— ")
    cut = False
    if len(out) > limit:
        out, cut = out[:limit].rsplit(" ", 1)[0].rstrip(",;:–— "), True
    return ("…" if lo > 0 else "") + out + ("…" if cut or hi < len(parts) else "")
