"""The focus check: a supported answer must cite passages that speak to what was asked."""

from __future__ import annotations

import pytest

from rag.focus import addresses

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
