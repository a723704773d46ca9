"""Topic summaries with the fake embedder and fake LLM: only passages on the topic, cited."""

from __future__ import annotations

import json

import pytest

from rag import Filters, NewsRAG
from rag.cli import main
from rag.config import settings_for
from rag.llm import FakeChat
from rag.summarize.topic import nothing_about
from tests.checks import assert_quotes_exact
from tests.conftest import SEEDS


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> NewsRAG:
    news = NewsRAG(
        settings_for("fake", data_dir=tmp_path_factory.mktemp("t")), chat_model=FakeChat()
    )
    assert len(news.ingest([SEEDS]).added) == 5
    return news


def test_topic_summary_cites_only_passages_on_the_topic(seeded: NewsRAG) -> None:
    # Fake vectors are random: a sentence is on the topic here by having its words.
    answer = seeded.summarize("overview", topic="the delegation")
    assert not answer.abstained and answer.citations, answer.text
    assert all("delegation" in c.quote.lower() for c in answer.citations), answer.citations
    assert_quotes_exact(seeded, answer.citations)
    with_topic = {a.id for a in seeded.articles() if "delegation" in a.text.lower()}
    assert {c.article_id for c in answer.citations} <= with_topic
    assert "passages on the delegation" in answer.note
    assert answer.question == "What the articles say about the delegation"


def test_a_topic_nothing_covers_is_said_plainly(seeded: NewsRAG) -> None:
    answer = seeded.summarize("overview", topic="the World Cup final")
    assert answer.text == "The articles say nothing about the World Cup final."
    assert answer.abstained and answer.citations == [] and answer.mode == "abstain"
    # Its reason is the note, so the page shows it once, in the "Why no answer?" fold.
    assert (
        answer.reason
        == answer.note
        == "No passage of the 5 articles in scope is about the World Cup final."
    )
    assert nothing_about("bitcoin?") == "The articles say nothing about bitcoin."


def test_chat_routes_a_topic_request_with_its_topic(seeded: NewsRAG) -> None:
    message = "Summarise what the articles say about the delegation"
    answer = seeded.ask(message)
    assert answer.question == message and answer.citations
    assert all("delegation" in c.quote.lower() for c in answer.citations)
    nothing = seeded.ask("what are the reports saying about the world cup final?")
    assert nothing.text == "The articles say nothing about the world cup final."


def test_topic_arguments_are_checked(seeded: NewsRAG) -> None:
    with pytest.raises(ValueError):
        seeded.summarize("timeline", topic="the delegation")
    with pytest.raises(TypeError):  # the scope goes in filters=, not in the topic's place
        seeded.summarize("overview", Filters(outlets=("News1",)))  # type: ignore[arg-type]
    scoped = seeded.summarize("overview", "the delegation", filters=Filters(outlets=("Nope",)))
    assert scoped.abstained and not scoped.citations


def test_cli_summarize_topic(cli_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    store = cli_store
    assert main(["summarize", "--topic", "the delegation", "--json", "--store", store]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["citations"] and all("delegation" in c["quote"].lower() for c in data["citations"])
    assert main(["summarize", "--topic", "the World Cup", "--store", store]) == 0
    assert "The articles say nothing about the World Cup." in capsys.readouterr().out
    assert main(["summarize", "--topic", " ", "--store", store]) == 2
