"""Ingest: load (txt, md, html, json, jsonl) -> clean -> metadata -> dedup helpers -> chunk.

`prepare(paths)` yields an Article per story or a Rejected per bad input; `chunk_article` cuts an
Article into overlapping chunks; `signature` and `SignatureIndex` find near-duplicate stories.
"""

from __future__ import annotations

from rag.ingest.article import Rejected, article_from_text, article_id
from rag.ingest.chunk import chunk_article
from rag.ingest.clean import Cleaned, Removed, clean, clean_text
from rag.ingest.dedup import (
    SignatureIndex,
    signature,
    signature_from_str,
    signature_to_str,
    similarity,
)
from rag.ingest.htmlpage import Page, read_html
from rag.ingest.load import SUPPORTED, decode, input_bytes, load_file, prepare, strip_markdown
from rag.ingest.meta import parse_date

__all__ = [
    "SUPPORTED",
    "Cleaned",
    "Page",
    "Rejected",
    "Removed",
    "SignatureIndex",
    "article_from_text",
    "article_id",
    "chunk_article",
    "clean",
    "clean_text",
    "decode",
    "input_bytes",
    "load_file",
    "parse_date",
    "prepare",
    "read_html",
    "signature",
    "signature_from_str",
    "signature_to_str",
    "similarity",
    "strip_markdown",
]
