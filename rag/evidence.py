"""Evidence selection: which sentences of the retrieved chunks the model is given, and in what
order.

Sentences are scored on meaning, rare-word overlap and answer type, then chosen by maximal
marginal relevance within a token budget. For "who / which / how many" questions one step comes
first: each outlet's most specific answering sentence (one holding a name, or a number, of the
kind asked for) goes in before any vaguer sentence, so one outlet's well-worded generality ("The
Russian delegation that travelled with Putin met officials") cannot crowd out the sentences from
three other outlets that name the ministers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Set as AbstractSet

import numpy as np

from rag.labels import source_label
from rag.retrieve import Candidate, answer_type_match, lexical_overlap
from rag.schema import Evidence
from rag.text import STOPWORDS, content_words, entities

# A question whose answer is a list of names or a count ("which day" asks for a date: not one).
_NAMES_OR_COUNT = re.compile(
    r"\bwho(?:m|se)?\b|\bwhich\b(?!\s+(?:date|day|year|month|time)\b)|\bhow\s+many\b",
    re.IGNORECASE,
)
_HOW_MANY = re.compile(r"\bhow\s+many\b", re.IGNORECASE)
_WHO = re.compile(r"\bwho(?:m|se)?\b", re.IGNORECASE)
# Two or more capitalised words in a row: "Sergei Lavrov", "Defence Minister Andrei Belousov". A
# lone capitalised word is as often a place ("Pyongyang") as a person, so it does not count.
_FULL_NAME = re.compile(r"\b[A-Z][\w'’-]+(?:\s+[A-Z][\w'’-]+)+")
# A count in a sentence: digits (not a bare year) or a number word.
_COUNT = re.compile(
    r"\b(?!(?:19|20)\d\d\b)\d[\d,.]*\b|\b(?:two|three|four|five|six|seven|eight|nine|ten|eleven"
    r"|twelve|dozens?|scores|hundreds?|thousands?|millions?)\b",
    re.IGNORECASE,
)
# Capitalised words that name no one: nationalities and compass points ("the Russian
# delegation", "North Korean officials"), titles ("Foreign Minister"), calendar words. A sentence
# whose capitalised words are all of these is not specific.
_NOT_NAMES = frozenset({
    "russian", "american", "korean", "chinese", "japanese", "ukrainian", "british", "french",
    "german", "indian", "iranian", "israeli", "european", "african", "asian", "arab", "turkish",
    "syrian", "iraqi", "saudi", "pakistani", "afghan", "polish", "italian", "spanish", "canadian",
    "mexican", "brazilian", "australian", "vietnamese", "soviet", "western", "eastern",
    "northern", "southern", "north", "south", "east", "west", "minister", "ministers",
    "president", "vice", "prime", "deputy", "foreign", "defence", "defense", "secretary",
    "general", "chief", "head", "officials", "official", "spokesman", "spokeswoman",
    "spokesperson", "ambassador", "governor", "mayor", "senator", "leader", "chairman",
    "director", "delegation", "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december", "monday", "tuesday", "wednesday",
    "thursday", "friday", "saturday", "sunday",
})  # fmt: skip
_NOT_A_NAME = STOPWORDS | _NOT_NAMES
# A specific sentence must share a word with the question and score at least this share of the
# best sentence's relevance to be put first: it has to answer the question, not merely hold a
# name. Half: a sentence naming the minister scores well below a vague one worded like the
# question ("the delegation that travelled with Putin"), which is the point of this step.
SPECIFIC_FLOOR = 0.5


def asks_for_names_or_count(question: str) -> bool:
    return bool(_NAMES_OR_COUNT.search(question))


def is_specific(question: str, text: str) -> bool:
    """Does the sentence hold an answer of the asked type: a number for "how many", a name the
    question does not already give for "who" and "which"?"""
    if _HOW_MANY.search(question):
        return bool(_COUNT.search(text))
    asked = content_words(question)
    if _WHO.search(question):
        return bool(person_names(text, asked))
    return any(
        name not in _NOT_NAMES and not (content_words(name) <= asked) for name in entities(text)
    )


def person_names(text: str, asked: AbstractSet[str] = frozenset()) -> list[str]:
    """Names of people as written, titles and nationalities left out: two capitalised words
    beyond "The", not all of them words of the question (`asked`, its content words).
    "Defence Minister Andrei Belousov" gives "Andrei Belousov"."""
    out: list[str] = []
    for m in _FULL_NAME.finditer(text):
        kept = [w for w in m.group().split() if w.lower() not in _NOT_A_NAME]
        if len(kept) >= 2 and not {w.lower() for w in kept} <= asked:
            out.append(" ".join(kept))
    return out


def specific_first(
    question: str, candidates: list[Candidate], relevance: np.ndarray, outlets: int = 3
) -> list[int]:
    """For who / which / how-many questions: per outlet, its most relevant specific sentence
    (within SPECIFIC_FLOOR of the best sentence overall), best first, for at most `outlets`
    outlets. Empty for other questions, which keep plain relevance order."""
    if not candidates or outlets <= 0 or not asks_for_names_or_count(question):
        return []
    floor = SPECIFIC_FLOOR * float(relevance.max())
    best: dict[str, int] = {}
    for i, c in enumerate(candidates):
        if relevance[i] < floor or len(c.text) < 25 or not is_specific(question, c.text):
            continue
        if not lexical_overlap(question, c.text):
            continue
        outlet = str(c.meta.get("outlet") or c.article_id)
        if outlet not in best or relevance[i] > relevance[best[outlet]]:
            best[outlet] = i
    return sorted(best.values(), key=lambda i: -relevance[i])[:outlets]


# How a sentence is scored for the evidence (weights sum to 1): its meaning and rare words against
# the question, and whether it holds the kind of answer asked for. The decision's features are
# read off these scores, so a change here needs a refit (rag/calibration/fit.py).
EVIDENCE_WEIGHTS = {"cosine": 0.55, "overlap": 0.3, "type": 0.15}


def passage_tokens(c: Candidate) -> int:
    """Estimated prompt tokens of a passage line "[n] outlet, date: text" (~4 characters each)."""
    header = len(str(c.meta.get("outlet", ""))) + len(str(c.meta.get("published") or ""))
    return (header + len(c.text) + 10) // 4 + 1


def select_evidence(
    query: str,
    query_vec: list[float],
    candidates: list[Candidate],
    sentence_vecs: np.ndarray,
    n: int,
    per_article: int = 3,
    idf: dict[str, float] | None = None,
    mmr_lambda: float = 0.75,
    max_tokens: int | None = None,
    rarest: float | None = None,
    specific_outlets: int = 3,
) -> list[Evidence]:
    """Up to n sentences by relevance (meaning, rare-word overlap, answer type), chosen by maximal
    marginal relevance so two outlets saying the same thing do not take two slots, at most
    per_article from one article, and within max_tokens (estimated, with the outlet/date header
    each passage gets). Who / which / how-many questions first get the specific sentences of up
    to specific_outlets outlets (see specific_first). Numbered 1..n in order of choice."""
    if not candidates:
        return []
    q = np.asarray(query_vec, dtype=np.float32)
    q = q / (np.linalg.norm(q) or 1.0)  # any Embeddings may be passed in, normalised or not
    sims = sentence_vecs @ q
    if idf and rarest is None:
        rarest = max(idf.values(), default=1.0)  # once per question, not per sentence
    relevance = np.array(
        [
            EVIDENCE_WEIGHTS["cosine"] * float(sims[i])
            + EVIDENCE_WEIGHTS["overlap"] * lexical_overlap(query, c.text, idf, rarest)
            + EVIDENCE_WEIGHTS["type"] * answer_type_match(query, c.text)
            for i, c in enumerate(candidates)
        ]
    )
    eligible = [i for i, c in enumerate(candidates) if len(c.text) >= 25]
    picked_idx: list[int] = []
    per: dict[str, int] = defaultdict(int)
    names = [entities(c.text) for c in candidates]
    budget = max_tokens if max_tokens is not None else 1 << 30

    def take(i: int) -> None:
        nonlocal budget
        eligible.remove(i)
        if per[candidates[i].article_id] >= per_article or len(picked_idx) >= n:
            return
        cost = passage_tokens(candidates[i])
        # The best passage always goes in; later ones only if they fit, so a long one is
        # skipped for a shorter one further down rather than ending the selection.
        if picked_idx and cost > budget:
            return
        budget -= cost
        per[candidates[i].article_id] += 1
        picked_idx.append(i)

    # Who / which / how many: every outlet's most specific answer first (see the module note).
    for i in specific_first(query, candidates, relevance, specific_outlets):
        take(i)
    while eligible and len(picked_idx) < n:
        if picked_idx:
            redundancy = (sentence_vecs[eligible] @ sentence_vecs[picked_idx].T).max(axis=1)
            # A sentence that names someone the chosen ones do not is not redundant, however
            # alike it reads: "... Lavrov and Novak" after "... Lavrov." adds Novak.
            seen = set().union(*(names[i] for i in picked_idx))
            novelty = np.array([len(names[i] - seen) / (len(names[i]) or 1) for i in eligible])
            redundancy = redundancy * (1 - novelty)
        else:
            redundancy = np.zeros(len(eligible))
        mmr = mmr_lambda * relevance[eligible] - (1 - mmr_lambda) * redundancy
        take(eligible[int(np.argmax(mmr))])
    out = []
    for rank, i in enumerate(picked_idx, 1):
        c = candidates[i]
        out.append(
            Evidence(
                n=rank,
                article_id=c.article_id,
                title=str(c.meta.get("title", "")),
                outlet=source_label(
                    str(c.meta.get("outlet", "")), c.meta.get("url"), c.meta.get("title")
                ),
                published=str(c.meta.get("published") or "") or None,
                quote=c.text,
                start=c.start,
                end=c.end,
                score=round(float(relevance[i]), 4),
            )
        )
    return out
