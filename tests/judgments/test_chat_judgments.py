"""Judgments of chat on the shipped artifacts: a complaint about a product is not an attack on a person,
incivility has categories of its own, and plain chat notices read as neutral.

All sentences are our own (none is copied from a research dataset)."""

from __future__ import annotations

from assistant.judgments import JudgmentEngine

COMPLAINTS = [
    "this update is the worst",
    "worst update ever, so annoying",
    "this release is garbage, who approved it?",
    "I hate the new layout, it's so slow",
]
ATTACKS = [
    "you are an idiot and nobody wants you here",
    "shut up, you useless moron",
    "you're a pathetic joke and everyone here knows it",
    "what a stupid comment, are you brain dead?",
]
NOTICES = [
    "The coffee machine is fixed, crisis averted",
    "The meetup moved to room 4B on Thursday.",
    "Slides from today's talk are pinned in the channel.",
    "Reminder: the office is closed on Monday.",
]


def test_a_complaint_stays_below_the_alert_threshold_while_a_personal_attack_crosses_it(
    engine: JudgmentEngine,
) -> None:
    threshold = engine.settings.threshold("toxicity")
    complaints = engine.judge_texts(COMPLAINTS)
    attacks = engine.judge_texts(ATTACKS)
    for text, j in zip(COMPLAINTS, complaints, strict=True):
        assert j.toxicity.score < threshold, (text, j.toxicity.score)
    for text, j in zip(ATTACKS, attacks, strict=True):
        assert j.toxicity.score >= threshold, (text, j.toxicity.score)


def test_incivility_is_judged_in_categories_beyond_swearing(engine: JudgmentEngine) -> None:
    polite, rude = engine.judge_texts(["Thanks, that helps a lot!", "nobody asked for your opinion, you clown"])
    # (that reply is uncivil without an insult word: its main toxicity stays low, its categories do not)
    for name in ("hostile", "condescending", "dismissive"):
        assert name in polite.toxicity.categories and 0.0 <= polite.toxicity.categories[name] <= 1.0
    assert max(rude.toxicity.categories[n] for n in ("hostile", "condescending", "dismissive")) > max(
        polite.toxicity.categories[n] for n in ("hostile", "condescending", "dismissive")
    )


def test_plain_chat_notices_read_as_neutral(engine: JudgmentEngine) -> None:
    """Moods count ``mood_label``: a notice the judge is unsure about is neutral, as a reader would take it."""
    for text, j in zip(NOTICES, engine.judge_texts(NOTICES), strict=True):
        assert j.sentiment.mood_label == "neutral", (text, j.sentiment.probs)
    thanks, complaint = engine.judge_texts(["Thank you all, that was a wonderful evening!", COMPLAINTS[0]])
    assert thanks.sentiment.label == thanks.sentiment.mood_label == "positive"
    assert complaint.sentiment.label == complaint.sentiment.mood_label == "negative"
