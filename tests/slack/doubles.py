"""Test doubles for the Slack scenarios: a deterministic keyword judge (so a clearly toxic test message crosses
the threshold without the trained heads) and signed-request helpers."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import numpy as np
from slack_sdk.signature import SignatureVerifier

from assistant.domain import Judgment, Message
from assistant.domain.judgments import (
    MisinformationJudgment,
    SentimentJudgment,
    Span,
    ToxicityJudgment,
    WantJudgment,
)
from assistant.encoder import EncodedBatch, Encoder

SIGNING_SECRET = "test-signing-secret"
TOXIC_WORDS = ("idiot", "moron", "stupid")


class MemoEncoder:
    """The real MiniLM encoder, memoised per text for the test session: every scenario's fresh index loads the
    same guideline and fact texts, which would otherwise be encoded again each time."""

    def __init__(self, inner: Encoder) -> None:
        self._inner = inner
        self._memo: dict[str, np.ndarray] = {}

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> EncodedBatch:
        missing = [t for t in dict.fromkeys(texts) if t not in self._memo]
        if missing:
            self._memo.update(zip(missing, self._inner.encode(missing).vectors, strict=True))
        if not texts:
            return EncodedBatch(np.zeros((0, self._inner.dim), dtype=np.float32))
        return EncodedBatch(np.stack([self._memo[t] for t in texts]))

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text]).vectors[0]


class KeywordJudge:
    """Toxic when a listed insult appears (span = that word); neutral otherwise."""

    version = "test-keywords-1"

    def judge(self, messages: Sequence[Message], vectors: np.ndarray) -> list[Judgment]:
        out = []
        for m in messages:
            lower = m.text.lower()
            hit = next((w for w in TOXIC_WORDS if w in lower), None)
            span = None
            if hit:
                start = lower.index(hit)
                span = Span(start=start, end=start + len(hit), text=m.text[start : start + len(hit)], weight=1.0)
            negative = 0.8 if hit else 0.1
            out.append(
                Judgment(
                    channel_id=m.channel_id,
                    ts=m.ts,
                    toxicity=ToxicityJudgment(score=0.96 if hit else 0.02, span=span),
                    misinformation=MisinformationJudgment(score=0.0, model_score=0.0),
                    sentiment=SentimentJudgment(
                        label="negative" if hit else "neutral",
                        probs={"negative": negative, "neutral": 1 - negative - 0.05, "positive": 0.05},
                    ),
                    want=WantJudgment(score=0.6 if "please add" in lower else 0.05, is_want="please add" in lower),
                    model_version=self.version,
                )
            )
        return out


@dataclass
class Reply:
    status: int
    body: str
    seconds: float


class SlackSender:
    """Sends requests to the app the way Slack does: signed with the signing secret, with a fresh timestamp.
    A command's ``response_url`` comes from ``response_urls`` (given a key naming the command, the user and a
    count), e.g. the fake Slack's; without it, the URL leads nowhere."""

    def __init__(
        self, url: str, secret: str = SIGNING_SECRET, response_urls: Callable[[str], str] | None = None
    ) -> None:
        self.url = url
        self.verifier = SignatureVerifier(secret)
        self.response_urls = response_urls
        self._event = 0
        self._commands = 0

    def post(
        self,
        body: str,
        content_type: str,
        *,
        headers: dict[str, str] | None = None,
        signature: str | None = None,
        timestamp: int | None = None,
    ) -> Reply:
        ts = str(timestamp if timestamp is not None else int(time.time()))
        sig = signature or self.verifier.generate_signature(timestamp=ts, body=body)
        request = urllib.request.Request(
            self.url,
            data=body.encode(),
            method="POST",
            headers={
                "Content-Type": content_type,
                "X-Slack-Request-Timestamp": ts,
                "X-Slack-Signature": sig,
                **(headers or {}),
            },
        )
        started = time.perf_counter()
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return Reply(response.status, response.read().decode(), time.perf_counter() - started)
        except urllib.error.HTTPError as exc:
            return Reply(exc.code, exc.read().decode(), time.perf_counter() - started)

    def event(
        self, event: dict[str, Any], *, event_id: str | None = None, retry: int | None = None, **kwargs: Any
    ) -> Reply:
        self._event += 1
        payload = {
            "token": "legacy",
            "team_id": "T1",
            "api_app_id": "A1",
            "type": "event_callback",
            "event_id": event_id or f"Ev{self._event:08d}",
            "event_time": int(time.time()),
            "event": event,
            "authorizations": [{"team_id": "T1", "user_id": "UBOT", "is_bot": True}],
        }
        headers = {"X-Slack-Retry-Num": str(retry), "X-Slack-Retry-Reason": "http_timeout"} if retry else None
        return self.post(json.dumps(payload), "application/json", headers=headers, **kwargs)

    def command(self, command: str, text: str, user_id: str, channel_id: str) -> Reply:
        self._commands += 1
        key = f"{command.lstrip('/')}-{user_id}-{self._commands}"
        response_url = self.response_urls(key) if self.response_urls else "http://127.0.0.1:9/response"
        form = {
            "token": "legacy",
            "team_id": "T1",
            "team_domain": "fake",
            "channel_id": channel_id,
            "channel_name": "x",
            "user_id": user_id,
            "user_name": "u",
            "command": command,
            "text": text,
            "api_app_id": "A1",
            "response_url": response_url,
            "trigger_id": "1.2.3",
        }
        return self.post(urlencode(form), "application/x-www-form-urlencoded")

    def interaction(self, payload: dict[str, Any]) -> Reply:
        return self.post(urlencode({"payload": json.dumps(payload)}), "application/x-www-form-urlencoded")


def wait_for_state(archive: Any, key: str, timeout: float = 10.0) -> dict[str, Any]:
    """Poll the archive for a state row the app writes just after a Web API call returns.

    The fake server records a call before the app has stored what the reply said, so a test
    that saw the call must still wait for the write.
    """
    deadline = time.monotonic() + timeout
    while True:
        state = archive.get_state(key)
        if state is not None:
            return dict(state)
        if time.monotonic() > deadline:
            raise AssertionError(f"state {key!r} was never written")
        time.sleep(0.02)
