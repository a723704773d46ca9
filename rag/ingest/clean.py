"""Strip page furniture from a news capture and keep every story paragraph verbatim.

The rules are structural (where a line sits, whether it reads like a sentence or a headline) with
topical overlap as a tie-breaker, so they carry over to pages never seen before:

1. Short lines above the first paragraph of running text are the header (title, date, byline,
   outlet); a long dek there is story text.
2. Navigation, comment-widget, share/sign-up and "More:Headline" teaser lines go, as do bylines
   (kept as metadata) and short lines in another script.
3. Runs of three or more headline-like lines go when nothing of the story follows them or when
   they are off-topic headlines; lists of story facts (listicles, results) stay.
4. A section marker ("Related Articles", "Popular Now", "Comments") opens a block that lasts until
   a paragraph on the story's topic resumes the story; a comment block lasts to the end.
5. A lone headline-like line between paragraphs is a related-story link or a subheading.
6. Short off-topic lines next to a removed off-topic list belong to it; trailing furniture goes.
7. A whole paragraph opening with a link label ("MORE: ...", "READ MORE: ...", "Related: ...") or
   a call to action ("Click here to ...", "Sign up for ...") points to another page.

The story's topic is the title plus the lede and the words that recur across early paragraphs.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass

from rag.ingest.lines import QUOTE_START, Unit, latin_share, mentions_navigation, split_units
from rag.ingest.meta import byline_authors, looks_like_id
from rag.text import content_words, words

TITLE = "title"
HEADER = "header above the story"
BYLINE = "byline"
PHRASE = "navigation or widget text"
FOREIGN = "short line in another script"
LIST = "list of headlines"
SECTION = "block after a section marker"
SINGLE = "headline-like line between paragraphs"
TAIL = "trailing page furniture"
NEIGHBOUR = "off-topic line next to removed page furniture"
TEASER = "link to another story"
NO_STORY = "no running text on the page"
_TOPIC_WORDS = 60  # the most frequent content words of the early paragraphs that make the topic
_EXTENDABLE = {LIST, SECTION, TAIL}
_LISTY = {PHRASE, TEASER, FOREIGN, BYLINE, LIST, SECTION}
_QUOTED = re.compile(r"[\"“”]|\b(?:said|says|told)\b")
_TAIL_CUE = re.compile(
    r"\bcomments\b|subscri|newsletter|copyright|©|rights reserved|cookie|sign up|log ?in|follow us"
    r"|reporting by|editing by|additional reporting|contributed to this|click here|download",
    re.I,
)


@dataclass(frozen=True)
class Removed:
    text: str
    reason: str


@dataclass(frozen=True)
class Cleaned:
    """The story text plus what the capture said around it, for metadata and for debugging."""

    text: str  # story paragraphs joined by a blank line
    title: str | None  # the title given, else the headline found in the capture
    preamble: tuple[str, ...]  # header lines above the headline (site banners, capture dates)
    header: tuple[str, ...]  # header lines between the headline and the story (byline area)
    bylines: tuple[str, ...]
    removed: tuple[Removed, ...]

    @property
    def paragraphs(self) -> list[str]:
        return self.text.split("\n\n") if self.text else []


def clean_text(text: str) -> str:
    """The story paragraphs of a capture, joined by blank lines, without title or furniture."""
    return clean(text).text


def clean(raw: str, *, title: str | None = None) -> Cleaned:
    """Story paragraphs of `raw`, what surrounded them, and every removed line with its reason.

    `title`, when known, is recognised and removed from the text even if the capture repeats it.
    """
    texts = split_units(raw)
    units = [Unit.of(t) for t in texts]
    n = len(units)
    why: list[str | None] = [None] * n
    start = _story_start(units)
    title_at = _find_title(units, start, title)
    if title_at is not None and title_at >= start:
        start = title_at + 1  # a given title that reads like a sentence is still the title
    found_title = title
    if found_title is None and title_at is not None:
        found_title = texts[title_at]
    for i in range(start):
        u = units[i]
        if i == title_at:
            why[i] = TITLE
        elif u.ends_sentence or u.n_words >= 8:
            # A dek (standfirst) above the story is story text; a long menu line is not.
            if u.phrase or u.marker or u.link or mentions_navigation(u.text):
                why[i] = HEADER
        else:
            why[i] = HEADER
    preamble = texts[:title_at] if title_at is not None else []
    header = texts[title_at + 1 : start] if title_at is not None else texts[:start]

    bylines = []
    doc_latin = latin_share(raw[:20000]) >= 0.5
    for i, u in enumerate(units):
        if byline_authors(u.text):
            bylines.append(u.text)
            why[i] = why[i] or BYLINE
        elif why[i] is None and u.phrase:
            why[i] = PHRASE
        elif why[i] is None and u.teaser:
            why[i] = TEASER
        elif why[i] is None and u.n_words <= 15 and (latin_share(u.text) >= 0.5) != doc_latin:
            why[i] = FOREIGN

    first_marker = next((i for i in range(start, n) if units[i].marker), n)
    topic = _Topic(units, why, start, first_marker, found_title)
    _remove_sections(units, why, start, topic)
    kept_lists = _remove_runs(units, why, start, topic)
    _remove_singles(units, why, start, kept_lists)
    _trim_tail(units, why, kept_lists)
    _extend(units, why, start, topic)
    _trim_tail(units, why, kept_lists)
    for i, u in enumerate(units):
        # Last, so the rules above judge lists, tails and subheadings on the page as laid out:
        # removing a "MORE: ..." link early would change their verdicts on the lines around it.
        if why[i] is None and u.link:
            why[i] = TEASER

    if all(w is not None for w in why[start:]):
        # Nothing looked like a story: keep the running text rather than return nothing.
        for i in range(start, n):
            if units[i].body_like and not units[i].link:
                why[i] = None
    if not any(why[i] is None and (u.body_like or u.ends_sentence) for i, u in enumerate(units)):
        for i in range(n):  # a menu or a list of links with no sentence in it: not an article
            why[i] = why[i] or NO_STORY
    kept = [texts[i] for i in range(n) if why[i] is None]
    removed = tuple(Removed(texts[i], r) for i, r in enumerate(why) if r is not None)
    return Cleaned(
        text="\n\n".join(kept),
        title=found_title,
        preamble=tuple(preamble),
        header=tuple(header),
        bylines=tuple(bylines),
        removed=removed,
    )


def _story_start(units: list[Unit]) -> int:
    for i, u in enumerate(units):
        if u.body_like:
            return i
    for i, u in enumerate(units):
        if u.ends_sentence and not u.phrase and not u.marker and not u.link:
            return i
    return 0


def _find_title(units: list[Unit], start: int, given: str | None) -> int | None:
    if given is not None:
        want = words(given)
        for i in range(min(len(units), start + 1)):
            have = words(units[i].text)
            if want and have and (have == want or (len(want) >= 4 and have[: len(want)] == want)):
                return i
        return None
    for i in range(start):
        u = units[i]
        if u.phrase or u.link or u.marker or u.date or u.caption or u.n_words > 30 or u.bullet:
            continue
        tokens = u.text.split()
        alpha = [t for t in tokens if re.search(r"[^\W\d_]{2}", t)]
        if len(alpha) < 3 or any(looks_like_id(t) for t in tokens):
            continue
        if byline_authors(u.text):
            continue
        return i
    return None


class _Topic:
    """The story's vocabulary: title, lede, and words recurring across its early paragraphs."""

    def __init__(
        self, units: list[Unit], why: list[str | None], start: int, stop: int, title: str | None
    ) -> None:
        self._units = units
        self._words: dict[int, set[str]] = {}
        core = [
            self._content(i) for i in range(start, stop) if why[i] is None and units[i].body_like
        ]
        counts = Counter(w for ws in core for w in ws)
        # Ties at the cut go by word, not by counts.most_common(): that keeps insertion order,
        # which here is set iteration order and so varies with PYTHONHASHSEED -- the same page
        # would clean differently from one run to the next.
        ranked = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))
        self.words = {w for w, c in ranked[:_TOPIC_WORDS] if c >= 2}
        if core:
            self.words |= core[0]
        if title:
            self.words |= content_words(title)
        self._cache: dict[int, float] = {}

    def _content(self, i: int) -> set[str]:
        if i not in self._words:
            self._words[i] = content_words(self._units[i].text)
        return self._words[i]

    def overlap(self, i: int) -> float:
        """Share of a unit's content words that belong to the story's vocabulary."""
        if i not in self._cache:
            cw = self._content(i)
            self._cache[i] = len(cw & self.words) / len(cw) if cw else 0.0
        return self._cache[i]


def _remove_runs(units: list[Unit], why: list[str | None], start: int, topic: _Topic) -> set[int]:
    """Lists of >= 3 short lines: link lists go, lists of story facts stay.

    A list goes when nothing of the story follows it, or when it is a list of off-topic
    headlines. One off-topic line caught between two parts of a list is part of it. Returns the
    lines of the lists that stay, so later rules leave them alone.
    """

    def listy(i: int) -> bool:
        if units[i].marker:
            return False  # a section marker starts a new block; a list never runs across it
        return why[i] in _LISTY or (why[i] is None and units[i].headline_like)

    groups: list[list[int]] = []
    i = start
    while i < len(units):
        if not listy(i):
            i += 1
            continue
        j = i
        while j < len(units) and listy(j):
            j += 1
        bridge = i - 1
        prev = groups[-1] if groups else None
        if (
            prev is not None
            and prev[1] == bridge
            and max(prev[1] - prev[0], j - i) >= 2
            and why[bridge] is None
            and units[bridge].n_words < 40
            and not units[bridge].caption
            and topic.overlap(bridge) < 0.35
        ):
            prev[1] = j
        else:
            groups.append([i, j])  # half-open
        i = j

    kept: set[int] = set()
    for a, b in groups:
        members = [k for k in range(a, b) if why[k] is None]
        if len(members) < 3:
            continue  # mostly widget lines already removed: the other rules decide the rest
        intro = units[a - 1] if a > start else None
        if intro is not None and why[a - 1] is None and intro.text.endswith(":"):
            kept.update(members)  # "Here are the nominees:" introduces the story's own list
            continue
        trailing = not any(why[k] is None and units[k].body_like for k in range(b, len(units)))
        heads = [k for k in members if _headline(units[k])]
        headlines = len(heads) >= 0.6 * len(members)
        off_topic = sum(topic.overlap(k) for k in members) / len(members) < 0.3
        if headlines and (trailing or off_topic):
            for k in range(a, b):
                why[k] = why[k] or LIST
        else:
            kept.update(members)
    return kept


def _headline(u: Unit) -> bool:
    """Headlines run to six words or more; nominee lists, results and labels are shorter, and
    a line opening with a quote mark names a work ("Nightmare Alley")."""
    return u.n_words >= 6 and not u.data_like and not QUOTE_START.match(u.text)


def _remove_sections(units: list[Unit], why: list[str | None], start: int, topic: _Topic) -> None:
    i = start
    while i < len(units):
        kind = units[i].marker
        if kind is None:
            i += 1
            continue
        why[i] = why[i] or SECTION
        j = i + 1
        while j < len(units) and (kind == "comments" or not _resumes(units, why, j, topic)):
            why[j] = why[j] or SECTION
            j += 1
        i = j


def _resumes(units: list[Unit], why: list[str | None], i: int, topic: _Topic) -> bool:
    """A paragraph on the story's topic, or two in a row, after a link block: the story goes on."""
    u = units[i]
    if why[i] is not None or not u.ends_sentence or u.n_words < 15:
        return False
    # Teasers in a link block alternate with headlines; story paragraphs come in a row.
    following = i + 1 < len(units) and why[i + 1] is None and units[i + 1].body_like
    return following or topic.overlap(i) >= 0.35


def _remove_singles(
    units: list[Unit], why: list[str | None], start: int, kept_lists: set[int]
) -> None:
    """A lone headline between paragraphs: a related-story link or a subheading.

    Bullets, numbered items of a listicle, fact lines and one-to-three-word labels before a
    paragraph ("Iowa", "WINNERS") are the story's own structure and stay.
    """
    numbered = [i for i in range(start, len(units)) if units[i].numbered is not None]
    listicle = len(numbered) >= 3
    for i in range(start, len(units)):
        u = units[i]
        if why[i] is not None or i in kept_lists or not u.headline_like or u.n_words >= 14:
            continue
        if u.bullet or u.data_like or (listicle and u.numbered is not None):
            continue  # a bulleted key point or a fact line is the story's own
        label = u.n_words <= 3 and not u.bullet and i + 1 < len(units) and units[i + 1].body_like
        if not label:
            why[i] = SINGLE


def _trim_tail(units: list[Unit], why: list[str | None], kept_lists: set[int]) -> None:
    for i in range(len(units) - 1, -1, -1):
        if why[i] is not None:
            continue
        u = units[i]
        if i in kept_lists:
            return
        short = u.n_words <= 3 and not u.ends_sentence
        if u.headline_like or short or (u.n_words < 25 and _TAIL_CUE.search(u.text)):
            why[i] = TAIL
        else:
            return


def _extend(units: list[Unit], why: list[str | None], start: int, topic: _Topic) -> None:
    """Short off-topic lines touching a removed off-topic list are that list's own teasers."""
    n = len(units)
    i = start
    while i < n:
        if why[i] not in _EXTENDABLE:
            i += 1
            continue
        j = i
        while j < n and why[j] in _EXTENDABLE:
            j += 1
        region = [k for k in range(i, j) if units[k].n_words > 0]
        if sum(topic.overlap(k) for k in region) / max(1, len(region)) < 0.2:
            for k in (i - 1, j):
                if start <= k < n and why[k] is None and _off_topic_teaser(units[k], topic, k):
                    why[k] = NEIGHBOUR
        i = j


def _off_topic_teaser(u: Unit, topic: _Topic, i: int) -> bool:
    if u.n_words > 25 or u.caption or u.data_like or _QUOTED.search(u.text):
        return False  # a quotation is reporting, never a teaser
    return topic.overlap(i) < 0.15
