"""Date expressions in news sentences, resolved against the article's publication date.

Absolute dates ("July 19, 2000", "September 12 to 17, 2023", "24 May 2024", "in 2000") resolve on
their own. Relative ones ("yesterday", "on the 21st", "last year", "mid-May", "on Tuesday") need
the day the story was published; without it they stay unresolved and the timeline says so, because
a guessed date is worse than an honest "date unknown".
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

Precision = Literal["day", "days", "week", "part", "month", "year"]

_MONTHS = {m.lower(): i for i, m in enumerate(calendar.month_name) if m}
_MONTHS.update({m.lower(): i for i, m in enumerate(calendar.month_abbr) if m})
_MONTHS["sept"] = 9
_MON = (
    r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November|"
    r"December|Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept?\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_Y = r"(?P<y>(?:19|20)\d\d)"
_D = r"(?P<d>[0-3]?\d)(?:st|nd|rd|th)?"
_D2 = r"(?P<d2>[0-3]?\d)(?:st|nd|rd|th)?"
_TO = r"\s*(?:-|–|—|to|and|through|until)\s*"
_PART = r"(?P<part>early|mid|late|the end of|the start of|the beginning of)[- ]"
_WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
# Ordinals that are not days of the month: "on the 5th floor", "the 20th century".
_NOT_DAY = (
    r"(?!\s+(?:century|centuries|anniversary|time|times|floor|place|round|edition|"
    r"amendment|largest|biggest|birthday|day|week|year|annual|straight|consecutive)\b)"
)

# Ordered: longer, more specific forms first; a span taken by one is not matched again.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(p, re.IGNORECASE))
    for kind, p in (
        ("iso", rf"\b{_Y}-(?P<m>[01]\d)-(?P<d>[0-3]\d)\b"),
        ("range_mdy", rf"\b{_MON}\s+{_D}{_TO}{_D2},?\s+{_Y}\b"),
        ("range_dmy", rf"\b{_D}{_TO}{_D2}\s+(?:of\s+)?{_MON},?\s+{_Y}\b"),
        ("mdy", rf"\b{_MON}\s+{_D},?\s+{_Y}\b"),
        ("dmy", rf"\b{_D}\s+(?:of\s+)?{_MON},?\s+{_Y}\b"),
        ("part_my", rf"\b{_PART}{_MON}\s+{_Y}\b"),
        ("my", rf"\b{_MON},?\s+{_Y}\b"),
        ("mon_last_year", rf"\b{_MON}\s+(?P<rel>last|this|next)\s+year\b"),
        ("range_md", rf"\b{_MON}\s+{_D}{_TO}{_D2}\b(?!,?\s*(?:19|20)\d\d)"),
        ("md", rf"\b{_MON}\s+{_D}\b(?!,?\s*(?:19|20)\d\d)(?![\d:])"),
        ("dm", rf"\b{_D}\s+(?:of\s+)?{_MON}\b(?!,?\s*(?:19|20)\d\d)"),
        ("part_m", rf"\b{_PART}{_MON}\b(?!,?\s*(?:19|20)\d\d)"),
        (
            "year",
            rf"\b(?:in|since|from|until|by|before|after|during|of|early|late|around"
            rf"|throughout|year|summer|spring|autumn|fall|winter)\s+{_Y}\b(?![-\d])",
        ),
        (
            "range_nth",
            rf"\bfrom the (?P<d>[0-3]?\d)(?:st|nd|rd|th){_TO}the (?P<d2>[0-3]?\d)"
            r"(?:st|nd|rd|th)\b",
        ),
        (
            "nth",
            rf"\b(?:on|since|until|by|before|after) the (?P<d>[0-3]?\d)(?:st|nd|rd|th)\b"
            rf"{_NOT_DAY}",
        ),
        (
            "rel_day",
            r"\b(?P<rel>yesterday|today|tonight|last night|this (?:morning|afternoon|"
            r"evening))(?:\s+(?:morning|afternoon|evening|night))?\b",
        ),
        (
            "rel_span",
            r"\b(?P<rel>last|this|next|earlier this|later this)\s+(?P<unit>week|month|"
            r"year)\b",
        ),
        (
            "weekday",
            r"\b(?P<rel>last|this|next|on)?\s*(?P<wd>Monday|Tuesday|Wednesday|Thursday|"
            r"Friday|Saturday|Sunday)\b",
        ),
        (
            "in_month",
            rf"\b(?:in|since|until|by|before|after|during|early|late)\s+{_MON}\b"
            r"(?!\s+\d)",
        ),
    )
)
_FUTURE = re.compile(
    r"\b(will|would|is to|are to|plans? to|planning to|expected to|scheduled|due to|"
    r"set to|next)\b",
    re.IGNORECASE,
)
_PRECISION_RANK = {"day": 0, "days": 1, "week": 2, "part": 3, "month": 4, "year": 5}
_REL_DAY_OFFSET = {"yesterday": -1, "last night": -1, "today": 0, "tonight": 0}
_UNIT_DAYS = {"week": 7, "month": 30, "year": 365}
_UNIT_PRECISION: dict[str, Precision] = {"week": "week", "month": "month", "year": "year"}


@dataclass(frozen=True)
class When:
    """A date expression found in a sentence, resolved to a date range or left unresolved."""

    phrase: str  # as written, e.g. "on the 21st"
    start: date | None  # None: relative, and the article has no publication date
    end: date | None
    precision: Precision
    relative: bool  # it needed the publication date
    offset_days: int | None = None  # for unresolved relative dates: rough days from publication
    part: str = ""  # "early"/"mid"/"late" for part-of-month dates

    @property
    def resolved(self) -> bool:
        return self.start is not None

    def sort_key(self) -> tuple[date, date, int]:
        assert self.start is not None and self.end is not None
        return self.start, self.end, _PRECISION_RANK[self.precision]

    def overlaps(self, other: When) -> bool:
        """Compatible dates: "2000" and "19 July 2000" can name the same event."""
        if not (self.resolved and other.resolved):
            return False
        assert self.start and self.end and other.start and other.end
        return self.start <= other.end and other.start <= self.end

    def label(self) -> str:
        if not self.resolved:
            return f"date unknown: “{self.phrase}”"
        assert self.start is not None and self.end is not None
        s, e = self.start, self.end
        if self.precision == "day":
            return f"{s.day} {calendar.month_name[s.month]} {s.year}"
        if self.precision == "days":
            if (s.year, s.month) == (e.year, e.month):
                return f"{s.day}–{e.day} {calendar.month_name[s.month]} {s.year}"
            return (
                f"{s.day} {calendar.month_name[s.month]} – {e.day} "
                f"{calendar.month_name[e.month]} {e.year}"
            )
        if self.precision == "week":
            return f"week of {s.day} {calendar.month_name[s.month]} {s.year}"
        if self.precision == "part":
            return f"{self.part}-{calendar.month_name[s.month]} {s.year}"
        if self.precision == "month":
            return f"{calendar.month_name[s.month]} {s.year}"
        return str(s.year)


def _month(name: str) -> int:
    return _MONTHS[name.lower().rstrip(".")]


def _month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def _safe(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _shift_month(d: date, months: int) -> tuple[int, int]:
    idx = d.year * 12 + d.month - 1 + months
    return idx // 12, idx % 12 + 1


def _year_for(month: int, day: int, pub: date, future: bool) -> int:
    """A month (and day) without a year: the publication year, unless that would put a past event
    after publication (then last year) or a future one before it (then next year)."""
    candidate = _safe(pub.year, month, min(day, 28)) or date(pub.year, month, 1)
    if not future and candidate > pub:
        return pub.year - 1
    if future and candidate < pub - timedelta(days=1):
        return pub.year + 1
    return pub.year


def _part_range(part: str, year: int, month: int) -> tuple[date, date, str]:
    first, last = _month_range(year, month)
    p = part.lower()
    if p == "early" or "start" in p or "beginning" in p:
        return first, first + timedelta(days=9), "early"
    if p == "mid":
        return first + timedelta(days=10), first + timedelta(days=19), "mid"
    return first + timedelta(days=20), last, "late"


def _resolve(kind: str, m: re.Match[str], pub: date | None, future: bool) -> When | None:
    g = {k: v for k, v in m.groupdict().items() if v is not None}
    phrase = m.group().strip()
    y = int(g["y"]) if "y" in g else None
    mon = _month(g["mon"]) if "mon" in g else int(g["m"]) if "m" in g else None
    d = int(g["d"]) if "d" in g else None
    d2 = int(g["d2"]) if "d2" in g else None

    def rel(offset: int | None, precision: Precision = "day") -> When:
        return When(phrase, None, None, precision, True, offset)

    if kind in ("iso", "mdy", "dmy") and y and mon and d:
        day = _safe(y, mon, d)
        return When(phrase, day, day, "day", False) if day else None
    if kind in ("range_mdy", "range_dmy") and y and mon and d and d2:
        a, b = _safe(y, mon, d), _safe(y, mon, d2)
        return When(phrase, a, b, "days", False) if a and b and a <= b else None
    if kind == "part_my" and y and mon:
        a, b, part = _part_range(g["part"], y, mon)
        return When(phrase, a, b, "part", False, part=part)
    if kind == "my" and y and mon:
        return When(phrase, *_month_range(y, mon), "month", False)
    if kind == "year" and y:
        return When(phrase, date(y, 1, 1), date(y, 12, 31), "year", False)
    # Everything below is relative to the publication date.
    if kind == "mon_last_year" and mon:
        step = {"last": -1, "this": 0, "next": 1}[g["rel"].lower()]
        if pub is None:
            return rel(step * 365, "month")
        return When(phrase, *_month_range(pub.year + step, mon), "month", True)
    if kind in ("md", "dm", "range_md") and mon and d:
        if pub is None:
            return rel(None, "day")
        year = _year_for(mon, d, pub, future)
        a, b = _safe(year, mon, d), _safe(year, mon, d2 or d)
        if not (a and b and a <= b):
            return None
        return When(phrase, a, b, "days" if d2 else "day", True)
    if kind == "part_m" and mon:
        if pub is None:
            return rel(None, "part")
        a, b, part = _part_range(g["part"], _year_for(mon, 15, pub, future), mon)
        return When(phrase, a, b, "part", True, part=part)
    if kind == "in_month" and mon:
        if pub is None:
            return rel(None, "month")
        return When(phrase, *_month_range(_year_for(mon, 1, pub, future), mon), "month", True)
    if kind in ("nth", "range_nth") and d:
        if pub is None:
            return rel(None, "day")
        # "on the 21st" in a story of 24 May is 21 May; "on the 28th" is 28 April (a past event),
        # unless the sentence speaks of the future.
        year, month = pub.year, pub.month
        if (not future and d > pub.day) or _safe(year, month, d) is None:
            year, month = _shift_month(pub, -1)
        elif future and d < pub.day:
            year, month = _shift_month(pub, 1)
        a, b = _safe(year, month, d), _safe(year, month, d2 or d)
        if not (a and b and a <= b):
            return None
        return When(phrase, a, b, "days" if d2 else "day", True)
    if kind == "rel_day":
        word = g["rel"].lower()
        offset = _REL_DAY_OFFSET.get(word, 0)
        if pub is None:
            return rel(offset)
        day = pub + timedelta(days=offset)
        return When(phrase, day, day, "day", True)
    if kind == "rel_span":
        unit, word = g["unit"].lower(), g["rel"].lower()
        step = -1 if word == "last" else 1 if word == "next" else 0
        if pub is None:
            return rel(step * _UNIT_DAYS[unit], _UNIT_PRECISION[unit])
        if unit == "week":
            monday = pub - timedelta(days=pub.weekday()) + timedelta(weeks=step)
            return When(phrase, monday, monday + timedelta(days=6), "week", True)
        if unit == "month":
            return When(phrase, *_month_range(*_shift_month(pub, step)), "month", True)
        return When(
            phrase, date(pub.year + step, 1, 1), date(pub.year + step, 12, 31), "year", True
        )
    if kind == "weekday":
        target = _WEEKDAYS.index(g["wd"].lower())
        word = (g.get("rel") or "").lower()
        forward = word == "next" or (word != "last" and future)
        if pub is None:
            return rel(None)
        if forward:
            day = pub + timedelta(days=(target - pub.weekday()) % 7 or 7)
        else:
            back = (pub.weekday() - target) % 7
            day = pub - timedelta(days=back or (7 if word == "last" else 0))
        return When(phrase, day, day, "day", True)
    return None


def find_dates(sentence: str, published: str | None = None) -> list[When]:
    """Date expressions in a sentence, left to right; relative ones resolved if `published`."""
    pub: date | None = None
    if published:
        try:
            pub = date.fromisoformat(published[:10])
        except ValueError:
            pub = None
    taken: list[tuple[int, int]] = []
    found: list[tuple[int, When]] = []
    for kind, pattern in _PATTERNS:
        for m in pattern.finditer(sentence):
            a, b = m.span()
            if any(a < y and x < b for x, y in taken):
                continue
            # Tense is read just before the date ("will visit on the 21st"), not sentence-wide:
            # "NHK reported on the 21st that Putin will visit" is a past date.
            future = bool(_FUTURE.search(sentence[max(0, a - 40) : a]))
            when = _resolve(kind, m, pub, future)
            if when is not None:
                taken.append((a, b))
                found.append((a, when))
    return [w for _, w in sorted(found, key=lambda t: t[0])]


def date_spans(sentence: str) -> list[tuple[int, int]]:
    """Character spans of date expressions, so numbers inside them are not read as counts."""
    spans: list[tuple[int, int]] = []
    for _, pattern in _PATTERNS:
        for m in pattern.finditer(sentence):
            spans.append(m.span())
    return spans


def publication_when(published: str) -> When | None:
    """The article's own date as a When (for its lead sentence, which reports that day's news)."""
    try:
        day = date.fromisoformat(published[:10])
    except ValueError:
        return None
    return When("publication date", day, day, "day", False)
