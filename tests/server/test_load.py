"""Load: many questions at once, through the library (threads) and through the page's HTTP API
(the Gradio queue, one client session per simulated user). Every question must come back, and
come back right: the same answer the question gets when asked alone. Latency percentiles are
printed, never asserted."""

from __future__ import annotations

import html
import re
import statistics
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from rag import Answer, NewsRAG
from rag.config import settings_for
from tests.aio import close_page
from tests.conftest import SEEDS
from tests.server.conftest import server_settings
from tests.server.standins import ChromaServer, free_port

pytestmark = pytest.mark.server

QUESTIONS = {  # question -> a phrase its answer must contain (fake LLM: passage [1], cited)
    "Who greeted Putin at the plane?": "Kim Jong Un",
    "Who is in Putin's delegation with Belousov, Lavrov and Novak?": "Belousov",
    "When did Putin last visit North Korea before this trip?": "2000",
    "What did the Kremlin announce about Putin's visit?": "Kremlin",
}
USERS = 16
ROUNDS = 2  # each simulated user asks this many questions, one after another


def percentiles(samples: list[float]) -> str:
    ordered = sorted(samples)

    def pick(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return (
        f"n={len(ordered)} p50={pick(0.5):.0f}ms p90={pick(0.9):.0f}ms "
        f"p99={pick(0.99):.0f}ms max={ordered[-1]:.0f}ms mean={statistics.fmean(ordered):.0f}ms"
    )


def report(
    capsys: pytest.CaptureFixture[str], what: str, samples: list[float], wall: float
) -> None:
    with capsys.disabled():
        print(f"\n[load] {what}: {percentiles(samples)}; {len(samples) / wall:.1f} questions/s")


def baseline(news: NewsRAG) -> dict[str, str]:
    """Each question asked alone first: what every concurrent answer must equal."""
    out = {}
    for q, phrase in QUESTIONS.items():
        answer = news.ask(q)
        assert answer.mode == "llm" and phrase in answer.text, (q, answer.text)
        out[q] = answer.text
    return out


def hammer(news: NewsRAG) -> tuple[list[tuple[str, Answer | BaseException]], list[float], float]:
    """USERS threads start together; each asks ROUNDS questions. Returns every outcome."""
    questions = list(QUESTIONS)
    gate = threading.Barrier(USERS)
    outcomes: list[tuple[str, Answer | BaseException]] = []
    latencies: list[float] = []
    lock = threading.Lock()

    def user(i: int) -> None:
        gate.wait(timeout=60)
        for r in range(ROUNDS):
            q = questions[(i + r) % len(questions)]
            t0 = time.perf_counter()
            try:
                result: Answer | BaseException = news.ask(q)
            except BaseException as exc:  # recorded, then asserted on: nothing may be lost
                result = exc
            with lock:
                latencies.append((time.perf_counter() - t0) * 1000)
                outcomes.append((q, result))

    t0 = time.perf_counter()
    with ThreadPoolExecutor(USERS) as pool:
        list(pool.map(user, range(USERS)))
    return outcomes, latencies, time.perf_counter() - t0


@pytest.fixture(params=["embedded", "chroma-server"])
def loaded_news(
    request: pytest.FixtureRequest, tmp_path: Path, chroma: ChromaServer
) -> Iterator[NewsRAG]:
    if request.param == "embedded":
        settings = settings_for("fake", data_dir=tmp_path)
    else:
        settings = server_settings(tmp_path, chroma.port)
    news = NewsRAG(settings)
    assert len(news.ingest([SEEDS]).added) == 5
    yield news


def test_concurrent_questions_through_the_library(
    loaded_news: NewsRAG, request: pytest.FixtureRequest, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = baseline(loaded_news)
    outcomes, latencies, wall = hammer(loaded_news)
    assert len(outcomes) == USERS * ROUNDS, "a question was lost"
    errors = [(q, r) for q, r in outcomes if not isinstance(r, Answer)]
    assert not errors, errors[:3]
    for q, answer in outcomes:
        assert isinstance(answer, Answer)
        assert answer.question == q and answer.text == expected[q], (q, answer.text)
    report(capsys, f"library, {request.node.callspec.id}, {USERS} threads", latencies, wall)


def plain(text: str) -> str:
    """Answer text without citation markers or spacing differences, for comparison."""
    text = re.sub(r"\s*\[\d+\]", "", text)
    return re.sub(r"\s+([.,;:])", r"\1", " ".join(text.split()))


def page_answers(transcript: str) -> list[str]:
    """The answers in a transcript, as plain text (the page shows markers as buttons)."""
    out = []
    for block in re.findall(r'class="answer-text">(.*?)</div>', transcript, re.S):
        block = re.sub(r'<span class="marks">.*?</span>', "", block, flags=re.S)
        out.append(plain(html.unescape(re.sub(r"<[^>]+>", "", block))))
    return out


def test_concurrent_questions_through_the_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    from gradio_client import Client

    import app

    news = NewsRAG(settings_for("fake", data_dir=tmp_path, server__concurrency=4))
    assert len(news.ingest([SEEDS]).added) == 5
    expected = {q: plain(t) for q, t in baseline(news).items()}
    blocks = app.build(news)
    port = free_port()
    blocks.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    try:
        url = f"http://127.0.0.1:{port}/"
        clients = [
            Client(url, verbose=False, analytics_enabled=False, download_files=False)
            for _ in range(USERS)
        ]  # one session each: sixteen people, not one person in sixteen tabs
        questions = list(QUESTIONS)
        tab = (news.settings.citations.mode, news.settings.retrieval.evidence_sentences)
        latencies: list[float] = []
        results: list[tuple[int, str, str]] = []
        lock = threading.Lock()
        gate = threading.Barrier(USERS)

        def user(i: int) -> None:
            gate.wait(timeout=60)
            for r in range(ROUNDS):
                q = questions[(i + r) % len(questions)]
                t0 = time.perf_counter()
                # /respond is the page's own event, left out of the API docs: the client
                # does not know its defaults, so the tab's settings are passed as the page does
                out = clients[i].submit(q, *tab, api_name="/respond").result(timeout=300)
                with lock:
                    latencies.append((time.perf_counter() - t0) * 1000)
                    results.append((i, q, str(out[0])))

        t0 = time.perf_counter()
        with ThreadPoolExecutor(USERS) as pool:
            list(pool.map(user, range(USERS)))
        wall = time.perf_counter() - t0
    finally:
        close_page(blocks)
    assert len(results) == USERS * ROUNDS, "a question was lost"
    for i, q, transcript in results:
        # Each session's transcript holds its own questions only, each answered as when alone.
        own = {questions[(i + r) % len(questions)] for r in range(ROUNDS)}
        asked = {x for x in QUESTIONS if html.escape(x) in transcript}
        assert q in asked and asked <= own, (i, asked, own)
        answers = page_answers(transcript)
        assert answers and answers[-1] == expected[q], (q, answers, expected[q])
    report(capsys, f"page /respond over HTTP, {USERS} sessions", latencies, wall)
