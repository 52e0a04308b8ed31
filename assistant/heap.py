"""Keep the garbage collector out of the answers' way: the models' objects out of its full passes, and fewer
young passes.

Loading the encoder (torch, transformers, the tokenizer) and the judgment heads creates a few hundred thousand
Python objects that live as long as the process. Every full (generation 2) collection walks all of them: with the
encoder loaded, one took ~0.3 s, landing in the middle of whichever answer happened to allocate at that moment
(a warm ``members`` answer at 100k messages went from 0.3 to 0.6 s). ``gc.freeze`` moves everything alive now into
a permanent generation the collector no longer walks, so a full pass costs what the answers themselves allocate.

An answer reads tens of thousands of rows; CPython's default runs a young collection every 700 container
allocations, and each one walks what survived the last. Those rows are freed by reference counting, not by the
collector, so the passes are pure overhead: with a young generation of 20,000, a warm digest at 100k messages took
0.41-0.52 s instead of 0.60-0.85 s (collection time per answer ~0.01 s instead of 0.02-0.11 s), and a cold
``members`` 1.20-1.28 s instead of 1.28-1.37 s (imports allocate a lot too). Cyclic garbage waits a little longer.
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger(__name__)


def settle_after_load(what: str) -> None:
    """Collect what loading left as garbage, then freeze the survivors (the loaded models and everything that
    outlives them). Called once a long-lived part is built; calling it again freezes what was built since."""
    gc.collect()
    gc.freeze()
    logger.debug("heap settled after loading %s: %d objects frozen", what, gc.get_freeze_count())


#: Container allocations between young collections (CPython's default: 700).
YOUNG_GENERATION = 20_000


def roomy_young_generation() -> None:
    """Collect the young generation every ``YOUNG_GENERATION`` allocations, unless the process already collects it
    less often or not at all: called by the process's owner (the CLI, which ``serve`` runs under), not by a library
    import."""
    young, middle, old = gc.get_threshold()
    if 0 < young < YOUNG_GENERATION:
        gc.set_threshold(YOUNG_GENERATION, middle, old)
