"""Where RealTimeQA answers are lost, and what the answer threshold trades.

- answerable: the gold choice (normalised) occurs in the week's articles;
- stage recall, on answerable questions: the gold choice in the retrieved chunks, in the evidence
  handed to the model, in the model's draft, in the final answer;
- cross-week false answers: a week's questions asked of another week's store, where nothing
  answers them; every answer that does not abstain is false;
- the risk-coverage curve: accuracy against the share answered, as the decision threshold moves
  (questions whose draft reached the decision carry its probability; declines never answer).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.metrics import contains_alias, strip_markers

Row = dict[str, Any]
STAGES = ("in_chunks", "in_evidence", "in_draft", "in_answer")


def week_text(news: Any) -> str:
    """Every stored article of a week, as one text to look the gold choices up in."""
    return "\n".join(f"{a.title}\n{a.text}" for a in news.articles())


def stage_flags(gold: str, answer: Any, corpus: str) -> dict[str, Any]:
    """The per-question stage columns for one product Answer."""
    final = "" if answer.abstained else strip_markers(answer.text)
    return {
        "answerable": contains_alias(corpus, [gold]),
        "in_chunks": contains_alias(" ".join(answer.retrieved), [gold]),
        "in_evidence": contains_alias(" ".join(e.quote for e in answer.evidence), [gold]),
        "in_draft": contains_alias(strip_markers(answer.draft or ""), [gold]),
        "in_answer": contains_alias(final, [gold]),
        "confidence": answer.confidence,
        "features": dict(answer.features),
        "reason": answer.reason,
    }


def stage_summary(rows: Sequence[Row]) -> dict[str, Any]:
    """Counts over the product's in-week rows: answerable, stage recall, accuracy."""
    mine = [r for r in rows if r["pipeline"] == "product"]
    ok = [r for r in mine if r.get("answerable")]
    out: dict[str, Any] = {
        "questions": len(mine),
        "answerable": len(ok),
        "accuracy_all": _share([r["correct"] for r in mine]),
        "accuracy_answerable": _share([r["correct"] for r in ok]),
    }
    for stage in STAGES:
        out[stage] = _share([bool(r.get(stage)) for r in ok])
    base = [r for r in rows if r["pipeline"] == "baseline"]
    answerable_ids = {(r.get("week"), r["id"]) for r in ok}
    out["baseline_accuracy_all"] = _share([r["correct"] for r in base])
    out["baseline_accuracy_answerable"] = _share(
        [r["correct"] for r in base if (r.get("week"), r["id"]) in answerable_ids]
    )
    cross = [r for r in rows if r["pipeline"] == "product-xweek"]
    out["cross_week_questions"] = len(cross)
    out["cross_week_false_answers"] = _share([not r["abstained"] for r in cross])
    return out


def _share(flags: Sequence[bool]) -> float | None:
    return sum(map(bool, flags)) / len(flags) if flags else None


def risk_coverage(rows: Sequence[Row]) -> list[dict[str, float]]:
    """At each threshold on the calibrated confidence: the share of in-week questions answered,
    the accuracy of those answers, and the share of cross-week questions answered (all false).
    A question answers at threshold t when its draft reached the decision with confidence >= t."""
    week = [r for r in rows if r["pipeline"] == "product"]
    cross = [r for r in rows if r["pipeline"] == "product-xweek"]
    points = sorted({0.0, *(float(r["confidence"]) for r in week + cross
                            if r.get("confidence") is not None)})  # fmt: skip
    curve = []
    for t in points:
        answered = [r for r in week if _answers(r, t)]
        # an answered row's own score; a row the run's threshold held back, its draft's
        right = [r for r in answered
                 if (r["correct"] if not r["abstained"] else r.get("draft_correct"))]  # fmt: skip
        curve.append(
            {
                "threshold": t,
                "coverage": len(answered) / len(week) if week else 0.0,
                "accuracy": len(right) / len(answered) if answered else 1.0,
                "cross_week_answered": (
                    sum(_answers(r, t) for r in cross) / len(cross) if cross else 0.0
                ),
            }
        )
    return curve


def _answers(row: Row, t: float) -> bool:
    c = row.get("confidence")
    return c is not None and float(c) >= t


def plot_risk_coverage(
    curve: Sequence[dict[str, float]], operating: float | None, out: Path
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6.5, 4.2))
    cov = [p["coverage"] for p in curve]
    ax.plot(cov, [p["accuracy"] for p in curve], marker=".", label="accuracy of answers (in-week)")
    ax.plot(cov, [p["cross_week_answered"] for p in curve], linestyle="--",
            label="cross-week questions answered (false)")  # fmt: skip
    if operating is not None:
        at = min(curve, key=lambda p: abs(p["threshold"] - operating), default=None)
        if at is not None:
            ax.axvline(at["coverage"], color="grey", linewidth=0.8)
            ax.annotate(f"threshold {operating:.2f}", (at["coverage"], 0.05), fontsize=8)
    ax.set_xlabel("share of questions answered (coverage)")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, max(cov, default=1.0) + 0.02)
    ax.set_title("Risk-coverage: RealTimeQA, product")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=110)
    plt.close(fig)


def stage_table(s: dict[str, Any]) -> str:
    def pct(v: Any) -> str:
        return "—" if v is None else f"{v:.2f}"

    return "\n".join(
        [
            f"{s['questions']} questions, {s['answerable']} answerable (the gold choice occurs "
            "in that week's articles).",
            "",
            "| | product | baseline |",
            "|---|---:|---:|",
            f"| accuracy, all questions | {pct(s['accuracy_all'])} | "
            f"{pct(s['baseline_accuracy_all'])} |",
            f"| accuracy, answerable questions | {pct(s['accuracy_answerable'])} | "
            f"{pct(s['baseline_accuracy_answerable'])} |",
            f"| cross-week false answers ({s['cross_week_questions']} asked) | "
            f"{pct(s['cross_week_false_answers'])} | not asked |",
            "",
            "Stage recall on answerable questions (product): the gold choice is",
            "",
            "| in the retrieved chunks | in the evidence | in the draft | in the final answer |",
            "|---:|---:|---:|---:|",
            f"| {pct(s['in_chunks'])} | {pct(s['in_evidence'])} | {pct(s['in_draft'])} | "
            f"{pct(s['in_answer'])} |",
        ]
    )
