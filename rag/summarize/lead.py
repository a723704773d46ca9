"""The overview's lead sentence: who did what, where and when, the way a news report opens.

The consensus facets are ordered by corroboration, so an overview used to open with whichever
fact most outlets repeat ("Putin is expected to visit North Korea soon"), not with what the
story is. A news report's own first sentence is written to say exactly that, so the lead is
written from the lede of the story's most central article (the one closest to the story's
mean vector, see overview.stories), with at most one other outlet's close paraphrase of it.
"""

from __future__ import annotations

from collections.abc import Callable

from rag.summarize.pool import Pool

LEDE_POSITIONS = 2  # an article's first two sentences: the first is sometimes a dateline or kicker
LEDE_MIN_CHARS = 60  # shorter first lines are kickers and captions ("Putin arrives."), not ledes


def lede(
    pool: Pool, idx: list[int], article_ids: list[str], paraphrase: Callable[[int, int], bool]
) -> tuple[list[int], list[int]] | None:
    """(shown, backing) pool indices for the lead of the story whose sentences are `idx` and
    whose articles, most central first, are `article_ids`: the first of those articles' opening
    sentences that holds a name or number and reads on its own, with at most one close
    paraphrase from another outlet (`paraphrase(a, b)`). Other outlets' sentences on the same
    fact are the backing, cited only if they support what the model writes. None when no
    article opens with such a sentence."""
    mine = set(idx)
    for aid in article_ids:
        for i in idx:
            s = pool.sents[i]
            if s.article.id != aid or s.index >= LEDE_POSITIONS:
                continue
            if pool.leaning[i] or pool.info[i] <= 0 or len(s.text) < LEDE_MIN_CHARS:
                continue
            rep = pool.dup_of[i]
            if rep not in mine:
                continue
            outlet = s.article.outlet or s.article.id
            same = [
                j
                for j in idx
                if j != rep
                and pool.dup_of[j] == j
                and pool.same[rep, j]
                and (pool.sents[j].article.outlet or pool.sents[j].article.id) != outlet
            ]
            same.sort(key=lambda j: -float(pool.vecs[rep] @ pool.vecs[j]))
            close = [j for j in same if paraphrase(rep, j)][:1]
            return [rep, *close], [j for j in same if j not in close]
    return None
