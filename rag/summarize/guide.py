"""Per-article guide (like a notebook's source guide): a short summary and 3-5 key points, cited.

One model call per article, ever: the guide is cached in memory and in
`<data_dir>/guides/<article id>.json`, keyed by a hash of the article text, so it survives restarts
and a changed article gets a fresh guide.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
from collections.abc import Generator
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from rag import prompts
from rag.answer import format_passages
from rag.schema import Answer, Article, Citation, Timings, Token
from rag.summarize.base import Line, Row, finish, quoted, verify
from rag.summarize.context import Context
from rag.summarize.pool import Sent, candidates, embed, mmr, trim, unit

PASSAGES = 8  # the article's sentences shown to the model
MIN_POINTS, MAX_POINTS = 3, 5
_SAFE_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
_POINTS = re.compile(r"^\W*key points?\W*", re.IGNORECASE)
_BULLET = re.compile(r"^(?:[-*•]|\d+[.)])\s+")


def text_hash(article: Article) -> str:
    return hashlib.sha256(article.text.encode("utf-8")).hexdigest()[:16]


class GuideCache:
    """Guides by article id, in memory and as JSON files; a stale text hash is a miss."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._mem: dict[tuple[str, str], Answer] = {}
        self._lock = threading.Lock()

    def _path(self, article_id: str) -> Path | None:
        return self.folder / f"{article_id}.json" if _SAFE_ID.match(article_id) else None

    def get(self, article: Article) -> Answer | None:
        key = (article.id, text_hash(article))
        with self._lock:
            if key in self._mem:
                return self._mem[key]
        path = self._path(article.id)
        if path is None or not path.is_file():
            return None
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            if data.get("text_hash") != key[1]:
                return None
            answer = _answer_from_json(data["answer"])
        except (OSError, ValueError, KeyError, TypeError):
            return None  # a damaged cache file is a miss, and is rewritten
        with self._lock:
            self._mem[key] = answer
        return answer

    def put(self, article: Article, answer: Answer) -> None:
        key = (article.id, text_hash(article))
        with self._lock:
            self._mem[key] = answer
        path = self._path(article.id)
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            record = {"article_id": article.id, "text_hash": key[1], "answer": _to_json(answer)}
            tmp = path.with_suffix(".tmp")
            tmp.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
            tmp.replace(path)  # atomic: a crash never leaves half a file
        except OSError:
            pass  # the guide is still served from memory; persisting is best effort


def _to_json(answer: Answer) -> dict[str, Any]:
    return {
        "question": answer.question,
        "text": answer.text,
        "citations": [asdict(c) for c in answer.citations],
        "abstained": answer.abstained,
        "mode": answer.mode,
        "note": answer.note,
        "dropped": answer.dropped,
    }


def _answer_from_json(data: dict[str, Any]) -> Answer:
    return Answer(
        question=str(data["question"]),
        text=str(data["text"]),
        citations=[Citation(**c) for c in data["citations"]],
        abstained=bool(data["abstained"]),
        mode=data["mode"],
        note=str(data.get("note", "")),
        dropped=list(data.get("dropped", [])),
    )


def cached(cache: GuideCache, article: Article, question: str, t0: float) -> Answer | None:
    hit = cache.get(article)
    if hit is None:
        return None
    ms = round((time.perf_counter() - t0) * 1000, 1)
    return replace(hit, question=question, timings=Timings(ms, None, ms))


def select(article: Article, sents: list[Sent], vecs: np.ndarray) -> list[int]:
    """The article's most central sentences (lead first, not repeating each other), in order."""
    if not sents:
        return []
    centre = unit(vecs.mean(axis=0, keepdims=True))[0]
    relevance = np.array(
        [0.6 * float(vecs[i] @ centre) + 0.4 / (1 + s.index / 3) for i, s in enumerate(sents)]
    )
    return sorted(mmr(range(len(sents)), vecs, PASSAGES, relevance))


def run(ctx: Context, article: Article) -> Generator[Token, None, Answer]:
    ctx.step(0, 2, "reading the article")
    sents = candidates(article)
    vecs = embed(ctx.embeddings, [s.text for s in sents])
    chosen = [sents[i] for i in select(article, sents, vecs)]
    prepared = time.perf_counter()
    ctx.step(1, 2, "writing the guide")
    summary: list[Line] = []
    points: list[Line] = []
    dropped: list[str] = []
    draft = None
    if chosen:
        passages = format_passages([s.evidence(n) for n, s in enumerate(chosen, 1)])
        draft = yield from ctx.writer.write(
            prompts.render("summary_guide_user", title=article.title, passages=passages),
            max_tokens=220,
        )
    if draft and not ctx.writer.failure:
        head, tail = split_guide(draft)
        checked = verify(ctx.checker, head, chosen)
        summary, dropped = checked.lines[:2], checked.dropped
        said = {(s.start, s.end) for x in summary for s in x.sources}
        for raw in tail[:MAX_POINTS]:
            got = verify(ctx.checker, raw, chosen)
            dropped += got.dropped
            # A point that only restates the summary's own sentences adds nothing.
            if got.lines and not {(s.start, s.end) for s in _union(got.lines)} <= said:
                point = Line(" ".join(x.body for x in got.lines), _union(got.lines), "- ")
                point.from_llm = True
                points.append(point)
    if not summary and chosen:
        summary = [Line(quoted(chosen[0], trim(chosen[0].text, limit=240)), [chosen[0]])]
    cited = {(s.start, s.end) for x in summary + points for s in x.sources}
    for s in chosen:  # too few verified points: the central sentences, quoted
        if len(points) >= MIN_POINTS:
            break
        if (s.start, s.end) not in cited:
            points.append(Line(quoted(s, trim(s.text, limit=200)), [s], "- "))
            cited.add((s.start, s.end))
    rows: list[Row] = []
    if summary:
        summary[0].prefix = "**Summary:** "
        rows += [summary, "**Key points:**", *points]
    ctx.step(2, 2, "done")
    return finish(ctx.question, rows, ctx.t0, prepared, ctx.writer, "", dropped)


def split_guide(draft: str) -> tuple[str, list[str]]:
    """The model's guide as (summary text, key point lines), with or without a "Key points"
    heading: bullet and numbered lines are points, the rest is the summary."""
    summary: list[str] = []
    points: list[str] = []
    in_points = False
    for line in draft.splitlines():
        text = line.strip()
        if not text:
            continue
        m = _POINTS.match(text)
        if m:
            in_points = True
            text = text[m.end() :].strip()
            if not text:
                continue
        if in_points or _BULLET.match(text):
            points.append(text)
        else:
            summary.append(text)
    return " ".join(summary), points


def _union(lines: list[Line]) -> list[Sent]:
    return list(dict.fromkeys(s for x in lines for s in x.sources))
