"""The calibrated answer-or-abstain decision, its fit, and the eval's stage and curve columns."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from eval.rtqa_stages import risk_coverage, stage_flags, stage_summary
from rag.calibration import fit
from rag.cite import SentenceCheck, Verified, strip_markers
from rag.decide import (
    CALIBRATION,
    FEATURES,
    Calibration,
    features,
    load_calibration,
    token_logprobs,
)
from rag.schema import Answer, Evidence


def _ev(n: int, quote: str, score: float) -> Evidence:
    return Evidence(n, f"a{n}", "T", "Outlet", "2024-06-19", quote, 0, len(quote), score)


def test_the_shipped_calibration_loads_and_matches_the_features() -> None:
    cal = load_calibration()
    assert len(cal.coef) == len(FEATURES) and 0.0 <= cal.threshold <= 1.0
    data = json.loads(CALIBRATION.read_text())
    assert data["info"].get("produced_by", "").startswith("python -m rag.calibration.fit")
    assert not fit.REPORT_WEEKS.intersection(data["info"]["weeks"])


def test_a_calibration_for_other_features_is_refused() -> None:
    data = json.loads(CALIBRATION.read_text())
    data["features"] = ["top_score"]
    with pytest.raises(ValueError, match="refit"):
        Calibration.from_json(data)


def test_probability_rises_with_a_positive_feature_and_imputes_missing_ones() -> None:
    n = len(FEATURES)
    cal = Calibration((1.0,) + (0.0,) * (n - 1), 0.0, (0.5,) * n, (0.1,) * n, 0.5, {})
    assert cal.probability({"top_score": 0.8}) > cal.probability({"top_score": 0.3})
    assert cal.probability({}) == pytest.approx(0.5)  # every feature at its mean
    assert cal.probability({"top_score": None}) == pytest.approx(0.5)


def test_token_logprobs_read_both_shapes() -> None:
    openai = {"logprobs": {"content": [{"token": "a", "logprob": -0.5}, {"logprob": -1.5}]}}
    assert token_logprobs(openai) == [-0.5, -1.5]
    assert token_logprobs({"logprobs": {"token_logprobs": [-0.1, None, float("nan")]}}) == [-0.1]
    assert token_logprobs({}) == [] and token_logprobs({"logprobs": None}) == []


def test_features_of_a_verified_answer() -> None:
    evidence = [
        _ev(1, "Defense Minister Andrei Belousov travelled with Putin to Pyongyang.", 0.8),
        _ev(2, "Markets were calm on Tuesday.", 0.3),
    ]
    checks = [SentenceCheck("Andrei Belousov travelled with Putin.", [1], 0.9, True)]
    verified = Verified("Andrei Belousov travelled with Putin [1].", [], False, checks, [])
    f = features("Who travelled with Putin?", evidence, verified, [-0.2, -1.0])
    assert f["top_score"] == 0.8 and f["score_gap"] == pytest.approx(0.5)
    assert f["cited_score"] == 0.8 and f["support"] == 0.9 and f["kept_share"] == 1.0
    assert f["logprob_mean"] == pytest.approx(-0.6) and f["logprob_min"] == -1.0
    assert f["type_fit"] > 0 and f["focus"] == 1.0
    assert set(f) == set(FEATURES)
    none = features("Who travelled with Putin?", evidence, verified, [])
    assert none["logprob_mean"] is None and none["logprob_min"] is None


def _row(pipeline: str, confidence: float | None, correct: bool, week: str = "20230113") -> dict:
    return {
        "pipeline": pipeline,
        "week": week,
        "id": f"{pipeline}-{confidence}-{correct}",
        "confidence": confidence,
        "draft_correct": correct,
        "correct": correct,
        "abstained": confidence is None,
        "answerable": True,
        "features": {f: (confidence if f == "top_score" else 0.5) for f in FEATURES}
        if confidence is not None
        else {},
    }


def test_risk_coverage_counts_answers_at_each_threshold() -> None:
    rows = [_row("product", 0.9, True), _row("product", 0.6, False), _row("product", None, False),
            _row("product-xweek", 0.7, False), _row("product-xweek", None, False)]  # fmt: skip
    curve = {p["threshold"]: p for p in risk_coverage(rows)}
    assert curve[0.0]["coverage"] == pytest.approx(2 / 3)
    assert curve[0.0]["accuracy"] == pytest.approx(0.5)
    assert curve[0.0]["cross_week_answered"] == pytest.approx(0.5)
    assert curve[0.9]["coverage"] == pytest.approx(1 / 3) and curve[0.9]["accuracy"] == 1.0
    assert curve[0.9]["cross_week_answered"] == 0.0


def test_stage_flags_find_the_gold_choice_at_each_stage() -> None:
    answer = Answer(
        "Which airline?", "Southwest Airlines will give miles [1].", [], False,
        evidence=[_ev(1, "Southwest Airlines said it would give 25,000 miles.", 0.7)],
        draft="Southwest Airlines will give miles [1].",
        retrieved=["... Southwest Airlines said it would give 25,000 miles ..."],
    )  # fmt: skip
    flags = stage_flags("Southwest Airlines", answer, "Southwest Airlines apologised.")
    assert flags["answerable"] and flags["in_chunks"] and flags["in_evidence"]
    assert flags["in_draft"] and flags["in_answer"]
    missed = stage_flags("Delta", answer, "Southwest Airlines apologised.")
    assert not missed["answerable"] and not missed["in_answer"]
    summary = stage_summary([{**_row("product", 0.9, True), **flags}])
    assert summary["answerable"] == 1 and summary["in_evidence"] == 1.0


def test_fit_separates_and_meets_the_cross_week_target(tmp_path: Path) -> None:
    rng = np.random.default_rng(0)
    rows = []
    for _ in range(120):
        good = bool(rng.random() < 0.5)
        c = float(np.clip(rng.normal(0.75 if good else 0.4, 0.1), 0, 1))
        rows.append(_row("product", c, good))
        rows.append(_row("product-xweek", float(np.clip(rng.normal(0.35, 0.1), 0, 1)), False))
    report = tmp_path / "results.json"
    report.write_text(json.dumps({"realtimeqa": {"rows": rows}}))
    out = tmp_path / "decision.json"
    assert fit.main([str(report), "--out", str(out), "--target", "0.05"]) == 0
    cal = Calibration.from_json(json.loads(out.read_text()))
    assert cal.coef[FEATURES.index("top_score")] > 0
    point = cal.info["at_threshold_on_tune"]
    assert point["cross_week_answered"] <= 0.05 and point["in_week_accuracy"] > 0.8
    answered = [r for r in rows if r["pipeline"] == "product-xweek"
                and cal.probability(r["features"]) >= cal.threshold]  # fmt: skip
    assert len(answered) <= 0.05 * 120


def test_fit_refuses_report_weeks(tmp_path: Path) -> None:
    report = tmp_path / "results.json"
    rows = [_row("product", 0.9, True, week="20230707")] * 30
    report.write_text(json.dumps({"realtimeqa": {"rows": rows}}))
    assert fit.main([str(report), "--out", str(tmp_path / "d.json")]) == 2
    assert not (tmp_path / "d.json").exists()


def test_an_abstention_carries_its_reason_draft_and_closest_passages() -> None:
    evidence = [_ev(i, f"Passage number {i} about the visit.", 0.1 * i) for i in range(1, 6)]
    answer = Answer("Q?", "x", [], True, evidence=evidence, reason="The answer named Musk, "
                    "which no passage supports.", draft="Elon Musk went [1].")  # fmt: skip
    data = answer.to_json()
    assert data["reason"].startswith("The answer named Musk")
    assert data["draft"] == "Elon Musk went [1]."
    assert [p["n"] for p in data["passages"]] == [5, 4, 3]
    answered = Answer("Q?", "Yes [1].", [], False, evidence=evidence, draft="Yes [1].")
    assert "reason" not in answered.to_json() and "draft" not in answered.to_json()


def test_why_no_answer_fold_is_escaped() -> None:
    from ui.render import why_no_answer

    evidence = [_ev(1, "<script>alert(1)</script> said the minister.", 0.5)]
    answer = Answer("Q?", "x", [], True, evidence=evidence, reason="The answer named <b>X</b>.",
                    draft="<img src=x onerror=alert(1)> [1]")  # fmt: skip
    html = why_no_answer(answer)
    assert "Why no answer?" in html and "<script>" not in html and "<img" not in html
    assert "&lt;b&gt;X&lt;/b&gt;" in html
    assert why_no_answer(Answer("Q?", "Yes [1].", [], False)) == ""


def test_rescore_applies_a_threshold_to_recorded_features(tmp_path: Path) -> None:
    from eval import rescore

    n = len(FEATURES)
    cal = {"features": list(FEATURES), "coef": [4.0] + [0.0] * (n - 1), "intercept": 0.0,
           "mean": [0.5] * n, "scale": [0.1] * n, "threshold": 0.5, "info": {"weeks": ["x"]}}
    rows = [
        {**_row("product", 0.9, True), "unsupported_rate": 0.0, "in_answer": True},
        {**_row("product", 0.2, False), "unsupported_rate": 0.0, "abstained": False},
        {**_row("product-xweek", 0.3, False), "abstained": False, "unsupported_rate": 0.0},
        {**_row("baseline", None, True), "abstained": False},
    ]  # fmt: skip
    (tmp_path / "cal.json").write_text(json.dumps(cal))
    (tmp_path / "results.json").write_text(json.dumps({"realtimeqa": {"rows": rows}}))
    args = [str(tmp_path / "results.json"), "--calibration", str(tmp_path / "cal.json")]
    assert rescore.main(args) == 0
    text = (tmp_path / "rescored.md").read_text()
    assert "| product | 2 | 0.500 | 0.500 | 0.000 |" in text  # the weak draft now abstains
    assert "| product-xweek | 1 | 0.000 | 1.000 | 0.000 |" in text
    assert (tmp_path / "realtimeqa_risk_coverage.png").stat().st_size > 0


def test_fit_reads_seed_rows_as_tuning_data(tmp_path: Path) -> None:
    feats = {f: 0.5 for f in FEATURES}
    seed = [
        {"pipeline": "product", "answerable": True, "scores": {"answer_correct": 1.0},
         "features": feats},
        {"pipeline": "product", "answerable": False, "scores": {"answer_correct": None},
         "features": feats},
        {"pipeline": "product", "answerable": True, "scores": {"answer_correct": None},
         "features": {}},  # a summary
        {"pipeline": "baseline", "answerable": True, "scores": {"answer_correct": 1.0}},
    ]  # fmt: skip
    report = tmp_path / "results.json"
    report.write_text(json.dumps({"rows": seed, "realtimeqa": None}))
    rows = fit.load_rows([report])
    assert [(r["pipeline"], r["draft_correct"], r["week"]) for r in rows] == [
        ("product", True, "seed"),
        ("product-xweek", False, "seed"),
    ]


def test_the_reason_names_unsupported_words_in_the_drafts_order_a_name_as_one() -> None:
    from rag.answer import unsupported_reason

    draft = "Kim Jong Un gave Vladimir Putin two Pungsan dogs [1]."
    missing = ["Pungsan", "Putin", "Vladimir"]
    check = SentenceCheck(strip_markers(draft), [1], 0.3, False, missing=missing)
    reason = unsupported_reason(draft, Verified("", [], True, [check], []))
    assert reason == "The answer named Vladimir Putin, Pungsan, which no passage supports."
