"""Chroma storage: an embedded PersistentClient by default, an HttpClient when a host is set.

Two collections share a prefix:
- `<prefix>_chunks`: one record per chunk, embedded with our Embeddings, metadata carries the
  article's title, outlet and date so every hit can be cited on its own.
- `<prefix>_articles`: one record per article (full cleaned text, metadata, MinHash signature).

Write order is the consistency rule: an article's chunks are written first and its article record
last, as the commit marker. A crash in between leaves chunks with no article record; `repair()`
deletes them and the next ingest writes the article again with the same deterministic ids.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from langchain_core.embeddings import Embeddings

from rag.config import Settings
from rag.embed import embed_matrix
from rag.schema import Article, Chunk
from rag.store_records import article_from_record, article_meta, chunk_meta

_BATCH = 512  # Chroma rejects very large single upserts; keep each call modest.
# Chroma 1.5 binds one SQL variable per record it reads: a get() over ~150k chunks (a year of
# news) fails with "too many SQL variables". Every whole-collection read goes a page at a time.
_PAGE = 5000


class StoreError(RuntimeError):
    """The store cannot be reached or used; the message says what to check."""


def make_client(settings: Settings) -> Any:
    """A Chroma client from settings, with telemetry off (it would try the network)."""
    import chromadb
    import httpx
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    cfg = settings.store
    try:
        if cfg.host:
            headers: dict[str, str] | None = None
            if cfg.token:  # Chroma's convention: "Bearer <token>" in Authorization, bare otherwise
                bearer = cfg.token_header == "Authorization"
                headers = {cfg.token_header: f"Bearer {cfg.token}" if bearer else cfg.token}
            # chromadb's HTTP session never times out, and its client calls the server as it is
            # made: check the server answers in time first, then bound every later call.
            timeout = httpx.Timeout(cfg.timeout_s, connect=min(cfg.timeout_s, 10.0))
            host = f"[{cfg.host}]" if ":" in cfg.host else cfg.host
            url = f"{'https' if cfg.ssl else 'http'}://{host}:{cfg.port}/api/v2/heartbeat"
            httpx.get(url, headers=headers, timeout=timeout).raise_for_status()
            client = chromadb.HttpClient(
                host=cfg.host, port=cfg.port, ssl=cfg.ssl, headers=headers, settings=chroma_settings
            )
            session = getattr(getattr(client, "_server", None), "_session", None)
            if session is not None:
                session.timeout = timeout
            client.heartbeat()
            return client
        path = settings.store_path
        path.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(path), settings=chroma_settings)
    except Exception as exc:
        where = f"{cfg.host}:{cfg.port}" if cfg.host else str(settings.store_path)
        raise StoreError(f"cannot open the Chroma store at {where}: {exc}") from exc


@dataclass
class StoredChunks:
    """All chunk records, for the lexical index: parallel lists."""

    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    metas: list[dict[str, Any]] = field(default_factory=list)


class _Guarded:
    """A collection of `store` whose failures (server down, disk full...) raise StoreError."""

    def __init__(self, store: NewsStore, name: str) -> None:
        self._store, self._name = store, name

    def __getattr__(self, attr: str) -> Any:
        store = self._store
        store.reopen_if_failed()
        target = getattr(store.raw[self._name], attr)
        if not callable(target):
            return target

        def call(*args: Any, **kwargs: Any) -> Any:
            try:
                return target(*args, **kwargs)
            except Exception as exc:
                store.failed = True
                raise StoreError(f"the Chroma store at {store.where} failed: {exc}") from exc

        return call


class NewsStore:
    """Articles and chunks in Chroma. Every change to the chunks sets a new `generation()`, so
    derived indexes know to rebuild."""

    def __init__(self, settings: Settings, embeddings: Embeddings, client: Any = None) -> None:
        self.settings = settings
        self.embeddings = embeddings
        self._own_client = client is None
        cfg = settings.store
        self.where = f"{cfg.host}:{cfg.port}" if cfg.host else str(settings.store_path)
        self.raw: dict[str, Any] = {}
        self._open(client if client is not None else make_client(settings))
        self.chunks = _Guarded(self, "chunks")
        self.articles_col = _Guarded(self, "articles")

    def _open(self, client: Any) -> None:
        self.client = client
        self.failed = False
        prefix = self.settings.store.collection
        # embedding_function=None: we always pass vectors ourselves, so Chroma never falls back to
        # its default embedder (which downloads an ONNX model).
        space = {"hnsw:space": "cosine"}
        for name in ("chunks", "articles"):
            self.raw[name] = client.get_or_create_collection(
                f"{prefix}_{name}", embedding_function=None, metadata=space
            )
        if not (self.raw["chunks"].metadata or {}).get("generation"):
            self.raw["chunks"].modify(metadata={"generation": uuid.uuid4().hex})

    @property
    def chunks_name(self) -> str:
        """The chunk collection's name: what `langchain_chroma.Chroma(collection_name=...)` opens
        (with `client=self.client` and our Embeddings) to search the passages directly."""
        return f"{self.settings.store.collection}_chunks"

    def reopen_if_failed(self) -> None:
        """After a failed call, open a fresh embedded client: Chroma 1.5's in-process engine hangs
        on the next write after a failed one (seen with a full disk); a new client recovers."""
        if not self.failed or not self._own_client or self.settings.store.host:
            return
        from chromadb.api.shared_system_client import SharedSystemClient

        SharedSystemClient._identifier_to_system.pop(str(self.settings.store_path), None)
        self._open(make_client(self.settings))

    # -- reads ---------------------------------------------------------------------------------

    def generation(self) -> str:
        """A token that changes with every change to the chunks, by any process: derived indexes
        (BM25) are valid for one generation. Read fresh from Chroma (the collection object
        caches its metadata)."""
        self.reopen_if_failed()
        try:
            col = self.client.get_collection(self.chunks_name)
        except Exception as exc:
            self.failed = True
            raise StoreError(f"the Chroma store at {self.where} failed: {exc}") from exc
        return str((col.metadata or {}).get("generation", ""))

    def _bump(self) -> None:
        # Before a change and after it: an index saved while a write was in flight carries a
        # generation that the write's second bump retires.
        self.chunks.modify(metadata={"generation": uuid.uuid4().hex})

    def read_all(
        self, collection: Any, include: list[str], ids: Sequence[str] | None = None
    ) -> dict[str, list[Any]]:
        """collection.get() of every record (or of `ids`), a page at a time; the parallel lists
        ids/documents/metadatas/embeddings (those included)."""
        out: dict[str, list[Any]] = {"ids": [], **{key: [] for key in include}}

        def take(got: dict[str, Any]) -> int:
            for key, values in out.items():
                found = got.get(key)
                values.extend(found if found is not None else [])
            return len(got["ids"])

        if ids is not None:
            wanted = list(ids)
            for lo in range(0, len(wanted), _PAGE):
                take(collection.get(ids=wanted[lo : lo + _PAGE], include=include))
            return out
        offset = 0
        while take(collection.get(include=include, limit=_PAGE, offset=offset)) == _PAGE:
            offset += _PAGE
        return out

    def count(self) -> tuple[int, int]:
        """(articles, chunks)."""
        return self.articles_col.count(), self.chunks.count()

    def article_index(self) -> dict[str, dict[str, Any]]:
        """Every article's metadata by id (no texts): cheap enough for dedup bookkeeping."""
        got = self.read_all(self.articles_col, ["metadatas"])
        return {i: dict(m or {}) for i, m in zip(got["ids"], got["metadatas"], strict=False)}

    def get_articles(self, ids: Sequence[str] | None = None) -> list[Article]:
        got = self.read_all(self.articles_col, ["documents", "metadatas"], ids or None)
        out = [
            article_from_record(i, d or "", dict(m or {}))
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=False)
        ]
        return sorted(out, key=lambda a: (a.published or "", a.title))

    def get_article(self, article_id: str) -> Article | None:
        found = self.get_articles([article_id])
        return found[0] if found else None

    def all_chunks(self) -> StoredChunks:
        got = self.read_all(self.chunks, ["documents", "metadatas"])
        return StoredChunks(
            got["ids"],
            [d or "" for d in got["documents"]],
            [dict(m or {}) for m in got["metadatas"]],
        )

    def get_chunks(self, ids: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
        """Text and metadata of the given chunks, by id (missing ids are left out)."""
        if not ids:
            return {}
        got = self.read_all(self.chunks, ["documents", "metadatas"], ids)
        return {
            i: (d or "", dict(m or {}))
            for i, d, m in zip(got["ids"], got["documents"], got["metadatas"], strict=False)
        }

    def get_chunk_vectors(
        self, ids: Sequence[str]
    ) -> dict[str, tuple[str, dict[str, Any], list[float]]]:
        """Text, metadata and stored vector of the given chunks, by id (missing ids left out)."""
        if not ids:
            return {}
        got = self.read_all(self.chunks, ["documents", "metadatas", "embeddings"], ids)
        return {
            i: (d or "", dict(m or {}), list(v))
            for i, d, m, v in zip(
                got["ids"], got["documents"], got["metadatas"], got["embeddings"], strict=False
            )
        }

    def dense_search(
        self, vector: list[float], k: int, where: dict[str, Any] | None = None
    ) -> list[tuple[str, str, dict[str, Any], float]]:
        """(chunk id, text, metadata, cosine similarity) best first."""
        total = self.chunks.count()
        if total == 0:
            return []
        res = self.chunks.query(
            query_embeddings=[vector],
            n_results=min(k, total),
            where=where,
            include=["documents", "metadatas", "distances"],
        )
        return [
            (i, d or "", dict(m or {}), 1.0 - float(dist))
            for i, d, m, dist in zip(
                res["ids"][0],
                res["documents"][0],
                res["metadatas"][0],
                res["distances"][0],
                strict=False,
            )
        ]

    # -- writes --------------------------------------------------------------------------------

    def write(self, items: Iterable[tuple[Article, list[Chunk], str]]) -> int:
        """Embed and write articles with their chunks: all chunks first, then article records."""
        batch = list(items)
        if not batch:
            return 0
        texts = [c.text for _, chunks, _ in batch for c in chunks]
        vectors = embed_matrix(self.embeddings, texts, normalize=False)
        ids, metas = [], []
        for article, chunks, _ in batch:
            for c in chunks:
                ids.append(c.id)
                metas.append(chunk_meta(article, c))
        # Article vector: the normalised mean of its chunks, used for summary clustering.
        art_vecs, offset = [], 0
        for _, chunks, _ in batch:
            mean = vectors[offset : offset + len(chunks)].mean(axis=0)
            art_vecs.append((mean / (np.linalg.norm(mean) or 1.0)).tolist())
            offset += len(chunks)
        self._bump()
        try:
            for lo in range(0, len(ids), _BATCH):
                hi = lo + _BATCH
                self.chunks.upsert(
                    ids=ids[lo:hi],
                    documents=texts[lo:hi],
                    metadatas=metas[lo:hi],
                    embeddings=vectors[lo:hi].tolist(),
                )
            self.articles_col.upsert(
                ids=[a.id for a, _, _ in batch],
                documents=[a.text for a, _, _ in batch],
                metadatas=[article_meta(a, sig, len(ch)) for a, ch, sig in batch],
                embeddings=art_vecs,
            )
        except StoreError:
            # Take back this batch's chunks so no question cites an article that is not stored;
            # if even that fails (a full disk), the next ingest's repair() deletes them.
            with contextlib.suppress(StoreError):
                stored = self.articles_col.get(ids=[a.id for a, _, _ in batch], include=[])
                done = set(stored["ids"])
                undo = [c.id for a, chunks, _ in batch if a.id not in done for c in chunks]
                for lo in range(0, len(undo), _BATCH):
                    self.chunks.delete(ids=undo[lo : lo + _BATCH])
                self._bump()
            raise
        self._bump()
        return len(ids)

    def set_also_in(self, article_id: str, outlets: Sequence[str]) -> None:
        self.articles_col.update(ids=[article_id], metadatas=[{"also_in": "|".join(outlets)}])

    def remove(self, article_id: str) -> bool:
        """Delete an article and its chunks. The article record goes first: an interrupted removal
        leaves orphan chunks that repair() deletes, never an article with missing chunks."""
        existed = bool(self.articles_col.get(ids=[article_id])["ids"])
        self._bump()
        self.articles_col.delete(ids=[article_id])
        self.chunks.delete(where={"article_id": article_id})
        self._bump()
        return existed

    def repair(self) -> int:
        """Delete chunks whose article record is missing (left by a crash). Returns how many."""
        known = set(self.read_all(self.articles_col, [])["ids"])
        got = self.read_all(self.chunks, ["metadatas"])
        orphans = [
            i
            for i, m in zip(got["ids"], got["metadatas"], strict=False)
            if (m or {}).get("article_id") not in known
        ]
        if orphans:
            self._bump()
        for lo in range(0, len(orphans), _BATCH):
            self.chunks.delete(ids=orphans[lo : lo + _BATCH])
        if orphans:
            self._bump()
        return len(orphans)


def store_size_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
