"""The chat page's event handlers, over one `rag.NewsRAG` shared by every browser tab.

`app.py` lays the page out and wires these to its components; every piece of HTML comes from
`ui.render`, which escapes every article-, file- and user-derived string.
"""

from __future__ import annotations

import copy
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

import gradio as gr

from rag import Answer, Filters, NewsRAG, Token
from rag.answer import Answerer, QuestionError
from rag.indexer import Pace
from ui import render
from ui.live import Step, live, prepare_summaries, status_line
from ui.render import Turn

EXAMPLES = (
    "Who greeted Putin at the plane?",
    "Who travelled with Putin to North Korea?",
    "What did Russia and North Korea sign?",
)
SUMMARIES = {  # button, what the chat shows as the request
    "overview": ("Overview", "Overview of {}"),
    "timeline": ("Timeline", "Timeline of {}"),
    "compare": ("Compare", "How the outlets compare, across {}"),
}
_MB = 1024 * 1024
_STREAM_EVERY_S = 0.08  # re-render the transcript at most this often while tokens stream

Out = tuple[Any, ...]


def safe_name(name: str) -> str | None:
    """The base name of an uploaded file, or None when nothing usable is left. Folders in the
    name ("../../x.txt", "..\\x.txt") are dropped: only the base name is ever used."""
    base = re.split(r"[\\/]", name)[-1]
    base = re.sub(r"[\x00-\x1f\x7f]", "", base).strip().lstrip(".").strip()
    return base[:200] or None


def _event(evt: gr.EventData, key: str, default: Any = None) -> Any:
    return getattr(evt, key, default)


def _int(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


class Page:
    """The handlers, over one NewsRAG shared by every browser tab."""

    def __init__(self, news: NewsRAG, bundled: Path | None = None) -> None:
        self.news = news
        self.bundled = bundled  # the sample articles' folder: their example questions are shown
        self.max_mb = news.settings.server.max_upload_mb
        self.can_summarize = hasattr(news, "summarize")
        self.ingest_lock = threading.Lock()  # uploads and the HTTP API's /ingest, one at a time
        self._views: dict[tuple[str, int], NewsRAG] = {}
        self._views_lock = threading.Lock()

    def count(self) -> int:
        return self.news.store.count()[0]

    def has_examples(self) -> bool:
        folder = self.bundled
        names = {p.name for p in folder.glob("*")} if folder and folder.is_dir() else set()
        return any(Path(render.source_file(a.source)).name in names for a in self.news.articles())

    def sources(self, scope: Sequence[str]) -> str:
        return render.sources(self.news.articles(), scope)

    def on_load(self) -> Out:
        n = self.count()
        return (
            self.sources([]),
            render.transcript([], n),
            render.scope_note([], n),
            gr.update(visible=self.has_examples()),
        )

    # -- questions -----------------------------------------------------------------------------

    def _for_request(self, mode: str, evidence: int) -> NewsRAG:
        """The NewsRAG to ask with this tab's settings.

        One NewsRAG serves every tab, so flipping its checker or settings in place would change
        an answer another tab is getting at that moment (and a lock around every question would
        serialise them all). Instead a tab whose settings differ asks through a view: a shallow
        copy sharing the store, retriever, embedder and LLM, with its own settings and Answerer
        (cheap: no model load). Going through `ask_stream` keeps the library's routing (e.g.
        "give me a timeline" -> a summary). TODO: a per-call option of ask_stream would do.
        """
        s = self.news.settings
        if mode == s.citations.mode and evidence == s.retrieval.evidence_sentences:
            return self.news
        with self._views_lock:
            view = self._views.get((mode, evidence))
            if view is None:
                self.news.chat_model()  # built once, before copying, so every view shares it
                scoped = s.model_copy(
                    update={
                        "citations": s.citations.model_copy(update={"mode": mode}),
                        "retrieval": s.retrieval.model_copy(
                            update={"evidence_sentences": evidence}
                        ),
                    }
                )
                view = copy.copy(self.news)
                view.settings = scoped
                view.answerer = Answerer(
                    scoped, self.news.retriever, self.news.embeddings, self.news.chat_model
                )
                self._views[(mode, evidence)] = view
            return view

    def respond(
        self, question: str, turns: list[Turn], scope: list[str], mode: str, evidence: float
    ) -> Iterator[Out]:
        """Outputs: transcript, turns, question box, examples row."""
        question = (question or "").strip()
        if not question:
            yield gr.skip(), gr.skip(), gr.skip(), gr.skip()
            return
        turns = list(turns or [])
        history = [(t.question, t.answer.text) for t in turns if t.answer is not None]
        turn = Turn(question, status="Searching the articles…")
        turns.append(turn)
        n = self.count()
        hide = gr.update(visible=False)
        yield render.transcript(turns, n), turns, "", hide
        filters = Filters(article_ids=tuple(scope)) if scope else None
        news = self._for_request(mode, int(evidence))
        # A message the library routes to a summary reports its progress like the buttons do.
        events = live(
            lambda progress: news.ask_stream(question, history, filters, progress=progress)
        )
        try:
            for html in self._play(turn, turns, n, events):
                yield html, turns, gr.skip(), hide
        except QuestionError as exc:
            turn.error = f"{str(exc).capitalize()}."
            turns.pop()
            yield render.transcript(turns + [turn], n), turns, question, hide
            return
        yield render.transcript(turns, n), turns, gr.skip(), hide

    def _play(
        self, turn: Turn, turns: list[Turn], n: int, events: Iterator[Token | Answer | Step | None]
    ) -> Iterator[str]:
        """Run a question's or summary's events (from `live`) into `turn`, yielding the
        transcript on every progress step, every quiet second, and now and then while tokens
        stream. A QuestionError propagates; anything else becomes a message."""
        t0 = shown = time.monotonic()
        waiting = turn.status
        step: Step | None = None
        try:
            for event in events:
                if isinstance(event, Answer):
                    turn.answer, turn.status = event, ""
                    return
                if isinstance(event, Step):
                    step = event
                elif isinstance(event, Token):
                    turn.draft += event.text
                if step is None and turn.draft:  # a question: the model is writing
                    waiting = "Writing… each sentence is checked against its source at the end."
                turn.status = status_line(step, time.monotonic() - t0, waiting)
                # Tokens come many a second: redraw at most every _STREAM_EVERY_S for them, but
                # always for a new step or a quiet tick (those are what show the work going on).
                if not isinstance(event, Token) or time.monotonic() - shown >= _STREAM_EVERY_S:
                    shown = time.monotonic()
                    yield render.transcript(turns, n)
        except QuestionError:
            raise
        except Exception as exc:  # a message in the page, never a stack trace
            turn.error = f"Something went wrong: {type(exc).__name__}: {exc}"
        finally:
            close = getattr(events, "close", None)
            if close is not None:
                close()  # the page was left or the stream failed: stop the worker too

    def summarize(
        self, kind: str, turns: list[Turn], scope: list[str], aid: str = ""
    ) -> Iterator[Out]:
        """Outputs: transcript, turns, examples row. `aid` set: a guide to that one article."""
        turns = list(turns or [])
        n = self.count()
        if aid:
            article = self.news.article(aid)
            label = f"Summary of “{article.title if article else aid}”"
            filters: Filters | None = Filters(article_ids=(aid,))
        else:
            what = f"the {len(scope)} selected articles" if scope else f"all {n} articles"
            label = SUMMARIES[kind][1].format(what)
            filters = Filters(article_ids=tuple(scope)) if scope else None
        turn = Turn(label, status="Reading the articles…")
        turns.append(turn)
        yield render.transcript(turns, n), turns, gr.update(visible=False)
        events = live(lambda progress: self._summary_events(kind, filters, progress))
        for html in self._play(turn, turns, n, events):
            yield html, turns, gr.skip()
        yield render.transcript(turns, n), turns, gr.skip()

    def _summary_events(
        self, kind: str, filters: Filters | None, progress: Callable[[int, int, str], None]
    ) -> Iterator[Token | Answer]:
        news = cast(Any, self.news)  # summaries are newer than the rest of the library
        if hasattr(news, "summarize_stream"):
            yield from news.summarize_stream(kind, filters=filters, progress=progress)
        else:
            yield news.summarize(kind, filters=filters)

    def clear(self) -> Out:
        return render.transcript([], self.count()), [], gr.update(visible=self.has_examples())

    # -- clicks --------------------------------------------------------------------------------

    def on_cite(self, evt: gr.EventData) -> str:
        aid = str(_event(evt, "aid", ""))[:200]
        start, end = _int(_event(evt, "start")), _int(_event(evt, "end"))
        n = _int(_event(evt, "n"))
        return render.viewer(self.news.article(aid), start, end, n, self.can_summarize)

    def on_sources(self, scope: list[str], evt: gr.EventData) -> Out:
        """Outputs: sources, scope, scope note, viewer."""
        action = _event(evt, "action", "")
        aid = str(_event(evt, "aid", ""))[:200]
        skip = gr.skip()
        if action == "scope":
            ids = _event(evt, "ids", [])
            scope = (
                [str(i)[:200] for i in ids if isinstance(i, str)] if isinstance(ids, list) else []
            )
            return skip, scope, render.scope_note(scope, self.count()), skip
        if action == "view":
            return skip, skip, skip, self._viewer(aid)
        if action == "remove" and aid:
            self.news.remove(aid)
            scope = [i for i in scope or [] if i != aid]
            return self.sources(scope), scope, render.scope_note(scope, self.count()), skip
        return skip, skip, skip, skip

    def _viewer(self, aid: str) -> str:
        return render.viewer(self.news.article(aid), summarize=self.can_summarize)

    def on_viewer(self, turns: list[Turn], evt: gr.EventData) -> Iterator[Out]:
        aid = str(_event(evt, "aid", ""))[:200]
        if _event(evt, "action") == "summarize" and aid and self.can_summarize:
            yield from self.summarize("article", turns, [], aid=aid)
        else:
            yield gr.skip(), gr.skip(), gr.skip()

    # -- uploads -------------------------------------------------------------------------------

    def on_upload(
        self,
        files: list[str] | None,
        turns: list[Turn],
        scope: list[str],
        progress: gr.Progress = gr.Progress(),  # noqa: B008
    ) -> Out:
        """Outputs: report, sources, file input (cleared), scope note, transcript."""
        rows: list[tuple[str, str, str]] = []
        # A fresh folder per upload: an article's identity includes where it was read from, so
        # two different uploads that happen to share a file name never replace each other.
        stage = self.news.settings.data_dir / "uploads" / uuid.uuid4().hex[:12]
        staged: dict[str, Path] = {}
        with self.ingest_lock:
            try:
                for f in files or []:
                    path = Path(str(getattr(f, "name", f)))
                    name = safe_name(path.name)
                    if name is None:
                        rows.append((path.name or "(no name)", "rejected", "no usable file name"))
                    elif name in staged:
                        rows.append((name, "rejected", "same name as another file in this upload"))
                    elif path.stat().st_size > self.max_mb * _MB:
                        rows.append((name, "rejected", f"larger than {self.max_mb:g} MB"))
                    else:
                        stage.mkdir(parents=True, exist_ok=True)
                        staged[name] = stage / name
                        shutil.copyfile(path, staged[name])
                if staged:
                    progress(0.0, desc="Reading")
                    pace = Pace()

                    def step(done: int, total: int | None, source: str) -> None:
                        name = Path(render.source_file(source)).name
                        share = min(done / total, 1.0) if total else 0.0
                        progress(share, desc=f"Reading {name} · {pace.step(done, total)}")

                    report = self.news.ingest(list(staged.values()), progress=step)
                    self.news.retriever.warm()  # the next question need not rebuild BM25
                    if report.added or report.replaced:
                        prepare_summaries(self.news)
                    rows += render.file_rows(staged, report, self.news.article)
                    footer = report.summary()
                else:
                    footer = ""
            finally:
                shutil.rmtree(stage, ignore_errors=True)
        n = self.count()
        return (
            render.upload_report(rows, footer),
            self.sources(scope),
            None,
            render.scope_note(scope, n),
            gr.skip() if turns else render.transcript([], n),  # the empty chat counts articles
        )
