"""HTML for the chat page (`app.py`): conversation, sources, source viewer, upload report.

The one rule here: every string that comes from an article, a file name, a model or a user goes
through `esc()` before it becomes markup. Nothing in this module trusts its input, so the page
can hand its output to `gr.HTML` as is. Clicks are wired by the small `*_JS` snippets (run by
`gr.HTML(js_on_load=...)`), which read only `data-*` attributes and send them to the server.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from rag.cite import UNSUPPORTED_MARK, answer_sentences, looks_like_abstention
from rag.config import Settings
from rag.schema import Answer, Article, Citation, IngestReport, source_file

_MARKER = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_BOLD = re.compile(r"\*\*(.+?)\*\*")


def esc(text: object) -> str:
    return html.escape(str(text), quote=True)


@dataclass
class Turn:
    """One question (or summary request) and what came back."""

    question: str
    answer: Answer | None = None  # the verified answer, once complete
    draft: str = ""  # model text streamed before verification
    status: str = ""  # what is happening now ("Searching the articles…")
    error: str = ""


# -- conversation --------------------------------------------------------------------------------


def cite_button(c: Citation) -> str:
    label = f"Source {c.n}: {c.outlet}, {c.title}".strip()
    return (
        f'<button type="button" class="cite" data-n="{c.n}" data-aid="{esc(c.article_id)}" '
        f'data-start="{int(c.start)}" data-end="{int(c.end)}" title="{esc(label)}" '
        f'aria-label="{esc(label)}">{c.n}</button>'
    )


def _inline(text: str) -> str:
    """Escape, then the one markdown the summaries use: **bold**."""
    return _BOLD.sub(r"<strong>\1</strong>", esc(text))


def _linked(text: str, by_n: dict[int, Citation]) -> str:
    """Escape `text`, turning each [n] that names a citation into a button."""
    out, pos = [], 0
    for m in _MARKER.finditer(text):
        nums = [int(x) for x in re.split(r"\s*,\s*", m.group(1))]
        if not all(n in by_n for n in nums):
            continue
        out.append(_inline(text[pos : m.start()]))
        out.append(f'<span class="marks">{"".join(cite_button(by_n[n]) for n in nums)}</span>')
        pos = m.end()
    out.append(_inline(text[pos:]))
    return "".join(out)


def _line(line: str, by_n: dict[int, Citation]) -> str:
    """One line of an answer; in lenient mode its unsupported sentences are flagged."""
    if UNSUPPORTED_MARK not in line:
        return _linked(line, by_n)
    parts = []
    for sentence in answer_sentences(line) or [line]:
        if UNSUPPORTED_MARK in sentence:
            body = _linked(sentence.replace(UNSUPPORTED_MARK, "").replace(" .", ".").strip(), by_n)
            parts.append(
                f'<span class="unsupported">{body}<span class="flag" title="No cited passage '
                'supports this sentence">not supported by the sources</span></span>'
            )
        else:
            parts.append(_linked(sentence, by_n))
    return " ".join(parts)


def answer_body(answer: Answer) -> str:
    """The answer with clickable markers, as paragraphs and "- " bullet lists."""
    by_n = {c.n: c for c in answer.citations}
    out: list[str] = []
    items: list[str] = []
    for raw in answer.text.split("\n") + [""]:
        line = raw.strip()
        if line.startswith(("- ", "* ")):
            items.append(f"<li>{_line(line[2:], by_n)}</li>")
            continue
        if items:
            out.append(f"<ul>{''.join(items)}</ul>")
            items = []
        if line:
            out.append(f"<p>{_line(line, by_n)}</p>")
    return "".join(out)


def citation_list(answer: Answer) -> str:
    items = []
    for c in answer.citations:
        flag = "" if c.supported else ' <span class="flag">weak support</span>'
        items.append(
            f'<li>{cite_button(c)}<div><div class="meta">{esc(c.outlet or "Unknown outlet")} · '
            f"{esc(c.published or 'undated')} · <em>{esc(c.title)}</em>{flag}</div>"
            f'<div class="quote">“{esc(" ".join(c.quote.split()))}”</div></div></li>'
        )
    if not items:
        return ""
    n = len(items)
    return (
        f'<details class="cites-box"{" open" if n <= 4 else ""}><summary>{n} source'
        f'{"s" * (n != 1)} cited</summary><ol class="cites">{"".join(items)}</ol></details>'
    )


def why_no_answer(answer: Answer) -> str:
    """The fold under an abstention: the reason, the rejected draft, the closest passages."""
    reason = answer.reason or answer.note
    if not answer.abstained or not reason:
        return ""
    draft = " ".join(answer.draft.split())
    shown = f'<p class="why-draft">The model’s draft: “{esc(draft)}”</p>' if (
        draft and not looks_like_abstention(draft)
    ) else ""
    closest = "".join(
        f'<li><div class="meta">{esc(e.outlet or "Unknown outlet")} · '
        f"{esc(e.published or 'undated')} · <em>{esc(e.title)}</em></div>"
        f'<div class="quote">“{esc(" ".join(e.quote.split()))}”</div></li>'
        for e in answer.closest()
    )
    listed = f'<p>The closest passages:</p><ol class="cites">{closest}</ol>' if closest else ""
    return (
        f'<details class="why"><summary>Why no answer?</summary><p>{esc(reason)}</p>'
        f"{shown}{listed}</details>"
    )


def _answer_block(answer: Answer) -> str:
    if answer.abstained:
        body = f'<p class="abstain">{esc(answer.text)}</p>{why_no_answer(answer)}'
    else:
        body = f'<div class="answer-text">{answer_body(answer)}</div>{citation_list(answer)}'
    shown_note = answer.note and not (answer.abstained and answer.note == answer.reason)
    note = f'<p class="note">{esc(answer.note)}</p>' if shown_note else ""
    secs = answer.timings.total_ms / 1000
    foot = f'<p class="timing">{secs:.1f} s</p>' if secs > 0 else ""
    return f"{note}{body}{foot}"


def turn_html(turn: Turn) -> str:
    q = f'<div class="msg user"><div class="who">You</div><p>{esc(turn.question)}</p></div>'
    if turn.error:
        inner = f'<p class="error" role="alert">{esc(turn.error)}</p>'
    elif turn.answer is not None:
        inner = _answer_block(turn.answer)
    else:
        draft = f'<p class="draft">{esc(turn.draft)}</p>' if turn.draft else ""
        inner = f'{draft}<p class="status" role="status">{esc(turn.status)}</p>'
    return f'{q}<div class="msg bot"><div class="who">newsrag</div>{inner}</div>'


def transcript(turns: Sequence[Turn], n_articles: int) -> str:
    if not turns:
        if n_articles == 0:
            hint = "The library is empty. Add articles on the left, then ask about them."
        else:
            hint = (
                f"Ask anything about the {n_articles} article{'s' * (n_articles != 1)} in the "
                "library. Every sentence of an answer cites the passage it comes from: click a "
                "number to read it in its article. If the articles do not say, you are told so."
            )
        return f'<div class="empty"><p>{esc(hint)}</p></div>'
    return "".join(turn_html(t) for t in turns)


# -- sources -------------------------------------------------------------------------------------


def scope_note(selected: Sequence[str], n_articles: int) -> str:
    if selected:
        n = len(selected)
        return f"Asking {n} selected article{'s' * (n != 1)}"
    return f"Asking all {n_articles} article{'s' * (n_articles != 1)}"


def sources(articles: Sequence[Article], selected: Sequence[str]) -> str:
    if not articles:
        return '<p class="empty">No articles yet. Add some below.</p>'
    chosen = set(selected)
    rows = []
    for i, a in enumerate(articles):
        also = f" · also in {esc(', '.join(a.also_in))}" if a.also_in else ""
        checked = " checked" if a.id in chosen else ""
        rows.append(
            f'<li class="src"><input type="checkbox" class="scope" id="src-{i}" '
            f'data-aid="{esc(a.id)}"{checked}>'
            f'<div class="src-body"><label for="src-{i}" class="src-title">{esc(a.title)}</label>'
            f'<div class="meta">{esc(a.outlet or "Unknown outlet")} · '
            f"{esc(a.published or 'undated')}{also}</div>"
            f'<div class="src-actions"><button type="button" class="link" data-action="view" '
            f'data-aid="{esc(a.id)}">Read</button><button type="button" class="link danger" '
            f'data-action="remove" data-aid="{esc(a.id)}" data-title="{esc(a.title)}" '
            f'aria-label="Remove {esc(a.title)}">Remove</button></div></div></li>'
        )
    head = (
        '<div class="src-head"><span>Tick articles to ask only those.</span>'
        '<button type="button" class="link" data-action="all">Ask all</button></div>'
    )
    return f'{head}<ul class="src-list">{"".join(rows)}</ul>'


# -- source viewer -------------------------------------------------------------------------------


def viewer_empty() -> str:
    return (
        '<div class="viewer empty"><p>Click a numbered citation in an answer to read the '
        "passage in its article, highlighted. “Read” in the sources list opens a whole "
        "article.</p></div>"
    )


def viewer(
    article: Article | None,
    start: int = 0,
    end: int = 0,
    n: int | None = None,
    summarize: bool = False,
) -> str:
    """The article with text[start:end] highlighted; a plain article when start == end. With
    `summarize`, a button asking for a summary of this one article."""
    if article is None:
        return '<div class="viewer empty"><p>This article is no longer in the library.</p></div>'
    text = article.text
    start, end = max(0, min(start, len(text))), max(0, min(end, len(text)))
    if end > start:
        body = (
            f'{esc(text[:start])}<mark id="cited-passage">{esc(text[start:end])}</mark>'
            f"{esc(text[end:])}"
        )
    else:
        body = esc(text)
    label = f'<div class="v-label">Source [{n}]</div>' if n is not None else ""
    also = f" · also in {esc(', '.join(article.also_in))}" if article.also_in else ""
    link = ""
    if article.url and article.url.startswith(("http://", "https://")):
        link = (
            f' · <a href="{esc(article.url)}" target="_blank" rel="noopener noreferrer '
            f'nofollow">original</a>'
        )
    summary = (
        '<p><button type="button" class="link" data-action="summarize" '
        f'data-aid="{esc(article.id)}">Summarise this article</button></p>'
        if summarize
        else ""
    )
    return (
        f'<article class="viewer">{label}<h3>{esc(article.title)}</h3>'
        f'<div class="meta">{esc(article.outlet or "Unknown outlet")} · '
        f"{esc(article.published or 'undated')}{also}{link}</div>{summary}"
        f'<div class="v-text" tabindex="0">{body}</div></article>'
    )


# -- upload report -------------------------------------------------------------------------------


def upload_report(rows: Sequence[tuple[str, str, str]], footer: str = "") -> str:
    """rows: (file name, status: added|unchanged|duplicate|rejected, detail)."""
    if not rows:
        return ""
    items = [
        f'<li class="up-{esc(status)}"><span class="up-name">{esc(name)}</span> '
        f'<span class="up-status">{esc(status)}</span> <span class="up-detail">{esc(detail)}'
        "</span></li>"
        for name, status, detail in rows
    ]
    tail = f'<p class="note">{esc(footer)}</p>' if footer else ""
    return f'<ul class="upload-report">{"".join(items)}</ul>{tail}'


def file_rows(
    staged: dict[str, Path], report: IngestReport, lookup: Callable[[str], Article | None]
) -> list[tuple[str, str, str]]:
    """Per uploaded file (name -> where it was read from): what became of it."""
    known: dict[str, Article | None] = {}

    def get(aid: str) -> Article | None:
        if aid not in known:
            known[aid] = lookup(aid)
        return known[aid]

    def title(aid: str) -> str:
        a = get(aid)
        return f"“{a.title}” ({a.outlet or 'unknown outlet'})" if a else aid

    def from_file(aid: str, path: str) -> bool:
        a = get(aid)
        return a is not None and source_file(a.source) == path

    rows: list[tuple[str, str, str]] = []
    for name, where in staged.items():
        path, before = str(where), len(rows)
        rows += [(name, "added", title(i)) for i in report.added if from_file(i, path)]
        rows += [
            (name, "unchanged", f"already in the library: {title(i)}")
            for i in report.unchanged
            if from_file(i, path)
        ]
        rows += [
            (name, "duplicate", f"same story as {title(c)}; its outlet is listed there")
            for s, c in report.duplicates
            if source_file(s) == path
        ]
        rows += [(name, "rejected", r) for s, r in report.rejected if source_file(s) == path]
        if len(rows) == before:
            rows.append((name, "rejected", "no article found in the file"))
    return rows


def backend_text(s: Settings) -> str:
    """Markdown for the settings panel: which model, embedder and store this page uses."""
    llm = s.llm
    model = {
        "embedded": f"{llm.gguf_path.name if llm.gguf_path else 'Qwen2.5 1.5B'} in this process "
        "(llama.cpp)",
        "fake": "fake (tests only)",
    }.get(llm.backend, f"{llm.model} at {llm.base_url or 'default URL'} ({llm.backend})")
    store = f"Chroma server {s.store.host}:{s.store.port}" if s.store.host else "local folder"
    return (
        f"**Language model:** {esc(model)}  \n**Embedder:** {esc(s.embed.backend)}  \n"
        f"**Store:** {esc(store)}  \nSet with `NEWSRAG_*` variables; see the README."
    )


# -- client-side wiring (js_on_load of gr.HTML; `element`, `trigger`, `watch` come from Gradio) --

TRANSCRIPT_JS = """
const box = element.closest('#chat') || element;
let asked = 0;
watch('value', () => {  // a new question scrolls to the top of the box; streaming never jumps
  const qs = box.querySelectorAll('.msg.user');
  if (qs.length > asked) {
    const top = qs[qs.length - 1].getBoundingClientRect().top - box.getBoundingClientRect().top;
    box.scrollTop += top - 8;
  }
  asked = qs.length;
});
element.addEventListener('click', (e) => {
  const b = e.target.closest('button.cite');
  if (!b) return;
  trigger('click', {action: 'cite', aid: b.dataset.aid, n: Number(b.dataset.n),
                    start: Number(b.dataset.start), end: Number(b.dataset.end)});
});
"""

SOURCES_JS = """
element.addEventListener('change', (e) => {
  if (!e.target.matches('input.scope')) return;
  const ids = [...element.querySelectorAll('input.scope:checked')].map((x) => x.dataset.aid);
  trigger('click', {action: 'scope', ids: ids});
});
element.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-action]');
  if (!b) return;
  const act = b.dataset.action;
  if (act === 'remove' && !window.confirm('Remove “' + b.dataset.title + '” from the library?')) {
    return;
  }
  if (act === 'all') {
    element.querySelectorAll('input.scope').forEach((x) => { x.checked = false; });
    trigger('click', {action: 'scope', ids: []});
    return;
  }
  trigger('click', {action: act, aid: b.dataset.aid});
});
"""

VIEWER_JS = """
watch('value', () => {
  const m = element.querySelector('mark');
  const box = element.querySelector('.v-text');
  if (box) box.scrollTop = m ? Math.max(0, m.offsetTop - box.offsetTop - box.clientHeight / 3) : 0;
  element.scrollIntoView({block: 'nearest', behavior: 'smooth'});
});
element.addEventListener('click', (e) => {
  const b = e.target.closest('button[data-action]');
  if (b) trigger('click', {action: b.dataset.action, aid: b.dataset.aid});
});
"""

CSS = """
.gradio-container { max-width: 1400px !important; }
#title h1 { font-size: 1.5rem; margin: 0; }
#title p, .meta, .abstain, .note, .status, .timing, .empty, #scope-note, .src-head,
.cites-box summary { color: var(--body-text-color-subdued); }
#title p { margin: 0.15rem 0 0; }
#chat { max-height: calc(100vh - 330px); min-height: 160px; overflow-y: auto !important;
  padding: 0.25rem 0.5rem; }
.msg { margin: 0.6rem 0; }
.msg .who, .v-label { font-size: 0.78rem; font-weight: 600; text-transform: uppercase; }
.msg p { margin: 0.2rem 0 0.45rem; line-height: 1.55; }
.msg.user p { font-weight: 600; }
.msg.bot { border-left: 3px solid var(--color-accent); padding-left: 0.75rem; }
.answer-text ul { margin: 0.2rem 0 0.5rem 1.1rem; padding: 0; }
.answer-text li { margin: 0.2rem 0; line-height: 1.5; }
.draft { white-space: pre-wrap; }
.marks { white-space: nowrap; }
button.cite { font: inherit; font-size: 0.78em; font-weight: 600; vertical-align: super;
  line-height: 1; min-width: 1.6em; padding: 0.15em 0.35em; margin: 0 0.1em; cursor: pointer;
  border-radius: 0.35em; border: 1px solid var(--color-accent);
  background: var(--color-accent-soft); color: var(--body-text-color); }
button.cite:hover { background: var(--color-accent); color: white; }
.cites-box summary, .why summary { cursor: pointer; font-size: 0.85em; margin-top: 0.3rem; }
.why { font-size: 0.9em; color: var(--body-text-color-subdued); }
.why .cites li { display: block; }
.cites, .src-list, .upload-report { list-style: none; padding: 0; margin: 0.4rem 0 0; }
.cites { font-size: 0.88em; }
.cites li, .src { display: flex; gap: 0.5rem; align-items: flex-start; margin: 0.35rem 0; }
.cites li button.cite { vertical-align: baseline; margin-top: 0.15em; }
.meta { font-size: 0.88em; }
.unsupported { text-decoration: underline wavy #c2410c; text-underline-offset: 3px; }
.flag { display: inline-block; margin-left: 0.35em; padding: 0 0.4em; border-radius: 0.3em;
  font-size: 0.75em; font-weight: 600; background: #ffedd5; color: #9a3412; }
.note, .timing, #scope-note, .src-head, .upload-report { font-size: 0.85em; }
.error { color: #b91c1c; font-weight: 600; }
.empty { padding: 0.5rem 0; }
.src-head { display: flex; justify-content: space-between; gap: 0.5rem; }
#sources:not(:has(input.scope:checked)) button[data-action="all"] { display: none; }
.src-list { max-height: 52vh; overflow-y: auto; }
.src { margin: 0; padding: 0.45rem 0; border-bottom: 1px solid var(--border-color-primary); }
.src input.scope { margin-top: 0.25rem; width: 1.05rem; height: 1.05rem; flex: none; }
.src-body { min-width: 0; }
.src-title { font-weight: 600; font-size: 0.92em; line-height: 1.35; cursor: pointer; }
.src-title, .v-text, .upload-report li { overflow-wrap: anywhere; }
.src-actions { display: flex; gap: 0.75rem; margin-top: 0.15rem; }
button.link { font: inherit; font-size: 0.85em; background: none; border: none; padding: 0;
  color: var(--color-accent); cursor: pointer; text-decoration: underline; }
button.link.danger, .up-rejected .up-status { color: #b91c1c; }
.viewer h3 { margin: 0.1rem 0 0.2rem; font-size: 1.05rem; line-height: 1.35; }
.v-label { color: var(--color-accent); }
.v-text { white-space: pre-wrap; line-height: 1.55; font-size: 0.92em; max-height: 60vh;
  overflow-y: auto; margin-top: 0.5rem; padding-right: 0.4rem; }
.v-text mark { background: #fde68a; color: #1f2937; border-radius: 2px; }
.up-name { font-weight: 600; }
.up-status { font-size: 0.8em; font-weight: 600; padding: 0 0.35em; border-radius: 0.3em;
  background: #e0e7ff; color: #3730a3; }
.up-added .up-status { background: #dcfce7; color: #166534; }
.up-rejected .up-status { background: #fee2e2; }
button:focus-visible, input:focus-visible, textarea:focus-visible, a:focus-visible,
.v-text:focus-visible { outline: 3px solid #2563eb !important; outline-offset: 2px; }
@media (max-width: 700px) {
  #chat { max-height: none; overflow-y: visible !important; }
  .col-chat { order: -1; }
  .col-sources { order: 1; }
  .src-list, .v-text { max-height: 50vh; }
}
"""
