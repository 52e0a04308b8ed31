"""Surveys end to end: the real Bolt app against the fake Slack Web API, with signed requests. A manager creates a
survey with ``/survey`` (the modal), members answer (twice counts once), it closes (on request or on time) and
its creator gets the results; an anonymous survey leaves no user id anywhere in the data directory."""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

from assistant.slack.blocks.surveys import ANSWER_OPEN, ANSWER_SINGLE, ANSWER_VIEW, BLOCK_PREFIX, CREATE_VIEW
from assistant.slack.surveys import SurveyTimer
from assistant.surveys import survey_service
from tests.slack.conftest import ANA, BEN, DEFAULT_NOW, GENERAL, MOD, RunningApp, _running_app, make_ctx
from tests.slack.doubles import MemoEncoder
from tests.slack.fake_slack import Call, Failure, FakeSlack

#: A member who never posts: only an answer could put this id in the data directory.
SHY = "USHY00042"


def _interaction(app: RunningApp, payload: dict[str, Any]) -> None:
    base = {"team": {"id": "T1"}, "api_app_id": "A1", "trigger_id": "1.2.3"}
    reply = app.sender.interaction(base | payload)
    assert reply.status == 200 and reply.seconds < 3.0, reply


def _open_views(app: RunningApp) -> None:
    """The fake Slack answers views.open like Slack (the modal itself is checked by the test)."""
    app.slack.api_views_open = lambda p: {"ok": True, "view": p.get("view")}  # type: ignore[attr-defined]


def create_survey(
    app: RunningApp,
    *,
    question: str = "",
    template: str = "",
    kind: str = "single",
    options: str = "",
    anonymous: bool = False,
    user: str = MOD,
) -> tuple[str, str]:
    """``/survey`` -> the modal -> its submission; returns (survey id, ts of the survey message in #general)."""
    _open_views(app)
    reply = app.sender.command("/survey", "", user, GENERAL)
    assert reply.status == 200
    opened = app.slack.wait_for("views.open", count=len(app.slack.calls_to("views.open")) or 1)[-1]
    assert opened.params["view"]["callback_id"] == CREATE_VIEW
    values: dict[str, Any] = {
        "question": {"value": {"type": "plain_text_input", "value": question or None}},
        "kind": {"value": {"type": "static_select", "selected_option": {"value": kind}}},
        "options": {"value": {"type": "plain_text_input", "value": options or None}},
        "channels": {"value": {"type": "multi_channels_select", "selected_channels": [GENERAL]}},
        "anonymous": {
            "value": {"type": "checkboxes", "selected_options": [{"value": "anonymous"}] if anonymous else []}
        },
        "closes": {"value": {"type": "static_select", "selected_option": {"value": "72"}}},
        "template": {
            "value": {"type": "static_select", "selected_option": {"value": template} if template else None}
        },
    }
    before = len(_survey_posts(app))
    _interaction(
        app,
        {
            "type": "view_submission",
            "user": {"id": user},
            "view": {
                "id": "V1",
                "type": "modal",
                "callback_id": CREATE_VIEW,
                "private_metadata": GENERAL,
                "state": {"values": values},
            },
        },
    )
    post = app.slack.wait_for("chat.postMessage", count=before + 1, where=_is_survey)[-1]
    assert post.params["channel"] == GENERAL
    block_id = next(b["block_id"] for b in post.params["blocks"] if b["type"] == "actions")
    survey_id = block_id.removeprefix(BLOCK_PREFIX)
    posted = {}
    for _ in range(500):  # the fake records the call before the app stores the message's ts
        posted = survey_service(app.ctx).get(survey_id).posts
        if posted:
            break
        app.slack.wait_for("chat.postEphemeral", where=lambda c: c.params.get("user") == user)
    assert GENERAL in posted
    return survey_id, posted[GENERAL]


def _is_survey(call: Call) -> bool:
    return any(str(b.get("block_id", "")).startswith(BLOCK_PREFIX) for b in call.params.get("blocks") or [])


def _survey_posts(app: RunningApp) -> list[Call]:
    return [c for c in app.slack.calls_to("chat.postMessage") if _is_survey(c)]


def block_action(
    app: RunningApp, user: str, ts: str, action: dict[str, Any], *, with_message: bool = True
) -> None:
    """A member's click on a survey post's element in #general (``ts``: the post)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user},
        "container": {"type": "message", "channel_id": GENERAL, "message_ts": ts},
        "channel": {"id": GENERAL},
        "actions": [action],
    }
    if with_message:
        payload["message"] = {"ts": ts, "type": "message"}
    _interaction(app, payload)


def pick(app: RunningApp, user: str, survey_id: str, ts: str, value: str) -> None:
    block_action(
        app,
        user,
        ts,
        {
            "action_id": ANSWER_SINGLE,
            "block_id": BLOCK_PREFIX + survey_id,
            "type": "radio_buttons",
            "selected_option": {"value": value},
            "action_ts": "1",
        },
    )


def told(app: RunningApp, user: str, count: int) -> list[str]:
    calls = app.slack.wait_for("chat.postEphemeral", count=count, where=lambda c: c.params.get("user") == user)
    return [c.params["text"] for c in calls]


def test_create_answer_twice_counts_once_close_and_results(running_app: RunningApp) -> None:
    app = running_app
    survey_id, ts = create_survey(app, question="Which meetup format?", options="Talk\nWorkshop\nOnline")
    post = _survey_posts(app)[0]
    radios = next(b for b in post.params["blocks"] if b["type"] == "actions")["elements"][0]
    assert [o["text"]["text"] for o in radios["options"]] == ["Talk", "Workshop", "Online"]
    assert f"Survey `{survey_id}` posted" in told(app, MOD, 1)[0]

    pick(app, BEN, survey_id, ts, "0")
    assert told(app, BEN, 1)[0].startswith("Thanks, your answer is recorded")
    pick(app, BEN, survey_id, ts, "1")  # changed: replaces the first answer
    assert told(app, BEN, 2)[1].startswith("Thanks, your new answer replaced")
    pick(app, ANA, survey_id, ts, "1")
    told(app, ANA, 1)
    results = survey_service(app.ctx).results(survey_id)
    assert results.respondents == 2
    assert {o.option: o.count for o in results.options} == {"Talk": 0, "Workshop": 2, "Online": 0}

    pick(app, BEN, "SNOPE", ts, "0")  # a survey that is not there
    assert "out of date" in told(app, BEN, 3)[2]

    reply = app.sender.command("/survey", f"close {survey_id}", ANA, GENERAL)  # not an organiser
    assert reply.status == 200 and reply.seconds < 3.0, "acked before the permission check"
    assert "Only community managers" in told(app, ANA, 2)[1]
    app.sender.command("/survey", f"close {survey_id}", MOD, GENERAL)
    (update,) = app.slack.wait_for("chat.update", where=lambda c: c.params.get("ts") == ts)
    assert '"actions"' not in json.dumps(update.params["blocks"]), "a closed survey has no inputs left"
    (dm,) = app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == MOD)
    text = json.dumps(dm.params["blocks"], ensure_ascii=False)
    assert "*2* Workshop (100%)" in text and "#general: 2 answers" in text
    assert f"<@{BEN}>" not in text  # counts, not a list of who answered

    pick(app, ANA, survey_id, ts, "0")  # too late
    assert "closed" in told(app, ANA, 3)[2]
    assert survey_service(app.ctx).results(survey_id).respondents == 2
    audit = [(e.action, e.actor, e.target) for e in app.ctx.archive.audit() if e.action.startswith("survey.")]
    assert audit == [("survey.create", MOD, survey_id), ("survey.close", MOD, survey_id)]


def test_anonymous_survey_leaves_no_user_id_in_the_data_directory(running_app: RunningApp, tmp_path: Path) -> None:
    app = running_app
    app.slack.add_user(SHY, "shy")
    app.slack.state.members[GENERAL].append(SHY)
    survey_id, ts = create_survey(app, template="event-format", anonymous=True)
    survey = survey_service(app.ctx).get(survey_id)
    assert survey.question == "Which event format would you come to in #general?" and survey.anonymous
    pick(app, SHY, survey_id, ts, "1")
    told(app, SHY, 1)
    pick(app, SHY, survey_id, ts, "2")
    told(app, SHY, 2)
    results = survey_service(app.ctx).results(survey_id)
    assert results.respondents == 1 and results.answers == []
    assert {o.option: o.count for o in results.options}["Online session"] == 1
    app.ctx.archive.close()  # everything written is on disk (the WAL checkpointed into the file)
    files = [p for p in (tmp_path / "data").rglob("*") if p.is_file()]
    assert any(p.name.startswith("archive.sqlite3") for p in files)
    for path in files:
        assert SHY.encode() not in path.read_bytes(), path


def test_free_text_survey_closes_on_time_with_themes(running_app: RunningApp) -> None:
    app = running_app
    survey_id, ts = create_survey(app, template="focus-next-month", kind="single")
    survey = survey_service(app.ctx).get(survey_id)
    assert survey.kind == "text" and survey.question == "What should #general focus on next month?"
    answers = {
        ANA: "More portfolio review evenings",
        BEN: "Portfolio reviews with senior designers",
        MOD: "A workshop on soldering",
    }
    for n, (user, text) in enumerate(answers.items(), start=1):
        block_action(
            app,
            user,
            ts,
            {"action_id": ANSWER_OPEN, "block_id": BLOCK_PREFIX + survey_id, "type": "button", "value": survey_id},
            with_message=False,
        )
        box = app.slack.wait_for("views.open", where=lambda c: c.params["view"]["callback_id"] == ANSWER_VIEW)[-1]
        _interaction(
            app,
            {
                "type": "view_submission",
                "user": {"id": user},
                "view": {
                    "id": f"V{n}",
                    "type": "modal",
                    "callback_id": ANSWER_VIEW,
                    "private_metadata": box.params["view"]["private_metadata"],
                    "state": {"values": {"answer": {"value": {"type": "plain_text_input", "value": text}}}},
                },
            },
        )
        told(app, user, 2 if user == MOD else 1)
    timer = SurveyTimer(app.runtime)
    assert timer.run_once(now=app.ctx.clock() + timedelta(hours=71)) == 0
    assert timer.run_once(now=app.ctx.clock() + timedelta(hours=72)) == 1
    (dm,) = app.slack.wait_for("chat.postMessage", where=lambda c: c.params.get("channel") == MOD)
    text = json.dumps(dm.params["blocks"], ensure_ascii=False)
    assert "portfolio" in text.lower() and "2 answers" in text and "soldering" in text
    closed = survey_service(app.ctx).get(survey_id)
    assert closed.closed_by == "assistant"


def test_survey_is_acked_before_a_slow_moderators_group_lookup(
    tmp_path: Path, fake_slack: FakeSlack, memo_encoder: MemoEncoder
) -> None:
    """Who may run surveys includes ASSISTANT_MODERATORS_GROUP, read from Slack: while Slack rate-limits that
    lookup (4 s of Retry-After), the command is still acked within 3 s and the refusal follows."""
    import time_machine

    fake_slack.state.usergroups["S0MODS001"] = [MOD]
    fake_slack.fail("usergroups.users.list", Failure(status=429, error="ratelimited", retry_after=2, times=2))
    with time_machine.travel(DEFAULT_NOW.at, tick=True):  # requests are signed and checked at the app's "now"
        ctx = make_ctx(tmp_path, fake_slack, memo_encoder, moderators_group="S0MODS001")
        with contextmanager(_running_app)(ctx, fake_slack) as app:
            reply = app.sender.command("/survey", "list", BEN, GENERAL)
            assert reply.status == 200 and reply.seconds < 3.0, "acked before asking Slack who the moderators are"
            assert told(app, BEN, 1) == ["Only community managers and moderators run surveys."]
            assert len(fake_slack.calls_to("usergroups.users.list")) == 3, "two 429s, then the answer"
