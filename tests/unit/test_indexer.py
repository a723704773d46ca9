"""Ingest bookkeeping against a real Chroma store (fake embedder): duplicates, versions, crashes."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from rag import NewsRAG
from rag.config import settings_for
from rag.indexer import Pace
from tests.conftest import ROOT, SEEDS

STORY = (
    "The city council of Port Elm voted on Tuesday to build a new harbour bridge. "
    "The bridge will cost 240 million dollars and open in 2027, the mayor Anna Berg said. "
    "Opponents argued that the money should go to schools and to the hospital instead. "
    "Construction is expected to begin in the spring after a final environmental review. "
    "The vote passed by seven votes to four after a debate that lasted six hours. "
    "Residents of the northern districts have waited two decades for a second crossing. "
    "Ferry operators warned that their service would lose most of its passengers. "
    "The regional government has promised to cover a third of the cost with a grant. "
    "Engineers chose a cable-stayed design after comparing four proposals last year. "
    "The council will publish the full contract once the tender closes in March."
)


def news(tmp: Path) -> NewsRAG:
    return NewsRAG(settings_for("fake", data_dir=tmp))


def consistent(n: NewsRAG) -> None:
    """Every chunk belongs to a stored article, every article has its chunks, no id twice."""
    stored = n.store.all_chunks()
    articles = {a.id: a for a in n.articles()}
    assert len(stored.ids) == len(set(stored.ids))
    by_article: dict[str, int] = {}
    for meta, text in zip(stored.metas, stored.texts, strict=True):
        aid = meta["article_id"]
        assert aid in articles, f"orphan chunk of {aid}"
        assert articles[aid].text[meta["start"] : meta["end"]] == text
        by_article[aid] = by_article.get(aid, 0) + 1
    assert set(by_article) == set(articles)


def test_syndicated_copy_is_grouped_under_one_article(tmp_path: Path) -> None:
    a = tmp_path / "harbour-times.txt"
    b = tmp_path / "city-wire.txt"
    a.write_text(f"Council backs harbour bridge\n\n{STORY}\n")
    b.write_text(
        "Port Elm approves bridge\n\n"
        + STORY.replace("on Tuesday", "this Tuesday").replace("six hours", "about six hours")
        + "\n"
    )
    n = news(tmp_path / "s")
    report = n.ingest([a, b])
    assert len(report.added) == 1 and len(report.duplicates) == 1
    assert report.duplicates[0][1] == report.added[0]
    [article] = n.articles()
    assert article.also_in, "the canonical article lists the other outlet"
    consistent(n)


def test_exact_duplicate_from_another_file_is_reported(tmp_path: Path) -> None:
    a, b = tmp_path / "a.txt", tmp_path / "b.txt"
    a.write_text(f"Bridge\n\n{STORY}\n")
    b.write_text(f"Bridge\n\n{STORY}\n")
    report = news(tmp_path / "s").ingest([a, b])
    assert len(report.added) == 1 and len(report.duplicates) == 1


def test_changed_file_replaces_its_old_version(tmp_path: Path) -> None:
    f = tmp_path / "story.txt"
    f.write_text(f"Bridge vote\n\n{STORY}\n")
    n = news(tmp_path / "s")
    first = n.ingest([f]).added[0]
    f.write_text(f"Bridge vote\n\n{STORY} A correction was added: the vote was eight to three.\n")
    # Small edit: a near-duplicate of itself, but the same source, so it is a new version.
    report = n.ingest([f])
    assert report.replaced == [first] and len(report.added) == 1
    assert n.article(first) is None and len(n.articles()) == 1
    consistent(n)


def test_same_url_in_another_file_is_a_new_version(tmp_path: Path) -> None:
    rec = {"title": "Bridge", "text": STORY, "url": "https://example.org/bridge"}
    week1, week2 = tmp_path / "w1.jsonl", tmp_path / "w2.jsonl"
    week1.write_text(json.dumps(rec) + "\n")
    rec2 = {**rec, "text": STORY + " Work on the bridge was delayed by a strike in May."}
    week2.write_text(json.dumps(rec2) + "\n")
    n = news(tmp_path / "s")
    old = n.ingest([week1]).added[0]
    report = n.ingest([week2])
    assert report.replaced == [old] and len(n.articles()) == 1
    consistent(n)


def test_progress_counts_bytes_read_against_the_inputs_size(tmp_path: Path) -> None:
    seen: list[tuple[int, int | None]] = []
    news(tmp_path / "s").ingest([SEEDS], progress=lambda d, t, s: seen.append((d, t)))
    size = sum(f.stat().st_size for f in SEEDS.iterdir() if not f.name.startswith("."))
    assert len(seen) == 5 and seen[-1] == (size, size)


def test_progress_moves_within_one_jsonl_file(tmp_path: Path) -> None:
    # A year of news can be one JSONL file: progress (and so the time left) must move with each
    # record, and end exactly at the file's size, skipped lines included.
    lines = [json.dumps({"title": f"Story {i}", "text": STORY.replace("Port Elm", f"Town{i}")})
             for i in range(6)]  # fmt: skip
    dump = tmp_path / "dump.jsonl"
    dump.write_text("\n".join(lines[:3] + ["", "{not json"] + lines[3:]) + "\n")
    seen: list[tuple[int, int | None]] = []
    news(tmp_path / "s").ingest([dump], progress=lambda d, t, s: seen.append((d, t)))
    done = [d for d, _ in seen]
    assert len(seen) == 7 and done == sorted(done) and len(set(done)) == 7
    assert seen[-1] == (dump.stat().st_size, dump.stat().st_size)


def test_pace_gives_rate_and_time_left() -> None:
    now = [100.0]
    pace = Pace(clock=lambda: now[0])
    now[0] = 110.0
    assert pace.step(250, 1000) == "1 article, 0.1/s, about 30 s left"
    for _ in range(19):
        pace.step(300, 1000)
    now[0] = 220.0
    assert pace.step(500, 1000) == "21 articles, 0.2/s, about 2 min left"
    assert pace.step(1000, 1000) == "22 articles, 0.2/s"  # done: no time left shown


def test_kill_9_during_ingest_then_rerun_is_consistent(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for i in range(400):
        words = " ".join(f"w{i}x{j}" for j in range(60))
        (corpus / f"{i:04d}.txt").write_text(
            f"Story number {i}\n\nReport {i} says {words}. Officials confirmed report {i}.\n"
        )
    store = tmp_path / "store"
    env = {
        **os.environ,
        "NEWSRAG_LLM__BACKEND": "fake",
        "NEWSRAG_EMBED__BACKEND": "fake",
        "NEWSRAG_DATA_DIR": str(tmp_path / "data"),
    }
    cmd = [sys.executable, "-m", "rag.cli", "ingest", str(corpus), "--store", str(store)]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    buf = b""
    deadline = time.time() + 120
    while time.time() < deadline:  # kill once the bar shows real progress, mid-batch
        ch = proc.stderr.read(1)
        if not ch:
            break
        buf += ch
        if any(f" {k} articles".encode() in buf[-80:] for k in range(120, 300)):
            break
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the ingest finished before it could be killed"

    rerun = subprocess.run(
        cmd + ["--json", "--quiet"], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    report = json.loads(rerun.stdout.strip().splitlines()[-1])
    assert not report["rejected"]
    n = NewsRAG(settings_for("fake", data_dir=tmp_path / "data", store__path=store))
    assert len(n.articles()) == 400
    assert len(report["added"]) + len(report["unchanged"]) == 400
    consistent(n)
