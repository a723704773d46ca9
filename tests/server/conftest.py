"""Fixtures for server mode: one real `chroma run` server for the session (each test uses its own
collection prefix in it), and settings that point a NewsRAG at it."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from rag.config import Settings, settings_for
from tests.server.standins import ChromaServer


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
