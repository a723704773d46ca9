"""The chat page: a thin Gradio adapter over `rag.NewsRAG`.

Layout: sources (scope, remove, upload, settings) | conversation | source viewer. The handlers are
`ui.page.Page`; all HTML comes from `ui.render`, which escapes every article-, file- and
user-derived string; CSS and the click wiring are files in `ui/assets/`. Clicks on citation
markers and source actions reach the server as `gr.HTML` events carrying `data-*` values. The
page also serves a JSON API (`ui.api`: /ask, /summarize, /articles, /ingest).
"""

from __future__ import annotations

import sys
import threading
from functools import partial
from pathlib import Path
from typing import Any

import gradio as gr

from rag import NewsRAG, Settings
from ui import render
from ui.api import HttpApi
from ui.page import EXAMPLES, SUMMARIES, Page

BUNDLED = Path(__file__).resolve().parent / "articles"
_MB = 1024 * 1024
# The page's own events serve the page: callable by a client (the load test drives /respond) but
# left out of the API docs, which list only the JSON endpoints of ui.api.
PAGE_EVENT: dict[str, Any] = {"api_visibility": "undocumented"}


def build(news: NewsRAG) -> gr.Blocks:
    page = Page(news, BUNDLED)
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
                sources = gr.HTML(js_on_load=render.asset("sources.js"), elem_id="sources")
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
                transcript = gr.HTML(js_on_load=render.asset("transcript.js"), elem_id="chat")
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
                    render.viewer_empty(), js_on_load=render.asset("viewer.js"), elem_id="viewer"
                )

        # The JSON endpoints first: they keep their exact names (/ask, /summarize, ...) ahead
        # of any page event whose function has the same name.
        HttpApi(news, page.ingest_lock).register()
        fast: dict[str, Any] = {"concurrency_limit": None, "show_progress": "hidden", **PAGE_EVENT}
        ask_io: dict[str, Any] = {
            "outputs": [transcript, turns, box, examples],
            "show_progress": "hidden",
            "trigger_mode": "once",
            **PAGE_EVENT,
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
                **PAGE_EVENT,
            )
        clear.click(page.clear, None, [transcript, turns, examples], **fast)
        transcript.click(page.on_cite, None, viewer, **fast)
        sources.click(page.on_sources, scope, [sources, scope, note, viewer], **fast)
        viewer.click(
            page.on_viewer,
            turns,
            [transcript, turns, examples],
            show_progress="hidden",
            **PAGE_EVENT,
        )
        # Uploads queue among themselves, not behind questions waiting for the model.
        files.upload(
            page.on_upload,
            [files, turns, scope],
            [report, sources, files, note, transcript],
            concurrency_limit=1,
            concurrency_id="ingest",
            show_progress_on=report,
            **PAGE_EVENT,
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
        "css": render.asset("page.css"),
        "theme": gr.themes.Default(primary_hue="blue", neutral_hue="slate"),
        # Bytes: Gradio's "20mb" strings take whole numbers only, and the limit may be 0.5 MB.
        "max_file_size": int(cfg.max_upload_mb * _MB),
        "footer_links": ["api"],  # "Use via API": the JSON endpoints of ui.api, documented
    }


def main(settings: Settings | None = None) -> None:
    news = NewsRAG(settings)
    if news.store.count()[0] == 0 and BUNDLED.is_dir():
        print(f"Empty store: ingesting the bundled articles from {BUNDLED}")
        print(news.ingest([BUNDLED]).summary())
    news.retriever.warm()
    threading.Thread(target=_warm_model, args=(news,), name="model-warm", daemon=True).start()
    build(news).launch(**launch_options(news.settings))


def _warm_model(news: NewsRAG) -> None:
    """Load the model and its system prompts while the page comes up: the first question or
    summary would otherwise wait for both. A failure here is printed, not raised: the first
    request then loads the model itself and reports the same error to the user."""
    try:
        news.warm_up()
    except Exception as exc:  # a background warm-up must not take the page down
        print(f"Warm-up failed: {type(exc).__name__}: {exc}", file=sys.stderr)


if __name__ == "__main__":
    main()
