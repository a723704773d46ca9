"""The benchmark's report: bench.json, summary.md (markdown tables), bars.png and scale.png.

Every section reduces its measurements to `figure` records, one number per pipeline plus the ratio
product ÷ plain, so one table writer and one bar plot serve every section.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.bench_summaries import targets_table
from eval.report import fmt_num, pyplot, write_json

Figure = dict[str, Any]
Row = dict[str, Any]

TITLES = {
    "embed": "Embedding: throughput, agreement, retrieval recall",
    "ingest": "Ingest: seeds + one RealTimeQA week, each pipeline in its own process",
    "retrieval": "Retrieval latency: seed questions",
    "answer": "Answers with the real LLM: seed questions",
    "summaries": "Summaries: time to the first sentence and in all, against issue 16's targets",
    "scale": "Scale: one growing store of RealTimeQA 2023 articles",
}


def figure(
    metric: str,
    unit: str,
    plain: float | None,
    product: float | None,
    better: str,
    note: str = "",
    projected: bool = False,
) -> Figure:
    """One measured quantity for both pipelines. `better` is "higher" or "lower"; `projected`
    marks a plain value extrapolated from a measured rate rather than measured."""
    ratio = product / plain if product is not None and plain else None
    return {
        "metric": metric,
        "unit": unit,
        "plain": plain,
        "product": product,
        "ratio": ratio,
        "better": better,
        "note": note,
        "plain_projected": projected,
    }


def _val(v: float | None) -> str:
    # Enough digits to compare, no more: 12345 s, 123.4 ms, 0.994 cosine.
    if v is None:
        return "—"
    size = abs(v)
    return fmt_num(v, 0 if size >= 1000 else 1 if size >= 10 else 2 if size >= 1 else 3)


def figures_table(figures: Sequence[Figure]) -> str:
    lines = ["| metric | plain | product | product ÷ plain | note |", "|---|---:|---:|---:|---|"]
    for f in figures:
        plain = _val(f["plain"]) + (" (projected)" if f.get("plain_projected") else "")
        ratio = "—" if f["ratio"] is None else f"{f['ratio']:.2f}×"
        label = f"{f['metric']} ({f['unit']}, {f['better']} is better)"
        lines.append(f"| {label} | {plain} | {_val(f['product'])} | {ratio} | {f['note']} |")
    return "\n".join(lines)


def scale_table(rows: Sequence[Row]) -> str:
    """One line per size: the headline figures side by side, plain values marked when projected."""
    lines = [
        "| articles | ingest total (s) plain / product | ratio | retrieval p50 (ms) plain / "
        "product | ratio | answer total median (s) plain / product | ratio |",
        "|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in rows:
        by_name = {f["metric"]: f for f in row["figures"]}
        cells = [str(row["size"])]
        for name in ("ingest, cumulative", "retrieval p50 (search)", "answer total, median"):
            f = by_name[name]
            mark = " (projected)" if f.get("plain_projected") else ""
            ratio = "—" if f["ratio"] is None else f"{f['ratio']:.2f}×"
            cells += [f"{_val(f['plain'])}{mark} / {_val(f['product'])}", ratio]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def section_markdown(name: str, result: dict[str, Any]) -> str:
    parts = [f"## {TITLES.get(name, name)}", ""]
    if result.get("status") != "ok":
        return "\n".join([*parts, f"{name}: {result.get('status', 'not run')}", ""])
    if result.get("lines"):
        parts += [*result["lines"], ""]
    if result.get("figures"):
        parts += [figures_table(result["figures"]), ""]
    if result.get("targets"):
        parts += [targets_table(result["targets"]), ""]
    if name == "scale":
        parts += [scale_table(result["sizes"]), ""]
        for row in result["sizes"]:
            parts += [f"### {row['size']} articles", "", figures_table(row["figures"]), ""]
    return "\n".join(parts)


def _bars(out: Path, sections: dict[str, dict[str, Any]]) -> bool:
    """Small multiples, one panel per figure: units differ, so one shared axis would mislead."""
    figs = [
        (name, f)
        for name, s in sections.items()
        if s.get("status") == "ok"
        for f in s.get("figures", [])
        if f["plain"] is not None or f["product"] is not None
    ]
    if not figs:
        return False
    plt = pyplot()
    cols = 4
    rows = (len(figs) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False)
    for ax, (section, f) in zip(axes.flat, figs, strict=False):
        ax.bar(
            ["plain", "product"],
            [f["plain"] or 0.0, f["product"] or 0.0],
            color=["#999999", "#1f77b4"],
        )
        ratio = "" if f["ratio"] is None else f", ×{f['ratio']:.2f}"
        ax.set_title(
            f"{section}: {f['metric']}\n({f['unit']}, {f['better']} is better{ratio})", fontsize=8
        )
        ax.tick_params(labelsize=8)
    for ax in list(axes.flat)[len(figs) :]:
        ax.axis("off")
    fig.tight_layout()
    fig.savefig(out / "bars.png", dpi=100)
    plt.close(fig)
    return True


SCALE_PLOTS = (
    ("ingest, cumulative", "Ingest time (s)"),
    ("retrieval p50 (search)", "Retrieval p50 (ms)"),
    ("answer total, median", "Answer total, median (s)"),
)


def _growth(out: Path, scale: dict[str, Any]) -> bool:
    rows = scale.get("sizes") or []
    if scale.get("status") != "ok" or not rows:
        return False
    plt = pyplot()
    fig, axes = plt.subplots(1, len(SCALE_PLOTS), figsize=(5 * len(SCALE_PLOTS), 4))
    sizes = [r["size"] for r in rows]
    for ax, (name, title) in zip(axes, SCALE_PLOTS, strict=True):
        figs = [next(f for f in r["figures"] if f["metric"] == name) for r in rows]
        prod = [(s, f["product"]) for s, f in zip(sizes, figs, strict=True) if f["product"]]
        meas = [
            (s, f["plain"])
            for s, f in zip(sizes, figs, strict=True)
            if f["plain"] is not None and not f["plain_projected"]
        ]
        proj = [
            (s, f["plain"])
            for s, f in zip(sizes, figs, strict=True)
            if f["plain"] is not None and f["plain_projected"]
        ]
        if prod:
            ax.plot(*zip(*prod, strict=True), "o-", label="product")
        if meas:
            ax.plot(*zip(*meas, strict=True), "s-", color="#777777", label="plain")
        if proj and meas:  # dashed from the last measured point: the projection's origin
            ax.plot(
                *zip(*[meas[-1], *proj], strict=True),
                "s--",
                color="#777777",
                label="plain (projected)",
            )
        if max(sizes) >= 10 * min(sizes):
            ax.set_xscale("log")
        ax.set_xlabel("articles in the store")
        ax.set_title(title)
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out / "scale.png", dpi=100)
    plt.close(fig)
    return True


def write_bench(out: Path, config: dict[str, Any], sections: dict[str, dict[str, Any]]) -> str:
    """bench.json, summary.md and the plots into `out`; returns the markdown tables."""
    out.mkdir(parents=True, exist_ok=True)
    plots = [
        name
        for name, made in (
            ("bars.png", _bars(out, sections)),
            ("scale.png", _growth(out, sections.get("scale", {}))),
        )
        if made
    ]
    write_json(out / "bench.json", {"config": config, "sections": sections, "plots": plots})
    tables = "\n".join(section_markdown(name, s) for name, s in sections.items())
    head = [
        f"# Benchmark run {config.get('started', '')}",
        "",
        " · ".join(
            f"{k}: {config[k]}"
            for k in ("preset", "llm", "embedder", "git", "cpu_count")
            if config.get(k) not in (None, "")
        ),
        "",
        "Both pipelines are measured in the same run; the ratio product ÷ plain is the figure to "
        "compare across runs (absolute times on a shared 2-core machine drift).",
        "",
        "",
    ]
    (out / "summary.md").write_text("\n".join(head) + tables, encoding="utf-8")
    return tables
