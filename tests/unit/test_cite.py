from __future__ import annotations

from rag.cite import UNSUPPORTED_MARK, CitationChecker, answer_sentences, looks_like_abstention
from rag.schema import NOT_FOUND, Evidence


def ev(n: int, quote: str, outlet: str = "Outlet") -> Evidence:
    return Evidence(n, f"a{n}", "Title", outlet, "2024-06-19", quote, 0, len(quote), 0.9)


EVIDENCE = [
    ev(
        1,
        "Putin's delegation includes his new defense minister, Andrei Belousov, Foreign "
        "Minister Sergei Lavrov and Deputy Prime Minister Alexander Novak.",
    ),
    ev(
        2,
        "RIA Novosti reports that North Korean leader Kim Jong Un personally greeted "
        "Vladimir Putin at the plane ramp.",
    ),
    ev(
        3,
        "US State Department spokesman Matthew Miller said North Korea has provided "
        "dozens of ballistic missiles and 11,000 containers of ammunition to Russia.",
    ),
]


def checker(strict: bool = True) -> CitationChecker:
    return CitationChecker(None, min_support=0.5, strict=strict)


def test_supported_sentence_is_kept_with_exact_quote() -> None:
    v = checker().check("Kim Jong Un greeted Putin at the plane ramp [2].", EVIDENCE)
    assert not v.abstained
    assert v.text == "Kim Jong Un greeted Putin at the plane ramp [1]."
    assert v.citations[0].quote == EVIDENCE[1].quote and v.citations[0].supported


def test_wrong_citation_number_is_repaired() -> None:
    v = checker().check("Kim Jong Un greeted Putin at the plane ramp [3].", EVIDENCE)
    assert v.checks[0].repaired
    assert v.citations[0].article_id == "a2"


def test_invented_entity_is_dropped_in_strict_mode() -> None:
    answer = (
        "Belousov and Lavrov were in Putin's delegation [1]. Putin gave Kim Jong Un a Mercedes [2]."
    )
    v = checker().check(answer, EVIDENCE)
    assert "Mercedes" not in v.text
    assert v.dropped and "Mercedes" in v.dropped[0]
    assert "Belousov" in v.text


def test_lenient_mode_marks_instead_of_dropping() -> None:
    v = checker(strict=False).check(
        "Putin gave Kim Jong Un a Mercedes [2]. Lavrov was in the delegation [1].", EVIDENCE
    )
    assert "Mercedes" in v.text and UNSUPPORTED_MARK in v.text
    assert not v.abstained


def test_wrong_number_in_a_sentence_is_caught() -> None:
    v = checker().check("North Korea provided 12,000 containers of ammunition [3].", EVIDENCE)
    assert v.abstained and v.text == NOT_FOUND


def test_numbers_with_separators_match() -> None:
    v = checker().check("North Korea provided 11000 containers of ammunition [3].", EVIDENCE)
    assert not v.abstained


def test_uncited_supported_sentence_gets_a_citation() -> None:
    v = checker().check("Alexander Novak was in the delegation.", EVIDENCE)
    assert v.citations and v.citations[0].article_id == "a1"


def test_list_spread_over_passages_is_covered_by_several_citations() -> None:
    v = checker().check("Belousov went, and Kim Jong Un greeted Putin [1].", EVIDENCE)
    assert {c.article_id for c in v.citations} == {"a1", "a2"}


def test_useless_extra_citation_is_pruned() -> None:
    v = checker().check("Kim Jong Un greeted Putin at the plane ramp [2][3].", EVIDENCE)
    assert [c.article_id for c in v.citations] == ["a2"]


def test_abstention_is_recognised() -> None:
    assert looks_like_abstention(NOT_FOUND)
    assert looks_like_abstention("The passages do not contain information about a gift.")
    v = checker().check(NOT_FOUND, EVIDENCE)
    assert v.abstained and v.citations == []


def test_names_alone_do_not_support_an_invented_relation() -> None:
    v = checker().check("Putin gave Kim Jong Un a gift [2].", EVIDENCE)
    assert v.abstained, "every name is in [2], but nothing there says anything about a gift"


def test_nothing_supported_abstains() -> None:
    v = checker().check("The Tesla stock fell sharply [1].", EVIDENCE)
    assert v.abstained and v.text == NOT_FOUND


def test_marker_only_fragments_join_their_sentence() -> None:
    assert answer_sentences("Lavrov went. [1] Novak too [1].") == [
        "Lavrov went. [1]",
        "Novak too [1].",
    ]


def test_stray_punctuation_before_a_marker_is_dropped() -> None:
    """The real model once wrote "… with North Korea. ,,,,, [2]": the page showed the commas."""
    assert answer_sentences("Lavrov went [1]. It matters. ,,,,, [2]") == [
        "Lavrov went [1].",
        "It matters. [2]",
    ]
    assert answer_sentences("Lavrov went [1]. ;;") == ["Lavrov went [1]."]
    v = checker().check("Lavrov went with Putin [1]. ,,,,, [1]", [ev(1, "Lavrov went with Putin.")])
    assert ",," not in v.text and "[1]" in v.text


def test_curly_possessive_in_the_passage_supports_the_name() -> None:
    evidence = [ev(1, "Matthew Miller reiterated the allegation on Monday before Putin’s trip.")]
    v = checker().check("Miller repeated it on Monday before Putin's trip [1].", evidence)
    assert not v.abstained and v.citations[0].supported


def test_cover_goes_on_when_the_names_are_there_but_the_relation_is_not() -> None:
    # [2] holds every name but not "three days"; [1] holds the relation: both are cited
    evidence = [
        ev(1, "Foreign Minister Choi visited Russia for three days, from the 15th to the 17th."),
        ev(2, "North Korean Foreign Minister Choi Sun-hee visited Russia last week."),
    ]
    v = checker().check(
        "North Korean Foreign Minister Choi Sun-hee visited Russia for three days [2].", evidence
    )
    assert not v.abstained
    assert sorted(c.n for c in v.citations) == [1, 2]


def test_an_abbreviated_country_supports_its_full_name() -> None:
    evidence = [ev(1, "South Korea, the US, and Ukraine have all accused North Korea.")]
    v = checker().check("The United States and Ukraine accused North Korea [1].", evidence)
    assert not v.abstained and v.citations[0].supported
    v = checker().check("The United Kingdom accused North Korea [1].", evidence)
    assert v.abstained
