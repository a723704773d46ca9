"""The focus check: a supported answer must cite passages that speak to what was asked."""

from __future__ import annotations

import pytest

from rag.answer import addresses

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
    ],
)
def test_addresses(question: str, quote: str, expected: bool) -> None:
    assert addresses(question, [quote]) is expected
