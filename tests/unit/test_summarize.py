"""Summaries with the fake embedder and fake LLMs: overview, timeline, compare, article guide."""

from __future__ import annotations

import json
import re
import zlib
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from pydantic import Field

from rag import NOT_FOUND, Answer, Article, Filters, NewsRAG, Token
from rag.cite import CitationChecker
from rag.cli import main
from rag.config import settings_for
from rag.llm import FakeChat
from rag.summarize import overview
from rag.summarize.base import Writer
from rag.summarize.conflicts import quantities, same_person
from rag.summarize.context import Context
from rag.summarize.dates import find_dates
from rag.summarize.pool import agglomerate, build_pool, trim
from tests.checks import assert_quotes_exact
from tests.conftest import SEEDS
from tests.fakes import Broken, TextVectors

BOILERPLATE = ("Tesla", "NewJeans", "POCO", "Pope Francis", "Toyota", "MrBeast")


class CountingChat(FakeChat):
    """FakeChat that counts the model calls it answers."""

    calls: int = 0

    def _reply(self, messages: list[BaseMessage]) -> str:
        self.calls += 1
        return super()._reply(messages)


def make(tmp_path: Path, chat: BaseChatModel | None = None) -> NewsRAG:
    return NewsRAG(settings_for("fake", data_dir=tmp_path), chat_model=chat)


@pytest.fixture
def seeded(tmp_path: Path) -> NewsRAG:
    news = make(tmp_path, CountingChat())
    assert len(news.ingest([SEEDS]).added) == 5
    return news


def assert_exact(news: NewsRAG, answer: Answer) -> None:
    assert answer.citations, answer.text
    assert_quotes_exact(news, answer.citations)
    assert all(f"[{c.n}]" in answer.text for c in answer.citations), answer.text
    assert [c.n for c in answer.citations] == list(range(1, len(answer.citations) + 1))


def add(news: NewsRAG, text: str, outlet: str, published: str | None = None) -> str:
    report = news.ingest_text(
        text, source=f"{outlet}.txt", title=f"{outlet} report", outlet=outlet, published=published
    )
    assert report.added, report
    return report.added[0]


# -- every kind over the seeds ---------------------------------------------------------------


@pytest.mark.parametrize("kind", ["overview", "timeline", "compare"])
def test_each_kind_quotes_exactly_and_skips_boilerplate(seeded: NewsRAG, kind: str) -> None:
    answer = seeded.summarize(kind)
    assert not answer.abstained and answer.text != NOT_FOUND
    assert_exact(seeded, answer)
    for word in BOILERPLATE:
        assert word not in answer.text
        assert all(word not in c.quote for c in answer.citations)


def test_stream_yields_tokens_then_the_answer(seeded: NewsRAG) -> None:
    events = list(seeded.summarize_stream("overview"))
    assert isinstance(events[-1], Answer)
    assert all(isinstance(e, Token) for e in events[:-1]) and len(events) > 1


def test_progress_reports_done_total_stage(seeded: NewsRAG) -> None:
    seen: list[tuple[int, int, str]] = []
    seeded.summarize("overview", progress=lambda d, t, s: seen.append((d, t, s)))
    assert seen and all(0 <= d <= t for d, t, _ in seen)
    assert seen[-1][0] == seen[-1][1] and all(isinstance(s, str) and s for _, _, s in seen)


def test_empty_scope_abstains(seeded: NewsRAG) -> None:
    answer = seeded.summarize("timeline", filters=Filters(outlets=("No Such Outlet",)))
    assert answer.abstained and answer.text == NOT_FOUND and answer.citations == []


def test_bad_kind_and_article_without_one_id_are_errors(seeded: NewsRAG) -> None:
    with pytest.raises(ValueError):
        seeded.summarize("poem")
    with pytest.raises(ValueError):
        seeded.summarize("article")


# -- overview -----------------------------------------------------------------------------------


def test_clustering_puts_every_row_in_exactly_one_cluster() -> None:
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(3, 16))
    vecs = np.vstack([c + 0.1 * rng.normal(size=(4, 16)) for c in centres])
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    groups = agglomerate(vecs.astype(np.float32), 0.5)
    assert sorted(i for g in groups for i in g) == list(range(12))
    assert sorted(sorted(g) for g in groups) == [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9, 10, 11]]
    assert len(agglomerate(vecs.astype(np.float32), 0.99, max_clusters=2)) == 2


def test_overview_covers_every_article(seeded: NewsRAG) -> None:
    answer = seeded.summarize("overview")
    assert "all 5 articles" in answer.note
    articles = seeded.articles()
    pool = build_pool(articles, seeded.embeddings)
    writer = Writer(FakeChat, 1.0, 0)
    ctx = Context(seeded.settings, seeded.embeddings, CitationChecker(None), writer, None, "", 0)
    groups = overview.stories(ctx, articles, pool)
    assert sorted(a.id for g in groups for a in g) == sorted(a.id for a in articles)


def test_overview_model_calls_are_bounded_for_many_articles(tmp_path: Path) -> None:
    chat = CountingChat()
    news = make(tmp_path, chat)
    topics = ["harbour", "orchard", "railway", "glacier", "library", "vineyard", "quarry"]
    for k in range(30):
        t = topics[k % len(topics)]
        add(
            news,
            f"Officials in Town{k} opened a new {t} project on Monday, the council said. "
            f"The {t} plan in Town{k} cost {k + 10} million euros and took {k + 2} years. "
            f"Residents of Town{k} welcomed the {t} opening with a parade through the centre.",
            f"Outlet{k}",
        )
    answer = news.summarize("overview")
    assert 0 < chat.calls <= overview.MAX_CALLS
    assert "all 30 articles" in answer.note
    assert_exact(news, answer)


def test_unsupported_model_sentence_is_dropped_and_the_source_quoted(seeded: NewsRAG) -> None:
    chat = FakeChat(responses=["Putin was greeted by Emperor Napoleon and 900 elephants [1]."])
    seeded._chat_model = chat
    seeded.__dict__.pop("summarizer", None)
    answer = seeded.summarize("overview")
    assert "Napoleon" not in answer.text and answer.dropped
    assert answer.mode == "extractive" and "“" in answer.text
    assert_exact(seeded, answer)


def test_extractive_fallback_when_the_model_raises(tmp_path: Path) -> None:
    chat = Broken()
    news = make(tmp_path, chat)
    news.ingest([SEEDS])
    answer = news.summarize("overview")
    assert not answer.abstained and answer.mode == "extractive"
    assert "could not" in answer.note and "ConnectionError" in answer.note
    assert chat.calls == 1  # a failed model is not asked again for every facet
    assert_exact(news, answer)


# -- timeline -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sentence", "published", "start", "end"),
    [
        ("NHK reported on the 21st that he would go.", "2024-05-24", "2024-05-21", "2024-05-21"),
        ("Kim made a rare visit to Russia last year.", "2024-05-24", "2023-01-01", "2023-12-31"),
        ("Putin arrived in Pyongyang yesterday night.", "2024-06-19", "2024-06-18", "2024-06-18"),
        ("The visit will start on the 3rd.", "2024-05-24", "2024-06-03", "2024-06-03"),
        ("He wrapped up a visit to China in mid-May.", "2024-05-24", "2024-05-11", "2024-05-20"),
        ("The court in March last year issued it.", "2024-05-24", "2023-03-01", "2023-03-31"),
        ("They met on Tuesday morning.", "2024-05-24", "2024-05-21", "2024-05-21"),
        ("Kim visited Russia from September 12 to 17, 2023.", None, "2023-09-12", "2023-09-17"),
        ("The summit with Kim Jong Il on July 19, 2000.", None, "2000-07-19", "2000-07-19"),
        ("It was announced on 24 May 2024 in Moscow.", None, "2024-05-24", "2024-05-24"),
        ("Putin last visited North Korea in 2000.", None, "2000-01-01", "2000-12-31"),
    ],
)
def test_dates_resolve_against_publication(
    sentence: str, published: str | None, start: str, end: str
) -> None:
    found = find_dates(sentence, published)
    assert len(found) == 1, found
    w = found[0]
    assert (w.start, w.end) == (date.fromisoformat(start), date.fromisoformat(end)), w


def test_relative_dates_without_publication_stay_unresolved() -> None:
    for sentence in ("He arrived yesterday night.", "NHK said so on the 21st.", "Last year."):
        found = find_dates(sentence, None)
        assert found and not found[0].resolved and "date unknown" in found[0].label()


def test_counts_and_ages_are_not_dates() -> None:
    text = "The first visit in 24 years brought 11,000 containers, a Tu-160 and the 5th floor."
    assert find_dates(text, "2024-05-24") == []


TIMELINE_ARTICLES = [
    (
        "Harbor Times",
        "2024-05-24",
        "The port authority approved the new harbour plan on Friday after months of debate. "
        "NHK reported on the 21st that the harbour budget had been cut by the ministry. "
        "The first harbour in Port Elm was built in July 1999, records show.",
    ),
    (
        "City Wire",
        "2024-06-20",
        "The new harbour master Maria Olsen arrived in Port Elm yesterday to start her term. "
        "She replaces the master who resigned last year after a dispute over dredging fees.",
    ),
    (
        "Coast Blog",
        None,
        "Dock workers met the harbour master yesterday to discuss night shifts at the port. "
        "The original harbour of Port Elm dates from July 1999, when it opened to ships.",
    ),
]


def timeline_news(tmp_path: Path, chat: CountingChat) -> NewsRAG:
    """A store of TIMELINE_ARTICLES alone."""
    news = make(tmp_path, chat)
    for outlet, published, text in TIMELINE_ARTICLES:
        add(news, text, outlet, published)
    return news


def test_timeline_is_chronological_with_undated_last(tmp_path: Path) -> None:
    news = timeline_news(tmp_path, CountingChat())
    answer = news.summarize("timeline")
    assert_exact(news, answer)
    lines = [x for x in answer.text.splitlines() if x.startswith("- **")]
    labels = [x.split("**")[1] for x in lines]
    dated = [x for x in labels if not x.startswith("date unknown")]
    assert dated[:1] == ["July 1999"], labels
    assert labels.index("21 May 2024") < labels.index("24 May 2024") < labels.index("19 June 2024")
    assert "2023" in labels and labels.index("2023") < labels.index("21 May 2024")
    undated = [k for k, x in enumerate(labels) if x.startswith("date unknown")]
    assert undated and min(undated) > max(labels.index(x) for x in dated)
    assert "Undated" in answer.text and "could not be dated" in answer.note
    # The July 1999 opening, told by two outlets, is one entry citing both.
    july = next(x for x in lines if x.startswith("- **July 1999**"))
    assert july.count("[") == 2


def test_timeline_quotes_and_never_calls_the_model(tmp_path: Path) -> None:
    chat = CountingChat()
    news = timeline_news(tmp_path, chat)
    answer = news.summarize("timeline")
    assert chat.calls == 0 and answer.mode == "extractive"
    assert "- **21 May 2024**: “NHK reported on the 21st" in answer.text
    assert_exact(news, answer)


# -- compare ------------------------------------------------------------------------------------

COMPARE_ARTICLES = [
    (
        "Harbor Times",
        "At least 12 people were killed when the storm hit Port Elm on Monday, officials said. "
        "Foreign Minister Sergei Lavrov visited the damaged port on Tuesday with aid workers. "
        "It was the worst storm to hit the region in 24 years, the weather office said. "
        "The mayor declared a state of emergency on 3 March 2023 after the storm. "
        "The harbour master Maria Olsen closed the northern pier for repairs.",
    ),
    (
        "City Wire",
        "The storm that hit Port Elm on Monday killed 15 people, officials said. "
        "Foreign Minister Sergey Lavrov visited the damaged port on Tuesday with aid workers. "
        "It was the worst storm to hit the region in twenty-four years, the weather office said. "
        "The mayor declared a state of emergency on 5 March 2023 after the storm. "
        "Fishing boats from Nordline were moved to the southern bay overnight.",
    ),
]


def test_compare_finds_conflicts_but_not_spellings(tmp_path: Path) -> None:
    news = make(tmp_path, CountingChat())
    for outlet, text in COMPARE_ARTICLES:
        add(news, text, outlet, "2023-03-06")
    answer = news.summarize("compare")
    assert_exact(news, answer)
    conflicts = answer.text.split("**Conflicting claims**")[1].split("**Same name")[0]
    assert "people (number)" in conflicts and "12" in conflicts and "15" in conflicts
    assert "3 March 2023" in conflicts and "5 March 2023" in conflicts
    assert "Lavrov" not in conflicts and "year (number)" not in conflicts
    assert "Sergei Lavrov" in answer.text.split("**Same name")[1]
    assert "**Harbor Times**" in answer.text and "**City Wire**" in answer.text
    only = answer.text.split("**Reported by only one outlet**")[1].split("**Conflicting")[0]
    assert "Maria Olsen" in only and "Nordline" in only


def test_quantities_read_numbers_in_words_and_skip_dates() -> None:
    assert quantities("It was the first storm in twenty-four years.") == {"year": {24.0}}
    assert quantities("They sent 11,000 containers on 3 March 2023.") == {"container": {11000.0}}
    assert same_person("Sergei Lavrov", "Sergey Lavrov")
    assert not same_person("Kim Jong Un", "Kim Jong Il")
    assert not same_person("North Korea", "South Korea")


# -- article guide ------------------------------------------------------------------------------


def test_guide_is_cached_in_memory_and_on_disk(tmp_path: Path) -> None:
    guide = (
        "Summary: Putin's delegation includes his new defense minister, Andrei Belousov [3].\n"
        "Key points:\n"
        "- RIA Novosti reports that Kim Jong Un personally greeted Vladimir Putin [4].\n"
        "- Putin arrived in North Korea at the start of his first visit in 24 years [2].\n"
        "- Napoleon led the parade [1].\n"
    )
    chat = FakeChat(responses=[guide])
    news = make(tmp_path, chat)
    news.ingest([SEEDS])
    aid = next(a.id for a in news.articles() if "greeted" in a.text)
    scope = Filters(article_ids=(aid,))
    first = news.summarize("article", filters=scope)
    assert chat._i == 1 and first.mode == "llm"
    assert "Belousov" in first.text and "Napoleon" not in first.text
    assert first.text.count("\n- ") >= 3  # verified points, topped up with quoted sentences
    assert_exact(news, first)
    second = news.summarize("article", filters=scope)
    assert chat._i == 1, "the second request must not call the model"
    assert second.text == first.text and second.citations == first.citations
    saved = json.loads((tmp_path / "guides" / f"{aid}.json").read_text(encoding="utf-8"))
    assert saved["article_id"] == aid and saved["answer"]["text"] == first.text
    # A restart: a new NewsRAG over the same data folder, with a model that must not be asked.
    again = make(tmp_path, Broken()).summarize("article", filters=scope)
    assert again.text == first.text and again.mode == "llm"


def test_guide_falls_back_to_quotes_and_is_not_cached_when_the_model_fails(
    tmp_path: Path,
) -> None:
    news = make(tmp_path, Broken())
    news.ingest([SEEDS])
    aid = news.articles()[0].id
    answer = news.summarize("article", filters=Filters(article_ids=(aid,)))
    assert answer.mode == "extractive" and "could not" in answer.note
    assert answer.text.startswith("**Summary:**") and answer.text.count("\n- ") >= 3
    assert_exact(news, answer)
    assert not (tmp_path / "guides" / f"{aid}.json").exists()


# -- routing ------------------------------------------------------------------------------------


def test_ask_delegates_summary_requests(seeded: NewsRAG) -> None:
    answer = seeded.ask("Give me a timeline")
    assert answer.question == "Give me a timeline"
    assert "- **" in answer.text and "2023" in answer.text
    assert_exact(seeded, answer)


# -- command line -------------------------------------------------------------------------------


def test_cli_summarize_json(cli_store: str, capsys: pytest.CaptureFixture[str]) -> None:
    store = cli_store
    assert main(["summarize", "--kind", "compare", "--json", "--store", store]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["citations"] and "Who reported what" in data["answer"]
    assert main(["summarize", "--kind", "article", "--store", store]) == 2


def test_trim_keeps_the_clause_with_the_anchor() -> None:
    text = (
        "Russian President Vladimir Putin is on his first visit to North Korea in 24 years, "
        "with relations between the two countries growing closer since Moscow launched its "
        "so-called special military operation in Ukraine in February 2022."
    )
    out = trim(text, "February 2022", 150)
    assert "February 2022" in out and out.startswith("…") and len(out) <= 152


class WordsEmbedding(TextVectors):
    """Bag of words hashed into 384 dimensions: texts that share words are close, as with a real
    embedder, so articles on one story cluster into one."""

    def _vec(self, text: str) -> list[float]:
        v = np.zeros(384)
        for w in re.findall(r"[a-z]+", text.lower()):
            v[zlib.crc32(w.encode()) % 384] += 1.0
        return list(v / (np.linalg.norm(v) or 1.0))


class PromptsChat(FakeChat):
    """FakeChat that keeps the prompts it is sent."""

    prompts: list[str] = Field(default_factory=list)

    def _reply(self, messages: list[BaseMessage]) -> str:
        self.prompts.append(str(messages[-1].content))
        return super()._reply(messages)


def test_overview_opens_with_the_lede_of_the_most_central_article(tmp_path: Path) -> None:
    chat = PromptsChat()
    news = NewsRAG(settings_for("fake", data_dir=tmp_path), chat_model=chat,
                   embeddings=WordsEmbedding())  # fmt: skip
    ledes = {
        "Daily": "The mayor of Riverton, Anna Berg, opened the new Riverton harbour bridge on "
        "Monday after four years of building work.",
        "Gazette": "Riverton mayor Anna Berg opened the city's new harbour bridge on Monday, "
        "four years after building work began.",
        "Herald": "Thousands watched in Riverton on Monday as the new harbour bridge opened.",
    }
    shared = (
        "The Riverton harbour bridge cost 120 million euros, the council said. "
        "The harbour bridge is 800 metres long and carries two tram lines. "
        "Engineers from Nordbau built the harbour bridge in Riverton."
    )
    for outlet, lede in ledes.items():
        add(news, f"{lede} {shared}", outlet)
    answer = news.summarize("overview")
    assert "lead sentence" in chat.prompts[0]
    assert all("lead sentence" not in p for p in chat.prompts[1:])
    first = answer.text.split("[", 1)[0].strip()
    assert first in {lede.rstrip(".") for lede in ledes.values()}, answer.text
    assert answer.text.count(first) == 1  # no consensus facet repeats the lead
    assert 0 < len(chat.prompts) <= overview.MAX_CALLS
    assert_exact(news, answer)


def test_facet_check_wants_every_name_in_one_passage_and_never_from_a_title_label() -> None:
    """The seed overview's blend: a title label ("Russian President Vladimir Putin's Rare…")
    and another passage supplied the names the model swapped into the subject."""
    from rag.summarize.base import facet_evidence, verify
    from rag.summarize.pool import Sent

    title = "Russian President Vladimir Putin’s Rare Visit to North Korea"
    text = (
        "Stating that North Korea has provided dozens of ballistic missiles to Russia for use in "
        "Ukraine. Russian President Vladimir Putin thanked North Korea for its support."
    )
    art = Article("a3", title, text, outlet="Russian President Vladimir Putin’s Rare…",
                  published="2024-06-18")  # fmt: skip
    cut = text.index(" Russian")
    one, two = Sent(art, 0, cut, 0), Sent(art, cut + 1, len(text), 1)
    shown = facet_evidence([one])
    assert shown[0].outlet == "" and shown[0].published is None and shown[0].quote == one.text
    real = Article("b", "Some title", text, outlet="Reuters", published="2024-06-18")
    assert facet_evidence([Sent(real, 0, cut, 0)])[0].outlet == "Reuters"
    checker = CitationChecker(None, 0.5, strict=True)
    blend = (
        "Russian President Vladimir Putin has provided North Korea with ballistic missiles for "
        "use in Ukraine [1]."
    )
    assert verify(checker, blend, [one]).lines  # the label, read as a source name, passed it
    assert verify(checker, blend, [one], alone=True).dropped  # its names are only in the label
    assert verify(checker, blend.replace("[1]", "[1][2]"), [one, two], alone=True).dropped
    assert verify(checker, blend.replace("[1]", "[1][2]"), [one, two]).lines  # the joint check
    faithful = "North Korea has provided ballistic missiles to Russia for use in Ukraine [1]."
    assert verify(checker, faithful, [one, two], alone=True).lines
