"""Run a coroutine to completion from a sync test.

`asyncio.run` refuses to start while an event loop is running in this thread, and earlier tests
in the same session (Playwright's sync API, Gradio's client) can leave one running. A fresh
thread has no loop, so the coroutine gets its own there, whatever ran before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

T = TypeVar("T")


def run(coro: Coroutine[Any, Any, T]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
