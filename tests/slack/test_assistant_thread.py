"""Slack's AI-app surface over HTTP: the real Bolt app on loopback (Bolt's ``Assistant`` middleware), the fake Web
API, signed events. A thread opens with suggested prompts; a question gets a status line naming the channel
being read, then the answer in that thread with its citations linked, from channels the asker may see only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from assistant.domain import Channel
from assistant.errors import NotFoundError
from assistant.slack.listeners.assistant_thread import (
    FAILED,
    HELP,
    THREAD_STATE,
    channel_asked_about,
    prompt_channels,
)
from tests.slack.conftest import ANA, BEN, DEFAULT_NOW, GENERAL, MODS, RunningApp
from tests.slack.doubles import wait_for_state
from tests.slack.fake_slack import Call
from tests.slack.test_questions import seed_discussion

BEN_DM = "D0BEN0001"
ANA_DM = "D0ANA0001"
THREAD = "1764071000.000100"


@pytest.fixture(autouse=True)
def _pinned_wall_clock() -> Iterator[None]:
    """Requests are signed and checked against the wall clock: both run at the app's own pinned "now" (still
    ticking), so these scenarios never read the real date."""
    import time_machine

    with time_machine.travel(DEFAULT_NOW.at, tick=True):
        yield


def thread_started(user: str, dm: str, viewing: str | None = None) -> dict[str, Any]:
    context = {"channel_id": viewing, "team_id": "T1", "enterprise_id": None} if viewing else {}
    return {
        "type": "assistant_thread_started",
        "assistant_thread": {"user_id": user, "context": context, "channel_id": dm, "thread_ts": THREAD},
        "event_ts": "1764071000.000200",
    }


def question(text: str, user: str, dm: str, ts: str) -> dict[str, Any]:
    """A message.im in the assistant thread, as Slack sends it."""
    return {
        "type": "message",
        "channel": dm,
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "thread_ts": THREAD,
        "event_ts": ts,
    }


def answer_in(app: RunningApp, dm: str) -> Call:
    (post,) = app.slack.wait_for(
        "chat.postMessage", where=lambda c: c.params.get("channel") == dm and c.params.get("thread_ts") == THREAD
    )
    return post


def test_a_thread_opens_with_prompts_about_the_channel_being_looked_at(running_app: RunningApp) -> None:
    app = running_app
    seed_discussion(app)  # #general is in the archive
    reply = app.sender.event(thread_started(ANA, ANA_DM, viewing=GENERAL))
    assert reply.status == 200 and reply.seconds < 3.0, "acked within Slack's 3 s"
    (call,) = app.slack.wait_for("assistant.threads.setSuggestedPrompts")
    assert call.params["channel_id"] == ANA_DM and call.params["thread_ts"] == THREAD
    assert [p["message"] for p in call.params["prompts"]] == [
        "What does #general want?",
        "Who went quiet?",
        "How did #general feel this month?",
    ]


def test_prompts_name_real_channels_and_fall_back_to_design_and_help() -> None:
    def channel(cid: str, name: str, members: int, **extra: Any) -> Channel:
        return Channel(id=cid, name=name, members=[f"U{i:08d}" for i in range(members)], **extra)

    big = channel("CBIG00001", "big-room", 40)
    small = channel("CSMALL001", "small-room", 3)
    secret = channel("GSECRET01", "secret-plans", 90, is_private=True)
    mods = channel(MODS, "moderators", 99)
    assert prompt_channels([], None) == ("design", "help")
    assert prompt_channels([big, small, secret, mods], None, skip={MODS}) == ("big-room", "small-room")
    assert prompt_channels([big, channel("CHELP0001", "help", 2)], None) == ("big-room", "help")
    assert prompt_channels([big, channel("CDESIGN01", "design", 2)], None) == ("design", "big-room")
    assert prompt_channels([big, small], "CSMALL001") == ("small-room", "small-room")
    assert prompt_channels([big, secret], "GSECRET01") == ("big-room", "help"), "never a private channel"
    assert prompt_channels([big, mods], MODS, skip={MODS}) == ("big-room", "help")


def test_a_question_shows_a_status_then_the_answer_with_permalinks_in_the_thread(running_app: RunningApp) -> None:
    app = running_app
    public, _secret = seed_discussion(app)
    reply = app.sender.event(question("What does <#CGENERAL1|general> want?", BEN, BEN_DM, "1764071100.000100"))
    assert reply.status == 200 and reply.seconds < 3.0, "acked within Slack's 3 s"
    post = answer_in(app, BEN_DM)
    (status,) = app.slack.calls_to("assistant.threads.setStatus")
    assert (status.params["channel_id"], status.params["thread_ts"]) == (BEN_DM, THREAD)
    assert status.params["status"] == "is reading #general…"
    calls = app.slack.calls
    assert calls.index(status) < calls.index(post), "the status shows while the answer is computed"
    text = json.dumps(post.params["blocks"], ensure_ascii=False)
    assert "Sources" in text and "[1]" in text
    assert f"archives/{GENERAL}/p{public.replace('.', '')}" in text, "the want is cited with its permalink"
    assert not app.ctx.archive.messages(channel_id=BEN_DM), "a direct message is never stored"


def test_an_answer_in_the_thread_cites_only_what_the_asker_may_see(running_app: RunningApp) -> None:
    app = running_app
    seed_discussion(app)
    app.sender.event(question("what did people say about dark mode?", BEN, BEN_DM, "1764071200.000100"))
    ben = json.dumps(answer_in(app, BEN_DM).params["blocks"], ensure_ascii=False)
    (status,) = app.slack.calls_to("assistant.threads.setStatus")
    assert status.params["status"] == "is reading the channels you can see…"
    assert "Sources" in ben and "zebra" not in ben, "Ben is not in #secret-plans"
    app.sender.event(question("what did people say about dark mode?", ANA, ANA_DM, "1764071300.000100"))
    assert "zebra" in json.dumps(answer_in(app, ANA_DM).params["blocks"], ensure_ascii=False), "Ana is"


@pytest.mark.parametrize(
    ("error", "said"),
    [
        (NotFoundError("No channel called #nowhere is in the archive."), "No channel called #nowhere"),
        (RuntimeError("Traceback (most recent call last): boom"), FAILED),
    ],
)
def test_a_failure_reaches_the_asker_as_one_sentence(
    running_app: RunningApp, monkeypatch: pytest.MonkeyPatch, error: Exception, said: str
) -> None:
    app = running_app

    def fail(*args: object, **kwargs: object) -> None:
        raise error

    monkeypatch.setattr(app.ctx.qa, "ask", fail)
    app.sender.event(question("What does #nowhere want?", BEN, BEN_DM, "1764071400.000100"))
    post = answer_in(app, BEN_DM)
    assert said in post.params["text"]
    assert "Traceback" not in json.dumps(post.params, ensure_ascii=False) and "boom" not in post.params["text"]


def test_an_empty_question_gets_help(running_app: RunningApp) -> None:
    app = running_app
    app.sender.event(question("   ", BEN, BEN_DM, "1764071500.000100"))
    assert answer_in(app, BEN_DM).params["text"] == HELP


def test_the_status_names_a_channel_only_when_it_exists() -> None:
    names = {GENERAL: "general", "CDESIGN01": "design"}
    assert channel_asked_about("What does #Design want?", names) == "design"
    assert channel_asked_about("How did #nowhere and #general feel?", names) == "general"
    assert channel_asked_about("Who went quiet? issue#general", names) is None


def test_the_thread_context_is_kept_in_the_archive_not_read_back_from_slack(running_app: RunningApp) -> None:
    app = running_app
    changed = thread_started(BEN, BEN_DM, viewing=MODS) | {"type": "assistant_thread_context_changed"}
    app.sender.event(changed)  # Ben now looks at #moderators
    assert wait_for_state(app.ctx.archive, f"{THREAD_STATE}{BEN_DM}:{THREAD}")["channel_id"] == MODS
    app.sender.event(question("", BEN, BEN_DM, "1764071600.000100"))
    post = answer_in(app, BEN_DM)
    assert post.params["metadata"]["event_payload"]["channel_id"] == MODS, "the latest context goes with replies"
    assert not app.slack.calls_to("conversations.replies"), "Bolt's default store would read the thread back"
