"""The chat page: a thin Gradio adapter over `rag.NewsRAG`.

Every piece of article-derived text is HTML-escaped before it reaches the page, and the chatbot
renders plain text, so an article carrying <script> or markdown links stays inert.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import gradio as gr

from rag import Answer, NewsRAG, Settings
from rag.answer import QuestionError

BUNDLED = Path(__file__).resolve().parent / "articles"
CSS = """
.cite-list { font-size: 0.92em; }
.cite-list li { margin-bottom: 0.5em; }
.cite-quote { background: #fff3b0; color: #222; }
.src-list { font-size: 0.9em; max-height: 420px; overflow-y: auto; }
.unsupported { color: #a33; }
"""


def citations_html(answer: Answer) -> str:
    if answer.abstained:
        return "<p><em>No passage in the articles answers this question.</em></p>"
    items = []
    for c in answer.citations:
        flag = "" if c.supported else ' <span class="unsupported">(unsupported)</span>'
        items.append(
            f'<li id="cite-{c.n}"><strong>[{c.n}]</strong> {html.escape(c.outlet)}, '
            f"{html.escape(c.published or 'undated')} — <em>{html.escape(c.title)}</em>{flag}"
            f'<br><span class="cite-quote">“{html.escape(c.quote)}”</span></li>'
        )
    note = f"<p><em>{html.escape(answer.note)}</em></p>" if answer.note else ""
    return (
        f'{note}<ol class="cite-list" style="list-style:none;padding-left:0">{"".join(items)}</ol>'
    )


def sources_html(news: NewsRAG) -> str:
    rows = []
    for a in news.articles():
        also = f" · also in {html.escape(', '.join(a.also_in))}" if a.also_in else ""
        rows.append(
            f"<li><strong>{html.escape(a.title)}</strong><br>{html.escape(a.outlet)} · "
            f"{html.escape(a.published or 'undated')}{also} · <code>{html.escape(a.id)}</code></li>"
        )
    if not rows:
        return "<p>No articles yet. Upload some.</p>"
    return f'<ul class="src-list">{"".join(rows)}</ul>'


def _pairs(history: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """Chatbot messages -> (question, answer) pairs for follow-up condensation."""
    pairs, pending = [], None
    for m in history:
        if m.get("role") == "user":
            pending = str(m.get("content", ""))
        elif m.get("role") == "assistant" and pending is not None:
            pairs.append((pending, html.unescape(str(m.get("content", "")))))
            pending = None
    return pairs


def build(news: NewsRAG) -> gr.Blocks:
    max_mb = news.settings.server.max_upload_mb

    def respond(message: str, history: list[dict[str, Any]]) -> Iterator[tuple[Any, ...]]:
        history = list(history or [])
        shown = history + [{"role": "user", "content": html.escape(message or "")}]
        draft = ""
        try:
            for event in news.ask_stream(message, _pairs(history)):
                if isinstance(event, Answer):
                    reply = html.escape(event.text)
                    yield (
                        "",
                        shown + [{"role": "assistant", "content": reply}],
                        citations_html(event),
                    )
                else:
                    draft += event.text
                    partial = html.escape(draft) + " …"
                    yield "", shown + [{"role": "assistant", "content": partial}], ""
        except QuestionError as exc:
            yield message, history, f"<p><strong>{html.escape(str(exc).capitalize())}.</strong></p>"
        except Exception as exc:  # never a stack trace in the page
            msg = f"Something went wrong: {type(exc).__name__}: {exc}"
            yield message, history, f"<p><strong>{html.escape(msg)}</strong></p>"

    def upload(files: list[Any] | None, progress: gr.Progress = gr.Progress()) -> tuple[str, str]:  # noqa: B008
        paths = [Path(getattr(f, "name", f)) for f in files or []]
        big = [p for p in paths if p.stat().st_size > max_mb * 1024 * 1024]
        ok = [p for p in paths if p not in big]
        progress(0, desc="Ingesting")

        def step(done: int, total: int | None, source: str) -> None:
            progress((done, total or len(ok) or 1), desc=f"Ingesting {Path(source).name}")

        report = news.ingest(ok, progress=step) if ok else None
        lines = [
            f"<li>{html.escape(p.name)}: rejected, larger than {max_mb:g} MB</li>" for p in big
        ]
        if report:
            lines.append(f"<li>{html.escape(report.summary())}</li>")
            lines += [
                f"<li>{html.escape(Path(s).name)}: rejected, {html.escape(r)}</li>"
                for s, r in report.rejected
            ]
            lines += [
                f"<li>{html.escape(Path(s).name)}: duplicate of {html.escape(c)}</li>"
                for s, c in report.duplicates
            ]
        return f"<ul>{''.join(lines)}</ul>", sources_html(news)

    with gr.Blocks(title="newsrag") as page:
        gr.Markdown("## newsrag — ask the news, get cited answers")
        with gr.Row():
            with gr.Column(scale=1, min_width=260):
                gr.Markdown("### Sources")
                sources = gr.HTML(sources_html(news), elem_id="sources")
                files = gr.File(
                    label=f"Add articles (txt, md, html, json, jsonl; ≤ {max_mb:g} MB)",
                    file_count="multiple",
                    elem_id="upload",
                )
                upload_report = gr.HTML(elem_id="upload-report")
            with gr.Column(scale=3):
                chat = gr.Chatbot(
                    label="Chat",
                    height=460,
                    render_markdown=False,
                    elem_id="chat",
                    sanitize_html=True,
                )
                with gr.Row():
                    box = gr.Textbox(
                        placeholder="Ask about the articles…",
                        show_label=False,
                        scale=5,
                        elem_id="question",
                        autofocus=True,
                    )
                    send = gr.Button("Ask", variant="primary", scale=1, elem_id="ask")
                    clear = gr.Button("Clear chat", scale=1, elem_id="clear")
                cites = gr.HTML(elem_id="citations")
        box.submit(respond, [box, chat], [box, chat, cites])
        send.click(respond, [box, chat], [box, chat, cites])
        clear.click(lambda: ([], ""), None, [chat, cites])
        files.upload(upload, files, [upload_report, sources])
    page.queue(default_concurrency_limit=news.settings.server.concurrency)
    return page


def main(settings: Settings | None = None) -> None:
    news = NewsRAG(settings)
    if news.store.count()[0] == 0 and BUNDLED.is_dir():
        print(f"Empty store: ingesting the bundled articles from {BUNDLED}")
        print(news.ingest([BUNDLED]).summary())
    cfg = news.settings.server
    auth: tuple[str, str] | None = None
    if cfg.auth:
        user, _, password = cfg.auth.partition(":")
        auth = (user, password)
    build(news).launch(
        server_name=cfg.host,
        server_port=cfg.port,
        auth=auth,
        css=CSS,
        max_file_size=f"{cfg.max_upload_mb:g}mb",
        footer_links=[],
    )


if __name__ == "__main__":
    main()
