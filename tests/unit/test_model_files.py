from __future__ import annotations

from pathlib import Path

import pytest

from rag import model_files
from rag.config import Settings
from rag.llm import build_chat_model


def test_gguf_with_wrong_hash_is_refused(tmp_path: Path) -> None:
    bad = tmp_path / model_files.GGUF_NAME
    bad.write_bytes(b"GGUF" + b"\0" * 1024)
    with pytest.raises(model_files.ModelFileError, match=r"refusing to load .*sha256"):
        model_files.ensure_gguf(tmp_path)


def test_embedded_backend_refuses_a_tampered_cache(tmp_path: Path) -> None:
    (tmp_path / model_files.GGUF_NAME).write_bytes(b"not a model")
    settings = Settings(data_dir=tmp_path, model_dir=tmp_path)
    with pytest.raises(model_files.ModelFileError, match="expected " + model_files.GGUF_SHA256):
        build_chat_model(settings)


def test_stale_verification_stamp_is_not_trusted(tmp_path: Path) -> None:
    f = tmp_path / "m.gguf"
    f.write_bytes(b"abc")
    good = model_files.sha256_file(f)
    model_files.verify_gguf(f, good)
    f.write_bytes(b"abcd")  # size changes, so the stamp no longer matches
    with pytest.raises(model_files.ModelFileError):
        model_files.verify_gguf(f, good)


def test_all_model_parts_are_installed() -> None:
    parts = model_files.part_files()
    assert len(parts) == model_files.GGUF_PARTS
    assert sum(p.stat().st_size for p in parts) == model_files.GGUF_SIZE


def test_packaged_embedder_matches_published_hash() -> None:
    st = model_files.minilm_path() / "model.safetensors"
    assert model_files.sha256_file(st) == model_files.MINILM_SHA256
