"""numpy's BLAS on one thread, next to torch.

With the encoder loaded, torch's thread pool owns the cores. OpenBLAS (numpy's and scipy's copies) starts its own
threads for a large enough product, such as a message vector against 10,000 claims, and they keep spinning after
the product returns: the next encoder call then fights them for two cores. ``assistant bench --claims 10000``
measured the encoder alone at 61-84 msg/s with BLAS on two threads and 238-318 msg/s with one, the whole judgment
pass at 48-54 and 171-227 msg/s. The products numpy does here are matrix-vector sized, so one thread loses nothing.
An operator's ``OPENBLAS_NUM_THREADS`` (or ``OMP_NUM_THREADS``) still wins.
"""

from __future__ import annotations

import logging
import os

logger = logging.getLogger(__name__)

#: Environment variables with which an operator sets BLAS threads themselves: then nothing is changed here.
OPERATOR_SETTINGS = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def one_blas_thread() -> bool:
    """Limit every BLAS library loaded in the process to one thread (not torch's own pool); says whether it did.
    Called once the judgment engine is loaded (by then torch, numpy's and scipy's BLAS are loaded too): in the
    processes that judge messages (``serve``, ingest, eval, bench), not in ``assistant train``, whose head fits are
    BLAS work of their own."""
    if any(os.environ.get(name) for name in OPERATOR_SETTINGS):
        return False
    from threadpoolctl import threadpool_limits

    threadpool_limits(limits=1, user_api="blas")
    logger.debug("BLAS limited to one thread next to torch")
    return True
