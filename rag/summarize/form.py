"""The shape a summary request asks for, read from the user's words: "recap the coverage in 3
bullets", "what are the papers saying about the pact, in two sentences", "one paragraph please".

An overview honours it: that many bullet points or sentences (and so that many model calls, which
also makes it faster), with no headings, per-source list or other-stories list around them. A
request that names no shape gets the full overview.

A shape is read only where people put one: at the start of the message or after "in", "as",
"into", a comma or a colon, and at the end of the message or before "summary", "please" and the
like. So "what do the reports say about the FTSE falling 40 points", "the soldier hit by a bullet"
or "the judge handing down a sentence" name a topic, not a shape.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import partial

from rag.summarize.base import Line, Row

MAX_ITEMS = 8  # an overview makes at most this many model calls (overview.MAX_CALLS)
LIST_ITEMS = 5  # "as a bulleted list", no count given

_NUMBERS = {
    "a": 1, "an": 1, "one": 1, "single": 1, "two": 2, "a couple of": 2, "couple of": 2,
    "a couple": 2, "couple": 2, "three": 3, "a few": 3, "few": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10,
}  # fmt: skip
# Counts of bullets: "a bullet" is as often a topic ("hit by a bullet") as a shape, so no "a".
_MANY = (
    r"\d{1,2}|a couple(?: of)?|couple(?: of)?|a few|few|one|single|two|three|four|five|six|"
    r"seven|eight|nine|ten"
)
_SLOT = (
    r"(?:^|[,;:(–—]\s*|\s-\s*|\b(?:in|as|into|with|using|within)\s+|"
    r"(?P<keep>\b(?:give|write|make|want|need)\s+(?:me\s+|us\s+)?))(?:(?:just|only|max)\s+)?"
)
_END = (
    r"(?=\s*(?:$|[.!?,;:)]|(?:summary|summaries|recap|overview|rundown|version|max|tops|only|"
    r"please|pls|plz|thanks|thx|on\b|about\b|for\b|from\b|covering\b)))"
)
_BULLETS = re.compile(
    rf"{_SLOT}(?:the\s+|top\s+)?(?P<n>{_MANY})\s*(?:-\s*)?(?:short\s+|quick\s+|key\s+|main\s+)?"
    r"(?:bullet[\s-]*points?|bullets?|bulets?|dot[\s-]*points?|points|pts|takeaways|items)"
    + _END,
    re.I,
)
_SENTENCES = re.compile(
    rf"{_SLOT}(?:a\s+)?(?P<n>{_MANY}|a|an)(?:\s+or\s+two)?\s*(?:-\s*)?(?:short\s+|quick\s+)?"
    r"(?:sentences?|sentances?|lines?|liners?)(?:\s+or\s+(?:two|so))?" + _END,
    re.I,
)
_LIST = re.compile(
    rf"{_SLOT}(?:a\s+)?(?:(?:bullet(?:ed)?|numbered)[\s-]*(?:points?)?[\s-]*(?:list|form)?"
    r"|point form|list)" + _END
    + r"|\bbullet[\s-]*point(?:ed)?(?=\s+(?:summary|list|recap)\b)|\bbullet (?:it|them|this)\b",
    re.I,
)
_PARAGRAPH = re.compile(
    rf"{_SLOT}(?:a|one|single|short|1)[\s-]+(?:short\s+)?(?:paragraph|para)" + _END, re.I
)


@dataclass(frozen=True)
class Form:
    """`bullets`: that many bullet points; `sentences`: that many sentences of prose; neither:
    one paragraph of prose (no lists). Counts are 1..MAX_ITEMS, and only one of the two."""

    bullets: int | None = None
    sentences: int | None = None

    def __post_init__(self) -> None:
        if self.bullets is not None and self.sentences is not None:
            raise ValueError("a summary is either bullets or sentences, not both")
        for n in (self.bullets, self.sentences):
            if n is not None and not (isinstance(n, int) and 1 <= n <= MAX_ITEMS):
                raise ValueError(f"give 1 to {MAX_ITEMS} bullets or sentences, not {n!r}")

    @property
    def items(self) -> int | None:
        """How many lines the summary may have (None: a paragraph, as many as the story has)."""
        return self.bullets or self.sentences

    def describe(self, written: int) -> str:
        """For the note: what was asked, and what was written when the coverage had less."""
        asked = self.items
        if asked is None:
            return "one paragraph, as asked"
        word = "bullet point" if self.bullets else "sentence"
        if written >= asked:
            return f"{asked} {word}{'s' * (asked != 1)}, as asked"
        plural = "s" * (written != 1)
        return f"{written} {word}{plural} ({asked} asked; no more distinct, supported ones)"


def _count(word: str) -> int:
    word = " ".join(word.lower().split())
    n = int(word) if word.isdigit() else _NUMBERS.get(word, 0)
    return max(1, min(MAX_ITEMS, n))


def read_form(message: str) -> Form | None:
    """The shape named in a summary request, or None when it names none."""
    if m := _BULLETS.search(message):
        return Form(bullets=_count(m.group("n")))
    if m := _SENTENCES.search(message):
        or_two = re.search(r"\bor\s+(?:two|so)$", m.group(0), re.I) is not None
        return Form(sentences=min(MAX_ITEMS, _count(m.group("n")) + or_two))
    if _LIST.search(message):
        return Form(bullets=LIST_ITEMS)
    if _PARAGRAPH.search(message):
        return Form()
    return None


def without_form(message: str) -> str:
    """The message with the shape it names taken out, "summarise the coverage in 3 bullets"
    -> "summarise the coverage", so the routing rules and the topic reader read the request."""
    for pattern in (_BULLETS, _SENTENCES, _LIST, _PARAGRAPH):
        message = pattern.sub(partial(_stand_in, message=message), message)
    message = re.sub(r"([,;:(])(?:\s*[,;:])+", r"\1", " ".join(message.split()))
    return message.strip(" ,;:-")


def _stand_in(m: re.Match[str], message: str) -> str:
    """What a shape leaves behind: the clause break it followed ("X; three bullets" still ends
    the topic X), the request verb ("give me"), and "a summary" when the shape was the thing asked
    for ("give me 3 bullets on X" reads as "give me a summary on X")."""
    head = m.group(0).lstrip()[:1]
    sep = head if head in ",;:(" else ""
    keep = m.group("keep") or ""
    asked = keep or not message[: m.start()].strip()  # "give me 3 bullets on X", "3 bullets on X"
    noun = "a summary" if asked and _TOPIC_NEXT.match(message, m.end()) else ""
    return f"{sep} {keep}{noun} "


_TOPIC_NEXT = re.compile(r"\s*(?:on|about|for|covering|from|of)\b", re.I)


def shape(lines: list[Line], form: Form) -> list[Row]:
    """An overview's lines, as many as asked (the caller cuts them), as the bullets or the one
    paragraph the user asked for."""
    if form.bullets:
        return [Line(x.body, x.sources, "- ", x.from_llm, x.score) for x in lines]
    return [lines]
