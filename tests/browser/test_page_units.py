"""The page's pure parts, without a browser: upload names and HTML escaping."""

from __future__ import annotations

import pytest

from rag.schema import Answer, Article, Citation
from ui.page import safe_name
from ui.render import Turn, sources, transcript, upload_report, viewer

EVIL = '<img src=x onerror="alert(1)"><script>alert(2)</script>'


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("story.txt", "story.txt"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\win.ini", "win.ini"),
        ("/abs/path/a.html", "a.html"),
        ("..", None),
        ("../", None),
        (".hidden.txt", "hidden.txt"),
        ("a\x00b\n.txt", "ab.txt"),
        ("", None),
    ],
)
def test_upload_names_keep_only_the_base_name(name: str, expected: str | None) -> None:
    assert safe_name(name) == expected


def _article() -> Article:
    text = f"Lead {EVIL} sentence. The cited {EVIL} passage here. Tail."
    return Article(
        id='x"><b>', title=f"T {EVIL}", text=text, outlet=EVIL, url="javascript:alert(3)"
    )


def test_rendered_html_never_carries_live_markup() -> None:
    a = _article()
    start = a.text.index("The cited")
    end = a.text.index(" Tail")
    cite = Citation(1, a.id, a.title, a.outlet, EVIL, a.text[start:end], start, end)
    answer = Answer(f"Q {EVIL}", f"An answer {EVIL} **bold {EVIL}** [1].", [cite], False)
    pages = [
        transcript([Turn(f"Q {EVIL}", answer), Turn(EVIL, draft=EVIL, status=EVIL)], 1),
        transcript([Turn(EVIL, error=EVIL)], 1),
        sources([a], [a.id]),
        viewer(a, start, end, 1),
        upload_report([(EVIL, "rejected", EVIL)], EVIL),
    ]
    for html in pages:
        assert "<img" not in html and "<script" not in html and "<b>" not in html
        assert "javascript:" not in html
    assert "<mark" in pages[3] and "&lt;img" in pages[3]
    assert "<strong>bold &lt;img" in pages[0]


def test_viewer_clamps_offsets_from_the_browser() -> None:
    a = _article()
    assert "<mark" not in viewer(a, 10**9, 10**9 + 5)
    assert "<mark" not in viewer(a, 5, 2)
    assert "no longer in the library" in viewer(None)
