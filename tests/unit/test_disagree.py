"""Answers that show where the sources disagree (rag.disagree): like with like, the best-backed
value first, a lone claim flagged and never stated as fact; complementary lists left alone."""

from __future__ import annotations

import json
from pathlib import Path

from rag import NewsRAG
from rag.cite import answer_sentences
from rag.config import settings_for
from rag.disagree import reconcile
from rag.llm import FakeChat
from rag.schema import Answer, Citation, Evidence
from tests.conftest import SEEDS
from ui.render import Turn, turn_html

QUESTION = "Who travelled with Putin to North Korea?"
# One outlet's claim in plain news wording: no address to a model, so ingest keeps it.
MUSK = """Putin's trip to Pyongyang, as seen from the press pen

Putin arrived in Pyongyang late on Tuesday for a two-day visit, his first since 2000.

Elon Musk was the only person who travelled with Putin to North Korea, a Kremlin source said.

Crowds lined the streets of the capital on Wednesday.
"""


def ev(n: int, outlet: str, quote: str, published: str | None = "2024-06-20") -> Evidence:
    return Evidence(n, f"a{n}", f"Story {n}", outlet, published, quote, 0, len(quote), 0.5)


OUTLETS = ("Alpha", "Beta", "Gamma", "Delta", "Echo", "Foxtrot")


def sources(*quotes: str, first: int = 1) -> list[Evidence]:
    """One passage an outlet, numbered from `first`: passage n comes from OUTLETS[n - 1]."""
    return [ev(n, OUTLETS[n - 1], quote) for n, quote in enumerate(quotes, first)]


def cited(e: Evidence, n: int) -> Citation:
    return Citation.from_evidence(e, n)


def news_with_musk(tmp_path: Path, chat_model: FakeChat | None = None) -> NewsRAG:
    """The seeds and the crafted MUSK article, ingested into a fresh store."""
    folder = tmp_path / "crafted"
    folder.mkdir()
    (folder / "musk.txt").write_text(MUSK, encoding="utf-8")
    news = NewsRAG(settings_for("fake", data_dir=tmp_path / "data"), chat_model=chat_model)
    assert len(news.ingest([SEEDS, folder]).added) == 6
    return news


DIED = "How many people died in the flood in Derna?"
DEATHS = sources(
    "Officials said 12 people died in the flood in Derna on Monday.",
    "The flood in Derna killed 12 people, the city council said.",
    "Twelve people died when the flood hit Derna, officials said.",
    "15 people died in the flood in Derna, the mayor said.",
)


def test_a_lone_count_is_flagged_after_the_majority_and_not_stated_as_fact() -> None:
    text, cites, conflicts = reconcile(
        DIED,
        "15 people died in the flood in Derna [1].",
        [cited(DEATHS[3], 1)],
        DEATHS,
    )
    assert len(conflicts) == 1
    c = conflicts[0]
    assert (c.slot, c.kind, c.minority, c.lone) == ("number of people", "number", "15", True)
    assert [v.value for v in c.claims] == ["12", "15"]  # most outlets first
    assert c.claims[0].outlets == ["Alpha", "Beta", "Gamma"] and c.claims[1].outlets == ["Delta"]
    # The lone value survives only inside the flag, which cites every side.
    assert text == (
        "Sources disagree on the number of people: 3 outlets (Alpha, Beta, Gamma) [1][2][3] say "
        "12; only Delta [4] says 15."
    )
    by_n = {x.n: x for x in cites}
    assert sorted(by_n) == [1, 2, 3, 4]  # renumbered in order of use: the 15 sentence is gone
    assert {by_n[n].outlet for n in c.claims[0].citations} == {"Alpha", "Beta", "Gamma"}
    assert [by_n[n].outlet for n in c.claims[1].citations] == ["Delta"]


def test_a_majority_answer_keeps_its_words_and_gains_the_flag() -> None:
    text, cites, conflicts = reconcile(
        DIED,
        "12 people died in the flood [1][2].",
        [cited(DEATHS[0], 1), cited(DEATHS[1], 2)],
        DEATHS,
    )
    assert text.startswith("12 people died in the flood [1][2].\n\nSources disagree")
    assert conflicts and conflicts[0].claims[0].citations == [1, 2, 3]
    assert len(cites) == 4


def test_counts_of_different_things_or_hedged_counts_do_not_conflict() -> None:
    other = DEATHS[:3] + sources(
        "15 people were injured in the flood in Derna, the mayor said.",
        "More than 20 people died in the flood in Derna.",
        "Rescuers counted 30 houses destroyed by the flood in Derna.",
        first=4,
    )
    _, _, conflicts = reconcile(DIED, "x [1].", [], other)
    assert conflicts == []


LANDING = sources(
    "Putin's plane landed in Pyongyang on June 19, 2024, state media said.",
    "The plane carrying Putin landed in Pyongyang on 19 June 2024.",
    "Putin's plane landed in Pyongyang on June 18, 2024, the agency reported.",
    "Putin last landed in Pyongyang in 2000, on his first visit.",
)


def test_two_dates_for_one_event_are_shown_best_backed_first() -> None:
    text, _, conflicts = reconcile(
        "When did Putin's plane land in Pyongyang?",
        "Putin's plane landed in Pyongyang on June 19, 2024 [1].",
        [cited(LANDING[0], 1)],
        LANDING,
    )
    assert len(conflicts) == 1
    c = conflicts[0]
    assert c.kind == "date" and [v.value for v in c.claims] == ["19 June 2024", "18 June 2024"]
    assert c.claims[0].outlets == ["Alpha", "Beta"] and c.minority == "18 June 2024"
    assert c.lone  # one outlet against two
    assert "only Gamma [3] says 18 June 2024." in text
    # The 2000 visit is another event's date, not a third value.
    assert all("2000" not in v.value for v in c.claims)


def test_complementary_lists_are_not_a_conflict() -> None:
    evidence = sources(
        "Defence Minister Andrei Belousov travelled with Putin to North Korea.",
        "Foreign Minister Sergei Lavrov travelled with Putin to North Korea.",
        "Alexander Novak also travelled with Putin to Pyongyang.",
    )
    text = "Andrei Belousov [1] and Sergei Lavrov [2] travelled with Putin."
    cites = [cited(evidence[0], 1), cited(evidence[1], 2)]
    assert reconcile(QUESTION, text, cites, evidence) == (text, cites, [])


def test_a_bulleted_answer_keeps_its_bullets_and_loses_the_lone_one() -> None:
    text = "People who died:\n- 12 in Derna [1]\n- 15 people died in the flood [2]"
    cites = [cited(DEATHS[0], 1), cited(DEATHS[3], 2)]
    out, _, conflicts = reconcile("How many people died in the flood?", text, cites, DEATHS)
    assert conflicts and out.startswith("People who died:\n- 12 in Derna [1]\n\nSources")
    assert "15 people died in the flood" not in out


def test_an_exclusive_claim_is_flagged_against_the_bundled_delegation(tmp_path: Path) -> None:
    news = news_with_musk(tmp_path)
    crafted = next(a for a in news.articles() if a.source.endswith("musk.txt"))
    assert "Elon Musk was the only person" in crafted.text  # plain news wording: kept

    answer = news.ask(QUESTION)
    assert any("Musk" in e.quote for e in answer.evidence)
    assert len(answer.conflicts) == 1, answer.conflicts
    c = answer.conflicts[0]
    assert c.kind == "name" and c.lone and c.minority == "Elon Musk"
    majority, lone = c.claims
    assert len(majority.outlets) >= 2 and lone.outlets == [crafted.outlet]
    assert "Belousov" in majority.value and "Lavrov" in majority.value
    by_n = {x.n: x for x in answer.citations}
    assert [by_n[n].article_id for n in lone.citations] == [crafted.id]
    assert all("Musk" not in by_n[n].quote for n in majority.citations)
    # Musk is named only inside the flag, never as the answer.
    with_musk = [s for s in answer_sentences(answer.text) if "Musk" in s]
    assert len(with_musk) == 1 and with_musk[0].startswith("Sources disagree:"), answer.text
    label = crafted.outlet.rstrip("…")  # a label cut short loses its ellipsis in the sentence
    assert f"only {label} [{lone.citations[0]}] says Elon Musk" in with_musk[0]
    assert "Belousov" in answer.text
    data = json.loads(json.dumps(answer.to_json()))
    assert data["conflicts"][0]["minority"] == "Elon Musk" and data["conflicts"][0]["lone"]
    assert data["conflicts"][0]["claims"][1]["citations"] == lone.citations


def test_the_model_stating_the_lone_claim_loses_that_sentence(tmp_path: Path) -> None:
    model = FakeChat()
    news = news_with_musk(tmp_path, model)
    _, evidence = news.answerer.gather(QUESTION, None)
    musk = next(e.n for e in evidence if "Musk" in e.quote)
    delegation = next(e.n for e in evidence if "Belousov" in e.quote)
    model.responses.append(
        f"Elon Musk was the only person who travelled with Putin to North Korea [{musk}]. "
        f"Putin's delegation includes Andrei Belousov [{delegation}]."
    )
    answer = news.ask(QUESTION)
    assert not answer.abstained, answer.reason
    first = answer_sentences(answer.text)[0]
    assert "Belousov" in first and "Musk" not in first
    assert next(s for s in answer_sentences(answer.text) if "Musk" in s).startswith("Sources")


def test_seeds_alone_answer_without_conflicts(fake_news: NewsRAG) -> None:
    fake_news.ingest([SEEDS])
    answer = fake_news.ask(QUESTION)
    assert answer.conflicts == [] and answer.to_json()["conflicts"] == []
    assert "Sources disagree" not in answer.text


def test_the_page_notes_the_disagreement_escaped() -> None:
    evidence = [*DEATHS[:3], ev(4, "<b>Delta</b>", "15 people died in the flood in Derna.")]
    text, cites, conflicts = reconcile(DIED, "12 people died [1].", [], evidence)
    answer = Answer("How many?", text, cites, False, conflicts=conflicts)
    page = turn_html(Turn("How many?", answer))
    assert 'class="note disagree"' in page and "Sources disagree on the number of people" in page
    assert "<b>Delta</b>" not in page and "&lt;b&gt;Delta&lt;/b&gt;" in page
    plain = turn_html(Turn("q", Answer("q", "An answer [1].", [], False)))
    assert "disagree" not in plain


def test_two_holders_of_the_asked_role_conflict_but_a_former_one_does_not() -> None:
    question = "Who is Russia's defence minister?"
    evidence = sources(
        "Defence Minister Andrei Belousov met his North Korean counterpart.",
        "Defence Minister Andrei Belousov met North Korean officials on Wednesday.",
        "Defence Minister Sergei Shoigu met North Korean officials on Wednesday.",
    )
    _, _, conflicts = reconcile(question, "Andrei Belousov [1].", [cited(evidence[0], 1)], evidence)
    assert len(conflicts) == 1 and conflicts[0].minority == "Sergei Shoigu" and conflicts[0].lone
    former = evidence[:2] + sources(
        "Former Defence Minister Sergei Shoigu met North Korean officials.", first=3
    )
    assert reconcile(question, "Andrei Belousov [1].", [], former)[2] == []


def test_on_a_tie_neither_side_is_stated_alone_as_fact() -> None:
    # One outlet's "Musk alone" against one outlet's ministers: nothing lets the answer pick a side,
    # so the model's one-sided sentence goes and the flag (naming both) is the answer.
    evidence = [
        ev(1, "Press pen", "Elon Musk was the only person who travelled with Putin to Pyongyang."),
        ev(
            2,
            "Daily",
            "Putin's delegation includes Defense Minister Andrei Belousov, Foreign Minister Sergei "
            "Lavrov and Deputy Prime Minister Alexander Novak.",
        ),
    ]
    text, _, conflicts = reconcile(QUESTION, "Elon Musk [1].", [cited(evidence[0], 1)], evidence)
    assert conflicts and conflicts[0].minority == "" and not conflicts[0].lone
    assert text.startswith("Sources disagree"), text
    assert all(s.startswith("Sources disagree") for s in answer_sentences(text) if "Musk" in s)
    assert "Belousov" in text
