"""Does a passage or an answer speak to what was asked? The checks after citation support: a
true, cited sentence about the wrong thing answers nothing, and a passage is only quoted in the
model's place when it clearly answers the question."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.cite import looks_like_abstention, strip_markers
from rag.embed import embed_matrix
from rag.retrieve import answer_type_match, expand_query
from rag.schema import Evidence
from rag.text import STOPWORDS, content_words, entities, name_variants, words

_GENERIC = frozenset(
    [
        "date",
        "day",
        "time",
        "year",
        "month",
        "take",
        "place",
        "happen",
        "held",
        "number",
        "many",
        "much",
        "amount",
        "total",
    ]
)


def _root(word: str) -> str:
    """Crude verb folding for the focus check: visit/visited/visiting, arrive/arrival."""
    for suffix in ("ing", "ed", "al", "e"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word


def addresses(question: str, quotes: Sequence[str], answer: str | None = None) -> bool:
    """Does a supported answer speak to what was asked? Three tests, all on the passages the
    answer cites (the answer's own wording does not count, because a model echoes the question:
    "the gift given by Putin was a visit"). A true sentence about the wrong thing is supported,
    yet answers nothing.
    - The passages name at least one of the names the question asks about: a passage about Kim
      does not answer "which country did Putin visit next?".
    - The question's words beyond its names (with the usual news nouns for its verbs) appear in
      the passages. A "when" or "how many" question is also answered by a cited date or number.
    - A "when" / "how many" answer holds a date / number at all (when the answer is given).
    """
    joined = " ".join(quotes)
    cited_words = content_words(joined)
    names = question_names(question)
    if names and not any(w in cited_words for e in names for w in content_words(e)):
        return False
    if (
        answer is not None
        and not re.search(r"\bwho(m|se)?\b", question, re.IGNORECASE)
        and answer_type_match(question, strip_markers(answer)) == 0.0
    ):
        return False  # not for "who": a named answer may be one word ("Washington")
    name_words = {w for e in entities(question) for w in content_words(e)}
    focus = {_root(w) for w in content_words(expand_query(question)) - name_words}
    if not focus:
        return True
    if focus & {_root(w) for w in cited_words}:
        return True
    # "On what date did the summit take place?": nothing specific to find beyond the names, so a
    # cited date (or number, for "how many") is the answer. "What date did he leave?" still
    # needs "leave" in the passage.
    return focus <= {_root(w) for w in _GENERIC} and answer_type_match(question, joined) == 1.0


def question_names(question: str) -> set[str]:
    """The question's capitalised words except its first ("Which", "Give", "Besides")."""
    first = words(question)[:1]
    return {e for e in entities(question) if [e] != first}


# How much closer a passage must be to the whole question than to the question's bare names to
# count as answering it. Measured on the seeds (MiniLM cosine): passages that answer an untyped
# question sit 0.28-0.30 closer; the lead "Putin is on his first visit to North Korea in 24 years"
# sits 0.11 closer to "Which country did Putin visit right after North Korea?", which it does not
# answer.
SPECIFIC_GAP = 0.15


def answering_passages(
    question: str,
    evidence: Sequence[Evidence],
    min_score: float,
    specificity: Sequence[float] | None = None,
    draft: str = "",
) -> list[Evidence]:
    """Passages that answer the question by themselves: highly relevant, holding the kind of
    answer asked for (a date for "when", names for "who", a number for "how many") and the
    question's focus words. A small model often declines ("not found") with such a passage in
    front of it; quoting it is safe because the quote is the article's own words.

    Questions that do not say what kind of answer they want ("which", "what") give no answer type
    to check, so they need a higher score and one more sign that the passage answers them: it is
    specific to the question (`specificity`, see SPECIFIC_GAP, per passage), or it holds the new
    names of the model's own unverified draft ("... included Turkmenistan and Kazakhstan")."""
    typed = is_typed(question)
    claimed = draft_names(question, draft)
    gaps = list(specificity) if specificity is not None else [0.0] * len(evidence)

    def untyped_ok(e: Evidence, gap: float) -> bool:
        if e.score < min_score + 0.05:
            return False
        if gap >= SPECIFIC_GAP:
            return True
        return bool(claimed) and claimed <= content_words(f"{e.quote} {name_variants(e.quote)}")

    return [
        e
        for e, gap in zip(evidence, gaps, strict=True)
        if addresses(question, [e.quote])
        and (
            (typed and e.score >= min_score and answer_type_match(question, e.quote) == 1.0)
            or (not typed and untyped_ok(e, gap))
        )
    ][:2]


def is_typed(question: str) -> bool:
    """Does the question say what kind of answer it wants (a person, a date, a number)?"""
    return answer_type_match(question, "") != 0.5


def draft_names(question: str, draft: str) -> set[str]:
    """Words of the names a draft answer gives that the question does not already hold."""
    if not draft or looks_like_abstention(draft):
        return set()
    asked = content_words(f"{question} {name_variants(question)}")
    return {w for e in entities(strip_markers(draft)) for w in content_words(e)} - asked


def covers_question(question: str, evidence: list[Evidence]) -> bool:
    """The best passage names every content word of the question: quoting it is a safe answer."""
    if not evidence:
        return False
    q = {w for w in words(question) if w not in STOPWORDS and len(w) > 2}
    top = set(words(evidence[0].quote))
    return bool(q) and q <= top


def specificity(embeddings: Embeddings, question: str, evidence: Sequence[Evidence]) -> list[float]:
    """Per passage: cosine to the whole question minus cosine to the question's names alone. A
    passage that is only about the names (the story's lead) scores near zero."""
    if not evidence:
        return []
    names = " ".join(sorted(question_names(question)))
    if not names:
        return [1.0] * len(evidence)  # nothing to be "only about"
    vecs = embed_matrix(embeddings, [question, names] + [e.quote for e in evidence])
    gaps = vecs[2:] @ vecs[0] - vecs[2:] @ vecs[1]
    return [float(g) for g in np.asarray(gaps)]
