"""Freed memory must not reach the embedded index's files.

Chroma's HNSW segment (a C++ hnswlib inside Chroma's Rust core) allocates its element buffers with ``malloc``
and persists them whole, unused slots included (``data_level0.bin`` is ``max_elements`` × the element size).
``malloc`` does not clear memory, so an unused slot holds whatever an earlier, freed allocation of the process
left there: message texts and user ids that passed through the encoder, Chroma or SQLite. Those bytes then sit
in the index files after the messages were deleted and retention ran (found by
``tests/reliability/test_retention.py``, about one full-suite run in five).

glibc's ``M_PERTURB`` closes this at the source: while it is set, memory handed out by ``malloc`` is zeroed and
memory given back by ``free`` is overwritten. It costs a ``memset`` per allocation, which would slow the encoder
by a third if left on, so it is on only while a call into the embedded Chroma runs (``zeroing``, used by
``ZeroingProxy``), the only code that allocates buffers bound for the index files.

Known residue:
* glibc's per-thread cache of small blocks (up to 1 KiB) bypasses ``M_PERTURB``. The one index buffer that small
  is ``length.bin`` (4 bytes per slot) while the index holds fewer than about 260 records;
* a buffer grown in place by ``realloc`` into free memory that was freed while zeroing was off.
Other C libraries (macOS, musl) have no such knob through ``mallopt``; there this is a no-op, logged once.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import logging
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

logger = logging.getLogger(__name__)

#: glibc ``mallopt`` parameter (malloc.h)
M_PERTURB = -6
#: new blocks are zero (``0xFF ^ 0xFF``), freed ones are overwritten with 0xFF; 0 turns perturbing off
PERTURB_BYTE = 0xFF

_lock = threading.Lock()
_depth = 0
_mallopt: Callable[[int, int], int] | None = None
_available: bool | None = None


def _load() -> bool:
    global _mallopt, _available
    if _available is not None:
        return _available
    _available = False
    if not sys.platform.startswith("linux"):
        logger.info("Heap zeroing needs glibc; index files may keep freed bytes")
        return False
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        logger.info("No mallopt in this C library; index files may keep freed bytes")
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    mallopt.restype = ctypes.c_int
    _mallopt = mallopt
    _available = True
    return True


@contextmanager
def zeroing() -> Iterator[bool]:
    """While inside (from any thread, nested or not), new heap blocks are zeroed and freed ones overwritten;
    yields whether the C library supports it."""
    global _depth
    if not _load() or _mallopt is None:
        yield False
        return
    with _lock:
        _depth += 1
        if _depth == 1:
            _mallopt(M_PERTURB, PERTURB_BYTE)
    try:
        yield True
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0:
                _mallopt(M_PERTURB, 0)


class ZeroingProxy:
    """An embedded Chroma client or collection whose every method runs under ``zeroing``; the collections it
    returns are wrapped too. Attributes that are not methods (``id``, ``name``, ``metadata``) pass through."""

    def __init__(self, target: Any) -> None:
        self._target = target

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._target, name)
        if not callable(attr):
            return attr

        @functools.wraps(attr)
        def call(*args: Any, **kwargs: Any) -> Any:
            with zeroing():
                out = attr(*args, **kwargs)
            return ZeroingProxy(out) if _is_collection(out) else out

        return call


def _is_collection(value: Any) -> bool:
    from chromadb.api.models.Collection import Collection

    return isinstance(value, Collection)
