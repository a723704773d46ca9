"""Shared by the benchmark's sections: settings of both pipelines, child processes, timing.

Measurements that report memory run in their own spawned process, so the process's peak resident
memory belongs to one pipeline alone: in one process the second pipeline would report the first
one's peak. Spawn, not fork: a forked child would start with the parent's loaded models.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from eval.baseline import Baseline
from eval.metrics import latency_summary
from eval.records import Output, article_lookup, baseline_output
from eval.report import Row
from rag.config import Settings, settings_for

MB = 1024 * 1024


# --- settings and processes -----------------------------------------------------------------


def product_settings(preset: str, backend: str | None, store: Path) -> Settings:
    """The product as configured (preset, environment), on its own store folder."""
    overrides: dict[str, Any] = {"store__path": store}
    if backend:
        overrides["llm__backend"] = backend
    return settings_for(preset, **overrides)


def plain_settings(preset: str) -> Settings:
    """sentence-transformers fp32, the embedder of the plain LangChain pipeline. Under a preset
    whose embedder is fake (the unit tests) the plain one is fake too: no test loads a model."""
    fake = settings_for(preset).embed.backend == "fake"
    return settings_for(preset, embed__backend="fake" if fake else "sentence-transformers")


def peak_rss_mb() -> float:
    """This process's peak resident memory since it started its program.

    Linux keeps ru_maxrss across execve, so in a spawned child getrusage reports at least the
    parent's size at spawn time (a parent holding the LLM would make every child look 1 GB
    heavier). VmHWM belongs to the process's current address space: the child's own peak.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024  # kB
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / MB


def in_child(fn: Callable[..., Any], *args: Any) -> Any:
    """fn(*args) in a fresh spawned process; its return value comes back pickled."""
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        return pool.submit(fn, *args).result()


def dir_mb(path: Path) -> float:
    from rag.store import store_size_bytes

    return store_size_bytes(path) / MB if path.exists() else 0.0


# --- timing ---------------------------------------------------------------------------------


def timed_ms(fn: Callable[[str], object], arg: str) -> float:
    t0 = time.perf_counter()
    fn(arg)
    return (time.perf_counter() - t0) * 1000


def product_retrievers(news: Any) -> dict[str, Callable[[str], object]]:
    """search: what Baseline.retrieve does (embed the query, search), the product's way (query
    expansion, dense + BM25, fusion, diversity); evidence: all an answer waits for before the
    model (search plus evidence-sentence selection, which embeds the candidate sentences)."""
    from rag.retrieve import expand_query

    def search(question: str) -> object:
        query = expand_query(question)
        return news.retriever.search(query, news.embeddings.embed_query(query))

    def evidence(question: str) -> object:
        return news.answerer.gather(question, None)

    return {"product_search": search, "product_evidence": evidence}


def reload_ms(news: Any, question: str) -> float:
    """A later process's first question: a fresh Retriever on the same store loads the saved
    BM25 index instead of building it (what `newsrag ask` pays on each run)."""
    from rag.retrieve import Retriever, expand_query

    fresh = Retriever(news.store, news.settings.retrieval, news.settings.lexical_cache)
    query = expand_query(question)
    return timed_ms(lambda q: fresh.search(q, news.embeddings.embed_query(q)), query)


def retrieval_timings(
    fns: dict[str, Callable[[str], object]], questions: Sequence[str], desc: str
) -> dict[str, dict[str, Any]]:
    """Latency summary per retriever; the first query is a warm-up, timed apart as `first_ms`
    (after an ingest the product rebuilds its BM25 index on it)."""
    from tqdm import tqdm

    out: dict[str, dict[str, Any]] = {}
    for name, fn in fns.items():
        first = timed_ms(fn, questions[0])
        bar = tqdm(questions, desc=f"{desc} {name}", unit="q", leave=False)
        out[name] = {**latency_summary([timed_ms(fn, q) for q in bar]), "first_ms": first}
    return out


def answer_outputs(
    pipeline: str, news: Any, base: Baseline | None, items: Sequence[Row], desc: str
) -> list[Output]:
    """Every item through one pipeline, back to back (llama.cpp reuses the cached prompt prefix
    of the previous call; interleaving pipelines would throw that away)."""
    from tqdm import tqdm

    from eval.rows import ask_product

    lookup = article_lookup(news) if news is not None else None
    outs: list[Output] = []
    for item in tqdm(items, desc=f"{desc} {pipeline}", unit="q", leave=False):
        if pipeline == "product":
            assert lookup is not None
            outs.append(ask_product(news, item, lookup))
        else:
            assert base is not None
            outs.append(baseline_output(base.ask(item["question"])))
    return outs


def answer_summary(outs: Sequence[Output]) -> dict[str, Any]:
    return {
        "first_output_ms": latency_summary([o.first_output_ms for o in outs]),
        "total_ms": latency_summary([o.total_ms for o in outs]),
        # The product abstains without calling the model when nothing is on topic: fast, and
        # counted so a faster median can be told apart from fewer model calls.
        "model_called": sum(o.first_token_ms is not None for o in outs),
        "errors": sum(bool(o.error) for o in outs),
    }


def seconds(ms: float | None) -> float | None:
    return None if ms is None else ms / 1000


def quiet_chat() -> Any:
    """A chat model for stores that are only filled and searched, never asked."""
    from langchain_core.language_models import FakeListChatModel

    return FakeListChatModel(responses=["unused"])


def ingest_bar(desc: str, total: int | None) -> tuple[Any, Callable[[int, int | None, str], None]]:
    """A tqdm bar in articles and the product's ingest progress callback that feeds it (called
    once per article read, with bytes read, so the bar counts the calls)."""
    from tqdm import tqdm

    bar = tqdm(total=total, desc=desc, unit="article", mininterval=0.5, leave=False)

    def progress(_done: int, _total: int | None, _source: str) -> None:
        bar.update()

    return bar, progress
