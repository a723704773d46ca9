"""Source labels: outlet, else site, else short title; never a file stem."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from rag import NewsRAG
from rag.config import settings_for
from rag.labels import UNKNOWN, article_label, shorten, source_label
from rag.llm import FakeChat
from rag.store import article_from_record
from tests.conftest import SEEDS

STEM = re.compile(r"\d{3}_[0-9a-f]{16}")


def test_outlet_then_site_then_title() -> None:
    assert source_label("Reuters", "https://www.bbc.co.uk/x", "A title") == "Reuters"
    assert source_label(None, "https://www.reuters.com/world/x", "A title") == "reuters.com"
    assert source_label("", None, "Putin arrives in Pyongyang") == "Putin arrives in Pyongyang"
    assert source_label(None, None, None) == UNKNOWN


def test_a_file_stem_is_never_the_label() -> None:
    src = "articles/002_f67a801f5426b32f.txt"
    title = "Russian President Vladimir Putin is on his first visit to North Korea in 24 years"
    assert source_label("002_f67a801f5426b32f", None, title, src) == (
        "Russian President Vladimir Putin is on…"
    )
    assert source_label("story_0042", None, "Title", "x/story_0042.txt") == "Title"
    # A file named after its outlet, and that name given as the outlet, is the user's choice.
    assert source_label("City Wire", None, "Title", "City Wire.txt") == "City Wire"
    assert source_label("f67a801f5426b32f", None, "Title") == "Title"  # an id, source unknown
    assert source_label("inews24", None, "Title", "a/b.txt") == "inews24"


def test_shorten_cuts_at_a_word_boundary() -> None:
    out = shorten("Kremlin announces Russian President Putin is about to visit North Korea")
    assert out == "Kremlin announces Russian President…" and len(out) <= 41
    assert shorten("Short title") == "Short title"


def test_seed_002_has_no_outlet_or_url_and_is_labelled_by_its_title(tmp_path: Path) -> None:
    news = NewsRAG(settings_for("fake", data_dir=tmp_path), chat_model=FakeChat())
    news.ingest([SEEDS])
    by_file = {Path(a.source).name: a for a in news.articles()}
    seed = by_file["002_f67a801f5426b32f.txt"]
    assert seed.url is None and seed.outlet == "Russian President Vladimir Putin is on…"
    assert article_label(seed) == seed.outlet
    assert {a.outlet for a in by_file.values()} >= {"News1", "inews24"}
    # Summaries and answers show the same labels, none of them a file stem.
    for answer in (news.summarize("overview"), news.summarize("compare"),
                   news.ask("Who travelled with Putin to North Korea?")):  # fmt: skip
        assert not STEM.search(answer.text), answer.text
        blob = str(answer.to_json())
        assert not STEM.search(blob.replace(seed.source, "").replace(seed.id, ""))
        for c in answer.citations:
            assert c.outlet == article_label(by_file[Path(news.article(c.article_id).source).name])  # type: ignore[union-attr]


@pytest.mark.parametrize("outlet", ["002_f67a801f5426b32f", ""])
def test_records_stored_with_a_stem_are_relabelled_on_read(outlet: str) -> None:
    meta = {"title": "Putin to Visit North Korea", "outlet": outlet,
            "source": "/x/articles/002_f67a801f5426b32f.txt", "url": ""}  # fmt: skip
    article = article_from_record("a1", "text", meta)
    assert article.outlet == "Putin to Visit North Korea"
