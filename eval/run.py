"""`newsrag eval`: the product and the plain LangChain baseline on the same questions and models.

    newsrag eval                                # seed questions + the first RealTimeQA week
    newsrag eval --seed-only --limit 10 --kinds fact,list
    newsrag eval --realtimeqa-only --realtimeqa 20230106,20230113
    newsrag eval --routing-only                 # summary-or-question routing, no LLM

One chat model and one embeddings object are built and shared by both pipelines, so the model
loads once and the comparison measures the pipelines, not the models. Reports go to
eval/runs/<UTC timestamp>/ (see eval/report.py and eval/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel

from eval import routing
from eval.baseline import Baseline, raw_texts
from eval.records import article_lookup, baseline_output
from eval.report import Row, write_report
from eval.rows import ask_product, make_row
from rag.config import PRESETS, Settings, settings_for

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_QUESTIONS = ROOT / "eval" / "questions" / "seed.jsonl"
ARTICLES = ROOT / "articles"


def add_model_options(p: argparse.ArgumentParser) -> None:
    """--preset and --backend, shared by `newsrag eval` and `newsrag bench`."""
    p.add_argument("--preset", default="default", choices=sorted(PRESETS), help="settings preset")
    p.add_argument(
        "--backend",
        choices=["embedded", "openai", "ollama", "fake"],
        help="LLM backend (default: from the preset / NEWSRAG_LLM__BACKEND)",
    )


def parse_args(argv: Sequence[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(
        prog="newsrag eval",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS, help="JSONL question set")
    add_model_options(p)
    p.add_argument("--out", type=Path, help="report folder (default: eval/runs/<UTC timestamp>)")
    p.add_argument("--limit", type=int, help="only the first N questions (per RealTimeQA week too)")
    p.add_argument("--kinds", help="only these seed kinds, comma-separated (e.g. fact,list)")
    p.add_argument("--no-baseline", action="store_true", help="skip the LangChain baseline")
    p.add_argument(
        "--realtimeqa",
        metavar="WEEKS",
        default=None,
        help="RealTimeQA weeks: 20230106,20230113 or first:N or all (default first:1)",
    )
    p.add_argument(
        "--shared",
        type=Path,
        default=ROOT.parent / "shared",
        help="shared folder holding realtimeqa/2023 (default: ../shared)",
    )
    p.add_argument(
        "--min-confidence",
        type=float,
        help="answer at or above this calibrated confidence (0 answers every verified draft, so "
        "the risk-coverage curve covers every threshold; default: the fitted threshold)",
    )
    only = p.add_mutually_exclusive_group()
    only.add_argument("--seed-only", action="store_true", help="skip RealTimeQA")
    only.add_argument("--realtimeqa-only", action="store_true", help="skip the seed questions")
    only.add_argument(
        "--routing-only", action="store_true", help="only chat routing (no LLM; eval/routing.py)"
    )
    argv = list(argv)
    if argv[:1] == ["--"]:  # `newsrag eval -- --seed-only` hands the separator on
        argv = argv[1:]
    args = p.parse_args(argv)
    if args.limit is not None and args.limit < 1:
        p.error("--limit must be at least 1")
    return args


def load_questions(path: Path, kinds: str | None = None, limit: int | None = None) -> list[Row]:
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()
             if line.strip()]  # fmt: skip
    if kinds:
        wanted = {k.strip() for k in kinds.split(",") if k.strip()}
        items = [it for it in items if it.get("kind") in wanted]
    return items[:limit] if limit else items


class Models:
    """The one chat model and embeddings object shared by every store and both pipelines."""

    def __init__(self, args: argparse.Namespace, workdir: Path) -> None:
        from rag.embed import build_embeddings
        from rag.llm import build_chat_model

        self.args = args
        self.workdir = workdir
        self._stores = 0
        self.settings = self.for_store()
        self.embeddings: Embeddings = build_embeddings(self.settings)
        self.chat: BaseChatModel = build_chat_model(self.settings)

    def for_store(self) -> Settings:
        """Settings for a fresh, empty store (the model cache stays where it is)."""
        self._stores += 1
        overrides: dict[str, Any] = {"store__path": self.workdir / f"store{self._stores}"}
        if self.args.backend:
            overrides["llm__backend"] = self.args.backend
        if getattr(self.args, "min_confidence", None) is not None:
            overrides["citations__min_confidence"] = self.args.min_confidence
        return settings_for(self.args.preset, **overrides)

    def fresh_dir(self, name: str) -> Path:
        self._stores += 1
        return self.workdir / f"{name}{self._stores}"

    def news(self) -> Any:
        from rag.api import NewsRAG

        return NewsRAG(self.for_store(), embeddings=self.embeddings, chat_model=self.chat)

    def baseline(self) -> Baseline:
        return Baseline(self.embeddings, self.chat, self.fresh_dir("baseline"))

    def warm_up(self) -> None:
        warm_up_model(self.chat, self.settings.llm.backend)


def warm_up_model(chat: BaseChatModel, backend: str) -> None:
    """Load the model weights before the clock starts, so question 1 is not charged for it."""
    from rag.llm import LlamaCppChat

    if backend == "embedded" and isinstance(chat, LlamaCppChat):
        chat.warm()  # one token after "Reply with OK.", no system prompt


# --- the seed run ---------------------------------------------------------------------------


def run_seed(models: Models, items: list[Row], with_baseline: bool) -> tuple[list[Row], dict]:
    from tqdm import tqdm

    news = models.news()
    report = news.ingest([ARTICLES])
    stored = {Path(a.source).name for a in news.articles()}
    missing = {e["source"] for it in items for e in it.get("evidence") or []} - stored
    if missing:
        print(f"warning: gold evidence files not in the store: {sorted(missing)}", file=sys.stderr)
    base = models.baseline() if with_baseline else None
    chunks = base.add(raw_texts(ARTICLES)) if base else 0
    lookup = article_lookup(news)
    rows: list[Row] = []
    # Each pipeline runs all its questions in a row: llama.cpp reuses the cached prompt prefix
    # of the previous call, and interleaving would wipe out the product's shared system prompt.
    bar = tqdm(total=len(items) * (2 if base else 1), desc="seed", unit="q")
    for item in items:
        rows.append(make_row(item, ask_product(news, item, lookup), "product"))
        bar.update()
    if base is not None:
        for item in items:
            # The tutorial has no memory: a follow-up goes in as written.
            rows.append(make_row(item, baseline_output(base.ask(item["question"])), "baseline"))
            bar.update()
    bar.close()
    info = {
        "ingest": report.summary(),
        "baseline_chunks": chunks,
        "baseline_k": base.k if base else None,
        "product_evidence": models.settings.retrieval.evidence_sentences,
    }
    return rows, info


def git_commit() -> str:
    try:
        out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True,
                             capture_output=True, timeout=5, check=False)  # fmt: skip
    except OSError:
        return ""
    return out.stdout.strip()


def main(argv: Sequence[str] | None = None) -> int:
    from eval import rtqa as realtimeqa

    args = parse_args(sys.argv[1:] if argv is None else argv)
    started = datetime.now(UTC)
    out = args.out or ROOT / "eval" / "runs" / started.strftime("%Y%m%dT%H%M%SZ")
    rtqa_dir = args.shared / "realtimeqa" / "2023"
    if args.routing_only:
        stamp = {"started": started.isoformat(timespec="seconds"), "git": git_commit()}
        meta = {**stamp, "preset": args.preset}
        return routing.report_only(settings_for(args.preset), out, meta, rtqa_dir)
    weeks_spec = args.realtimeqa or "first:1"
    run_rtqa = not args.seed_only
    if args.realtimeqa_only and not rtqa_dir.is_dir():
        print(realtimeqa.skip_message(rtqa_dir))
        return 0
    items: list[Row] = []
    if not args.realtimeqa_only:
        items = load_questions(args.questions, args.kinds, args.limit)
        if not items:
            print(f"newsrag eval: no questions selected from {args.questions}", file=sys.stderr)
            return 2
    weeks: list[str] = []
    if run_rtqa and rtqa_dir.is_dir():
        try:
            weeks = realtimeqa.pick_weeks(rtqa_dir, weeks_spec)
        except ValueError as exc:
            print(f"newsrag eval: {exc}", file=sys.stderr)
            return 2

    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    with tempfile.TemporaryDirectory(prefix="newsrag-eval-", ignore_cleanup_errors=True) as tmp:
        models = Models(args, Path(tmp))
        models.warm_up()
        config: dict[str, Any] = {
            "started": started.isoformat(timespec="seconds"), "git": git_commit(),
            "argv": list(argv if argv is not None else sys.argv[1:]), "preset": args.preset,
            "backend": models.settings.llm.backend, "questions": str(args.questions),
            "items": len(items), "baseline": not args.no_baseline,
            "settings": models.settings.model_dump(mode="json"), "cpu_count": os.cpu_count(),
        }  # fmt: skip
        routed = routing.run(models.embeddings, rtqa_dir)  # seconds, no model call
        rows: list[Row] = []
        if items:
            rows, info = run_seed(models, items, not args.no_baseline)
            config.update(info)
        rtqa: dict[str, Any] | None = None
        if run_rtqa:
            if rtqa_dir.is_dir():
                rtqa = realtimeqa.run(models, rtqa_dir, weeks, args.limit, not args.no_baseline)
            else:
                print(realtimeqa.skip_message(rtqa_dir))
                rtqa = {"status": f"skipped: {rtqa_dir} not found"}
        tables = write_report(out, config, rows, rtqa, routed)
    print(tables)
    print(f"report: {out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
