"""Micro-community insights for managers: engagement metrics, members, wants, topics, Q&A, digests, reports.

Core only (no Slack imports). ``InsightsService`` computes; ``QAService`` answers questions with citations.
``QAService`` (retrieval: the encoder and the index) is imported on first use, so metric commands start light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from assistant.insights.models import Answer, ChannelMetrics, ChannelWants, Digest, WantTheme
from assistant.insights.service import InsightsService

if TYPE_CHECKING:
    from assistant.insights.answers import QAService

__all__ = ["Answer", "ChannelMetrics", "ChannelWants", "Digest", "InsightsService", "QAService", "WantTheme"]


def __getattr__(name: str) -> Any:
    if name == "QAService":
        from assistant.insights.answers import QAService

        return QAService
    raise AttributeError(f"module 'assistant.insights' has no attribute {name!r}")
