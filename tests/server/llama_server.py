"""`python -m tests.server.llama_server ARGS`: llama-cpp-python's OpenAI-compatible server, with
the model loaded as newsrag loads it (rag.llm.no_amx_buffers): on Xeons with AMX the stock server
dies on its first multi-token prompt."""

from __future__ import annotations

import runpy

from rag.llm import no_amx_buffers

if __name__ == "__main__":
    with no_amx_buffers():  # held for the server's whole life: it loads the model at start
        runpy.run_module("llama_cpp.server", run_name="__main__", alter_sys=True)
