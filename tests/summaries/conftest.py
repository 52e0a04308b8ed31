"""Fixtures for summaries: a hand-written thread (our own text) stored in a fresh archive and index, and a
builder for ``Judgment`` objects (test doubles live only here)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from assistant.config import Settings, load_settings
from assistant.domain import Channel, Judgment, Member, Message
from assistant.domain.judgments import (
    MisinformationJudgment,
    SentimentJudgment,
    ToxicityJudgment,
    WantJudgment,
)
from assistant.encoder import Encoder
from assistant.store import Archive, Index
from assistant.summaries import SummaryService

CHANNEL = "C0SUMHELP"
OTHER_CHANNEL = "C0SUMPRIV"
PARENT = "1700000000.000100"

MEMBERS = {"U1": "Rosa", "U2": "Malik", "U3": "Ines", "U4": "Theo"}

#: (ts offset, user, text) — a help thread with a decision, action items and an unanswered question.
THREAD = [
    (0, "U1", "The laser cutter keeps stopping halfway through cuts on plywood. Any idea what causes that?"),
    (60, "U2", "Usually the air assist. If the compressor overheats the cutter pauses to protect the lens."),
    (120, "U3", "Check the exhaust filter too, a clogged filter trips the same safety pause."),
    (180, "U1", "The filter looks grey and dusty, I think it is clogged."),
    (240, "U2", "Then we should replace the filter and clean the compressor intake."),
    (
        300,
        "U4",
        "Decision: we replace the exhaust filter this week and add filter checks to the monthly maintenance list.",
    ),
    (
        360,
        "U4",
        "Action items: @Malik will order a new filter by Friday, and I'll update the maintenance checklist.",
    ),
    (420, "U1", "I'll put a sign on the cutter until the filter arrives."),
    (480, "U3", "Thanks all. Does anyone know whether the warranty covers the compressor?"),
]


def ts_at(offset: int) -> str:
    return f"{1700000000 + offset}.000100"


def judgment(channel: str, ts: str, *, label: str = "neutral", toxicity: float = 0.05) -> Judgment:
    probs = {"negative": 0.1, "neutral": 0.8, "positive": 0.1}
    probs = {k: (0.8 if k == label else 0.1) for k in probs}
    return Judgment(
        channel_id=channel,
        ts=ts,
        toxicity=ToxicityJudgment(score=toxicity),
        misinformation=MisinformationJudgment(score=0.0, model_score=0.0),
        sentiment=SentimentJudgment(label=label, probs=probs),
        want=WantJudgment(score=0.0),
    )


def thread_messages(channel: str = CHANNEL) -> list[Message]:
    out: list[Message] = []
    for offset, user, text in THREAD:
        ts = ts_at(offset)
        raw = text.replace("@Malik", "<@U2>")
        out.append(
            Message(
                channel_id=channel,
                ts=ts,
                user_id=user,
                text=text,
                raw_text=raw,
                thread_ts=PARENT,
                reply_count=len(THREAD) - 1 if ts == PARENT else 0,
            )
        )
    return out


@pytest.fixture()
def sum_settings(tmp_path: Path) -> Settings:
    return load_settings(data_dir=tmp_path / "data", llm_provider="none")


@pytest.fixture()
def store(sum_settings: Settings, encoder: Encoder) -> Iterator[tuple[Archive, Index]]:
    sum_settings.data_dir.mkdir(parents=True, exist_ok=True)
    archive = Archive(sum_settings.archive_url)
    index = Index(encoder, path=None)
    archive.upsert_members(Member(id=uid, name=name.lower(), real_name=name) for uid, name in MEMBERS.items())
    archive.upsert_channels(
        [
            Channel(id=CHANNEL, name="makers-help", members=list(MEMBERS)),
            Channel(id=OTHER_CHANNEL, name="staff", is_private=True, members=["U4"]),
        ]
    )
    messages = thread_messages()
    archive.upsert_messages(messages)
    index.add_messages(messages, encoder.encode([m.text for m in messages]).vectors)
    yield archive, index
    index.client.reset()
    archive.close()


@pytest.fixture()
def service(store: tuple[Archive, Index], encoder: Encoder, sum_settings: Settings) -> SummaryService:
    archive, index = store
    return SummaryService(archive, index, encoder, sum_settings)


def unit(vector: np.ndarray) -> np.ndarray:
    return (vector / np.linalg.norm(vector)).astype(np.float32)
