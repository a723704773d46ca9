"""Fixtures for server mode: one real `chroma run` server for the session (each test uses its own
collection prefix in it), settings that point a NewsRAG at it, and llama-cpp-python's
OpenAI-compatible server over the packaged model (one per test module that asks for it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.config import Settings, settings_for
from rag.model_files import ensure_gguf
from tests.conftest import MODEL_DIR
from tests.server.standins import ChromaServer, LlamaServer


@pytest.fixture(scope="session")
def chroma(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ChromaServer]:
    server = ChromaServer(tmp_path_factory.mktemp("chroma-session") / "db")
    server.start()
    try:
        yield server
    finally:
        server.stop()


def server_settings(
    data_dir: Path, port: int, preset: str = "fake", **overrides: object
) -> Settings:
    """Settings for a Chroma server on loopback, in a collection prefix of this test's own."""
    overrides.setdefault("store__collection", f"t{uuid.uuid4().hex[:10]}")
    return settings_for(
        preset, data_dir=data_dir, store__host="127.0.0.1", store__port=port, **overrides
    )


@pytest.fixture(scope="module")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    server = LlamaServer(ensure_gguf(MODEL_DIR), tmp_path_factory.mktemp("llama-server"))
    server.start()
    try:
        yield server
    finally:
        server.stop()
