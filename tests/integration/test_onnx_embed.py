"""The int8 ONNX embedder against sentence-transformers fp32, on the real packaged MiniLM."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from rag.embed import MiniLMEmbeddings
from rag.ingest.load import load_file
from rag.onnx_embed import ONNX_NAME, OnnxMiniLM, ensure_onnx_model
from rag.schema import Article
from tests.conftest import SEEDS

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return ensure_onnx_model(tmp_path_factory.mktemp("onnx"))


def _passages() -> list[str]:
    texts: list[str] = []
    for path in sorted(SEEDS.iterdir()):
        for rec in load_file(path):
            if isinstance(rec, Article):
                texts += [p for p in rec.text.split("\n") if len(p) > 80][:8]
    return texts


def test_vectors_match_fp32_and_rank_the_same(built: Path) -> None:
    texts = _passages()
    assert len(texts) >= 30
    fast = OnnxMiniLM(built.parent.parent, threads=2)
    ref = np.asarray(MiniLMEmbeddings().embed_documents(texts))
    got = fast.embed_array(texts)
    assert np.allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-4)
    cos = (ref * got).sum(axis=1)
    assert cos.min() > 0.95 and cos.mean() > 0.985, (cos.min(), cos.mean())
    # Order is kept although texts are dealt to workers by length.
    assert np.allclose(got[3], fast.embed_array([texts[3]])[0], atol=1e-5)
    query = "Who travelled with Putin to North Korea?"
    top_ref = np.argsort(-(ref @ np.asarray(MiniLMEmbeddings().embed_query(query))))[:5]
    top_got = np.argsort(-(got @ np.asarray(fast.embed_query(query))))[:5]
    assert len(set(top_ref) & set(top_got)) >= 4


def test_built_once_and_rebuilt_when_stale(built: Path) -> None:
    cache = built.parent.parent
    before = built.stat().st_mtime_ns
    assert ensure_onnx_model(cache) == built
    assert built.stat().st_mtime_ns == before, "a valid cached model must not be rebuilt"
    stamp = built.parent / "stamp.json"
    data = json.loads(stamp.read_text())
    stamp.write_text(json.dumps({**data, "recipe": "old"}))
    rebuilt = ensure_onnx_model(cache)
    assert rebuilt.name == ONNX_NAME and json.loads(stamp.read_text()) == data
    assert not (built.parent.with_name(built.parent.name + ".partial")).exists()


def test_empty_input() -> None:
    assert OnnxMiniLM(Path("/nonexistent")).embed_documents([]) == []


def test_another_install_of_the_same_weights_reuses_the_model(built: Path, tmp_path: Path) -> None:
    import shutil

    from rag.model_files import minilm_path

    copy = tmp_path / "minilm"
    shutil.copytree(minilm_path(), copy)  # other path, other times, same bytes
    before = built.stat().st_mtime_ns
    assert ensure_onnx_model(built.parent.parent, src=copy) == built
    assert built.stat().st_mtime_ns == before, "same weights elsewhere must not rebuild"
    assert json.loads((built.parent / "stamp.json").read_text())["source"] == str(copy.resolve())
