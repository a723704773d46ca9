"""The shape a summary request asks for, read from the user's words: "recap the coverage in 3
bullets", "what are the papers saying about the pact, in two sentences", "one paragraph please".

An overview honours it: that many bullet points or sentences (and so that many model calls, which
also makes it faster), with no headings, per-source list or other-stories list around them. A
request that names no shape gets the full overview.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.summarize.base import Line, Row

MAX_ITEMS = 8  # an overview makes at most this many model calls (overview.MAX_CALLS)

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "a couple of": 2, "couple of": 2,
    "three": 3, "a few": 3, "few": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10,
}  # fmt: skip
_COUNT = (
    r"(\d{1,2}|a couple of|couple of|a few|few|a|an|one|single|two|three|four|five|six|seven|"
    r"eight|nine|ten)"
)
_BULLETS = re.compile(
    rf"\b{_COUNT}\s*(?:-\s*)?(?:short\s+|quick\s+|key\s+|main\s+)?"
    r"(?:bullets?|bullet\s*points?|dot\s*points?|points|pts|takeaways|items)\b",
    re.I,
)
_LIST_OF = re.compile(
    r"\b(?:as|in)\s+(?:a\s+)?(?:bullet(?:ed)?\s*(?:points?|list)?|bullets|list)\b", re.I
)
_SENTENCES = re.compile(
    rf"\b{_COUNT}\s*(?:-\s*)?(?:short\s+|quick\s+)?(?:sentences?|lines?|liners?)\b", re.I
)
_PARAGRAPH = re.compile(r"\b(?:a|one|single|short|1)\s+(?:short\s+)?(?:paragraph|para)\b", re.I)


_LEADING = r"(?:\s*[,;:(-]\s*|\s+)(?:(?:in|as|into|with|using|like)\s+)?(?:(?:just|only)\s+)?"


@dataclass(frozen=True)
class Form:
    """`bullets`: that many bullet points; `sentences`: that many sentences of prose; neither:
    one paragraph of prose (no lists). Counts are capped at MAX_ITEMS."""

    bullets: int | None = None
    sentences: int | None = None

    @property
    def items(self) -> int | None:
        """How many lines the summary may have (None: a paragraph, as many as the story has)."""
        return self.bullets or self.sentences

    def describe(self) -> str:
        if self.bullets:
            return f"{self.bullets} bullet point{'s' * (self.bullets != 1)}, as asked"
        if self.sentences:
            return f"{self.sentences} sentence{'s' * (self.sentences != 1)}, as asked"
        return "one paragraph, as asked"


def _count(word: str) -> int:
    word = " ".join(word.lower().split())
    n = int(word) if word.isdigit() else _NUMBERS.get(word, 0)
    return max(1, min(MAX_ITEMS, n))


def read_form(message: str) -> Form | None:
    """The shape named in a summary request, or None when it names none."""
    if m := _BULLETS.search(message):
        return Form(bullets=_count(m.group(1)))
    if m := _SENTENCES.search(message):
        return Form(sentences=_count(m.group(1)))
    if _LIST_OF.search(message):
        return Form(bullets=5)
    if _PARAGRAPH.search(message):
        return Form()
    return None


def without_form(message: str) -> str:
    """The message with the shape it names taken out, "summarise the coverage in 3 bullets"
    -> "summarise the coverage", so the routing rules read the request itself."""
    for pattern in (_BULLETS, _SENTENCES, _LIST_OF, _PARAGRAPH):
        message = re.sub(_LEADING + pattern.pattern + r"\)?", "", message, flags=re.I)
    return message.strip(" ,;:-")


def shape(lines: list[Line], form: Form) -> list[Row]:
    """An overview's lines as the bullets or the one paragraph the user asked for."""
    if form.bullets:
        return [Line(x.body, x.sources, "- ", x.from_llm, x.score) for x in lines[: form.bullets]]
    return [lines[: form.sentences]] if form.sentences else [lines]
