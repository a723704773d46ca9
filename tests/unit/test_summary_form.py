"""A summary in the shape asked for: "in 3 bullets", "in two sentences", "one paragraph"."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag import NewsRAG
from rag.cli import main
from rag.config import settings_for
from rag.summarize import Form, overview, read_form, route
from rag.summarize.form import MAX_ITEMS, without_form
from tests.checks import assert_quotes_exact
from tests.conftest import SEEDS
from tests.unit.test_summarize import CountingChat


@pytest.mark.parametrize(
    ("message", "form"),
    [
        ("could u give me a quick rundown of the stuff i uploaded, 3 bullets", Form(bullets=3)),
        ("3-bullet summary pls", Form(bullets=3)),
        ("recap the coverage in five key points", Form(bullets=5)),
        ("summary, a few bullet points", Form(bullets=3)),
        ("give me the main points as a bulleted list", Form(bullets=5)),
        ("what are the papers saying abt the defence pact, in two sentences", Form(sentences=2)),
        ("sum it up in 2 lines", Form(sentences=2)),
        ("tl;dr in a sentence", Form(sentences=1)),
        ("give me a one-liner on the visit", Form(sentences=1)),
        ("a sentence or two on the coverage", Form(sentences=2)),
        ("give me a bullet point summary", Form(bullets=5)),
        ("summarise the coverage in a bullet list", Form(bullets=5)),
        ("top 5 takeaways from the coverage", Form(bullets=5)),
        ("recap the coverage in three bulets", Form(bullets=3)),
        ("summarise the coverage in one paragraph", Form()),
        ("summarise it in 40 bullets", Form(bullets=MAX_ITEMS)),
        ("summarise the coverage", None),
        ("what are the main points", None),
        # numbers and shape words that belong to the topic, not to the request
        ("what do the articles say about the soldier hit by a bullet", None),
        ("what do the reports say about the FTSE falling 40 points", None),
        ("what do the papers say about the two points of contention", None),
        ("summarise the 3 points of the peace plan", None),
        ("summarise the report on the 3 bullets found at the scene", None),
        ("what do the reports say about the judge handing down a sentence", None),
        ("what do the reports say about passengers in a bullet train", None),
        ("give me two points of view on the summit", None),
    ],
)
def test_the_shape_is_read_from_the_request(message: str, form: Form | None) -> None:
    assert read_form(message) == form


@pytest.mark.parametrize(
    ("message", "request_"),
    [
        ("summarise the coverage in 5 bullet points", "summarise the coverage"),
        ("summarise the coverage in a single sentence", "summarise the coverage"),
        ("3-bullet summary pls", "summary pls"),
        ("give me 3 bullets on the Mars mission", "give me a summary on the Mars mission"),
        (
            "what do the papers say in one line about the vote",
            "what do the papers say about the vote",
        ),
        ("the ceasefire talks; three bullets, please", "the ceasefire talks; please"),
        ("who are the two lines of succession", "who are the two lines of succession"),
    ],
)
def test_the_request_is_read_without_its_shape(message: str, request_: str) -> None:
    assert without_form(message) == request_


def test_a_form_is_bullets_or_sentences_within_bounds() -> None:
    for bad in ({"bullets": 0}, {"bullets": -2}, {"sentences": MAX_ITEMS + 1},
                {"bullets": 2, "sentences": 3}):  # fmt: skip
        with pytest.raises(ValueError):
            Form(**bad)  # type: ignore[arg-type]
    assert Form(bullets=3).describe(3) == "3 bullet points, as asked"
    fewer = "5 bullet points (8 asked; no more distinct, supported ones)"
    assert Form(bullets=8).describe(5) == fewer
    assert Form(sentences=1).describe(1) == "1 sentence, as asked"


def test_the_router_carries_the_shape_of_an_overview_only() -> None:
    found = route("summarise the coverage in 3 bullets")
    assert found is not None and found.kind == "overview" and found.form == Form(bullets=3)
    topic = route("what are the reports saying about the delegation, in two sentences")
    assert topic is not None and topic.form == Form(sentences=2), topic
    assert topic.topic == "the delegation"
    assert route("who travelled with putin, in two sentences?") is None
    # the shape is not read into the topic
    vote = route("what do the papers say in one line about the vote")
    assert vote is not None and vote.topic == "the vote" and vote.form == Form(sentences=1)


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> NewsRAG:
    news = NewsRAG(
        settings_for("fake", data_dir=tmp_path_factory.mktemp("f")), chat_model=CountingChat()
    )
    assert len(news.ingest([SEEDS]).added) == 5
    return news


def _model_calls(news: NewsRAG) -> int:
    chat = news._chat_model
    assert isinstance(chat, CountingChat)
    return chat.calls


def test_bullets_as_asked_and_nothing_around_them(seeded: NewsRAG) -> None:
    before = _model_calls(seeded)
    answer = seeded.ask("summarise the coverage in 3 bullets")
    lines = answer.text.splitlines()
    assert len(lines) == 3 and all(x.startswith("- ") for x in lines), answer.text
    assert "What each source adds" not in answer.text and "**" not in answer.text
    # one call a bullet (shorter is faster too), plus a spare one only for a line lost
    assert _model_calls(seeded) - before <= 3 + overview.SPARE
    assert f"{len(lines)} bullet point" in answer.note, answer.note  # the note counts right
    assert_quotes_exact(seeded, answer.citations)
    assert all(f"[{c.n}]" in answer.text for c in answer.citations)


def test_sentences_as_asked_in_one_paragraph(seeded: NewsRAG) -> None:
    answer = seeded.summarize("overview", form=Form(sentences=2))
    assert "\n" not in answer.text and not answer.text.startswith("-"), answer.text
    assert answer.text.count("[1]") >= 1 and "2 sentences, as asked" in answer.note
    topic = seeded.summarize("overview", "the delegation", form=Form(bullets=2))
    assert topic.citations and all("delegation" in c.quote.lower() for c in topic.citations)
    assert len(topic.text.splitlines()) <= 2


def test_the_note_says_when_the_coverage_gave_fewer_lines_than_asked(seeded: NewsRAG) -> None:
    answer = seeded.summarize("overview", form=Form(bullets=MAX_ITEMS))
    lines = answer.text.splitlines()
    assert 1 <= len(lines) <= MAX_ITEMS and all(x.startswith("- ") for x in lines)
    if len(lines) < MAX_ITEMS:
        assert f"{len(lines)} bullet points ({MAX_ITEMS} asked" in answer.note, answer.note
    else:
        assert f"{MAX_ITEMS} bullet points, as asked" in answer.note


def test_a_shape_is_for_overviews_only(seeded: NewsRAG) -> None:
    with pytest.raises(ValueError, match="only an overview"):
        seeded.summarize("timeline", form=Form(bullets=3))


def test_cli_bullets(cli_store: str, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["summarize", "--bullets", "2", "--json", "--store", cli_store]) == 0
    data = json.loads(capsys.readouterr().out)
    assert 1 <= len(data["answer"].splitlines()) <= 2 and data["citations"]
    assert main(["summarize", "--bullets", "0", "--store", cli_store]) == 2
    assert main(["summarize", "--kind", "timeline", "--sentences", "2", "--store", cli_store]) == 2
    assert "for an overview" in capsys.readouterr().err


def test_the_note_counts_a_story_whose_spare_facets_went_unwritten_as_left_out() -> None:
    """Three stories got facets (two of them only spares), but the two bullets asked for both came
    from the first: the note says two stories were left out, not none."""
    from rag.schema import Article
    from rag.summarize.base import Line
    from rag.summarize.pool import Sent

    arts = [Article(f"a{k}", f"Story {k}", f"Text of story {k}.", f"Outlet{k}") for k in range(3)]
    found = [overview.Story([a], [k], facets=[overview.Facet([k], [])]) for k, a in enumerate(arts)]
    lines = [Line(f"Line {k}.", [Sent(arts[0], 0, 10, k)]) for k in range(2)]
    note = overview._note(found, form=Form(bullets=2), shaped=lines)
    assert "2 bullet points, as asked" in note and "2 smaller stories left out" in note, note
    every = [Line("Line.", [Sent(a, 0, 10, 0)]) for a in arts]
    assert "left out" not in overview._note(found, form=Form(bullets=3), shaped=every)
