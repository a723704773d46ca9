"""Shared fixtures.

- Every test runs with NEWSRAG_DATA_DIR in a temporary folder (the assembled model stays in the
  real cache via NEWSRAG_MODEL_DIR, so it is not rebuilt per test).
- An autouse guard fails any test that opens a network connection to anything but loopback:
  nothing may download at run time.
"""

from __future__ import annotations

import ipaddress
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "articles"
REAL_DATA_DIR = Path(
    os.environ.get("NEWSRAG_DATA_DIR")
    or Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share") / "newsrag"
)
MODEL_DIR = Path(os.environ.get("NEWSRAG_MODEL_DIR") or REAL_DATA_DIR / "models")

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ["ANONYMIZED_TELEMETRY"] = "False"


class NetworkBlocked(RuntimeError):
    pass


def _allowed(address: object) -> bool:
    if not isinstance(address, tuple) or not address:
        return True  # AF_UNIX paths and the like
    host = str(address[0])
    if host in ("localhost", ""):
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False  # a host name other than localhost: it would need DNS and the network


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> None:
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex

    def guard(sock: socket.socket, address: object) -> object:
        if not _allowed(address):
            raise NetworkBlocked(f"test tried to reach {address!r}: nothing may download")
        return real_connect(sock, address)  # type: ignore[arg-type]

    def guard_ex(sock: socket.socket, address: object) -> int:
        if not _allowed(address):
            raise NetworkBlocked(f"test tried to reach {address!r}: nothing may download")
        return real_connect_ex(sock, address)  # type: ignore[arg-type]

    monkeypatch.setattr(socket.socket, "connect", guard)
    monkeypatch.setattr(socket.socket, "connect_ex", guard_ex)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    d = tmp_path / "newsrag-data"
    monkeypatch.setenv("NEWSRAG_DATA_DIR", str(d))
    monkeypatch.setenv("NEWSRAG_MODEL_DIR", str(MODEL_DIR))
    for key in list(os.environ):
        if key.startswith("NEWSRAG_") and key not in ("NEWSRAG_DATA_DIR", "NEWSRAG_MODEL_DIR"):
            monkeypatch.delenv(key)
    return d


@pytest.fixture
def fake_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """The command line on the fake embedder and fake LLM: it reads its backends from the
    environment (the autouse data_dir clears NEWSRAG_* first, so these stay set)."""
    monkeypatch.setenv("NEWSRAG_LLM__BACKEND", "fake")
    monkeypatch.setenv("NEWSRAG_EMBED__BACKEND", "fake")


@pytest.fixture
def cli_store(fake_env: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    """The `--store` path of a store the seeds went into through `newsrag ingest`. The ingest's
    output is read away, so the test's capsys holds only what it runs itself."""
    from rag.cli import main

    store = str(tmp_path / "s")
    assert main(["ingest", str(SEEDS), "--store", store, "--quiet"]) == 0
    capsys.readouterr()
    return store


def fake_settings(tmp: Path, **overrides: object) -> object:
    from rag.config import settings_for

    return settings_for("fake", data_dir=tmp, **overrides)


@pytest.fixture
def fake_news(tmp_path: Path) -> Iterator[object]:
    """NewsRAG with the fake embedder and fake LLM over a real Chroma store in tmp."""
    from rag import NewsRAG

    yield NewsRAG(fake_settings(tmp_path / "fake"))  # type: ignore[arg-type]
