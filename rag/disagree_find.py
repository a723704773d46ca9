"""Where the answer's sources disagree: the finding (rag.disagree puts it into the answer).

It looks for one thing: outlets giving different answers to the slot the question asks about,
like with like.
- "how many": different counts of the question's noun ("12 people" / "15 people"), each in a
  passage that also holds the question's verb ("died"), so "15 people were injured" never
  contradicts "12 people died".
- "when": different dates for the question's event, one date to a passage.
- "who": a passage that claims exclusivity ("X was the only person who travelled with Putin")
  against the names other outlets give; or, when the question names a role ("who is the
  defence minister"), two holders of it. Lists that complement each other (Belousov in one
  outlet, Lavrov in another) are not a conflict.
Independent sources are distinct source labels; a value that fewer outlets give is the minority.
Conservative on purpose: a false conflict on every answer would be worse than a missed one, so
anything hedged, past ("former", "since 2000") or ambiguous is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from rag.evidence import person_names
from rag.schema import Evidence
from rag.summarize.conflicts import quantities, roles, same_person
from rag.summarize.dates import When, find_dates
from rag.text import STOPWORDS, content_words, words

# Verbs that name one act: a passage may word the question's verb as any of its group.
_SAME_ACT = (
    re.compile(r"travel\w*|accompan\w*|companions?|delegations?|entourage|join\w*", re.I),
    re.compile(r"died|dead|deaths?|kill\w*|perish\w*|fatalit\w*", re.I),
    re.compile(r"arriv\w*|land\w*", re.I),
    re.compile(r"injur\w*|wound\w*|hurt", re.I),
)
# Words between "how many"/"when" and the verb that say nothing about the act.
_FILLER = STOPWORDS | {"many", "much", "exactly", "total", "reportedly"}
# A hedged or bounded count is not a claim of an exact number.
_HEDGE = re.compile(
    r"\b(?:about|around|roughly|nearly|almost|approximately|some|over|under|more than|"
    r"less than|fewer than|at least|at most|up to|as many as|dozens|hundreds|thousands)\W*$",
    re.I,
)
# A date or a role that is not the question's: past holders, starting points, earlier visits.
_NOT_NOW = re.compile(
    r"\b(?:since|until|till|before|after|first|previous(?:ly)?|former|ex|then|earlier|"
    r"outgoing|predecessor|replac\w*|succeed\w*|acting)\W*$",
    re.I,
)
# A passage about an earlier occasion of the act: "Putin last visited in 2000".
_EARLIER = re.compile(r"\b(?:last|first|previously|once)\s+(?:\w+ed|time)\b", re.I)
# A role held before or for now only: "former Defence Minister Sergei Shoigu".
_PAST = re.compile(
    r"\b(?:former|ex|then|outgoing|previous|predecessor|acting|late|replac\w*)\b", re.I
)
# A passage that says one answer is the whole answer.
_PERSONISH = (
    r"(?:person|people|one|companion|member|official|guest|man|woman|figure|individual|"
    r"travell?er|passenger|minister|aide|visitor|delegate)s?"
)
_EXCLUSIVE = re.compile(
    rf"\b(?:the\s+(?:one\s+and\s+)?only|the\s+sole|sole|the\s+lone|the\s+single)\s+"
    rf"(?:\w+\s+)?{_PERSONISH}\b"
    r"|\bno\s?(?:one|body)\s+(?:else|other\s+than|but)\b|\bnone\s+other\s+than\b"
    r"|\b[Oo]nly\s+(?=[A-Z][a-z]+\s+[A-Z])|\b[A-Z][a-z]+\s+[A-Z][a-z]+,?\s+alone\b",
)
# Capitalised runs that name bodies, not people ("the Russian Space Agency").
_ORG = re.compile(
    r"\b(?:Agency|Ministry|Council|Committee|Party|University|Company|Bank|Railways?|News|"
    r"Times|Post|Press|Office|Department|Forces|Army|Navy|Assembly|Parliament|Union|Group|"
    r"Corporation|Institute|Agreement|Treaty|Summit|Square|Airport|Palace|House)\b"
)
_ROLE_WORDS = re.compile(
    r"\b(?:(?:deputy |vice |first )?(?:prime|foreign|defen[cs]e|finance|interior|economy|health|"
    r"trade|justice) minister|spokes(?:man|woman|person)|president|chancellor|"
    r"secretary of state|ceo|chief executive|governor|mayor|coach|captain)\b",
    re.I,
)
# Share of content words two passages must have in common to be compared (see _alike).
ALIKE = 0.5
MAX_NAMES = 4  # names listed for one side of a conflict before "and others"


@dataclass
class Side:
    """One value the sources give, with the passages that give it."""

    value: str  # as shown: "12", "19 June 2024", "Andrei Belousov and Sergei Lavrov"
    passages: list[Evidence] = field(default_factory=list)
    raw: object = None  # what it was compared as: a number, a When

    @property
    def outlets(self) -> list[str]:
        return list(dict.fromkeys(_outlet(e) for e in self.passages))


@dataclass
class Found:
    """One disagreement: the sides, and how to tell an answer sentence that states one."""

    slot: str  # as in "Sources disagree on the {slot}"
    kind: str
    sides: list[Side]  # most outlets first
    asserts: Callable[[str, Side], bool]  # does an answer sentence state this side's value?
    exclusive: int = -1  # the side that claims to be the whole answer, if any

    @property
    def minority(self) -> Side | None:
        top, last = self.sides[0], self.sides[-1]
        return last if len(last.outlets) < len(top.outlets) else None

    @property
    def lone(self) -> bool:
        low = self.minority
        others = {o for s in self.sides if s is not low for o in s.outlets}
        return low is not None and len(low.outlets) == 1 and len(others) >= 2


def _outlet(e: Evidence) -> str:
    return e.outlet or e.title or e.article_id


def _fold(word: str) -> str:
    for i, group in enumerate(_SAME_ACT):
        if group.fullmatch(word):
            return f"#act{i}"
    return word[:5]


def _act(question: str, after: str) -> str | None:
    """The question's verb: its first word after `after` ("how many people", "when") that is
    neither a filler nor a name it gives. None when there is none."""
    m = re.search(after, question, re.I)
    if not m:
        return None
    names = {w.lower() for w in re.findall(r"\b[A-Z]\w+", question[1:])}
    for w in words(question[m.end() :]):
        if w not in _FILLER and w not in names and len(w) > 2 and not w.isdigit():
            return _fold(w)
    return None


def _has_act(act: str | None, text: str) -> bool:
    return act is None or act in {_fold(w) for w in words(text)}


def _group(
    claims: list[tuple[Evidence, object]], same: Callable[[object, object], bool]
) -> list[tuple[object, list[Evidence]]]:
    """Claims grouped by value; an outlet found on two sides is dropped from both (it is not
    one claim), and sides are ordered by how many outlets back them."""
    groups: list[tuple[object, list[Evidence]]] = []
    for e, v in claims:
        for gv, members in groups:
            if same(gv, v):
                members.append(e)
                break
        else:
            groups.append((v, [e]))
    seen: dict[str, int] = {}
    for k, (_, members) in enumerate(groups):
        for e in members:
            if seen.setdefault(_outlet(e), k) != k:
                seen[_outlet(e)] = -1
    kept = [
        (v, [e for e in members if seen[_outlet(e)] == k]) for k, (v, members) in enumerate(groups)
    ]
    kept = sorted([(v, m) for v, m in kept if m], key=lambda g: -len({_outlet(e) for e in g[1]}))
    # Only passages worded alike tell one fact: "Putin arrived in Pyongyang on Wednesday" and
    # "... arrived in Pyongyang late on Tuesday" do; a sentence about another arrival does not.
    return kept[:1] + [
        (v, m) for v, m in kept[1:] if any(_alike(a.quote, b.quote) for a in kept[0][1] for b in m)
    ]


def _alike(a: str, b: str) -> bool:
    """Half the content words of the shorter passage (numbers and dates aside, verbs of one act
    folded together) are in the other."""
    wa, wb = ({_fold(w) for w in content_words(t) if not w[0].isdigit()} for t in (a, b))
    return bool(wa and wb) and len(wa & wb) >= ALIKE * min(len(wa), len(wb))


# -- the slots -----------------------------------------------------------------------------------


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if x == int(x) else f"{x:,}"


def _numbers(question: str, evidence: Sequence[Evidence]) -> Found | None:
    m = re.search(r"\bhow\s+many\s+([a-z-]+)", question, re.I)
    if not m:
        return None
    noun = m.group(1).lower()
    unit = noun[:-1] if noun.endswith("s") and not noun.endswith("ss") else noun
    act = _act(question, rf"\bhow\s+many\s+{re.escape(noun)}\b")
    claims: list[tuple[Evidence, object]] = []
    for e in evidence:
        values = quantities(e.quote).get(unit, set())
        if len(values) != 1 or not _has_act(act, e.quote):
            continue
        value = next(iter(values))
        where = re.search(rf"(?<![\d,.]){re.escape(_fmt(value))}\b", e.quote) or re.search(
            rf"(?<![\d,.]){re.escape(_fmt(value).replace(',', ''))}\b", e.quote
        )
        if where and _HEDGE.search(e.quote[: where.start()]):
            continue
        claims.append((e, value))
    groups = _group(claims, lambda a, b: a == b)
    if len(groups) < 2:
        return None

    def asserts(sentence: str, side: Side) -> bool:
        return side.raw in quantities(sentence).get(unit, set())

    sides = [Side(_fmt(float(v)), ps, v) for v, ps in groups]  # type: ignore[arg-type]
    return Found(f"number of {noun}", "number", sides, asserts)


_WHEN = re.compile(
    r"\bwhen\b|\b(?:what|which)\s+(?:date|day|year|month)\b|\bon\s+what\s+date\b", re.I
)


def _dates(question: str, evidence: Sequence[Evidence]) -> Found | None:
    m = _WHEN.search(question)
    if not m:
        return None
    act = _act(question, _WHEN.pattern)
    if act is None:
        return None  # no event to hold the dates to: any two dates would do
    # A bare year is compared only when a year is asked for: "in 2000" beside "June 19, 2024"
    # is far more often another event (the last visit) than a disagreement.
    years = bool(re.search(r"\b(?:what|which)\s+year\b", question, re.I))
    claims: list[tuple[Evidence, object]] = []
    for e in evidence:
        if not _has_act(act, e.quote) or _EARLIER.search(e.quote):
            continue
        found = [
            w for w in find_dates(e.quote, e.published)
            if w.resolved and (years or w.precision != "year")
            and not _NOT_NOW.search(_lead(e.quote, w.phrase))
        ]  # fmt: skip
        if len(found) == 1:
            claims.append((e, found[0]))
    groups = _group(claims, lambda a, b: a.overlaps(b))  # type: ignore[attr-defined]
    if len(groups) < 2:
        return None
    whens: list[When] = [w for w, _ in groups]  # type: ignore[misc]

    def asserts(sentence: str, side: Side) -> bool:
        # Relative dates in the answer cannot be resolved without a day: absolute ones only.
        ds = [w for w in find_dates(sentence, None) if w.resolved]
        return any(d.overlaps(side.raw) for d in ds) and not any(  # type: ignore[arg-type]
            d.overlaps(w) for d in ds for w in whens if w is not side.raw
        )

    sides = [Side(w.label(), ps, w) for w, ps in zip(whens, [g[1] for g in groups], strict=True)]
    return Found("date", "date", sides, asserts)


def _lead(text: str, phrase: str) -> str:
    """The text up to a date phrase and its first word ("since" in "since 2000")."""
    return f"{text[: max(0, text.find(phrase))]} {phrase.split()[0]}"


def _people(text: str, asked: set[str]) -> list[str]:
    return [
        n for n in person_names(text, asked)
        if not _ORG.search(n) and n.split()[-1].lower().removesuffix("'s") not in asked
    ]  # fmt: skip


def _list(names: list[str]) -> str:
    unique: list[str] = []
    for n in names:
        if not any(same_person(n, u) for u in unique):
            unique.append(n)
    shown = unique[:MAX_NAMES]
    more = " and others" if len(unique) > MAX_NAMES else ""
    if len(shown) == 1:
        return shown[0] + more
    return f"{', '.join(shown[:-1])}{',' if more else ''} and {shown[-1]}{more}"


def _mentions(sentence: str, side: Side) -> bool:
    """Does an answer sentence name anyone of this side (by surname)?"""
    names = re.split(r",\s*|\s+and\s+", side.value)
    surnames = {n.split()[-1] for n in names if n and n != "others"}
    return any(re.search(rf"\b{re.escape(s)}\b", sentence) for s in surnames)


def _exclusive(question: str, evidence: Sequence[Evidence]) -> Found | None:
    if not re.search(r"\bwho(?:m)?\b", question, re.I):
        return None
    asked = content_words(question)
    act = _act(question, r"\bwho(?:m)?\b")
    if act is None:
        return None  # "Who?" alone: nothing to hold an "only" to
    only: list[tuple[Evidence, list[str]]] = []
    named: list[tuple[Evidence, list[str]]] = []
    for e in evidence:
        names = _people(e.quote, asked)
        if not names or not _has_act(act, e.quote):
            continue
        (only if _EXCLUSIVE.search(e.quote) else named).append((e, names))
    if not only:
        return None
    claimed = [n for _, ns in only for n in ns]
    solo = {_outlet(e) for e, _ in only}
    others = [
        (e, [n for n in ns if not any(same_person(n, c) for c in claimed)])
        for e, ns in named
        if _outlet(e) not in solo
    ]
    others = [(e, ns) for e, ns in others if ns]
    if not others:
        return None
    a = Side(_list(claimed), [e for e, _ in only])
    b = Side(_list([n for _, ns in others for n in ns]), [e for e, _ in others])
    sides = sorted([a, b], key=lambda s: -len(s.outlets))
    return Found("who", "name", sides, _mentions, exclusive=sides.index(a))


def _role_holders(question: str, evidence: Sequence[Evidence]) -> Found | None:
    m = _ROLE_WORDS.search(question)
    if not m or not re.search(r"\bwho\b", question, re.I):
        return None
    asked_role = m.group().lower().replace("defence", "defense")
    claims: list[tuple[Evidence, object]] = []
    for e in evidence:
        held = []
        for role, name in roles(e.quote):
            before = e.quote[max(0, e.quote.find(name) - 60) : e.quote.find(name)]
            if role.replace("defence", "defense").endswith(asked_role) and not _PAST.search(before):
                held.append((role, name))
        if len({r for r, _ in held}) == 1 and len({n for _, n in held}) == 1:
            claims.append((e, held[0]))
    groups = _group(
        claims,
        lambda a, b: a[0] == b[0] and same_person(a[1], b[1]),  # type: ignore[index]
    )
    if len(groups) < 2 or len({g[0][0] for g in groups}) != 1:  # type: ignore[index]
        return None  # different countries' holders, or nothing to compare
    sides = [Side(v[1], ps) for v, ps in groups]  # type: ignore[index]
    return Found(asked_role, "name", sides, _mentions)


def find_disagreements(question: str, evidence: Sequence[Evidence]) -> list[Found]:
    """Every slot of the question (count, date, who) on which the evidence disagrees."""
    slots = (_numbers, _dates, _exclusive, _role_holders)
    return [f for f in (slot(question, evidence) for slot in slots) if f is not None]
