"""Compare: which outlet reports what, what several share, what only one reports, and where they
disagree, side by side. Deterministic: every line quotes the articles (trimmed), so no model call
is needed and every citation is the quoted sentence itself.
"""

from __future__ import annotations

import time
from collections import defaultdict

import numpy as np

from rag.schema import Answer, Article
from rag.summarize.base import Line, Row, finish, quoted
from rag.summarize.conflicts import find_conflicts, find_variants
from rag.summarize.context import Context
from rag.summarize.pool import Pool, Sent, build_pool, mmr, outlet_key, trim
from rag.text import entities, numbers

UNIQUE = 0.6  # below this against every other outlet, a fact is one outlet's own
KEY_FACTS = 2
MAX_SHARED = 4
MAX_UNIQUE = 8


def _label(pool: Pool, outlet: str) -> str:
    arts = {s.article.id: s.article for s in pool.sents if outlet_key(s.article) == outlet}
    dates = sorted({a.published for a in arts.values() if a.published})
    when = ", ".join(dates) if dates else "undated"
    n = len(arts)
    return f"**{outlet}** ({when}{f', {n} articles' if n > 1 else ''})"


def _excerpt(s: Sent, anchor: str = "") -> str:
    return quoted(s, trim(s.text, anchor, 160))


def _groups(pool: Pool, outlet: list[str]) -> list[list[int]]:
    """Sentences from different outlets stating the same fact: each group is led by its most
    salient sentence and holds at most one sentence per outlet (no chaining through a third
    sentence, which would join "the visit" to "Kim's visit last year")."""
    groups: list[list[int]] = []
    for i in sorted(range(len(pool.sents)), key=lambda i: -float(pool.salience[i])):
        for g in groups:
            if pool.same[g[0], i] and outlet[i] not in {outlet[j] for j in g}:
                g.append(i)
                break
        else:
            groups.append([i])
    return [g for g in groups if len(g) > 1]


def run(ctx: Context, articles: list[Article]) -> Answer:
    ctx.step(0, 3, "reading the articles")
    pool = build_pool(articles, ctx.embeddings)
    ctx.step(1, 3, "matching facts across outlets")
    n = len(pool.sents)
    sims = pool.vecs @ pool.vecs.T if n else np.zeros((0, 0))
    outlet = [outlet_key(s.article) for s in pool.sents]
    outlets = list(dict.fromkeys(outlet))
    prepared = time.perf_counter()
    rows: list[Row] = []
    used: set[int] = set()

    rows.append("**Who reported what**")
    for o in outlets:
        mine = [i for i in range(n) if outlet[i] == o]
        picked = sorted(mmr(mine, pool.vecs, KEY_FACTS, pool.salience), key=lambda i: i)
        used.update(picked)
        para = [Line(_excerpt(pool.sents[i]), [pool.sents[i]]) for i in picked]
        if para:
            para[0].prefix = f"- {_label(pool, o)}: "
            rows.append(para)

    if len(outlets) > 1:
        shared = sorted(
            _groups(pool, outlet),
            key=lambda g: (-len({outlet[i] for i in g}), -float(max(pool.salience[g]))),
        )[:MAX_SHARED]
        if shared:
            rows.append("**Reported by several outlets**")
        for g in shared:
            names = ", ".join(f"**{outlet[i]}**" for i in g)
            sources = [pool.sents[i] for i in g]
            rows.append(Line(_excerpt(pool.sents[g[0]]), sources, prefix=f"- {names}: "))
            used.update(g)

        unique = _unique(pool, sims, outlet, used)
        if unique:
            rows.append("**Reported by only one outlet**")
        for i in unique:
            rows.append(
                Line(_excerpt(pool.sents[i]), [pool.sents[i]], prefix=f"- **{outlet[i]}**: ")
            )

        rows.append("**Conflicting claims**")
        conflicts = find_conflicts(pool)
        if not conflicts:
            rows.append("No differing numbers, names or dates for the same fact were found.")
        for c in conflicts:
            first, second = _side(c.a, c.a_value), _side(c.b, c.b_value)
            first.prefix, second.body = f"- {c.slot}: ", f"· {second.body}"
            rows.append([first, second])
        variants = find_variants(pool)
        if variants:
            rows.append("**Same name, different spelling** (not a conflict)")
        for v in variants:
            rows.append(
                [
                    Line(f"{v.a_name} ({outlet_key(v.a.article)})", [v.a], prefix="- "),
                    Line(f"/ {v.b_name} ({outlet_key(v.b.article)})", [v.b]),
                ]
            )
    ctx.step(3, 3, "done")
    note = (
        "Only one outlet is in scope, so there is nothing to compare."
        if len(outlets) < 2
        else "Quoted from the articles; facts are matched across outlets by meaning and wording."
    )
    return finish(ctx.question, rows, ctx.t0, prepared, None, note)


def _side(s: Sent, value: str) -> Line:
    return Line(f"**{outlet_key(s.article)}** says {value}: {_excerpt(s, value)}", [s])


def _unique(pool: Pool, sims: np.ndarray, outlet: list[str], used: set[int]) -> list[int]:
    """Salient sentences (with names or numbers) that no other outlet tells, even loosely."""
    by_outlet: dict[str, list[int]] = defaultdict(list)
    for i, s in enumerate(pool.sents):
        if i in used or pool.leaning[i] or not (entities(s.text) or numbers(s.text)):
            continue
        others = [j for j in range(len(pool.sents)) if outlet[j] != outlet[i]]
        if not others or pool.same[i, others].any():
            continue
        if float(sims[i, others].max()) >= UNIQUE or float(pool.lex[i, others].max()) >= UNIQUE:
            continue
        by_outlet[outlet[i]].append(i)
    picked: list[int] = []
    for idx in by_outlet.values():
        picked += sorted(idx, key=lambda i: -float(pool.salience[i]))[:2]
    return sorted(picked, key=lambda i: -float(pool.salience[i]))[:MAX_UNIQUE]
