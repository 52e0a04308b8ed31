"""Micro-community insights for managers: engagement metrics, members, wants, topics, Q&A, digests, reports.

Core only (no Slack imports). ``InsightsService`` computes; ``QAService`` answers questions with citations.
"""

from assistant.insights.answers import QAService
from assistant.insights.models import Answer, ChannelMetrics, ChannelWants, Digest, WantTheme
from assistant.insights.service import InsightsService

__all__ = ["Answer", "ChannelMetrics", "ChannelWants", "Digest", "InsightsService", "QAService", "WantTheme"]
