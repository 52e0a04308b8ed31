"""Thread summaries and channel recaps: local (encoder + rules) by default, LLM-written when configured."""

from assistant.summaries.models import ChannelRecap, RecapThread
from assistant.summaries.render import render_recap_text, render_text
from assistant.summaries.service import SummaryService

__all__ = ["ChannelRecap", "RecapThread", "SummaryService", "render_recap_text", "render_text"]
