"""Hypothesis strategies the fuzz tests share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st


def any_json(tricky: Sequence[str], *, text_size: int, size: int, leaves: int) -> st.SearchStrategy[Any]:
    """Any JSON value (a scalar, or lists and objects of them up to ``size`` items and ``leaves`` scalars): the
    scalars include non-finite and huge floats, texts up to ``text_size`` characters and the ``tricky`` strings."""
    scalars = (
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats()
        | st.text(max_size=text_size)
        | st.sampled_from(list(tricky))
    )
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=size) | st.dictionaries(st.text(max_size=8), children, max_size=size)
        ),
        max_leaves=leaves,
    )
