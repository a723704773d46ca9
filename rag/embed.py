"""The embedders: packaged all-MiniLM-L6-v2 as LangChain Embeddings (int8 ONNX by default).

Our own small class instead of langchain-huggingface: it always loads from the packaged folder,
sets the offline switches first, and normalises vectors so cosine similarity is a dot product.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Any

import numpy as np
from langchain_core.embeddings import DeterministicFakeEmbedding, Embeddings

from rag.config import Settings
from rag.model_files import minilm_path, set_offline_env

DIM = 384


def unit_rows(vecs: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length (zero rows stay zero), as float32."""
    vecs = np.asarray(vecs, dtype=np.float32)
    if vecs.ndim != 2 or not len(vecs):
        return vecs.reshape(len(vecs), -1).astype(np.float32)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    return (vecs / np.where(norms == 0, 1, norms)).astype(np.float32)


def embed_matrix(
    embeddings: Embeddings, texts: Sequence[str], *, normalize: bool = True
) -> np.ndarray:
    """Texts as a float32 matrix. An embedder with `embed_array` (the ONNX one) hands its array
    over directly: ingestion and every question embed hundreds of texts, and the LangChain
    list-of-lists round trip is pure overhead there."""
    if not texts:
        return np.zeros((0, DIM), dtype=np.float32)
    direct = getattr(embeddings, "embed_array", None)
    raw = direct(list(texts)) if direct else embeddings.embed_documents(list(texts))
    vecs = np.asarray(raw, dtype=np.float32)
    return unit_rows(vecs) if normalize else vecs


class MiniLMEmbeddings(Embeddings):
    def __init__(self, model_path: str | None = None, batch_size: int = 32) -> None:
        self.model_path = model_path
        self.batch_size = batch_size
        self._model: Any = None
        self._lock = threading.Lock()

    def _load(self) -> Any:
        with self._lock:
            if self._model is None:
                set_offline_env()
                from sentence_transformers import SentenceTransformer

                path = self.model_path or str(minilm_path())
                self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        return self._model

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = self._load().encode(
            texts, batch_size=self.batch_size, normalize_embeddings=True, show_progress_bar=False
        )
        return [v.tolist() for v in vectors]

    def embed_query(self, text: str) -> list[float]:
        return self.embed_documents([text])[0]


def build_embeddings(settings: Settings) -> Embeddings:
    cfg = settings.embed
    if cfg.backend == "fake":
        return DeterministicFakeEmbedding(size=DIM)
    if cfg.backend == "onnx":
        from rag.onnx_embed import OnnxMiniLM

        return OnnxMiniLM(settings.model_cache, cfg.threads, cfg.model_path)
    path = str(cfg.model_path) if cfg.model_path else None
    return MiniLMEmbeddings(path, cfg.batch_size)
