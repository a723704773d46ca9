"""Copy share: how much of a summary merely copies one source sentence (issue 16, part 3).

A summary sentence *copies* a source sentence when at least COPY_MIN_COVERAGE of its words are
lifted verbatim from that one sentence, in runs of at least COPY_MIN_RUN words, in any order.
The runs are found by greedy string tiling (longest common run first, each word used once), the
measure plagiarism detectors use, because the overview often swaps a source's clauses ("X is
expected to visit soon, as confirmed by Y" from "As confirmed by Y, X is expected to visit soon"):
an in-order diff (difflib) counts only one of the two clauses and would call that a rewrite.

What counts as a copy, and why:
- Coverage is of the summary sentence, not of the source: a sentence cut down from a longer
  source sentence, with nothing of its own added, still only copies.
- One source sentence at a time: a sentence fusing two sources (half from each) is not a copy;
  combining what several articles say is what a summary should do.
- Sentences are compared with the sentences of the passages they cite (the baseline writes no
  markers, so each of its sentences is compared with every sentence of every chunk it was given,
  as its unsupported-sentence rate is). An uncited sentence is left out: it copies nothing we can
  name, and citation coverage already counts it.
- A sentence the prose shows in quotation marks is still counted: the complaint in the issue is
  prose that reads as a list of source sentences, and quotation marks do not change that.
- List entries (lines starting "- ") are counted apart: the overview's "What each source adds:"
  items and every timeline entry quote their source on purpose (rag/summarize/overview.py,
  timeline.py), so mixing them in would report the design rather than the writing. Their bold
  label ("**News1**:", "**19 July 2000**:") is not part of the entry. Headings such as "What each
  source adds:" carry no marker and so count nowhere.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from eval.metrics import answer_sentences, cited_numbers, strip_markers
from rag.text import normalize, sentences

if TYPE_CHECKING:  # eval.records imports nothing from here; the guard keeps it that way
    from eval.records import Output

# Two words: one shared word is chance ("the", "Putin"), and three would miss the light edits a
# copy gets ("Vladimir Putin’s which" -> "Vladimir Putin, which"): the garbled "kingdom media"
# sentence of the overview, copied with two words dropped, covers only 0.67 with runs of three.
COPY_MIN_RUN = 2
# Four words in five lifted from one sentence: a sentence this close adds at most a short clause
# of its own. A copy with one source word swapped ("assist" -> "assistance") still passes; a copy
# plus a clause from elsewhere (~0.7) or a real paraphrase (< 0.4) does not.
COPY_MIN_COVERAGE = 0.8

_BULLET = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s+")
_LABEL = re.compile(r"^\*\*.*?\*\*\s*:?\s*")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}(?!\d))")
_TOKEN = re.compile(r"[^\W_]+")


@dataclass(frozen=True)
class CopyCounts:
    """Cited prose sentences and list entries of one answer, and how many of each copy."""

    prose: int = 0
    prose_copies: int = 0
    listed: int = 0
    listed_copies: int = 0

    @property
    def share(self) -> float | None:
        """Share of cited prose sentences that copy one source sentence; None without any."""
        return self.prose_copies / self.prose if self.prose else None

    @property
    def listed_share(self) -> float | None:
        """The same for list entries (quotes by design); None without any."""
        return self.listed_copies / self.listed if self.listed else None


def tokens(text: str) -> list[str]:
    """Words for comparison: markers dropped, lower case, straight quotes, no punctuation,
    no thousands separators (so "11,000" and "11000" are one word)."""
    return _TOKEN.findall(_THOUSANDS.sub("", normalize(strip_markers(text))))


def copied_fraction(text: str, source: str, min_run: int = COPY_MIN_RUN) -> float:
    """Share of `text`'s words covered by runs of at least `min_run` words taken verbatim from
    `source`, found by greedy string tiling. 0.0 when `text` has no word."""
    a, b = tokens(text), tokens(source)
    if not a:
        return 0.0
    free_a, free_b = [True] * len(a), [True] * len(b)
    covered = 0
    while True:
        best, at_a, at_b = 0, 0, 0
        for i in range(len(a)):
            for j in range(len(b)):
                k = 0
                while (i + k < len(a) and j + k < len(b) and free_a[i + k] and free_b[j + k]
                       and a[i + k] == b[j + k]):  # fmt: skip
                    k += 1
                if k > best:
                    best, at_a, at_b = k, i, j
        if best < min_run:
            return covered / len(a)
        for k in range(best):
            free_a[at_a + k] = free_b[at_b + k] = False
        covered += best


def copies_one(text: str, passages: list[str]) -> bool:
    """Whether `text` copies some single sentence of `passages` (see the module docstring)."""
    return any(
        copied_fraction(text, s) >= COPY_MIN_COVERAGE for p in passages for s in sentences(p)
    )


def summary_units(answer: str) -> list[tuple[str, bool]]:
    """(unit, is_list_entry) for the answer: each prose sentence, and each list entry whole
    without its bullet and bold label. Markers are kept; they say what a unit cites."""
    units: list[tuple[str, bool]] = []
    for line in answer.splitlines():
        bullet = _BULLET.match(line)
        if bullet:
            entry = _LABEL.sub("", line[bullet.end() :]).strip()
            if entry:
                units.append((entry, True))
        else:
            units += [(s, False) for s in answer_sentences(line)]
    return units


def copy_counts(answer: str, quotes: Mapping[int, str], cite_all: bool = False) -> CopyCounts:
    """Count the answer's cited units and those that copy one sentence of a passage they cite.

    `quotes` maps a marker number to its passage. `cite_all`: every unit cites every passage,
    for the baseline, which writes no markers.
    """
    counts = {True: [0, 0], False: [0, 0]}  # is_list_entry -> [units, copies]
    for unit, listed in summary_units(answer):
        nums = list(quotes) if cite_all else cited_numbers(unit)
        passages = [quotes[n] for n in nums if n in quotes]
        if not passages:
            continue
        counts[listed][0] += 1
        counts[listed][1] += copies_one(unit, passages)
    return CopyCounts(counts[False][0], counts[False][1], counts[True][0], counts[True][1])


def output_copies(out: Output, pipeline: str) -> CopyCounts:
    """copy_counts of one eval answer. The product is compared with the quotes its markers point
    at, without the "outlet, date:" label of `out.quotes` (a label is no source sentence); the
    baseline, which writes no markers, with every chunk it was given."""
    if pipeline == "baseline":
        return copy_counts(out.text, dict(enumerate((t for _, t in out.retrieved), 1)), True)
    raw = {int(c["n"]): str(c["quote"]) for c in out.citations if "n" in c and "quote" in c}
    return copy_counts(out.text, raw or out.quotes)
