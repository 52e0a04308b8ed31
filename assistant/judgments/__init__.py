"""The judgment engine: per-message toxicity, misinformation, sentiment and want from one encoder pass."""

from assistant.judgments.engine import JudgmentEngine, load_judge

__all__ = ["JudgmentEngine", "load_judge"]
