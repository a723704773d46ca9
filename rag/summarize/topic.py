"""Topic summaries: the overview machinery restricted to the passages about one topic.

"What do the articles say about the Ukraine war?" is answered from every sentence of every
article in scope that is about the topic: its MiniLM cosine to the topic is at least
`Settings.summary.topic_min_relevance`, or it contains every content word of the topic. The
kept sentences are grouped and summarised as an overview is, cited. When no sentence passes, the
answer says so plainly instead of summarising something else.
"""

from __future__ import annotations

import time
from collections.abc import Generator

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.schema import Answer, Article, Timings, Token
from rag.summarize import overview
from rag.summarize.context import Context
from rag.summarize.pool import Pool, build_pool, embed, subset
from rag.text import content_words


def nothing_about(topic: str) -> str:
    return f"The articles say nothing about {topic.strip().rstrip('.?!')}."


def relevance(pool: Pool, topic: str, embeddings: Embeddings) -> np.ndarray:
    """Per pooled sentence: cosine to the topic, or 1.0 when it has every word of the topic."""
    if not pool.sents:
        return np.zeros(0, dtype=np.float32)
    cos = pool.vecs @ embed(embeddings, [topic])[0]
    words = content_words(topic)
    if words:
        has_all = np.array([words <= content_words(s.text) for s in pool.sents])
        cos = np.where(has_all, 1.0, cos)
    return cos.astype(np.float32)


def run(ctx: Context, articles: list[Article], topic: str) -> Generator[Token, None, Answer]:
    ctx.step(0, 3, "finding the passages on the topic")
    pool = build_pool(articles, ctx.embeddings)
    floor = ctx.settings.summary.topic_min_relevance
    keep = [int(i) for i in np.flatnonzero(relevance(pool, topic, ctx.embeddings) >= floor)]
    if not keep:
        took = round((time.perf_counter() - ctx.t0) * 1000, 1)
        note = f"No passage of the {len(articles)} articles in scope is about {topic}."
        text = nothing_about(topic)
        timings = Timings(took, None, took)
        return Answer(ctx.question, text, [], True, timings, "abstain", note, reason=note)
    part = subset(pool, keep)
    ids = {s.article.id for s in part.sents}
    covers = (
        f"From the {len(keep)} passage{'s' * (len(keep) != 1)} on {topic} in {len(ids)} of the "
        f"{len(articles)} articles in scope"
    )
    return (yield from overview.run(ctx, [a for a in articles if a.id in ids], part, covers))
