"""Fixtures for moderation tests: a tiny workspace, a deterministic keyword judge (a test double), the service.

The judge is fake on purpose: these tests exercise the workflow (policy, flags, actions, audit, replay), not
the models. The encoder, archive and Chroma index are real.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import cast

import numpy as np
import pytest

from assistant.config import Settings
from assistant.context import Context
from assistant.domain import Channel, Judgment, Member, Message
from assistant.domain.judgments import (
    Evidence,
    MisinformationJudgment,
    SentimentJudgment,
    Span,
    ToxicityJudgment,
    WantJudgment,
)
from assistant.domain.records import ModerationActionKind
from assistant.encoder import EncodedBatch, Encoder
from assistant.judgments import JudgmentEngine
from assistant.knowledge import load_knowledge
from assistant.moderation import ModerationService
from assistant.pipeline import Pipeline, ProcessedBatch
from assistant.store import Index

GENERAL = "C0GENERAL1"
HARDWARE = "C0HARDWR01"
MODS = "C0MODS0001"
MOD = "UMOD000001"
ALICE = "UALICE0001"
BOB = "UBOB000001"
CARL = "UCARL00001"

#: word -> (toxicity score, categories)
TOXIC_WORDS: dict[str, tuple[float, dict[str, float]]] = {
    "idiot": (0.92, {"insult": 0.9}),
    "moron": (0.88, {"insult": 0.85}),
    "damn": (0.74, {"profanity": 0.8}),
    "vermin": (0.95, {"hate": 0.9}),
    "rubbish": (0.72, {"insult": 0.3}),
}


class KeywordJudge:
    """Deterministic stand-in for the judgment engine: scores from keywords, with the span of the keyword."""

    version = "keyword-test-1"

    def judge(self, messages: Sequence[Message], vectors: np.ndarray) -> list[Judgment]:
        return [judgment_for(m) for m in messages]


def judgment_for(m: Message, version: str = "keyword-test-1") -> Judgment:
    score, cats, span = 0.05, {}, None
    for word, (s, c) in TOXIC_WORDS.items():
        hit = re.search(rf"\b{word}\b", m.text, re.IGNORECASE)
        if hit and s > score:
            score, cats = s, c
            span = Span(start=hit.start(), end=hit.end(), text=m.text[hit.start() : hit.end()], weight=s)
    misinfo = MisinformationJudgment(score=0.02, model_score=0.02)
    if "5g" in m.text.lower():
        misinfo = MisinformationJudgment(
            score=0.93,
            model_score=0.6,
            claim_score=0.93,
            fired=["claim_match"],
            matched_claim=Evidence(source="known_false_claim", id="claim-5g-covid", text="5G spreads covid"),
            refuting_fact=Evidence(
                source="fact_sheet", id="fact-5g", text="Viruses cannot travel on radio waves or mobile networks."
            ),
        )
    elif "vaccine" in m.text.lower():  # the learned model alone, no known claim matched
        misinfo = MisinformationJudgment(score=0.9, model_score=0.9, fired=["model"])
    negative = 0.95 if score > 0.5 else 0.1
    return Judgment(
        channel_id=m.channel_id,
        ts=m.ts,
        toxicity=ToxicityJudgment(score=score, categories=cats, span=span),
        misinformation=misinfo,
        sentiment=SentimentJudgment(
            label="negative" if negative > 0.5 else "neutral",
            probs={"negative": negative, "neutral": 1 - negative, "positive": 0.0},
        ),
        want=WantJudgment(score=0.9 if "could we" in m.text.lower() else 0.1),
        model_version=version,
    )


@dataclass
class RecordingGateway:
    """Records what moderation asked Slack to do (a test double of ``ModerationGateway``)."""

    warnings: list[tuple[str, str]] = field(default_factory=list)
    removed: list[tuple[str, str]] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    group: set[str] | None = None

    def send_warning(self, user_id: str, text: str) -> None:
        self.warnings.append((user_id, text))

    def remove_message(self, channel_id: str, ts: str) -> None:
        self.removed.append((channel_id, ts))

    def notify_moderators(self, text: str) -> None:
        self.notices.append(text)

    def moderator_group_members(self) -> set[str] | None:
        return self.group


@dataclass
class World:
    ctx: Context
    service: ModerationService
    pipeline: Pipeline
    clock: list[float] = field(default_factory=lambda: [1_790_000_000.0])

    def post(
        self, text: str, user: str = ALICE, channel: str = GENERAL, *, thread: str | None = None, gap: float = 60.0
    ) -> tuple[Message, ProcessedBatch]:
        self.clock[0] += gap
        m = Message(channel_id=channel, ts=f"{self.clock[0]:.6f}", user_id=user, text=text, thread_ts=thread)
        batch = self.pipeline.receive(m)
        return m, batch

    def edit(self, m: Message, text: str) -> ProcessedBatch:
        return self.pipeline.receive(m.model_copy(update={"text": text}))

    def flag_of(self, m: Message) -> int:
        flag = self.service.store.flag_for(m.channel_id, m.ts)
        assert flag is not None and flag.id is not None, f"no flag on {m.text!r}"
        return flag.id

    def decide(self, m: Message, kind: ModerationActionKind) -> None:
        outcome = self.service.act(self.flag_of(m), kind, MOD)
        assert outcome.ok, outcome.message


class MemoEncoder:
    """The real encoder with a per-text cache, so each test's fresh index does not re-encode the guidelines."""

    def __init__(self, encoder: Encoder) -> None:
        self.encoder = encoder
        self.source = encoder.source
        self.dim = encoder.dim
        self._cache: dict[str, np.ndarray] = {}

    def encode(self, texts: Sequence[str]) -> EncodedBatch:
        missing = [t for t in dict.fromkeys(texts) if t not in self._cache]
        if missing:
            for text, vector in zip(missing, self.encoder.encode(missing).vectors, strict=True):
                self._cache[text] = vector
        if not texts:
            return EncodedBatch(vectors=np.zeros((0, self.dim), dtype=np.float32))
        return EncodedBatch(vectors=np.stack([self._cache[t] for t in texts]))

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text]).vectors[0]


@pytest.fixture(scope="session")
def memo_encoder(encoder: Encoder) -> MemoEncoder:
    return MemoEncoder(encoder)


@pytest.fixture()
def make_world(settings: Settings, memo_encoder: MemoEncoder) -> Iterator[Callable[..., World]]:
    fast = cast(Encoder, memo_encoder)
    knowledge = load_knowledge(settings.knowledge_dir)
    index = Index(fast, path=settings.chroma_path)
    index.load_knowledge(knowledge.clauses, knowledge.facts, knowledge.claims)
    # ctx.moderation (used by the CLI) judges like the world does
    ctx = Context(settings, encoder=fast, index=index, judge=cast(JudgmentEngine, KeywordJudge()))

    def build(**service_kwargs: object) -> World:
        ctx.archive.upsert_members(
            [Member(id=u, name=n) for u, n in ((MOD, "maria"), (ALICE, "alice"), (BOB, "bob"), (CARL, "carl"))]
        )
        ctx.archive.upsert_channels(
            [
                Channel(id=GENERAL, name="general", members=[ALICE, BOB, CARL, MOD]),
                Channel(id=HARDWARE, name="hardware", members=[ALICE, BOB]),
                Channel(id=MODS, name="moderators", members=[MOD]),
            ]
        )
        service_kwargs.setdefault("gateway", RecordingGateway())
        service = ModerationService(ctx.archive, ctx.index, ctx.knowledge, ctx.settings, **service_kwargs)  # type: ignore[arg-type]
        pipeline = Pipeline(ctx.archive, ctx.encoder, ctx.index, KeywordJudge())
        pipeline.listeners.append(service.handle)
        return World(ctx=ctx, service=service, pipeline=pipeline)

    yield build
    ctx.close()


@pytest.fixture()
def world(make_world: Callable[..., World]) -> World:
    return make_world()
