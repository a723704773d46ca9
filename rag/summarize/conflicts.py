"""Claims that differ between outlets: numbers, names and dates for the same slot.

Only sentences from different outlets that tell the same fact (similar meaning or wording) are
compared, and only like with like: "12 people" against "15 people", "Defense Minister X" against
"Defense Minister Y", two dates for one event. A name spelled two ways ("Sergei"/"Sergey Lavrov")
or a number written two ways ("24 years"/"twenty-four years") is not a conflict.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from rag.summarize.dates import date_spans, find_dates
from rag.summarize.pool import Pool, Sent, outlet_key
from rag.text import normalize

_UNITS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
    "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14,
    "fifteen": 15, "sixteen": 16, "seventeen": 17, "eighteen": 18, "nineteen": 19,
}  # fmt: skip
_TENS = {
    "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "sixty": 60, "seventy": 70,
    "eighty": 80, "ninety": 90,
}  # fmt: skip
_WORDNUM = "|".join(sorted([*_UNITS, *_TENS], key=len, reverse=True))
_MULT = {"hundred": 100, "thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000}
_QTY = re.compile(
    rf"(?<![\w.,$-])(?P<num>\d{{1,3}}(?:,\d{{3}})+|\d+(?:\.\d+)?|(?:{_WORDNUM})(?:-(?:{_WORDNUM}))?)"
    r"(?:\s+(?P<mult>hundred|thousand|million|billion))?"
    r"(?P<pct>\s*%|\s+per\s?cent)?"
    r"(?:\s+(?P<unit>[a-z][a-z-]{2,}))?",
    re.IGNORECASE,
)
# Words between a number and its noun that do not change what is counted.
_SKIP = {"more", "other", "new", "additional", "of", "the", "about", "some", "nearly"}
# A role and the name after it. The role keeps up to two capitalised words before it ("Russian",
# "North Korean") so that two countries' foreign ministers are never compared with each other.
_ROLE = re.compile(
    r"(?P<qual>(?:\b[A-Z][a-z]+\s+){0,2})"
    r"(?P<role>\b(?i:(?:(?:deputy |vice |first )?(?:prime|foreign|defen[cs]e|finance|interior|"
    r"economy|health|trade|justice) minister)|spokes(?:man|woman|person)|president|chancellor|"
    r"secretary of state|ceo|chief executive|governor|mayor|coach|captain))"
    r",?\s+(?P<name>[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+){1,2})\b"
)


@dataclass(frozen=True)
class Conflict:
    slot: str  # what differs, e.g. "people (number)" or "defense minister"
    a: Sent
    a_value: str
    b: Sent
    b_value: str


@dataclass(frozen=True)
class Variant:
    """One person's name written differently by two outlets."""

    a: Sent
    a_name: str
    b: Sent
    b_name: str


def _number(raw: str) -> float | None:
    raw = raw.lower().replace(",", "")
    try:
        return float(raw)
    except ValueError:
        pass
    total = 0
    for part in raw.split("-"):
        value = _UNITS.get(part, _TENS.get(part))
        if value is None:
            return None
        total += value
    return float(total)


def quantities(text: str) -> dict[str, set[float]]:
    """Counted things in a sentence: {"people": {12.0}}. Dates and model names are not counts."""
    skip = date_spans(text)
    out: dict[str, set[float]] = {}
    for m in _QTY.finditer(text):
        if any(a <= m.start() < b for a, b in skip):
            continue
        value = _number(m.group("num"))
        if value is None or (1900 <= value <= 2099 and "." not in m.group("num")):
            continue
        if m.group("mult"):
            value *= _MULT[m.group("mult").lower()]
        if m.group("pct"):
            unit = "percent"
        else:
            unit = (m.group("unit") or "").lower()
            if not unit or unit in _SKIP:
                rest = text[m.end() :].split()
                unit = next((w.lower() for w in rest[:3] if w.lower() not in _SKIP), "")
            unit = re.sub(r"[^a-z-]", "", unit)
            if len(unit) < 3:
                continue
            unit = unit[:-1] if unit.endswith("s") and not unit.endswith("ss") else unit
        out.setdefault(unit, set()).add(value)
    return out


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if value == int(value) else f"{value:,}"


def roles(text: str) -> list[tuple[str, str]]:
    """(role with its qualifier, name): ("russian defense minister", "Sergei Shoigu")."""
    return [
        (normalize(f"{m.group('qual')}{m.group('role')}"), m.group("name"))
        for m in _ROLE.finditer(text)
    ]


def same_person(x: str, y: str) -> bool:
    """Spelling variants of one name: same surname, first names alike ("Sergei"/"Sergey")."""
    a, b = _name_words(x), _name_words(y)
    if a == b:
        return True
    if len(a) < 2 or len(b) < 2 or a[-1] != b[-1]:
        return False
    return a[0][0] == b[0][0] and SequenceMatcher(None, a[0], b[0]).ratio() >= 0.7


def _name_words(name: str) -> list[str]:
    return [re.sub(r"'s$", "", w) for w in normalize(name).split()]


def _pairs(pool: Pool) -> list[tuple[int, int]]:
    """Sentence pairs from different outlets that state the same fact (see Pool.same_fact)."""
    outlets = [outlet_key(s.article) for s in pool.sents]
    n = len(pool.sents)
    return [
        (i, j)
        for i in range(n)
        for j in range(i + 1, n)
        if outlets[i] != outlets[j] and bool(pool.same[i, j]) and _close(pool, i, j)
    ]


def _close(pool: Pool, i: int, j: int) -> bool:
    """Worded alike too: two sentences on one fact that differ in a number or a date. Sentences
    merely on the same fact ("first visit in 24 years" / "since the summit on July 19, 2000")
    can carry dates of different events."""
    return float(pool.lex[i, j]) >= 0.5 or float(pool.vecs[i] @ pool.vecs[j]) >= 0.8


def find_conflicts(pool: Pool) -> list[Conflict]:
    found: list[Conflict] = []
    seen: set[tuple[str, ...]] = set()
    for i, j in _pairs(pool):
        a, b = pool.sents[i], pool.sents[j]
        qa, qb = quantities(a.text), quantities(b.text)
        for unit in sorted(qa.keys() & qb.keys()):
            va, vb = qa[unit], qb[unit]
            # One value each, and different: a sentence listing several is not one claim.
            if len(va) == 1 and len(vb) == 1 and va != vb:
                x, y = next(iter(va)), next(iter(vb))
                key: tuple[str, ...] = (unit, _fmt(min(x, y)), _fmt(max(x, y)))
                if key not in seen:
                    seen.add(key)
                    found.append(Conflict(f"{unit} (number)", a, _fmt(x), b, _fmt(y)))
        ra, rb = dict(roles(a.text)), dict(roles(b.text))
        for role in sorted(ra.keys() & rb.keys()):
            if not same_person(ra[role], rb[role]):
                key = (role, *sorted((ra[role], rb[role])))
                if key not in seen:
                    seen.add(key)
                    found.append(Conflict(role, a, ra[role], b, rb[role]))
        da = [w for w in find_dates(a.text, a.article.published) if w.resolved]
        db = [w for w in find_dates(b.text, b.article.published) if w.resolved]
        if len(da) == 1 and len(db) == 1 and not da[0].overlaps(db[0]):
            key = ("date", *sorted((da[0].label(), db[0].label())))
            if key not in seen:
                seen.add(key)
                found.append(Conflict("date", a, da[0].label(), b, db[0].label()))
    return found


_CAPS = re.compile(r"\b[A-Z][a-z'’-]+(?:\s+[A-Z][a-z'’-]+)+\b")


def find_variants(pool: Pool) -> list[Variant]:
    """Names that two outlets spell differently, each pair once. A name is the last two words of
    a capitalised run: "Foreign Minister Sergei Lavrov" gives "Sergei Lavrov"."""
    names: dict[str, tuple[Sent, str]] = {}
    for s in pool.sents:
        for m in _CAPS.finditer(s.text):
            name = " ".join(m.group().split()[-2:])
            names.setdefault(name, (s, name))
    out: list[Variant] = []
    items = list(names.values())
    for k, (sa, na) in enumerate(items):
        for sb, nb in items[k + 1 :]:
            if na == nb or outlet_key(sa.article) == outlet_key(sb.article):
                continue
            if na.split()[-1] == nb.split()[-1] and same_person(na, nb):
                out.append(Variant(sa, na, sb, nb))
    return out
