"""Citations are checked, not trusted.

The model's answer is split into sentences. Each sentence is scored against the passages it cites:
every entity and number it names must appear there, and its content words and meaning (embedding
similarity) must overlap. A wrong citation number is repaired when another passage supports the
sentence; a sentence nothing supports is dropped (strict) or marked (lenient). Final markers are
renumbered 1..m in order of first use, each pointing at an exact quote of an article.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.embed import embed_matrix
from rag.schema import NOT_FOUND, Citation, Evidence
from rag.text import (
    content_words,
    entities,
    name_variants,
    normalize,
    numbers,
    sentence_spans,
    words,
)

MARKER = re.compile(r"\s*\[(\d+(?:\s*,\s*\d+)*)\]")
UNSUPPORTED_MARK = "[unsupported]"
_ABSTAIN_HINTS = (
    normalize(NOT_FOUND).rstrip("."),
    "do not contain the answer",
    "does not contain the answer",
    "do not contain information",
    "does not contain information",
    "not mentioned in the passages",
    "passages do not",
    "no information",
    "i don't know",
    "cannot be determined",
)


def looks_like_abstention(text: str) -> bool:
    low = normalize(text)
    return any(h in low for h in _ABSTAIN_HINTS)


def markers(sentence: str) -> list[int]:
    return [int(n) for group in MARKER.findall(sentence) for n in re.split(r"\s*,\s*", group)]


def strip_markers(sentence: str) -> str:
    return MARKER.sub("", sentence).strip()


def answer_sentences(text: str) -> list[str]:
    """Sentences with their markers; a marker-only fragment ("[2].") joins the sentence before."""
    out: list[str] = []
    for a, b in sentence_spans(text):
        piece = text[a:b]
        lead = re.match(r"^(\s*\[\d+(?:\s*,\s*\d+)*\])+", piece)
        if out and lead:  # "went. [1] Novak ...": the leading marker cites the sentence before
            out[-1] = f"{out[-1]} {lead.group().strip()}"
            piece = piece[lead.end() :].strip()
            if not piece:
                continue
        if out and not strip_markers(piece).strip(" .;,:!?-"):
            # Punctuation with markers ("North Korea. ,,,,, [2]", seen from the real model): the
            # markers cite the sentence before; the stray punctuation is noise, not text.
            cited = re.findall(r"\[\d+(?:\s*,\s*\d+)*\]", piece)
            if cited:
                out[-1] = f"{out[-1]} {' '.join(cited)}"
        else:
            out.append(piece)
    return out


def _has_term(term: str, passage_norm: str) -> bool:
    """A name or number is present as a whole phrase ("sun-hee" -> "sun hee"). No stemming:
    "Russian leader" does not support "Russia visited", and the eval's support metric
    (eval/metrics.py) uses the same whole-word rule, so what the check keeps, the metric keeps."""
    parts = _bare(words(term)) or [term]
    return f" {' '.join(parts)} " in passage_norm


def _bare(tokens: list[str]) -> list[str]:
    """Possessives off ("putin's" -> "putin"), as the eval's support metric reads them."""
    return [t.removesuffix("'s") for t in tokens]


def shown_passage(e: Evidence | Citation) -> str:
    """A passage as the model saw it, "outlet, date: quote" (see rag.answer.format_passages):
    a year or outlet the answer took from that label is supported by the passage's metadata."""
    label = ", ".join(x for x in (e.outlet, e.published) if x)
    return f"{label}: {e.quote}" if label else e.quote


def entity_coverage(claim: str, passages: list[str]) -> tuple[float, list[str]]:
    """Share of the claim's entities and numbers found in the passages, and the missing ones."""
    terms = sorted(entities(claim) | numbers(claim))
    if not terms:
        return 1.0, []
    joined = " ".join(passages)
    joined = f"{joined} {name_variants(joined)}"  # "the US" supports "the United States"
    norm = f" {' '.join(_bare(words(joined)))} {' '.join(sorted(numbers(joined)))} "
    missing = [t for t in terms if not _has_term(t, norm)]
    return 1 - len(missing) / len(terms), missing


def relation_coverage(claim: str, passages: list[str]) -> float:
    """Share of the claim's content words that are not part of a name, found in the passages:
    what the claim says about the names ("greeted", "plane"), not the names themselves."""
    names = {w for e in entities(claim) for w in content_words(e)}
    rest = content_words(claim) - names
    if not rest:
        return 1.0
    return len(rest & content_words(" ".join(passages))) / len(rest)


def word_coverage(claim: str, passages: list[str]) -> float:
    cw = content_words(claim)
    if not cw:
        return 1.0
    return len(cw & content_words(" ".join(passages))) / len(cw)


@dataclass
class SentenceCheck:
    text: str  # without markers
    cited: list[int]  # evidence numbers after repair
    score: float
    supported: bool
    repaired: bool = False
    missing: list[str] = field(default_factory=list)


@dataclass
class Verified:
    text: str
    citations: list[Citation]
    abstained: bool
    checks: list[SentenceCheck]
    dropped: list[str]


class CitationChecker:
    def __init__(
        self, embeddings: Embeddings | None, min_support: float = 0.5, strict: bool = True
    ) -> None:
        self.embeddings = embeddings
        self.min_support = min_support
        self.strict = strict

    def _sims(self, claims: list[str], evidence: list[Evidence]) -> np.ndarray:
        """Cosine similarity claim x passage; zeros without an embedder."""
        if self.embeddings is None or not claims or not evidence:
            return np.zeros((len(claims), len(evidence)), dtype=np.float32)
        vecs = embed_matrix(self.embeddings, claims + [e.quote for e in evidence])
        return vecs[: len(claims)] @ vecs[len(claims) :].T

    def score(self, claim: str, passages: list[str], sim: float) -> tuple[float, list[str]]:
        """Under 0.5 when a name or number of the claim is missing from the passages. Otherwise
        what the claim says beyond its names must be there too: in the passages' words, or close
        in meaning (MiniLM cosine). Measured on the seeds, faithful paraphrases ("Belousov,
        Lavrov and Novak travelled with Putin" vs "Putin's delegation includes ...") score
        cosine >= 0.73, while claims inventing the relation ("Putin gave Kim a gift", "signed a
        treaty") score 0.48-0.63 with none of their words present; 0.68 maps to the 0.5 line."""
        ent, missing = entity_coverage(claim, passages)
        if missing:  # below any threshold, but ranked by coverage so a greedy cover can grow
            return 0.49 * ent, missing
        return max(relation_coverage(claim, passages), min(1.0, max(0.0, (sim - 0.38) / 0.6))), []

    def _best_support(
        self, claim: str, evidence: list[Evidence], sims: np.ndarray
    ) -> tuple[list[int], float, list[str]]:
        """Greedy cover: the passage that explains most of the claim, then others for what is
        still missing (a list of names can come from several outlets). At most three."""
        order = sorted(range(len(evidence)), key=lambda j: -sims[j])
        chosen: list[int] = []
        best = (0.0, ["?"])
        for _ in range(3):
            trial = max(
                (
                    (
                        self.score(
                            claim,
                            [shown_passage(evidence[x]) for x in chosen + [j]],
                            float(max(sims[x] for x in chosen + [j])),
                        ),
                        j,
                    )
                    for j in order
                    if j not in chosen
                ),
                key=lambda t: t[0][0],
                default=None,
            )
            if trial is None or trial[0][0] <= best[0]:
                break
            best = trial[0]
            chosen.append(trial[1])
            # Stop once covered; a passage that has every name but not the relation ("met ...
            # Choi Sun-hee" for "visited for three days") still needs the one that has it.
            if not best[1] and best[0] >= self.min_support:
                break
        return [evidence[j].n for j in chosen], best[0], best[1]

    def _needed(
        self,
        claim: str,
        cited: list[int],
        by_n: dict[int, Evidence],
        sims: np.ndarray,
        evidence: list[Evidence],
    ) -> list[int]:
        """Keep a cited passage if it supports the claim alone (corroboration) or if the claim is
        no longer covered without it; a passage that adds nothing is not a citation."""
        col = {e.n: j for j, e in enumerate(evidence)}

        def ok(ns: list[int]) -> bool:
            s, miss = self.score(
                claim, [shown_passage(by_n[n]) for n in ns], float(max(sims[col[n]] for n in ns))
            )
            return s >= self.min_support and not miss

        alone = [n for n in cited if ok([n])]
        if alone:
            return alone
        kept = list(cited)
        for n in cited:
            rest = [m for m in kept if m != n]
            if rest and ok(rest):
                kept = rest
        return kept

    def check(self, answer: str, evidence: list[Evidence]) -> Verified:
        if not answer.strip() or looks_like_abstention(answer):
            return Verified(NOT_FOUND, [], True, [], [])
        by_n = {e.n: e for e in evidence}
        raw = answer_sentences(answer)
        claims = [strip_markers(s) for s in raw]
        sims = self._sims(claims, evidence)
        checks: list[SentenceCheck] = []
        for i, (sentence, claim) in enumerate(zip(raw, claims, strict=True)):
            if not claim.strip(" .;,-"):
                continue
            cited = [n for n in dict.fromkeys(markers(sentence)) if n in by_n]
            cols = [j for j, e in enumerate(evidence) if e.n in cited]
            score, missing = (
                self.score(
                    claim, [shown_passage(by_n[n]) for n in cited], float(sims[i, cols].max())
                )
                if cited
                else (0.0, ["(no citation)"])
            )
            check = SentenceCheck(
                claim, cited, score, score >= self.min_support and not missing, missing=missing
            )
            if check.supported and len(cited) > 1:
                check.cited = self._needed(claim, cited, by_n, sims[i], evidence)
            if not check.supported and evidence:
                better, b_score, b_missing = self._best_support(claim, evidence, sims[i])
                if b_score >= self.min_support and not b_missing:
                    check = SentenceCheck(claim, better, b_score, True, repaired=True)
            checks.append(check)
        return self._assemble(checks, by_n)

    def _assemble(self, checks: list[SentenceCheck], by_n: dict[int, Evidence]) -> Verified:
        kept = [c for c in checks if c.supported or not self.strict]
        dropped = [c.text for c in checks if not c.supported and self.strict]
        if not any(c.supported for c in kept):
            return Verified(NOT_FOUND, [], True, checks, [c.text for c in checks])
        renumber: dict[int, int] = {}
        support: dict[int, list[float]] = {}
        parts = []
        for c in kept:
            for n in c.cited:
                renumber.setdefault(n, len(renumber) + 1)
                support.setdefault(n, []).append(c.score if c.supported else 0.0)
            body = c.text.rstrip()
            tail = ""
            if body and body[-1] in ".!?":
                body, tail = body[:-1], body[-1]
            marks = "".join(f"[{renumber[n]}]" for n in c.cited)
            flag = "" if c.supported else f" {UNSUPPORTED_MARK}"
            parts.append(f"{body} {marks}{flag}{tail}".replace("  ", " ").strip())
        citations = [
            Citation.from_evidence(
                by_n[old], new, max(support[old]) >= self.min_support, round(max(support[old]), 3)
            )
            for old, new in renumber.items()
        ]
        return Verified(" ".join(parts), citations, False, checks, dropped)


_GROUP = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")


def renumber_markers(
    text: str, by_n: dict[int, Citation]
) -> tuple[str, list[Citation], dict[int, int]]:
    """Markers renumbered 1..m in order of first use; citations no sentence uses are gone. Also
    the old number -> new number map."""
    order: dict[int, int] = {}

    def sub(m: re.Match[str]) -> str:
        nums = [int(x) for x in re.split(r"\s*,\s*", m.group(1)) if int(x) in by_n]
        for n in nums:
            order.setdefault(n, len(order) + 1)
        return "".join(f"[{order[n]}]" for n in nums)

    text = _GROUP.sub(sub, text)
    return text, [replace(by_n[old], n=new) for old, new in order.items()], order
