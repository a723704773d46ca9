"""One question, one row: a question asked of the product (`ask_product`), and an answer of
either pipeline scored against the question's gold data (`score`, `problems`) into the row the
report is built from (`make_row`). Used by `newsrag eval` (eval/run.py), the benchmark and the
rescoring of recorded runs (eval/rescore_seed.py).
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable, Iterable
from typing import Any

from eval import metrics as M
from eval.baseline import unsupported_vs_contexts
from eval.copying import output_copies
from eval.records import Output, error_output, product_output
from eval.report import Row
from rag.schema import NOT_FOUND

# summarize() kinds for the question kinds that ask for a whole-corpus answer.
SUMMARY_KINDS = {"summary": "overview", "timeline": "timeline"}


def _final(events: Iterable[Any]) -> tuple[Any, str]:
    """The verified result (the last event) and the model's raw draft (the Token events)."""
    from rag.schema import Token

    draft: list[str] = []
    final: Any = None
    for event in events:
        if isinstance(event, Token):
            draft.append(event.text)
        else:
            final = event
    if final is None:
        raise RuntimeError("the answer stream ended without a result")
    return final, "".join(draft)


def _focus(fn: Callable[..., Any], item: Row) -> dict[str, str]:
    """Pass the question along if the summarizer takes one (as a title), and an item's
    `topic` (a topic summary). The question itself is never the topic."""
    params = inspect.signature(fn).parameters
    name = next((n for n in ("question", "query", "focus") if n in params), None)
    out = {name: item["question"]} if name else {}
    if item.get("topic") and "topic" in params:
        out["topic"] = str(item["topic"])
    return out


def ask_product(news: Any, item: Row, lookup: Callable[[str], Any]) -> Output:
    """One question through the product; summaries go to summarize() once it exists.

    The streaming entry points are used when present: the Token events are the model's draft,
    which tells a model that said NOT_FOUND apart from a draft the citation check rejected.
    """
    t0 = time.perf_counter()
    try:
        kind = SUMMARY_KINDS.get(str(item.get("kind")))
        if kind and hasattr(news, "summarize"):
            stream = getattr(news, "summarize_stream", None)
            if stream is not None:
                result, draft = _final(stream(kind, **_focus(stream, item)))
            else:
                result, draft = news.summarize(kind, **_focus(news.summarize, item)), ""
        else:
            history = [(str(q), str(a)) for q, a in item.get("history") or []]
            result, draft = _final(news.ask_stream(item["question"], history=history or None))
    except Exception as exc:  # recorded as a failed row: one bug must not end a long run
        return error_output(exc, (time.perf_counter() - t0) * 1000)
    return product_output(result, lookup, (time.perf_counter() - t0) * 1000, draft)


# --- scoring --------------------------------------------------------------------------------


def score(item: Row, out: Output, pipeline: str) -> dict[str, Any]:
    """Every per-row metric; None where a metric does not apply (see eval/README.md)."""
    text, gold, required = out.text, item.get("gold_facts") or [], item.get("required_facts") or []
    answerable = bool(item.get("answerable", True))
    claims = not out.abstained and bool(M.answer_sentences(text))
    if pipeline == "baseline":
        unsupported = unsupported_vs_contexts(text, [t for _, t in out.retrieved])
    else:
        unsupported = M.unsupported_rate(text, out.quotes)
    evidence = item.get("evidence") or []
    recall: float | None = None
    if evidence:
        k = len(out.retrieved)
        recall = M.recall_at_k(out.retrieved, evidence, k) if k else 0.0
    forbidden = item.get("forbidden") or []
    copies = output_copies(out, pipeline) if claims and item.get("kind") in SUMMARY_KINDS else None
    return {
        "abstained": float(out.abstained),
        "abstention_correct": float(M.abstention_correct(out.abstained, answerable)),
        "answer_correct": float(M.answer_correct(text, gold)) if answerable and gold else None,
        "fact_recall": M.fact_recall(text, gold) if answerable and gold else None,
        "required_recall": M.fact_recall(text, required) if answerable and required else None,
        # Citation quality is judged on answers that make claims; an abstention cites nothing.
        "citation_coverage": M.citation_coverage(text) if claims else None,
        "citation_support": M.citation_support(text, out.quotes) if claims else None,
        "gold_citation_accuracy": (
            M.gold_fact_citation_accuracy(text, out.quotes, gold) if claims and gold else None
        ),
        "unsupported_rate": unsupported if claims else None,
        "recall_at_k": recall,
        "forbidden_hit": float(bool(M.forbidden_hits(text, forbidden))) if forbidden else None,
        "quote_exact": None if out.quote_exact is None else float(out.quote_exact),
        # Summary and timeline answers (eval/copying.py): prose sentences and list entries apart.
        "copy_share": copies.share if copies else None,
        "listed_copy_share": copies.listed_share if copies else None,
    }


def problems(item: Row, out: Output, s: dict[str, Any]) -> list[str]:
    """What went wrong, in words, for the failure list in summary.md."""
    found: list[str] = []
    if out.error:
        found.append(f"error {out.error}")
    if item.get("answerable", True) and out.abstained:
        why = out.note or (
            f"citation check dropped: {' | '.join(out.dropped)}"
            if out.dropped
            else f"model draft: {' '.join(out.draft.split())[:200]}"
        )
        found.append(f"abstained on an answerable question ({why})")
    if not item.get("answerable", True) and not out.abstained:
        found.append("answered instead of abstaining")
    if not out.abstained:
        for key, name in (("gold_facts", "missing gold facts"),
                          ("required_facts", "missing required facts")):  # fmt: skip
            missing = [g[0] for g in item.get(key) or []
                       if not M.contains_alias(M.strip_markers(out.text), g)]  # fmt: skip
            if missing:
                found.append(f"{name}: {', '.join(missing)}")
    hits = M.forbidden_hits(out.text, item.get("forbidden") or [])
    if hits:
        found.append(f"forbidden words: {', '.join(hits)}")
    if s["unsupported_rate"]:
        found.append(f"unsupported-sentence rate {s['unsupported_rate']:.2f}")
    if s["recall_at_k"] == 0.0:
        found.append("no gold evidence among the passages the model saw")
    if out.quote_exact is False:
        found.append("a citation quote differs from the stored article text")
    return found


def ground_truth(item: Row) -> str:
    groups = item.get("gold_facts") or item.get("required_facts") or []
    if not item.get("answerable", True):
        return NOT_FOUND
    return "; ".join(g[0] for g in groups)


def make_row(item: Row, out: Output, pipeline: str) -> Row:
    s = score(item, out, pipeline)
    return {
        "id": item.get("id", ""),
        "kind": item.get("kind", ""),
        "question": item["question"],
        "answerable": bool(item.get("answerable", True)),
        "pipeline": pipeline,
        "answer": out.text,
        "abstained": out.abstained,
        "mode": out.mode,
        "note": out.note,
        "error": out.error,
        "citations": out.citations,
        "draft": out.draft,  # the model's words before the citation check (product only)
        "dropped": out.dropped,
        "features": out.features,
        "confidence": out.confidence,
        "retrieved": [{"source": src, "text": t} for src, t in out.retrieved],
        "scores": s,
        "problems": problems(item, out, s),
        "timings": out.timings(),
        "ground_truth": ground_truth(item),
    }
