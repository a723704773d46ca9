"""Section 1 of the benchmark: the product's embedder against sentence-transformers fp32.

Throughput on identical texts, agreement (cosine between the two vectors of each text), and
whether retrieval notices the difference: recall@5 with each embedder in the product's own store
and retriever, on the seed questions and on one RealTimeQA week.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from eval import rtqa as realtimeqa
from eval.baseline import raw_texts
from eval.bench_common import plain_settings
from eval.bench_report import Figure, figure
from eval.metrics import contains_alias, recall_at_k
from eval.records import article_lookup
from eval.report import Row
from eval.run import ARTICLES

if TYPE_CHECKING:
    from eval.bench import Bench

K = 5  # recall@5
EMBED_CHARS = 1000


# --- section 1: embed -----------------------------------------------------------------------


def embed_texts(gcs: Path | None, n: int) -> tuple[list[str], str]:
    """Up to n pieces of EMBED_CHARS characters cut from article texts (whitespace squeezed):
    the same texts for both embedders, sized like a plain-pipeline chunk."""
    if gcs is not None:
        texts, origin = [t for _, t in realtimeqa.raw_articles(gcs)], gcs.name
    else:
        texts, origin = [t for _, t in raw_texts(ARTICLES)], "articles/ (no RealTimeQA)"
    flat = [" ".join(t.split()) for t in texts]
    full = [
        t[i : i + EMBED_CHARS]
        for t in flat
        for i in range(0, len(t) - EMBED_CHARS + 1, EMBED_CHARS)
    ]
    # Too little text for full pieces (the unit tests' tiny corpus): take what there is.
    pieces = full if len(full) >= min(n, 8) else [t[:EMBED_CHARS] for t in flat if t]
    return pieces[:n], origin


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return sum(known) / len(known) if known else None


Scorer = Callable[[list[tuple[str, str]]], float | None]


def recall(news: Any, probes: Sequence[tuple[str, Scorer]]) -> tuple[float | None, float | None]:
    """Mean score of the top-K passages for each (question, scorer): through the product's
    retriever (hybrid) and through the vector search alone (dense), on the same query text."""
    from rag.retrieve import expand_query

    lookup = article_lookup(news)

    def source(meta: dict[str, Any]) -> str:
        found = lookup(str(meta.get("article_id")))
        return Path(found.source).name if found and found.source else ""

    hybrid, dense = [], []
    for question, score in probes:
        query = expand_query(question)
        vec = news.embeddings.embed_query(query)
        hits = news.retriever.search(query, vec)[:K]
        hybrid.append(score([(source(h.meta), h.text) for h in hits]))
        found = news.store.dense_search(vec, K)
        dense.append(score([(source(meta), text) for _, text, meta, _ in found]))
    return _mean(hybrid), _mean(dense)


def seed_probes(items: Sequence[Row]) -> list[tuple[str, Scorer]]:
    def scorer(evidence: list[dict[str, Any]]) -> Scorer:
        return lambda retrieved: recall_at_k(retrieved, evidence, K)

    return [(it["question"], scorer(it["evidence"])) for it in items if it.get("evidence")]


def rtqa_probes(gcs: Path) -> list[tuple[str, Scorer]]:
    qa_path = gcs.with_name(gcs.name.replace("_gcs", "_qa"))

    def scorer(gold: str) -> Scorer:
        return lambda retrieved: float(any(contains_alias(t, [gold]) for _, t in retrieved))

    return [
        (qa["question_sentence"], scorer(realtimeqa.gold_choice(qa)))
        for qa in realtimeqa.read_jsonl(qa_path)
    ]


def _spread(n: int, seconds: list[float]) -> str:
    return f"{n / max(seconds):.1f}-{n / min(seconds):.1f}"


def _recall_figure(name: str, plain: float | None, product: float | None) -> Figure:
    note = ""
    if plain is not None and product is not None:
        delta = (product - plain) * 100
        note = f"{delta:+.1f} points; target within 1 point: {'yes' if abs(delta) <= 1 else 'NO'}"
    return figure(name, "share", plain, product, "higher", note)


def embed_section(b: Bench) -> dict[str, Any]:
    from tqdm import tqdm

    texts, origin = embed_texts(b.gcs, b.args.embed_chunks)
    models = {"plain": b.plain_emb, "product": b.product_emb}
    for emb in models.values():  # load the weights (the int8 model is built once) off the clock
        emb.embed_documents(texts[:8])
    passes: dict[str, list[float]] = {name: [] for name in models}
    vectors: dict[str, np.ndarray] = {}
    bar = tqdm(total=b.args.repeats * len(models), desc="embed", unit="pass")
    for _ in range(b.args.repeats):  # alternating passes, so a burst of load hits both
        for name, emb in models.items():
            t0 = time.perf_counter()
            vectors[name] = np.asarray(emb.embed_documents(texts), dtype=np.float64)
            passes[name].append(time.perf_counter() - t0)
            bar.update()
    bar.close()
    best = {name: min(times) for name, times in passes.items()}
    # Each pass pair ran back to back, so its ratio is what a burst of load moves least.
    ratios = [p / q for p, q in zip(passes["plain"], passes["product"], strict=True)]
    unit = {
        k: v / np.maximum(np.linalg.norm(v, axis=1, keepdims=True), 1e-12)
        for k, v in vectors.items()
    }
    cosine = (unit["plain"] * unit["product"]).sum(axis=1)
    figures = [
        figure(
            "embedding throughput",
            "chunks/s",
            len(texts) / best["plain"],
            len(texts) / best["product"],
            "higher",
        )
    ]
    seed = seed_probes(b.seed_items)
    plain_seed = recall(b.news(b.plain_emb, [ARTICLES], "seeds plain-embedder"), seed)
    prod_seed = recall(b.seed_news, seed)
    figures += [
        _recall_figure("seed recall@5, product retriever", plain_seed[0], prod_seed[0]),
        _recall_figure("seed recall@5, dense only", plain_seed[1], prod_seed[1]),
    ]
    plain_backend = plain_settings(b.args.preset).embed.backend
    plain_name = f"{plain_backend}{' (fp32)' if plain_backend == 'sentence-transformers' else ''}"
    lines = [
        f"{len(texts)} texts of ~{EMBED_CHARS:,} characters from {origin}; best of "
        f"{b.args.repeats} passes each (spread, chunks/s: plain "
        f"{_spread(len(texts), passes['plain'])}, product {_spread(len(texts), passes['product'])}"
        f"; ratio of each pass pair {min(ratios):.2f}-{max(ratios):.2f}). Plain: {plain_name}; "
        "product: the "
        f"{b.seed_news.settings.embed.backend} backend. Cosine between the two embeddings of "
        f"each text: mean {cosine.mean():.4f}, min {cosine.min():.4f}.",
        "",
        f"Recall@5 uses each embedder in the product's store and retriever: {len(seed)} seed "
        "questions with gold evidence (eval/metrics.recall_at_k)"
        + (f"; {b.gcs.name}: the gold choice's text in a top-5 passage." if b.gcs else "."),
    ]
    if b.gcs is not None:
        week = rtqa_probes(b.gcs)
        plain_w = recall(b.news(b.plain_emb, [b.gcs], "week plain-embedder"), week)
        prod_w = recall(b.news(b.product_emb, [b.gcs], "week product-embedder"), week)
        figures += [
            _recall_figure("RealTimeQA recall@5, product retriever", plain_w[0], prod_w[0]),
            _recall_figure("RealTimeQA recall@5, dense only", plain_w[1], prod_w[1]),
        ]
    cos = {"mean": float(cosine.mean()), "min": float(cosine.min())}
    return {
        "status": "ok",
        "figures": figures,
        "lines": lines,
        "texts": len(texts),
        "seconds": best,
        "passes": passes,
        "pair_ratios": ratios,
        "cosine": cos,
    }
