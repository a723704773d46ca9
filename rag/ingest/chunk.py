"""Split an article into overlapping chunks of whole sentences, with exact offsets."""

from __future__ import annotations

import re

from rag.schema import Article, Chunk
from rag.text import sentence_spans

_PARAGRAPH = re.compile(r"(?:[^\n]|\n(?![ \t]*\n))+")
# Close a chunk at a paragraph end once it is this full, rather than start the next paragraph.
_PARAGRAPH_BREAK_FILL = 0.6


def chunk_article(
    article: Article, *, chunk_chars: int = 700, overlap_sentences: int = 1
) -> list[Chunk]:
    """Chunks of about `chunk_chars` characters on sentence (preferably paragraph) boundaries.

    A sentence longer than `chunk_chars` becomes a chunk of its own; it is never cut, because a
    citation must quote whole sentences. Consecutive chunks share `overlap_sentences` sentences,
    except after a one-sentence chunk and where the overlap alone would overfill the next chunk.
    """
    text = article.text
    sents: list[tuple[int, int, bool]] = []  # (start, end, opens a paragraph)
    for para in _PARAGRAPH.finditer(text):
        spans = sentence_spans(text, para.start(), para.end())
        sents.extend((a, b, k == 0) for k, (a, b) in enumerate(spans))

    bounds: list[tuple[int, int]] = []
    i, n = 0, len(sents)
    while i < n:
        first = sents[i][0]
        j = i
        while j + 1 < n:
            _, next_end, opens = sents[j + 1]
            if next_end - first > chunk_chars:
                break
            if opens and sents[j][1] - first >= _PARAGRAPH_BREAK_FILL * chunk_chars:
                break
            j += 1
        bounds.append((first, sents[j][1]))
        if j + 1 >= n:
            break
        back = min(max(overlap_sentences, 0), j - i)  # always move forward by one sentence or more
        nxt = j + 1 - back
        if back and sents[j + 1][1] - sents[nxt][0] > chunk_chars:
            nxt = j + 1
        i = nxt

    return [
        Chunk(
            id=f"{article.id}:{k}",
            article_id=article.id,
            text=text[a:b],
            start=a,
            end=b,
            index=k,
        )
        for k, (a, b) in enumerate(bounds)
    ]
