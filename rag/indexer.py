"""Ingest bookkeeping between rag.ingest (files -> clean Articles) and the store.

Decides, per article: already stored (unchanged), exact or near duplicate of a stored story
(recorded on the canonical article, not indexed again), a new version of a stored source (the old
one is replaced, no orphan chunks left), or new. Writes in batches so embedding runs efficiently.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from pathlib import Path
from typing import Any

from rag.config import Settings
from rag.ingest import (
    Rejected,
    SignatureIndex,
    chunk_article,
    input_bytes,
    prepare,
    signature,
    signature_from_str,
    signature_to_str,
)
from rag.schema import Article, Chunk, IngestReport
from rag.store import NewsStore

# (done, in all, source of the story just read): bytes of input when read from paths (a batch can
# be one JSONL file of thousands of stories), else stories read.
Progress = Callable[[int, int | None, str], None]


class Pace:
    """Stories read per second and the time left, for a progress line: the rate counts stories
    (what a user thinks in), the time left comes from bytes (what the total is known in)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.start = clock()
        self.articles = 0

    def step(self, done: int, total: int | None) -> str:
        self.articles += 1
        elapsed = max(self.clock() - self.start, 1e-9)
        noun = "article" if self.articles == 1 else "articles"
        line = f"{self.articles} {noun}, {self.articles / elapsed:.1f}/s"
        if total and 0 < done < total:
            left = elapsed * (total - done) / done
            line += f", about {_duration(left)} left"
        return line


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 60 else f"{minutes // 60} h {minutes % 60:02d} min"


def identity(url: str, source: str) -> str:
    """What makes two versions "the same article": its URL when known (a story re-scraped a week
    later keeps its URL but not its position in a file), else where it was read from."""
    return f"url:{url}" if url else f"src:{source}"


_BATCH_CHUNKS = 256


class Indexer:
    def __init__(self, store: NewsStore, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    def _load_state(self) -> tuple[dict[str, dict[str, Any]], SignatureIndex, dict[str, str]]:
        known = self.store.article_index()
        sigs = SignatureIndex()
        by_key: dict[str, str] = {}
        for aid, meta in known.items():
            if meta.get("minhash"):
                sigs.add(aid, signature_from_str(str(meta["minhash"])))
            by_key[identity(str(meta.get("url") or ""), str(meta.get("source") or ""))] = aid
        return known, sigs, by_key

    def ingest(
        self,
        items: Iterable[Article | Rejected],
        progress: Progress | None = None,
        total: int | None = None,
        done: Callable[[], int] | None = None,
    ) -> IngestReport:
        report = IngestReport()
        self.store.repair()  # chunks left by an interrupted run go before anything else
        known, sigs, by_key = self._load_state()
        self._pending: dict[str, tuple[Article, list[Chunk], str]] = {}
        pending_chunks = 0
        cfg = self.settings.ingest

        def flush() -> None:
            nonlocal pending_chunks
            report.chunks += self.store.write(list(self._pending.values()))
            self._pending, pending_chunks = {}, 0

        for n, item in enumerate(items, 1):
            if progress:
                progress(done() if done else n, total, item.source)
            if isinstance(item, Rejected):
                report.rejected.append((item.source, item.reason))
                continue
            article = item
            if article.id in known:
                stored = known[article.id]
                if stored.get("source") == article.source:
                    report.unchanged.append(article.id)
                else:
                    self._note_duplicate(article, article.id, known, report)
                continue
            key = identity(article.url or "", article.source)
            sig = signature(article.text)
            match = sigs.best_match(sig, cfg.near_dup_threshold)
            if match is not None and by_key.get(key) != match[0]:
                self._note_duplicate(article, match[0], known, report)
                continue
            old = by_key.get(key)
            if old and old != article.id:
                # A new version of a stored article: remove the old one so it leaves no orphans.
                if old in self._pending:  # both versions in this batch: keep only the last
                    pending_chunks -= len(self._pending.pop(old)[1])
                    report.added.remove(old)
                else:
                    if self._pending:
                        flush()
                    self.store.remove(old)
                    report.replaced.append(old)
                sigs.remove(old)
                known.pop(old, None)
            chunks = chunk_article(
                article, chunk_chars=cfg.chunk_chars, overlap_sentences=cfg.chunk_overlap_sentences
            )
            if not chunks:
                report.rejected.append((article.source, "no text left after cleaning"))
                continue
            sig_s = signature_to_str(sig)
            self._pending[article.id] = (article, chunks, sig_s)
            pending_chunks += len(chunks)
            known[article.id] = {
                "source": article.source,
                "outlet": article.outlet,
                "url": article.url or "",
                "also_in": "",
                "minhash": sig_s,
            }
            sigs.add(article.id, sig)
            by_key[key] = article.id
            report.added.append(article.id)
            if pending_chunks >= _BATCH_CHUNKS:
                flush()
        if self._pending:
            flush()
        return report

    def _note_duplicate(
        self,
        article: Article,
        canonical: str,
        known: dict[str, dict[str, Any]],
        report: IngestReport,
    ) -> None:
        report.duplicates.append((article.source, canonical))
        meta = known.get(canonical, {})
        outlets = [o for o in str(meta.get("also_in", "")).split("|") if o]
        own = str(meta.get("outlet", ""))
        if article.outlet and article.outlet != own and article.outlet not in outlets:
            outlets.append(article.outlet)
            meta["also_in"] = "|".join(outlets)
            if canonical in self._pending:  # not written yet: it goes in with the list
                art, chunks, sig = self._pending[canonical]
                self._pending[canonical] = (replace(art, also_in=tuple(outlets)), chunks, sig)
            else:
                self.store.set_also_in(canonical, outlets)


def ingest_paths(
    store: NewsStore,
    settings: Settings,
    paths: Iterable[str | Path],
    progress: Progress | None = None,
) -> IngestReport:
    paths = list(paths)
    read = [0]

    def meter(n: int) -> None:
        read[0] += n

    items = prepare(paths, max_file_mb=settings.ingest.max_file_mb, meter=meter)
    return Indexer(store, settings).ingest(items, progress, input_bytes(paths), lambda: read[0])
