"""Does an answer's cited passage speak to what was asked? A true, cited sentence about the wrong
thing answers nothing. This is one input of the calibrated decision (rag.decide), not a veto."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rag.cite import strip_markers
from rag.retrieve import answer_type_match, expand_query
from rag.text import content_words, entities, words

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
