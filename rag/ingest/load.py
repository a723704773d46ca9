"""Files and folders to Articles: decoding, format dispatch, and a Rejected for every bad input.

Nothing here raises for a bad file: a user ingesting a folder of 500 captures wants 499 articles
and one plain sentence about the broken one, not a traceback.
"""

from __future__ import annotations

import codecs
import contextlib
import json
import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

from rag.ingest.article import Rejected, article_from_text
from rag.ingest.meta import split_authors
from rag.schema import Article

TEXT_SUFFIXES = {".txt", ".text"}
MARKDOWN_SUFFIXES = {".md", ".markdown"}
HTML_SUFFIXES = {".html", ".htm"}
JSON_SUFFIXES = {".json"}
JSONL_SUFFIXES = {".jsonl", ".ndjson"}
SUPPORTED = TEXT_SUFFIXES | MARKDOWN_SUFFIXES | HTML_SUFFIXES | JSON_SUFFIXES | JSONL_SUFFIXES
_MB = 1024 * 1024
_TEXT_KEYS = ("text", "content", "body", "article", "maintext", "full_text", "story")
_DATE_KEYS = ("publish_date", "date", "published", "published_at", "publishedAt", "pubDate",
              "datePublished", "date_publish", "pub_date")  # fmt: skip
_OUTLET_KEYS = ("outlet", "source", "sitename", "site_name", "site", "publisher")
_CHARSET = re.compile(rb"""charset\s*=\s*["']?([\w.:-]+)""", re.I)

Meter = Callable[[int], None]  # told the bytes of input read, as they are read


def _unmetered(_: int) -> None:
    pass


def prepare(
    paths: Iterable[str | Path], *, max_file_mb: float = 20.0, meter: Meter = _unmetered
) -> Iterator[Article | Rejected]:
    """One Article per story (a JSON(L) file gives one per record) or a Rejected per bad input.

    Folders are walked recursively in name order, skipping hidden files and folders and files of
    unsupported types; a file named explicitly with an unsupported type is rejected. `meter` is
    told each file's bytes (a JSONL file's line by line) before the stories read from them, so
    against `input_bytes(paths)` it gives progress and time left even when the whole batch is one
    large JSONL file.
    """
    for given in paths:
        path = Path(given)
        if path.is_dir():
            files = list(_walk(path))
            if not files:
                kinds = ", ".join(sorted(SUPPORTED))
                yield Rejected(str(given), f"no supported files ({kinds}) in this folder")
            for file in files:
                yield from load_file(file, max_file_mb=max_file_mb, meter=meter)
        elif path.exists():
            yield from load_file(path, max_file_mb=max_file_mb, meter=meter)
        else:
            yield Rejected(str(given), "file or folder not found")


def _walk(folder: Path) -> Iterator[Path]:
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith("."):
            continue
        if entry.is_dir() and not entry.is_symlink():  # a symlinked folder can loop forever
            yield from _walk(entry)
        elif entry.is_file() and entry.suffix.lower() in SUPPORTED:
            yield entry


def input_bytes(paths: Iterable[str | Path]) -> int:
    """Bytes of the files prepare() will read (it skips hidden and unsupported files inside
    folders, and reads nothing of an explicitly named unsupported file): a progress total."""
    total = 0
    for p in map(Path, paths):
        files = _walk(p) if p.is_dir() else [p] if p.suffix.lower() in SUPPORTED else []
        for f in files:
            with contextlib.suppress(OSError):  # gone or unreadable: prepare() rejects it
                total += f.stat().st_size
    return total


def load_file(
    path: Path, *, max_file_mb: float = 20.0, meter: Meter = _unmetered
) -> Iterator[Article | Rejected]:
    source = str(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED:
        yield Rejected(source, f"unsupported file type {suffix or '(no extension)'}")
        return
    if suffix in JSONL_SUFFIXES and _line_oriented(path):
        # A JSONL file is a batch: a dump of thousands of articles is normal, so the limit
        # applies to each record and the file is read a line at a time, not held whole.
        yield from _jsonl_file(path, max_file_mb, meter)
        return
    try:
        size = path.stat().st_size
        if size > max_file_mb * _MB:
            meter(size)
            yield Rejected(
                source,
                f"file is {size / _MB:.1f} MB, over the {max_file_mb:g} MB limit "
                "(NEWSRAG_INGEST__MAX_FILE_MB)",
            )
            return
        data = path.read_bytes()
    except OSError as exc:
        yield Rejected(source, f"cannot read the file ({exc.strerror or exc})")
        return
    meter(len(data))
    text = decode(data, html=suffix in HTML_SUFFIXES)
    if isinstance(text, Rejected):
        yield Rejected(source, text.reason)
    elif suffix in JSONL_SUFFIXES:  # UTF-16/32 or binary: judged as one file
        for n, line in enumerate(text.splitlines(), 1):
            if line.strip():
                yield from _jsonl_line(line, n, source)
    elif suffix in JSON_SUFFIXES:
        yield from _json(text, source)
    elif suffix in HTML_SUFFIXES:
        yield article_from_text(text, source=source, html=True)
    elif suffix in MARKDOWN_SUFFIXES:
        yield article_from_text(strip_markdown(text), source=source)
    else:
        yield article_from_text(text, source=source)


def decode(data: bytes, *, html: bool = False) -> str | Rejected:
    """Text of a file: UTF-8 (BOM or not), UTF-16/32 with BOM, else cp1252 if it reads as text."""
    undecodable = Rejected("", "not valid UTF-8 (tried utf-8, utf-16/32 BOM, cp1252)")
    for bom, codec in (
        (codecs.BOM_UTF8, "utf-8"),
        (codecs.BOM_UTF32_LE, "utf-32-le"),
        (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"),
    ):
        if data.startswith(bom):
            try:
                text = data[len(bom) :].decode(codec)
            except UnicodeDecodeError:
                return undecodable
            return text if text.strip() else Rejected("", "empty file")
    if not data.strip():
        return Rejected("", "empty file")
    if b"\x00" in data or _control_share(data) > 0.05:
        return Rejected("", "binary file (not text)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    declared = _CHARSET.search(data[:4096]) if html else None
    for codec in ([declared.group(1).decode("ascii", "ignore")] if declared else []) + ["cp1252"]:
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        if codec != "cp1252" or _reads_as_text(text):
            return text
    return undecodable


def _control_share(data: bytes) -> float:
    sample = data[:65536]
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13))
    return controls / max(1, len(sample))


def _reads_as_text(text: str) -> bool:
    """cp1252 decodes almost any bytes; Western text decoded that way is still mostly ASCII."""
    visible = [c for c in text if not c.isspace()]
    if not visible:
        return False
    return sum(1 for c in visible if ord(c) > 127) / len(visible) <= 0.3


_MD_RULES = [
    (re.compile(r"^```.*$|^~~~.*$", re.M), ""),
    (re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.M), r"\1"),
    (re.compile(r"^ {0,3}(?:[-*_][ \t]*){3,}$|^ {0,3}=+[ \t]*$", re.M), ""),
    (re.compile(r"^ {0,3}> ?", re.M), ""),
    (re.compile(r"^ {0,3}\[[^\]]+\]:[ \t]+\S+.*$", re.M), ""),
    (re.compile(r"!\[[^\]]*\]\([^)]*\)"), ""),
    (re.compile(r"\[([^\]]+)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1"), r"\2"),
    (re.compile(r"(?<![\w*])\*(?=[^\s*])([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<!\w)_(?=[^\s_])([^_\n]+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"`([^`\n]+)`"), r"\1"),
]


def strip_markdown(text: str) -> str:
    """Markdown to plain text, lightly: headings, emphasis, links and images; words untouched."""
    for pattern, repl in _MD_RULES:
        text = pattern.sub(repl, text)
    return text


def _json(text: str, source: str) -> Iterator[Article | Rejected]:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        yield Rejected(source, f"malformed JSON on line {exc.lineno}: {exc.msg}")
        return
    if isinstance(data, dict) and not _is_record(data):
        wrapped = next((data[k] for k in ("articles", "items", "data") if k in data), None)
        data = wrapped if isinstance(wrapped, list) else data
    if isinstance(data, list):
        for i, item in enumerate(data, 1):
            yield from _record(item, f"{source}#{i}")
    else:
        yield from _record(data, source)


def _line_oriented(path: Path) -> bool:
    """Can the file be split on newline bytes? Not UTF-16/32 (a BOM says so), not binary."""
    try:
        with path.open("rb") as f:
            head = f.read(65536)
    except OSError:
        return False  # the whole-file path reports the error
    wide = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
    if b"\n" in head:  # whole lines only: a cut multi-byte character is not undecodable
        head = head[: head.rfind(b"\n") + 1]
    return not head.startswith(wide) and not isinstance(decode(head), Rejected)


def _jsonl_file(path: Path, max_record_mb: float, meter: Meter) -> Iterator[Article | Rejected]:
    source = str(path)
    try:
        f = path.open("rb")
    except OSError as exc:
        yield Rejected(source, f"cannot read the file ({exc.strerror or exc})")
        return
    with f:
        first = True
        for n, raw in enumerate(f, 1):
            meter(len(raw))
            if first:  # a BOM can only open the file
                raw, first = raw.removeprefix(codecs.BOM_UTF8), False
            where = f"{source}#line{n}"
            if len(raw) > max_record_mb * _MB:
                yield Rejected(
                    where,
                    f"record is {len(raw) / _MB:.1f} MB, over the {max_record_mb:g} MB limit "
                    "(NEWSRAG_INGEST__MAX_FILE_MB)",
                )
                continue
            if not raw.strip():
                continue
            line = decode(raw)
            if isinstance(line, Rejected):
                yield Rejected(where, line.reason)
                continue
            yield from _jsonl_line(line, n, source)


def _jsonl_line(line: str, n: int, source: str) -> Iterator[Article | Rejected]:
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        yield Rejected(f"{source}#line{n}", f"malformed JSON on line {n}: {exc.msg}")
        return
    yield from _record(obj, f"{source}#line{n}")


def _is_record(obj: dict[str, Any]) -> bool:
    return "search_result" in obj or any(k in obj for k in (*_TEXT_KEYS, "html"))


def _record(obj: Any, source: str) -> Iterator[Article | Rejected]:
    """One JSON object: an article, or a RealTimeQA search record holding several articles."""
    if isinstance(obj, dict) and isinstance(obj.get("search_result"), list):
        for k, item in enumerate(obj["search_result"], 1):
            yield _article(item, f"{source}:{k}")
    else:
        yield _article(obj, source)


def _first(rec: dict[str, Any], keys: Iterable[str]) -> Any:
    return next((rec[k] for k in keys if rec.get(k) not in (None, "", [])), None)


def _article(rec: Any, source: str) -> Article | Rejected:
    if not isinstance(rec, dict):
        return Rejected(source, "record is not a JSON object")
    text = _first(rec, _TEXT_KEYS)
    html = False
    if not isinstance(text, str) and isinstance(rec.get("html"), str):
        text, html = rec["html"], True
    if not isinstance(text, str) or not text.strip():
        return Rejected(source, "record has no article text (expected 'text', 'content' or 'body')")
    title = _first(rec, ("title", "headline"))
    url = _first(rec, ("url", "link"))
    published = _first(rec, _DATE_KEYS)
    outlet = _first(rec, _OUTLET_KEYS)
    if isinstance(outlet, dict):  # NewsAPI style: {"id": ..., "name": "Reuters"}
        outlet = outlet.get("name")
    return article_from_text(
        text,
        source=source,
        title=str(title) if title else None,
        url=str(url) if url else None,
        published=str(published) if isinstance(published, str) else published,
        authors=split_authors(_first(rec, ("authors", "author", "byline"))),
        outlet=str(outlet) if outlet else None,
        html=html,
    )
