"""Servers on loopback for the server, fault and load tests.

Real ones run as child processes in their own session and process group: `chroma run` (the Rust
Chroma server shipped with chromadb) and llama-cpp-python's OpenAI-compatible server. Each is
started under coreutils `timeout`, so even a test run killed with -9 leaves nothing running for
long. Stand-ins run as threads of the test process: an Ollama `/api/chat` server, a server that
answers too late, and a token-checking proxy in front of Chroma (Chroma 1.x has no auth of its own).
Everything binds 127.0.0.1 on a free port; every wait is bounded.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.conftest import ROOT

BIN = Path(sys.executable).parent
LIFETIME_S = 1800  # a child server ends by itself after this long, whatever happens to the tests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def closed_port() -> int:
    """A loopback port nothing listens on: connections to it are refused."""
    return free_port()


def wait_until(check: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except Exception:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"{what} not ready within {timeout_s:g} s")


def http_ok(url: str, timeout_s: float = 2.0) -> bool:
    import httpx

    return httpx.get(url, timeout=timeout_s).status_code == 200


class ChildServer:
    """A server process in its own process group, stopped (TERM, then KILL) by group id."""

    def __init__(self, argv: list[str], health_url: str, log: Path, ready_s: float) -> None:
        self.argv, self.health_url, self.log, self.ready_s = argv, health_url, log, ready_s
        self.proc: subprocess.Popen[bytes] | None = None
        self.env: dict[str, str] = {}

    def start(self) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        env = {**os.environ, "ANONYMIZED_TELEMETRY": "False", "NO_COLOR": "1", **self.env}
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                ["timeout", "--signal=KILL", str(LIFETIME_S), *self.argv],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
                env=env,
                cwd=ROOT,
            )
        try:
            wait_until(self._ready, self.ready_s, " ".join(self.argv[:3]))
        except TimeoutError:
            self.stop()
            tail = self.log.read_text(errors="replace")[-2000:]
            raise TimeoutError(f"{self.argv[0]} did not start; log tail:\n{tail}") from None

    def _ready(self) -> bool:
        if self.proc is None or self.proc.poll() is not None:
            raise RuntimeError(f"{self.argv[0]} exited early (see {self.log})")
        return http_ok(self.health_url)

    def stop(self, kill: bool = False) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        try:
            os.killpg(proc.pid, signal.SIGKILL if kill else signal.SIGTERM)
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=20)
        except ProcessLookupError:
            pass

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None


class ChromaServer(ChildServer):
    """`chroma run --path DIR --host 127.0.0.1 --port PORT`; restartable on the same path."""

    def __init__(self, path: Path, port: int | None = None) -> None:
        self.path, self.port = path, port or free_port()
        path.mkdir(parents=True, exist_ok=True)
        argv = [str(BIN / "chroma"), "run", "--path", str(path), "--host", "127.0.0.1"]
        super().__init__(
            [*argv, "--port", str(self.port)],
            f"http://127.0.0.1:{self.port}/api/v2/heartbeat",
            path.parent / f"chroma-{self.port}.log",
            ready_s=60,
        )


class LlamaServer(ChildServer):
    """llama-cpp-python's OpenAI-compatible server over a GGUF file."""

    def __init__(self, gguf: Path, log_dir: Path, n_ctx: int = 4096) -> None:
        self.port = free_port()
        threads = str(os.cpu_count() or 2)
        argv = [sys.executable, "-m", "tests.server.llama_server", "--model", str(gguf),
                "--host", "127.0.0.1", "--port", str(self.port), "--n_ctx", str(n_ctx),
                "--n_threads", threads, "--n_threads_batch", threads,
                "--model_alias", "qwen2.5-coder-1.5b-instruct",
                # A request that arrives while another streams waits its turn: by default this
                # server ends the running stream early instead (a batch got a cut-off draft).
                "--interrupt_requests", "false"]  # fmt: skip
        super().__init__(
            argv,
            f"http://127.0.0.1:{self.port}/v1/models",
            log_dir / f"llama-server-{self.port}.log",
            ready_s=180,
        )

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"


# -- in-process stand-ins ---------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: StandIn

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that gave up (timed out) is expected here, not news


class StandIn:
    """A ThreadingHTTPServer on a free loopback port, served by a daemon thread."""

    def __init__(self, handler: type[BaseHTTPRequestHandler]) -> None:
        self.requests: list[dict[str, Any]] = []
        self.server = _Server(("127.0.0.1", 0), handler)
        self.server.owner = self
        self.port = int(self.server.server_address[1])
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> StandIn:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=10)


class _Quiet(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def _body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _send(self, status: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


PASSAGE = re.compile(r"^\[(\d+)\] .*?: (.+)$", re.M)


def first_passage_answer(prompt: str) -> str:
    """The reply every stand-in model gives: passage [1] of the prompt, cited [1]."""
    m = PASSAGE.search(prompt)
    return f"{m.group(2).strip()} [1]" if m else "The articles do not contain the answer."


class OllamaHandler(_Quiet):
    """Ollama's API as ollama-python 0.6 speaks it: POST /api/chat with {model, messages, stream,
    options, ...}; a streamed reply is NDJSON, one {"model", "created_at", "message": {"role",
    "content"}, "done": false} per piece and a last {"done": true, "done_reason": "stop", ...}."""

    pause_s = 0.0  # > 0: stall this long after the first piece (a model that hangs mid-answer)

    def do_GET(self) -> None:
        if self.path == "/api/tags":
            self._send(200, json.dumps({"models": [{"name": "standin:latest"}]}).encode())
        else:
            self._send(404, b'{"error": "not found"}')

    def do_POST(self) -> None:
        body = json.loads(self._body() or b"{}")
        seen = {"path": self.path, "headers": dict(self.headers), **body}
        self.server.owner.requests.append(seen)
        if self.path != "/api/chat":
            self._send(404, json.dumps({"error": f"unknown path {self.path}"}).encode())
            return
        messages = body.get("messages") or []
        reply = first_passage_answer(str(messages[-1].get("content", "")) if messages else "")
        model = body.get("model", "")
        stamp = "2024-06-19T00:00:00.000000Z"
        if not body.get("stream", True):
            done = {"model": model, "created_at": stamp, "done": True, "done_reason": "stop",
                    "message": {"role": "assistant", "content": reply}}  # fmt: skip
            self._send(200, json.dumps(done).encode())
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/x-ndjson")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        pieces = [{"model": model, "created_at": stamp, "done": False,
                   "message": {"role": "assistant", "content": w}}
                  for w in re.findall(r"\S+\s*", reply)]  # fmt: skip
        pieces.append({"model": model, "created_at": stamp, "done": True, "done_reason": "stop",
                       "message": {"role": "assistant", "content": ""}, "total_duration": 1000,
                       "prompt_eval_count": 100, "eval_count": len(pieces)})  # fmt: skip
        for i, piece in enumerate(pieces):
            line = json.dumps(piece).encode() + b"\n"
            self.wfile.write(f"{len(line):x}\r\n".encode() + line + b"\r\n")
            self.wfile.flush()
            if i == 0 and self.pause_s:
                time.sleep(self.pause_s)
        self.wfile.write(b"0\r\n\r\n")


class SlowHandler(_Quiet):
    """Accepts a request and answers only after `delay_s` (set on the class): a model that times
    out. The sleep is bounded, so a handler thread always ends."""

    delay_s = 10.0

    def _slow(self) -> None:
        self._body()
        self.server.owner.requests.append({"path": self.path})
        time.sleep(self.delay_s)
        self._send(503, b'{"error": "too late"}')

    do_GET = _slow
    do_POST = _slow


class TokenProxy(_Quiet):
    """A reverse proxy to a Chroma server that lets a request through only with the token, as
    Chroma's cookbook does with Envoy for 1.x servers. Class attributes: upstream port, token."""

    upstream_port = 0
    token = ""

    def _allowed(self) -> bool:
        auth = self.headers.get("Authorization", "")
        return auth == f"Bearer {self.token}" or self.headers.get("X-Chroma-Token") == self.token

    def _forward(self) -> None:
        body = self._body()
        self.server.owner.requests.append({"path": self.path, "allowed": self._allowed()})
        if not self._allowed():
            self._send(401, b'{"error": "AuthError", "message": "missing or wrong token"}')
            return
        conn = http.client.HTTPConnection("127.0.0.1", self.upstream_port, timeout=60)
        try:
            headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host",)}
            conn.request(self.command, self.path, body=body or None, headers=headers)
            resp = conn.getresponse()
            data = resp.read()
            self._send(resp.status, data, resp.getheader("Content-Type") or "application/json")
        finally:
            conn.close()

    do_GET = _forward
    do_POST = _forward
    do_PUT = _forward
    do_DELETE = _forward
    do_PATCH = _forward


def handler(base: type[BaseHTTPRequestHandler], **attrs: Any) -> type[BaseHTTPRequestHandler]:
    """A subclass of `base` with class attributes set (per-server configuration)."""
    return type(base.__name__, (base,), attrs)
