"""numpy's BLAS is kept to one thread next to torch, unless the operator chose (``assistant.blas``)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from threadpoolctl import threadpool_info, threadpool_limits

from assistant.blas import OPERATOR_SETTINGS, one_blas_thread


@pytest.fixture
def restored(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in OPERATOR_SETTINGS:
        monkeypatch.delenv(name, raising=False)
    with threadpool_limits(limits=2, user_api="blas"):  # a known start, given back after the test
        yield


def _blas_threads() -> set[int]:
    import numpy  # noqa: F401  (loads numpy's BLAS)

    return {int(i["num_threads"]) for i in threadpool_info() if i["user_api"] == "blas"}


def test_every_loaded_blas_runs_on_one_thread(restored: None) -> None:
    assert one_blas_thread() is True
    assert _blas_threads() == {1}


def test_an_operators_own_setting_is_left_alone(restored: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENBLAS_NUM_THREADS", "2")
    before = _blas_threads()
    assert one_blas_thread() is False
    assert _blas_threads() == before
