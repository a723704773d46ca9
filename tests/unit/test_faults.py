"""Faults: the LLM server down or too slow, and the disk filling up during ingestion.

A fault in the model gives the extractive fallback (quoted passages and a note), never an
exception. A fault in the store gives a StoreError (one line from the CLI), and the store stays
consistent: no half-written article is visible, and the next successful run leaves no orphans.
The Chroma server going away is tested in tests/server/test_chroma_server.py; kill -9 during
ingestion in tests/unit/test_indexer.py.
"""

from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest

from rag import Answer, NewsRAG, Token
from rag.cli import main
from rag.config import settings_for
from rag.store import StoreError
from tests.checks import assert_quotes_exact
from tests.conftest import ROOT, SEEDS
from tests.server.standins import OllamaHandler, SlowHandler, StandIn, closed_port, handler

GREETING = "Who greeted Putin at the plane?"


def with_backend(tmp_path: Path, backend: str, base_url: str, timeout_s: float) -> NewsRAG:
    news = NewsRAG(
        settings_for(
            "fake",
            data_dir=tmp_path,
            llm__backend=backend,
            llm__base_url=base_url,
            llm__timeout_s=timeout_s,
            llm__model="standin",
        )
    )
    assert len(news.ingest([SEEDS]).added) == 5
    return news


def assert_extractive(news: NewsRAG, answer: Answer, why: str) -> None:
    assert answer.mode == "extractive" and not answer.abstained, answer
    assert "could not answer" in answer.note and why in answer.note, answer.note
    assert answer.citations and "[1]" in answer.text
    assert_quotes_exact(news, answer.citations)


def base_url(backend: str, port: int) -> str:
    return f"http://127.0.0.1:{port}" + ("/v1" if backend == "openai" else "")


# -- the model ------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_llm_server_down_gives_the_extractive_fallback(tmp_path: Path, backend: str) -> None:
    news = with_backend(tmp_path, backend, base_url(backend, closed_port()), timeout_s=30)
    events = list(news.ask_stream(GREETING))
    assert isinstance(events[-1], Answer) and all(isinstance(e, Token) for e in events[:-1])
    assert_extractive(news, events[-1], "Connect")
    assert "Kim Jong Un" in events[-1].text


@pytest.mark.parametrize("backend", ["openai", "ollama"])
def test_llm_timing_out_gives_the_extractive_fallback(tmp_path: Path, backend: str) -> None:
    with StandIn(handler(SlowHandler, delay_s=30.0)) as slow:
        news = with_backend(tmp_path, backend, base_url(backend, slow.port), timeout_s=1.0)
        answer = news.ask(GREETING)
        assert slow.requests, "the model server was never asked"
    assert_extractive(news, answer, "Timeout")


def test_llm_stalling_mid_answer_gives_the_extractive_fallback(tmp_path: Path) -> None:
    """The first words stream, then nothing more for longer than the timeout."""
    with StandIn(handler(OllamaHandler, pause_s=20.0)) as stalling:
        news = with_backend(tmp_path, "ollama", stalling.url, timeout_s=1.0)
        events = list(news.ask_stream(GREETING))
    tokens = [e for e in events if isinstance(e, Token)]
    assert tokens, "expected the first piece before the stall"
    answer = events[-1]
    assert isinstance(answer, Answer)
    assert_extractive(news, answer, "Timeout")


def test_cli_ask_with_the_llm_down_answers_from_the_passages(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("NEWSRAG_EMBED__BACKEND", "fake")
    monkeypatch.setenv("NEWSRAG_LLM__BACKEND", "openai")
    monkeypatch.setenv("NEWSRAG_LLM__BASE_URL", base_url("openai", closed_port()))
    store = str(tmp_path / "s")
    assert main(["ingest", str(SEEDS), "--store", store, "--quiet"]) == 0
    capsys.readouterr()
    assert main(["ask", GREETING, "--json", "--store", store]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["mode"] == "extractive" and "could not answer" in data["note"]
    assert "ConnectionError" in data["note"]
    assert "Kim Jong Un" in data["answer"] and data["citations"]


# -- the disk -------------------------------------------------------------------------------------


def consistent(news: NewsRAG) -> None:
    stored = news.store.all_chunks()
    articles = {a.id: a for a in news.articles()}
    seen = set()
    for meta, text in zip(stored.metas, stored.texts, strict=True):
        assert meta["article_id"] in articles, f"orphan chunk of {meta['article_id']}"
        assert articles[meta["article_id"]].text[meta["start"] : meta["end"]] == text
        seen.add(meta["article_id"])
    assert seen == set(articles)


def fail_writes(
    monkeypatch: pytest.MonkeyPatch, after: int, deletes_too: bool = False
) -> dict[str, int]:
    """Every Chroma upsert after the first `after` raises ENOSPC, as a full disk would."""
    from chromadb.api.models.Collection import Collection

    calls = {"upsert": 0}
    real_upsert, real_delete = Collection.upsert, Collection.delete

    def full(*_: Any, **__: Any) -> Any:
        raise OSError(errno.ENOSPC, "No space left on device")

    def upsert(self: Any, *args: Any, **kwargs: Any) -> Any:
        calls["upsert"] += 1
        return full() if calls["upsert"] > after else real_upsert(self, *args, **kwargs)

    def delete(self: Any, *args: Any, **kwargs: Any) -> Any:
        return full() if deletes_too else real_delete(self, *args, **kwargs)

    monkeypatch.setattr(Collection, "upsert", upsert)
    monkeypatch.setattr(Collection, "delete", delete)
    return calls


@pytest.fixture
def small_batches(monkeypatch: pytest.MonkeyPatch) -> None:
    """Many small writes, so a failure lands after some articles were committed."""
    monkeypatch.setattr("rag.store._BATCH", 4)
    monkeypatch.setattr("rag.indexer._BATCH_CHUNKS", 10)


@pytest.mark.parametrize("deletes_too", [False, True])
def test_disk_full_during_ingest_is_a_clean_failure(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, small_batches: None, deletes_too: bool
) -> None:
    news = NewsRAG(settings_for("fake", data_dir=tmp_path))
    with monkeypatch.context() as mp:
        calls = fail_writes(mp, after=6, deletes_too=deletes_too)
        with pytest.raises(StoreError, match="No space left on device"):
            news.ingest([SEEDS])
        assert calls["upsert"] > 6
    committed = {a.id for a in news.articles()}
    assert 0 < len(committed) < 5, "expected a failure part-way through"
    for a in news.articles():  # whatever is visible is whole
        assert a.text and news.store.chunks.get(where={"article_id": a.id})["ids"]
    if not deletes_too:
        consistent(news)  # the failed batch's chunks were taken back at once
        for c in news.ask(GREETING).citations:
            assert c.article_id in committed, "an answer cites a half-written article"
    # Space again: the next run completes the ingest and leaves no orphans.
    report = news.ingest([SEEDS])
    assert len(report.added) == 5 - len(committed) and len(report.unchanged) == len(committed)
    assert len(news.articles()) == 5
    consistent(news)
    assert "Kim Jong Un" in news.ask(GREETING).text


def test_cli_ingest_on_a_full_disk_exits_2_with_one_line(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    small_batches: None,
    fake_env: None,
) -> None:
    store = str(tmp_path / "s")
    with monkeypatch.context() as mp:
        fail_writes(mp, after=3)
        assert main(["ingest", str(SEEDS), "--store", store, "--quiet"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("newsrag ingest: the Chroma store at "), err
    assert "No space left on device" in err[0]
    assert main(["ingest", str(SEEDS), "--store", store, "--quiet"]) == 0
    assert main(["articles", "--json", "--store", store]) == 0
    listed = [json.loads(line) for line in capsys.readouterr().out.splitlines() if "{" in line]
    assert len(listed) == 5


REAL_DISK_FULL = textwrap.dedent(
    """
    import json, os, subprocess, sys
    from pathlib import Path
    sys.path.insert(0, sys.argv[2])
    from rag import NewsRAG
    from rag.config import settings_for
    from rag.store import StoreError

    root, seeds = Path(sys.argv[1]), sys.argv[3]
    news = NewsRAG(settings_for("fake", data_dir=root / "data"))
    out = {"seeded": len(news.ingest([seeds]).added)}
    more = root / "more"
    more.mkdir()
    for i in range(60):
        body = " ".join(f"Item {j} of story {i} says the council met about tram line {j}."
                        for j in range(120))
        (more / f"story{i:02}.txt").write_text(f"Council story {i}\\n\\n{body}\\n")
    st = os.statvfs(root)
    with open(root / "filler", "wb") as f:  # leave about 200 kB
        f.write(b"\\0" * max(0, st.f_bavail * st.f_frsize - 200_000))
    try:
        news.ingest([more])
        out["error"] = None
    except StoreError as exc:
        out["error"] = str(exc)
    out["after_failure"] = sorted(a.id for a in news.articles())
    chunks = news.store.all_chunks()
    out["orphans"] = sum(m["article_id"] not in out["after_failure"] for m in chunks.metas)
    (root / "filler").unlink()
    subprocess.run(["mount", "-o", "remount,size=300m", str(root)], check=True)
    # Same process, space back: Chroma 1.5's embedded engine would hang on this write without
    # the store reopening its client after the failure.
    report = news.ingest([more])
    out["rerun_added"] = len(report.added)
    ids = {a.id for a in news.articles()}
    out["final_articles"] = len(ids)
    out["final_orphans"] = sum(m["article_id"] not in ids for m in news.store.all_chunks().metas)
    print("RESULT " + json.dumps(out))
    """
)


def _can_mount_tmpfs() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare"):
        return False
    probe = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c",
         "mount -t tmpfs -o size=1m tmpfs /mnt && umount /mnt"],
        capture_output=True, timeout=30,
    )  # fmt: skip
    return probe.returncode == 0


@pytest.mark.skipif(not _can_mount_tmpfs(), reason="needs root and a private mount namespace")
def test_a_really_full_disk_fails_cleanly_and_recovers(tmp_path: Path) -> None:
    """A real ENOSPC: the embedded store on an 8 MB tmpfs, in a mount namespace of its own (the
    mount disappears with the process). The script's own timeout catches a hang."""
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    script = tmp_path / "disk_full.py"
    script.write_text(REAL_DISK_FULL)
    cmd = (
        f"mount -t tmpfs -o size=8m tmpfs {mnt} && "
        f"timeout --signal=KILL 240 {sys.executable} {script} {mnt} {ROOT} {SEEDS}"
    )
    done = subprocess.run(
        ["unshare", "-m", "--propagation", "private", "sh", "-c", cmd],
        capture_output=True, text=True, timeout=300, cwd=ROOT,
        env={**os.environ, "NEWSRAG_MODEL_DIR": str(tmp_path / "models")},
    )  # fmt: skip
    lines = [x for x in done.stdout.splitlines() if x.startswith("RESULT ")]
    assert done.returncode == 0 and lines, (
        done.returncode,
        done.stdout[-2000:],
        done.stderr[-3000:],
    )
    out = json.loads(lines[0][len("RESULT ") :])
    assert out["seeded"] == 5
    assert out["error"] and "full" in out["error"], out
    assert len(out["after_failure"]) >= 5 and out["orphans"] == 0, out
    assert out["final_articles"] == 65 and out["final_orphans"] == 0, out
    assert out["rerun_added"] == 65 - len(out["after_failure"])
