"""Chat routing: the rules alone (any embedder), the fitted classifier on the held-out set."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from eval import routing
from rag.summarize.base import Kind
from rag.summarize.route import CLASSES, CUE_NAMES, WEIGHTS, Route, read_topic, route

# What the rules alone route, by summary kind.
RULED: dict[Kind, list[str]] = {
    "overview": [
        "Summarise the coverage",
        "summarize the articles please",
        "Can you give me an overview?",
        "Give me a quick summary of the news",
        "tl;dr",
        "What do the articles say?",
    ],
    "timeline": ["Give me a timeline", "What is the chronology of events?"],
    "compare": [
        "Where do the sources disagree?",
        "Compare the outlets",
        "How do the reports differ?",
        "Which outlet reported what?",
    ],
}
# An overview of one topic: (message, topic).
RULED_TOPICS = [
    ("summarise what the articles say about the Ukraine war", "the Ukraine war"),
    ("What are the reports saying about X?", "X"),
    ("What do the articles say about the delegation?", "the delegation"),
]
# Questions (one with "summary" in it), and what is no message at all: no route.
NOT_SUMMARIES = [
    "Who travelled with Putin to North Korea?",
    "When did Putin arrive in Pyongyang?",
    "What did Peskov say about the summary of the talks?",
    "",
    "x" * 400,
]


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        *((m, Route(kind)) for kind, messages in RULED.items() for m in messages),
        *((m, Route("overview", topic)) for m, topic in RULED_TOPICS),
        *((m, None) for m in NOT_SUMMARIES),
    ],
)
def test_rules_route_the_clear_cases_without_the_classifier(
    message: str, expected: Route | None
) -> None:
    assert route(message) == expected  # no embedder: the rules alone


@pytest.mark.parametrize(
    ("message", "topic"),
    [
        ("give me the rundown on the summit", "the summit"),
        (
            "Could you summarize what the sources report about the welcome ceremony?",
            "the welcome ceremony",
        ),
        ("summary of the articles on the mutual defense clause", "the mutual defense clause"),
        ("recap the news about the delegation pls", "the delegation"),
        ("what's the gist of the coverage on kim jong un", "kim jong un"),
        ("Can you summarize all of the sources for me, please?", None),
        ("break down the coverage for me", None),
        ("catch me up", None),
        ("sum up the articles' take on the op-ed please", "the op-ed"),
        ("summarise the media's view of the summit", "the summit"),
        # The whole set named in other words is an overview, not a topic called "all of it".
        ("Summarise all of it", None),
        ("sum up the whole thing please", None),
        # The set named by who gave it, in a format, or as a pronoun: still the whole set.
        ("can you give me a quick summary of the stories we shared earlier?", None),
        ("recap all of the pieces in four bullet points", None),
        ("tl;dr of whatever i sent, in a nutshell", None),
        # The topic without the words around it.
        ("sum up what they're saying abt the heatwave", "the heatwave"),
        ("summarise the bits on the port strike in two sentences", "the port strike"),
        ("recap the news on the rail merger so I can brief my boss", "the rail merger"),
        ("summarize the coverage of the flood, i only need that", "the flood"),
        (
            "the budget vote is all i care about, can you summarise what the papers say on it",
            "the budget vote",
        ),
        ("summarise the reports on the fire in one of the towers", "the fire in one of the towers"),
        # The material named by when or how it came, and formats after a comma or "into".
        ("digest of this morning's uploads, two paragraphs", None),
        ("upshot of the whole collection of documents we provided yesterday?", None),
        ("rundown on the tram strike, 4 lines, fast", "the tram strike"),
        ("condense the material on the mayor's budget into 3 lines", "the mayor's budget"),
        ("recap the key findings about the malaria vaccine for me", "the malaria vaccine"),
        # The topic said before the request.
        ("so whats up with the stadium deal, sum it up", "the stadium deal"),
        ("what say the papers about the dock strike?", "the dock strike"),
    ],
)
def test_topic_is_read_in_the_users_words(message: str, topic: str | None) -> None:
    assert read_topic(message) == topic


def test_weights_match_the_features_and_name_their_script() -> None:
    data = json.loads(WEIGHTS.read_text(encoding="utf-8"))
    assert tuple(data["cues"]) == CUE_NAMES and tuple(data["classes"]) == CLASSES
    assert data["info"]["produced_by"] == "python -m eval.fit_router"
    assert not any("heldout" in d for d in data["info"]["data"])


@pytest.fixture(scope="module")
def minilm() -> object:
    from rag.config import Settings
    from rag.onnx_embed import OnnxMiniLM

    cache = Path(Settings().model_cache)
    if not (cache / "minilm-int8").is_dir():
        pytest.skip("the int8 MiniLM is not built (newsrag setup)")
    return OnnxMiniLM(cache, threads=1)


def test_heldout_precision_and_recall(minilm: object) -> None:
    """Summary-vs-question routing on the held-out sets, pooled (never fitted on), against the
    measured floor; issue 16's target (0.95) is not met on sets written blind."""
    rows = [r for name, path in routing.SETS.items() if name.startswith("heldout")
            for r in routing.load(path)]  # fmt: skip
    result = routing.score(rows, minilm)  # type: ignore[arg-type]
    assert result["messages"] >= 200
    assert result["precision"] >= routing.FLOOR, routing.table({"held-out": result})
    assert result["recall"] >= routing.FLOOR, routing.table({"held-out": result})


def test_eval_routing_only_writes_the_routing_report(tmp_path: Path) -> None:
    from eval.run import main

    argv = ["--routing-only", "--preset", "fake", "--out", str(tmp_path / "out")]
    assert main([*argv, "--shared", str(tmp_path)]) == 0  # no RealTimeQA here
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "## Routing" in summary and "| heldout |" in summary
    data = json.loads((tmp_path / "out" / "results.json").read_text(encoding="utf-8"))
    assert set(data["routing"]) == {*routing.SETS, "held-out, pooled"}
    assert 0.0 <= data["routing"]["heldout"]["precision"] <= 1.0


@pytest.mark.parametrize(
    "question",
    [
        "Which two companies agreed this week to merge in a deal worth $20 billion?",
        "Exports rose sharply compared to last year; which country saw the largest increase?",
        "What happened to the bridge that collapsed in the storm on Monday?",
        "Lawmakers are trying to resolve their differences on the budget. What is the deadline?",
    ],
)
def test_quiz_questions_with_summary_words_stay_questions(question: str, minilm: object) -> None:
    assert route(question, minilm) is None  # type: ignore[arg-type]
