"""Score a recorded seed run again with today's metrics, without any model.

    python -m eval.rescore_seed eval/runs/RUN/results.json --out DIR [--questions FILE]

Every seed metric is a pure function of the answer, its citations and the passages the model saw
(eval/metrics.py, eval/copying.py), and results.json records all three per row. So a metric added
after a run (the copy share, say) or a corrected gold fact can be applied to that run's answers in
seconds instead of a new run of the model. Each row is turned back into the pipeline-neutral
`Output` it was scored from, scored by `eval.rows.make_row` against the question set, and the
whole report is written again by `eval.report.write_report` into DIR (never over the run itself).
Quote exactness needs the article store, so it is carried over as recorded; the routing and
RealTimeQA parts are carried over unchanged. Also writes copying.md: the copy share per summary
and timeline item, with its counts.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import fields
from pathlib import Path

from eval.copying import output_copies
from eval.records import Output
from eval.report import Row, fmt_num, write_report
from eval.rows import SUMMARY_KINDS, make_row
from eval.run import DEFAULT_QUESTIONS, git_commit, load_questions
from rag.cite import shown_passage
from rag.schema import Citation

_CITATION_FIELDS = frozenset(f.name for f in fields(Citation))


def row_output(row: Row) -> Output:
    """The Output a recorded row was scored from (quote exactness as recorded)."""
    citations = list(row.get("citations") or [])
    # The product's passages as the model saw them ("outlet, date: quote"), as product_output
    # builds them; the row keeps each citation's fields, so this is exact.
    quotes = {
        int(c["n"]): shown_passage(Citation(**{k: c[k] for k in _CITATION_FIELDS if k in c}))
        for c in citations
    }
    timings = row.get("timings") or {}
    exact = (row.get("scores") or {}).get("quote_exact")
    return Output(
        text=str(row.get("answer") or ""),
        abstained=bool(row.get("abstained")),
        quotes=quotes,
        retrieved=[(str(r["source"]), str(r["text"])) for r in row.get("retrieved") or []],
        total_ms=float(timings.get("total_ms") or 0.0),
        first_token_ms=timings.get("first_token_ms"),
        retrieve_ms=timings.get("retrieve_ms"),
        citations=citations,
        quote_exact=None if exact is None else bool(exact),
        mode=str(row.get("mode") or ""),
        note=str(row.get("note") or ""),
        error=str(row.get("error") or ""),
        draft=str(row.get("draft") or ""),
        dropped=[str(x) for x in row.get("dropped") or []],
        features=dict(row.get("features") or {}),
        confidence=row.get("confidence"),
    )


def rescore(rows: Sequence[Row], items: Sequence[Row]) -> list[Row]:
    """Each row scored again against its question (by id); a row whose id is not in `items` is
    kept as recorded, with a warning."""
    by_id = {str(it.get("id")): it for it in items}
    out: list[Row] = []
    for row in rows:
        item = by_id.get(str(row.get("id")))
        if item is None:
            print(f"warning: {row.get('id')!r} is not in the question set; kept as recorded",
                  file=sys.stderr)  # fmt: skip
            out.append(row)
        else:
            out.append(make_row(item, row_output(row), str(row["pipeline"])))
    return out


def copy_table(rows: Sequence[Row]) -> str:
    """Per summary and timeline row: copying prose sentences and list entries, with counts."""
    lines = [
        "| item | pipeline | prose sentences copying one source | share | "
        "list entries copying one source | share |",
        "|---|---|---:|---:|---:|---:|",
    ]
    for r in rows:
        if r.get("kind") not in SUMMARY_KINDS:
            continue
        out = row_output(r)
        if out.abstained:
            lines.append(f"| {r['id']} | {r['pipeline']} | abstained | — | — | — |")
            continue
        c = output_copies(out, str(r["pipeline"]))
        lines.append(
            f"| {r['id']} | {r['pipeline']} | {c.prose_copies}/{c.prose} | {fmt_num(c.share)} | "
            f"{c.listed_copies}/{c.listed} | {fmt_num(c.listed_share)} |"
        )
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m eval.rescore_seed", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    ap.add_argument("results", type=Path, help="results.json of a `newsrag eval` run")
    ap.add_argument("--out", type=Path, required=True, help="folder for the rescored report")
    ap.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS,
                    help="question set to score against (default: the seed set)")  # fmt: skip
    args = ap.parse_args(argv)
    if args.out.resolve() == args.results.parent.resolve():
        ap.error("--out must differ from the run's folder: the run's own report is kept")
    data = json.loads(args.results.read_text(encoding="utf-8"))
    rows = rescore(data.get("rows") or [], load_questions(args.questions))
    config = {**(data.get("config") or {}), "rescored_from": str(args.results),
              "rescored_git": git_commit(), "rescored_questions": str(args.questions)}  # fmt: skip
    tables = write_report(args.out, config, rows, data.get("realtimeqa"), data.get("routing"))
    copies = copy_table(rows)
    (args.out / "copying.md").write_text(f"# Copy share per item\n\n{copies}\n", encoding="utf-8")
    print(tables)
    print(copies)
    print(f"report: {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
