"""Every supported format loads; every bad input becomes one plain-language Rejected."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest

from rag.ingest import (
    Rejected,
    article_from_text,
    article_id,
    htmlpage,
    prepare,
    read_html,
    strip_markdown,
)
from rag.schema import Article

STORY = (
    "Russian President Vladimir Putin arrived in Pyongyang early on Wednesday for his first visit "
    "to North Korea in 24 years, state media said.\n\n"
    "Kim Jong Un greeted him at the airport, and the two leaders rode together to the Kumsusan "
    "guest house, the KCNA news agency reported."
)


def load(*paths: str | Path, max_file_mb: float = 20.0) -> list[Article | Rejected]:
    return list(prepare(paths, max_file_mb=max_file_mb))


def only_article(items: list[Article | Rejected]) -> Article:
    assert len(items) == 1 and isinstance(items[0], Article), items
    return items[0]


def only_rejected(items: list[Article | Rejected]) -> Rejected:
    assert len(items) == 1 and isinstance(items[0], Rejected), items
    return items[0]


def test_txt(tmp_path: Path) -> None:
    path = tmp_path / "putin.txt"
    path.write_text("Putin lands in Pyongyang\n\n" + STORY, encoding="utf-8")
    article = only_article(load(path))
    assert article.title == "Putin lands in Pyongyang"
    assert article.text == STORY
    assert article.source == str(path)
    assert article.id == article_id(STORY)


def test_markdown_is_stripped_lightly(tmp_path: Path) -> None:
    md = (
        "# Putin lands in *Pyongyang*\n\n"
        "Russian President **Vladimir Putin** arrived in [Pyongyang](https://example.com/pya) "
        "early on Wednesday for his first visit to North Korea in 24 years, state_media said.\n\n"
        "![photo](x.jpg)\n\n> Kim Jong Un greeted him at the airport, the `KCNA` agency said."
    )
    path = tmp_path / "putin.md"
    path.write_text(md, encoding="utf-8")
    article = only_article(load(path))
    assert article.title == "Putin lands in Pyongyang"
    assert "**" not in article.text and "](" not in article.text and "`" not in article.text
    assert "Vladimir Putin arrived in Pyongyang early" in article.text
    assert "state_media" in article.text  # underscores inside words are not emphasis
    assert "Kim Jong Un greeted him at the airport, the KCNA agency said." in article.text
    assert strip_markdown("5 * 3 = 15 and a*b") == "5 * 3 = 15 and a*b"


HTML = """<!doctype html><html><head><title>Putin lands | Example News</title>
<meta property="og:site_name" content="Example News">
<meta property="article:published_time" content="2024-06-19T01:00:00+09:00">
<meta name="author" content="Jane Doe">
<link rel="canonical" href="https://www.example.com/world/putin-lands">
<script type="application/ld+json">{"@type": "NewsArticle", "headline": "Putin lands in Pyongyang",
 "datePublished": "2024-06-19", "author": [{"@type": "Person", "name": "Jane Doe"}]}</script>
</head><body><nav><a href="/">Home</a> <a href="/world">World</a></nav>
<article><h1>Putin lands in Pyongyang</h1>
<p>Russian President Vladimir Putin arrived in Pyongyang early on Wednesday for his first visit
to North Korea in 24 years, state media said.</p>
<figure><img src="x.jpg"><figcaption>Kim Jong Un greets Vladimir Putin (left) at the airport in
Pyongyang. Photo: KCNA</figcaption></figure>
<p>Kim Jong Un greeted him at the airport, and the two leaders rode together to the Kumsusan guest
house, the KCNA news agency reported.</p></article>
<aside><h3>Related</h3><ul><li><a href="/a">Tesla shares fall</a></li></ul></aside>
<footer>Copyright 2024 Example News. All rights reserved.</footer></body></html>"""


def test_html_main_text_and_metadata(tmp_path: Path) -> None:
    path = tmp_path / "page.html"
    path.write_text(HTML, encoding="utf-8")
    article = only_article(load(path))
    assert article.title == "Putin lands in Pyongyang"
    assert article.published == "2024-06-19"
    assert article.authors == ("Jane Doe",)
    assert article.outlet == "Example News"
    assert article.url == "https://www.example.com/world/putin-lands"
    assert article.text.startswith("Russian President Vladimir Putin arrived")
    assert "(left) at the airport" in article.text  # a photo caption is story text
    for junk in ("Home", "Tesla", "Copyright", "Putin lands in Pyongyang"):
        assert junk not in article.text


def test_html_fallback_parser_reads_meta_and_paragraphs() -> None:
    page = read_html(
        '<html><head><meta name="pubdate" content="20240618"><meta name="author" content="A. B">'
        "</head><body><time datetime='2024-06-17'>x</time><p>One.</p><p>Two.</p></body></html>"
    )
    assert page.published == "2024-06-17"  # "20240618" is not a date format we trust


def test_html_date_from_json_ld_and_time() -> None:
    ld = read_html(
        '<script type="application/ld+json">{"@graph": [{"@type": "WebPage"}, '
        '{"@type": "NewsArticle", "datePublished": "2024-06-18T10:00:00Z"}]}</script><p>x</p>'
    )
    assert ld.published == "2024-06-18"
    assert read_html('<time datetime="2024-06-20T08:00">x</time><p>y</p>').published == "2024-06-20"


def test_json_object_and_list(tmp_path: Path) -> None:
    record = {
        "title": "Putin lands",
        "content": STORY,
        "url": "https://www.reuters.com/world/putin",
        "publish_date": "2024-06-19T00:00:00",
        "authors": "Jane Doe, John Roe",
    }
    one = tmp_path / "one.json"
    one.write_text(json.dumps(record), encoding="utf-8")
    article = only_article(load(one))
    assert (article.title, article.outlet, article.published) == (
        "Putin lands",
        "reuters.com",
        "2024-06-19",
    )
    assert article.authors == ("Jane Doe", "John Roe")
    many = tmp_path / "many.json"
    many.write_text(json.dumps([record, {**record, "body": "x", "content": None}]), "utf-8")
    items = load(many)
    assert isinstance(items[0], Article) and items[0].source == f"{many}#1"
    assert isinstance(items[1], Rejected) and items[1].source == f"{many}#2"


def test_jsonl_malformed_line_is_one_rejected(tmp_path: Path) -> None:
    good = {"title": "Putin lands", "text": STORY, "date": "19 June 2024", "source": "AP"}
    other = {**good, "text": STORY.replace("Wednesday", "Thursday")}
    path = tmp_path / "news.jsonl"
    path.write_text(
        json.dumps(good) + "\n\n" + '{"title": "broken", "text": \n' + json.dumps(other) + "\n",
        encoding="utf-8",
    )
    items = load(path)
    assert [type(i).__name__ for i in items] == ["Article", "Rejected", "Article"]
    bad = items[1]
    assert isinstance(bad, Rejected)
    assert bad.source == f"{path}#line3"
    assert bad.reason.startswith("malformed JSON on line 3")
    first = items[0]
    assert isinstance(first, Article)
    assert (first.source, first.outlet, first.published) == (f"{path}#line1", "AP", "2024-06-19")


def test_realtimeqa_gcs_shape_loads_each_search_result(tmp_path: Path) -> None:
    # Same shape as RealTimeQA's *_gcs.jsonl: one line per question, articles in search_result.
    line = {
        "question_id": "20240621_0",
        "search_time": "2024/06/22/05:11",
        "search_result": [
            {
                "url": "https://www.example.com/world/putin-visit/",
                "title": "Putin arrives in North Korea for rare visit ...",
                "text": STORY,
                "authors": ["Jane Doe"],
                "publish_date": "2024-06-19T00:00:00",
            },
            {"url": "https://news.example.org/x", "title": "Missing text ..."},
        ],
    }
    path = tmp_path / "20240621_gcs.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    items = load(path)
    article, missing = items
    assert isinstance(article, Article) and isinstance(missing, Rejected)
    assert article.source == f"{path}#line1:1" and missing.source == f"{path}#line1:2"
    assert article.title == "Putin arrives in North Korea for rare visit"
    assert (article.outlet, article.published, article.authors) == (
        "example.com",
        "2024-06-19",
        ("Jane Doe",),
    )


def test_encodings(tmp_path: Path) -> None:
    text = "Café owners in Zürich said prices rose 5% this year, according to a new survey."
    for name, data in {
        "bom8.txt": codecs.BOM_UTF8 + text.encode("utf-8"),
        "u16.txt": codecs.BOM_UTF16_LE + text.encode("utf-16-le"),
        "cp.txt": text.replace("5%", "5% – “up”").encode("cp1252"),
    }.items():
        path = tmp_path / name
        path.write_bytes(data)
        article = only_article(load(path))
        assert article.text.startswith("Café owners in Zürich"), name


def test_bad_inputs_are_rejected_with_plain_reasons(tmp_path: Path) -> None:
    cases = {
        "empty.txt": (b"", "empty file"),
        "blank.txt": (b"  \n\t \r\n", "empty file"),
        "blank16.txt": (codecs.BOM_UTF16_LE + " \n".encode("utf-16-le"), "empty file"),
        "image.txt": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" * 20, "binary file (not text)"),
        "garbled.txt": (bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 40, "not valid UTF-8"),
        "sjis.txt": ("北朝鮮を訪問したプーチン大統領".encode("shift_jis") * 5, "not valid UTF-8"),
        "report.pdf": (b"%PDF-1.7 ...", "unsupported file type .pdf"),
        "README": (b"hello", "unsupported file type (no extension)"),
    }
    for name, (data, reason) in cases.items():
        (tmp_path / name).write_bytes(data)
        rejected = only_rejected(load(tmp_path / name))
        assert rejected.source == str(tmp_path / name)
        assert rejected.reason.startswith(reason), (name, rejected.reason)


def test_oversize_file_names_size_and_limit(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_text(STORY * 200, encoding="utf-8")
    rejected = only_rejected(load(path, max_file_mb=0.01))
    assert rejected.reason == (
        "file is 0.1 MB, over the 0.01 MB limit (NEWSRAG_INGEST__MAX_FILE_MB)"
    )


def test_a_jsonl_batch_over_the_file_limit_goes_in_record_by_record(tmp_path: Path) -> None:
    # the limit is per record for JSONL: a dump of thousands of articles is one normal file
    path = tmp_path / "dump.jsonl"
    records = [{"title": f"Story {i}", "text": f"{STORY} Item {i}."} for i in range(40)]
    huge = {"title": "Huge", "text": STORY * 50}
    lines = [json.dumps(r) for r in records[:20]] + [json.dumps(huge)]
    lines += [json.dumps(r) for r in records[20:]]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    limit = 0.01  # MB: the file is over twice that, each small record far under it
    assert path.stat().st_size > 2 * limit * 1024 * 1024
    items = load(path, max_file_mb=limit)
    assert sum(isinstance(i, Article) for i in items) == 40
    (bad,) = [i for i in items if isinstance(i, Rejected)]
    assert bad.source == f"{path}#line21" and bad.reason.startswith("record is 0.")


def test_a_utf16_jsonl_file_still_loads(tmp_path: Path) -> None:
    path = tmp_path / "wide.jsonl"
    body = "\n".join(json.dumps({"title": f"S{i}", "text": STORY}) for i in range(2))
    path.write_bytes(codecs.BOM_UTF16_LE + body.encode("utf-16-le"))
    assert [type(i).__name__ for i in load(path)] == ["Article", "Article"]


def test_missing_path_is_rejected_not_raised(tmp_path: Path) -> None:
    rejected = only_rejected(load(tmp_path / "nope.txt"))
    assert rejected.reason == "file or folder not found"


def test_folders_recurse_sorted_and_skip_hidden(tmp_path: Path) -> None:
    (tmp_path / "b").mkdir()
    (tmp_path / "a" / "deep").mkdir(parents=True)
    (tmp_path / ".git").mkdir()
    (tmp_path / "a" / "deep" / "2.txt").write_text(STORY.replace("24", "twenty-four"), "utf-8")
    (tmp_path / "a" / "1.txt").write_text(STORY, "utf-8")
    (tmp_path / "b" / "3.md").write_text(STORY.replace("Wednesday", "Friday"), "utf-8")
    (tmp_path / ".git" / "x.txt").write_text(STORY, "utf-8")
    (tmp_path / ".hidden.txt").write_text(STORY, "utf-8")
    (tmp_path / "b" / "photo.png").write_bytes(b"\x89PNG")
    items = load(tmp_path)
    assert [Path(i.source).relative_to(tmp_path).as_posix() for i in items] == [
        "a/1.txt",
        "a/deep/2.txt",
        "b/3.md",
    ]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert only_rejected(load(empty)).reason.startswith("no supported files")


def test_one_bad_file_does_not_stop_the_rest(tmp_path: Path) -> None:
    (tmp_path / "a.txt").write_bytes(b"")
    (tmp_path / "b.txt").write_text(STORY, "utf-8")
    items = load(tmp_path, tmp_path / "missing.txt")
    assert [type(i).__name__ for i in items] == ["Rejected", "Article", "Rejected"]


def test_page_upload_html_goes_through_article_from_text() -> None:
    article = article_from_text(HTML, source="upload:page.html", html=True, title="Own title")
    assert isinstance(article, Article)
    assert article.title == "Own title"  # explicit metadata wins over the page's
    assert article.published == "2024-06-19"
    assert article.text.startswith("Russian President Vladimir Putin arrived")


def test_stdlib_fallback_when_trafilatura_finds_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(htmlpage, "_trafilatura", lambda html, url: None)
    page = read_html(HTML)
    assert page.title == "Putin lands in Pyongyang"
    assert page.outlet == "Example News" and page.published == "2024-06-19"
    assert "Kumsusan guest house" in page.text
    assert "Home" not in page.text and "Tesla" not in page.text  # <nav>, <aside> skipped
    article = article_from_text(HTML, source="p.html", html=True)
    assert isinstance(article, Article) and "(left) at the airport" in article.text
