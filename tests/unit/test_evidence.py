"""Evidence selection for who / which / how-many questions: every outlet's most specific answering
sentence goes in before a vaguer one, however well the vaguer one scores (rag.evidence)."""

from __future__ import annotations

import numpy as np
import pytest

from rag import evidence
from rag.evidence import is_specific, select_evidence, specific_first
from rag.retrieve import Candidate, expand_query

QUESTION = "Who travelled with Putin to North Korea?"


def _candidates(rows: list[tuple[str, str, float]]) -> tuple[list[Candidate], np.ndarray]:
    """Candidates from (outlet, sentence, cosine to the question): unit vectors built so each
    sentence has exactly that cosine with the query vector e0, and are otherwise unlike each
    other (no sentence is redundant with another)."""
    dim = len(rows) + 1
    vecs = np.zeros((len(rows), dim), dtype=np.float32)
    for i, (_, _, cos) in enumerate(rows):
        vecs[i, 0] = cos
        vecs[i, i + 1] = np.sqrt(1 - cos * cos)
    cands = [
        Candidate(f"{outlet.lower()}-1", {"outlet": outlet, "published": "2024-06-19"}, 0,
                  len(text), text)
        for outlet, text, _ in rows
    ]  # fmt: skip
    return cands, vecs


ROWS = [
    # The crafted outlet: vague, worded like the question, so it scores highest, three times over.
    ("Crafted", "The Russian delegation that travelled with Putin to North Korea met officials "
     "in Pyongyang.", 0.9),
    ("Crafted", "The delegation that travelled with Putin to North Korea was large and stayed "
     "two days.", 0.88),
    ("Crafted", "Officials who travelled with Putin to North Korea held talks on trade.", 0.87),
    ("Crafted", "Putin travelled to North Korea with a delegation of ministers and officials.",
     0.86),
    ("TASS", "Defence Minister Andrei Belousov was part of the delegation in Pyongyang.", 0.6),
    ("Reuters", "Foreign Minister Sergei Lavrov accompanied Putin on the trip.", 0.62),
    ("Kyodo", "Deputy Prime Minister Alexander Novak also flew to Pyongyang with Putin.", 0.58),
    ("Kyodo", "The weather in Pyongyang was warm and dry on Wednesday.", 0.2),
]  # fmt: skip


def _pick(question: str, n: int = 4) -> list[str]:
    cands, vecs = _candidates(ROWS)
    query_vec = [1.0] + [0.0] * (vecs.shape[1] - 1)
    # as Answerer.gather calls it: with the question's usual news nouns appended
    picked = select_evidence(expand_query(question), query_vec, cands, vecs, n, per_article=4)
    return [e.quote for e in picked]


def test_a_vague_outlet_cannot_crowd_out_the_named_ministers() -> None:
    quotes = _pick(QUESTION)
    named = [q for q in quotes if any(m in q for m in ("Belousov", "Lavrov", "Novak"))]
    assert len(named) == 3, quotes
    # Still the crafted outlet's best sentence has a place once every outlet has spoken.
    assert len(quotes) == 4 and quotes[3].startswith("The Russian delegation"), quotes


def test_other_questions_are_chosen_as_before(monkeypatch: pytest.MonkeyPatch) -> None:
    """Not a who / which / how-many question: the same evidence, in the same order, as with the
    step switched off."""
    for question in ("Describe the trip Putin made to North Korea.", "When did Putin arrive?"):
        quotes = _pick(question)
        with monkeypatch.context() as m:
            m.setattr(evidence, "specific_first", lambda *_: [])
            assert _pick(question) == quotes
    assert _pick(QUESTION) != _pick_without_step(monkeypatch)


def _pick_without_step(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    with monkeypatch.context() as m:
        m.setattr(evidence, "specific_first", lambda *_: [])
        return _pick(QUESTION)


def test_specific_means_a_new_name_or_a_count_of_the_asked_kind() -> None:
    assert not is_specific(QUESTION, "The Russian delegation that travelled with Putin met them.")
    assert is_specific(QUESTION, "Foreign Minister Sergei Lavrov travelled with Putin.")
    # A lone surname reads like a place ("Pyongyang"): not enough on its own.
    assert not is_specific(QUESTION, "Lavrov travelled with Putin to Pyongyang.")
    assert not is_specific(QUESTION, "Putin travelled on Wednesday in June.")
    how_many = "How many ministers travelled with Putin?"
    assert is_specific(how_many, "Nine ministers went along.")
    assert is_specific(how_many, "A delegation of 14 flew in.")
    assert not is_specific(how_many, "Lavrov went along in 2024.")  # a year is not a count


def test_only_answering_sentences_are_put_first() -> None:
    """A sentence that names someone but scores far below the best is not an answer: it waits."""
    cands, _ = _candidates(ROWS)
    relevance = np.array([1.0, 0.9, 0.9, 0.9, 0.7, 0.3, 0.65, 0.1])
    firsts = specific_first(expand_query(QUESTION), cands, relevance)
    assert [cands[i].meta["outlet"] for i in firsts] == ["TASS", "Kyodo"]
    assert specific_first("What did Putin sign?", cands, relevance) == []


def test_at_most_the_set_number_of_outlets_go_first() -> None:
    """Every outlet's long sentence ahead of plain relevance order would spend the token budget
    the best sentence needs (Settings.retrieval.specific_outlets): the most relevant few go
    first, and 0 turns the step off."""
    rows = [(f"Outlet{k}", f"Minister Ivan Petrov{k} travelled with Putin.", 0.8 - k / 100)
            for k in range(5)]  # fmt: skip
    cands, _ = _candidates(rows)
    relevance = np.array([0.8 - k / 100 for k in range(5)])
    question = expand_query(QUESTION)
    assert specific_first(question, cands, relevance, outlets=5) == [0, 1, 2, 3, 4]
    assert specific_first(question, cands, relevance, outlets=3) == [0, 1, 2]
    assert specific_first(question, cands, relevance, outlets=0) == []
