"""Topic summaries: the overview machinery restricted to the passages about one topic.

"What do the articles say about the Ukraine war?" is answered from every sentence of every
article in scope that is about the topic: its MiniLM cosine to the topic is at least
`Settings.summary.topic_min_relevance`, or it contains every content word of the topic. The
kept sentences are grouped and summarised as an overview is, cited, except that the choice of
the sentences the model writes from leans on their relevance to the topic
(`Settings.summary.topic_weight`): the most central of the kept sentences are often about the
story around the topic, not the topic. When no sentence passes, the answer says so plainly
instead of summarising something else.
"""

from __future__ import annotations

import time
from collections.abc import Generator

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.schema import Answer, Article, Timings, Token
from rag.summarize import overview
from rag.summarize.context import Context
from rag.summarize.form import Form
from rag.summarize.pool import Pool, build_pool, embed, subset
from rag.text import content_words

# How much of the sentence before's relevance a sentence inherits (see in_context). Set by hand, not
# fitted: with 0.85 a sentence after a strongly on-topic one ranks with the sentences plainly on
# the topic, not above them. python -m eval.topic_weight shows the table without it.
CARRY = 0.85


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


def in_context(pool: Pool, own: np.ndarray) -> np.ndarray:
    """Per pooled sentence: its relevance, or CARRY times that of the sentence before it in its
    article, whichever is higher. News sentences often name their subject only in the sentence
    before: "As part of the visit, Kim visited the Vostochny Cosmodrome..." is 0.46 alone to
    "Kim Jong Un's 2023 visit to Russia", below a dozen sentences on Putin's visits, and follows
    "Earlier, Kim Jong Un visited Russia from September 12 to 17, 2023." (0.84). This only
    orders the sentences past the floor: a sentence is kept for what it says itself."""
    out = own.astype(np.float32).copy()
    for i in range(1, len(pool.sents)):
        if pool.sents[i - 1].article.id == pool.sents[i].article.id:
            out[i] = max(out[i], CARRY * float(own[i - 1]))
    return out


def run(
    ctx: Context, articles: list[Article], topic: str, form: Form | None = None
) -> Generator[Token, None, Answer]:
    ctx.step(0, 3, "finding the passages on the topic")
    pool = build_pool(articles, ctx.embeddings)
    floor = ctx.settings.summary.topic_min_relevance
    own = relevance(pool, topic, ctx.embeddings)
    keep = [int(i) for i in np.flatnonzero(own >= floor)]
    if not keep:
        took = round((time.perf_counter() - ctx.t0) * 1000, 1)
        note = f"No passage of the {len(articles)} articles in scope is about {topic}."
        text = nothing_about(topic)
        timings = Timings(took, None, took)
        return Answer(ctx.question, text, [], True, timings, "abstain", note, reason=note)
    part = subset(pool, keep)
    focus = in_context(pool, own)[keep]
    ids = {s.article.id for s in part.sents}
    covers = (
        f"From the {len(keep)} passage{'s' * (len(keep) != 1)} on {topic} in {len(ids)} of the "
        f"{len(articles)} articles in scope"
    )
    arts = [a for a in articles if a.id in ids]
    weight = ctx.settings.summary.topic_weight
    return (yield from overview.run(ctx, arts, part, covers, focus, weight, form))
