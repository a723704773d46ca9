"""The benchmark's ingest section (section 2): wall time, rates, peak memory and store size of
each pipeline's ingest of the seeds plus one RealTimeQA week.

Each pipeline runs in its own spawned process (eval.bench_common.in_child) so peak memory is its
own; the parent only prepares inputs and turns the children's numbers into figures.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from eval.baseline import Baseline, raw_texts
from eval.bench_common import (
    dir_mb,
    in_child,
    ingest_bar,
    peak_rss_mb,
    plain_settings,
    product_settings,
    quiet_chat,
)
from eval.bench_report import figure
from eval.rtqa import raw_articles


def ingest_child(
    pipeline: str, preset: str, backend: str | None, store: Path, seeds: Path, gcs: Path | None
) -> dict[str, Any]:
    """One pipeline's ingest of the seeds (+ a week), in this (child) process."""
    from rag.embed import build_embeddings

    raw = raw_texts(seeds) + (raw_articles(gcs) if gcs else [])
    if pipeline == "product":
        from rag.api import NewsRAG

        news = NewsRAG(product_settings(preset, backend, store))
        news.embeddings.embed_documents(["warm up"])  # load (or build once) before the clock
    else:
        emb = build_embeddings(plain_settings(preset))
        emb.embed_documents(["warm up"])
        base = Baseline(emb, quiet_chat(), store)
    loaded = peak_rss_mb()
    bar, progress = ingest_bar(f"ingest {pipeline}", len(raw))
    t0 = time.perf_counter()
    if pipeline == "product":
        report = news.ingest([seeds, gcs] if gcs else [seeds], progress=progress)
        articles = len(report.added) + len(report.duplicates) + len(report.unchanged)
        stored, chunks = len(report.added), report.chunks
    else:
        texts = raw_texts(seeds) + (raw_articles(gcs) if gcs else [])  # reading is ingest too
        chunks = base.add(texts)
        bar.update(len(texts))
        articles = stored = len(texts)
    wall = time.perf_counter() - t0
    bar.close()
    return {
        "wall_s": wall,
        "articles": articles,
        "stored": stored,
        "chunks": chunks,
        "loaded_rss_mb": loaded,
        "peak_rss_mb": peak_rss_mb(),
        "store_mb": dir_mb(store),
    }


def ingest_section(
    preset: str, backend: str | None, workdir: Path, seeds: Path, gcs: Path | None
) -> dict[str, Any]:
    runs = {
        p: in_child(ingest_child, p, preset, backend, workdir / f"ingest-{p}", seeds, gcs)
        for p in ("plain", "product")
    }
    pl, pr = runs["plain"], runs["product"]
    size = product_settings(preset, backend, workdir).ingest.chunk_chars
    figures = [
        figure("wall time", "s", pl["wall_s"], pr["wall_s"], "lower"),
        figure(
            "articles per second",
            "articles/s",
            pl["articles"] / pl["wall_s"],
            pr["articles"] / pr["wall_s"],
            "higher",
            f"{pl['articles']} / {pr['articles']} articles read",
        ),
        figure(
            "chunks per second",
            "chunks/s",
            pl["chunks"] / pl["wall_s"],
            pr["chunks"] / pr["wall_s"],
            "higher",
            f"{pl['chunks']} / {pr['chunks']} chunks of 1,000 / ~{size:,} characters",
        ),
        figure(
            "peak RSS",
            "MB",
            pl["peak_rss_mb"],
            pr["peak_rss_mb"],
            "lower",
            f"after loading the embedder: {pl['loaded_rss_mb']:.0f} / {pr['loaded_rss_mb']:.0f} MB",
        ),
        figure("store on disk", "MB", pl["store_mb"], pr["store_mb"], "lower"),
    ]
    lines = [
        f"Input: articles/ (seeds){' + ' + gcs.name if gcs else ''}; the product stored "
        f"{pr['stored']} articles (duplicates are recorded, not indexed again)."
    ]
    return {"status": "ok", "figures": figures, "runs": runs, "lines": lines}
