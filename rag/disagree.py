"""Where the answer's sources disagree, said in the answer.

Runs on the evidence after the answer is checked; rag.disagree_find finds the disagreements
(like with like: counts, dates, who). Answer sentences asserting the minority value (the one
fewer outlets give) are removed, and a closing sentence gives every value with its citations, the
best-backed first ("Sources disagree on ...: 3 outlets (...) [1][2][3] say 12; only X [4] says
15.").
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence

from rag.cite import answer_sentences, renumber_markers
from rag.disagree_find import Found, find_disagreements
from rag.schema import Citation, ConflictClaim, Evidence, SourceConflict

__all__ = ["find_disagreements", "reconcile"]

_SENTENCE_END = re.compile(r"[.!?…]+(?=\s|$)")


def _sentence(found: Found, cite: Callable[[Evidence], int]) -> str:
    parts = []
    low = found.minority
    for k, side in enumerate(found.sides):
        marks = "".join(f"[{n}]" for n in sorted({cite(e) for e in side.passages}))
        # A label cut short ("Putin's trip to Pyongyang, as seen from…") must not end the
        # sentence for a reader or a splitter: the flag is one sentence.
        outlets = [_SENTENCE_END.sub("", o) for o in side.outlets]
        who = (
            f"{outlets[0]} {marks}"
            if len(outlets) == 1
            else f"{len(outlets)} outlets ({', '.join(outlets)}) {marks}"
        )
        one = len(outlets) == 1
        if k == found.exclusive:
            said = f"say{'s' * one} {side.value} {'was' if ' and ' not in side.value else 'were'}"
            said += " the only one" if " and " not in side.value else " the only ones"
        elif found.kind == "name":
            said = f"name{'s' * one} {side.value}"
        else:
            said = f"say{'s' * one} {side.value}"
        parts.append(f"{'only ' if side is low and found.lone else ''}{who} {said}")
    topic = "" if found.slot == "who" else f" on the {found.slot}"
    return f"Sources disagree{topic}: {'; '.join(parts)}."


def _one_sided(found: Found, sentence: str) -> bool:
    """Does an answer sentence state a value the sources do not back as the answer? The minority
    value when there is one; on a tie, any one side's value stated alone, since nothing lets the
    answer pick a side (one outlet's "Musk alone" against one outlet's ministers)."""
    if found.minority is not None:
        return found.asserts(sentence, found.minority)
    return sum(found.asserts(sentence, side) for side in found.sides) == 1


def reconcile(
    question: str, text: str, citations: Sequence[Citation], evidence: Sequence[Evidence]
) -> tuple[str, list[Citation], list[SourceConflict]]:
    """The answer with its sources' disagreements shown: sentences asserting a minority value
    removed, a closing sentence per conflict, markers renumbered; and the conflicts, with the
    final citation numbers. Unchanged when the sources agree."""
    found = find_disagreements(question, evidence)
    if not found:
        return text, list(citations), []
    by_n = {c.n: c for c in citations}
    key = {(c.article_id, c.start, c.end): c.n for c in citations}

    def cite(e: Evidence) -> int:
        k = (e.article_id, e.start, e.end)
        if k not in key:
            key[k] = max(by_n, default=0) + 1
            by_n[key[k]] = Citation.from_evidence(e, key[k])
        return key[k]

    body = text
    for s in answer_sentences(text):
        if any(_one_sided(f, s) for f in found):
            body = body.replace(s, "", 1)
    # The rest keeps its lines and bullets; an emptied bullet goes.
    lines = [re.sub(r"[ \t]{2,}", " ", ln).rstrip() for ln in body.splitlines()]
    body = "\n".join(ln for ln in lines if ln.strip(" -*")).strip()
    # The flag is a paragraph of its own, after the answer.
    closing = " ".join(_sentence(f, cite) for f in found)
    joined = f"{body}\n\n{closing}" if body else closing
    new_text, new_cites, old_to_new = renumber_markers(joined, by_n)
    conflicts = [
        SourceConflict(
            slot=f.slot,
            kind=f.kind,  # type: ignore[arg-type]
            claims=[
                ConflictClaim(s.value, sorted({old_to_new[cite(e)] for e in s.passages}), s.outlets)
                for s in f.sides
            ],
            minority=f.minority.value if f.minority else "",
            lone=f.lone,
        )
        for f in found
    ]
    return new_text, new_cites, conflicts
