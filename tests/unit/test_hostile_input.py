"""Hostile input: XSS in articles and questions, path traversal in upload names, oversized and
malformed files, and absurdly long questions. (Prompt injection: tests/unit/test_hostile.py.)
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from rag import NOT_FOUND, Answer, NewsRAG
from rag.answer import MAX_QUESTION_CHARS, QuestionError
from rag.cli import main
from rag.config import settings_for
from tests.checks import assert_quotes_exact
from tests.conftest import SEEDS

# -- XSS ------------------------------------------------------------------------------------------

SCRIPT = "<script>alert('xss')</script>"
IMG = '<img src=x onerror="alert(1)">'


def _xss_news(tmp_path: Path) -> NewsRAG:
    f = tmp_path / "xss.json"
    f.write_text(
        json.dumps(
            {
                "title": f"Summit {SCRIPT} ends",
                "outlet": f"Evil {IMG} Times",
                "text": f"Kim Jong Un greeted Putin at the plane ramp in Pyongyang {SCRIPT}. "
                f"The summit ended with a pact {IMG} on mutual defence.",
            }
        )
    )
    news = NewsRAG(settings_for("fake", data_dir=tmp_path / "data"))
    assert len(news.ingest([f]).added) == 1
    return news


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, list[str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, [name for name, _ in attrs]))


def _assert_inert(markup: str) -> None:
    """The payloads are text in the markup: no script or img element, no on* attribute."""
    parser = _Tags()
    parser.feed(markup)
    for tag, attrs in parser.tags:
        assert tag not in ("script", "img", "iframe"), markup
        assert not [a for a in attrs if a.startswith("on")], (tag, attrs)
    assert "alert" in markup  # the payload is there, as text


def test_xss_in_articles_and_questions_stays_data(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    news = _xss_news(tmp_path)
    question = f"Who greeted Putin at the plane ramp? {SCRIPT}{IMG}"
    answer = news.ask(question)
    assert answer.citations, answer
    # The CLI's JSON is plain data: the payload is a string value, parsed back unchanged.
    monkeypatch.setenv("NEWSRAG_LLM__BACKEND", "fake")
    monkeypatch.setenv("NEWSRAG_EMBED__BACKEND", "fake")
    monkeypatch.setenv("NEWSRAG_DATA_DIR", str(tmp_path / "data"))
    assert main(["ask", question, "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["question"] == " ".join(question.split())
    assert all(isinstance(c["quote"], str) for c in data["citations"])

    # The page: whatever renders answers, citations and sources escapes them.
    from ui import render

    _assert_inert(render.citation_list(answer))
    _assert_inert(render.answer_body(answer))
    _assert_inert(render.sources(news.articles(), []))
    _assert_inert(render.viewer(news.articles()[0]))
    turn = render.Turn(question)
    turn.answer = answer
    _assert_inert(render.transcript([turn], 1))


# -- uploads, files and questions -------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("/etc/shadow", "shadow"),
        ("....//....//x.txt", "x.txt"),
        ("a/../../b.txt", "b.txt"),
        ("..", None),
        ("../", None),
        (".bashrc", "bashrc"),
        ("evil\x00.txt", "evil.txt"),
        ("ok.txt", "ok.txt"),
    ],
)
def test_upload_names_cannot_leave_the_upload_folder(name: str, expected: str | None) -> None:
    from ui.page import safe_name

    got = safe_name(name)
    assert got == expected
    if got is not None:
        assert "/" not in got and "\\" not in got and not got.startswith(".")


def _no_progress(*_: Any, **__: Any) -> None:
    pass


NO_PROGRESS: Any = _no_progress  # stands in for gr.Progress outside a Gradio event


def test_page_upload_with_a_traversal_name_stays_inside(tmp_path: Path) -> None:
    from ui.page import Page

    news = NewsRAG(settings_for("fake", data_dir=tmp_path / "data"))
    page = Page(news)
    sneaky = tmp_path / "in" / "..\\..\\..\\escaped.txt"  # backslashes: one legal file name
    sneaky.parent.mkdir()
    sneaky.write_text(
        "Escaped story\n\nThe harbour council of Port Elm voted for a new bridge on Tuesday.\n"
    )
    report, *_ = page.on_upload([str(sneaky)], [], [], progress=NO_PROGRESS)
    assert "escaped.txt" in report
    assert not list(tmp_path.parent.glob("escaped.txt")) and not (tmp_path / "escaped.txt").exists()
    stored = news.articles()
    assert len(stored) == 1
    uploads = (tmp_path / "data" / "uploads").resolve()
    assert Path(stored[0].source).resolve().is_relative_to(uploads), stored[0].source


def test_page_refuses_an_oversized_upload(tmp_path: Path) -> None:
    from ui.page import Page

    news = NewsRAG(settings_for("fake", data_dir=tmp_path / "data", server__max_upload_mb=0.01))
    big = tmp_path / "big.txt"
    big.write_text("Big story\n\n" + "The council met again on Tuesday. " * 2000)
    report, *_ = Page(news).on_upload([str(big)], [], [], progress=NO_PROGRESS)
    assert "big.txt" in report and "larger than 0.01 MB" in report
    assert news.articles() == []


def _bad_files(folder: Path) -> dict[str, str]:
    """file name -> a phrase its rejection reason must contain."""
    folder.mkdir()
    (folder / "huge.txt").write_text("Huge\n\n" + "A sentence about the harbour. " * 40_000)
    (folder / "broken.jsonl").write_text(
        '{"title": "Fine", "text": "The council of Port Elm approved a bridge on Tuesday."}\n'
        '{"title": "Broken", "text": "unterminated\n'
        "not json at all\n"
    )
    (folder / "koi8.txt").write_bytes(
        ("Новости\n\n" + "Путин прибыл в Пхеньян во вторник вечером. " * 20).encode("koi8-r")
    )
    (folder / "binary.txt").write_bytes(bytes(range(256)) * 20)
    (folder / "empty.md").write_text("   \n")
    (folder / "payload.exe").write_bytes(b"MZ\x90\x00")
    return {
        "huge.txt": "MB limit",
        "broken.jsonl#line2": "malformed JSON on line 2",
        "broken.jsonl#line3": "malformed JSON on line 3",
        "koi8.txt": "not valid UTF-8",
        "binary.txt": "binary file",
        "empty.md": "empty file",
        "payload.exe": "unsupported file type .exe",
    }


def test_bad_files_are_rejected_with_a_reason(tmp_path: Path) -> None:
    expected = _bad_files(tmp_path / "bad")
    news = NewsRAG(settings_for("fake", data_dir=tmp_path / "data", ingest__max_file_mb=1.0))
    files = sorted((tmp_path / "bad").iterdir())
    report = news.ingest(files)
    reasons = {Path(src).name: why for src, why in report.rejected}
    for name, phrase in expected.items():
        assert name in reasons and phrase in reasons[name], (name, reasons)
    assert len(report.added) == 1  # the good line of broken.jsonl


def test_bad_files_at_the_command_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    fake_env: None,
) -> None:
    expected = _bad_files(tmp_path / "bad")
    monkeypatch.setenv("NEWSRAG_INGEST__MAX_FILE_MB", "1")
    files = [str(p) for p in sorted((tmp_path / "bad").iterdir())]
    assert main(["ingest", *files, "--quiet", "--store", str(tmp_path / "s")]) == 0
    out = capsys.readouterr()
    assert "1 added" in out.out and f"{len(expected)} rejected" in out.out
    for name, phrase in expected.items():
        line = next((x for x in out.err.splitlines() if f"{name}:" in x), "")
        assert line.startswith("  rejected ") and phrase in line, (name, out.err)
    assert "Traceback" not in out.err


def test_a_100k_character_question_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    news = NewsRAG(settings_for("fake", data_dir=tmp_path / "data"))
    news.ingest([SEEDS])
    huge = "Who greeted Putin? " * (100_000 // 19 + 1)
    with pytest.raises(QuestionError, match=f"the limit is {MAX_QUESTION_CHARS:,}"):
        news.ask(huge)
    with pytest.raises(QuestionError):
        list(news.ask_stream(huge))

    monkeypatch.setenv("NEWSRAG_LLM__BACKEND", "fake")
    monkeypatch.setenv("NEWSRAG_EMBED__BACKEND", "fake")
    store = ["--store", str(news.settings.store_path)]
    capsys.readouterr()
    assert main(["ask", huge, *store]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("newsrag ask: the question is "), err
    batch = tmp_path / "questions.jsonl"
    batch.write_text(json.dumps({"question": huge}) + "\n" + "Who greeted Putin at the plane?\n")
    assert main(["ask", "--batch", str(batch), "--json", *store]) == 0
    lines = [json.loads(x) for x in capsys.readouterr().out.splitlines()]
    assert "limit" in lines[0]["error"] and len(lines[0]["question"]) <= 200
    assert "Kim Jong Un" in lines[1]["answer"] and lines[1]["answer"] != NOT_FOUND


def test_a_question_full_of_markup_is_just_text(tmp_path: Path) -> None:
    """Markup in a question is never interpreted: the answer is plain text (cited or NOT_FOUND)
    and carries none of it."""
    news = NewsRAG(settings_for("fake", data_dir=tmp_path / "data"))
    news.ingest([SEEDS])
    answer = news.ask(f"{SCRIPT} Who greeted Putin at the plane? {IMG}")
    assert isinstance(answer, Answer) and answer.question.startswith(SCRIPT)
    assert "<script" not in answer.text and "<img" not in answer.text
    assert_quotes_exact(news, answer.citations)
