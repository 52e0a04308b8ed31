"""Work released in several threads at the same instant, as replicas or writers racing for the same rows."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any


def run_together(workers: int, work: Callable[[int], Any]) -> list[Any]:
    """``work(i)`` for i in range(workers), each in its own thread, all released by one barrier; the results in
    order, or the first error raised."""
    barrier = threading.Barrier(workers)
    results: list[Any] = [None] * workers
    errors: list[BaseException] = []

    def run(i: int) -> None:
        try:
            barrier.wait()
            results[i] = work(i)
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(workers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return results
