"""A question's or summary's events, run beside the page so that its progress shows.

A summary spends most of its time before its first token: reading the articles, grouping them
into stories, choosing the sentences to write from. The library reports those stages through a
`progress(done, total, stage)` callback, called from deep inside its generator, and a Gradio
handler can only redraw when it yields. So the library's generator runs in a worker thread, and
its events and its progress calls go into one queue that the handler drains: a progress step is
an event like a token, and a quiet second is one too (`None`), so the elapsed time moves on the
page while one long step runs.
"""

from __future__ import annotations

import queue
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import cast

from rag import Answer, NewsRAG, Token

Progress = Callable[[int, int, str], None]  # (done, total, stage), as rag.summarize reports it
TICK_S = 1.0  # a quiet stream still redraws this often: the elapsed seconds move


@dataclass(frozen=True)
class Step:
    """One progress report of the library: `done` of `total` steps, now doing `stage`."""

    done: int
    total: int
    stage: str


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_END = object()


def live(
    start: Callable[[Progress], Iterable[Token | Answer]], tick_s: float = TICK_S
) -> Iterator[Token | Answer | Step | None]:
    """The events of `start(progress)` as they come, a Step for every progress call, and None
    after each quiet `tick_s`. An exception of the stream is raised here, in the caller's thread.
    Closing this generator (the page was left) stops the stream at its next event."""
    inbox: queue.Queue[object] = queue.Queue()
    stop = threading.Event()

    def progress(done: int, total: int, stage: str) -> None:
        inbox.put(Step(done, total, stage))

    def work() -> None:
        events = None
        try:
            events = iter(start(progress))
            for event in events:
                inbox.put(event)
                if stop.is_set():
                    break
        except BaseException as exc:  # handed to the page, which shows a message
            inbox.put(_Failed(exc))
        finally:
            close = getattr(events, "close", None)
            if stop.is_set() and close is not None:
                close()
            inbox.put(_END)

    threading.Thread(target=work, name="newsrag-live", daemon=True).start()
    try:
        while True:
            try:
                item = inbox.get(timeout=tick_s)
            except queue.Empty:
                yield None
                continue
            if item is _END:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield cast("Token | Answer | Step", item)
    finally:
        stop.set()


def status_line(step: Step | None, elapsed_s: float, waiting: str) -> str:
    """What the page says is happening (plain text: the page escapes it). `waiting`: what to
    say before the library's first step ("Searching the articles…")."""
    if step is None:
        text = waiting
    else:
        stage = step.stage.strip() or "working"
        stage = "finishing" if stage.lower() == "done" else stage  # the answer is moments away
        text = stage[:1].upper() + stage[1:]
        # "Writing sentence 2 of 8" counts on its own; other stages get the step count.
        if step.total and " of " not in stage and step.done < step.total:
            text += f" (step {step.done + 1} of {step.total})"
        text += "…"
    seconds = int(elapsed_s)
    return f"{text} {seconds} s" if seconds >= 1 else text


def prepare_summaries(news: NewsRAG) -> threading.Thread:
    """After an ingest, embed the sentences the next overview reads in a background thread (a
    week of news: ~5 s on 2 cores), so the summary asked next does not wait for them. A failure
    is printed, never raised: the summary then computes its own."""

    def run() -> None:
        try:
            news.prepare_summaries()
        except Exception as exc:  # the page must not go down for an optimisation
            print(f"Preparing summaries failed: {type(exc).__name__}: {exc}", file=sys.stderr)

    thread = threading.Thread(target=run, name="prepare-summaries", daemon=True)
    thread.start()
    return thread
