"""NewsRAG against a real Chroma server (`chroma run`) on loopback: ingest, ask, incremental
re-ingest, token auth through a proxy, and the server going away and coming back."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from rag import NewsRAG
from rag.store import NewsStore, StoreError, make_client
from tests.conftest import ROOT, SEEDS
from tests.server.conftest import server_settings
from tests.server.standins import (
    ChromaServer,
    SlowHandler,
    StandIn,
    TokenProxy,
    closed_port,
    handler,
)

pytestmark = pytest.mark.server

GREETING = "Who greeted Putin at the plane?"


def consistent(news: NewsRAG) -> None:
    """Every chunk belongs to a stored article and quotes it exactly; every article has chunks."""
    stored = news.store.all_chunks()
    articles = {a.id: a for a in news.articles()}
    assert len(stored.ids) == len(set(stored.ids))
    seen: set[str] = set()
    for meta, text in zip(stored.metas, stored.texts, strict=True):
        aid = meta["article_id"]
        assert aid in articles, f"orphan chunk of {aid}"
        assert articles[aid].text[meta["start"] : meta["end"]] == text
        seen.add(aid)
    assert seen == set(articles)


def test_make_client_is_an_http_client_of_the_server(chroma: ChromaServer, tmp_path: Path) -> None:
    settings = server_settings(tmp_path, chroma.port)
    client = make_client(settings)
    assert type(client).__name__ == "Client" and client.heartbeat() > 0
    store = NewsStore(settings, embeddings=None, client=client)  # type: ignore[arg-type]
    assert store.count() == (0, 0)
    names = {c.name for c in client.list_collections()}
    assert {f"{settings.store.collection}_chunks", f"{settings.store.collection}_articles"} <= names
    assert not (tmp_path / "store").exists(), "server mode must not create a local store"


@pytest.mark.integration
def test_ingest_and_ask_with_the_real_embedder(chroma: ChromaServer, tmp_path: Path) -> None:
    settings = server_settings(tmp_path, chroma.port, "default", llm__backend="fake")  # MiniLM
    assert settings.embed.backend == "onnx"
    news = NewsRAG(settings)
    report = news.ingest([SEEDS])
    assert len(report.added) == 5 and not report.rejected, report
    answer = news.ask(GREETING)
    assert answer.mode == "llm" and not answer.abstained, answer
    assert "Kim Jong Un" in answer.text and answer.citations
    for c in answer.citations:
        article = news.article(c.article_id)
        assert article is not None and article.text[c.start : c.end] == c.quote
    consistent(news)
    # A second client (another process would do the same) sees the same articles.
    other = NewsRAG(settings)
    assert {a.id for a in other.articles()} == {a.id for a in news.articles()}


def test_incremental_reingest_against_the_server(chroma: ChromaServer, tmp_path: Path) -> None:
    folder = tmp_path / "articles"
    shutil.copytree(SEEDS, folder)
    news = NewsRAG(server_settings(tmp_path, chroma.port))
    first = news.ingest([folder])
    assert len(first.added) == 5 and news.store.count()[0] == 5

    again = news.ingest([folder])
    assert again.added == [] and len(again.unchanged) == 5 and again.chunks == 0

    # A changed file replaces its old version: old id and its chunks gone, nothing orphaned.
    target = folder / "003_7179962c8e6e8e9f.txt"
    old_id = next(a.id for a in news.articles() if a.source == str(target))
    text = target.read_text()
    edited = text.replace("(KCNA).", "(KCNA), and newspapers in Hanoi reprinted it.")
    assert edited != text
    target.write_text(edited)
    changed = news.ingest([folder])
    assert changed.replaced == [old_id] and len(changed.added) == 1, changed
    assert len(changed.unchanged) == 4
    assert news.article(old_id) is None
    new_id = changed.added[0]
    assert "Hanoi" in (news.article(new_id) or pytest.fail("new version missing")).text
    assert not news.store.chunks.get(where={"article_id": old_id})["ids"]
    consistent(news)

    # Remove: the article and every chunk of it leave the server.
    assert news.remove(new_id)
    assert news.article(new_id) is None and news.store.count()[0] == 4
    assert not news.store.chunks.get(where={"article_id": new_id})["ids"]
    assert not news.remove(new_id)
    consistent(news)


def _cli(
    args: list[str], env: dict[str, str], timeout_s: float = 180
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "rag.cli", *args],
        capture_output=True,
        text=True,
        env={**os.environ, **env},
        cwd=ROOT,
        timeout=timeout_s,
    )


def _cli_env(port: int, collection: str) -> dict[str, str]:
    return {
        "NEWSRAG_STORE__HOST": "127.0.0.1",
        "NEWSRAG_STORE__PORT": str(port),
        "NEWSRAG_STORE__COLLECTION": collection,
        "NEWSRAG_LLM__BACKEND": "fake",
        "NEWSRAG_EMBED__BACKEND": "fake",
    }


def test_server_down_is_a_clear_error_and_no_data_is_lost(tmp_path: Path) -> None:
    server = ChromaServer(tmp_path / "db")
    server.start()
    try:
        settings = server_settings(tmp_path, server.port)
        news = NewsRAG(settings)
        assert len(news.ingest([SEEDS]).added) == 5
        before = {a.id: a.text for a in news.articles()}
        counts = news.store.count()
        good = news.ask(GREETING)
        assert "Kim Jong Un" in good.text

        server.stop()  # mid-session: the NewsRAG object stays alive
        where = f"127.0.0.1:{server.port}"
        for call in (lambda: news.ask(GREETING), news.articles, lambda: news.ingest([SEEDS])):
            with pytest.raises(StoreError, match=where):
                call()
        with pytest.raises(StoreError, match=f"cannot open the Chroma store at {where}"):
            NewsRAG(settings)

        # The command line: one line on stderr, exit status 2, no traceback.
        env = _cli_env(server.port, settings.store.collection)
        for args in (["ask", GREETING], ["ask", GREETING, "--json"], ["articles"]):
            done = _cli(args, env)
            assert done.returncode == 2, (args, done.stdout, done.stderr)
            lines = [line for line in done.stderr.splitlines() if line.strip()]
            assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
            expected = f"newsrag {args[0]}: cannot open the Chroma store at {where}"
            assert lines[0].startswith(expected), lines
            assert done.stdout == ""

        server.start()  # same path, same port
        assert {a.id: a.text for a in news.articles()} == before, "articles lost"
        assert news.store.count() == counts
        assert news.ask(GREETING).text == good.text
        consistent(news)

        # kill -9 right after a write: the server's store is durable too.
        extra = tmp_path / "extra.txt"
        extra.write_text(
            "Harbour bridge approved\n\nThe council of Port Elm approved a new harbour bridge on "
            "Tuesday. It will cost 240 million dollars and open in 2027, the mayor said.\n"
        )
        assert len(news.ingest([extra]).added) == 1
        server.stop(kill=True)
        server.start()
        assert len(news.articles()) == 6 and set(before) < {a.id for a in news.articles()}
        consistent(news)

        # And the command line works against the restarted server.
        done = _cli(["ask", GREETING, "--json"], env)
        assert done.returncode == 0, done.stderr
        assert "Kim Jong Un" in json.loads(done.stdout)["answer"]
    finally:
        server.stop()


def test_no_server_at_all_is_a_clear_error(tmp_path: Path) -> None:
    port = closed_port()
    with pytest.raises(StoreError, match=f"cannot open the Chroma store at 127.0.0.1:{port}"):
        NewsRAG(server_settings(tmp_path, port))


def test_a_hung_server_times_out_instead_of_hanging(tmp_path: Path) -> None:
    """Accepts connections, never answers: chromadb's own client would wait forever."""
    with StandIn(handler(SlowHandler, delay_s=60.0)) as hung:
        settings = server_settings(tmp_path, hung.port, store__timeout_s=1.0)
        # Had the client waited, the stand-in's late 503 would be the error instead.
        with pytest.raises(StoreError, match=r"cannot open the Chroma store at .*timed out"):
            NewsRAG(settings)


def test_chroma_1x_server_does_not_enforce_token_auth(tmp_path: Path) -> None:
    """Chroma 1.x's Rust server has no built-in authentication: the 0.x settings are ignored and
    a request without any token is served. Token auth needs a proxy in front (next test). If a
    future chromadb enforces it, this test fails: then test the server's own auth instead."""
    server = ChromaServer(tmp_path / "db")
    server.env = {
        "CHROMA_SERVER_AUTHN_PROVIDER": (
            "chromadb.auth.token_authn.TokenAuthenticationServerProvider"
        ),
        "CHROMA_SERVER_AUTHN_CREDENTIALS": "s3cret-token",
        "CHROMA_AUTH_TOKEN_TRANSPORT_HEADER": "Authorization",
    }
    server.start()
    try:
        news = NewsRAG(server_settings(tmp_path, server.port))  # no token at all
        assert news.store.count() == (0, 0)
    finally:
        server.stop()


@pytest.mark.parametrize("header", ["Authorization", "X-Chroma-Token"])
def test_token_reaches_the_server_through_an_auth_proxy(
    chroma: ChromaServer, tmp_path: Path, header: str
) -> None:
    token = "s3cret-token"
    proxy_handler = handler(TokenProxy, upstream_port=chroma.port, token=token)
    with StandIn(proxy_handler) as proxy:
        settings = server_settings(
            tmp_path, proxy.port, store__token=token, store__token_header=header
        )
        news = NewsRAG(settings)
        assert len(news.ingest([SEEDS]).added) == 5
        assert "Kim Jong Un" in news.ask(GREETING).text
        assert proxy.requests and all(r["allowed"] for r in proxy.requests)

        wrong = settings.model_copy(
            update={"store": settings.store.model_copy(update={"token": "wrong"})}
        )
        with pytest.raises(StoreError, match="cannot open the Chroma store"):
            NewsRAG(wrong)
        none = settings.model_copy(
            update={"store": settings.store.model_copy(update={"token": None})}
        )
        with pytest.raises(StoreError, match="cannot open the Chroma store"):
            NewsRAG(none)
