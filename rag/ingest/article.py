"""The one place where raw text (or HTML) plus known metadata becomes a clean Article."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass

from rag.ingest.clean import clean
from rag.ingest.htmlpage import read_html
from rag.ingest.meta import (
    byline_authors,
    clean_title,
    outlet_from_header,
    outlet_from_url,
    parse_date,
    split_authors,
    story_date,
    strip_site_suffix,
    title_from_text,
)
from rag.injection import is_injection, strip_injections
from rag.labels import source_label
from rag.schema import Article
from rag.text import normalize

_HOST = re.compile(r"(?:https?://)?(?:www\.)?[\w-]+(?:\.[\w-]+)+/?", re.I)


@dataclass(frozen=True)
class Rejected:
    """An input that gave no article, with a reason a user can act on."""

    source: str  # a path, or path#lineN for a JSONL record
    reason: str


def article_id(text: str) -> str:
    """Stable id from content: the same story text always gets the same id, whatever its source."""
    canonical = " ".join(normalize(text).split())
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]


def _tidy_outlet(outlet: str | None) -> str | None:
    if not outlet or not outlet.strip():
        return None
    outlet = " ".join(outlet.split())
    if _HOST.fullmatch(outlet):  # "www.reuters.com" given as a site name
        return outlet_from_url(outlet) or outlet
    return outlet


def article_from_text(
    text: str,
    *,
    source: str,
    title: str | None = None,
    url: str | None = None,
    published: str | None = None,
    authors: Sequence[str] = (),
    outlet: str | None = None,
    html: bool = False,
) -> Article | Rejected:
    """Clean `text` and fill in the metadata; explicit arguments win over what the text says."""
    page_authors: tuple[str, ...] = ()
    page_published = page_outlet = None
    if html:
        page = read_html(text, url)
        text = page.text
        title = title or page.title
        url = url or page.url
        page_authors, page_published, page_outlet = page.authors, page.published, page.outlet
    if not text or not text.strip():
        what = "the page has no readable article text" if html else "empty text"
        return Rejected(source, what)

    given_title = clean_title(title)
    cleaned = clean(text, title=given_title)
    if not cleaned.text:
        return Rejected(
            source, "no story text left after removing page furniture (menus, link lists, comments)"
        )
    if len(cleaned.text.split()) < 40 and len(cleaned.text) < 0.2 * len(text.strip()):
        # A failed capture: a consent notice or ad widget with a stray sentence left over.
        return Rejected(source, "almost all of it is page furniture, not a story")
    # An article is data: what addresses a model is no part of it, and never reaches the index.
    story, dropped = strip_injections(cleaned.text)
    if not story:
        return Rejected(source, "all of its text is addressed to a language model, not a story")
    final_title = given_title or cleaned.title or title_from_text(story)
    if is_injection(final_title):
        dropped = (" ".join(final_title.split()), *dropped)
        final_title = title_from_text(story)
    date = parse_date(published) if published else None
    date = date or page_published or story_date(list(cleaned.preamble), list(cleaned.header), story)
    names = split_authors(list(authors)) or page_authors
    if not names:
        found: list[str] = []
        for line in cleaned.bylines:
            found.extend(byline_authors(line) or [])
        names = split_authors(found)
    final_outlet = (
        _tidy_outlet(outlet)
        or _tidy_outlet(page_outlet)
        or outlet_from_url(url)
        or outlet_from_header(list(cleaned.header))
    )
    final_title = strip_site_suffix(final_title, final_outlet)
    return Article(
        id=article_id(story),
        title=final_title,
        text=story,
        # No outlet named anywhere: the label readers see (site, else short title), never the
        # file name (rag.labels).
        outlet=final_outlet or source_label(None, url, final_title, source),
        published=date,
        url=url or None,
        authors=names,
        source=source,
        dropped=dropped,
    )
