"""The eval metrics on hand-made answers, including answers the metrics must catch as bad."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import metrics as m
from eval.questions.validate import validate
from rag.schema import NOT_FOUND

ROOT = Path(__file__).resolve().parents[2]
SEED = ROOT / "eval" / "questions" / "seed.jsonl"

GREET = (
    "RIA Novosti reports that North Korean leader Kim Jong Un personally greeted Vladimir Putin "
    "at the plane ramp."
)
STAY = "they then rode together to the Kumsusan State Guest House where Putin will be staying"
AMMO = (
    "Stating that North Korea has provided “dozens of ballistic missiles and 11,000 containers "
    "of ammunition” to Russia for use in Ukraine."
)
QUOTES = {1: GREET, 2: STAY, 3: AMMO}


# --- markers and sentences ------------------------------------------------------------------


def test_cited_numbers_reads_all_marker_styles() -> None:
    assert m.cited_numbers("Putin arrived [2][3] and met Kim [1, 4] [2].") == [2, 3, 1, 4]
    assert m.cited_numbers("No markers here.") == []


def test_strip_markers_leaves_clean_text() -> None:
    assert m.strip_markers("Kim greeted Putin [1][2]. He smiled [3, 4].") == (
        "Kim greeted Putin. He smiled."
    )


def test_answer_sentences_drop_not_found_and_keep_trailing_markers() -> None:
    answer = f"Kim Jong Un greeted Putin.[1] They rode to Kumsusan. [2] {NOT_FOUND}"
    assert m.answer_sentences(answer) == [
        "Kim Jong Un greeted Putin[1].",
        "They rode to Kumsusan [2].",
    ]
    assert m.answer_sentences(NOT_FOUND) == []
    assert m.answer_sentences("   ") == []


# --- matching and correctness ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "aliases", "expected"),
    [
        ("North Korea sent 11000 containers.", ["11,000"], True),
        ("North Korea sent 11,000 containers.", ["11000"], True),
        ("Putin’s delegation", ["Putin"], True),
        ("PUTIN met KIM JONG-UN", ["kim jong un"], True),
        ("the “friendly state visit”", ["friendly state visit"], True),
        ("Kimchi was served", ["Kim"], False),
        ("from the 15th to the 17th", ["15"], False),
        ("from the 15th to the 17th", ["15th"], True),
        ("anything", [""], False),
    ],
)
def test_contains_alias(text: str, aliases: list[str], expected: bool) -> None:
    assert m.contains_alias(text, aliases) is expected


def test_answer_correct_needs_every_group() -> None:
    gold = [["Belousov"], ["Lavrov"], ["Novak"]]
    full = "Belousov, Lavrov and Novak travelled with him [1]."
    partial = "Belousov and Lavrov travelled with him [1]."
    assert m.answer_correct(full, gold)
    assert not m.answer_correct(partial, gold)
    assert m.fact_recall(partial, gold) == pytest.approx(2 / 3)
    assert m.fact_recall("anything", []) == 1.0


def test_markers_do_not_count_as_numbers() -> None:
    assert not m.answer_correct("Kim met Putin [17].", [["17"]])


def test_forbidden_words_detected() -> None:
    answer = "The POCO F7 Pro costs under $500, while Tesla's stock fell [1]."
    assert m.forbidden_hits(answer, ["Tesla", "POCO", "NewJeans", "500"]) == [
        "Tesla",
        "POCO",
        "500",
    ]
    assert m.forbidden_hits(NOT_FOUND, ["Tesla", "POCO"]) == []


# --- abstention -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        NOT_FOUND,
        "The articles don’t contain that information.",
        "I don't know.",
        "The gift is not mentioned in the sources.",
        "There is no information about the agreements.",
    ],
)
def test_abstention_phrases(text: str) -> None:
    assert m.is_abstention(text)


def test_abstention_flag_wins_and_answers_are_not_abstentions() -> None:
    assert not m.is_abstention("Kim Jong Un greeted Putin [1].")
    assert not m.is_abstention("No exact date has been set [1].")
    assert not m.is_abstention("")
    assert m.is_abstention("Kim Jong Un greeted Putin [1].", abstained_flag=True)
    assert not m.is_abstention(NOT_FOUND, abstained_flag=False)


def test_answering_an_unanswerable_question_is_wrong() -> None:
    invented = "Putin gave Kim Jong Un a special armored train [1]."
    assert not m.abstention_correct(m.is_abstention(invented), answerable=False)
    assert m.abstention_correct(m.is_abstention(NOT_FOUND), answerable=False)


def test_abstaining_on_an_answerable_question_is_wrong() -> None:
    assert not m.abstention_correct(m.is_abstention(NOT_FOUND), answerable=True)
    assert m.abstention_correct(m.is_abstention("Kim Jong Un [1]."), answerable=True)


# --- citations ------------------------------------------------------------------------------


def test_citation_coverage() -> None:
    assert m.citation_coverage("Kim greeted Putin [1]. They rode to Kumsusan.") == 0.5
    assert m.citation_coverage(NOT_FOUND) == 1.0
    assert m.citation_coverage("") == 1.0


def test_sentence_supported_tolerates_possessives_case_and_number_words() -> None:
    assert m.sentence_supported("Putin’s host was KIM JONG UN [1].", [GREET])
    assert m.sentence_supported(
        "It was the first visit in 24 years.", ["first in twenty-four years"]
    )
    assert m.sentence_supported("Pyongyang got 11000 containers.", ["Pyongyang ... 11,000 crates"])
    assert m.sentence_supported("However, they talked for minutes.", ["they talked"])
    assert m.sentence_supported("they talked warmly", [])  # no entity or number: nothing to check


def test_sentence_supported_reads_other_spellings_of_a_name() -> None:
    passage = "South Korea, the US, and Ukraine accuse Pyongyang of violating UN sanctions."
    assert m.sentence_supported("The United States and the United Nations [1].", [passage])
    assert m.sentence_supported("A South Korean complaint [1].", [passage])
    # a pronoun is not a country, and a different country is still different
    assert not m.sentence_supported("The United States said so [1].", ["He told us so."])
    assert not m.sentence_supported("The United Kingdom said so [1].", [passage])


def test_invented_entity_lowers_support() -> None:
    good = "Kim Jong Un greeted Putin at the plane ramp [1]."
    bad = "Kim Jong Un and Shoigu greeted Putin at the plane ramp [1]."
    assert not m.sentence_supported(bad, [GREET])
    assert m.citation_support(good, QUOTES) == 1.0
    assert m.citation_support(bad, QUOTES) == 0.0
    assert m.unsupported_rate(good, QUOTES) == 0.0
    assert m.unsupported_rate(f"{good} {bad}", QUOTES) == 0.5


def test_invented_number_is_unsupported() -> None:
    assert not m.sentence_supported("North Korea sent 12,000 containers [3].", [AMMO])
    assert m.sentence_supported("North Korea sent 11000 containers [3].", [AMMO])


def test_wrong_citation_is_caught() -> None:
    gold = [["Kumsusan"]]
    right = "Putin stays at the Kumsusan State Guest House [2]."
    wrong = "Putin stays at the Kumsusan State Guest House [1]."
    assert m.citation_support(right, QUOTES) == 1.0
    assert m.citation_support(wrong, QUOTES) == 0.0
    assert m.gold_fact_citation_accuracy(right, QUOTES, gold) == 1.0
    assert m.gold_fact_citation_accuracy(wrong, QUOTES, gold) == 0.0


def test_citation_to_a_missing_passage_supports_nothing() -> None:
    assert m.citation_support("Putin stays at Kumsusan [9].", QUOTES) == 0.0


def test_uncited_sentences() -> None:
    uncited = "Kim Jong Un greeted Putin."
    assert m.citation_support(uncited, QUOTES) == 0.0
    assert m.unsupported_rate(uncited, QUOTES) == 1.0
    assert m.unsupported_rate("they talked warmly.", QUOTES) == 0.0
    assert m.unsupported_rate(NOT_FOUND, QUOTES) == 0.0


def test_gold_fact_citation_accuracy_none_without_gold_in_answer() -> None:
    assert m.gold_fact_citation_accuracy(NOT_FOUND, QUOTES, [["Kumsusan"]]) is None
    answer = "Kim Jong Un greeted him [1]. He stays at Kumsusan [1]."
    assert m.gold_fact_citation_accuracy(answer, QUOTES, [["Kim Jong Un"], ["Kumsusan"]]) == 0.5


# --- retrieval ------------------------------------------------------------------------------


def test_recall_at_k() -> None:
    evidence = [
        {
            "source": "002_f67a801f5426b32f.txt",
            "quote": "Kim Jong Un personally greeted Vladimir Putin",
        },
        {"source": "003_7179962c8e6e8e9f.txt", "quote": "11,000 containers of ammunition"},
    ]
    retrieved = [
        ("articles/002_f67a801f5426b32f.txt", "Intro.\n" + GREET),
        ("004_bcd3bece6bb6b843.txt", "11,000 containers of ammunition"),  # wrong source
        ("003_7179962c8e6e8e9f", AMMO),
    ]
    assert m.recall_at_k(retrieved, evidence, 1) == 0.5
    assert m.recall_at_k(retrieved, evidence, 2) == 0.5
    assert m.recall_at_k(retrieved, evidence, 3) == 1.0
    assert m.recall_at_k(retrieved, [], 3) is None
    with pytest.raises(ValueError):
        m.recall_at_k(retrieved, evidence, 0)


def test_evidence_found_by_overlap_when_a_chunk_cuts_the_quote() -> None:
    quote = "Kim Jong Un personally greeted Vladimir Putin at the plane ramp"
    assert m.evidence_found("...North Korean leader Kim Jong Un personally greeted Vladimir", quote)
    assert not m.evidence_found("Putin arrived at night.", quote)


# --- latency --------------------------------------------------------------------------------


def test_percentile_and_latency_summary() -> None:
    assert m.percentile([], 50) is None
    assert m.percentile([5.0], 95) == 5.0
    assert m.percentile([1, 2, 3, 4], 50) == 2.5
    assert m.percentile([1, 2, 3, 4, 5], 100) == 5.0
    assert m.latency_summary([1, 2, 3]) == {
        "n": 3,
        "p50": 2.0,
        "p95": pytest.approx(2.9),
        "mean": 2.0,
    }
    assert m.latency_summary([]) == {"n": 0, "p50": None, "p95": None, "mean": None}


# --- the question set -----------------------------------------------------------------------


def test_seed_questions_are_valid() -> None:
    assert validate(SEED) == []


def test_validator_catches_a_broken_quote_and_a_fake_trap(tmp_path: Path) -> None:
    items = [json.loads(line) for line in SEED.read_text(encoding="utf-8").splitlines() if line]
    fact = next(i for i in items if i["kind"] == "fact")
    fact["evidence"][0]["quote"] += " (paraphrased)"
    distractor = next(i for i in items if i["kind"] == "distractor")
    distractor["forbidden"].append("Bitcoin")
    broken = tmp_path / "broken.jsonl"
    broken.write_text("\n".join(json.dumps(i, ensure_ascii=False) for i in items), "utf-8")
    errors = validate(broken)
    assert any("exact substring" in e for e in errors)
    assert any("Bitcoin" in e for e in errors)
