"""What the tests share beside fixtures."""

import time
from collections.abc import Callable

DEADLINE_S = 30


def wait_until(what: str, done: Callable[[], bool], deadline_s: float = DEADLINE_S) -> None:
    """Polls `done` until it holds; past the deadline, fails naming what it waited for."""
    end = time.monotonic() + deadline_s
    while not done():
        if time.monotonic() > end:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)
