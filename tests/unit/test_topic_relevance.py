"""A topic summary writes from the sentences on the topic, not from the story around it.

Three outlets retell Putin's 2000 visit to Pyongyang (the central, corroborated story); one of
them also reports Kim Jong Un's 2023 trip to Russia, in one sentence, and follows it with one that
only says "the trip". Vectors come from a keyword embedder, so which sentence is about what is
known exactly: the Putin sentences pass the topic's floor (they name Kim and Russia) but are
less relevant than the Kim sentence.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
from langchain_core.messages import BaseMessage
from pydantic import PrivateAttr

from rag import NewsRAG
from rag.config import settings_for
from rag.llm import FakeChat
from rag.schema import Article
from rag.summarize import overview
from rag.summarize.pool import Pool, build_pool, subset
from rag.summarize.topic import CARRY, in_context, relevance
from tests.fakes import TextVectors

# One dimension per keyword (Russia and Russian alike), and a constant one so that no text is
# the zero vector.
_DIMS = ("putin", "2000", "pyongyang", "kim", "2023", "russia", "cosmodrome", "airport",
         "banquet", "declaration", "parade", "museum", "treaty")  # fmt: skip
_ALIAS = {"russian": "russia"}


class KeywordEmbeddings(TextVectors):
    def _vec(self, text: str) -> list[float]:
        v = np.zeros(len(_DIMS) + 1)
        v[-1] = 0.3
        for word in re.findall(r"\w+", text.lower()):
            word = _ALIAS.get(word, word)
            if word in _DIMS:
                v[_DIMS.index(word)] = 1.0
        return list(v / np.linalg.norm(v))


class Recorder(FakeChat):
    """FakeChat (restates passage 1) that keeps the passages of every prompt."""

    _shown: list[str] = PrivateAttr(default_factory=list)

    def _reply(self, messages: list[BaseMessage]) -> str:
        self._shown += re.findall(r"^\[\d+\] .*?: (.+)$", str(messages[-1].content), re.M)
        return super()._reply(messages)


TOPIC = "Kim Jong Un's 2023 trip to Russia"
KIM = "Earlier, Kim Jong Un visited Russia from September 12 to 17, 2023."
SITE = "As part of the trip, he toured the Vostochny Cosmodrome in the Amur region of Russia."
# Six facts of the 2000 visit, each told by two outlets in their own words.
PUTIN = {
    "One": [
        "Russian President Putin landed at the airport in Pyongyang in 2000 to meet Kim Jong Il.",
        "Kim Jong Il held a banquet in Pyongyang for the Russian leader Putin in 2000.",
        "Putin and Kim Jong Il signed a joint declaration in Pyongyang in 2000 on Russia's ties.",
    ],
    "Two": [
        "In 2000 Russia's Putin arrived at the Pyongyang airport, greeted by Kim Jong Il.",
        "A banquet was given by Kim Jong Il for Putin of Russia during the 2000 Pyongyang trip.",
        "A declaration on Russia and North Korea was signed by Putin and Kim in Pyongyang in 2000.",
        "Kim Jong Il showed Putin a military parade in Pyongyang in 2000, Russian media said.",
        "Putin also toured a museum in Pyongyang with Kim Jong Il in 2000, Russian reports said.",
        "Russia's Putin and Kim agreed on a friendship treaty in Pyongyang back in 2000.",
    ],
    "Three": [
        "Russian media recalled the parade Kim Jong Il staged for Putin in Pyongyang in 2000.",
        "Kim Jong Il and Putin of Russia visited a museum together in Pyongyang in 2000.",
        "The treaty Putin signed with Kim in Pyongyang in 2000 underpins Russia's ties today.",
    ],
}


def _articles() -> list[tuple[str, str]]:
    one = " ".join([*PUTIN["One"], KIM, SITE])
    return [("One", one), ("Two", " ".join(PUTIN["Two"])), ("Three", " ".join(PUTIN["Three"]))]


def _news(tmp_path: Path, weight: float) -> tuple[NewsRAG, Recorder]:
    settings = settings_for("fake", data_dir=tmp_path, summary__topic_weight=weight)
    chat = Recorder()
    news = NewsRAG(settings, embeddings=KeywordEmbeddings(), chat_model=chat)
    for outlet, text in _articles():
        news.ingest_text(text, source=f"{outlet}.txt", title=f"{outlet} on Putin", outlet=outlet)
    assert len(news.articles()) == 3
    return news, chat


def test_the_model_writes_from_the_sentences_on_the_topic(tmp_path: Path) -> None:
    news, chat = _news(tmp_path, 0.7)
    answer = news.summarize("overview", topic=TOPIC)
    assert not answer.abstained, answer.text
    # The on-topic sentence goes to the model first, and so does the one after it that only
    # says "the trip": it inherits the relevance of the sentence before (topic.in_context).
    assert chat._shown[:2] == [KIM, SITE], chat._shown
    # ...and the summary tells them first, cited.
    assert answer.text.startswith(KIM.rstrip(".")), answer.text
    assert [c.quote for c in answer.citations[:2]] == [KIM, SITE]


def test_weight_zero_is_the_central_story_it_replaces(tmp_path: Path) -> None:
    # The behaviour this replaces: the overview's central, corroborated sentences, all about the
    # 2000 visit; the one sentence on the topic never reaches the model.
    news, chat = _news(tmp_path, 0.0)
    news.summarize("overview", topic=TOPIC)
    assert chat._shown and KIM not in chat._shown and SITE not in chat._shown
    assert all("2000" in s for s in chat._shown), chat._shown


def _pool() -> tuple[Pool, list[int], np.ndarray]:
    arts = [Article(f"id{k}", f"{o} on Putin", t, o) for k, (o, t) in enumerate(_articles())]
    pool = build_pool(arts, KeywordEmbeddings())
    own = relevance(pool, TOPIC, KeywordEmbeddings())
    return pool, [i for i, s in enumerate(pool.sents) if s.text in (KIM, SITE)], own


def test_a_sentence_inherits_part_of_the_relevance_of_the_one_before() -> None:
    pool, (kim, site), own = _pool()
    assert own[site] < 0.5 < own[kim]  # alone, "the trip" says little about Kim's trip
    # ...and less than the Putin sentences, which name Kim and Russia.
    assert own[site] < min(own[i] for i in range(len(own)) if i not in (kim, site))
    focus = in_context(pool, own)
    assert focus[site] == pytest.approx(CARRY * own[kim])
    assert focus[kim] == own[kim]  # the lead of what follows keeps its own
    first = [i for i, s in enumerate(pool.sents) if s.index == 0]
    assert all(focus[i] == own[i] for i in first)  # nothing before an article's first sentence


@pytest.mark.parametrize("weight", [0.3, 0.7])
def test_on_topic_choice_is_relevance_first_then_not_repeating(weight: float) -> None:
    pool, (kim, site), own = _pool()
    keep = list(range(len(own)))
    part = subset(pool, keep)
    focus = in_context(pool, own)
    central, _ = overview.consensus(part, keep, 4)
    assert kim not in central and site not in central
    reps, _ = overview.consensus(part, keep, 4, focus, weight)
    assert reps[:2] == [kim, site]
    # Below weight 1 the redundancy term keeps the same fact in two outlets' words (here the
    # same vector) from being picked twice.
    texts = [part.sents[r].text for r in reps]
    assert len({tuple(np.round(part.vecs[r], 3)) for r in reps}) == len(texts), texts


def test_what_each_source_adds_is_its_sentence_most_on_the_topic() -> None:
    # An article's lead is about its story; in a topic summary its addition is what it says on
    # the topic (here outlet One's, whose lead is the 2000 airport arrival).
    pool, (kim, _), own = _pool()
    one = [i for i, s in enumerate(pool.sents) if s.article.outlet == "One"]
    story = overview.Story([pool.sents[one[0]].article], one)
    assert overview.angles(pool, story, set()) == [one[0]]
    assert overview.angles(pool, story, set(), in_context(pool, own)) == [kim]
