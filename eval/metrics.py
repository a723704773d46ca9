"""Deterministic answer, citation and retrieval metrics (GUIDE §6): no judge model, no network.

Every function takes plain types (strings, lists, dicts) so the same code scores the product and
a baseline pipeline. Citation markers look like `[1]`, `[2][3]` or `[1, 2]`; `quotes` maps a
marker number to the exact passage that marker points at.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from rag.schema import NOT_FOUND
from rag.text import content_words, entities, name_variants, normalize, numbers, sentences

Aliases = Sequence[str]
GoldFacts = Sequence[Aliases]

_MARKER = re.compile(r"\[\s*\d+(?:\s*,\s*\d+)*\s*\]")
# A run of markers right after sentence-final punctuation ("arrived.[1][2] Next") belongs to the
# sentence before it; moving it inside lets the shared sentence splitter see the boundary.
_TRAILING_MARKERS = re.compile(r"([.!?…][\"'”’)]*)((?:\s*\[\s*\d+(?:\s*,\s*\d+)*\s*\])+)")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")

# Phrases by which a model says it cannot answer. Kept narrow: "no" or "not" alone would turn
# ordinary answers ("no date has been set") into abstentions.
ABSTENTION_PHRASES: tuple[str, ...] = (
    "do not contain",
    "does not contain",
    "don't contain",
    "doesn't contain",
    "not mentioned",
    "no mention",
    "i don't know",
    "i do not know",
    "no information",
    "not enough information",
    "cannot answer",
    "can't answer",
    "unable to answer",
    "not in the sources",
    "not in the articles",
    "not provided in",
)

# Capitalised only because they open a sentence; treating them as names would make every
# "However, ..." sentence look unsupported.
_OPENERS = frozenset({
    "however", "meanwhile", "additionally", "also", "earlier", "later", "both", "during",
    "according", "in", "on", "at", "after", "before", "while", "yes", "no", "first", "second",
    "then", "finally", "overall", "together", "moreover", "furthermore", "since", "instead",
    "notably", "previously", "recently", "separately", "today", "yesterday", "last", "next",
})  # fmt: skip

# Passages spell small numbers out ("twenty-four years"); answers usually use digits.
_UNITS = {
    "zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
    "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13,
    "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18,
    "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_TENS_RE = "|".join(_TENS)
_UNITS_RE = "|".join(_UNITS)
_NUMBER_WORD = re.compile(rf"\b({_TENS_RE})(?:[\s-]+({_UNITS_RE}))?\b|\b({_UNITS_RE})\b")


# --- markers and sentences ------------------------------------------------------------------


def cited_numbers(sentence: str) -> list[int]:
    """Citation numbers in `sentence`, in order of first appearance, without repeats."""
    seen: list[int] = []
    for marker in _MARKER.findall(sentence):
        for n in re.findall(r"\d+", marker):
            if int(n) not in seen:
                seen.append(int(n))
    return seen


def strip_markers(text: str) -> str:
    """`text` without citation markers, and without the space a marker leaves before punctuation."""
    out = _MARKER.sub("", text)
    out = re.sub(r"[ \t]+([.,;:!?])", r"\1", out)
    return re.sub(r"[ \t]{2,}", " ", out).strip()


def _is_not_found(sentence: str) -> bool:
    def core(s: str) -> str:
        return _canon(strip_markers(s))

    return core(sentence) == core(NOT_FOUND)


def answer_sentences(answer: str) -> list[str]:
    """The answer's sentences (markers kept), without empty ones and without the NOT_FOUND line.

    Markers placed after the full stop ("arrived.[1]") are moved before it so they stay with
    their sentence.
    """
    text = _TRAILING_MARKERS.sub(lambda m: m.group(2) + m.group(1), answer)
    return [s for s in sentences(text) if strip_markers(s) and not _is_not_found(s)]


# --- matching -------------------------------------------------------------------------------


def _canon(text: str) -> str:
    """Lower case, straight quotes, no thousands separators, punctuation as single spaces."""
    text = _THOUSANDS.sub("", normalize(text))
    return " " + _NON_ALNUM.sub(" ", text).strip() + " "


def contains_alias(text: str, aliases: Iterable[str]) -> bool:
    """True when any alias occurs in `text` as whole words.

    Case, punctuation, curly quotes and hyphens are ignored ("Kim Jong-un" matches "Kim Jong Un",
    "Putin’s" matches "Putin") and thousands separators are dropped ("11000" matches "11,000").
    Word boundaries are respected: "Kim" does not match "Kimchi", "15" does not match "15th".
    Empty aliases never match.
    """
    hay = _canon(text)
    for alias in aliases:
        needle = _canon(alias)
        if needle.strip() and needle in hay:
            return True
    return False


def answer_correct(answer: str, gold_facts: GoldFacts) -> bool:
    """True when every gold alias group has at least one alias in the answer (markers ignored).

    With no gold groups the answer is vacuously correct; score abstention separately.
    """
    text = strip_markers(answer)
    return all(contains_alias(text, group) for group in gold_facts)


def fact_recall(answer: str, gold_facts: GoldFacts) -> float:
    """Share of gold alias groups present in the answer (markers ignored); 1.0 with no groups."""
    if not gold_facts:
        return 1.0
    text = strip_markers(answer)
    return sum(contains_alias(text, group) for group in gold_facts) / len(gold_facts)


def forbidden_hits(answer: str, forbidden: Iterable[str]) -> list[str]:
    """The forbidden words (e.g. boilerplate topics like "Tesla") that occur in the answer."""
    text = strip_markers(answer)
    return [word for word in forbidden if contains_alias(text, [word])]


# --- abstention -----------------------------------------------------------------------------


def is_abstention(answer: str, abstained_flag: bool | None = None) -> bool:
    """Whether the answer declines to answer.

    The pipeline's own flag wins when given. Otherwise the text must contain NOT_FOUND or one of
    ABSTENTION_PHRASES. An empty answer is not an abstention: it neither answers nor says the
    articles lack the answer, so on an unanswerable question it still counts as wrong.
    """
    if abstained_flag is not None:
        return abstained_flag
    text = " ".join(normalize(answer).split())
    if not text:
        return False
    if normalize(NOT_FOUND).rstrip(".") in text:
        return True
    return any(phrase in text for phrase in ABSTENTION_PHRASES)


def abstention_correct(abstained: bool, answerable: bool) -> bool:
    """Right behaviour: answer the answerable, abstain on the unanswerable."""
    return abstained != answerable


# --- citations ------------------------------------------------------------------------------


def citation_coverage(answer: str) -> float:
    """Share of answer sentences carrying at least one citation marker.

    1.0 when there is no answer sentence (a pure abstention or an empty answer has nothing that
    needs a citation).
    """
    sents = answer_sentences(answer)
    if not sents:
        return 1.0
    return sum(bool(cited_numbers(s)) for s in sents) / len(sents)


def _claims(sentence: str) -> tuple[set[str], set[str]]:
    """(entities, numbers) a sentence asserts; markers removed, sentence openers not entities."""
    text = strip_markers(sentence)
    ents = entities(text)
    first = re.match(r"\W*([^\W\d_][\w’'-]*)", text)
    if first:
        opener = normalize(first.group(1)).removesuffix("'s")
        if opener in _OPENERS:
            ents.discard(opener)
    return ents, numbers(text)


def _passage_numbers(text: str) -> set[str]:
    found = numbers(text)
    for m in _NUMBER_WORD.finditer(normalize(text)):
        tens, unit, alone = m.groups()
        value = _TENS[tens] + (_UNITS[unit] if unit else 0) if tens else _UNITS[alone]
        found.add(str(value))
    return found


def sentence_supported(sentence: str, passages: Sequence[str]) -> bool:
    """True when every entity and number of the sentence occurs in the union of `passages`.

    Entities are capitalised words (rag.text.entities, possessive "’s" removed) matched as whole
    words, case-insensitively, a name's other spellings counting (rag.text.name_variants: "the
    US" supports "United States", "South Korean" supports "South Korea"); numbers are compared
    without thousands separators, and passages' spelled-out numbers ("twenty-four") count as
    digits. A sentence with no entity and no number is vacuously supported; with claims but no
    passage it is not.
    """
    ents, nums = _claims(sentence)
    if not ents and not nums:
        return True
    if not passages:
        return False
    joined = "\n".join(passages)
    hay = _canon(f"{joined} {name_variants(joined)}")  # "the US" supports "the United States"
    if any(_canon(e) not in hay for e in ents):
        return False
    return nums <= _passage_numbers(joined)


def _cited_passages(sentence: str, quotes: Mapping[int, str]) -> list[str]:
    # A marker whose number has no quote points at nothing: it supports nothing.
    return [quotes[n] for n in cited_numbers(sentence) if n in quotes]


def citation_support(answer: str, quotes: Mapping[int, str]) -> float:
    """Share of cited answer sentences whose cited passages support them (sentence_supported).

    Edge cases: 1.0 when the answer has no sentence at all (abstention); 0.0 when it has
    sentences but none is cited, because no citation supports anything.
    """
    sents = answer_sentences(answer)
    if not sents:
        return 1.0
    cited = [s for s in sents if cited_numbers(s)]
    if not cited:
        return 0.0
    return sum(sentence_supported(s, _cited_passages(s, quotes)) for s in cited) / len(cited)


def unsupported_rate(answer: str, quotes: Mapping[int, str]) -> float:
    """Share of answer sentences with an entity or number absent from all the passages it cites.

    An uncited sentence counts as unsupported when it has any entity or number. 0.0 when the
    answer has no sentence.
    """
    sents = answer_sentences(answer)
    if not sents:
        return 0.0
    bad = sum(not sentence_supported(s, _cited_passages(s, quotes)) for s in sents)
    return bad / len(sents)


def gold_fact_citation_accuracy(
    answer: str, quotes: Mapping[int, str], gold_facts: GoldFacts
) -> float | None:
    """Of the gold groups found in the answer, the share correctly cited.

    A group counts as correctly cited when some answer sentence mentioning one of its aliases
    cites a passage that contains an alias of the group. None when no gold group appears in the
    answer (nothing to judge; answer_correct already penalises the miss).
    """
    sents = answer_sentences(answer)
    found = 0
    cited_right = 0
    for group in gold_facts:
        mentioning = [s for s in sents if contains_alias(strip_markers(s), group)]
        if not mentioning:
            continue
        found += 1
        if any(
            contains_alias(passage, group)
            for s in mentioning
            for passage in _cited_passages(s, quotes)
        ):
            cited_right += 1
    return cited_right / found if found else None


# --- retrieval ------------------------------------------------------------------------------


def _same_source(a: str, b: str) -> bool:
    pa, pb = Path(a), Path(b)
    return pa.name == pb.name or pa.stem == pb.stem


def _squash(text: str) -> str:
    return " ".join(normalize(text).split())


def evidence_found(passage: str, quote: str, min_overlap: float = 0.6) -> bool:
    """Whether a retrieved passage holds a gold quote.

    True when the normalised quote (whitespace collapsed) is inside the normalised passage, or
    when at least `min_overlap` of the quote's content words are in the passage (a chunk
    boundary may cut a long quote).
    """
    if _squash(quote) in _squash(passage):
        return True
    want = content_words(quote)
    if not want:
        return False
    return len(want & content_words(passage)) / len(want) >= min_overlap


def recall_at_k(
    retrieved: Sequence[tuple[str, str]], evidence: Sequence[Mapping[str, Any]], k: int
) -> float | None:
    """Share of gold evidence items found among the top `k` retrieved (source, passage) pairs.

    An item `{"source": ..., "quote": ...}` is found when a top-k passage from the same source
    (compared by file name, or by name without extension) satisfies evidence_found. None when
    there is no evidence to find (unanswerable items): callers average over the others.
    """
    if k <= 0:
        raise ValueError("k must be positive")
    if not evidence:
        return None
    top = retrieved[:k]
    hits = 0
    for item in evidence:
        source, quote = str(item["source"]), str(item["quote"])
        if any(_same_source(src, source) and evidence_found(text, quote) for src, text in top):
            hits += 1
    return hits / len(evidence)


# --- latency --------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float | None:
    """The q-th percentile (0..100) by linear interpolation between ranks; None when empty."""
    if not 0 <= q <= 100:
        raise ValueError("q must be within 0..100")
    data = sorted(float(v) for v in values)
    if not data:
        return None
    rank = (len(data) - 1) * q / 100
    lo, hi = math.floor(rank), math.ceil(rank)
    return data[lo] + (data[hi] - data[lo]) * (rank - lo)


def latency_summary(values: Sequence[float]) -> dict[str, float | int | None]:
    """{"n", "p50", "p95", "mean"} of the given latencies; statistics are None when empty."""
    n = len(values)
    return {
        "n": n,
        "p50": percentile(values, 50),
        "p95": percentile(values, 95),
        "mean": sum(float(v) for v in values) / n if n else None,
    }
