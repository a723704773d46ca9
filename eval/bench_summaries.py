"""`newsrag bench --only summaries`: how fast summaries come, against issue 16's targets.

On the seed articles: the overview (time to its first streamed sentence, and in all), the
timeline, a topic summary ("the Ukraine war") and an overview in 3 bullets (the chat's "recap
in 3 bullets"); then the overview of one RealTimeQA week (~200 articles, a January-June 2023 tune
week, ingested into its own store before the clock).
The model's weights are loaded before the first clock starts: the figures are what a user of a
running page waits after clicking.

The targets are for 2 idle cores, so each measurement records how many cores other processes
kept busy in the second before it (the load average would count this run's own previous
summaries): a figure measured beside another busy process is reported, and marked so.
"""

from __future__ import annotations

import re
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from rag.calibration.fit import REPORT_WEEKS
from rag.schema import Answer, Token
from rag.summarize.form import Form

TOPIC = "the Ukraine war"
DEFAULT_WEEK = "20230113"
FIRST_SENTENCE_S = 8.0
BUSY = 0.25  # cores busy elsewhere above which a measurement is not on "idle cores"
# measure -> target in seconds (issue 16, "Fast, and visibly working"); None: reported only
TARGETS: dict[str, float | None] = {
    "overview, first sentence": FIRST_SENTENCE_S,
    "overview, total": 30.0,
    "timeline, total": 2.0,
    "topic summary, first sentence": FIRST_SENTENCE_S,
    "topic summary, total": None,
    "overview in 3 bullets, first sentence": FIRST_SENTENCE_S,
    "overview in 3 bullets, total": None,
    "week overview, first sentence": FIRST_SENTENCE_S,
    "week overview, total": 90.0,
}
# A sentence has ended: a model reply's end (the summarizer writes one sentence a call and ends
# each call with a newline), or a full stop after at least 20 characters ("U.S. officials" must
# not count as a sentence after its first four).
_SENTENCE = re.compile(r"\S[^\n]{19,}?[.!?][\"'”’)\]]*\s|\S[^\n]*\n")


def tune_week(spec: str) -> str | None:
    """The --summary-week value: a January-June 2023 week (never a report week), or None for
    "none". Raises ValueError for anything else: summaries are timed on tune weeks only."""
    if spec.strip().lower() == "none":
        return None
    week = spec.strip()
    if not re.fullmatch(r"2023(0[1-6])\d\d", week) or week in REPORT_WEEKS:
        raise ValueError(f"--summary-week {spec!r}: use a January-June 2023 week or none")
    return week


@dataclass
class Timed:
    """One summary, timed from the call to its final, verified form."""

    total_s: float
    first_token_s: float | None  # None: no model text streamed
    first_sentence_s: float  # the whole summary's time when nothing streamed before it
    prepared_s: float  # reading, grouping and choosing, before the first model call
    mode: str  # llm | extractive | abstain
    citations: int
    others_busy: float  # cores other processes kept busy in the second before the call
    note: str


def others_busy(window_s: float = 1.0) -> float:
    """Cores kept busy by processes other than this one over `window_s` (0: an idle machine)."""
    import psutil

    me = psutil.Process()

    def sample() -> tuple[float, float]:
        t = psutil.cpu_times()
        own = me.cpu_times()
        return sum(t) - t.idle - getattr(t, "iowait", 0.0), own.user + own.system

    busy0, own0 = sample()
    time.sleep(window_s)
    busy1, own1 = sample()
    return max(0.0, (busy1 - busy0) - (own1 - own0)) / window_s


def time_stream(start: Callable[[], Iterable[Token | Answer]], window_s: float = 1.0) -> Timed:
    load = others_busy(window_s)
    t0 = time.perf_counter()
    text = ""
    first_token: float | None = None
    first_sentence: float | None = None
    final: Answer | None = None
    for event in start():
        now = time.perf_counter() - t0
        if isinstance(event, Answer):
            final = event
            continue
        text += event.text
        if first_token is None and text.strip():
            first_token = now
        if first_sentence is None and _SENTENCE.search(text):
            first_sentence = now
    total = time.perf_counter() - t0
    assert final is not None  # every stream ends with its Answer
    return Timed(
        round(total, 2),
        None if first_token is None else round(first_token, 2),
        round(total if first_sentence is None else first_sentence, 2),
        round(final.timings.retrieve_ms / 1000, 2),
        final.mode,
        len(final.citations),
        round(load, 2),
        final.note,
    )


def _row(measure: str, seconds: float, timed: Timed) -> dict[str, Any]:
    target = TARGETS[measure]
    return {
        "measure": measure,
        "seconds": seconds,
        "target_s": target,
        "met": None if target is None else seconds <= target,
        "others_busy": timed.others_busy,
    }


def summaries_section(
    b: Any, rtqa_dir: Path, week: str | None, warm_up: Callable[[], None]
) -> dict[str, Any]:
    """b: eval.bench.Bench (its seed store, embedder and the one chat model)."""
    news = b.seed_news
    warm_up()  # the model's weights are loaded before any clock starts
    runs: dict[str, Timed] = {}
    for name, start in (
        ("overview", lambda: news.summarize_stream("overview")),
        ("timeline", lambda: news.summarize_stream("timeline")),
        ("topic summary", lambda: news.summarize_stream("overview", TOPIC)),
        # the chat's "recap the coverage in 3 bullets": three model calls, not up to eight
        ("overview in 3 bullets", lambda: news.summarize_stream("overview", form=Form(bullets=3))),
    ):
        runs[name] = _report(name, time_stream(start))
    week_status = "not asked (--summary-week none)"
    articles = 0
    gcs = rtqa_dir / f"{week}_gcs.jsonl" if week else None
    if gcs is not None and not gcs.is_file():
        week_status = f"skipped: {gcs} not found"
    elif gcs is not None:
        store = b.news(b.product_emb, [gcs], f"week {week}", chat=b.chat)
        articles = len(store.articles())
        # What the page does in the background after an upload, before the user can ask: the
        # overview's sentences are embedded ahead (timed here, outside the clock, and reported).
        t0 = time.perf_counter()
        prepared = store.prepare_summaries()
        prep_s = time.perf_counter() - t0
        runs["week overview"] = _report(
            "week overview", time_stream(lambda: store.summarize_stream("overview"))
        )
        week_status = (
            f"{week}: {articles} articles, whose {prepared} overview sentences were embedded "
            f"ahead in {prep_s:.1f} s, as the page does in the background after an upload "
            "(a summary asked before that ends embeds the rest itself)"
            if prepared is not None
            else f"{week}: {articles} articles, too many to prepare (rag.summarize.PREPARE_LIMIT)"
        )
    rows = [
        _row(f"{name}, {part}", getattr(t, f"{part.replace(' ', '_')}_s"), t)
        for name, t in runs.items()
        for part in ("first sentence", "total")
        if f"{name}, {part}" in TARGETS
    ]
    busy = [name for name, t in runs.items() if t.others_busy > BUSY]
    lines = [
        f"Seed articles ({len(news.articles())}), topic “{TOPIC}”, RealTimeQA week "
        f"{week_status}; one {news.settings.llm.backend} model, loaded before the clock. First "
        "sentence: the first complete sentence of streamed model text (the whole summary when "
        "none streamed: the timeline quotes the articles and calls no model). Targets: issue "
        "16, on 2 idle cores."
    ]
    if busy:
        lines.append(
            f"Not idle: other processes kept more than {BUSY:g} cores busy just before "
            f"{'; '.join(busy)}. Those times are not comparable with the targets."
        )
    return {
        "status": "ok",
        "targets": rows,
        "runs": {name: asdict(t) for name, t in runs.items()},
        "week": week if runs.get("week overview") else None,
        "week_articles": articles,
        "lines": lines,
    }


def _report(name: str, t: Timed) -> Timed:
    streamed = "" if t.first_token_s is None else f", first sentence {t.first_sentence_s:.1f} s"
    print(
        f"summaries: {name}: {t.total_s:.1f} s{streamed} (prepared in {t.prepared_s:.1f} s, "
        f"{t.mode}, {t.citations} citations, {t.others_busy:.2f} cores busy elsewhere)",
        file=sys.stderr,
    )
    return t


def targets_table(rows: Iterable[dict[str, Any]]) -> str:
    lines = [
        "| measure | seconds | target | met | cores busy elsewhere |",
        "|---|---:|---:|---|---:|",
    ]
    for r in rows:
        target = "—" if r["target_s"] is None else f"≤ {r['target_s']:g} s"
        met = "—" if r["met"] is None else ("yes" if r["met"] else "**no**")
        lines.append(
            f"| {r['measure']} | {r['seconds']:.1f} | {target} | {met} | {r['others_busy']:.2f} |"
        )
    return "\n".join(lines)
