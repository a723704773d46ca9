"""What every summary kind shares: output lines with their sources, numbering, the model calls
(streamed, bounded, remembered when they fail) and the per-line citation check.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Generator, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from rag import prompts
from rag.cite import CitationChecker, entity_coverage, shown_passage
from rag.labels import shorten
from rag.schema import NOT_FOUND, Answer, AnswerMode, Citation, Evidence, Timings, Token
from rag.summarize.pool import Sent

Kind = Literal["overview", "timeline", "compare", "article"]
KINDS: tuple[Kind, ...] = ("overview", "timeline", "compare", "article")
Progress = Callable[[int, int, str], None]  # (done, total, stage)
TITLES: dict[str, str] = {
    "overview": "Overview of the coverage",
    "timeline": "Timeline of events",
    "compare": "How the outlets' reports compare",
    "article": "Guide to the article",
}
_LABEL = re.compile(r"^\s*(?:[-*•]|\d+[.)]|summary:|sentence:|answer:|key points?:)\s*", re.I)


def summary_system_prompt() -> str:
    """The system prompt of every summary call (see answer_system_prompt)."""
    return prompts.render("summary_system")


@dataclass
class Line:
    """One output sentence and the exact article sentences that support it."""

    body: str  # without citation markers
    sources: list[Sent]
    prefix: str = ""  # e.g. "- **24 May 2024**: "
    from_llm: bool = False
    score: float = 1.0


Row = str | Line | list[Line]  # a heading, a line, or a paragraph of lines


def quoted(sent: Sent, excerpt: str | None = None) -> str:
    """An extractive line body: the sentence (or an excerpt of it) in quotation marks."""
    return f"“{excerpt or ' '.join(sent.text.split())}”"


def render(rows: Sequence[Row]) -> tuple[str, list[Citation]]:
    """Text with [n] markers numbered by first use, and one exact-quote citation per source."""
    numbers: dict[tuple[str, int, int], int] = {}
    cites: list[Citation] = []

    def one(line: Line) -> str:
        marks = ""
        for s in dict.fromkeys(line.sources):
            key = (s.article.id, s.start, s.end)
            if key not in numbers:
                numbers[key] = len(numbers) + 1
                a = s.article
                cites.append(
                    Citation(
                        n=numbers[key],
                        article_id=a.id,
                        title=a.title,
                        outlet=a.outlet,
                        published=a.published,
                        quote=s.text,
                        start=s.start,
                        end=s.end,
                        supported=True,
                        score=round(line.score, 3),
                    )
                )
            marks += f"[{numbers[key]}]"
        body = line.body.strip()
        tail = ""
        # The final stop moves after the markers, unless it ends an abbreviation ("the U.S.").
        if body and body[-1] in ".!?" and not re.search(r"(\.\.|\b[A-Z]\.[A-Z]\.)$", body):
            body, tail = body[:-1], body[-1]
        return f"{line.prefix}{body} {marks}{tail}".rstrip()

    out = []
    for row in rows:
        if isinstance(row, str):
            out.append(row)
        elif isinstance(row, Line):
            out.append(one(row))
        elif row:
            out.append(" ".join(one(x) for x in row))
    return "\n".join(out).strip(), cites


def has_lines(rows: Sequence[Row]) -> bool:
    return any(isinstance(r, Line) or (isinstance(r, list) and r) for r in rows)


class Writer:
    """The model calls of one summary: streamed as Token events, at most `max_calls`, each with a
    deadline. After one failure the model is not asked again: a down server or a timeout would
    only repeat, and every caller has an extractive fallback."""

    def __init__(
        self, chat_model: Callable[[], BaseChatModel], timeout_s: float, max_calls: int
    ) -> None:
        self._chat_model = chat_model
        self.timeout_s = timeout_s
        self.max_calls = max_calls
        self.calls = 0
        self.failure: str = ""
        self.first_token: float | None = None

    @property
    def available(self) -> bool:
        return not self.failure and self.calls < self.max_calls

    def write(self, user: str, max_tokens: int) -> Generator[Token, None, str | None]:
        """Stream one reply; returns the text, or None when the model failed or is not asked
        (after a timeout: the text so far, with `failure` set)."""
        if not self.available:
            return None
        self.calls += 1
        messages = [SystemMessage(summary_system_prompt()), HumanMessage(user)]
        draft = ""
        deadline = time.perf_counter() + self.timeout_s
        try:
            for chunk in self._chat_model().stream(messages, max_tokens=max_tokens):
                piece = str(chunk.content)
                if not piece:
                    continue
                self.first_token = self.first_token or time.perf_counter()
                draft += piece
                yield Token(piece)
                if time.perf_counter() > deadline:
                    raise TimeoutError(f"no complete reply within {self.timeout_s:g} s")
        except Exception as exc:  # down, timed out, refused: the caller quotes instead
            self.failure = f"{type(exc).__name__}: {exc}"
            # What came before a timeout is returned: a caller that reads whole lines (the
            # timeline) can still use the finished ones.
            return draft if isinstance(exc, TimeoutError) else None
        yield Token("\n")
        return draft


def clean_reply_line(line: str) -> str:
    """A model line without list bullets or labels ("1.", "- ", "Summary:")."""
    prev = None
    while prev != line:
        prev, line = line, _LABEL.sub("", line, count=1)
    return line.strip().strip('"').strip()


@dataclass
class Checked:
    lines: list[Line] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)


def verify(
    checker: CitationChecker, draft: str, sources: Sequence[Sent], alone: bool = False
) -> Checked:
    """The model's sentences that the cited sources support (strict: the rest are dropped).
    `sources[k]` is passage [k + 1] of the prompt. `alone`: the sources all state one fact (an
    overview's facet), so a sentence must also have every name and number in ONE of them: a
    sentence that needs two for them has blended them, and a small model blends by swapping
    roles ("North Korea has provided missiles to Russia" + "Putin thanked North Korea" came
    back as "Putin has provided North Korea with missiles"), which the joint check passes."""
    evidence = (
        facet_evidence(sources) if alone else [s.evidence(k + 1) for k, s in enumerate(sources)]
    )
    text = " ".join(clean_reply_line(x) for x in draft.splitlines() if x.strip())
    result = Checked()
    if not text.strip():
        return result
    verified = checker.check(text, evidence)
    for c in verified.checks:
        one = [e for e in evidence if e.n in c.cited]
        if not c.supported or (alone and not any(_names_in(c.text, e) for e in one)):
            result.dropped.append(c.text)
            continue
        cited = [sources[n - 1] for n in c.cited if 0 < n <= len(sources)]
        if cited:
            result.lines.append(Line(c.text, cited, from_llm=True, score=c.score))
    return result


def facet_evidence(sources: Sequence[Sent]) -> list[Evidence]:
    """An overview facet's passages, numbered from 1, as its model call sees them and its check
    reads them: the quote, and the outlet when one is known. The label made from the article's
    title (no outlet or site known) and the publication date are left out. The model took a
    title's names for the passage's subject ("Russian President Vladimir Putin's Rare…:
    Stating that North Korea has provided … to Russia" came back as "Putin has provided North
    Korea with …") and a publication date for the event's ("Kim visited the Cosmodrome … on May
    24, 2024", the date of the article about it); the check, which lets a passage's label
    support a name or date taken from it, passed both."""
    out = []
    for k, s in enumerate(sources):
        e = s.evidence(k + 1)
        title_label = bool(e.outlet and e.title and e.outlet in (e.title, shorten(e.title)))
        out.append(replace(e, outlet="" if title_label else e.outlet, published=None))
    return out


def _names_in(claim: str, e: Evidence) -> bool:
    """Every name and number of `claim` is in the one passage `e` (as the model saw it)."""
    return not entity_coverage(claim, [shown_passage(e)])[1]


def evidence_of(rows: Sequence[Row]) -> list[Evidence]:
    seen: dict[tuple[str, int, int], Evidence] = {}
    for row in rows:
        lines = [row] if isinstance(row, Line) else row if isinstance(row, list) else []
        for line in lines:
            for s in line.sources:
                key = (s.article.id, s.start, s.end)
                seen.setdefault(key, s.evidence(len(seen) + 1))
    return list(seen.values())


def finish(
    question: str,
    rows: Sequence[Row],
    t0: float,
    prepared: float,
    writer: Writer | None,
    note: str = "",
    dropped: Sequence[str] = (),
) -> Answer:
    """The summary as an Answer: LLM mode when the model wrote any kept line, extractive when
    every line is a quote, abstain when there is nothing to say."""
    first = writer.first_token if writer else None
    timings = Timings(
        round((prepared - t0) * 1000, 1),
        None if first is None else round((first - t0) * 1000, 1),
        round((time.perf_counter() - t0) * 1000, 1),
    )
    if not has_lines(rows):
        return Answer(question, NOT_FOUND, [], True, timings, "abstain", note, [], list(dropped))
    text, cites = render(rows)
    flat = [
        x for r in rows for x in ([r] if isinstance(r, Line) else r if isinstance(r, list) else [])
    ]
    mode: AnswerMode = "llm" if any(x.from_llm for x in flat) else "extractive"
    if writer and writer.failure:
        extra = (
            f"The language model could not write this summary ({writer.failure}); "
            "the most central sentences of the articles are quoted instead."
        )
        note = f"{note} {extra}".strip()
    return Answer(
        question, text, cites, False, timings, mode, note, evidence_of(rows), list(dropped)
    )
