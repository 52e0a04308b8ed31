"""Keep the models' objects out of the garbage collector's full passes.

Loading the encoder (torch, transformers, the tokenizer) and the judgment heads creates a few hundred thousand
Python objects that live as long as the process. Every full (generation 2) collection walks all of them: with the
encoder loaded, one took ~0.3 s, landing in the middle of whichever answer happened to allocate at that moment
(a warm ``members`` answer at 100k messages went from 0.3 to 0.6 s). ``gc.freeze`` moves everything alive now into
a permanent generation the collector no longer walks, so a full pass costs what the answers themselves allocate.
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
