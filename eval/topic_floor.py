"""Choose the topic-summary relevance floor (Settings.summary.topic_min_relevance).

    python -m eval.topic_floor

Pools the bundled articles' sentences (as a summary does) and, for topics the articles cover and
topics they do not, prints the best cosine of any sentence to the topic and how many sentences
pass each candidate floor. The floor should leave every off-topic probe with nothing (the product
then says "the articles say nothing about X") while every covered topic keeps its passages.
"""

from __future__ import annotations

import numpy as np

from rag.config import Settings
from rag.embed import build_embeddings, embed_matrix
from rag.ingest import prepare
from rag.schema import Article
from rag.summarize.pool import build_pool

COVERED = ("the Ukraine war", "the delegation", "the partnership agreement", "Kim Jong Un",
           "the ICC arrest warrant", "Putin's op-ed", "the welcome at the airport",
           "relations between Russia and North Korea")  # fmt: skip
NOT_COVERED = ("the World Cup final", "bitcoin prices", "climate change in the Arctic",
               "the French elections", "Taylor Swift's tour", "interest rates",
               "the earthquake in Turkey", "a new iPhone")  # fmt: skip
FLOORS = (0.3, 0.35, 0.4, 0.45, 0.5)


def main() -> int:
    from eval.run import ARTICLES

    embeddings = build_embeddings(Settings())
    articles = [a for a in prepare([ARTICLES]) if isinstance(a, Article)]
    pool = build_pool(articles, embeddings)
    print(f"{len(pool.sents)} sentences of {len(articles)} articles")
    print("topic".ljust(42) + "best  " + "  ".join(f">={f}" for f in FLOORS))
    for name, topics in (("covered", COVERED), ("not covered", NOT_COVERED)):
        print(f"-- {name}")
        for t in topics:
            cos = pool.vecs @ embed_matrix(embeddings, [t])[0]
            counts = "  ".join(f"{int((cos >= f).sum()):>5}" for f in FLOORS)
            print(f"{t[:40]:42}{float(np.max(cos)):.2f}  {counts}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
