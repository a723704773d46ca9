"""Run a coroutine to completion from a sync test; close a page served in this process.

`asyncio.run` refuses to start while an event loop is running in this thread, and earlier tests
in the same session (Playwright's sync API, Gradio's client) can leave one running. A fresh
thread has no loop, so the coroutine gets its own there, whatever ran before.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def close_page(blocks: Any) -> None:
    """Close a page served in this process.

    Gradio's `Blocks.close` sets the app's asyncio stop event from this (the test) thread while
    the server's loop may be adding a waiter to it for a live stream; asyncio events are not
    thread-safe, and CI once failed on the resulting "deque mutated during iteration". So the
    event is set on its own loop first (close's own set is then a no-op), and if the race still
    hits (no waiter had bound a loop yet), the server is shut down by hand: the flag is set.
    """
    event = blocks.app.stop_event
    loop = getattr(event, "_loop", None)
    if loop is not None and loop.is_running():
        done = threading.Event()

        def set_event() -> None:
            event.set()
            done.set()

        loop.call_soon_threadsafe(set_event)
        done.wait(timeout=5)
    try:
        blocks.close()
    except RuntimeError:
        blocks.is_running = False
        if blocks.server:
            blocks.server.close()
