"""The focus check: a supported answer must cite passages that speak to what was asked."""

from __future__ import annotations

import pytest

from rag.focus import addresses, answering_passages
from rag.schema import Evidence

GREETED = "RIA Novosti reports that North Korean leader Kim Jong Un personally greeted Putin."


@pytest.mark.parametrize(
    ("question", "quote", "expected"),
    [
        ("What gift did Putin give Kim Jong Un?", GREETED, False),
        (
            "What gift did Putin give Kim Jong Un?",
            "Putin is on his first visit in 24 years.",
            False,
        ),
        (
            "When did Kim Jong Un visit Russia?",
            "Kim Jong Un visited Russia from September 12.",
            True,
        ),
        (
            "On what date did the Pyongyang Summit between Putin and Kim Jong Il take place?",
            "the Pyongyang Summit with Kim Jong Il on July 19, 2000",
            True,
        ),
        (
            "On what date did Putin leave North Korea?",
            "Putin last visited North Korea in 2000.",
            False,
        ),
        (
            "Who travelled with Putin to North Korea?",
            "Putin's delegation includes his new defense minister, Andrei Belousov.",
            True,
        ),
        ("Who greeted Putin at the plane?", GREETED, True),
        # a passage naming nobody the question asks about answers something else
        (
            "Which country did Putin visit right after North Korea?",
            "The current leader, Kim Jong Un, made a rare visit to Russia last year.",
            False,
        ),
        # the usual news words for "respond" / "images ... show"
        (
            "How did Pyongyang respond to the claims that it supplied weapons to Russia?",
            "Pyongyang dismissed the notion as ridiculous in a statement.",
            True,
        ),
    ],
)
def test_addresses(question: str, quote: str, expected: bool) -> None:
    assert addresses(question, [quote]) is expected


def test_a_when_answer_without_a_date_does_not_address_the_question() -> None:
    question = "On which day of the week did North Korean media publish Putin's editorial?"
    quote = "The article by Putin was published by the Korean Central News Agency."
    assert addresses(question, [quote])
    assert not addresses(question, [quote], "The article by Putin was published by KCNA [1].")
    assert addresses(question, [quote], "It was published on Tuesday [1].")


def test_a_who_answer_may_be_a_single_name() -> None:
    question = "Who accuses North Korea of supplying weapons to Russia?"
    quote = "Washington and Kyiv accuse Russia of using weapons sent by North Korea."
    assert addresses(question, [quote], "Washington and Kyiv [1].")


def _ev(n: int, quote: str, score: float) -> Evidence:
    return Evidence(n, f"a{n}", "T", "Outlet", "2024-06-19", quote, 0, len(quote), score)


def test_answering_passages_need_score_answer_type_and_focus() -> None:
    question = "When did Putin wrap up his visit to China?"
    good = _ev(1, "Putin just wrapped up his visit to China in mid-May.", 0.71)
    undated = _ev(2, "Putin wrapped up his visit to China with a banquet.", 0.8)
    weak = _ev(3, "Putin wrapped up his visit to China on May 17.", 0.5)
    assert answering_passages(question, [good, undated, weak], 0.6) == [good]


def test_untyped_questions_need_a_clearly_stronger_passage() -> None:
    question = "Which outlet reported that Putin published an op-ed before his arrival?"
    quote = "Meduza reports that hours before his arrival, Putin published an op-ed."
    assert answering_passages(question, [_ev(1, quote, 0.62)], 0.6, [0.3]) == []
    assert len(answering_passages(question, [_ev(1, quote, 0.78)], 0.6, [0.3])) == 1


def test_untyped_questions_need_a_specific_passage_or_the_drafts_names() -> None:
    question = "Which country did Putin visit right after North Korea?"
    lead = _ev(1, "Russian President Vladimir Putin is on his first visit to North Korea.", 0.7)
    # about the question's names only: not quoted, whatever its score
    assert answering_passages(question, [lead], 0.6, [0.1]) == []
    assert answering_passages(question, [lead], 0.6, [0.2]) == [lead]
    # the model named Kim and Russia; the passage holds Russia only
    draft = "Kim Jong Un made a rare visit to Russia last year [3]."
    assert answering_passages(question, [lead], 0.6, [0.1], draft) == []
    # a draft that failed the check but whose names the passage holds
    question = "Which countries did South Korean President Yoon's Central Asia tour include?"
    tour = _ev(1, "Yoon's Central Asia tour took in Turkmenistan and Kazakhstan.", 0.66)
    draft = "South Korea's Central Asia Tour included Turkmenistan and Kazakhstan [1]."
    assert answering_passages(question, [tour], 0.6, [0.03]) == []
    assert answering_passages(question, [tour], 0.6, [0.03], draft) == [tour]
    assert answering_passages(question, [tour], 0.6, [0.03], "Not found in the articles.") == []


def test_nothing_is_quoted_for_an_unrelated_question() -> None:
    question = "When did Putin leave North Korea?"
    passage = _ev(1, "Putin last visited North Korea in 2000.", 0.9)
    assert answering_passages(question, [passage], 0.6) == []
