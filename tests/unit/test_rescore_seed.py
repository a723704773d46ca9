"""Rescoring a recorded seed run (eval/rescore_seed.py): no model, the same scores back."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import pytest

from eval.records import Output
from eval.report import write_report
from eval.rescore_seed import main, rescore, row_output
from eval.rows import make_row
from rag.cite import shown_passage
from rag.schema import Citation

GREET = ("RIA Novosti reports that North Korean leader Kim Jong Un personally greeted Vladimir "
         "Putin at the plane ramp.")  # fmt: skip
CITE = Citation(1, "a1", "Putin in Pyongyang", "News1", "2024-06-19", GREET, 0, len(GREET))
ITEMS = [
    {"id": "f1", "kind": "fact", "question": "Who greeted Putin?", "answerable": True,
     "gold_facts": [["Kim Jong Un"]], "required_facts": [], "forbidden": ["Kim Jong Il"],
     "evidence": [{"source": "a.txt", "quote": GREET}]},
    {"id": "s1", "kind": "summary", "topic": "the visit", "question": "Summarise the visit.",
     "answerable": True, "gold_facts": [], "required_facts": [["Kim Jong Un"], ["Lavrov"]],
     "evidence": []},
]  # fmt: skip


def _output(text: str) -> Output:
    return Output(text, False, {1: shown_passage(CITE)}, [("a.txt", GREET)], 1200.0,
                  first_token_ms=300.0, citations=[{**asdict(CITE), "source": "a.txt"}],
                  quote_exact=True, draft=text)  # fmt: skip


def _run(tmp_path: Path) -> Path:
    rows = [
        make_row(ITEMS[0], _output("Kim Jong Un greeted him [1]."), "product"),
        make_row(ITEMS[1], _output(f"{GREET} [1] Kim met him on the tarmac [1]."), "product"),
        make_row(ITEMS[1], Output("Kim greeted Putin.", False, {}, [("a.txt", GREET)], 900.0),
                 "baseline"),
    ]  # fmt: skip
    run = tmp_path / "run"
    write_report(run, {"started": "then", "git": "abc"}, rows, None, None)
    return run / "results.json"


def test_a_recorded_row_gives_back_its_output_and_its_scores(tmp_path: Path) -> None:
    recorded = json.loads(_run(tmp_path).read_text())["rows"]
    out = row_output(recorded[0])
    assert out.quotes == {1: f"News1, 2024-06-19: {GREET}"}
    assert out.retrieved == [("a.txt", GREET)] and out.quote_exact is True
    assert out.first_output_ms == 300.0
    again = rescore(recorded, ITEMS)
    assert [r["scores"] for r in again] == [r["scores"] for r in recorded]
    assert [r["problems"] for r in again] == [r["problems"] for r in recorded]


def test_a_metric_missing_from_an_old_run_is_filled_in(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    results = _run(tmp_path)
    data = json.loads(results.read_text())
    for r in data["rows"]:  # as a run made before the copy share existed
        del r["scores"]["copy_share"], r["scores"]["listed_copy_share"]
    results.write_text(json.dumps(data))
    out = tmp_path / "again"
    assert main([str(results), "--out", str(out), "--questions", str(_questions(tmp_path))]) == 0
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert [r["scores"]["copy_share"] for r in rows] == [None, 0.5, 0.0]
    assert (out / "summary.md").read_text().count("copying one source (reported") == 2
    table = (out / "copying.md").read_text()
    assert "| s1 | product | 1/2 | 0.50 | 0/0 | — |" in table
    assert "| s1 | baseline | 0/1 | 0.00 | 0/0 | — |" in table
    assert "report:" in capsys.readouterr().out


def test_it_never_writes_over_the_run_and_keeps_unknown_rows(tmp_path: Path) -> None:
    results = _run(tmp_path)
    with pytest.raises(SystemExit):
        main([str(results), "--out", str(results.parent)])
    recorded = json.loads(results.read_text())["rows"]
    assert rescore(recorded, ITEMS[:1])[1] is recorded[1]


def _questions(tmp_path: Path) -> Path:
    path = tmp_path / "q.jsonl"
    path.write_text("".join(json.dumps(it) + "\n" for it in ITEMS), encoding="utf-8")
    return path
