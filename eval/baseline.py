"""The plain LangChain RAG of the tutorial (GUIDE §3): what users get without this product.

RecursiveCharacterTextSplitter(1000, 200) over the raw texts (no cleaning), Chroma, k=4, the
tutorial's "stuff" prompt, and the same chat model and embeddings as the product, so the
comparison measures the pipeline, not the models. It streams, so first-token time is comparable.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import HumanMessage

from eval.metrics import answer_sentences, sentence_supported

# The "rlm/rag-prompt" of the LangChain RAG tutorial, verbatim, sent as one user message.
RAG_PROMPT = (
    "You are an assistant for question-answering tasks. Use the following pieces of retrieved "
    "context to answer the question. If you don't know the answer, just say that you don't know. "
    "Use three sentences maximum and keep the answer concise.\n"
    "Question: {question}\nContext: {context}\nAnswer:"
)
CHUNK_SIZE = 1000
CHUNK_OVERLAP = 200
TOP_K = 4
# The tutorial loads pages as text; markdown is text too. Anything else needs a loader it lacks.
RAW_SUFFIXES = frozenset({".txt", ".md"})


@dataclass(frozen=True)
class BaselineAnswer:
    question: str
    text: str
    contexts: list[tuple[str, str]]  # (source, chunk text) in retrieval order: what the model saw
    retrieve_ms: float
    first_token_ms: float | None
    total_ms: float
    error: str = ""


class Baseline:
    """One Chroma collection in its own folder; `add` raw texts, then `ask`."""

    def __init__(
        self,
        embeddings: Embeddings,
        chat_model: BaseChatModel,
        persist_dir: Path,
        k: int = TOP_K,
    ) -> None:
        import chromadb.config
        from langchain_chroma import Chroma

        self.chat_model = chat_model
        self.k = k
        self.chunks = 0
        # Passing our embeddings means Chroma never builds its default embedder (an ONNX model
        # it would download); telemetry off because it would try the network.
        self.store: Any = Chroma(
            collection_name=f"baseline_{uuid.uuid4().hex[:8]}",
            embedding_function=embeddings,
            persist_directory=str(persist_dir),
            client_settings=chromadb.config.Settings(anonymized_telemetry=False),
        )

    def add(self, texts: Iterable[tuple[str, str]]) -> int:
        """Split and index (source, raw text) pairs; returns the number of chunks written."""
        from langchain_text_splitters import RecursiveCharacterTextSplitter

        splitter = RecursiveCharacterTextSplitter(
            chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP
        )
        docs: list[Document] = []
        for source, text in texts:
            if text.strip():
                docs += splitter.create_documents([text], metadatas=[{"source": source}])
        if docs:
            self.store.add_documents(docs)
        self.chunks += len(docs)
        return len(docs)

    def retrieve(self, question: str) -> list[Document]:
        if not self.chunks:
            return []
        docs: list[Document] = self.store.similarity_search(question, k=self.k)
        return docs

    def ask(self, question: str) -> BaselineAnswer:
        """Retrieve, stuff, stream. A failing model is recorded as an error, not raised."""
        t0 = time.perf_counter()
        docs = self.retrieve(question)
        t_retrieved = time.perf_counter()
        context = "\n\n".join(d.page_content for d in docs)
        prompt = RAG_PROMPT.format(question=question, context=context)
        text, first, error = "", None, ""
        try:
            for chunk in self.chat_model.stream([HumanMessage(prompt)]):
                piece = str(chunk.content)
                if piece and first is None:
                    first = time.perf_counter()
                text += piece
        except Exception as exc:  # one bad call must not end a long evaluation
            error = f"{type(exc).__name__}: {exc}"
        end = time.perf_counter()
        return BaselineAnswer(
            question=question,
            text=text.strip(),
            contexts=[(str(d.metadata.get("source", "")), d.page_content) for d in docs],
            retrieve_ms=round((t_retrieved - t0) * 1000, 1),
            first_token_ms=None if first is None else round((first - t0) * 1000, 1),
            total_ms=round((end - t0) * 1000, 1),
            error=error,
        )


def raw_texts(folder: Path) -> list[tuple[str, str]]:
    """(file name, raw text) of every text file under `folder`, exactly as stored on disk."""
    files = sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in RAW_SUFFIXES)
    return [(p.name, p.read_text(encoding="utf-8", errors="replace")) for p in files]


def unsupported_vs_contexts(answer: str, contexts: Sequence[str]) -> float:
    """Unsupported-sentence rate as if every sentence cited every retrieved chunk.

    The baseline writes no markers, so the strict metric would call every sentence with a name
    unsupported. Checking against all chunks at once is generous: a sentence passes when its
    names and numbers are anywhere in the context, even scattered over unrelated chunks.
    """
    sents = answer_sentences(answer)
    if not sents:
        return 0.0
    return sum(not sentence_supported(s, contexts) for s in sents) / len(sents)
