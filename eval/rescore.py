"""Apply a calibration to a RealTimeQA run recorded with `--min-confidence 0`.

    python -m eval.rescore eval/runs/REPORT/results.json [--calibration FILE]

The answer-or-abstain decision is the last step of the answer path and a pure function of the
features each row records (rag/decide.py). A run made with `--min-confidence 0` answers every
draft that passes the citation check and records its features, so the decision of any calibration
can be applied afterwards, exactly: a row answers when its probability reaches the threshold, and
otherwise abstains (its answer was the verified draft, so nothing else changes). This lets one run
give both the risk-coverage curve and the numbers at the shipped threshold.

Writes rescored.md and realtimeqa_risk_coverage.png beside the results and prints the tables.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from eval.rtqa_stages import plot_risk_coverage, risk_coverage, stage_summary, stage_table
from rag.decide import CALIBRATION, Calibration

Row = dict[str, Any]


def with_confidence(rows: Sequence[Row], cal: Calibration) -> list[Row]:
    """Each row that reached the decision, with this calibration's probability."""
    out = []
    for r in rows:
        feats = r.get("features") or {}
        if r["pipeline"] == "baseline" or "top_score" not in feats:
            out.append(r)  # the baseline, and rows that never reached the decision
        else:
            out.append({**r, "confidence": round(cal.probability(feats), 4)})
    return out


def at_threshold(rows: Sequence[Row], threshold: float) -> list[Row]:
    """Rows below the threshold abstain; nothing else about them changes."""
    out = []
    for r in rows:
        c = r.get("confidence")
        if r["pipeline"] != "baseline" and c is not None and not r["abstained"] and c < threshold:
            r = {**r, "abstained": True, "correct": False, "in_answer": False,
                 "unsupported_rate": None}  # fmt: skip
        out.append(r)
    return out


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def overall(rows: Sequence[Row], pipeline: str) -> dict[str, Any]:
    mine = [r for r in rows if r["pipeline"] == pipeline]
    unsupported = [r["unsupported_rate"] for r in mine if r.get("unsupported_rate") is not None]
    return {
        "n": len(mine),
        "accuracy": _mean([float(r["correct"]) for r in mine]),
        "abstention": _mean([float(r["abstained"]) for r in mine]),
        "wrong_answers": _mean([float(not r["abstained"] and not r["correct"]) for r in mine]),
        "unsupported_rate": _mean(unsupported),
    }


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.rescore", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("results", type=Path)
    ap.add_argument("--calibration", type=Path, default=CALIBRATION)
    args = ap.parse_args(argv)
    data = json.loads(args.results.read_text(encoding="utf-8"))
    rtqa = data.get("realtimeqa") or {}
    cal = Calibration.from_json(json.loads(args.calibration.read_text(encoding="utf-8")))
    scored = with_confidence(rtqa.get("rows") or [], cal)
    curve = risk_coverage(scored)  # before the threshold: every recorded answer is on it
    rows = at_threshold(scored, cal.threshold)
    stages = stage_summary(rows)
    lines = [
        f"# RealTimeQA at threshold {cal.threshold:.4f} ({args.calibration})",
        "",
        f"Weeks: {', '.join(sorted({str(r.get('week')) for r in rows}))}. "
        f"Calibration fitted on: {', '.join(cal.info.get('weeks', []))}.",
        "",
        stage_table(stages),
        "",
        "| pipeline | questions | accuracy | abstention | wrong answers | unsupported |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for p in ("product", "baseline", "product-xweek"):
        o = overall(rows, p)
        if o["n"]:
            cells = [o["accuracy"], o["abstention"], o["wrong_answers"], o["unsupported_rate"]]
            shown = " | ".join("—" if v is None else f"{v:.3f}" for v in cells)
            lines.append(f"| {p} | {o['n']} | {shown} |")
    plot_risk_coverage(curve, cal.threshold, args.results.parent / "realtimeqa_risk_coverage.png")
    text = "\n".join(lines) + "\n"
    (args.results.parent / "rescored.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
