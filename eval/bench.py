"""`newsrag bench`: speed, memory and scale of the product beside the plain LangChain pipeline.

    newsrag bench                                  # every section
    newsrag bench --only embed,retrieval
    newsrag bench --skip scale --questions 20
    newsrag bench --only scale --sizes 100,1000 --plain-max 100
    newsrag bench --only summaries --summary-week 20230113   # or --summary-week none

Sections: embed (throughput and agreement of the product's embedder vs sentence-transformers
fp32, and retrieval recall@5 with each), ingest (wall time, rates, peak memory; each pipeline in
its own process), retrieval (p50/p95 latency), answer (first output and total time with the real
LLM), summaries (overview, timeline and topic summary times on the seeds and one RealTimeQA week's
overview, against issue 16's targets; product only), scale (one store grown to 100, 1,000, all
RealTimeQA 2023 articles).

The plain pipeline is eval/baseline.py, the LangChain tutorial on sentence-transformers fp32: what
users get without this product. Both are measured in the same run and every figure is printed
with the ratio product ÷ plain, because absolute times on a shared 2-core machine drift between
runs far more than ratios do. Reports go to eval/runs/bench-<UTC timestamp>/: bench.json,
summary.md, bars.png, scale.png.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import traceback
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from functools import cached_property
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from eval import bench_common as S
from eval import rtqa as realtimeqa
from eval.baseline import Baseline, raw_texts
from eval.bench_embed import embed_section
from eval.bench_ingest import ingest_section
from eval.bench_report import figure, write_bench
from eval.bench_scale import parse_sizes, scale_section
from eval.bench_summaries import DEFAULT_WEEK, summaries_section, tune_week
from eval.report import Row
from eval.run import (
    ARTICLES,
    DEFAULT_QUESTIONS,
    add_model_options,
    git_commit,
    load_questions,
    warm_up_model,
)
from rag.config import Settings

ROOT = Path(__file__).resolve().parents[1]
SECTIONS = ("embed", "ingest", "retrieval", "answer", "summaries", "scale")


def _section_list(spec: str) -> list[str]:
    names = [s.strip() for s in spec.split(",") if s.strip()]
    unknown = [n for n in names if n not in SECTIONS]
    if unknown:
        raise ValueError(
            f"unknown section(s) {', '.join(unknown)}; choose from {','.join(SECTIONS)}"
        )
    return names


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="newsrag bench",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--only", help=f"run only these sections, comma-separated ({','.join(SECTIONS)})"
    )
    p.add_argument("--skip", help="leave these sections out, comma-separated")
    add_model_options(p)
    p.add_argument("--out", type=Path, help="report folder (default: eval/runs/bench-<UTC time>)")
    p.add_argument(
        "--shared",
        type=Path,
        default=ROOT.parent / "shared",
        help="folder holding realtimeqa/2023 (default: ../shared)",
    )
    p.add_argument("--week", help="RealTimeQA week for embed recall and ingest (default: first)")
    p.add_argument("--questions", type=int, help="answer: only the first N seed questions")
    p.add_argument("--embed-chunks", type=int, default=400, help="embed: texts timed (400)")
    p.add_argument(
        "--repeats",
        type=int,
        default=3,
        help="embed: timed passes per embedder, alternating; fastest counts, spread printed (3)",
    )
    p.add_argument("--sizes", default="100,1000,all", help="scale: store sizes (100,1000,all)")
    p.add_argument(
        "--plain-max",
        type=int,
        default=1000,
        help="scale: largest size the plain pipeline is measured at (1000)",
    )
    p.add_argument(
        "--scale-questions", type=int, default=5, help="scale: questions answered at each size (5)"
    )
    p.add_argument(
        "--summary-week",
        default=DEFAULT_WEEK,
        help=f"summaries: the RealTimeQA January-June 2023 week to overview ({DEFAULT_WEEK}), "
        "or none to time the seed articles only",
    )
    argv = list(argv)
    if argv[:1] == ["--"]:  # `newsrag bench -- --only embed` hands the separator on
        argv = argv[1:]
    args = p.parse_args(argv)
    try:
        chosen = _section_list(args.only) if args.only else list(SECTIONS)
        skipped = _section_list(args.skip) if args.skip else []
        parse_sizes(args.sizes)
        args.summary_week = tune_week(args.summary_week)
    except ValueError as exc:
        p.error(str(exc))
    args.sections = [s for s in SECTIONS if s in chosen and s not in skipped]
    for name in ("questions", "embed_chunks", "repeats"):
        if getattr(args, name) is not None and getattr(args, name) < 1:
            p.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.scale_questions < 0 or args.plain_max < 0:
        p.error("--scale-questions and --plain-max cannot be negative")
    return args


class Bench:
    """What the in-process sections share, each built on first use: the two embedders, the one
    chat model, and the seed stores of both pipelines."""

    def __init__(self, args: argparse.Namespace, workdir: Path, gcs: Path | None) -> None:
        self.args = args
        self.workdir = workdir
        self.gcs = gcs  # the chosen RealTimeQA week's articles, None without ../shared
        self._dirs = 0

    def fresh_dir(self, name: str) -> Path:
        self._dirs += 1
        return self.workdir / f"{name}{self._dirs}"

    def settings(self) -> Settings:
        return S.product_settings(self.args.preset, self.args.backend, self.fresh_dir("store"))

    @cached_property
    def product_emb(self) -> Embeddings:
        from rag.embed import build_embeddings

        return build_embeddings(self.settings())

    @cached_property
    def plain_emb(self) -> Embeddings:
        from rag.embed import build_embeddings

        return build_embeddings(S.plain_settings(self.args.preset))

    def news(
        self,
        embeddings: Embeddings,
        paths: Sequence[Path],
        desc: str,
        chat: BaseChatModel | None = None,
    ) -> Any:
        """A fresh store of `paths`; `chat`: the model to share (none: built if it is asked)."""
        from rag.api import NewsRAG

        news = NewsRAG(self.settings(), embeddings=embeddings, chat_model=chat)
        total = sum(
            len(realtimeqa.raw_articles(p)) if p.is_file() else len(raw_texts(p)) for p in paths
        )
        bar, progress = S.ingest_bar(desc, total)
        news.ingest(list(paths), progress=progress)
        bar.close()
        return news

    @cached_property
    def seed_news(self) -> Any:
        return self.news(self.product_emb, [ARTICLES], "seeds product")

    @cached_property
    def chat(self) -> BaseChatModel:
        chat: BaseChatModel = self.seed_news.chat_model()  # built once, shared by both pipelines
        return chat

    @cached_property
    def seed_plain(self) -> Baseline:
        base = Baseline(self.plain_emb, self.chat, self.fresh_dir("plain"))
        base.add(raw_texts(ARTICLES))
        return base

    @cached_property
    def seed_items(self) -> list[Row]:
        return load_questions(DEFAULT_QUESTIONS)


# --- section 3: retrieval; section 4: answer -------------------------------------------------


def retrieval_section(b: Bench) -> dict[str, Any]:
    questions = [it["question"] for it in b.seed_items]
    fns = {**S.product_retrievers(b.seed_news), "plain": b.seed_plain.retrieve}
    lat = S.retrieval_timings(fns, questions, "retrieval")
    figures = [
        figure(f"retrieval {q} ({kind})", "ms", lat["plain"][q], lat[f"product_{kind}"][q], "lower")
        for kind in ("search", "evidence")
        for q in ("p50", "p95")
    ]
    lines = [
        f"{len(questions)} seed questions after one warm-up query each. search: embed the "
        "question and search (the product: query expansion, dense + BM25, fusion, diversity); "
        "evidence: the product's search plus evidence-sentence selection, all an answer waits "
        "for before the model. Plain: Baseline.retrieve (top 4, vectors only)."
    ]
    return {"status": "ok", "figures": figures, "latency_ms": lat, "lines": lines}


def answer_section(b: Bench) -> dict[str, Any]:
    items = b.seed_items[: b.args.questions]
    warm_up_model(b.chat, b.seed_news.settings.llm.backend)
    # All product questions, then all plain ones: never interleaved (prompt-prefix cache).
    outs = {
        "product": S.answer_outputs("product", b.seed_news, None, items, "answer"),
        "plain": S.answer_outputs("plain", None, b.seed_plain, items, "answer"),
    }
    summ = {p: S.answer_summary(o) for p, o in outs.items()}
    figures = []
    for key, label in (("first_output_ms", "first output"), ("total_ms", "total")):
        for q in ("p50", "p95"):
            plain, prod = S.seconds(summ["plain"][key][q]), S.seconds(summ["product"][key][q])
            figures.append(figure(f"answer {label} {q}", "s", plain, prod, "lower"))
    summaries = sum(it.get("kind") in ("summary", "timeline") for it in items)
    lines = [
        f"{len(items)} seed questions ({summaries} summary/timeline ones, which the product "
        f"answers with its summarizer), one shared {b.seed_news.settings.llm.backend} model "
        f"(weights loaded before the clock). The model was called for "
        f"{summ['product']['model_called']} product answers (the others abstained before "
        f"it: nothing on topic) and {summ['plain']['model_called']} plain ones. First output: "
        "the first token, or the whole answer when no model was called."
    ]
    rows = [
        {
            "id": it.get("id", ""),
            "pipeline": p,
            **o.timings(),
            "abstained": o.abstained,
            "error": o.error,
        }
        for p, pipeline_outs in outs.items()
        for it, o in zip(items, pipeline_outs, strict=True)
    ]
    return {"status": "ok", "figures": figures, "summary": summ, "rows": rows, "lines": lines}


# --- main -----------------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = datetime.now(UTC)
    out = args.out or ROOT / "eval" / "runs" / f"bench-{started:%Y%m%dT%H%M%SZ}"
    rtqa_dir = args.shared / "realtimeqa" / "2023"
    gcs: Path | None = None
    if rtqa_dir.is_dir():
        try:
            week = realtimeqa.pick_weeks(rtqa_dir, args.week or "first:1")[0]
        except (ValueError, IndexError) as exc:
            print(f"newsrag bench: {exc or 'no RealTimeQA week found'}", file=sys.stderr)
            return 2
        gcs = rtqa_dir / f"{week}_gcs.jsonl"
    else:
        print(realtimeqa.skip_message(rtqa_dir) + "; seed articles only, no scale section")
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

    def ingest(b: Bench) -> dict[str, Any]:
        return ingest_section(args.preset, args.backend, b.fresh_dir("ingest"), ARTICLES, gcs)

    def scale(b: Bench) -> dict[str, Any]:
        if gcs is None:
            return {"status": f"skipped: {rtqa_dir} not found"}
        return scale_section(args.preset, args.backend, b.fresh_dir("scale"), rtqa_dir, args)

    def summaries(b: Bench) -> dict[str, Any]:
        def warm_up() -> None:
            b.seed_news.warm_up()  # as the page does at start: both system prompts read

        return summaries_section(b, rtqa_dir, args.summary_week, warm_up)

    runners: dict[str, Callable[[Bench], dict[str, Any]]] = {
        "embed": embed_section,
        "ingest": ingest,
        "retrieval": retrieval_section,
        "answer": answer_section,
        "summaries": summaries,
        "scale": scale,
    }
    sections: dict[str, dict[str, Any]] = {}
    with tempfile.TemporaryDirectory(prefix="newsrag-bench-", ignore_cleanup_errors=True) as tmp:
        bench = Bench(args, Path(tmp), gcs)
        for name in args.sections:
            print(f"== {name}", file=sys.stderr)
            try:
                sections[name] = runners[name](bench)
            except Exception as exc:  # one broken section must not throw away an hour of others
                traceback.print_exc()
                sections[name] = {"status": f"failed: {type(exc).__name__}: {exc}"}
        settings = S.product_settings(args.preset, args.backend, Path(tmp))
        config = {
            "started": started.isoformat(timespec="seconds"),
            "git": git_commit(),
            "argv": list(argv if argv is not None else sys.argv[1:]),
            "preset": args.preset,
            "llm": settings.llm.backend,
            "embedder": settings.embed.backend,
            "plain_embedder": S.plain_settings(args.preset).embed.backend,
            "sections": args.sections,
            "week": gcs.name if gcs else None,
            "summary_week": args.summary_week,
            "cpu_count": os.cpu_count(),
            "seconds": round((datetime.now(UTC) - started).total_seconds(), 1),
        }
    tables = write_bench(out, config, sections)
    print(tables)
    print(f"report: {out}")
    return (
        0
        if all(
            s.get("status", "ok") == "ok" or s["status"].startswith("skipped")
            for s in sections.values()
        )
        else 1
    )


if __name__ == "__main__":
    raise SystemExit(main())
