"""Retrieval settings against RealTimeQA tune weeks, without the language model.

    python -m eval.tune_retrieval --weeks 20230113,20230303,20230421 \
        '{"k_chunks": 10}' '{"k_chunks": 16, "evidence_tokens": 400}'

For each answerable question (the gold choice occurs in the week's articles) and each settings
variant (a JSON object of `RetrievalSettings` fields), the share whose gold choice is in the
retrieved chunks, in their candidate sentences and in the evidence handed to the model. It is the
first half of the eval's stage table in seconds rather than an hour, so retrieval can be tuned on
January-June weeks alone. Week stores are built once under --stores and reused.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.metrics import contains_alias
from eval.rtqa import gold_choice, read_jsonl
from rag.calibration.fit import REPORT_WEEKS

ROOT = Path(__file__).resolve().parents[1]


def week_news(week: str, folder: Path, stores: Path) -> Any:
    from rag.api import NewsRAG
    from rag.config import settings_for

    settings = settings_for("default", store__path=stores / week, llm__backend="fake")
    news = NewsRAG(settings)
    if news.store.count()[0] == 0:
        print(f"{week}: {news.ingest([folder / f'{week}_gcs.jsonl']).summary()}", file=sys.stderr)
    return news


def stages(news: Any, question: str, gold: str) -> tuple[bool, bool, bool]:
    hits, evidence = news.answerer.gather(question, None)
    from rag.retrieve import candidate_sentences

    chunks = " ".join(h.text for h in hits)
    sentences = " ".join(c.text for c in candidate_sentences(hits))
    passages = " ".join(e.quote for e in evidence)
    return (contains_alias(chunks, [gold]), contains_alias(sentences, [gold]),
            contains_alias(passages, [gold]))  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.tune_retrieval", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("variants", nargs="*", default=["{}"], help="RetrievalSettings overrides")
    ap.add_argument("--weeks", required=True, help="comma-separated January-June 2023 weeks")
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--stores", type=Path, default=ROOT / "eval" / "runs" / "tune-stores")
    args = ap.parse_args(argv)
    weeks = [w.strip() for w in args.weeks.split(",") if w.strip()]
    if REPORT_WEEKS.intersection(weeks):
        print("refusing to tune on report weeks", file=sys.stderr)
        return 2
    os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")
    folder = args.shared / "realtimeqa" / "2023"
    variants = [json.loads(v) for v in args.variants]
    totals = [[0, 0, 0] for _ in variants]
    answerable = 0
    for week in weeks:
        news = week_news(week, folder, args.stores)
        corpus = "\n".join(f"{a.title}\n{a.text}" for a in news.articles())
        base = news.settings.retrieval
        for qa in read_jsonl(folder / f"{week}_qa.jsonl"):
            gold = gold_choice(qa)
            if not contains_alias(corpus, [gold]):
                continue
            answerable += 1
            for total, variant in zip(totals, variants, strict=True):
                cfg = base.model_copy(update=variant)
                news.retriever.cfg = news.answerer.settings.retrieval = cfg
                for i, found in enumerate(stages(news, qa["question_sentence"], gold)):
                    total[i] += found
        news.retriever.cfg = news.answerer.settings.retrieval = base
    print(f"{answerable} answerable questions in {', '.join(weeks)}")
    print("| variant | in chunks | in candidate sentences | in evidence |\n|---|---:|---:|---:|")
    for variant, (a, b, c) in zip(variants, totals, strict=True):
        n = answerable or 1
        print(f"| `{json.dumps(variant)}` | {a / n:.2f} | {b / n:.2f} | {c / n:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
