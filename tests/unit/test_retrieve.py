from __future__ import annotations

import pytest

from rag.filters import Filters, date_ordinal
from rag.retrieve import Hit, LexicalIndex, diversify


def test_bm25_finds_rare_names() -> None:
    idx = LexicalIndex(
        [
            "Putin arrived in Pyongyang for talks.",
            "The delegation includes Andrei Belousov and Sergei Lavrov.",
            "Putin and Kim talked about Putin and Putin.",
        ]
    )
    scores = idx.scores("Belousov")
    assert scores.argmax() == 1 and scores[0] == 0


def test_bm25_empty_index() -> None:
    assert LexicalIndex([]).scores("anything").size == 0


def hit(cid: str, article: str) -> Hit:
    return Hit(cid, "t", {"article_id": article}, 1.0)


def test_diversify_takes_every_article_once_before_seconds() -> None:
    hits = [hit("a1", "A"), hit("a2", "A"), hit("a3", "A"), hit("b1", "B"), hit("c1", "C")]
    chosen = diversify(hits, k=3, max_per_article=3)
    assert [h.chunk_id for h in chosen] == ["a1", "b1", "c1"]


def test_diversify_respects_cap() -> None:
    hits = [hit(f"a{i}", "A") for i in range(5)]
    assert len(diversify(hits, k=5, max_per_article=2)) == 2


def test_filters() -> None:
    meta = {"outlet": "News1", "article_id": "x", "published_day": date_ordinal("2024-06-19")}
    assert Filters().matches(meta) and Filters().where() is None
    assert Filters(outlets=("News1",)).matches(meta)
    assert not Filters(outlets=("CNN",)).matches(meta)
    assert Filters(date_from="2024-06-01", date_to="2024-06-30").matches(meta)
    assert not Filters(date_to="2024-05-31").matches(meta)
    undated = {**meta, "published_day": 0}
    assert not Filters(date_to="2024-06-30").matches(undated)
    assert Filters(outlets=("a",), date_from="2024-01-01").where() == {
        "$and": [
            {"outlet": {"$in": ["a"]}},
            {"published_day": {"$gte": date_ordinal("2024-01-01")}},
        ]
    }


def test_filters_from_plain_mappings_are_checked() -> None:
    assert Filters.from_json(None) is None
    f = Filters(outlets=("News1",))
    assert Filters.from_json(f) is f
    got = Filters.from_json({"outlets": ["News1"], "date_from": "2024-06-01"})
    assert got == Filters(outlets=("News1",), date_from="2024-06-01")
    with pytest.raises(ValueError, match="ISO date"):
        Filters.from_json({"date_to": "June 2024"})
    with pytest.raises(ValueError, match="list of strings"):
        Filters.from_json({"outlets": "News1"})  # a string is not a list of outlets
    with pytest.raises(ValueError, match="unknown filter"):
        Filters.from_json({"outlet": ["News1"]})


def test_evidence_stays_within_its_token_budget() -> None:
    import numpy as np

    from rag.evidence import passage_tokens, select_evidence
    from rag.retrieve import Candidate

    texts = [
        "Belousov travelled with Putin to Pyongyang on Tuesday. " * 6,  # long, most relevant
        "Lavrov travelled with Putin too.",
        "Novak was part of the delegation that travelled with Putin.",
        "The weather in Pyongyang was warm.",
    ]
    cands = [
        Candidate(f"a{i}", {"outlet": "Wire", "published": "2024-06-19"}, 0, len(t), t)
        for i, t in enumerate(texts)
    ]
    rng = np.random.default_rng(0)
    vecs = rng.normal(size=(4, 8)).astype(np.float32)
    vecs /= np.linalg.norm(vecs, axis=1, keepdims=True)
    query = "Who travelled with Putin?"
    unlimited = select_evidence(query, list(vecs[0]), cands, vecs, 4)
    assert len(unlimited) == 4
    budget = passage_tokens(cands[0]) + passage_tokens(cands[1]) + 2
    picked = select_evidence(query, list(vecs[0]), cands, vecs, 4, max_tokens=budget)
    assert sum(passage_tokens(cands[int(e.article_id[1:])]) for e in picked) <= budget
    assert picked[0].article_id == "a0"  # the best passage always goes in, even when long
    assert len(picked) == 2
    # A budget smaller than the best passage still yields that passage alone, never nothing.
    assert len(select_evidence(query, list(vecs[0]), cands, vecs, 4, max_tokens=1)) == 1


def test_chunk_relevance_prefers_rare_words_and_a_matching_headline() -> None:
    from rag.retrieve import CHUNK_WEIGHTS, chunk_relevance

    assert sum(CHUNK_WEIGHTS.values()) == pytest.approx(1.0)
    idf = {"southwest": 6.0, "miles": 4.0, "airline": 2.0, "passengers": 2.0}
    query = "Which airline will give 25,000 miles to passengers?"
    answering = chunk_relevance(query, "Southwest will give 25,000 frequent flyer miles to "
                                "passengers.", "Southwest apologises with miles", 0.45, 0.9,
                                idf, 7.0)  # fmt: skip
    vague = chunk_relevance(query, "Airlines had a hard week, passengers said.", "Travel chaos",
                            0.5, 0.2, idf, 7.0)  # fmt: skip
    assert answering > vague
