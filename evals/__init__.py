"""Evaluation harness: every judgment (and summaries) scored on public datasets under a data root."""
