"""A hard time limit for a test's heavy step, so a regression fails in seconds instead of hanging the suite."""

from __future__ import annotations

import contextlib
import signal
import time


@contextlib.contextmanager
def deadline(seconds: float):
    """Raise ``TimeoutError`` inside the block if it runs longer than ``seconds`` (main thread, POSIX)."""

    def expire(_signum, _frame):
        raise TimeoutError(f"took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    started = time.monotonic()
    try:
        yield lambda: time.monotonic() - started
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
