"""What an article and its chunks look like as Chroma records, and an article read back.

Chroma metadata holds flat scalars only: lists are joined ("|" between authors or outlets, a
newline between dropped sentences), a missing date is "" with day ordinal 0, and the ordinal is
stored so date filters can compare numbers (rag.filters). Every chunk carries its article's title,
outlet and date so a hit can be cited without reading the article.
"""

from __future__ import annotations

from typing import Any

from rag.filters import date_ordinal
from rag.labels import source_label
from rag.schema import Article, Chunk


def article_meta(article: Article, signature: str, n_chunks: int) -> dict[str, Any]:
    return {
        "title": article.title,
        "outlet": article.outlet,
        "published": article.published or "",
        "published_day": date_ordinal(article.published),
        "url": article.url or "",
        "authors": "|".join(article.authors),
        "source": article.source,
        "also_in": "|".join(article.also_in),
        "dropped": "\n".join(article.dropped),  # one line each (rag.injection.strip_injections)
        "minhash": signature,
        "n_chunks": n_chunks,
    }


def chunk_meta(article: Article, chunk: Chunk) -> dict[str, Any]:
    return {
        "article_id": article.id,
        "title": article.title,
        "outlet": article.outlet,
        "published": article.published or "",
        "published_day": date_ordinal(article.published),
        "url": article.url or "",
        "start": chunk.start,
        "end": chunk.end,
        "index": chunk.index,
    }


def article_from_record(article_id: str, text: str, meta: dict[str, Any]) -> Article:
    title, source = str(meta.get("title", "")), str(meta.get("source", ""))
    return Article(
        id=article_id,
        title=title,
        text=text,
        # Stores written before rag.labels may hold a file stem as the outlet.
        outlet=source_label(str(meta.get("outlet", "")), str(meta.get("url", "")), title, source),
        published=str(meta.get("published")) or None,
        url=str(meta.get("url")) or None,
        authors=tuple(a for a in str(meta.get("authors", "")).split("|") if a),
        source=str(meta.get("source", "")),
        also_in=tuple(a for a in str(meta.get("also_in", "")).split("|") if a),
        dropped=tuple(x for x in str(meta.get("dropped") or "").split("\n") if x),
    )
