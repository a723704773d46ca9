"""Small, dependency-free text helpers shared by chunking, retrieval, citation checks and eval.

Everything works on character offsets into the original string, because citations must quote
articles exactly (`quote == text[start:end]`).
"""

from __future__ import annotations

import re
import unicodedata

# Abbreviations after which a period does not end a sentence.
_ABBREV = {
    "mr", "mrs", "ms", "dr", "prof", "sr", "jr", "st", "gen", "col", "lt", "sgt", "gov", "sen",
    "rep", "u.s", "u.k", "u.n", "e.g", "i.e", "vs", "no", "jan", "feb", "mar", "apr", "jun", "jul",
    "aug", "sep", "sept", "oct", "nov", "dec", "inc", "corp", "co", "ltd", "a.m", "p.m", "etc",
}  # fmt: skip

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) and then whitespace,
# or at a line break (captures put headlines and paragraphs on their own lines).
_END = re.compile(r"[.!?…]+[\"'”’)\]]*(?=\s)|\n")

STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "against",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "below",
        "between",
        "both",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "herself",
        "him",
        "himself",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "myself",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "ours",
        "out",
        "over",
        "own",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "theirs",
        "them",
        "themselves",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "yours",
        "said",
        "says",
        "say",
        "according",
        "reported",
        "reports",
        "report",
        "told",
        "tell",
        "tells",
        "per",
        "via",
        "one",
        "two",
        "mr",
        "ms",
        "mrs",
        "yet",
        "still",
        "may",
        "might",
        "must",
        "shall",
        "us",
    ]
)

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"\d[\d,.]*")
# Capitalised words (possibly hyphenated), e.g. "Belousov", "Kim", "Jong-un", "KCNA".
_CAP = re.compile(r"\b[A-Z][\w’'-]*\b")


def normalize(text: str) -> str:
    """NFKC, curly quotes to straight, lower case: for comparisons, never for storage."""
    text = unicodedata.normalize("NFKC", text)
    text = text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
    return text.lower()


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[tuple[int, int]]:
    """(start, end) offsets of the sentences in text[start:end], whitespace trimmed, none empty."""
    end = len(text) if end is None else end
    spans: list[tuple[int, int]] = []
    cursor = start
    for m in _END.finditer(text, start, end):
        stop = m.end()
        if m.group() != "\n":
            # "Mr. Kim" or "U.S. officials": the word before the period is an abbreviation.
            before = text[cursor : m.start()].rsplit(None, 1)
            word = before[-1].lower().rstrip(".") if before else ""
            if word in _ABBREV or (len(word) == 1 and word.isalpha()):
                continue
        _push(text, cursor, stop, spans)
        cursor = stop
    _push(text, cursor, end, spans)
    return spans


def _push(text: str, a: int, b: int, spans: list[tuple[int, int]]) -> None:
    while a < b and text[a].isspace():
        a += 1
    while b > a and text[b - 1].isspace():
        b -= 1
    if b > a:
        spans.append((a, b))


def sentences(text: str) -> list[str]:
    return [text[a:b] for a, b in sentence_spans(text)]


def words(text: str) -> list[str]:
    """Lower-cased word tokens, for BM25 and overlap."""
    return _WORD.findall(normalize(text))


def content_words(text: str) -> set[str]:
    """Words that carry meaning: not stop words, not one letter. Crude plural folding."""
    return {_stem(w) for w in words(text) if w not in STOPWORDS and len(w) > 1}


def _stem(word: str) -> str:
    for suffix in ("'s", "ies", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            return word[: -len(suffix)] + ("y" if suffix == "ies" else "")
    return word


def numbers(text: str) -> set[str]:
    """Numbers as written, without thousands separators or a trailing period: 11,000 -> 11000."""
    out = set()
    for m in _NUMBER.findall(text):
        value = m.rstrip(".,").replace(",", "")
        if value:
            out.add(value)
    return out


def entities(text: str) -> set[str]:
    """Capitalised words that are not sentence-initial stop words: a cheap proper-noun detector."""
    found = set()
    for m in _CAP.finditer(text):
        token = m.group().strip("'’-")
        low = normalize(token)
        if low in STOPWORDS or len(token) < 2:
            continue
        found.add(low.removesuffix("'s"))
    return found


# One name, several spellings: "the US" supports "the United States", "South Korean" supports
# "South Korea". Used where a claim's names are looked up in a passage (the citation check and
# the eval's support metric), so both read a passage the same way.
_SAME_NAME: tuple[tuple[str, ...], ...] = (
    ("us", "u.s", "united states"),
    ("un", "u.n", "united nations"),
    ("uk", "u.k", "united kingdom", "britain"),
    ("eu", "european union"),
    ("russia", "russian"),
    ("korea", "korean"),
    ("china", "chinese"),
    ("ukraine", "ukrainian"),
    ("japan", "japanese"),
    ("iran", "iranian"),
    ("israel", "israeli"),
    ("germany", "german"),
    ("france", "french"),
    ("india", "indian"),
    ("america", "american"),
)
_NAME_FORM = {form: group for group in _SAME_NAME for form in group}


def _form_in(form: str, text: str, low: str) -> bool:
    if len(form.replace(".", "")) <= 2:  # abbreviations by case: "US" is a country, "us" is not
        return re.search(rf"(?<![\w.]){re.escape(form.upper())}\.?(?!\w)", text) is not None
    return f" {' '.join(words(form))} " in low


def name_variants(text: str) -> str:
    """The other spellings of the names in `text`, space separated ("" when none): appended to
    a passage before whole-word name lookups."""
    low = f" {' '.join(words(text))} "
    extra = {
        other
        for form, group in _NAME_FORM.items()
        if _form_in(form, text, low)
        for other in group
        if other != form
    }
    return " ".join(sorted(extra))
