"""Chat model backends by name, all as LangChain `BaseChatModel`s.

- embedded: the packaged Qwen2.5-Coder 1.5B GGUF run in-process by llama.cpp. In-process rather than
  a loopback server: no port to manage, and llama.cpp keeps the KV cache of the previous prompt, so
  the fixed system prompt at the front of every request is not re-processed (a large share of the
  first-token time on 2 cores). One context per system prompt (answering, summarising), so an
  overview after a question does not re-read its system prompt, nor the next question after it.
- openai: any OpenAI-compatible server (llama-server, vLLM, Ollama's /v1, OpenAI).
- ollama: Ollama's own API via langchain-ollama.
- fake: deterministic, evidence-aware stand-in for tests (never loads a model).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
from langchain_core.callbacks import CallbackManagerForLLMRun
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import (
    AIMessage,
    AIMessageChunk,
    BaseMessage,
    HumanMessage,
    SystemMessage,
)
from langchain_core.outputs import ChatGeneration, ChatGenerationChunk, ChatResult
from pydantic import ConfigDict, Field, PrivateAttr

from rag.config import Settings
from rag.model_files import ensure_gguf, verify_gguf
from rag.schema import NOT_FOUND

_ROLE = {"system": "system", "human": "user", "ai": "assistant"}


def _to_dicts(messages: list[BaseMessage]) -> list[dict[str, str]]:
    return [{"role": _ROLE.get(m.type, "user"), "content": str(m.content)} for m in messages]


_PARAMS_LOCK = threading.Lock()


@contextlib.contextmanager
def no_amx_buffers() -> Iterator[None]:
    """Load a model without llama.cpp's extra weight buffers where the build uses AMX.

    llama-cpp-python builds ggml for the build machine's CPU. On a Xeon with AMX the weights go
    into AMX tile buffers, and in a sandbox that does not grant AMX state to the process the
    first multi-token prompt dies with a general protection fault (seen on these machines:
    llama.cpp 0.3.36, `AMX_INT8 = 1`). Without the extra buffers the AVX-512 kernels run."""
    from llama_cpp import llama_cpp  # the bindings module that llama_cpp.Llama reads

    if b"AMX_INT8 = 1" not in llama_cpp.llama_print_system_info():
        yield
        return
    with _PARAMS_LOCK:
        default = llama_cpp.llama_model_default_params

        def params() -> Any:
            p = default()
            p.use_extra_bufts = False
            return p

        llama_cpp.llama_model_default_params = params
        try:
            yield
        finally:
            llama_cpp.llama_model_default_params = default


class LlamaCppChat(BaseChatModel):
    """A llama.cpp model in this process, with up to `contexts` llama contexts, one per system
    prompt. llama.cpp reuses only the prefix the new prompt shares with the previous one in the
    same context: with one context, a summary after a question re-reads the summary system
    prompt and the next question re-reads the answer one (~4.6 s each on 2 cores, measured). The
    least recently used context is handed to a new system prompt when all are taken. One lock:
    the two cores serve one request at a time."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    model_path: str
    n_ctx: int = 4096
    n_threads: int | None = None
    n_batch: int = 512
    temperature: float = 0.0
    max_tokens: int = 256
    contexts: int = 2
    _llamas: OrderedDict[str, Any] = PrivateAttr(default_factory=OrderedDict)
    _lock: threading.Lock = PrivateAttr(default_factory=threading.Lock)
    _logprobs: list[float] = PrivateAttr(default_factory=list)

    @property
    def _llm_type(self) -> str:
        return "llama-cpp-inprocess"

    def _model(self, system: str = "") -> Any:
        """The context that last served this system prompt; a new one while fewer than
        `contexts` exist, else the least recently used one (its cached prompt is then simply
        not a prefix of the new one, and llama.cpp re-reads from the first differing token)."""
        if system in self._llamas:
            self._llamas.move_to_end(system)
            return self._llamas[system]
        if len(self._llamas) >= max(1, self.contexts):
            _, llama = self._llamas.popitem(last=False)
        else:
            from llama_cpp import Llama

            # llama-cpp-python defaults to half the cores for generation; on 2 cores that is one.
            threads = self.n_threads or os.cpu_count() or 1
            with no_amx_buffers():
                llama = Llama(
                    model_path=self.model_path,
                    n_ctx=self.n_ctx,
                    n_threads=threads,
                    n_threads_batch=threads,
                    n_batch=self.n_batch,
                    verbose=False,
                )
            self._record_logprobs(llama)
        self._llamas[system] = llama
        return llama

    def warm(self, system_prompts: Sequence[str] = ("",)) -> None:
        """Load the model and read each system prompt into its own context (one token
        generated), so the first request of each kind starts from a cached prefix."""
        for system in list(system_prompts)[: max(1, self.contexts)]:
            messages: list[BaseMessage] = [HumanMessage("Reply with OK.")]
            if system:
                messages.insert(0, SystemMessage(system))
            self.invoke(messages, max_tokens=1)

    def _record_logprobs(self, llama: Any) -> None:
        """Keep each sampled token's log-probability in self._logprobs. llama.cpp's own
        `logprobs` needs logits_all=True, which keeps the logits of every prompt token (n_ctx x
        152k floats) and slows the prompt; its logits_processor hook crashes in 0.3.x. The
        context still holds the last position's logits right after sampling, so they are read
        there: the same number, for the cost of one log-sum-exp per generated token."""
        sample = llama.sample
        n_vocab = llama.n_vocab()
        recorded = self._logprobs

        def sample_and_record(*args: Any, **kwargs: Any) -> int:
            token = sample(*args, **kwargs)
            try:
                ptr = llama._ctx.get_logits_ith(-1)
                logits = np.ctypeslib.as_array(ptr, shape=(n_vocab,))
                top = float(logits.max())
                lse = top + float(np.log(np.exp(logits - top).sum()))
                recorded.append(float(logits[token]) - lse)
            except Exception:  # a signal lost, never an answer
                pass
            return int(token)

        llama.sample = sample_and_record

    def _params(self, stop: list[str] | None, kwargs: dict[str, Any]) -> dict[str, Any]:
        params = {
            "temperature": kwargs.get("temperature", self.temperature),
            "max_tokens": kwargs.get("max_tokens", self.max_tokens),
            "stop": stop,
        }
        return params

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        text = "".join(
            str(c.message.content) for c in self._stream(messages, stop, run_manager, **kwargs)
        )
        return ChatResult(generations=[ChatGeneration(message=AIMessage(content=text))])

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        with self._lock:
            system = str(messages[0].content) if messages and messages[0].type == "system" else ""
            llama = self._model(system)
            recorded = self._logprobs
            recorded.clear()
            stream = llama.create_chat_completion(
                messages=_to_dicts(messages), stream=True, **self._params(stop, kwargs)
            )
            taken = 0
            for part in stream:
                choice = part["choices"][0]
                delta = choice.get("delta", {}).get("content") or ""
                fresh, taken = recorded[taken:], len(recorded)
                fresh = fresh if kwargs.get("logprobs") else []
                if delta or fresh:
                    chunk = ChatGenerationChunk(
                        message=AIMessageChunk(content=delta),
                        generation_info={"logprobs": {"token_logprobs": fresh}} if fresh else None,
                    )
                    if run_manager:
                        run_manager.on_llm_new_token(delta, chunk=chunk)
                    yield chunk


class FakeChat(BaseChatModel):
    """Deterministic stand-in. With `responses`, replies with them in turn; otherwise it answers
    from the first numbered passage in the prompt, cited, or with NOT_FOUND when there is none."""

    responses: list[str] = Field(default_factory=list)
    _i: int = PrivateAttr(default=0)

    @property
    def _llm_type(self) -> str:
        return "newsrag-fake"

    def _reply(self, messages: list[BaseMessage]) -> str:
        if self.responses:
            reply = self.responses[self._i % len(self.responses)]
            self._i += 1
            return reply
        prompt = str(messages[-1].content)
        if "STANDALONE QUESTION" in str(messages[0].content):
            return prompt.rsplit("Follow-up:", 1)[-1].strip().splitlines()[0]
        for line in prompt.splitlines():
            m = re.match(r"^\[(\d+)\] .*?: (.+)$", line)
            if m:
                return f"{m.group(2).strip()} [{m.group(1)}]"
        return NOT_FOUND

    def _generate(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> ChatResult:
        return ChatResult(
            generations=[ChatGeneration(message=AIMessage(content=self._reply(messages)))]
        )

    def _stream(
        self,
        messages: list[BaseMessage],
        stop: list[str] | None = None,
        run_manager: CallbackManagerForLLMRun | None = None,
        **kwargs: Any,
    ) -> Iterator[ChatGenerationChunk]:
        for piece in re.findall(r"\S+\s*", self._reply(messages)):
            yield ChatGenerationChunk(message=AIMessageChunk(content=piece))


def build_chat_model(settings: Settings) -> BaseChatModel:
    """The chat model named by settings.llm.backend."""
    cfg = settings.llm
    if cfg.backend == "fake":
        return FakeChat()
    if cfg.backend == "embedded":
        if cfg.gguf_path:
            path = cfg.gguf_path
        else:
            path = ensure_gguf(settings.model_cache)
            verify_gguf(path)
        return LlamaCppChat(
            model_path=str(path),
            n_ctx=cfg.n_ctx,
            n_threads=cfg.n_threads,
            n_batch=cfg.n_batch,
            contexts=cfg.contexts,
            temperature=cfg.temperature,
            max_tokens=cfg.max_tokens,
        )
    if cfg.backend == "openai":
        from langchain_openai import ChatOpenAI

        if not cfg.base_url:
            raise ValueError("NEWSRAG_LLM__BASE_URL is required for the openai backend")
        return ChatOpenAI(
            base_url=cfg.base_url,
            api_key=cfg.api_key or "not-needed",
            model=cfg.model,
            temperature=cfg.temperature,
            max_completion_tokens=cfg.max_tokens,
            timeout=cfg.timeout_s,
            max_retries=1,
        )
    if cfg.backend == "ollama":
        from langchain_ollama import ChatOllama

        return ChatOllama(
            model=cfg.model,
            base_url=cfg.base_url or "http://127.0.0.1:11434",
            temperature=cfg.temperature,
            num_predict=cfg.max_tokens,
            client_kwargs={"timeout": cfg.timeout_s},
        )
    raise ValueError(f"unknown LLM backend {cfg.backend!r}")
