"""MinHash signatures find syndicated copies and tell different stories apart."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rag.ingest import (
    Rejected,
    SignatureIndex,
    article_from_text,
    prepare,
    signature,
    signature_from_str,
    signature_to_str,
    similarity,
)
from rag.schema import Article

ROOT = Path(__file__).resolve().parents[2]


def seeds() -> list[Article]:
    return [a for a in prepare([ROOT / "articles"]) if not isinstance(a, Rejected)]


def syndicated_copy(article: Article) -> str:
    """What another site does to a wire story: new headline, a sentence added, words changed."""
    text = article.text.replace("President", "Pres.", 1).replace("North Korea", "DPRK", 2)
    return (
        "Putin trip: what we know so far\n\n"
        + text
        + "\n\nThis report was updated with additional details from the agency on Thursday."
    )


def test_syndicated_copy_is_a_near_duplicate() -> None:
    for article in seeds():
        copy = article_from_text(syndicated_copy(article), source="copy.txt")
        assert isinstance(copy, Article)
        assert copy.id != article.id
        score = similarity(signature(article.text), signature(copy.text))
        assert score >= 0.8, (article.source, score)


def test_different_seeds_are_not_near_duplicates() -> None:
    sigs = [signature(a.text) for a in seeds()]
    for a, b in itertools.combinations(sigs, 2):
        assert similarity(a, b) < 0.3


def test_signature_shape_and_identity() -> None:
    sig = signature("Putin arrived in Pyongyang on Wednesday for talks with Kim Jong Un.")
    assert len(sig) == 128 and all(0 <= v < 2**32 for v in sig)
    assert similarity(sig, sig) == 1.0
    assert signature("Putin ARRIVED   in Pyongyang") == signature("putin arrived in pyongyang")
    assert len(signature("")) == 128 and len(signature("one two")) == 128
    with pytest.raises(ValueError):
        similarity(sig, sig[:10])


def test_signature_is_the_same_in_another_process() -> None:
    text = "Kim Jong Un greeted Vladimir Putin at the airport in Pyongyang on Wednesday."
    # A bare `rag` package stub keeps the child from importing the whole product.
    code = (
        "import sys, json, types; pkg = types.ModuleType('rag'); pkg.__path__ = [sys.argv[1]];"
        "sys.modules['rag'] = pkg; sys.path.insert(0, sys.argv[2]);"
        "from rag.ingest.dedup import signature; print(json.dumps(signature(sys.argv[3])))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT / "rag"), str(ROOT), text],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONHASHSEED": "12345"},
    )
    assert json.loads(out.stdout) == signature(text)


def test_signature_string_round_trip() -> None:
    sig = signature("Putin arrived in Pyongyang on Wednesday for talks with Kim Jong Un.")
    s = signature_to_str(sig)
    assert s.startswith("mh1:") and len(s) < 700
    assert signature_from_str(s) == sig
    for bad in ("", "mh1:!!", "mh1:AAAA", "xx:" + s[4:]):
        with pytest.raises(ValueError):
            signature_from_str(bad)


def test_signature_index_finds_best_match_and_forgets_removed() -> None:
    articles = seeds()
    index = SignatureIndex()
    for article in articles:
        index.add(article.id, signature(article.text))
    assert len(index) == len(articles)
    target = articles[3]
    copy = article_from_text(syndicated_copy(target), source="copy.txt")
    assert isinstance(copy, Article)
    match = index.best_match(signature(copy.text), 0.8)
    assert match is not None and match[0] == target.id and match[1] >= 0.8
    unrelated = signature("Stock markets fell sharply on Tuesday after a surprise rate decision.")
    assert index.best_match(unrelated, 0.8) is None
    index.remove(target.id)
    assert target.id not in index and index.best_match(signature(copy.text), 0.8) is None
    index.remove("not-there")  # removing twice is harmless
    assert index.pairs(0.8) == []
    index.add("copy", signature(copy.text))
    index.add(target.id, signature(target.text))
    assert [p[:2] for p in index.pairs(0.8)] == [tuple(sorted(("copy", target.id)))]
