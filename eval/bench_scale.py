"""The benchmark's scale section (section 5): one store grown slice by slice to 100, 1,000 and
all RealTimeQA 2023 articles, measured after each slice.

Each pipeline runs in its own spawned process (eval.bench_common.in_child) so peak memory is its
own; the parent only prepares inputs and turns the children's numbers into figures. The ingest
section (section 2) is eval/bench_ingest.py.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.baseline import Baseline
from eval.bench_common import (
    answer_outputs,
    answer_summary,
    dir_mb,
    in_child,
    ingest_bar,
    peak_rss_mb,
    plain_settings,
    product_retrievers,
    product_settings,
    quiet_chat,
    reload_ms,
    retrieval_timings,
    rss_mb,
    seconds,
)
from eval.bench_report import Figure, figure
from eval.report import Row
from eval.rtqa import raw_text, read_jsonl

RETRIEVAL_PROBES = 50  # RealTimeQA questions timed at every scale step


def parse_sizes(spec: str) -> list[int | None]:
    """ "100,1000,all" -> [100, 1000, None]; None stands for every article."""
    sizes: list[int | None] = []
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        if part == "all":
            sizes.append(None)
        elif part.isdigit() and int(part) > 0:
            sizes.append(int(part))
        else:
            raise ValueError(f"bad size {part!r}: use positive numbers or 'all'")
    if not sizes:
        raise ValueError("no sizes given")
    return sizes


def distinct_records(folder: Path) -> list[dict[str, Any]]:
    """Every search result of every week, once: the product's ingest knows an article by its URL
    (rag.indexer.identity), so a story found for several questions is one article. Its own
    content-level duplicate check then runs as usual on what is left."""
    seen: set[str] = set()
    out: list[dict[str, Any]] = []
    for gcs in sorted(folder.glob("*_gcs.jsonl")):
        for rec in read_jsonl(gcs):
            for res in rec.get("search_result") or []:
                text = str(res.get("text") or "")
                key = str(res.get("url") or "") or hashlib.sha256(text.encode()).hexdigest()
                if text.strip() and key not in seen:
                    seen.add(key)
                    out.append(res)
    return out


def write_slices(
    records: Sequence[dict[str, Any]], sizes: Sequence[int | None], folder: Path
) -> list[tuple[int, Path]]:
    """The increments as JSONL files of article records, read by the product's own loader."""
    ends = sorted({min(s or len(records), len(records)) for s in sizes})
    folder.mkdir(parents=True, exist_ok=True)
    out, start = [], 0
    for end in ends:
        path = folder / f"articles-{start:05d}-{end:05d}.jsonl"
        with path.open("w", encoding="utf-8") as f:
            for rec in records[start:end]:
                f.write(json.dumps(rec, ensure_ascii=False) + "\n")
        out.append((end, path))
        start = end
    return out


def probe_questions(folder: Path, n: int = RETRIEVAL_PROBES) -> list[Row]:
    """The first n RealTimeQA questions: their weeks' articles come first into the store."""
    qas = [qa for path in sorted(folder.glob("*_qa.jsonl")) for qa in read_jsonl(path)][:n]
    return [{"id": qa.get("question_id", ""), "question": qa["question_sentence"]} for qa in qas]


def scale_child(
    pipeline: str,
    preset: str,
    backend: str | None,
    store: Path,
    slices: Sequence[tuple[int, Path]],
    probes: Sequence[Row],
    n_answer: int,
) -> list[dict[str, Any]]:
    """Grow one store slice by slice; measure after each. Runs in its own (child) process."""
    from eval.run import warm_up_model
    from rag.api import NewsRAG
    from rag.embed import build_embeddings
    from rag.llm import build_chat_model

    settings = product_settings(preset, backend, store)
    news: Any = None
    base: Baseline | None = None
    if pipeline == "product":
        news = NewsRAG(settings)
        news.embeddings.embed_documents(["warm up"])
        retrievers = product_retrievers(news)
        chat = news.chat_model() if n_answer else None
    else:
        emb = build_embeddings(plain_settings(preset))
        emb.embed_documents(["warm up"])
        # The same LLM as the product (settings.llm); only the pipelines differ.
        chat = build_chat_model(settings) if n_answer else None
        base = Baseline(emb, chat or quiet_chat(), store)
        retrievers = {"plain": base.retrieve}
    if chat is not None:
        warm_up_model(chat, settings.llm.backend)
    questions = [p["question"] for p in probes]
    rows: list[dict[str, Any]] = []
    cumulative, chunks, stored, start = 0.0, 0, 0, 0
    for end, path in slices:
        bar, progress = ingest_bar(f"scale {pipeline} to {end}", end - start)
        t0 = time.perf_counter()
        if news is not None:
            report = news.ingest([path], progress=progress)
            chunks, stored = chunks + report.chunks, stored + len(report.added)
        else:
            assert base is not None
            texts = [(str(r.get("url") or path.name), raw_text(r)) for r in read_jsonl(path)]
            for lo in range(0, len(texts), 200):  # in slices only to move the progress bar
                chunks += base.add(texts[lo : lo + 200])
                bar.update(len(texts[lo : lo + 200]))
            stored += len(texts)
        increment = time.perf_counter() - t0
        bar.close()
        cumulative += increment
        row: dict[str, Any] = {
            "size": end,
            "stored": stored,
            "chunks": chunks,
            "increment_s": increment,
            "cumulative_s": cumulative,
            "articles_per_s": end / cumulative,
            "chunks_per_s": chunks / cumulative,
            "store_mb": dir_mb(store),
            "rss_mb": rss_mb(),
            "peak_rss_mb": peak_rss_mb(),
        }
        row["retrieval"] = retrieval_timings(retrievers, questions, f"scale {end}")
        if news is not None:  # with the BM25 index the first query saved beside the store
            row["store_mb"] += dir_mb(settings.lexical_cache.parent)
            row["reload_ms"] = reload_ms(news, questions[0])
        if n_answer:
            outs = answer_outputs(pipeline, news, base, probes[:n_answer], f"scale {end}")
            row["answer"] = answer_summary(outs)
        rows.append(row)
        start = end
    return rows


def scale_figures(
    prod: dict[str, Any], plain: dict[str, Any] | None, projected: bool
) -> list[Figure]:
    pl = plain or {}
    pr_ret, pl_ret = prod["retrieval"], pl.get("retrieval", {}).get("plain", {})
    pr_ans, pl_ans = prod.get("answer", {}), pl.get("answer", {})
    figures = [
        figure(
            "ingest, cumulative",
            "s",
            pl.get("cumulative_s"),
            prod["cumulative_s"],
            "lower",
            projected=projected,
        ),
        figure(
            "ingest, this step",
            "s",
            pl.get("increment_s"),
            prod["increment_s"],
            "lower",
            projected=projected,
        ),
        figure(
            "articles per second",
            "articles/s",
            pl.get("articles_per_s"),
            prod["articles_per_s"],
            "higher",
            f"product stored {prod['stored']}",
            projected=projected,
        ),
        figure(
            "chunks per second",
            "chunks/s",
            pl.get("chunks_per_s"),
            prod["chunks_per_s"],
            "higher",
            f"{pl.get('chunks', '—')} / {prod['chunks']} chunks",
        ),
        figure(
            "store on disk",
            "MB",
            pl.get("store_mb"),
            prod["store_mb"],
            "lower",
            "with the BM25 file",
        ),
        figure(
            "process peak RSS",
            "MB",
            pl.get("peak_rss_mb"),
            prod["peak_rss_mb"],
            "lower",
            "includes the LLM when answers are timed",
        ),
        figure(
            "first query after ingest",
            "ms",
            pl_ret.get("first_ms"),
            pr_ret["product_search"]["first_ms"],
            "lower",
            "builds and saves the BM25 index",
        ),
        figure(
            "first query, new process",
            "ms",
            None,
            prod.get("reload_ms"),
            "lower",
            "loads the saved BM25 index",
        ),
    ]
    for q in ("p50", "p95"):
        figures.append(
            figure(
                f"retrieval {q} (search)", "ms", pl_ret.get(q), pr_ret["product_search"][q], "lower"
            )
        )
        figures.append(
            figure(
                f"retrieval {q} (with evidence)",
                "ms",
                pl_ret.get(q),
                pr_ret["product_evidence"][q],
                "lower",
            )
        )
    # Questions whose articles are not in the store yet are abstained on before the model: say
    # how many answers the model wrote, or a small store would look fast for the wrong reason.
    called = f"model called {pl_ans.get('model_called', '—')} / {pr_ans.get('model_called', '—')}"
    for key, label in (
        ("first_output_ms", "answer first output, median"),
        ("total_ms", "answer total, median"),
    ):
        figures.append(
            figure(
                label,
                "s",
                seconds(pl_ans.get(key, {}).get("p50")),
                seconds(pr_ans.get(key, {}).get("p50")),
                "lower",
                called,
            )
        )
    return figures


def scale_section(
    preset: str, backend: str | None, workdir: Path, folder: Path, args: Any
) -> dict[str, Any]:
    records = distinct_records(folder)
    slices = write_slices(records, parse_sizes(args.sizes), workdir / "scale-input")
    probes = probe_questions(folder)
    n_answer = min(args.scale_questions, len(probes))
    prod_rows = in_child(
        scale_child, "product", preset, backend, workdir / "scale-product", slices, probes, n_answer
    )
    plain_slices = [(n, p) for n, p in slices if n <= args.plain_max]
    plain_rows = (
        in_child(
            scale_child,
            "plain",
            preset,
            backend,
            workdir / "scale-plain",
            plain_slices,
            probes,
            n_answer,
        )
        if plain_slices
        else []
    )
    measured = {r["size"]: r for r in plain_rows}
    sizes = []
    previous = 0.0  # the plain pipeline's cumulative time at the step before, measured or not
    for prod in prod_rows:
        plain = measured.get(prod["size"])
        projected = plain is None and bool(plain_rows)
        if projected:
            # Beyond --plain-max, fp32 ingest is projected from its last measured rate (cumulative
            # articles/s); nothing else is projected.
            rate = plain_rows[-1]["articles_per_s"]
            total = prod["size"] / rate
            plain = {"cumulative_s": total, "increment_s": total - previous, "articles_per_s": rate}
        previous = plain["cumulative_s"] if plain else previous
        sizes.append(
            {
                "size": prod["size"],
                "product": prod,
                "plain": plain,
                "plain_projected": projected,
                "figures": scale_figures(prod, plain, projected),
            }
        )
    lines = [
        f"{len(records)} distinct articles (by URL) from {folder}; retrieval over "
        f"{len(probes)} RealTimeQA questions, answers over {n_answer}; the plain pipeline "
        f"is measured up to {args.plain_max} articles and projected beyond."
    ]
    return {"status": "ok", "sizes": sizes, "lines": lines, "distinct_articles": len(records)}
