"""How a web capture is cut into paragraph units, and what each unit looks like.

Captures come as one paragraph per line (newspaper extractors), blank-line separated paragraphs
(copy-paste), or hard-wrapped text; all three become the same list of paragraph units here.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rag.ingest.meta import is_date_line
from rag.text import sentence_spans

BULLET = re.compile(r"^(?:[-*•·▪►◦‣–—]|\d{1,2}[.)]|\(\d{1,2}\))(?:\s|$)")
SENTENCE_END = re.compile(r"[.!?…][\"'”’»)\]]*$")
_QUESTION_END = re.compile(r"\?[\"'”’»)\]]*$")
# A line that stops mid-sentence on purpose: an introduction to a quote, a list, a dateline.
_OPEN_END = re.compile(r"[:;,–—-][\"'”’»)\]]*$")
QUOTE_START = re.compile(r"^[\"'“‘«„]")
_CAPTION = re.compile(
    r"\((?:left|right|center|centre|top|bottom|pictured|file|photo[^)]*)\)|\[photo|photo\s*[:=]"
    r"|\bphoto(?:graph)? by\b|\b(?:image|photo) credit|/\s*(?:AP|AFP|Reuters|Getty|EPA)\b",
    re.I,
)
# Navigation, comment widgets, share and sign-up prompts. Matched only on short lines, so a story
# sentence that mentions subscribers or comments is never touched.
_PHRASE = re.compile(
    r"back to top|skip to (?:main )?content|quick access|direct access|jump to (?:main|content)"
    r"|main (?:menu|contents?)\b|toggle navigation|please enter your|leave a (?:comment|reply)"
    r"|post a comment|add a comment|no comments yet|be the first to comment|most relevant comments"
    r"|comments? (?:are|is) (?:displayed|moderated|closed)|view (?:all )?comments|show comments"
    r"|^\d*\s*comments?\s*\d*$|subscribe|newsletter|\bsign (?:up|in)\b|\blog ?in\b"
    r"|create an? account|register now|^(?:learn|read|see|view) more$|continue reading"
    r"|click here|^share(?: this)?(?: (?:article|story|post|page))?$|follow us"
    r"|download (?:the|our) app"
    r"|^advertisement$|^sponsored\b|story continues below|all rights reserved|^copyright\b|^©"
    r"|we use cookies|cookie (?:policy|settings)|privacy policy|terms of (?:use|service)"
    r"|^(?:read|see) (?:more|also)\s*:|^related\s*:|^also read\s*:|^(?:watch|listen)\s*:"
    r"|^(?:print|email|e-mail|facebook|twitter|linkedin|whatsapp|telegram|reddit|pinterest|x)$",
    re.I,
)
# A paragraph opening with a link label and its colon, or with a call to action, points readers
# to another page: "MORE: Headline", "READ MORE: ...", "►Related: ...", "[Related: ...]", "Click
# here to ...", "Sign up for ...". The vocabulary is closed and the colon is required, so "More than
# 300 people died" and "Watch this space: ..." stay. Media labels count only in capitals: in title
# case "Opinion: An earlier version..." heads an entry of a corrections page.
_LINK = re.compile(
    r"^[►▶»•\[(]?\s*(?:"
    r"(?i:more|read(?: more| also| next)?|also (?:read|see|watch)|see (?:also|more)"
    r"|related(?: (?:articles?|stories|story|posts|news|content|coverage|links?|reading|videos?))?"
    r"|watch|listen|don[’']?t miss|must read)\s*:"
    r"|(?:PHOTOS?|VIDEOS?|GALLERY|OPINION|INTERACTIVE|PODCAST)\s*:"
    r"|(?i:click here|sign up (?:for|to|now|here)|subscribe (?:to|for|now|here|today))\b)"
)
# Calls to action and consent notices, matched on lines of up to 40 words: they say what to do
# ("sign up ... newsletter", "follow her on Twitter"), which a news sentence about a newsletter
# does not.
_PROMO = re.compile(
    r"\bsign up\b[^.]{0,80}\b(?:newsletter|inbox|email|here)\b"
    r"|\bnewsletter\b[^.]{0,80}\b(?:sign up|subscribe|inbox|delivered)\b"
    r"|\bsubscribe (?:to|here|now|today)\b|subscribe & save|become a subscriber"
    r"|\bfollow (?:us|him|her|them|[A-Z][\w.'’-]+(?: [A-Z][\w.'’-]+){0,2}) on (?:twitter|facebook"
    r"|instagram|tiktok)\b|thank you for supporting our journalism|support (?:strong )?local "
    r"journalism|please tick here|how relevant is this ad",
    re.I,
)
# Consent notices and video-player widgets: unmistakable at any length.
_CONSENT = re.compile(
    r"we will use the (?:details|information) you have shared|you agree to the processing"
    r"|object to the use of your data|video player was slow to load|ad froze or did not finish",
    re.I,
)
# A short line that opens a block of links: "Hot this week", "Related Articles", "[KOREA] Latest
# Stories". Generic list-heading vocabulary, not any one site's words.
_SECTION = re.compile(
    r"^(?:\[[^\]]{1,24}\]\s*)?(?:hot this week|trending(?: now| stories| news)?|topics|tags"
    r"|keywords"
    r"|related(?: (?:articles?|stories|posts|news|content|coverage|links|reading|topics))?"
    r"|(?:weekly |daily |monthly )?(?:best|top|popular|latest|recent|more|other|recommended"
    r"|featured|editor'?s'?|trending) (?:articles|stories|news|posts|reads|picks|headlines|videos)"
    r"|you (?:may|might) (?:also )?(?:like|enjoy|be interested in)|popular(?: now| today)?"
    r"|must[- ]reads?|most (?:read|popular|viewed|shared|commented)(?: (?:articles|stories))?"
    r"|recommended(?: for you)?|see also|further reading|more (?:from|on|in) .{1,40}|all news"
    r"|in other news|also on .{1,30})\s*:?$",
    re.I,
)
# Comment widgets sit at the bottom of a page: nothing after them is story.
_COMMENTS = re.compile(
    r"^(?:\d+\s+comments?|comments?\s*\(?\d*\)?|responses?\s*\(?\d*\)?|leave a (?:comment|reply)"
    r"|no comments yet\.?|please enter your comment!?|join the (?:discussion|conversation)"
    r"|discussion)$",
    re.I,
)
# "More:Headline", "Credit fees:Biden moves to..." -- a CMS link teaser (no space after the colon).
_TEASER = re.compile(r"^[^:]{1,60}(?:[^\W\d_]|[?!]):[\"'‘“]?[A-Z0-9]")
# "Population: 13,959", "DRIVER: Ryan Preece" -- a short label and a short value: story data.
_LABEL_VALUE = re.compile(r"^(?:[-*•·▪►]\s*)?([^:]{1,40}):\s+(.+)$")
_SPEAKER = re.compile(r"^(?:Q|A|[A-Z][\w.'’-]*(?: [A-Z][\w.'’-]*){0,2}):\s")
# "6 p.m. — semifinal", "1973: Named on...", "72. 'Caste'", "March 12": items of a schedule,
# timeline or ranking.
_LEADING_FIGURE = re.compile(
    r"^(?:\d{1,2}(?::\d\d)?\s?(?:a\.m\.|p\.m\.|(?:am|pm)\b)|\d{1,4}[.):]\s|(?:19|20)\d\d\b"
    r"|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.? \d{1,2}\b)",
    re.I,
)
_NUMBERED = re.compile(r"^(\d{1,3})[.)]\s+\S")
_LETTER = re.compile(r"[^\W\d_]")
_NON_LATIN = re.compile(r"[^\W\d_\u0000-\u024f]")
_SPACES = re.compile(r"[ \t\u00a0\u2000-\u200a\u202f\u205f\u3000]+")
_INVISIBLE = re.compile(r"[\u200b\u200c\u200d\u2060\ufeff\u00ad]")


@dataclass(frozen=True)
class Unit:
    """One paragraph (or line) of a capture with the features the cleaning rules look at."""

    text: str
    n_words: int
    sentences: int
    ends_sentence: bool
    open_end: bool
    bullet: bool
    caption: bool
    phrase: bool
    teaser: bool
    link: bool  # the whole paragraph is a labelled link to another story or a call to action
    marker: str | None  # "section" or "comments" when the line opens a block of page furniture
    date: bool

    @classmethod
    def of(cls, text: str) -> Unit:
        n_words = len(text.split())
        short = n_words <= 6
        marker = None
        if short and _COMMENTS.match(text):
            marker = "comments"
        elif short and _SECTION.match(text):
            marker = "section"
        return cls(
            text=text,
            n_words=n_words,
            sentences=len(sentence_spans(text)),
            ends_sentence=bool(SENTENCE_END.search(text)),
            open_end=bool(_OPEN_END.search(text)),
            bullet=bool(BULLET.match(text)),
            caption=bool(_CAPTION.search(text)),
            phrase=(n_words <= 15 and bool(_PHRASE.search(text)))
            or (n_words <= 40 and bool(_PROMO.search(text)))
            or bool(_CONSENT.search(text)),
            teaser=n_words <= 30 and bool(_TEASER.match(text)),
            # Longer than that, a label no longer heads a headline but a paragraph of its own.
            link=n_words <= 40 and bool(_LINK.match(text)),
            marker=marker,
            date=is_date_line(text),
        )

    @property
    def headline_like(self) -> bool:
        """Short and not a sentence: a headline, a link, a label, a counter."""
        if self.caption or self.n_words > 20:
            return False
        if not self.ends_sentence and (self.bullet or not self.open_end):
            return True
        # A one-sentence question standing alone is a subheading or a teaser link; an interview
        # turn ("Reston: So, what's next?") and a quoted question are not.
        return (
            self.sentences == 1
            and self.n_words <= 14
            and bool(_QUESTION_END.search(self.text))
            and not QUOTE_START.match(self.text)
            and not _SPEAKER.match(self.text)
        )

    @property
    def data_like(self) -> bool:
        """A fact line of a listicle or table: "Population: 13,959", "No. 1 Alabama (29-5)"."""
        tokens = self.text.split()
        if _LEADING_FIGURE.match(self.text):
            return True
        if tokens and sum(1 for t in tokens if any(c.isdigit() for c in t)) >= 0.3 * len(tokens):
            return True
        m = _LABEL_VALUE.match(self.text)
        return m is not None and len(m.group(1).split()) <= 4 and len(m.group(2).split()) <= 8

    @property
    def numbered(self) -> int | None:
        """The item number of "5. Premier smokeless cigarettes", else None."""
        m = _NUMBERED.match(self.text)
        return int(m.group(1)) if m else None

    @property
    def body_like(self) -> bool:
        """Looks like a paragraph of running text."""
        if self.phrase or self.marker:
            return False
        return (self.ends_sentence and self.n_words >= 8) or self.n_words >= 20


def mentions_navigation(text: str) -> bool:
    """Navigation or widget wording anywhere in the line, whatever its length."""
    return _PHRASE.search(text) is not None


def split_units(raw: str) -> list[str]:
    """Paragraph units of a capture: whitespace tidied, hard wraps and cut sentences re-joined."""
    text = _INVISIBLE.sub("", raw.replace("\r\n", "\n").replace("\r", "\n"))
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.split("\n"):
        line = _SPACES.sub(" ", line).strip()
        if line:
            current.append(line)
        elif current:
            blocks.append(current)
            current = []
    if current:
        blocks.append(current)
    units: list[str] = []
    wrapped = _hard_wrapped(blocks)
    for block in blocks:
        units.extend(_unwrap(block) if wrapped else block)
    return _join_continuations(units)


def _hard_wrapped(blocks: list[list[str]]) -> bool:
    """Text wrapped at a fixed width: short lines that mostly stop mid-sentence."""
    inner = [line for block in blocks for line in block[:-1] if not BULLET.match(line)]
    if len(inner) < 3:
        return False
    lengths = sorted(len(line) for block in blocks for line in block)
    if lengths[int(0.9 * (len(lengths) - 1))] > 120:
        return False
    cut = sum(1 for line in inner if len(line) >= 35 and not SENTENCE_END.search(line))
    return cut >= 0.5 * len(inner)


def _unwrap(block: list[str]) -> list[str]:
    out: list[str] = []
    for line in block:
        if out and not BULLET.match(line):
            out[-1] += " " + line
        else:
            out.append(line)
    return out


def _join_continuations(units: list[str]) -> list[str]:
    """Re-join a sentence cut by a stray blank line, and a dateline ("London CNN —") to its text."""
    out: list[str] = []
    for unit in units:
        if out:
            prev = out[-1]
            cut = (
                len(prev.split()) >= 12  # a paragraph, not a headline + "inews24"
                and not SENTENCE_END.search(prev)
                and not BULLET.match(prev)
                and unit[0].islower()
            )
            dateline = (
                len(prev.split()) <= 5
                and re.search(r"\s[—–]$|\s--$", prev) is not None
                and re.search(r"[^\W\d_]", prev) is not None
            )
            if cut or dateline:
                out[-1] = prev + " " + unit
                continue
        out.append(unit)
    return out


def latin_share(text: str) -> float:
    """Share of letters in Latin script: tells a Cyrillic login prompt on an English page."""
    if text.isascii():
        return 1.0
    letters = len(_LETTER.findall(text))
    return 1.0 - len(_NON_LATIN.findall(text)) / letters if letters else 1.0
