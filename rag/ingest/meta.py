"""Metadata found in a capture: publication dates, bylines, outlet names, a fallback title.

Dates are parsed with regexes rather than dateutil's fuzzy parser: fuzzy parsing turns a stray
"29" (a view counter) into the 29th of the current month, and a wrong date is worse than none.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

from rag.labels import looks_like_id
from rag.labels import outlet_from_url as outlet_from_url  # its old home
from rag.text import sentence_spans

_MONTHS = {
    "jan": 1, "feb": 2, "mar": 3, "apr": 4, "may": 5, "jun": 6, "jul": 7, "aug": 8, "sep": 9,
    "oct": 10, "nov": 11, "dec": 12,
}  # fmt: skip
_MON = (
    r"(?P<mon>jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    r"|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
)
_YEAR = r"(?P<y>(?:19|20)\d\d)"
_ORD = r"(?:st|nd|rd|th)?"
_PATTERNS = (
    re.compile(rf"\b{_YEAR}[-/.](?P<m>[01]?\d)[-/.](?P<d>[0-3]?\d)(?!\d)"),
    re.compile(rf"\b(?P<d>[0-3]?\d){_ORD}\s+(?:of\s+)?{_MON},?\s+{_YEAR}\b", re.I),
    re.compile(rf"\b{_MON}\s+(?P<d>[0-3]?\d){_ORD},?\s+{_YEAR}\b", re.I),
    # Dotted day-first dates (24.05.2024) are unambiguous in practice; slashed ones are not.
    re.compile(rf"\b(?P<d>[0-3]?\d)\.(?P<m>[01]?\d)\.{_YEAR}\b"),
)
# What may sit next to a date on a date-only line: weekdays, times, "Published", time zones.
_DATE_LINE_FILLER = re.compile(
    r"(?:mon|tues?|wed(?:nes)?|thu(?:rs)?|fri|sat(?:ur)?|sun)(?:day)?\.?|published|updated|posted"
    r"|last|modified|on|at|am|pm|a\.m\.|p\.m\.|gmt|utc|kst|[ecmp][sd]t|bst|cet|cest|msk|ist|jst"
    r"|\d{1,2}:\d\d(?::\d\d)?|[+-]\d\d:?\d\d|t\d\d:\d\d(?::\d\d)?z?|[|,/·•()\-–—:]",
    re.I,
)
_YEAR_IN_TEXT = re.compile(r"\b(?:19|20)\d\d\b")


def parse_date(value: object) -> str | None:
    """The first date written in `value` as ISO YYYY-MM-DD, or None. Accepts epoch seconds too."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(float(value), tz=UTC).date().isoformat()
        except (OverflowError, OSError, ValueError):
            return None
    if not isinstance(value, str):
        return None
    best: tuple[int, str] | None = None
    for pattern in _PATTERNS:
        for m in pattern.finditer(value):
            iso = _valid(m)
            if iso and (best is None or m.start() < best[0]):
                best = (m.start(), iso)
                break
    return best[1] if best else None


def _valid(m: re.Match[str]) -> str | None:
    groups = m.groupdict()
    month = _MONTHS[groups["mon"][:3].lower()] if groups.get("mon") else int(groups["m"])
    try:
        return date(int(groups["y"]), month, int(groups["d"])).isoformat()
    except ValueError:
        return None


def is_date_line(line: str) -> bool:
    """True when a line is just a date (with weekday, time or 'Published' around it)."""
    if len(line) > 80:
        return False
    for pattern in _PATTERNS:
        m = pattern.search(line)
        if m and _valid(m):
            rest = (line[: m.start()] + " " + line[m.end() :]).strip()
            return not _DATE_LINE_FILLER.sub(" ", rest).strip()
    return False


def story_date(preamble: list[str], header: list[str], text: str) -> str | None:
    """The story's date from the lines above it, telling a capture date from a publication date.

    A date line below the headline (the byline area) is the story's date. A date line above the
    headline is usually the site's "today" banner, i.e. when the page was captured; it is trusted
    only when the story itself mentions that year, otherwise None is safer than a wrong date.
    """
    for line in header:
        if is_date_line(line):
            return parse_date(line)
    story_years = set(_YEAR_IN_TEXT.findall(text))
    for line in preamble:
        if is_date_line(line):
            found = parse_date(line)
            if found and found[:4] in story_years:
                return found
    return None


_BYLINE = re.compile(r"^(?:by|written by|words by|reporting by)\s*[.:]?\s+(?P<rest>.+)$", re.I)
_NAME_WORD = re.compile(r"^(?:[A-Z][\w'’.-]*|[a-z]{1,3}|[A-Z]\.)$")  # "Jin", "de", "J."
_NAME_SPLIT = re.compile(r"\s*(?:,|;|&|\band\b)\s*")


def byline_authors(line: str) -> list[str] | None:
    """Names from a byline such as "By. Hyo Jin Kim" or "By Jane Doe and John Roe | Reuters".

    None when the line is not a byline, e.g. "By Tuesday the talks had ended."
    """
    line = line.strip()
    m = _BYLINE.match(line)
    if not m or len(line.split()) > 14 or re.search(r"[!?]$", line):
        return None
    # A sentence ends with a period; a byline may only when it ends with an initial ("Jane Q.").
    if line.endswith(".") and not re.search(r"\b[A-Z]\.$", line):
        return None
    rest = re.split(r"\s+[|–—-]\s+|\s*\|\s*", m.group("rest"))[0]
    names: list[str] = []
    for part in _NAME_SPLIT.split(rest):
        tokens = part.split()
        if not tokens:
            continue
        if not 1 <= len(tokens) <= 5 or not all(_NAME_WORD.match(t) for t in tokens):
            return None
        if not tokens[0][0].isupper():
            return None
        names.append(" ".join(tokens))
    return names or None


# Words that follow an outlet name in a byline area ("inews24 Views") but are not part of it.
_OUTLET_SUFFIX = {"views", "view", "staff", "reporter", "reporters", "desk", "team", "editorial"}


def outlet_from_header(header: list[str]) -> str | None:
    """A short name line right below the headline ("News1", "inews24 Views") names the outlet."""
    for line in header[:3]:
        tokens = line.split()
        while tokens and tokens[-1].lower() in _OUTLET_SUFFIX:
            tokens.pop()
        if not 1 <= len(tokens) <= 3 or is_date_line(line) or byline_authors(line):
            continue
        if any(looks_like_id(t) for t in tokens) or not re.search(r"[^\W\d_]", line):
            continue
        if re.search(r"[.!?,:;]$", tokens[-1]):
            continue
        return " ".join(tokens)
    return None


def title_from_text(text: str, limit: int = 100) -> str:
    """A title for a capture without one: its first sentence, cut at a word boundary."""
    spans = sentence_spans(text)
    first = text[spans[0][0] : spans[0][1]] if spans else text.strip()
    if len(first) <= limit:
        return first
    cut = first[: limit + 1].rsplit(None, 1)[0].rstrip(",;:–—- ")
    return cut + "…"


def clean_title(title: str | None) -> str | None:
    """Search-result titles end in " ..." when truncated; the ellipsis is not part of the title."""
    if title is None:
        return None
    title = " ".join(title.split())
    title = re.sub(r"\s*(?:\.\.\.|…)$", "", title).strip()
    return title or None


_SITE_SUFFIX = re.compile(r"\s+[|–—-]\s+([^|–—]{2,40})$")


def strip_site_suffix(title: str, outlet: str | None) -> str:
    """Drop a " | CNN" or " - USA TODAY" suffix from a title when it names the article's outlet."""
    m = _SITE_SUFFIX.search(title)
    if not m or not outlet:
        return title
    suffix = re.sub(r"\W", "", m.group(1).lower())
    site = re.sub(r"\W", "", outlet.lower())
    stem = re.sub(r"\W", "", outlet.lower().split(".")[0])
    if suffix and (suffix in site or (len(stem) >= 3 and stem in suffix)):
        return title[: m.start()].strip() or title
    return title


def split_authors(value: object) -> tuple[str, ...]:
    """Authors as given by JSON or HTML metadata: a list, or one string with separators."""
    items: list[str] = []
    if isinstance(value, str):
        items = _NAME_SPLIT.split(value)
    elif isinstance(value, list | tuple):
        for v in value:
            if isinstance(v, dict):
                v = v.get("name")
            if isinstance(v, str):
                items.append(v)
    elif isinstance(value, dict) and isinstance(value.get("name"), str):
        items = [value["name"]]
    seen: dict[str, None] = {}
    for item in items:
        name = " ".join(re.sub(r"^by[.:]?\s+", "", item.strip(), flags=re.I).split())
        if name and len(name) <= 80:
            seen.setdefault(name, None)
    return tuple(seen)
