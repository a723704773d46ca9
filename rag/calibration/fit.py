"""Fit the answer-or-abstain decision (rag/decide.py) and write decision.json beside this file.

    python -m rag.calibration.fit eval/runs/tune-*/results.json [--target 0.05]

Input: `newsrag eval --min-confidence 0 --realtimeqa <Jan-Jun weeks>` reports (RealTimeQA and
seed rows). Every question whose
draft passed the citation check carries the decision's features. Labels:
- in-week rows: 1 when the draft names the gold choice (and no other choice), else 0;
- cross-week rows (the same questions asked of another week's store): always 0.

A logistic regression with a small L2 penalty, on standardised features, fitted by Newton's method
(numpy only). The operating threshold is the lowest at which at most `target` of the cross-week
questions are answered, and no unanswerable seed question is: the false answers the product must
not give. The in-week coverage and accuracy at that threshold are written beside it. Never fit
on the report weeks (eval/README.md).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np

from rag.decide import CALIBRATION, FEATURES

REPORT_WEEKS = frozenset(
    ["20230707", "20230728", "20230818", "20230908", "20230929", "20231020", "20231110", "20231201"]
)


def load_rows(paths: Sequence[Path]) -> list[dict[str, Any]]:
    """RealTimeQA rows, and seed rows (tuning data too): an answerable seed question counts as an
    in-week one (right when it has every gold fact), an unanswerable or distractor one as a
    cross-week one (any answer is false)."""
    rows: list[dict[str, Any]] = []
    for path in paths:
        data = json.loads(path.read_text(encoding="utf-8"))
        rows += (data.get("realtimeqa") or {}).get("rows") or []
        for r in data.get("rows") or []:
            if r.get("pipeline") != "product":
                continue
            correct = (r.get("scores") or {}).get("answer_correct")
            if r.get("answerable") and correct is None:
                continue  # summaries: no single right answer
            kind = "product" if r.get("answerable") else "product-xweek"
            rows.append({**r, "week": "seed", "draft_correct": bool(correct), "pipeline": kind})
    return rows


def design(
    rows: Sequence[dict[str, Any]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Feature matrix (missing values as NaN), labels, a no-answer mask (cross-week questions and
    unanswerable seeds) and a seed mask, for the rows whose draft reached the decision."""
    pipelines = ("product", "product-xweek")
    # rows whose draft reached the decision (a declined draft records no features)
    usable = [
        r for r in rows if "top_score" in (r.get("features") or {}) and r["pipeline"] in pipelines
    ]

    def value(r: dict[str, Any], f: str) -> float:
        v = r["features"].get(f)
        return np.nan if v is None else float(v)

    x = np.array([[value(r, f) for f in FEATURES] for r in usable], dtype=float)
    x = x.reshape(len(usable), len(FEATURES))
    cross = np.array([r["pipeline"] == "product-xweek" for r in usable], dtype=bool)
    seed = np.array([r.get("week") == "seed" for r in usable], dtype=bool)
    y = np.array([0.0 if c else float(bool(r.get("draft_correct")))
                  for r, c in zip(usable, cross, strict=True)])  # fmt: skip
    return x, y, cross, seed


def fit_logistic(x: np.ndarray, y: np.ndarray, l2: float = 1.0, steps: int = 50) -> np.ndarray:
    """Weights [intercept, coef...] by Newton's method; the intercept is not penalised."""
    a = np.hstack([np.ones((len(x), 1)), x])
    w = np.zeros(a.shape[1])
    penalty = np.full(a.shape[1], l2)
    penalty[0] = 0.0
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-np.clip(a @ w, -40, 40)))
        grad = a.T @ (p - y) + penalty * w
        hess = (a * (p * (1 - p))[:, None]).T @ a + np.diag(penalty + 1e-9)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def operating_threshold(
    p: np.ndarray,
    y: np.ndarray,
    cross: np.ndarray,
    seed: np.ndarray,
    n_cross: int,
    n_week: int,
    target: float,
) -> dict[str, float]:
    """The lowest threshold at which at most `target` of all RealTimeQA cross-week questions
    answer and no unanswerable seed question does (the seed set's abstention must stay 1.0)."""
    best: dict[str, float] = {}
    for t in sorted({0.0, *map(float, p)}):
        answered = p >= t
        cross_rate = float((answered & cross & ~seed).sum()) / max(n_cross, 1)
        if cross_rate <= target and not (answered & cross & seed).any():
            week = answered & ~cross
            best = {
                "threshold": round(t, 4),
                "cross_week_answered": round(cross_rate, 4),
                "in_week_coverage": round(float(week.sum()) / max(n_week, 1), 4),
                "in_week_accuracy": round(float(y[week].sum()) / max(int(week.sum()), 1), 4),
                "in_week_correct_share": round(float(y[week].sum()) / max(n_week, 1), 4),
            }
            break
    return best


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m rag.calibration.fit", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("reports", nargs="+", type=Path, help="results.json of tune-week eval runs")
    ap.add_argument("--target", type=float, default=0.05, help="cross-week answers allowed")
    ap.add_argument("--l2", type=float, default=1.0, help="L2 penalty on standardised features")
    ap.add_argument("--out", type=Path, default=CALIBRATION)
    args = ap.parse_args(argv)
    rows = load_rows(args.reports)
    weeks = sorted({str(r.get("week")) for r in rows})
    leaked = REPORT_WEEKS.intersection(weeks)
    if leaked:
        print(f"refusing to fit on report weeks: {', '.join(sorted(leaked))}", file=sys.stderr)
        return 2
    x, y, cross, seed = design(rows)
    if len(x) < 20 or y.sum() < 5:
        print(f"too few usable rows ({len(x)}, {int(y.sum())} right)", file=sys.stderr)
        return 2
    mean = np.nanmean(x, axis=0)
    x = np.where(np.isnan(x), mean, x)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    w = fit_logistic((x - mean) / scale, y, args.l2)
    p = 1.0 / (1.0 + np.exp(-(w[0] + ((x - mean) / scale) @ w[1:])))
    n_cross = sum(r["pipeline"] == "product-xweek" and r.get("week") != "seed" for r in rows)
    n_week = sum(r["pipeline"] == "product" for r in rows)
    point = operating_threshold(p, y, cross, seed, n_cross, n_week, args.target)
    out = {
        "features": list(FEATURES),
        "coef": [round(float(v), 5) for v in w[1:]],
        "intercept": round(float(w[0]), 5),
        "mean": [round(float(v), 5) for v in mean],
        "scale": [round(float(v), 5) for v in scale],
        "threshold": point.get("threshold", 1.0),
        "info": {
            "produced_by": "python -m rag.calibration.fit " + " ".join(map(str, args.reports)),
            "fitted": datetime.now(UTC).isoformat(timespec="seconds"),
            "weeks": weeks,
            "rows": len(x),
            "right": int(y.sum()),
            "in_week_questions": n_week,
            "cross_week_questions": n_cross,
            "target_cross_week": args.target,
            "l2": args.l2,
            "at_threshold_on_tune": point,
        },
    }
    args.out.write_text(json.dumps(out, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
