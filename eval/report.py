"""The report of a run: results.json, summary.md, metrics.png, latency.png, realtimeqa.png,
ragas.jsonl.

Rows are scored from pipeline-neutral `Output` records (eval/records.py), so every metric and
table below treats the product and the baseline exactly alike.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eval.metrics import latency_summary

PIPELINES = ("product", "baseline")
Row = dict[str, Any]


# --- aggregation ----------------------------------------------------------------------------

UNANSWERABLE_KINDS = frozenset({"unanswerable", "distractor"})


@dataclass(frozen=True)
class Metric:
    name: str
    label: str
    key: str = ""  # score key in row["scores"]; default: name
    lower_better: bool = False
    where: Callable[[Row], bool] | None = None


METRICS: tuple[Metric, ...] = (
    Metric("answer_correct", "Answer correctness (all gold facts present)"),
    Metric("fact_recall", "Gold-fact recall"),
    Metric("required_recall", "Required-fact recall (summary/timeline)"),
    Metric("abstention_correct", "Abstention correctness (all items)"),
    Metric("abstain_unanswerable", "Abstention on unanswerable+distractor", "abstained",
           where=lambda r: r["kind"] in UNANSWERABLE_KINDS),
    Metric("false_abstention", "False abstention on answerable", "abstained", True,
           where=lambda r: bool(r["answerable"])),
    Metric("citation_coverage", "Citation coverage"),
    Metric("citation_support", "Citation support"),
    Metric("gold_citation_accuracy", "Gold-fact citation accuracy"),
    Metric("unsupported_rate", "Unsupported-sentence rate", lower_better=True),
    Metric("recall_at_k", "Retrieval recall@k (what the model saw)"),
    Metric("forbidden_hit", "Forbidden-word hits", lower_better=True),
    Metric("quote_exact", "Quote exactness"),
    Metric("copy_share", "Summary sentences copying one source (reported)"),
    Metric("listed_copy_share",
           "Summary list entries copying one source (reported, quotes by design)"),
)  # fmt: skip


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def aggregate(rows: Sequence[Row], pipeline: str) -> dict[str, Any]:
    """{metric: {"value", "n"}} plus latency summaries (ms) for one pipeline's rows."""
    mine = [r for r in rows if r["pipeline"] == pipeline]
    out: dict[str, Any] = {}
    for m in METRICS:
        values = [
            float(r["scores"][m.key or m.name])
            for r in mine
            if (m.where is None or m.where(r)) and r["scores"].get(m.key or m.name) is not None
        ]
        out[m.name] = {"value": _mean(values), "n": len(values)}
    out["latency_ms"] = {
        name: latency_summary([float(r["timings"][name]) for r in mine])
        for name in ("first_output_ms", "total_ms")
    }
    out["errors"] = sum(bool(r["error"]) for r in mine)
    return out


def primary_score(row: Row) -> float | None:
    """One number per row for the per-kind table: abstention for unanswerable items,
    all-gold-facts correctness where there are gold facts, else required-fact recall."""
    s = row["scores"]
    if not row["answerable"]:
        return s["abstention_correct"]
    if s.get("answer_correct") is not None:
        return s["answer_correct"]
    return s.get("required_recall")


def per_kind(rows: Sequence[Row]) -> dict[str, dict[str, Any]]:
    table: dict[str, dict[str, Any]] = {}
    for kind in dict.fromkeys(r["kind"] for r in rows):
        entry: dict[str, Any] = {}
        for p in PIPELINES:
            vals = [v for r in rows if r["kind"] == kind and r["pipeline"] == p
                    if (v := primary_score(r)) is not None]  # fmt: skip
            entry[p] = {"score": _mean(vals), "n": len(vals)}
        table[kind] = entry
    return table


# --- markdown -------------------------------------------------------------------------------


def fmt_num(v: float | None, digits: int = 2) -> str:
    return "—" if v is None else f"{v:.{digits}f}"


def _delta(a: float | None, b: float | None, digits: int = 2) -> str:
    return "—" if a is None or b is None else f"{a - b:+.{digits}f}"


def summary_table(agg: dict[str, dict[str, Any]]) -> str:
    prod, base = agg.get("product", {}), agg.get("baseline", {})
    lines = ["| metric | product | baseline | delta |", "|---|---:|---:|---:|"]
    for m in METRICS:
        p, b = prod.get(m.name, {}), base.get(m.name, {})
        ns = {x.get("n") for x in (p, b) if x}
        n = "/".join(str(x.get("n")) for x in (p, b) if x) if len(ns) > 1 else str(ns.pop() or 0)
        arrow = " (lower is better)" if m.lower_better else ""
        lines.append(
            f"| {m.label}{arrow} [n={n}] | {fmt_num(p.get('value'))} | "
            f"{fmt_num(b.get('value'))} | {_delta(p.get('value'), b.get('value'))} |"
        )
    for name, label in (("first_output_ms", "First output"), ("total_ms", "Total latency")):
        for q in ("p50", "p95"):
            pv = _sec(prod.get("latency_ms", {}).get(name, {}).get(q))
            bv = _sec(base.get("latency_ms", {}).get(name, {}).get(q))
            lines.append(
                f"| {label} {q} (s, lower is better) | {fmt_num(pv, 1)} | {fmt_num(bv, 1)} | "
                f"{_delta(pv, bv, 1)} |"
            )
    return "\n".join(lines)


def _sec(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000


def kind_table(kinds: dict[str, dict[str, Any]]) -> str:
    lines = ["| kind | n | product | baseline | delta |", "|---|---:|---:|---:|---:|"]
    for kind, e in kinds.items():
        p, b = e["product"]["score"], e["baseline"]["score"]
        n = e["product"]["n"] or e["baseline"]["n"]
        lines.append(f"| {kind} | {n} | {fmt_num(p)} | {fmt_num(b)} | {_delta(p, b)} |")
    return "\n".join(lines)


def realtimeqa_table(rtqa: dict[str, Any]) -> str:
    if rtqa.get("status") != "ok":
        return f"RealTimeQA: {rtqa.get('status', 'not run')}"
    lines = [
        "Cells are product / baseline.",
        "",
        "| week | questions | articles | accuracy | abstention | unsupported | total p50 (s) |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for w in [*rtqa["weeks"], rtqa["overall"]]:
        p, b = w["product"], w.get("baseline") or {}

        def pair(key: str, scale: float = 1.0, digits: int = 2, p: Any = p, b: Any = b) -> str:
            pv, bv = p.get(key), b.get(key)
            pv = None if pv is None else pv / scale
            bv = None if bv is None else bv / scale
            return f"{fmt_num(pv, digits)} / {fmt_num(bv, digits)}"

        lines.append(
            f"| {w['week']} | {w['questions']} | {w.get('articles', '—')} | {pair('accuracy')} | "
            f"{pair('abstention')} | {pair('unsupported_rate')} | "
            f"{pair('total_p50_ms', 1000, 1)} |"
        )
    return "\n".join(lines)


def failures(rows: Sequence[Row], pipeline: str = "product") -> str:
    out: list[str] = []
    for r in rows:
        if r["pipeline"] != pipeline or not r["problems"]:
            continue
        answer = " ".join(r["answer"].split())
        draft = " ".join(str(r.get("draft", "")).split())
        lines = [f"- **{r['id']}** ({r['kind']}) {r['question']}",
                 f"  - answer: {answer[:400] or '(empty)'}"]  # fmt: skip
        if draft and draft != answer:
            lines.append(f"  - model draft: {draft[:400]}")
        lines.append(f"  - wrong: {'; '.join(r['problems'])}")
        out.append("\n".join(lines))
    return "\n".join(out) or "None."


# --- files ----------------------------------------------------------------------------------


def pyplot() -> Any:
    """matplotlib.pyplot on the Agg backend: no display on servers and in tests."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def write_json(path: Path, data: Any) -> None:
    """Indented UTF-8 JSON; values JSON cannot hold (paths, dates) written as strings."""
    path.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")


def _plots(out: Path, agg: dict[str, dict[str, Any]], rows: Sequence[Row]) -> None:
    plt = pyplot()
    present = [p for p in PIPELINES if p in agg]
    labels = [m.label + (" (lower is better)" if m.lower_better else "") for m in METRICS]
    fig, ax = plt.subplots(figsize=(9, 7))
    height = 0.8 / max(len(present), 1)
    for i, p in enumerate(present):
        vals = [agg[p][m.name]["value"] or 0.0 for m in METRICS]
        ax.barh([y + i * height for y in range(len(METRICS))], vals, height, label=p)
    ax.set_yticks([y + height * (len(present) - 1) / 2 for y in range(len(METRICS))], labels)
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_title("Product vs baseline (seed questions)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out / "metrics.png", dpi=110)
    plt.close(fig)

    fig, axes = plt.subplots(1, 2, figsize=(10, 4))
    for ax, (name, title) in zip(
        axes, (("first_output_ms", "First output (s)"), ("total_ms", "Total (s)")), strict=True
    ):
        data = [[r["timings"][name] / 1000 for r in rows if r["pipeline"] == p] for p in present]
        ax.boxplot(data, tick_labels=present)
        ax.set_title(title)
    fig.tight_layout()
    fig.savefig(out / "latency.png", dpi=110)
    plt.close(fig)


def _rtqa_plot(out: Path, rtqa: dict[str, Any]) -> None:
    """Per week and overall: accuracy, abstention and unsupported rate, product beside baseline."""
    plt = pyplot()
    groups = [*rtqa.get("weeks", []), rtqa.get("overall") or {}]
    names = [str(g.get("week", "")) for g in groups]
    metrics = (("accuracy", "accuracy"), ("abstention", "abstention"),
               ("unsupported_rate", "unsupported (lower is better)"))  # fmt: skip
    fig, axes = plt.subplots(1, len(metrics), figsize=(12, 3.8), sharey=True)
    for ax, (key, title) in zip(axes, metrics, strict=True):
        for i, p in enumerate(PIPELINES):
            vals = [((g.get(p) or {}).get(key) or 0.0) for g in groups]
            ax.bar([x + i * 0.4 for x in range(len(groups))], vals, 0.4, label=p)
        ax.set_xticks([x + 0.2 for x in range(len(groups))], names, rotation=45, fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(title)
    axes[0].legend()
    fig.suptitle("RealTimeQA, open-ended: product vs baseline")
    fig.tight_layout()
    fig.savefig(out / "realtimeqa.png", dpi=110)
    plt.close(fig)


def write_report(
    out: Path,
    config: dict[str, Any],
    rows: Sequence[Row],
    rtqa: dict[str, Any] | None,
    routing: dict[str, Any] | None = None,
) -> str:
    """Write every report file into `out`; returns the markdown summary's main tables.
    `routing`: eval.routing.run's result, when the run measured the chat router."""
    out.mkdir(parents=True, exist_ok=True)
    present = [p for p in PIPELINES if any(r["pipeline"] == p for r in rows)]
    agg = {p: aggregate(rows, p) for p in present}
    kinds = per_kind(rows)
    results = {"config": config, "aggregate": agg, "per_kind": kinds, "rows": list(rows),
               "realtimeqa": rtqa, "routing": routing}  # fmt: skip
    write_json(out / "results.json", results)
    # RealTimeQA rows too: their ground truth is the gold choice's text.
    weekly = [{**r, "ground_truth": r["gold"]} for r in (rtqa or {}).get("rows", [])]
    with (out / "ragas.jsonl").open("w", encoding="utf-8") as f:
        for r in [*rows, *weekly]:
            rec = {"pipeline": r["pipeline"], "id": r["id"], "question": r["question"],
                   "answer": r["answer"],
                   "contexts": [c["text"] for c in r.get("retrieved", [])],
                   "ground_truth": r["ground_truth"]}  # fmt: skip
            f.write(json.dumps(rec, ensure_ascii=False) + "\n")
    parts: list[str] = []
    if routing is not None:
        from eval.routing import table

        parts += [table(routing), ""]
    if rows:
        parts += ["## Seed questions: product vs baseline", "", summary_table(agg), "",
                  "## Per kind", "", kind_table(kinds), ""]  # fmt: skip
        _plots(out, agg, rows)
    if rtqa is not None:
        parts += ["## RealTimeQA", "", realtimeqa_table(rtqa), ""]
        if rtqa.get("status") == "ok" and rtqa.get("weeks"):
            _rtqa_plot(out, rtqa)
        if rtqa.get("stages"):
            from eval.rtqa_stages import plot_risk_coverage, stage_table
            from rag.decide import load_calibration

            parts += ["### Answerable questions, stage recall, cross-week false answers", "",
                      stage_table(rtqa["stages"]), "",
                      "Risk-coverage: `realtimeqa_risk_coverage.png`.", ""]  # fmt: skip
            plot_risk_coverage(rtqa.get("curve") or [], load_calibration().threshold,
                               out / "realtimeqa_risk_coverage.png")  # fmt: skip
    tables = "\n".join(parts)
    body = [f"# Evaluation run {config.get('started', '')}", "", _config_line(config), "", tables]
    if rows:
        body += ["## Product failures", "", failures(rows), ""]
    (out / "summary.md").write_text("\n".join(body), encoding="utf-8")
    return tables


def _config_line(config: dict[str, Any]) -> str:
    keys = ("preset", "backend", "questions", "items", "git")
    return " · ".join(f"{k}: {config[k]}" for k in keys if config.get(k) not in (None, ""))
