"""The chat page: a thin Gradio adapter over `rag.NewsRAG`.

Layout: sources (scope, remove, upload, settings) | conversation | source viewer. All HTML comes
from `rag.page_render`, which escapes every article-, file- and user-derived string; clicks on
citation markers and source actions reach the server as `gr.HTML` events carrying `data-*` values.
"""

from __future__ import annotations

import copy
import re
import shutil
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from pathlib import Path
from typing import Any, cast

import gradio as gr

from rag import Answer, Filters, NewsRAG, Settings, Token
from rag import page_render as render
from rag.answer import Answerer, QuestionError
from rag.page_render import Turn

BUNDLED = Path(__file__).resolve().parent / "articles"
# Shown under the empty chat when the bundled sample articles are in the library.
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

    def __init__(self, news: NewsRAG) -> None:
        self.news = news
        self.max_mb = news.settings.server.max_upload_mb
        self.can_summarize = hasattr(news, "summarize")
        self._ingest_lock = threading.Lock()
        self._views: dict[tuple[str, int], NewsRAG] = {}
        self._views_lock = threading.Lock()

    def count(self) -> int:
        return self.news.store.count()[0]

    def has_examples(self) -> bool:
        names = {p.name for p in BUNDLED.glob("*")} if BUNDLED.is_dir() else set()
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
        try:
            events = self._for_request(mode, int(evidence)).ask_stream(question, history, filters)
            for html in self._play(turn, turns, n, events):
                yield html, turns, gr.skip(), hide
        except QuestionError as exc:
            turn.error = f"{str(exc).capitalize()}."
            turns.pop()
            yield render.transcript(turns + [turn], n), turns, question, hide
            return
        yield render.transcript(turns, n), turns, gr.skip(), hide

    def _play(
        self, turn: Turn, turns: list[Turn], n: int, events: Iterator[Token | Answer]
    ) -> Iterator[str]:
        """Run a question's or summary's events into `turn`, yielding the transcript now and
        then while tokens stream. A QuestionError propagates; anything else becomes a message."""
        shown = 0.0
        try:
            for event in events:
                if isinstance(event, Answer):
                    turn.answer, turn.status = event, ""
                    return
                turn.draft += event.text
                turn.status = "Writing… each sentence is checked against its source at the end."
                if time.monotonic() - shown >= _STREAM_EVERY_S:
                    shown = time.monotonic()
                    yield render.transcript(turns, n)
        except QuestionError:
            raise
        except Exception as exc:  # a message in the page, never a stack trace
            turn.error = f"Something went wrong: {type(exc).__name__}: {exc}"

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

        def step(done: int, total: int, stage: str) -> None:
            turn.status = f"{stage.capitalize()} ({done} of {total})…" if total else stage

        for html in self._play(turn, turns, n, self._summary_events(kind, filters, step)):
            yield html, turns, gr.skip()
        yield render.transcript(turns, n), turns, gr.skip()

    def _summary_events(
        self, kind: str, filters: Filters | None, progress: Callable[[int, int, str], None]
    ) -> Iterator[Token | Answer]:
        news = cast(Any, self.news)  # summaries are newer than the rest of the library
        if hasattr(news, "summarize_stream"):
            yield from news.summarize_stream(kind, filters, progress)
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
        with self._ingest_lock:
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
                    total = len(staged)
                    progress((0, total), desc="Reading")

                    def step(done: int, _total: int | None, source: str) -> None:
                        name = Path(render.source_file(source)).name
                        progress((min(done, total), total), desc=f"Reading {name}")

                    report = self.news.ingest(list(staged.values()), progress=step)
                    self.news.retriever.warm()  # the next question need not rebuild BM25
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


def build(news: NewsRAG) -> gr.Blocks:
    page = Page(news)
    s = news.settings
    with gr.Blocks(title="newsrag", analytics_enabled=False, delete_cache=(3600, 86400)) as blocks:
        turns = gr.State([])
        scope = gr.State([])
        gr.Markdown(
            "# newsrag\nAnswers from your news articles. Every sentence cites its source.",
            elem_id="title",
        )
        with gr.Row(equal_height=False):
            with gr.Column(scale=2, min_width=270, elem_classes=["col-sources"]):
                gr.Markdown("### Sources")
                sources = gr.HTML(js_on_load=render.SOURCES_JS, elem_id="sources")
                with gr.Accordion("Add articles", open=True):
                    files = gr.File(
                        label=f".txt .md .html .json .jsonl, up to {page.max_mb:g} MB each",
                        file_count="multiple",
                        # No file_types: Gradio would refuse the whole batch for one odd file;
                        # the library rejects unsupported types file by file, with a reason.
                        height=130,
                        elem_id="upload",
                    )
                    report = gr.HTML(elem_id="upload-report", js_on_load=None)
                with gr.Accordion("Settings", open=False, elem_id="settings"):
                    mode = gr.Radio(
                        [("Strict: drop unsupported sentences", "strict"),
                         ("Lenient: keep them, marked", "lenient")],
                        value=s.citations.mode,
                        label="Citations",
                        elem_id="mode",
                    )  # fmt: skip
                    evidence = gr.Slider(
                        2,
                        16,
                        value=s.retrieval.evidence_sentences,
                        step=1,
                        label="Passages given to the model",
                        info="More finds more, but a small model reads them slower.",
                        elem_id="evidence",
                    )
                    gr.Markdown(render.backend_text(s))
            with gr.Column(scale=5, min_width=360, elem_classes=["col-chat"]):
                with gr.Row(elem_id="chat-tools", equal_height=True):
                    gr.Markdown("### Ask", elem_id="chat-heading")
                    # Summaries need NewsRAG.summarize; without it the buttons are not made.
                    summary_buttons = {
                        kind: gr.Button(
                            label, size="sm", scale=0, min_width=90, elem_id=f"summary-{kind}"
                        )
                        for kind, (label, _) in SUMMARIES.items()
                        if page.can_summarize
                    }
                    clear = gr.Button(
                        "Clear chat", size="sm", scale=0, min_width=90, elem_id="clear"
                    )
                transcript = gr.HTML(js_on_load=render.TRANSCRIPT_JS, elem_id="chat")
                with gr.Row(visible=False) as examples:
                    example_buttons = [
                        gr.Button(q, size="sm", variant="secondary") for q in EXAMPLES
                    ]
                note = gr.HTML(elem_id="scope-note", js_on_load=None)
                with gr.Row(equal_height=True):
                    box = gr.Textbox(
                        placeholder="Ask about the articles…",
                        show_label=False,
                        lines=1,
                        max_lines=4,
                        scale=6,
                        elem_id="question",
                        autofocus=True,
                    )
                    ask = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="ask")
            with gr.Column(scale=4, min_width=300, elem_classes=["col-viewer"]):
                gr.Markdown("### Source viewer")
                viewer = gr.HTML(
                    render.viewer_empty(), js_on_load=render.VIEWER_JS, elem_id="viewer"
                )

        fast: dict[str, Any] = {"concurrency_limit": None, "show_progress": "hidden"}
        ask_io: dict[str, Any] = {
            "outputs": [transcript, turns, box, examples],
            "show_progress": "hidden",
            "trigger_mode": "once",
        }
        blocks.load(page.on_load, None, [sources, transcript, note, examples], **fast)
        gr.on([box.submit, ask.click], page.respond, [box, turns, scope, mode, evidence], **ask_io)
        for q, button in zip(EXAMPLES, example_buttons, strict=True):
            button.click(partial(page.respond, q), [turns, scope, mode, evidence], **ask_io)
        for kind, button in summary_buttons.items():
            button.click(
                partial(page.summarize, kind),
                [turns, scope],
                [transcript, turns, examples],
                show_progress="hidden",
            )
        clear.click(page.clear, None, [transcript, turns, examples], **fast)
        transcript.click(page.on_cite, None, viewer, **fast)
        sources.click(page.on_sources, scope, [sources, scope, note, viewer], **fast)
        viewer.click(page.on_viewer, turns, [transcript, turns, examples], show_progress="hidden")
        # Uploads queue among themselves, not behind questions waiting for the model.
        files.upload(
            page.on_upload,
            [files, turns, scope],
            [report, sources, files, note, transcript],
            concurrency_limit=1,
            concurrency_id="ingest",
            show_progress_on=report,
        )
    blocks.queue(default_concurrency_limit=s.server.concurrency)
    return blocks


def launch_options(settings: Settings) -> dict[str, Any]:
    """Arguments of Blocks.launch(): Gradio 6 takes theme and CSS here, not in Blocks()."""
    cfg = settings.server
    auth: tuple[str, str] | None = None
    if cfg.auth:
        user, _, password = cfg.auth.partition(":")
        auth = (user, password)
    return {
        "server_name": cfg.host,
        "server_port": cfg.port,
        "auth": auth,
        "css": render.CSS,
        "theme": gr.themes.Default(primary_hue="blue", neutral_hue="slate"),
        # Bytes: Gradio's "20mb" strings take whole numbers only, and the limit may be 0.5 MB.
        "max_file_size": int(cfg.max_upload_mb * _MB),
        "footer_links": [],
    }


def main(settings: Settings | None = None) -> None:
    news = NewsRAG(settings)
    if news.store.count()[0] == 0 and BUNDLED.is_dir():
        print(f"Empty store: ingesting the bundled articles from {BUNDLED}")
        print(news.ingest([BUNDLED]).summary())
    news.retriever.warm()
    build(news).launch(**launch_options(news.settings))


if __name__ == "__main__":
    main()
