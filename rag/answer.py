"""Question -> verified, cited answer.

condense follow-up -> retrieve -> evidence sentences -> relevance gate -> generate (stream) ->
verify citations -> answer, or the extractive fallback, or the plain NOT_FOUND sentence.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage, SystemMessage

from rag import prompts
from rag.cite import CitationChecker, Verified, looks_like_abstention, strip_markers
from rag.config import Settings
from rag.decide import features, load_calibration, token_logprobs
from rag.embed import embed_matrix
from rag.evidence import select_evidence
from rag.filters import Filters
from rag.injection import is_injection
from rag.llm import LlamaCppChat
from rag.retrieve import Candidate, Hit, Retriever, candidate_sentences, expand_query
from rag.schema import NOT_FOUND, Answer, Citation, Evidence, SourceConflict, Timings, Token

History = Sequence[tuple[str, str]]
MAX_QUESTION_CHARS = 2000

_DEPENDENT = re.compile(
    r"^(and|but|also|what about|how about|so)\b|\b(he|him|his|she|her|they|them|their|it|its|"
    r"that|those|this|these|there|else)\b",
    re.IGNORECASE,
)


def answer_system_prompt() -> str:
    """The system prompt of every answer call: the same text each time, so llama.cpp's cached
    prefix covers it."""
    return prompts.render("answer_system", not_found=NOT_FOUND)


class QuestionError(ValueError):
    """A question that cannot be asked: empty, or too long."""


def check_question(question: str) -> str:
    q = " ".join(str(question or "").split())
    if not q:
        raise QuestionError("the question is empty")
    if len(q) > MAX_QUESTION_CHARS:
        raise QuestionError(
            f"the question is {len(q):,} characters long; the limit is {MAX_QUESTION_CHARS:,}"
        )
    return q


def format_passages(evidence: list[Evidence]) -> str:
    lines = []
    for e in evidence:
        source = ", ".join(x for x in (e.outlet, e.published) if x) or "unknown source"
        lines.append(f"[{e.n}] {source}: {' '.join(e.quote.split())}")
    return "\n".join(lines)


def extractive_answer(evidence: list[Evidence], n: int = 2) -> tuple[str, list[Citation]]:
    """The best evidence sentences, quoted and cited: the answer when the model cannot give one."""
    picked = evidence[:n]
    text = " ".join(f"“{' '.join(e.quote.split())}” [{i}]" for i, e in enumerate(picked, 1))
    cites = [Citation.from_evidence(e, i) for i, e in enumerate(picked, 1)]
    return text, cites


class Answerer:
    def __init__(
        self,
        settings: Settings,
        retriever: Retriever,
        embeddings: Embeddings,
        chat_model: Callable[[], BaseChatModel],
    ) -> None:
        self.settings = settings
        self.retriever = retriever
        self.embeddings = embeddings
        self._chat_model = chat_model  # built lazily: loading the LLM is slow
        self.checker = CitationChecker(
            embeddings, settings.citations.min_support, settings.citations.mode == "strict"
        )

    # -- steps ---------------------------------------------------------------------------------

    def condense(self, question: str, history: History | None) -> str:
        """A standalone question for retrieval; only questions leaning on the chat are rewritten."""
        if not history or not _DEPENDENT.search(question):
            return question
        recent = list(history)[-3:]
        chat = "\n".join(f"User: {q}\nAssistant: {strip_markers(a)}" for q, a in recent)
        try:
            reply = self._chat_model().invoke(
                [
                    SystemMessage(prompts.render("condense_system")),
                    HumanMessage(prompts.render("condense_user", history=chat, question=question)),
                ],
                max_tokens=60,
            )
            rewritten = str(reply.content).strip().splitlines()[0].strip(" \"'")
        except Exception:
            rewritten = ""
        if not rewritten or looks_like_abstention(rewritten) or len(rewritten) > 400:
            # Without a usable rewrite, carry the previous question's words along for retrieval.
            rewritten = f"{recent[-1][0]} {question}"
        return rewritten

    def gather(
        self, question: str, filters: Filters | None, n: int | None = None
    ) -> tuple[list[Hit], list[Evidence]]:
        """The chunks retrieved, and the passages chosen from them for the model: as many as the
        settings give within their token budget, or with `n`, up to n passages and no budget (a
        caller writing its own prompt decides how long it may be)."""
        query = expand_query(question)
        query_vec = self.embeddings.embed_query(query)
        hits = self.retriever.search(query, query_vec, filters)
        # Ingest drops text addressed to a model; this catches what stores written before that
        # (or by an older filter) still hold. An article is data: its instructions never reach
        # the prompt.
        candidates: list[Candidate] = [
            c for c in candidate_sentences(hits) if not is_injection(c.text)
        ]
        if not candidates:
            return hits, []
        vecs = embed_matrix(self.embeddings, [c.text for c in candidates])
        idf, rarest = self.retriever.idf()
        return hits, select_evidence(
            query,
            query_vec,
            candidates,
            vecs,
            self.settings.retrieval.evidence_sentences if n is None else n,
            idf=idf,
            max_tokens=self.settings.retrieval.evidence_tokens if n is None else None,
            rarest=rarest,
            specific_outlets=self.settings.retrieval.specific_outlets,
            mmr_lambda=self.settings.retrieval.mmr_lambda,
        )

    def relevant(self, question: str, evidence: list[Evidence]) -> bool:
        """Gate before the model: is there anything on the question's topic at all?"""
        if not evidence:
            return False
        return max(e.score for e in evidence) >= self.settings.retrieval.min_relevance

    def _draft(self, evidence: list[Evidence], question: str) -> Iterator[tuple[str, list[float]]]:
        """The model's answer from the numbered passages, piece by piece, with the token
        log-probabilities of each piece when the backend gives them."""
        messages = [
            SystemMessage(answer_system_prompt()),
            HumanMessage(
                prompts.render("answer_user", passages=format_passages(evidence), question=question)
            ),
        ]
        model = self._chat_model()
        extra = logprob_kwargs(model)
        started = False
        try:
            for chunk in model.stream(messages, **extra):
                started = True
                yield str(chunk.content), token_logprobs(chunk.response_metadata)
        except Exception:
            # A server that refuses `logprobs` (llama-cpp-python's, without logits_all) fails
            # before the first token: ask again without it; the decision imputes the signal.
            if started or not extra:
                raise
            for chunk in model.stream(messages):
                yield str(chunk.content), []

    # -- the whole flow --------------------------------------------------------------------------

    def stream(
        self, question: str, history: History | None = None, filters: Filters | None = None
    ) -> Iterator[Token | Answer]:
        t0 = time.perf_counter()
        question = check_question(question)
        standalone = self.condense(question, history)
        hits, evidence = self.gather(standalone, filters)
        t_retrieved = time.perf_counter()
        retrieve_ms = (t_retrieved - t0) * 1000
        draft, first = "", None
        signals: dict[str, float | None] = {}

        def done(
            text: str,
            cites: list[Citation],
            mode: str,
            note: str = "",
            dropped: list[str] | None = None,
            confidence: float | None = None,
        ) -> Answer:
            abstained = mode == "abstain"
            conflicts: list[SourceConflict] = []
            if not abstained:
                # Imported here: rag.disagree reads rag.summarize, which imports this module.
                from rag.disagree import reconcile

                # Said after the checks: where the outlets disagree on what was asked, every
                # value with its sources, and no lone claim stated as fact.
                text, cites, conflicts = reconcile(standalone, text, cites, evidence)
            return Answer(
                question=question,
                text=NOT_FOUND if abstained else text,
                citations=[] if abstained else cites,
                abstained=abstained,
                timings=Timings(
                    round(retrieve_ms, 1),
                    None if first is None else round((first - t0) * 1000, 1),
                    round((time.perf_counter() - t0) * 1000, 1),
                ),
                mode=mode,  # type: ignore[arg-type]
                note=note,
                evidence=evidence,
                dropped=dropped or [],
                reason=note if abstained else "",
                draft=draft,
                confidence=confidence,
                retrieved=[h.text for h in hits],
                features=signals,
                conflicts=conflicts,
            )

        if not self.relevant(standalone, evidence):
            yield done("", [], "abstain", NOTHING_ON_TOPIC)
            return

        logprobs: list[float] = []
        deadline = t0 + self.settings.llm.timeout_s
        try:
            for piece, lps in self._draft(evidence, standalone):
                logprobs += lps
                if not piece:
                    continue
                first = first or time.perf_counter()
                draft += piece
                yield Token(piece)
                if time.perf_counter() > deadline:
                    raise TimeoutError(
                        f"no complete answer within {self.settings.llm.timeout_s:g} s"
                    )
        except Exception as exc:  # the model is down, timed out or failed: quote the evidence
            text, cites = extractive_answer(evidence)
            note = (
                f"The language model could not answer ({type(exc).__name__}: {exc}). "
                "These are the most relevant passages from the articles, quoted."
            )
            yield done(text, cites, "extractive", note)
            return

        if looks_like_abstention(draft):
            yield done("", [], "abstain", MODEL_FOUND_NONE)
            return
        verified = self.checker.check(draft, evidence)
        if verified.abstained:
            yield done("", [], "abstain", unsupported_reason(draft, verified), verified.dropped)
            return
        calibration = load_calibration()
        signals.update(features(standalone, evidence, verified, logprobs))
        p = calibration.probability(signals)
        threshold = self.settings.citations.min_confidence
        threshold = calibration.threshold if threshold is None else threshold
        if p < threshold:
            note = (
                f"The draft answer ({short(strip_markers(verified.text))}) is too likely to be "
                f"wrong: confidence {p:.2f}, below the {threshold:.2f} needed."
            )
            yield done("", [], "abstain", note, verified.dropped, round(p, 3))
            return
        yield done(verified.text, verified.citations, "llm", "", verified.dropped, round(p, 3))


NOTHING_ON_TOPIC = "No passage in the articles is on this topic."
MODEL_FOUND_NONE = "The model found no answer in the closest passages."


def short(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return f"“{text if len(text) <= limit else text[: limit - 1] + '…'}”"


def unsupported_reason(draft: str, verified: Verified) -> str:
    """Why a draft failed the citation check, naming what no passage supports, as written."""
    plain = strip_markers(draft)
    spans: set[tuple[int, int]] = set()
    for check in verified.checks:
        for term in check.missing:
            found = re.search(rf"\b{re.escape(term)}\b", plain, re.IGNORECASE)
            if found:
                spans.add(found.span())
    # In the draft's order, and a name's parts as one: "Vladimir Putin", not "Putin, Vladimir".
    merged: list[list[int]] = []
    for a, b in sorted(spans):
        if merged and not plain[merged[-1][1] : a].strip():
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    named = list(dict.fromkeys(plain[a:b] for a, b in merged))
    if named:
        return f"The answer named {', '.join(named[:3])}, which no passage supports."
    return f"No passage supports the draft answer {short(plain)}."


def logprob_kwargs(model: BaseChatModel) -> dict[str, Any]:
    """Ask for token log-probabilities where the backend takes the OpenAI `logprobs` flag: the
    in-process llama.cpp model and any OpenAI-compatible server. Others give none, and the
    decision uses its training mean for them."""
    if isinstance(model, LlamaCppChat):
        return {"logprobs": True}
    try:
        from langchain_openai import ChatOpenAI
    except ImportError:  # pragma: no cover - a dependency
        return {}
    return {"logprobs": True} if isinstance(model, ChatOpenAI) else {}
