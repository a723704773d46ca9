"""The benchmark end to end with the fake LLM and embeddings: no model, no network, tiny sizes.

The ingest and scale sections still spawn their child processes, so the process plumbing (spawn,
pickled results, peak RSS per child) is exercised for real.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from eval.bench import SECTIONS, main
from eval.bench_scale import distinct_records, parse_sizes, write_slices
from eval.bench_summaries import TARGETS, time_stream, tune_week
from rag import Answer, Token
from rag.cli import main as cli_main

TOPICS = [
    ("Harbor Hawks", "The Harbor Hawks signed a new goalkeeper from the north on Monday."),
    ("Lake Otters", "Sam Rivers plays for the Lake Otters and scored twice on Sunday at home."),
    ("Carrow", "The Glass Festival will be held in Carrow next summer, the organisers said."),
    ("Norwick", "Norwick opened a new tram line that links the harbour to the old town centre."),
    ("Ambleton", "Ambleton's council voted to rebuild the stone bridge over the river by 2100."),
    ("Dunmere", "A storm closed the port of Dunmere for two days and delayed the ferries."),
    ("Hill Rams", "The Hill Rams lost their fourth game in a row after a late penalty kick."),
    ("Bay Foxes", "The Bay Foxes named a former player as their new head coach this week."),
]


def _article(i: int) -> dict[str, object]:
    name, first = TOPICS[i]
    text = (f"{first} Local reporters followed the story of {name} closely all week. "
            f"Officials in the region said more news about {name} would follow soon.")  # fmt: skip
    return {"url": f"https://example.org/{i}", "title": f"News about {name}", "text": text,
            "authors": [], "publish_date": "2099/01/05"}  # fmt: skip


def _week(folder: Path, week: str, ids: list[int], repeat: int | None = None) -> None:
    """Two questions a week, each with its own search results; `repeat` adds an article found for
    both questions (the scale section counts it once)."""
    qa, gcs = [], []
    for q, chunk in enumerate((ids[: len(ids) // 2], ids[len(ids) // 2 :])):
        name = TOPICS[chunk[0]][0]
        choices = sorted([name, *[t for t, _ in TOPICS if t != name][:3]])
        qa.append({"question_id": f"{week}_{q}", "question_sentence": f"What is {name} in?",
                   "choices": choices, "answer": [str(choices.index(name))]})  # fmt: skip
        results = [_article(i) for i in chunk] + ([_article(repeat)] if repeat is not None else [])
        gcs.append({"question_id": f"{week}_{q}", "search_result": results})
    for name, rows in (("qa", qa), ("gcs", gcs)):
        (folder / f"{week}_{name}.jsonl").write_text(
            "".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8"
        )


def _shared(tmp_path: Path) -> Path:
    folder = tmp_path / "shared" / "realtimeqa" / "2023"
    folder.mkdir(parents=True)
    _week(folder, "20990106", [0, 1, 2, 3], repeat=0)
    _week(folder, "20990113", [4, 5, 6, 7])
    return tmp_path / "shared"


def test_bench_runs_every_section_beside_the_plain_pipeline(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    argv = ["--preset", "fake", "--shared", str(_shared(tmp_path)), "--out", str(out),
            "--sizes", "3,all", "--plain-max", "3", "--scale-questions", "2", "--questions", "3",
            "--embed-chunks", "20", "--repeats", "1"]  # fmt: skip
    assert main(argv) == 0

    for name in ("bench.json", "summary.md", "bars.png", "scale.png"):
        assert (out / name).stat().st_size > 0, name
    report = json.loads((out / "bench.json").read_text())
    sections = report["sections"]
    assert list(sections) == list(SECTIONS)
    assert all(s["status"] == "ok" for s in sections.values()), sections
    for name in ("embed", "ingest", "retrieval", "answer"):
        figures = sections[name]["figures"]
        assert figures, name
        for f in figures:
            assert f["plain"] is not None and f["product"] is not None, (name, f)
            assert f["ratio"] is not None and f["better"] in ("higher", "lower"), (name, f)
    embed = sections["embed"]
    metrics = {f["metric"] for f in embed["figures"]}
    assert {"embedding throughput", "seed recall@5, dense only",
            "RealTimeQA recall@5, product retriever"} <= metrics  # fmt: skip
    assert -1.0 <= embed["cosine"]["min"] <= embed["cosine"]["mean"] <= 1.0
    ingest = sections["ingest"]["runs"]
    assert ingest["plain"]["peak_rss_mb"] > 0 and ingest["product"]["peak_rss_mb"] > 0
    answer = sections["answer"]
    assert len(answer["rows"]) == 6  # 3 questions x 2 pipelines

    scale = sections["scale"]
    assert scale["distinct_articles"] == 8  # the repeated search hit counts once
    assert [row["size"] for row in scale["sizes"]] == [3, 8]
    small, full = scale["sizes"]
    assert not small["plain_projected"] and full["plain_projected"]
    by_metric = {f["metric"]: f for f in full["figures"]}
    assert by_metric["ingest, cumulative"]["plain_projected"]
    assert by_metric["ingest, cumulative"]["ratio"] is not None
    assert by_metric["retrieval p50 (search)"]["plain"] is None  # only ingest is projected
    assert {f["metric"]: f for f in small["figures"]}["answer total, median"]["ratio"] is not None
    for row in scale["sizes"]:
        assert row["product"]["peak_rss_mb"] > 0 and row["product"]["store_mb"] > 0

    printed = capsys.readouterr().out
    assert "| metric | plain | product | product ÷ plain | note |" in printed
    assert "(projected)" in printed
    summary = (out / "summary.md").read_text()
    assert "## Scale" in summary and "### 8 articles" in summary


def test_bench_without_shared_data_uses_the_seeds(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "run"
    argv = ["--", "--only", "embed,scale", "--preset", "fake", "--shared",
            str(tmp_path / "nowhere"), "--out", str(out), "--repeats", "1"]  # fmt: skip
    assert main(argv) == 0
    sections = json.loads((out / "bench.json").read_text())["sections"]
    assert list(sections) == ["embed", "scale"]
    assert sections["scale"]["status"].startswith("skipped")
    metrics = [f["metric"] for f in sections["embed"]["figures"]]
    assert "seed recall@5, product retriever" in metrics
    assert not any(m.startswith("RealTimeQA") for m in metrics)
    assert "RealTimeQA: skipped" in capsys.readouterr().out


def test_bench_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        cli_main(["bench", "--only", "embed", "--help"])  # reaches the harness's own parser
    assert exit_info.value.code == 0
    assert "--plain-max" in capsys.readouterr().out
    for bad in (["--only", "speed"], ["--sizes", "10,ten"], ["--repeats", "0"]):
        with pytest.raises(SystemExit):
            main(bad)
    assert parse_sizes("100, 1000,all") == [100, 1000, None]

    folder = _shared(tmp_path) / "realtimeqa" / "2023"
    records = distinct_records(folder)
    slices = write_slices(records, [3, None, 50], tmp_path / "slices")
    # sizes past the corpus collapse into "all"; each file holds only its increment
    assert [n for n, _ in slices] == [3, 8]
    assert [len(p.read_text().splitlines()) for _, p in slices] == [3, 5]


def test_bench_times_summaries_against_the_targets(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = tmp_path / "shared" / "realtimeqa" / "2023"
    folder.mkdir(parents=True)
    _week(folder, "20230113", list(range(8)))
    out = tmp_path / "run"
    argv = ["--only", "summaries", "--preset", "fake", "--shared", str(tmp_path / "shared"),
            "--out", str(out), "--summary-week", "20230113"]  # fmt: skip
    assert main(argv) == 0
    report = json.loads((out / "bench.json").read_text())
    assert report["config"]["summary_week"] == "20230113"
    section = report["sections"]["summaries"]
    assert section["status"] == "ok" and section["week_articles"] == 8
    rows = {r["measure"]: r for r in section["targets"]}
    assert set(rows) == set(TARGETS)
    for name, row in rows.items():
        assert row["seconds"] > 0 and row["target_s"] == TARGETS[name], row
        assert row["met"] is (None if TARGETS[name] is None else row["seconds"] <= TARGETS[name])
    runs = section["runs"]
    assert set(runs) == {
        "overview", "timeline", "topic summary", "overview in 3 bullets", "week overview"
    }  # fmt: skip
    assert runs["timeline"]["first_token_s"] is None  # quoted: no model, nothing streamed
    assert runs["timeline"]["first_sentence_s"] == runs["timeline"]["total_s"]
    assert runs["overview"]["first_token_s"] is not None  # the fake model streams
    for run in runs.values():
        assert 0 < run["first_sentence_s"] <= run["total_s"] and run["citations"] >= 1, run
    printed = capsys.readouterr()
    assert "| measure | seconds | target | met | cores busy elsewhere |" in printed.out
    assert "| overview, first sentence |" in printed.out and "≤ 8 s" in printed.out
    assert "summaries: week overview:" in printed.err
    assert "| week overview, total |" in (out / "summary.md").read_text()


def test_bench_summaries_without_the_week(tmp_path: Path) -> None:
    out = tmp_path / "run"
    argv = ["--only", "summaries", "--preset", "fake", "--shared", str(tmp_path / "nowhere"),
            "--out", str(out), "--summary-week", "none"]  # fmt: skip
    assert main(argv) == 0
    section = json.loads((out / "bench.json").read_text())["sections"]["summaries"]
    assert section["status"] == "ok" and section["week"] is None
    assert not any(r["measure"].startswith("week") for r in section["targets"])
    assert "not asked" in section["lines"][0]


def test_summaries_are_timed_on_tune_weeks_only() -> None:
    assert tune_week("none") is None and tune_week("20230113") == "20230113"
    for bad in ("20230707", "20230811", "20231201", "2023011", "first:1", "20220113"):
        with pytest.raises(ValueError):
            tune_week(bad)
        with pytest.raises(SystemExit):
            main(["--only", "summaries", "--summary-week", bad])


def _stream(*pieces: str) -> Iterator[Token | Answer]:
    for piece in pieces:
        time.sleep(0.02)
        yield Token(piece)
    time.sleep(0.02)
    yield Answer("Overview", "".join(pieces), [], False)


def test_first_sentence_is_a_finished_sentence_of_the_stream() -> None:
    words = ["U.S. ", "officials ", "said ", "the ", "talks ", "would ", "resume", ".", "\n",
             "More."]  # fmt: skip
    timed = time_stream(lambda: _stream(*words), window_s=0.05)
    # Not at "U.S. " (too short to be a sentence), at the reply's end.
    assert timed.first_token_s is not None
    assert timed.first_token_s + 0.12 < timed.first_sentence_s < timed.total_s
    two = time_stream(lambda: _stream("The visit to Pyongyang began. ", "It ended."), 0.05)
    assert two.first_sentence_s < two.total_s - 0.01
    quoted = time_stream(lambda: _stream(), window_s=0.05)
    assert quoted.first_token_s is None and quoted.first_sentence_s == quoted.total_s
    assert 0.0 <= quoted.others_busy <= (os.cpu_count() or 1) + 0.5
