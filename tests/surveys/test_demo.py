"""The demo's engagement section on the sample workspace: a survey's results from seeded answers, this month's
milestones, and the known twin and mentor pairs with their reasons."""

from __future__ import annotations

import pytest

from assistant.context import Context
from assistant.surveys.demo import engagement_section
from tests.insights.sample import sample  # noqa: F401

pytestmark = pytest.mark.model


def test_engagement_section(sample: Context) -> None:  # noqa: F811
    section = engagement_section(sample)
    focus = section["Survey “What should #design focus on next month?” (named, 6 answers)"]
    assert any(line.startswith("theme “portfolio") and "(3)" in line for line in focus), focus
    assert any(line.startswith("theme “figma prototyping” (2)") for line in focus), focus
    formats = section["Survey “Which event format would you come to in #events?” (anonymous, 7 answers)"]
    assert "Hands-on workshop: 3 (43%)" in formats and "Evening talk: 2 (29%)" in formats  # Kenji changed his
    assert any("from the survey" in line for line in section["#design's wants now include the survey's answers"])
    milestones = section["Milestones this month"]
    assert any("joao solved olu's question in #help" in m for m in milestones)
    pairs = section["Who should meet (twins and mentors)"]
    assert any(p.startswith("[twin] sam (mostly #help) and chloe") and "pen plotter" in p for p in pairs)
    assert any(p.startswith("[mentor] kenji") and "kenji could mentor lena" in p for p in pairs)
