"""Overview: every article in scope, clustered into stories, then what the outlets agree on and
what each source adds, all cited.

1. Stories: articles are clustered by their stored vectors (average link), so every article is in
   exactly one story whatever the corpus size.
2. Consensus: within a story, the facts several outlets report are grouped into facets by greedy
   facility location (pick the sentence that best covers the corroborated sentences not yet
   covered, on vectors with the story's common direction removed, so "the visit" does not swallow
   "the delegation" and "the weapons allegations"). The model writes one sentence per facet from
   the facet's best sentences; the citation check keeps it only if they support it. Model calls
   are shared out between stories by size and capped at MAX_CALLS, so 200 articles cost no more
   calls than five.
   The largest story opens with a lead sentence instead (rag/summarize/lead.py): who did what,
   where and when, written from the lede of its most central article.
3. What each source adds: when the scope is one or two stories told by a few articles, each
   article's first lead sentence that the consensus does not cover, quoted (no model call). Facts
   only one outlet has, such as an eyewitness detail, would otherwise never reach an overview
   built on corroboration.
4. Stories left without a model call are listed with their lead sentence, quoted.
"""

from __future__ import annotations

import time
from collections.abc import Generator
from dataclasses import dataclass, field

import numpy as np

from rag import prompts
from rag.answer import format_passages
from rag.labels import article_label
from rag.schema import Answer, Article, Token
from rag.summarize.base import Line, Row, facet_evidence, finish, quoted, verify
from rag.summarize.context import Context
from rag.summarize.form import Form, shape
from rag.summarize.lead import lede
from rag.summarize.pool import Pool, Sent, agglomerate, build_pool, centered, mmr, trim, unit

MAX_CALLS = 8  # model calls per overview: ~3-8 s each for the 1.5B model on 2 cores
MAX_FACETS = 6  # consensus sentences per story
STORY_SIM = 0.55  # average cosine of article vectors within one story
COVERED = 0.45  # centred cosine at which a facet's sentence covers another
EVIDENCE_PER_FACET = 3
MAX_ANGLE_ARTICLES = 6  # "what each source adds" only for stories told by a few articles
MAX_OTHER = 8  # stories without a model call, listed by their lead
PARAGRAPH = 5  # sentences (model calls) of an overview asked for as one paragraph
SPARE = 2  # facets kept in reserve for a summary of N bullets or sentences (see run)


@dataclass
class Facet:
    shown: list[int]  # pool indices handed to the model, representative first
    backing: list[int]  # the same fact in other outlets: cited if they support the sentence

    @property
    def all(self) -> list[int]:
        return self.shown + self.backing


@dataclass
class Story:
    articles: list[Article]
    idx: list[int]  # pool indices of its sentences
    want: int = 1
    quota: int = 0
    facets: list[Facet] = field(default_factory=list)
    reps: list[int] = field(default_factory=list)

    @property
    def outlets(self) -> int:
        return len({a.outlet or a.id for a in self.articles})


def stories(ctx: Context, articles: list[Article], pool: Pool) -> list[list[Article]]:
    """Articles grouped into stories; each article in exactly one group, largest first, its most
    central article (closest to the story's mean vector) first."""
    stored = ctx.article_vectors(articles)
    rows = []
    for a in articles:
        vec = stored.get(a.id)
        if vec is None:  # no stored vector: the mean of its pooled sentences
            idx = [i for i, s in enumerate(pool.sents) if s.article.id == a.id]
            vec = pool.vecs[idx].mean(axis=0) if idx else np.zeros(pool.vecs.shape[1])
        rows.append(vec)
    if not rows:
        return []
    vecs = unit(np.vstack(rows))
    out = []
    for g in agglomerate(vecs, STORY_SIM):
        centre = vecs[g].mean(axis=0)
        out.append([articles[i] for i in sorted(g, key=lambda i: -float(vecs[i] @ centre))])
    return out


def allocate(found: list[Story], budget: int) -> None:
    """Model calls per story by the D'Hondt rule: larger stories get more facets."""
    for _ in range(budget):
        open_ = [s for s in found if s.quota < s.want]
        if not open_:
            return
        best = max(open_, key=lambda s: len(s.articles) / (s.quota + 1))
        best.quota += 1


def consensus(
    pool: Pool, idx: list[int], k: int, focus: np.ndarray | None = None, topic_weight: float = 0.0
) -> tuple[list[int], list[Facet]]:
    """k representative sentences of a story and each one's evidence: the most central ones
    (`central`), or in a topic summary (`focus` given, `topic_weight` > 0) the most on the
    topic (`on_topic`)."""
    if not idx or k <= 0:
        return [], []
    if focus is not None and topic_weight > 0:
        reps = on_topic(pool, idx, k, focus, topic_weight)
    else:
        reps = central(pool, idx, k)
    taken = {pool.dup_of[r] for r in reps}
    facets = []
    for rep in reps:
        # Shown to the model: the representative and at most one close paraphrase of it. A small
        # model handed two different facts blends them into one wrong sentence. Other outlets'
        # sentences on the same fact are kept aside and cited only if they support its sentence.
        same = [
            i
            for i in idx
            if i != rep and pool.dup_of[i] == i and i not in taken and pool.same[rep, i]
        ]
        same.sort(key=lambda i: -float(pool.vecs[rep] @ pool.vecs[i]))
        close = [i for i in same if _paraphrase(pool, rep, i)][: EVIDENCE_PER_FACET - 1]
        facet = Facet([pool.dup_of[rep], *close], [i for i in same if i not in close])
        taken.update(same)
        facets.append(facet)
    if focus is not None and topic_weight > 0:
        return reps, facets  # told in the order picked: what is most on the topic first
    # Told first: what most outlets report, then the most salient.
    order = sorted(
        range(len(reps)),
        key=lambda k: (-_outlets(pool, facets[k].all), -float(pool.salience[reps[k]])),
    )
    return [reps[k] for k in order], [facets[k] for k in order]


def central(pool: Pool, idx: list[int], k: int) -> list[int]:
    """k sentences by greedy facility location over the story's corroborated sentences (all of
    them when the story has one outlet)."""
    sub = np.array(idx)
    cvec = centered(pool.vecs[sub])
    shared = np.array([pool.outlets_of[i] > 1 for i in idx])
    if shared.sum() < k:
        shared = np.ones(len(idx), dtype=bool)
    base = 0.4 + 0.3 * pool.lead[sub] + 0.3 * pool.info[sub] - 0.3 * pool.leaning[sub]
    weight = np.where(shared, np.maximum(base, 0.05), 0.0)
    quality = 0.5 * pool.lead[sub] + 0.5 * pool.info[sub] - 0.5 * pool.leaning[sub]
    sim = np.clip(cvec @ cvec.T, 0.0, None)
    covered = np.zeros(len(idx))
    chosen: list[int] = []
    for _ in range(min(k, int(shared.sum()))):
        gain = (weight[:, None] * np.maximum(covered[:, None], sim)).sum(axis=0)
        gain = gain - float((weight * covered).sum()) + 0.5 * quality
        gain[~shared] = -np.inf
        gain[chosen] = -np.inf
        best = int(np.argmax(gain))
        if not np.isfinite(gain[best]):
            break
        chosen.append(best)
        covered = np.maximum(covered, sim[:, best])
    return [idx[c] for c in chosen]


def on_topic(pool: Pool, idx: list[int], k: int, focus: np.ndarray, weight: float) -> list[int]:
    """k sentences by maximal marginal relevance: each pick maximises weight * relevance -
    (1 - weight) * its cosine to the closest earlier pick, relevance (`focus`) scaled to 0..1
    within the story so that `weight` means the same whatever the cosines' range.

    Not centrality: the passages past a topic's floor are mostly about the story around the
    topic, so their most central sentences drift off it (Putin's 2000 visit for "Kim Jong Un's
    2023 trip to Russia"). Not corroboration either: a fact on the topic that one outlet alone
    reports (the "11,000 containers of ammunition") is what the reader asked for."""
    rel = focus[idx].astype(np.float64)
    span = float(rel.max() - rel.min())
    rel = (rel - rel.min()) / span if span > 0 else np.ones(len(idx))
    return [idx[c] for c in mmr(range(len(idx)), pool.vecs[idx], k, rel, weight)]


def _paraphrase(pool: Pool, a: int, b: int) -> bool:
    raw = float(pool.vecs[a] @ pool.vecs[b])
    return raw >= 0.8 or (raw >= 0.6 and float(pool.lex[a, b]) >= 0.75)


def _outlets(pool: Pool, facet: list[int]) -> int:
    return len({pool.sents[j].article.outlet or pool.sents[j].article.id
                for i in facet for j in pool.members(i)})  # fmt: skip


def angles(pool: Pool, story: Story, used: set[int], focus: np.ndarray | None = None) -> list[int]:
    """Per article, the first lead sentence with a name or number that the consensus misses; in
    a topic summary (`focus` given), the one most on the topic: an article's lead is about its
    story, which need not be the topic."""
    idx = np.array(story.idx)
    cvec = centered(pool.vecs[idx])
    pos = {int(i): k for k, i in enumerate(idx)}
    reps = [pos[r] for r in story.reps if r in pos]
    same = pool.same
    out = []
    for a in story.articles:
        mine = [i for i in story.idx if pool.sents[i].article.id == a.id]
        if focus is not None:
            mine.sort(key=lambda i: -float(focus[i]))
        for i in mine[:6]:
            if pool.leaning[i] or pool.info[i] <= 0 or i in used:
                continue
            if reps and float((cvec[reps] @ cvec[pos[i]]).max()) >= COVERED:
                continue
            if any(same[i, j] for j in used):
                continue
            out.append(i)
            break
    return out


def overview_size(found: list[Story]) -> None:
    lone = len(found) == 1
    for s in found:
        s.want = MAX_FACETS if lone else min(MAX_FACETS, len(s.articles))


def run(
    ctx: Context,
    articles: list[Article],
    pool: Pool | None = None,
    covers: str = "",
    focus: np.ndarray | None = None,
    topic_weight: float = 0.0,
    form: Form | None = None,
) -> Generator[Token, None, Answer]:
    """The overview of `articles`. A topic summary passes `pool`, only the sentences on the
    topic, `covers`, what they are (the note's first words), and `focus` and `topic_weight`:
    each sentence's relevance to the topic and how much the choice leans on it (consensus).
    `form`: the shape the user asked for (rag.summarize.form): that many bullets or sentences,
    one model call each, and nothing around them."""
    ctx.step(0, 3, "reading the articles")
    pool = build_pool(articles, ctx.embeddings) if pool is None else pool
    ctx.step(1, 3, "grouping the articles into stories")
    groups = stories(ctx, articles, pool)
    story_of = {a.id: k for k, g in enumerate(groups) for a in g}
    found = [
        Story(g, [i for i, s in enumerate(pool.sents) if story_of[s.article.id] == k])
        for k, g in enumerate(groups)
    ]
    overview_size(found)
    # A shape asked for gets SPARE facets in reserve, written only when a line repeats another
    # or fails the check, so "3 bullets" gives three when the coverage has three facts.
    want = MAX_CALLS if form is None else (form.items or PARAGRAPH) + SPARE * bool(form.items)
    allocate(found, min(MAX_CALLS, want))
    for s in found:
        s.reps, s.facets = consensus(pool, s.idx, s.quota, focus, topic_weight)
    lead = _open_with_lead(pool, found) if focus is None else None  # not in a topic summary
    calls = sum(len(s.facets) for s in found)
    if form is not None and form.items:
        calls = min(calls, form.items)  # the spare facets are not counted unless written
    total = 2 + calls
    ctx.step(2, total, "choosing the central sentences")
    prepared = time.perf_counter()

    rows: list[Row] = []
    shaped: list[Line] = []  # the lines of a summary in the shape asked for
    dropped: list[str] = []
    covered = [s for s in found if s.facets]
    multi = len(found) > 1
    done = 2
    for k, story in enumerate(covered):
        para: list[Line] = []
        used: set[int] = set()
        for facet in story.facets:
            if form is not None and form.items and len(shaped) + len(para) >= form.items:
                break  # as many lines as asked: the spare facets stay unwritten
            ctx.step(min(done, total - 1), total, f"writing sentence {done - 1} of {calls}")
            done += 1
            prompt = "summary_lead_user" if facet is lead else "summary_overview_user"
            lines = yield from _facet_lines(ctx, pool, facet, dropped, prompt)
            para += [x for x in lines if not _repeats(x, para)]
            used.update(facet.all)
        if form is not None:
            shaped += [x for x in para if not _repeats(x, shaped)]
            continue
        if multi:
            rows.append(f"**{k + 1}. {_headline(story)}** ({_count(story.articles)})")
        rows.append(para)
        # Per-source additions only when the scope is about one or two stories: for a corpus
        # they would drown the overview in quotes.
        if len(found) <= 2 and 2 <= len(story.articles) <= MAX_ANGLE_ARTICLES:
            extra = angles(pool, story, used, focus if topic_weight > 0 else None)
            if extra:
                rows.append("What each source adds:")
            for i in extra:
                sent = pool.sents[i]
                body = quoted(sent, trim(sent.text, limit=220))
                rows.append(Line(body, [sent], f"- **{_outlet(sent)}**: "))
        rows.append("")
    if form is not None:  # never more lines than asked: the loop stops writing at that count
        rows = shape(shaped, form)
    rest = [s for s in found if not s.facets] if form is None else []
    if rest:
        rows.append("Other stories in scope:")
    for story in rest[:MAX_OTHER]:
        first = _lead(pool, story)
        if first is not None:
            prefix = f"- **{_headline(story)}** ({_count(story.articles)}): "
            rows.append(Line(quoted(first, trim(first.text, limit=200)), [first], prefix))
    while rows and rows[-1] == "":
        rows.pop()
    ctx.step(total, total, "done")
    note = _note(found, covers, form, shaped)
    return finish(ctx.question, rows, ctx.t0, prepared, ctx.writer, note, dropped)


def _open_with_lead(pool: Pool, found: list[Story]) -> Facet | None:
    """Make the largest story's first facet its lead (see rag/summarize/lead.py), in place of
    its last consensus facet and any facet on the same fact, so the model calls stay the same.
    Only when the story has two calls or more: one call goes to its most corroborated fact."""
    top = found[0] if found else None
    if top is None or top.quota < 2:
        return None
    picked = lede(pool, top.idx, [a.id for a in top.articles], lambda a, b: _paraphrase(pool, a, b))
    if picked is None:
        return None
    lead = Facet(*picked)
    on_it = set(lead.all)
    rest = [
        f for f in top.facets if not (set(f.all) & on_it or pool.same[lead.shown[0], f.shown[0]])
    ]
    top.facets = [lead, *rest][: top.quota]
    top.reps = [f.shown[0] for f in top.facets]
    return lead


def _facet_lines(
    ctx: Context, pool: Pool, facet: Facet, dropped: list[str], prompt: str
) -> Generator[Token, None, list[Line]]:
    sents = [pool.sents[i] for i in facet.shown]
    dups = {_key(pool.sents[i]): [pool.sents[j] for j in pool.members(i)] for i in facet.shown}
    draft = yield from ctx.writer.write(
        prompts.render(
            prompt, passages=format_passages(facet_evidence(sents))
        ),
        max_tokens=70,
    )
    if draft and not ctx.writer.failure:
        checked = verify(ctx.checker, draft, sents, alone=True)
        dropped += checked.dropped
        if checked.lines:
            line = checked.lines[0]  # one sentence per facet, as asked
            line.sources = [m for s in line.sources for m in dups.get(_key(s), [s])]
            line.sources += [pool.sents[i] for i in facet.backing if _supports(ctx, line, pool, i)]
            return [line]
    members = [pool.sents[j] for j in pool.members(facet.shown[0])]
    return [Line(quoted(members[0], trim(members[0].text, limit=240)), members)]


def _supports(ctx: Context, line: Line, pool: Pool, i: int) -> bool:
    """Another outlet's sentence backs the line on its own: every name and number of the line
    is in it and enough of its words (the citation check's rule, without the embedding term)."""
    score, missing = ctx.checker.score(line.body, [pool.sents[i].text], 0.0)
    return not missing and score >= ctx.checker.min_support


def _key(s: Sent) -> tuple[str, int]:
    return s.article.id, s.start


def _repeats(line: Line, para: list[Line]) -> bool:
    """Two facets can come back as the same sentence: keep the first."""
    keys = {_key(s) for s in line.sources}
    return any(keys <= {_key(s) for s in x.sources} for x in para)


def _outlet(s: Sent) -> str:
    return article_label(s.article)


def _lead(pool: Pool, story: Story) -> Sent | None:
    firsts = [i for i in story.idx if pool.sents[i].index == 0]
    return pool.sents[max(firsts, key=lambda i: float(pool.salience[i]))] if firsts else None


def _headline(story: Story) -> str:
    return story.articles[0].title  # the story's most central article (see stories)


def _count(articles: list[Article]) -> str:
    outlets = {a.outlet or a.id for a in articles}
    n, m = len(articles), len(outlets)
    return f"{n} article{'s' * (n != 1)}, {m} outlet{'s' * (m != 1)}"


def _note(
    found: list[Story], covers: str = "", form: Form | None = None, shaped: list[Line] | None = None
) -> str:
    """What the summary covers and leaves out; with a shape asked for, `shaped` its lines."""
    n = sum(len(s.articles) for s in found)
    note = covers or f"Covers all {n} article{'s' * (n != 1)} in scope"
    if len(found) > 1:
        note += f", grouped into {len(found)} stories"
    if form is not None:
        lines = shaped or []
        note += f"; {form.describe(len(lines))}"
        # Left out: every story no line cites, so one whose only facets were unwritten spares too.
        cited = {src.article.id for x in lines for src in x.sources}
        left = [s for s in found if not cited & {a.id for a in s.articles}]
        if left:
            note += f"; {len(left)} smaller stor{'ies' if len(left) != 1 else 'y'} left out"
    elif left := [s for s in found if not s.facets]:
        shown = min(len(left), MAX_OTHER)
        note += (
            f"; {len(found) - len(left)} are summarised, {shown} more are listed by their lead"
            + (f" and {len(left) - shown} are not shown" if len(left) > shown else "")
        )
    return note + "."
