"""Clause retrieval on the real guidelines (knowledge/guidelines.md) with the real encoder."""

from __future__ import annotations

import pytest

from assistant.domain import Message
from assistant.moderation.evidence import ClauseFinder
from tests.moderation.conftest import World, judgment_for


@pytest.mark.parametrize(
    ("text", "categories", "number"),
    [
        ("People from that country are all thieves and should be banned from the space.", {"hate": 0.8}, 4),
        ("Women can't do engineering, they should stick to the kitchen.", {"hate": 0.7, "insult": 0.3}, 4),
        ("I will find where you live and hurt you.", {"threat": 0.9}, 3),
        (
            "Report me then. Let's see how brave you are when you're alone at the space late at night.",
            {"threat": 0.9},
            3,
        ),
        ("You're a useless idiot who shouldn't be allowed near the gear.", {"insult": 0.9}, 2),
        ("This fucking printer is a piece of shit and so is whoever set it up", {"profanity": 0.9}, 5),
    ],
)
def test_the_clause_a_message_most_likely_breaks(
    world: World, text: str, categories: dict[str, float], number: int
) -> None:
    finder = ClauseFinder(world.ctx.index, world.ctx.knowledge)
    m = Message(channel_id="C1", ts="1.0", user_id="U1", text=text)
    judgment = judgment_for(m)
    judgment.toxicity.categories = categories
    clause = finder.find(world.ctx.encoder.encode_one(text), "toxicity", judgment)
    assert clause is not None and clause.number == number, clause


def test_misinformation_cites_the_health_claims_clause(world: World) -> None:
    finder = ClauseFinder(world.ctx.index, world.ctx.knowledge)
    text = "5G towers are what really spread covid, do your own research."
    clause = finder.find(world.ctx.encoder.encode_one(text), "misinformation", None)
    assert clause is not None and clause.number == 7
    assert finder.find(world.ctx.encoder.encode_one(text), "want", None) is None
