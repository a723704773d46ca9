"""The BM25 index on disk: same scores after a round trip, never used for another generation,
and a second process (another NewsRAG on the same data folder) loads it instead of rebuilding,
yet sees what a third one ingested."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import rag.retrieve
from rag import NewsRAG, lexical
from rag.config import settings_for
from rag.lexical import Catalog, LexicalIndex
from tests.checks import outputs_under_hash_seeds
from tests.conftest import SEEDS

TEXTS = [
    "Putin arrived in Pyongyang for talks.",
    "The delegation includes Andrei Belousov and Sergei Lavrov.",
    "Putin and Kim talked about Putin and Putin.",
]
METAS = [{"article_id": f"a{i}", "outlet": "Wire", "published_day": 7} for i in range(3)]


def test_round_trip_keeps_scores_and_filters(tmp_path: Path) -> None:
    index = LexicalIndex(TEXTS)
    catalog = Catalog.from_metas(["c0", "c1", "c2"], METAS)
    path = tmp_path / "bm25.npz"
    lexical.save(path, "gen-1", index, catalog)
    loaded = lexical.load(path, "gen-1")
    assert loaded is not None
    again, cat = loaded
    for q in ("Belousov", "Putin talks", "nothing here"):
        assert np.allclose(again.scores(q), index.scores(q))
    assert again.idf == index.idf and again.rarest == index.rarest
    assert cat.ids == catalog.ids and cat.meta(1) == catalog.meta(1)


def test_another_generation_or_a_broken_file_is_not_used(tmp_path: Path) -> None:
    path = tmp_path / "bm25.npz"
    lexical.save(path, "gen-1", LexicalIndex(TEXTS), Catalog.from_metas(["a", "b", "c"], METAS))
    assert lexical.load(path, "gen-2") is None
    assert lexical.load(tmp_path / "absent.npz", "gen-1") is None
    path.write_bytes(b"not an npz file")
    assert lexical.load(path, "gen-1") is None


def _count_builds(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    builds: list[int] = []
    real = rag.retrieve.LexicalIndex

    def counting(texts: list[str]) -> LexicalIndex:
        builds.append(len(texts))
        return real(texts)

    monkeypatch.setattr(rag.retrieve, "LexicalIndex", counting)
    return builds


def test_a_second_process_loads_the_saved_index_and_sees_later_ingests(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings = settings_for("fake", data_dir=tmp_path)
    first = NewsRAG(settings)
    first.ingest([SEEDS])
    builds = _count_builds(monkeypatch)
    first.ask("Who is in Putin's delegation?")
    assert builds == [first.store.count()[1]] and settings.lexical_cache.is_file()

    second = NewsRAG(settings)  # a new process on the same folder: loads, does not build
    assert not second.ask("Who is in Putin's delegation?").abstained
    assert len(builds) == 1

    # a third process adds an article; the second one's next question must find it
    third = NewsRAG(settings)
    third.ingest_text(
        "Zephyrine Oduya, the harbour master, closed the port of Quillon on Tuesday.",
        source="extra.txt",
        title="Port closed",
    )
    hits = second.retriever.search("Zephyrine Oduya", second.embeddings.embed_query("port"))
    assert any("Zephyrine" in h.text for h in hits)
    assert len(builds) == 2


def test_scores_do_not_depend_on_the_hash_seed() -> None:
    # A document's score sums float32 terms; summed in set order (PYTHONHASHSEED) the last bit
    # changed between processes, enough to reorder tied chunks.
    outputs = outputs_under_hash_seeds(
        "from rag.lexical import LexicalIndex;"
        "vocab = [f'w{i}x' for i in range(40)];"
        "docs = [' '.join(vocab[(i * j) % 40] for j in range(30)) for i in range(1, 60)];"
        "print(LexicalIndex(docs).scores(' '.join(vocab[::2])).tobytes().hex())"
    )
    assert len(outputs) == 1
