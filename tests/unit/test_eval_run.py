"""The evaluation harness end to end with the fake LLM and embeddings: no model, no network."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from eval import rtqa as realtimeqa
from eval.baseline import unsupported_vs_contexts
from eval.records import Output
from eval.report import aggregate, summary_table
from eval.rows import ask_product, make_row
from eval.run import main
from rag.schema import NOT_FOUND, Answer, Token

QUESTIONS = [
    {"id": "f1", "kind": "fact", "question": "Who greeted Putin at the plane ramp?",
     "answerable": True, "gold_facts": [["Kim Jong Un"]],
     "evidence": [{"source": "002_f67a801f5426b32f.txt",
                   "quote": "RIA Novosti reports that North Korean leader Kim Jong Un personally "
                            "greeted Vladimir Putin at the plane ramp."}],
     "required_facts": [], "forbidden": ["Kim Jong Il"]},
    {"id": "u1", "kind": "unanswerable", "question": "What gift did Putin give Kim Jong Un?",
     "answerable": False, "gold_facts": [], "evidence": [], "required_facts": [],
     "forbidden": ["armored train"]},
    {"id": "d1", "kind": "distractor", "question": "What is the price of the POCO F7 Pro?",
     "answerable": False, "gold_facts": [], "evidence": [], "required_facts": [],
     "forbidden": ["POCO", "Snapdragon"]},
    {"id": "fu1", "kind": "followup", "question": "And who else went with him?", "answerable": True,
     "gold_facts": [["Lavrov"]],
     "evidence": [{"source": "002_f67a801f5426b32f.txt",
                   "quote": "Foreign Minister Sergei Lavrov"}],
     "required_facts": [], "forbidden": [],
     "history": [["Who is the new defense minister travelling with Putin?",
                  "Putin's delegation includes his new defense minister, Andrei Belousov [1]."]]},
]  # fmt: skip

WEEK = "20990106"
QA = [
    {"question_id": f"{WEEK}_0", "question_sentence": "Which team does Sam Rivers play for?",
     "choices": ["Harbor Hawks", "Lake Otters", "Hill Rams", "Bay Foxes"], "answer": ["1"]},
    {"question_id": f"{WEEK}_1", "question_sentence": "Which city will host the Glass Festival?",
     "choices": ["Norwick", "Ambleton", "Carrow", "Dunmere"], "answer": ["2"]},
]  # fmt: skip
GCS = [
    {"question_id": f"{WEEK}_0", "search_time": "2099/01/07/05:11", "search_result": [
        {"url": "https://example.org/a", "title": "Sam Rivers shines again",
         "text": "Sam Rivers plays for the Lake Otters. He scored twice on Sunday in the league.",
         "authors": ["A. Writer"], "publish_date": "2099/01/05"},
        {"url": "https://example.org/b", "title": "Otters win",
         "text": "The Lake Otters won their fourth game in a row on Sunday night at home.",
         "authors": [], "publish_date": "2099/01/05"}]},
    {"question_id": f"{WEEK}_1", "search_time": "2099/01/07/05:12", "search_result": [
        {"url": "https://example.org/c", "title": "Glass Festival moves",
         "text": "The Glass Festival will be held in Carrow next summer, organisers said today.",
         "authors": [], "publish_date": "2099/01/04"}]},
]  # fmt: skip


def _jsonl(path: Path, records: list[dict[str, object]]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")
    return path


def test_seed_run_writes_report_for_both_pipelines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    questions = _jsonl(tmp_path / "q.jsonl", QUESTIONS)
    out = tmp_path / "run"
    assert main(["--questions", str(questions), "--preset", "fake", "--out", str(out),
                 "--seed-only"]) == 0  # fmt: skip

    for name in ("results.json", "summary.md", "metrics.png", "latency.png", "ragas.jsonl"):
        assert (out / name).stat().st_size > 0, name
    results = json.loads((out / "results.json").read_text())
    rows = results["rows"]
    assert sorted((r["pipeline"], r["id"]) for r in rows) == sorted(
        (p, q["id"]) for p in ("product", "baseline") for q in QUESTIONS
    )
    for r in rows:
        assert r["scores"]["abstention_correct"] in (0.0, 1.0)
        assert set(r["timings"]) >= {"first_output_ms", "total_ms"}
    product = {r["id"]: r for r in rows if r["pipeline"] == "product"}
    # The fake model answers from the top passage and NOT_FOUND lines are abstentions.
    assert product["f1"]["scores"]["answer_correct"] is not None
    assert product["d1"]["scores"]["answer_correct"] is None
    baseline = [r for r in rows if r["pipeline"] == "baseline"]
    assert all(not r["citations"] and r["scores"]["quote_exact"] is None for r in baseline)
    agg = results["aggregate"]
    assert agg["product"]["abstention_correct"]["n"] == 4
    assert agg["baseline"]["abstain_unanswerable"]["n"] == 2
    assert set(results["per_kind"]) == {"fact", "unanswerable", "distractor", "followup"}
    ragas = [json.loads(x) for x in (out / "ragas.jsonl").read_text().splitlines()]
    assert len(ragas) == 8 and all({"question", "answer", "contexts", "ground_truth"} <= set(x)
                                   for x in ragas)  # fmt: skip

    printed = capsys.readouterr().out
    assert "| metric | product | baseline | delta |" in printed
    assert "| Abstention on unanswerable+distractor" in printed
    assert "## Product failures" in (out / "summary.md").read_text()


def test_seed_run_without_baseline_and_with_kinds(tmp_path: Path) -> None:
    questions = _jsonl(tmp_path / "q.jsonl", QUESTIONS)
    out = tmp_path / "run"
    argv = [
        "--",
        "--questions",
        str(questions),
        "--preset",
        "fake",
        "--out",
        str(out),
        "--seed-only",
        "--no-baseline",
        "--kinds",
        "fact,distractor",
        "--limit",
        "1",
    ]
    assert main(argv) == 0
    rows = json.loads((out / "results.json").read_text())["rows"]
    assert [(r["pipeline"], r["id"]) for r in rows] == [("product", "f1")]


def _week(shared: Path) -> Path:
    folder = shared / "realtimeqa" / "2023"
    folder.mkdir(parents=True)
    _jsonl(folder / f"{WEEK}_qa.jsonl", QA)
    _jsonl(folder / f"{WEEK}_gcs.jsonl", GCS)
    return folder


def test_realtimeqa_week_side_by_side(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _week(tmp_path / "shared")
    out = tmp_path / "run"
    argv = ["--preset", "fake", "--realtimeqa-only", "--realtimeqa", "first:1",
            "--shared", str(tmp_path / "shared"), "--out", str(out)]  # fmt: skip
    assert main(argv) == 0
    rtqa = json.loads((out / "results.json").read_text())["realtimeqa"]
    assert rtqa["status"] == "ok"
    [week] = rtqa["weeks"]
    assert week["week"] == WEEK and week["questions"] == 2 and week["articles"] == 3
    for p in ("product", "baseline"):
        assert week[p]["n"] == 2
        assert 0.0 <= week[p]["accuracy"] <= 1.0
        assert 0.0 <= week[p]["abstention"] <= 1.0
    assert len(rtqa["rows"]) == 4 and {r["gold"] for r in rtqa["rows"]} == {"Lake Otters", "Carrow"}
    printed = capsys.readouterr().out
    assert "## RealTimeQA" in printed and f"| {WEEK} | 2 | 3 |" in printed
    assert (out / "realtimeqa.png").stat().st_size > 0
    ragas = [json.loads(x) for x in (out / "ragas.jsonl").read_text().splitlines()]
    assert {r["ground_truth"] for r in ragas} == {"Lake Otters", "Carrow"} and len(ragas) == 4


def test_realtimeqa_skips_when_shared_folder_is_absent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["--preset", "fake", "--realtimeqa-only", "--shared", str(tmp_path / "nowhere"),
            "--out", str(tmp_path / "run")]  # fmt: skip
    assert main(argv) == 0
    assert "RealTimeQA: skipped" in capsys.readouterr().out
    assert not (tmp_path / "run").exists()


def test_pick_weeks(tmp_path: Path) -> None:
    folder = _week(tmp_path / "shared")
    _jsonl(folder / "20990113_qa.jsonl", QA)
    _jsonl(folder / "20990113_gcs.jsonl", GCS)
    _jsonl(folder / "20990120_qa.jsonl", QA)  # no search results: not a usable week
    assert realtimeqa.pick_weeks(folder, "first:1") == [WEEK]
    assert realtimeqa.pick_weeks(folder, "all") == [WEEK, "20990113"]
    assert realtimeqa.pick_weeks(folder, "20990113") == ["20990113"]
    with pytest.raises(ValueError, match="20990120"):
        realtimeqa.pick_weeks(folder, "20990120")
    assert realtimeqa.raw_articles(folder / f"{WEEK}_gcs.jsonl")[0][1].startswith("Sam Rivers")


def test_realtimeqa_correct_needs_gold_and_no_other_choice() -> None:
    choices = ["Harbor Hawks", "Lake Otters", "Hill Rams"]
    assert realtimeqa.rtqa_correct("He plays for the Lake Otters [1].", choices, "Lake Otters")
    assert not realtimeqa.rtqa_correct("Lake Otters or Hill Rams.", choices, "Lake Otters")
    assert not realtimeqa.rtqa_correct("The Harbor Hawks.", choices, "Lake Otters")


def test_baseline_unsupported_rate_checks_all_contexts() -> None:
    contexts = ["Kim Jong Un greeted Putin.", "They rode to the Kumsusan guest house."]
    assert unsupported_vs_contexts("Kim Jong Un met Putin at Kumsusan.", contexts) == 0.0
    assert unsupported_vs_contexts("Kim Jong Il met Putin. Kim greeted him.", contexts) == 0.5


class _StubNews:
    """Records how the harness calls the product; answers with one fixed, uncited sentence."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, object]] = []

    def _events(self, question: str) -> Iterator[Token | Answer]:
        yield Token("Kim Jong Un ")
        yield Token("greeted him.")
        yield Answer(question, NOT_FOUND, [], True, dropped=["Kim Jong Un greeted him."])

    def ask_stream(self, question: str, history: object = None) -> Iterator[Token | Answer]:
        self.calls.append(("ask", history))
        return self._events(question)

    def summarize_stream(
        self, kind: str, *, question: str | None = None
    ) -> Iterator[Token | Answer]:
        self.calls.append((kind, question))
        return self._events(question or kind)

    def summarize(self, kind: str) -> Answer:
        raise AssertionError("the streaming entry point is preferred")


def test_product_routing_and_draft() -> None:
    news = _StubNews()
    fu = QUESTIONS[3]
    out = ask_product(news, fu, lambda _id: None)
    assert news.calls == [("ask", [tuple(fu["history"][0])])]  # type: ignore[index]
    assert out.abstained and out.draft == "Kim Jong Un greeted him."
    assert out.dropped == ["Kim Jong Un greeted him."]
    summary = {**QUESTIONS[0], "kind": "summary", "question": "Summarise the coverage."}
    ask_product(news, summary, lambda _id: None)
    ask_product(news, {**summary, "kind": "timeline"}, lambda _id: None)
    assert news.calls[1:] == [("overview", "Summarise the coverage."),
                              ("timeline", "Summarise the coverage.")]  # fmt: skip
    row = make_row(fu, out, "product")
    assert "citation check dropped" in row["problems"][0]


def test_copy_share_is_scored_on_summaries_only_and_reaches_the_table() -> None:
    greet = QUESTIONS[0]["evidence"][0]["quote"]  # type: ignore[index]
    answer = (f"{greet} [1] Kim met the Russian leader on the tarmac when his plane landed [1].\n"
              f"What each source adds:\n- **News1**: “{greet}” [1]")  # fmt: skip
    out = Output(answer, False, {1: f"News1: {greet}"}, [("a.txt", greet)], 10.0,
                 citations=[{"n": 1, "quote": greet}])  # fmt: skip
    summary = {**QUESTIONS[0], "id": "s1", "kind": "summary", "gold_facts": []}
    rows = [
        make_row(summary, out, "product"),
        make_row(QUESTIONS[0], out, "product"),
        make_row({**summary, "kind": "timeline"}, baseline_like(greet), "baseline"),
    ]
    assert rows[0]["scores"]["copy_share"] == 0.5
    assert rows[0]["scores"]["listed_copy_share"] == 1.0
    assert rows[1]["scores"]["copy_share"] is None  # a fact question is no summary
    assert rows[2]["scores"]["copy_share"] == 1.0  # the baseline's sentence is in its chunk
    agg = {p: aggregate(rows, p) for p in ("product", "baseline")}
    assert agg["product"]["copy_share"] == {"value": 0.5, "n": 1}
    line = next(x for x in summary_table(agg).splitlines() if "copying one source" in x)
    assert line.startswith("| Summary sentences copying one source (reported) [n=1] | 0.50 |")


def baseline_like(text: str) -> Output:
    return Output(text, False, {}, [("a.txt", f"Intro. {text}")], 10.0)
