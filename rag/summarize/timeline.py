"""Timeline: dated events in chronological order, each cited to the sentence that dates it.

Candidate events are sentences with a date expression, plus the lead sentence of every dated
article (it reports that day's news). Relative dates are resolved against the article's
publication date; events whose date cannot be resolved go to an "undated" list at the end rather
than being guessed into place. The same event told by several outlets (compatible dates, similar
sentences) becomes one entry citing all of them.

Entries are the source sentences trimmed to the clause around their date, not model rewrites: asked
to say "what happened on this date", the 1.5B model wrote faithful-looking but wrong entries (for
"the first time in 24 years since the summit on July 19, 2000" it wrote "Putin's visit is
realized"), which a word-overlap citation check cannot catch, and it cost 25-50 s a batch.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np

from rag.schema import Answer, Article
from rag.summarize.base import Line, Row, finish, quoted
from rag.summarize.context import Context
from rag.summarize.dates import When, find_dates, publication_when
from rag.summarize.pool import Sent, candidates, embed, lexical_sim, trim

MAX_DATED = 20
MAX_UNDATED = 8
SAME_EVENT = 0.6  # cosine of two sentences telling one event


@dataclass
class Event:
    when: When
    sent: Sent
    vec: np.ndarray
    also: list[Sent] = field(default_factory=list)  # the same event in other sentences

    @property
    def sources(self) -> list[Sent]:
        return [self.sent, *self.also]


def extract(articles: list[Article]) -> list[tuple[When, Sent]]:
    """Every dated (or relatively dated) sentence, plus the lead of each dated article."""
    found: list[tuple[When, Sent]] = []
    for a in articles:
        sents = candidates(a)
        for s in sents:
            for w in find_dates(s.text, a.published):
                found.append((w, s))
        if a.published and sents and not find_dates(sents[0].text, a.published):
            pub = publication_when(a.published)
            if pub is not None:
                found.append((pub, sents[0]))
    return found


def _similar(a: Event, b: Event) -> bool:
    """Two sentences with compatible dates tell the same event when they mean or say much the
    same (the shared date words count toward the wording)."""
    return float(a.vec @ b.vec) >= SAME_EVENT or lexical_sim(a.sent.text, b.sent.text) >= 0.5


def merge(events: list[Event]) -> list[Event]:
    """One entry per event: compatible dates and similar sentences merge, the most precise date
    and its sentence lead, and every source stays cited."""
    order = sorted(
        range(len(events)),
        key=lambda i: (not events[i].when.resolved, events[i].when.precision != "day"),
    )
    kept: list[Event] = []
    for i in order:
        e = events[i]
        target = None
        for k in kept:
            if e.when.resolved and k.when.resolved:
                if k.when.overlaps(e.when) and _similar(k, e):
                    target = k
            elif not (e.when.resolved or k.when.resolved) and k.sent == e.sent:
                target = k  # two relative dates in one undated sentence: one entry
            # An undated sentence is never merged into a dated event by similarity: in one
            # story every sentence is similar, and "arrived yesterday" is not "announced in May".
            if target is not None:
                break
        if target is None:
            kept.append(e)
        elif e.sent not in target.sources:
            target.also.append(e.sent)
    return kept


def _weight(e: Event) -> float:
    outlets = {s.article.outlet or s.article.id for s in e.sources}
    return len(outlets) + 1.0 / (1 + e.sent.index)


def run(ctx: Context, articles: list[Article]) -> Answer:
    ctx.step(0, 2, "finding dates")
    found = extract(articles)
    vecs = embed(ctx.embeddings, [s.text for _, s in found])
    events = merge([Event(w, s, vecs[i]) for i, (w, s) in enumerate(found)])
    dated = sorted(
        sorted((e for e in events if e.when.resolved), key=_weight, reverse=True)[:MAX_DATED],
        key=lambda e: e.when.sort_key(),
    )
    position = {a.id: k for k, a in enumerate(articles)}
    undated = sorted(
        sorted((e for e in events if not e.when.resolved), key=_weight, reverse=True)[:MAX_UNDATED],
        key=lambda e: (
            position[e.sent.article.id],
            e.when.offset_days if e.when.offset_days is not None else 0,
            e.sent.index,
        ),
    )
    ordered = dated + undated
    ctx.step(1, 2, "ordering events")
    prepared = time.perf_counter()
    rows: list[Row] = []
    for i, e in enumerate(ordered):
        if i == len(dated) and undated:
            rows.append("Undated (no publication date to resolve these against):")
        line = Line(quoted(e.sent, trim(e.sent.text, e.when.phrase, 160)), e.sources)
        where = "" if e.when.resolved else f", {e.sent.article.outlet or e.sent.article.title[:30]}"
        line.prefix = f"- **{e.when.label()}{where}**: "
        rows.append(line)
    ctx.step(2, 2, "done")
    note = ""
    if undated:
        note = (
            f"{len(undated)} event{'s' * (len(undated) != 1)} could not be dated: their articles "
            "give only relative dates (“yesterday”, “on the 21st”) and no publication date."
        )
    return finish(ctx.question, rows, ctx.t0, prepared, None, note)
