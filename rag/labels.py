"""The one name a source is shown by, in answers, summaries, the page and JSON.

Its outlet; else its site, from the URL ("www.reuters.com/..." gives "reuters.com"); else its
title, shortened at a word boundary. Never the file name an article was read from: a file stem
such as "002_f67a801f5426b32f" tells a reader nothing. Articles stored before this rule may carry
a file stem as their outlet; it is recognised (it looks like an id, or is the stem of the
article's source with a number in it) and replaced when the article or its passages are read.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from urllib.parse import urlparse

from rag.schema import Article

TITLE_CHARS = 40  # a label longer than this crowds the citation line and the source list
UNKNOWN = "Unknown source"


def outlet_from_url(url: str | None) -> str | None:
    """The host without "www.": "https://www.reuters.com/world/..." gives "reuters.com"."""
    if not url:
        return None
    try:
        host = urlparse(url if "//" in url else "//" + url).hostname
    except ValueError:
        return None
    if not host or "." not in host:
        return None
    return host.removeprefix("www.")


def looks_like_id(token: str) -> bool:
    """Account ids and hashes ("9Lau...3RuW", "f67a801f5426b32f"), not names."""
    if "..." in token or "…" in token:
        return True
    return (
        len(token) >= 12 and bool(re.search(r"\d", token)) and bool(re.search(r"[A-Za-z]", token))
    )


def shorten(text: str, limit: int = TITLE_CHARS) -> str:
    """`text` cut at a word boundary to at most `limit` characters, with "…" when cut."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit + 1].rsplit(" ", 1)[0] if " " in text[: limit + 1] else text[:limit]
    return cut.rstrip(",;:–—-. ") + "…"


def file_stem(source: str) -> str:
    path = source.split("#", 1)[0]
    return PurePath(path).stem if path else ""


def is_file_stem(name: str, source: str = "") -> bool:
    """An id-like name ("002_f67a801f5426b32f"), or the article's file name with a number in
    it ("story_0042"). A file named after its outlet ("Reuters.txt") keeps that name: a user
    who gives an outlet the file's name means it."""
    name = name.strip()
    if " " not in name and looks_like_id(name):
        return True
    return bool(source) and name == file_stem(source) and bool(re.search(r"\d", name))


def source_label(
    outlet: str | None, url: str | None = None, title: str | None = None, source: str = ""
) -> str:
    """Outlet, else site from the URL, else the shortened title; never a file stem."""
    if outlet and outlet.strip() and not is_file_stem(outlet, source):
        return " ".join(outlet.split())
    site = outlet_from_url(url)
    if site:
        return site
    if title and title.strip() and not is_file_stem(title, source):
        return shorten(title)
    return UNKNOWN


def article_label(article: Article) -> str:
    return source_label(article.outlet, article.url, article.title, article.source)
