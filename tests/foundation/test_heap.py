"""Loaded models are frozen out of the collector's full passes (``assistant.heap``)."""

from __future__ import annotations

import gc
import weakref

from assistant.heap import settle_after_load


def test_what_is_alive_after_a_load_is_frozen_and_garbage_is_collected_first() -> None:
    class Node:
        def __init__(self) -> None:
            self.me = self  # a cycle: only the collector frees it

    kept = [Node() for _ in range(100)]
    garbage = [weakref.ref(Node()) for _ in range(50)]  # cyclic garbage left by the load
    before = gc.get_freeze_count()
    try:
        settle_after_load("a test model")
        assert gc.get_freeze_count() > before
        assert not any(type(o) is Node for o in gc.get_objects()), "the kept nodes left the collector's lists"
        assert len(kept) == 100
        assert all(ref() is None for ref in garbage), "garbage is collected, not frozen for ever"
    finally:
        gc.unfreeze()  # later tests see a normal heap


def test_the_young_generation_is_roomier_and_never_made_smaller() -> None:
    from assistant.heap import YOUNG_GENERATION, roomy_young_generation

    saved = gc.get_threshold()
    try:
        gc.set_threshold(700, 10, 10)
        roomy_young_generation()
        assert gc.get_threshold() == (YOUNG_GENERATION, 10, 10)
        gc.set_threshold(YOUNG_GENERATION * 2, 5, 5)
        roomy_young_generation()
        assert gc.get_threshold() == (YOUNG_GENERATION * 2, 5, 5), "an owner's larger setting stands"
        gc.set_threshold(0, 10, 10)
        roomy_young_generation()
        assert gc.get_threshold()[0] == 0, "automatic collection switched off stays off"
    finally:
        gc.set_threshold(*saved)


def test_the_cli_process_collects_its_young_generation_less_often() -> None:
    import subprocess
    import sys

    from assistant.heap import YOUNG_GENERATION

    out = subprocess.run(
        [sys.executable, "-c", "import gc, assistant.cli; print(gc.get_threshold()[0])"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert int(out.stdout.strip()) == YOUNG_GENERATION
