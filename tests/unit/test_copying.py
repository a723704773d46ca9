"""The copy-share metric (eval/copying.py): copies, paraphrases and fusions of two sources."""

from __future__ import annotations

from eval.copying import (
    COPY_MIN_COVERAGE,
    CopyCounts,
    copied_fraction,
    copies_one,
    copy_counts,
    output_copies,
    summary_units,
)
from eval.records import Output

GREET = (
    "RIA Novosti reports that North Korean leader Kim Jong Un personally greeted Vladimir "
    "Putin at the plane ramp."
)
CONFIRMED = (
    "As officially confirmed by the South Korean Presidential Office on the 12th (local "
    "time), Russian President Vladimir Putin is expected to visit North Korea soon."
)
ACCUSED = (
    "Meanwhile, Washington and Kyiv have also accused the Russian military of using "
    "weapons sent by North Korea to attack Ukraine."
)
DELEGATION = (
    "Putin's delegation includes his new defense minister, Andrei Belousov, Foreign "
    "Minister Sergei Lavrov and Deputy Prime Minister Alexander Novak."
)


def test_a_verbatim_sentence_is_a_copy_whatever_its_punctuation_and_quotes() -> None:
    assert copied_fraction(f"“{GREET}” [1]", GREET) == 1.0
    assert copied_fraction("Kim Jong Un’s  GREETED, putin", "kim jong un's greeted putin") == 1.0


def test_a_copy_with_its_clauses_swapped_is_still_a_copy() -> None:
    swapped = (
        "Russian President Vladimir Putin is expected to visit North Korea soon, as "
        "officially confirmed by the South Korean Presidential Office on the 12th."
    )
    assert copied_fraction(swapped, CONFIRMED) == 1.0
    assert copies_one(swapped, [CONFIRMED])


def test_a_source_sentence_cut_down_is_a_copy() -> None:
    assert copies_one("Russian President Vladimir Putin is expected to visit North Korea soon.",
                      [CONFIRMED])  # fmt: skip


def test_a_copy_with_a_word_changed_is_a_copy() -> None:
    edited = "Kim Jong Un personally welcomed Vladimir Putin at the plane ramp, RIA Novosti said."
    assert COPY_MIN_COVERAGE <= copied_fraction(edited, GREET) < 1.0


def test_a_paraphrase_is_not_a_copy() -> None:
    paraphrase = "Kim met the Russian leader on the tarmac when his plane landed."
    assert copied_fraction(paraphrase, GREET) < 0.4
    assert not copies_one(paraphrase, [GREET])


def test_a_fusion_of_two_sources_copies_neither() -> None:
    fused = ("Putin's delegation includes Andrei Belousov and Sergei Lavrov, while Washington "
             "and Kyiv have accused Russia of using North Korean weapons.")  # fmt: skip
    assert not copies_one(fused, [DELEGATION, ACCUSED])
    # Each source gives it words, but no single one gives it four in five.
    assert all(0 < copied_fraction(fused, s) < COPY_MIN_COVERAGE for s in (DELEGATION, ACCUSED))


def test_single_shared_words_do_not_count_as_copying() -> None:
    # Every word is in the source, but never two in a row: chance, not copying.
    assert copied_fraction("Putin greeted Kim", GREET) == 0.0


def test_each_sentence_of_a_passage_is_a_source_of_its_own() -> None:
    passage = f"{GREET} {ACCUSED}"
    # Half of each sentence: not a copy of either, though the passage holds all of it.
    half = ("North Korean leader Kim Jong Un personally greeted Vladimir Putin and Washington "
            "and Kyiv have also accused the Russian military.")  # fmt: skip
    assert not copies_one(half, [passage])
    assert copies_one(ACCUSED, [passage])


def test_units_split_prose_sentences_and_list_entries_without_labels() -> None:
    answer = (f"Putin is coming [1]. Kim waits [2].\nWhat each source adds:\n"
              f"- **News1**: “{GREET}” [3]\n- **19 July 2000**: “…the summit.” [4]")  # fmt: skip
    assert summary_units(answer) == [
        ("Putin is coming [1].", False),
        ("Kim waits [2].", False),
        ("What each source adds:", False),
        (f"“{GREET}” [3]", True),
        ("“…the summit.” [4]", True),
    ]


def test_copy_counts_keep_prose_and_list_entries_apart_and_skip_uncited_lines() -> None:
    answer = (
        "Russian President Vladimir Putin is expected to visit North Korea soon [1]. "
        "Kim met the Russian leader on the tarmac when his plane landed [2]. "
        "Nobody knows what comes next.\n"
        "What each source adds:\n"
        f"- **News1**: “{ACCUSED}” [3]\n"
        "- **Yonhap**: the summit is unprecedented [9]"
    )
    quotes = {1: CONFIRMED, 2: GREET, 3: ACCUSED}
    counts = copy_counts(answer, quotes)
    # The uncited sentence, the heading and the entry citing no known quote are not counted.
    assert counts == CopyCounts(prose=2, prose_copies=1, listed=1, listed_copies=1)
    assert counts.share == 0.5 and counts.listed_share == 1.0
    assert CopyCounts().share is None and CopyCounts().listed_share is None


def test_a_sentence_is_judged_against_what_it_cites_only() -> None:
    quotes = {1: CONFIRMED, 2: GREET}
    assert copy_counts(f"{GREET} [1]", quotes).prose_copies == 0
    assert copy_counts(f"{GREET} [1][2]", quotes).prose_copies == 1


def test_the_baseline_is_compared_with_every_chunk() -> None:
    chunks = {1: f"Some intro. {GREET}", 2: ACCUSED}
    counts = copy_counts(f"{GREET} Kim met the Russian leader on the tarmac.", chunks, True)
    assert counts == CopyCounts(prose=2, prose_copies=1)


def test_output_copies_use_the_bare_quote_for_the_product_and_chunks_for_the_baseline() -> None:
    product = Output(
        f"{GREET} [1]", False, {1: f"News1, 2024-06-19: {GREET}"}, [], 1.0,
        citations=[{"n": 1, "quote": GREET, "outlet": "News1"}],
    )
    assert output_copies(product, "product") == CopyCounts(prose=1, prose_copies=1)
    baseline = Output(GREET, False, {}, [("a.txt", GREET)], 1.0)
    assert output_copies(baseline, "baseline") == CopyCounts(prose=1, prose_copies=1)
