"""RealTimeQA (2023) weeks as an open-ended news QA test: real articles, real questions.

Each week's `<week>_gcs.jsonl` (the search results retrieved for that week's questions) goes
into a fresh store; every `<week>_qa.jsonl` question is asked WITHOUT its choices. An answer is
correct when the gold choice's text appears in it and no other choice's text does. The data is
read from the shared folder at run time and never copied into the repo.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

from eval.baseline import Baseline, unsupported_vs_contexts
from eval.metrics import answer_sentences, contains_alias, latency_summary, strip_markers
from eval.metrics import unsupported_rate as product_unsupported_rate
from eval.records import Output, article_lookup, baseline_output, error_output, product_output
from eval.report import PIPELINES, Row
from eval.rtqa_stages import risk_coverage, stage_flags, stage_summary, week_text


class ModelSource(Protocol):
    """What eval.run.Models provides: fresh stores sharing one model and one embedder."""

    def news(self) -> Any: ...

    def baseline(self) -> Baseline: ...


def skip_message(folder: Path) -> str:
    return (f"RealTimeQA: skipped, {folder} not found "
            "(pass --shared DIR, the folder that holds realtimeqa/2023)")  # fmt: skip


def available_weeks(folder: Path) -> list[str]:
    """Weeks (YYYYMMDD) that have both a questions file and a search-results file."""
    weeks = {p.name.removesuffix("_qa.jsonl") for p in folder.glob("*_qa.jsonl")}
    return sorted(w for w in weeks if (folder / f"{w}_gcs.jsonl").is_file())


def pick_weeks(folder: Path, spec: str) -> list[str]:
    """`first:N`, `all`, or a comma list of weeks; unknown weeks are an error."""
    weeks = available_weeks(folder)
    spec = spec.strip()
    if spec == "all":
        return weeks
    if spec.startswith("first:"):
        try:
            n = int(spec.removeprefix("first:"))
        except ValueError:
            raise ValueError(f"bad RealTimeQA week spec {spec!r}: use first:N") from None
        if n < 1:
            raise ValueError("first:N needs N >= 1")
        return weeks[:n]
    wanted = [w.strip() for w in spec.split(",") if w.strip()]
    unknown = [w for w in wanted if w not in weeks]
    if unknown:
        raise ValueError(f"RealTimeQA weeks not found in {folder}: {', '.join(unknown)}")
    return wanted


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


def raw_articles(gcs_path: Path) -> list[tuple[str, str]]:
    """(source, title + text) of every search result: what the baseline indexes, uncleaned."""
    out: list[tuple[str, str]] = []
    for rec in read_jsonl(gcs_path):
        for k, res in enumerate(rec.get("search_result") or [], 1):
            text = raw_text(res)
            if text:
                out.append((f"{rec.get('question_id', '?')}:{k}", text))
    return out


def raw_text(result: dict[str, Any]) -> str:
    """One search result as the baseline reads it: title, blank line, text; "" without text."""
    text = str(result.get("text") or "")
    if not text.strip():
        return ""
    return f"{result.get('title') or ''}\n\n{text}".strip()


def gold_choice(qa: dict[str, Any]) -> str:
    return str(qa["choices"][int(qa["answer"][0])])


def rtqa_correct(answer: str, choices: Sequence[str], gold: str) -> bool:
    """The gold choice's text is in the answer and no other choice's text is."""
    text = strip_markers(answer)
    if not contains_alias(text, [gold]):
        return False
    return not any(contains_alias(text, [c]) for c in choices if c != gold)


def _score(qa: dict[str, Any], out: Output, pipeline: str) -> Row:
    gold = gold_choice(qa)
    claims = not out.abstained and bool(answer_sentences(out.text))
    if pipeline == "baseline":
        unsupported = unsupported_vs_contexts(out.text, [t for _, t in out.retrieved])
    else:
        unsupported = product_unsupported_rate(out.text, out.quotes)
    return {
        "id": qa.get("question_id", ""),
        "pipeline": pipeline,
        "question": qa["question_sentence"],
        "choices": qa["choices"],
        "gold": gold,
        "answer": out.text,
        "abstained": out.abstained,
        "correct": (not out.abstained) and rtqa_correct(out.text, qa["choices"], gold),
        "unsupported_rate": unsupported if claims else None,
        "citations": len(out.quotes),
        "error": out.error,
        "timings": out.timings(),
        # Why an answer is missing: the model's own draft, the check's note, what it dropped.
        "draft": out.draft,
        "note": out.note,
        "dropped": out.dropped,
        "retrieved": [{"source": s, "text": t} for s, t in out.retrieved],
    }


def _summary(rows: Sequence[Row]) -> dict[str, Any]:
    def mean(values: Sequence[float]) -> float | None:
        return sum(values) / len(values) if values else None

    unsupported = [r["unsupported_rate"] for r in rows if r["unsupported_rate"] is not None]
    first = latency_summary([r["timings"]["first_output_ms"] for r in rows])
    total = latency_summary([r["timings"]["total_ms"] for r in rows])
    return {
        "n": len(rows),
        "accuracy": mean([float(r["correct"]) for r in rows]),
        "abstention": mean([float(r["abstained"]) for r in rows]),
        "unsupported_rate": mean(unsupported),
        "first_output_p50_ms": first["p50"],
        "total_p50_ms": total["p50"],
        "total_p95_ms": total["p95"],
        "errors": sum(bool(r["error"]) for r in rows),
    }


def _ask(news: Any, qa: dict[str, Any], lookup: Any, corpus: str, pipeline: str) -> Row:
    """One question through the product, scored, with its stage columns and decision inputs."""
    gold = gold_choice(qa)
    t0 = time.perf_counter()
    try:
        answer = news.ask(qa["question_sentence"])
        out = product_output(answer, lookup, (time.perf_counter() - t0) * 1000, answer.draft)
    except Exception as exc:  # a failed question is a wrong answer, not a crashed run
        return {**_score(qa, error_output(exc, (time.perf_counter() - t0) * 1000), pipeline),
                "answerable": False, "draft_correct": False}  # fmt: skip
    row = {**_score(qa, out, pipeline), **stage_flags(gold, answer, corpus)}
    # Would the draft have been right had it been answered? What the decision is fitted on.
    row["draft_correct"] = pipeline == "product" and rtqa_correct(
        strip_markers(answer.draft or ""), qa["choices"], gold
    )
    return row


class Week:
    """One week's store, its questions and its articles' text."""

    def __init__(self, models: ModelSource, folder: Path, week: str, limit: int | None) -> None:
        self.name = week
        self.qas = read_jsonl(folder / f"{week}_qa.jsonl")[:limit]
        self.gcs = folder / f"{week}_gcs.jsonl"
        self.news = models.news()
        self.report = self.news.ingest([self.gcs])
        self.lookup = article_lookup(self.news)
        self.corpus = week_text(self.news)


def run_week(
    models: ModelSource, week: Week, with_baseline: bool
) -> tuple[dict[str, Any], list[Row]]:
    from tqdm import tqdm

    qas = week.qas
    rows: list[Row] = []
    bar = tqdm(total=len(qas) * (2 if with_baseline else 1), desc=f"rtqa {week.name}", unit="q")
    for qa in qas:  # open-ended: the choices are never shown to either pipeline
        rows.append(_ask(week.news, qa, week.lookup, week.corpus, "product"))
        bar.update()
    chunks = 0
    if with_baseline:
        base = models.baseline()
        chunks = base.add(raw_articles(week.gcs))
        for qa in qas:
            rows.append(_score(qa, baseline_output(base.ask(qa["question_sentence"])), "baseline"))
            bar.update()
    bar.close()
    report = week.report
    week_summary: dict[str, Any] = {
        "week": week.name, "questions": len(qas),
        "articles": len(report.added) + len(report.unchanged),
        "ingest": report.summary(), "baseline_chunks": chunks,
    }  # fmt: skip
    for p in PIPELINES:
        mine = [r for r in rows if r["pipeline"] == p]
        week_summary[p] = _summary(mine) if mine else None
    return week_summary, rows


def run_cross_week(weeks: Sequence[Week]) -> list[Row]:
    """Each week's questions asked of the next week's store (the last week's of the first):
    nothing there answers them, so every answer is false."""
    from tqdm import tqdm

    rows: list[Row] = []
    if len(weeks) < 2:
        return rows
    for i, asked in enumerate(weeks):
        store = weeks[(i + 1) % len(weeks)]
        for qa in tqdm(asked.qas, desc=f"cross {asked.name}->{store.name}", unit="q"):
            row = _ask(store.news, qa, store.lookup, store.corpus, "product-xweek")
            rows.append({**row, "week": asked.name, "store_week": store.name})
    return rows


def run(
    models: ModelSource,
    folder: Path,
    weeks: Sequence[str],
    limit: int | None = None,
    with_baseline: bool = True,
    cross_week: bool = True,
) -> dict[str, Any]:
    """Every chosen week in its own fresh store; per-week and overall summaries, the stage table,
    cross-week false answers and the risk-coverage curve."""
    summaries: list[dict[str, Any]] = []
    rows: list[Row] = []
    stores: list[Week] = []
    for name in weeks:
        week = Week(models, folder, name, limit)
        stores.append(week)
        summary, week_rows = run_week(models, week, with_baseline)
        summaries.append(summary)
        rows += [{**r, "week": name} for r in week_rows]
    if cross_week:
        rows += run_cross_week(stores)
    overall: dict[str, Any] = {
        "week": "all", "questions": sum(s["questions"] for s in summaries),
        "articles": sum(s["articles"] for s in summaries),
    }  # fmt: skip
    for p in PIPELINES:
        mine = [r for r in rows if r["pipeline"] == p]
        overall[p] = _summary(mine) if mine else None
    return {"status": "ok", "folder": str(folder), "weeks": summaries, "overall": overall,
            "stages": stage_summary(rows), "curve": risk_coverage(rows),
            "rows": rows}  # fmt: skip
