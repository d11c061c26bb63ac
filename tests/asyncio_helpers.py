"""Running a test's async scenario from a synchronous test.

Playwright's synchronous API keeps an event loop attached to the main thread
for the whole session once a browser test has run, so ``asyncio.run`` and
``async_to_sync`` fail in later tests. A scenario therefore runs in a fresh
event loop in its own thread.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor


def run_async[T](scenario: Callable[[], Awaitable[T]]) -> T:
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, scenario()).result()
