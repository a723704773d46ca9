"""The page's HTTP API (ui.api) over a running page: /ask, /summarize, /articles and /ingest called
with `gradio_client`, and /ask with the README's own curl commands, with NEWSRAG_SERVER__AUTH set
and unset. The fast tests use the fake models; one asks the real ones."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from rag import NewsRAG, Settings
from rag.config import settings_for
from tests.aio import close_page
from tests.conftest import MODEL_DIR, ROOT, SEEDS
from tests.server.standins import free_port

pytestmark = pytest.mark.server

GREETING = "Who greeted Putin at the plane?"
LOGIN = "reader:secret"  # the README's example credentials


class Served:
    def __init__(self, news: NewsRAG, url: str, auth: tuple[str, str] | None) -> None:
        self.news, self.url, self.auth = news, url, auth

    def client(self) -> Any:
        from gradio_client import Client

        return Client(
            self.url, auth=self.auth, verbose=False, analytics_enabled=False, download_files=False
        )


def _serve(news: NewsRAG) -> Iterator[Served]:
    import app

    options = app.launch_options(news.settings)
    port = free_port()
    options.update(server_port=port, prevent_thread_lock=True, quiet=True)
    blocks = app.build(news)
    blocks.launch(**options)
    try:
        yield Served(news, f"http://127.0.0.1:{port}/", options["auth"])
    finally:
        close_page(blocks)


@pytest.fixture(params=[None, LOGIN], ids=["open", "login"])
def served(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Served]:
    """The page over the seeds (fake models), with the login set by the environment or not."""
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    if request.param:
        monkeypatch.setenv("NEWSRAG_SERVER__AUTH", request.param)
    news = NewsRAG(settings_for("fake", data_dir=tmp_path / "data"))
    assert news.settings.server.auth == request.param
    assert len(news.ingest([SEEDS]).added) == 5
    yield from _serve(news)


def _articles(client: Any) -> dict[str, dict[str, Any]]:
    return {a["id"]: a for a in client.predict(text=True, api_name="/articles")}


def assert_cited(result: dict[str, Any], texts: dict[str, dict[str, Any]]) -> None:
    assert not result["abstained"] and result["reason"] == "", result
    assert result["citations"], result
    for c in result["citations"]:
        assert f"[{c['n']}]" in result["answer"]
        assert texts[c["article_id"]]["text"][c["start"] : c["end"]] == c["quote"]
    assert set(result["timings"]) == {"retrieve_ms", "first_token_ms", "total_ms"}


def test_every_endpoint_answers_json(served: Served) -> None:
    from gradio_client.exceptions import AppError

    client = served.client()
    # The API docs list the four JSON endpoints and none of the page's own events.
    documented = client.view_api(print_info=False, return_format="dict")["named_endpoints"]
    assert set(documented) == {"/ask", "/summarize", "/articles", "/ingest"}

    texts = _articles(client)
    assert len(texts) == 5 and all("source" not in a for a in texts.values())
    listed = client.predict(api_name="/articles")
    assert {a["id"] for a in listed} == set(texts) and "text" not in listed[0]

    result = client.predict(GREETING, api_name="/ask")
    assert_cited(result, texts)
    assert "Kim Jong Un" in result["answer"], result["answer"]

    # A scope nothing matches: an abstention that says why.
    none = client.predict(GREETING, outlets=["No Such Outlet"], api_name="/ask")
    assert none["abstained"] and none["citations"] == [] and none["reason"], none
    with pytest.raises(AppError, match="question is empty"):
        client.predict("   ", api_name="/ask")
    with pytest.raises(AppError, match="ISO date"):
        client.predict(GREETING, date_from="last week", api_name="/ask")

    summary = client.predict(kind="overview", api_name="/summarize")
    assert_cited(summary, texts)
    with pytest.raises(AppError, match="kind must be one of"):
        client.predict(kind="poem", api_name="/summarize")
    # A topic summary: only passages on the topic (fake vectors: those with its words), cited.
    topic = client.predict(kind="overview", topic="the Ukraine war", api_name="/summarize")
    assert_cited(topic, texts)
    assert "on the Ukraine war" in topic["note"], topic["note"]
    assert all("ukraine" in c["quote"].lower() for c in topic["citations"]), topic["citations"]
    nothing = client.predict(kind="overview", topic="the World Cup final", api_name="/summarize")
    assert nothing["answer"] == "The articles say nothing about the World Cup final."
    assert nothing["abstained"] and nothing["citations"] == [] and nothing["reason"], nothing
    with pytest.raises(AppError, match="a topic goes with kind 'overview'"):
        client.predict(kind="timeline", topic="the Ukraine war", api_name="/summarize")

    story = (
        "The harbour council of Port Elm voted on Tuesday to build a new bridge over the river. "
        "Mayor Ada Quist said the bridge would open in 2026 and cost 40 million euros."
    )
    report = client.predict(
        [
            {"title": "Port Elm votes for a bridge", "text": story, "outlet": "Elm Gazette",
             "published": "2024-06-19", "source": "elm-1"},
            {"title": "No text"},
            "not an object",
        ],
        api_name="/ingest",
    )  # fmt: skip
    assert len(report["added"]) == 1 and report["chunks"] >= 1, report
    assert [r[1] for r in report["rejected"]] == ["no text", "each article must be a JSON object"]
    again = client.predict([{"text": story, "source": "elm-1"}], api_name="/ingest")
    assert again["unchanged"] == report["added"] and not again["added"]
    added = _articles(client)[report["added"][0]]
    assert (added["outlet"], added["published"]) == ("Elm Gazette", "2024-06-19")
    bridge = client.predict(
        "When did Mayor Ada Quist say the Port Elm bridge would open?",
        outlets=["Elm Gazette"],
        api_name="/ask",
    )
    assert "Ada Quist" in bridge["answer"] and bridge["citations"][0]["article_id"] == added["id"]


def test_the_login_guards_the_api(served: Served) -> None:
    from gradio_client import Client
    from gradio_client.exceptions import AuthenticationError

    ask = f"{served.url}gradio_api/call/v2/ask"
    bare = httpx.post(ask, json={"question": GREETING}, timeout=30)
    if served.auth is None:
        assert bare.status_code == 200 and "event_id" in bare.json()
        return
    assert bare.status_code == 401, bare.text
    with pytest.raises(AuthenticationError):
        Client(served.url, verbose=False, download_files=False)
    with pytest.raises(ValueError, match="login"):
        Client(served.url, auth=("reader", "wrong"), verbose=False, download_files=False)
    assert served.client().predict(GREETING, api_name="/ask")["citations"]


def readme_curl() -> str:
    """The README's curl example, as written."""
    readme = (ROOT / "README.md").read_text()
    blocks = re.findall(r"```sh\n(.*?)```", readme, re.S)
    found = [b for b in blocks if "gradio_api/call" in b]
    assert len(found) == 1, "the README has one curl example for the HTTP API"
    return found[0]


@pytest.mark.skipif(shutil.which("curl") is None, reason="curl is not installed")
def test_the_readme_curl_example_works(served: Served, tmp_path: Path) -> None:
    script = readme_curl()
    assert "URL=http://127.0.0.1:7860" in script and "password=secret" in script
    script = script.replace("URL=http://127.0.0.1:7860", f"URL={served.url.rstrip('/')}")
    out = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", script],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "event: complete" in lines, out.stdout
    data = json.loads(lines[lines.index("event: complete") + 1].removeprefix("data: "))
    assert data[0]["question"] == GREETING and data[0]["citations"], data
    assert "Kim Jong Un" in data[0]["answer"]


@pytest.mark.integration
def test_a_question_over_http_with_the_real_models(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The real embedder and the embedded LLM behind the page: citations come back over HTTP."""
    monkeypatch.setenv("GRADIO_ANALYTICS_ENABLED", "False")
    news = NewsRAG(Settings(data_dir=tmp_path / "real", model_dir=MODEL_DIR))
    assert len(news.ingest([SEEDS]).added) == 5
    for served in _serve(news):
        client = served.client()
        texts = _articles(client)
        result = client.submit(GREETING, api_name="/ask").result(timeout=600)
        print(f"\n/ask over HTTP, real models: {result['answer']}  [{result['timings']}]")
        assert_cited(result, texts)
        assert "Kim Jong Un" in result["answer"] and "Kim Jong Il" not in result["answer"]
