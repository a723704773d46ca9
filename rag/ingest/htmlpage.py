"""Main text and metadata of an HTML news page.

trafilatura finds the main text; a small stdlib parser reads the explicit metadata (<meta>,
JSON-LD, <time>) and supplies the text when trafilatura finds none. Explicit publication metadata
wins over trafilatura's date, which may be guessed from the page's text or URL.
"""

from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Any

from rag.ingest.meta import outlet_from_url, parse_date, split_authors

_SKIP = {
    *("script", "style", "noscript", "template", "svg", "nav", "footer", "aside", "form"),
    *("iframe", "button", "select"),
}
_BLOCK = {
    *("p", "div", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "figcaption", "pre"),
    *("td", "th", "tr", "dd", "dt", "article", "section", "br", "header", "main", "ul", "ol"),
}
_DATE_KEYS = (
    "article:published_time", "og:article:published_time", "datepublished", "pubdate",
    "publishdate", "publish-date", "publish_date", "publication_date", "dc.date.issued",
    "dcterms.created", "dc.date", "sailthru.date", "parsely-pub-date", "article.published", "date",
)  # fmt: skip
_AUTHOR_KEYS = ("author", "article:author", "parsely-author", "sailthru.author", "dc.creator")
_FIGURE = re.compile(r"<(/?)(?:figure|figcaption)\b", re.I)


@dataclass(frozen=True)
class Page:
    text: str
    title: str | None = None
    authors: tuple[str, ...] = ()
    published: str | None = None
    outlet: str | None = None
    url: str | None = None


class _PageParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.meta: dict[str, str] = {}
        self.jsonld: list[str] = []
        self.blocks: list[str] = []
        self.title = ""
        self.h1 = ""
        self.time: str | None = None
        self.canonical: str | None = None
        self._buf: list[str] = []
        self._skip = 0
        self._in: list[str] = []  # open tags whose text is collected separately

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k.lower(): v or "" for k, v in attrs}
        if tag == "meta":
            key = (a.get("property") or a.get("name") or a.get("itemprop") or "").lower()
            if key and a.get("content") and key not in self.meta:
                self.meta[key] = a["content"].strip()
        elif tag == "link" and "canonical" in a.get("rel", "").lower() and a.get("href"):
            self.canonical = self.canonical or a["href"]
        elif tag == "time" and self.time is None and (a.get("datetime") or "pubdate" in a):
            self.time = a.get("datetime") or None
        elif tag == "script" and "ld+json" in a.get("type", "").lower():
            self._in.append("ld")
            self.jsonld.append("")
            return
        if tag in ("title", "h1"):
            self._in.append(tag)
        if tag in _SKIP:
            self._skip += 1
        elif tag in _BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if self._in and (self._in[-1] == tag or (self._in[-1] == "ld" and tag == "script")):
            self._in.pop()
            if tag == "script":
                return
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in and self._in[-1] == "ld":
            self.jsonld[-1] += data
            return
        if "title" in self._in:
            self.title += data
            return
        if "h1" in self._in and not self.h1.strip():
            self.h1 += data
        if not self._skip:
            self._buf.append(data)

    def _flush(self) -> None:
        text = " ".join("".join(self._buf).split())
        if text:
            self.blocks.append(text)
        self._buf = []

    def close(self) -> None:
        super().close()
        self._flush()


def _jsonld_article(raw: list[str]) -> dict[str, Any]:
    """The first JSON-LD object that describes an article (NewsArticle, Article, BlogPosting...)."""
    stack: list[Any] = []
    for chunk in raw:
        try:
            stack.append(json.loads(chunk))
        except ValueError:
            continue
    while stack:
        item = stack.pop(0)
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            kind = item.get("@type")
            kinds = kind if isinstance(kind, list) else [kind]
            if any(
                isinstance(k, str) and (k.endswith("Article") or k == "BlogPosting") for k in kinds
            ):
                return item
            if "@graph" in item:
                stack.extend(item["@graph"] if isinstance(item["@graph"], list) else [])
    return {}


def _trafilatura(html: str, url: str | None) -> Any:
    try:
        from trafilatura import bare_extraction
    except ImportError:  # the stdlib path still works, just less precisely
        return None
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    # trafilatura drops <figure>; photo captions are story text, so present them as paragraphs.
    prepared = _FIGURE.sub(lambda m: f"<{m.group(1)}div", html)
    try:
        return bare_extraction(
            prepared, url=url, with_metadata=True, include_comments=False, include_tables=True
        )
    except Exception:  # a parser crash on one odd page must not stop an ingest
        return None


def read_html(html: str, url: str | None = None) -> Page:
    parser = _PageParser()
    try:
        parser.feed(html)
        parser.close()
    except Exception:  # html.parser rarely fails, but a broken page is still a page
        pass
    meta = parser.meta
    ld = _jsonld_article(parser.jsonld)
    doc = _trafilatura(html, url)

    text = (getattr(doc, "text", None) or "").strip() or "\n\n".join(parser.blocks)
    page_url = url or parser.canonical or meta.get("og:url") or getattr(doc, "url", None)

    published = None
    for key in _DATE_KEYS:
        published = published or parse_date(meta.get(key))
    published = published or parse_date(ld.get("datePublished") or ld.get("dateCreated"))
    published = published or parse_date(parser.time) or parse_date(getattr(doc, "date", None))

    authors = split_authors(ld.get("author"))
    if not authors:
        for key in _AUTHOR_KEYS:
            if key in meta and not meta[key].startswith("http"):
                authors = split_authors(meta[key])
                break
    if not authors and getattr(doc, "author", None):
        authors = split_authors(str(doc.author).replace(";", ","))

    publisher = ld.get("publisher")
    outlet = (
        meta.get("og:site_name")
        or (publisher.get("name") if isinstance(publisher, dict) else None)
        or getattr(doc, "sitename", None)
        or outlet_from_url(page_url)
    )
    title = (
        meta.get("og:title")
        or (ld.get("headline") if isinstance(ld.get("headline"), str) else None)
        or getattr(doc, "title", None)
        or parser.h1.strip()
        or parser.title.strip()
        or None
    )
    return Page(
        text=text,
        title=" ".join(title.split()) if title else None,
        authors=authors,
        published=published,
        outlet=str(outlet) if outlet else None,
        url=page_url,
    )
