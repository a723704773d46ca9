"""Retrieval settings against RealTimeQA tune weeks, without the language model.

    python -m eval.tune_retrieval --weeks 20230113,20230303,20230421 \
        '{"k_chunks": 10}' '{"k_chunks": 16, "evidence_tokens": 400}'

For each answerable question (the gold choice occurs in the week's articles) and each settings
variant (a JSON object of `RetrievalSettings` fields), the share whose gold choice is in the
retrieved chunks, in their candidate sentences and in the evidence handed to the model. It is the
first half of the eval's stage table in seconds rather than an hour, so retrieval can be tuned on
January-June weeks alone. Week stores are built once under --stores and reused. With --seed, the
bundled articles' answerable questions too (tuning data as well): the share whose every gold
fact is in the evidence.
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
QA = ("fact", "list", "number", "date", "multi")  # seed kinds asked alone: no summary, follow-up


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
    ap.add_argument("--weeks", default="", help="comma-separated January-June 2023 weeks")
    ap.add_argument("--seed", action="store_true", help="also the seed questions' evidence")
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
    if args.seed:
        seed_evidence(variants, args.shared / "seeds", args.stores)
    return 0


def seed_evidence(variants: list[dict[str, Any]], seeds: Path, stores: Path) -> None:
    """Per variant, how many answerable seed questions have every gold fact in the evidence."""
    from rag.api import NewsRAG
    from rag.config import settings_for

    news = NewsRAG(settings_for("default", store__path=stores / "seeds", llm__backend="fake"))
    if news.store.count()[0] == 0:
        news.ingest([seeds])
    items = [json.loads(line) for line in (ROOT / "eval/questions/seed.jsonl").open()]
    items = [i for i in items if i.get("answerable") and i.get("gold_facts") and i["kind"] in QA]
    base = news.settings.retrieval
    print(f"\n{len(items)} answerable seed questions\n| variant | every gold fact in evidence |")
    print("|---|---:|")
    for variant in variants:
        news.retriever.cfg = news.answerer.settings.retrieval = base.model_copy(update=variant)
        found = 0
        for item in items:
            passages = " ".join(e.quote for e in news.answerer.gather(item["question"], None)[1])
            found += all(contains_alias(passages, alts) for alts in item["gold_facts"])
        print(f"| `{json.dumps(variant)}` | {found}/{len(items)} |")
    news.retriever.cfg = news.answerer.settings.retrieval = base


if __name__ == "__main__":
    raise SystemExit(main())
