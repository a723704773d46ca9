"""Chunks are exact spans of whole sentences, about the requested size, overlapping."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from rag.ingest import Rejected, article_id, chunk_article, prepare
from rag.schema import Article
from rag.text import sentence_spans

SEEDS = Path(__file__).resolve().parents[2] / "articles"


def seeds() -> list[Article]:
    items = list(prepare([SEEDS]))
    assert not [i for i in items if isinstance(i, Rejected)]
    return [i for i in items if isinstance(i, Article)]


def make(text: str) -> Article:
    return Article(id=article_id(text), title="t", text=text)


@pytest.mark.parametrize("chunk_chars", [200, 700, 1500])
def test_chunks_are_exact_spans_of_whole_sentences(chunk_chars: int) -> None:
    for article in seeds():
        chunks = chunk_article(article, chunk_chars=chunk_chars)
        assert chunks
        starts = {a for a, _ in sentence_spans(article.text)}
        ends = {b for _, b in sentence_spans(article.text)}
        covered: set[int] = set()
        for k, chunk in enumerate(chunks):
            assert article.text[chunk.start : chunk.end] == chunk.text
            assert chunk.start in starts and chunk.end in ends  # no sentence is cut
            assert chunk.id == f"{article.id}:{k}" and chunk.index == k
            assert chunk.article_id == article.id
            single = len(sentence_spans(chunk.text)) == 1
            assert len(chunk.text) <= chunk_chars or single
            covered.update(range(chunk.start, chunk.end))
        for a, b in sentence_spans(article.text):  # every sentence is in some chunk
            assert a in covered and b - 1 in covered


def test_consecutive_chunks_share_one_sentence() -> None:
    for article in seeds():
        chunks = chunk_article(article, chunk_chars=500, overlap_sentences=1)
        for prev, nxt in itertools.pairwise(chunks):
            if len(sentence_spans(prev.text)) > 1:
                last = sentence_spans(prev.text)[-1]
                shared = prev.text[last[0] : last[1]]
                assert nxt.text.startswith(shared)
                assert nxt.start < prev.end


def test_no_overlap_when_asked() -> None:
    article = seeds()[0]
    chunks = chunk_article(article, chunk_chars=300, overlap_sentences=0)
    for prev, nxt in itertools.pairwise(chunks):
        assert nxt.start >= prev.end


def test_over_long_sentence_is_its_own_chunk() -> None:
    long = "The delegation included " + ", ".join(f"minister number {i}" for i in range(80)) + "."
    text = f"Putin arrived on Wednesday. {long} Talks began on Thursday."
    chunks = chunk_article(make(text), chunk_chars=200)
    assert [c.text for c in chunks] == [
        "Putin arrived on Wednesday.",
        long,
        "Talks began on Thursday.",
    ]


def test_paragraph_boundaries_are_preferred() -> None:
    para = "This sentence has exactly forty-two characters. " * 6  # 60%+ of 400
    text = (para.strip() + "\n\n") * 3
    chunks = chunk_article(make(text.strip()), chunk_chars=400, overlap_sentences=0)
    assert all("\n\n" not in c.text for c in chunks)


def test_empty_text_gives_no_chunks() -> None:
    assert chunk_article(Article(id="x", title="t", text="")) == []


def test_article_id_is_stable_and_content_derived() -> None:
    text = "Putin arrived in Pyongyang.\n\nKim greeted him."
    assert article_id(text) == article_id(text)
    assert len(article_id(text)) == 16 and int(article_id(text), 16) >= 0
    assert article_id(text) == article_id("  Putin arrived in   Pyongyang.\nKim greeted him. ")
    assert article_id(text) == article_id(text.replace("Putin", "PUTIN"))  # normalised text
    assert article_id(text) != article_id(text.replace("Kim", "Shoigu"))
    # a known value guards against accidental changes (stored ids would all change)
    assert article_id("hello world") == "b94d27b9934d3e08"
