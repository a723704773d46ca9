"""HTML for the chat page (`app.py`): conversation, sources, source viewer, upload report.

The one rule here: every string that comes from an article, a file name, a model or a user goes
through `esc()` before it becomes markup. Nothing in this module trusts its input, so the page
can hand its output to `gr.HTML` as is. Clicks are wired by the small scripts in `ui/assets/`
(run by `gr.HTML(js_on_load=...)`), which read only `data-*` attributes and send them to the
server; the page's style is `ui/assets/page.css`.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from rag.cite import UNSUPPORTED_MARK, answer_sentences, looks_like_abstention
from rag.config import Settings
from rag.schema import Answer, Article, Citation, IngestReport, source_file

ASSETS = Path(__file__).resolve().parent / "assets"

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
    shown = (
        f'<p class="why-draft">The model’s draft: “{esc(draft)}”</p>'
        if (draft and not looks_like_abstention(draft))
        else ""
    )
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


def disagreement(answer: Answer) -> str:
    """A short note under an answer whose sources disagree: each value, how many outlets give
    it, and which claim rests on one source alone (the answer text says it in full)."""
    lines = []
    for c in answer.conflicts:
        topic = "" if c.slot == "who" else f" on the {c.slot}"
        values = "; ".join(
            f"{v.value} ({len(v.outlets)} outlet{'s' * (len(v.outlets) != 1)}: "
            f"{', '.join(v.outlets)})"
            for v in c.claims
        )
        lone = f" “{c.minority}” rests on one source alone." if c.lone else ""
        lines.append(f"<li>Sources disagree{esc(topic)}: {esc(values)}.{esc(lone)}</li>")
    if not lines:
        return ""
    return f'<div class="note disagree" role="note"><ul>{"".join(lines)}</ul></div>'


def _answer_block(answer: Answer) -> str:
    if answer.abstained:
        body = f'<p class="abstain">{esc(answer.text)}</p>{why_no_answer(answer)}'
    else:
        body = (
            f'<div class="answer-text">{answer_body(answer)}</div>{disagreement(answer)}'
            f"{citation_list(answer)}"
        )
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


# -- assets: the page's CSS and the click wiring (js_on_load of gr.HTML) ---------------------------


@cache
def asset(name: str) -> str:
    """The text of `ui/assets/<name>` (package data, read once)."""
    return (ASSETS / name).read_text(encoding="utf-8")
