"""Q&A: the template path, citations, visibility, time/channel/author parsing, injection text, and the LLM path
with fake chat models (cited sentences kept, uncited dropped, template fallback)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from langchain_core.language_models.fake_chat_models import FakeListChatModel
from langchain_core.messages import BaseMessage

from assistant.context import Context
from assistant.insights import QAService
from assistant.insights.answers import keep_cited
from assistant.insights.periods import TICK
from assistant.insights.questions import IntentClassifier, parse_time
from tests.insights.workspace import DESIGN, HARDWARE, INJECTION, NOW, SECRET

SEEN: list[list[BaseMessage]] = []


class RecordingFakeChat(FakeListChatModel):
    """Fake chat model (test double) that remembers the prompts it was given."""

    def _call(self, messages: list[BaseMessage], *args: Any, **kwargs: Any) -> str:
        SEEN.append(list(messages))
        return super()._call(messages, *args, **kwargs)


def _qa(ws: Context, llm: Any = None) -> QAService:
    return QAService(ws.insights, ws.index, llm)


def test_wants_answer_cites_the_wants_themselves(ws: Context, named: dict) -> None:
    a = _qa(ws).ask("What does #design want?", at=NOW)
    assert a.facts["intent"] == "wants" and a.facts["method"] == "template"
    assert "dark mode" in a.answer and "4 requests from 2 members" in a.answer
    want_ts = {
        named[k].ts for k in ("want_dark_1", "dark_similar", "P1", "D1", "D2", "figma_1", "figma_2", "signage")
    }
    assert a.citations and {c.ts for c in a.citations} <= want_ts
    assert "[1]" in a.answer
    themes = a.facts["per_channel"][0]["themes"]
    assert themes[0]["member_ids"] == ["U1", "U2"]


def test_every_channel_question_respects_visibility(ws: Context) -> None:
    a = _qa(ws).ask("What does each channel want?", at=NOW, visible_channel_ids={DESIGN, HARDWARE})
    assert "secret" not in a.answer
    assert all(c.channel != "secret" for c in a.citations)
    search = _qa(ws).ask("what was said about dark mode?", at=NOW, visible_channel_ids={DESIGN})
    assert search.citations and all(c.channel == "design" for c in search.citations)
    full = _qa(ws).ask("what was said about the dark mode budget?", at=NOW)
    assert any(c.channel == "secret" for c in full.citations)


def test_quiet_mood_activity_newcomers_contributors_answers(ws: Context) -> None:
    qa = _qa(ws)
    quiet = qa.ask("Who went quiet?", at=NOW)
    assert quiet.facts["intent"] == "quiet" and "Dora Novak" in quiet.answer and quiet.citations
    mood = qa.ask("How did each channel feel this month?", at=NOW)
    assert mood.facts["intent"] == "mood"
    rows = {r["channel"]: r for r in mood.facts["per_channel"]}
    assert rows["design"]["mood"] == "neutral" and "#design: neutral" in mood.answer
    assert rows["design"]["positive"] == round(3 / 11, 3)
    line = next(x for x in mood.answer.splitlines() if x.startswith("• #design"))
    assert "— mostly neutral, 3 positive, one negative (11 messages: 27% positive" in line
    assert "negative); positive e.g. [" in line and "], negative e.g. [" in line
    activity = qa.ask("How active was #design this week?", at=NOW)
    row = activity.facts["per_channel"][0]
    assert (row["messages"], row["active_members"], row["members"]) == (7, 4, 5)
    assert "7 messages from 4 of 5 members" in activity.answer
    assert activity.answer.startswith("Activity this week:")
    named_month = qa.ask("How active was #design in March 2026?", at=NOW)
    assert named_month.answer.startswith("Activity in March 2026:")
    newcomers = qa.ask("Any unanswered newcomers?", at=NOW)
    assert "Eli Haddad" in newcomers.answer and newcomers.citations[0].text.startswith("Hi everyone")
    top = qa.ask("Who should I recognise in #design?", at=NOW)
    assert top.facts["intent"] == "contributors" and top.facts["members"][0]["name"] == "Ana Lima"


def test_activity_in_the_past_10_days_counts_exactly_the_last_240_hours(ws: Context) -> None:
    """Not the calendar week or month around it: P1 (03-10 10:00) is 2 h too old, the Saturday message is in."""
    snap = ws.insights.snapshot()

    def posted(start_hours: int, end_hours: int = 0) -> list:
        return [
            m
            for m in snap.by_channel[DESIGN]
            if NOW - timedelta(hours=start_hours) < m.time <= NOW - timedelta(hours=end_hours)
        ]

    a = _qa(ws).ask("How active was #design in the past 10 days?", at=NOW)
    assert a.facts["intent"] == "activity"
    assert a.facts["window"]["label"] == "the past 10 days"
    assert a.answer.startswith("Activity in the past 10 days:")
    [row] = a.facts["per_channel"]
    inside = posted(240)
    assert row["messages"] == len(inside) == 10  # the calendar week to date has 7, the month to date 11
    assert row["active_members"] == len({m.user_id for m in inside})
    assert datetime.fromisoformat(row["end"]) - datetime.fromisoformat(row["start"]) == timedelta(hours=240)
    assert row["window"] == {
        "kind": "rolling",
        "label": "the past 10 days",
        "short": "10 days",
        "comparison": "the previous 10 days",
        "unit": None,
    }
    before = len(posted(480, 240))  # the 240 hours before: P1 only
    assert before == 1 and row["trend"]["messages_pct"] == pytest.approx((10 - before) / before)
    assert "10 messages from" in a.answer and "+900% messages vs the previous 10 days" in a.answer


def test_activity_labels_name_calendar_windows(ws: Context) -> None:
    qa = _qa(ws)
    week = qa.ask("How active was #design last week?", at=NOW)
    assert week.answer.startswith("Activity last week:")
    assert week.facts["per_channel"][0]["messages"] == 4  # Mon 03-09 .. Sun 03-15: P1, P2 + reply, Saturday
    assert week.facts["comparison_label"] == "the week before"  # nothing then, so no trend is printed
    assert week.facts["per_channel"][0]["trend"]["messages_pct"] is None
    this = qa.ask("How active was #design this week?", at=NOW)
    assert "vs the same days of last week" in this.answer


def test_search_with_author_channel_and_time_filters(ws: Context) -> None:
    a = _qa(ws).ask("What did @ben say about figma?", at=NOW)
    assert a.facts["intent"] == "search" and a.facts["author"] == "Ben Okoro"
    assert a.citations and all(c.user == "Ben Okoro" for c in a.citations)
    b = _qa(ws).ask("what was said about dark mode in #design this week?", at=NOW)
    assert b.citations
    assert all(datetime.fromtimestamp(float(c.ts), UTC) >= datetime(2026, 3, 16, tzinfo=UTC) for c in b.citations)


def test_channel_option_and_unknown_channel(ws: Context) -> None:
    a = _qa(ws).ask("what do people want?", channel="hardware", at=NOW)
    assert (a.facts["channels"] == ["hardware"] and "No" in a.answer) or "no repeated theme" in a.answer
    try:
        _qa(ws).ask("what do people want?", channel="secret", visible_channel_ids={DESIGN}, at=NOW)
    except Exception as exc:
        assert "No channel" in str(exc)
    else:  # pragma: no cover
        raise AssertionError("an invisible channel must look like a missing one")


def test_empty_and_huge_questions(ws: Context) -> None:
    assert "Ask a question" in _qa(ws).ask("   ").answer
    huge = _qa(ws).ask("dark mode " * 5000, at=NOW)
    assert len(huge.facts["question"]) <= 1000


def test_injection_text_in_messages_changes_nothing(ws: Context) -> None:
    qa = _qa(ws)
    a = qa.ask("What was said about the instructions?", at=NOW)
    assert a.facts["intent"] == "search"
    assert any(c.text.startswith("Ignore all previous") for c in a.citations)  # quoted as data...
    assert not a.answer.lower().startswith("everyone is banned")  # ...never obeyed
    wants = qa.ask("What does #design want?", at=NOW)
    assert "banned" not in wants.answer


def test_llm_path_keeps_cited_sentences_and_drops_uncited(ws: Context) -> None:
    llm = RecordingFakeChat(
        responses=[
            "#design mostly wants a dark mode: 5 requests from 2 members [1][2]. Everyone is banned. "
            "A shared Figma library came up twice [4]."
        ]
    )
    SEEN.clear()
    a = _qa(ws, llm).ask("What does #design want?", at=NOW)
    assert a.facts["method"] == "llm"
    assert "banned" not in a.answer
    assert a.answer.startswith("#design mostly wants a dark mode") and "[3]" in a.answer  # renumbered
    assert len(a.citations) == 3 and all(c.channel == "design" for c in a.citations)


def test_llm_prompt_quotes_messages_as_inert_data(ws: Context) -> None:
    llm = RecordingFakeChat(responses=["People discussed instructions [1]."])
    SEEN.clear()
    a = _qa(ws, llm).ask("What was said about the instructions?", at=NOW)
    system, user = SEEN[-1]
    assert "never instructions" in str(system.content)
    prompt = str(user.content)
    assert "Ignore all previous instructions" in prompt
    assert INJECTION not in prompt  # the fake closing tag was neutralised
    assert prompt.count("</message>") == len(a.facts["hits"])
    assert a.facts["method"] == "llm" and len(a.citations) == 1


def test_llm_without_citations_falls_back_to_template(ws: Context) -> None:
    llm = FakeListChatModel(responses=["Everyone is banned. Ignore the data."])
    a = _qa(ws, llm).ask("What does #design want?", at=NOW)
    assert a.facts["method"] == "template" and "dark mode" in a.answer


def test_keep_cited() -> None:
    assert keep_cited("No sources here.", 3) is None
    text, used = keep_cited("A is true [2]. B is made up. C cites a ghost [9]. D [3][2].", 3) or ("", [])
    assert text == "A is true [1]. D [2][1]." and used == [2, 3]


def test_time_phrases() -> None:
    now = datetime(2026, 11, 20, 15, tzinfo=UTC)
    assert parse_time("how was this month?", now).start == datetime(2026, 11, 1, tzinfo=UTC)  # type: ignore[union-attr]
    last = parse_time("and last week?", now)
    assert last is not None and last.start == datetime(2026, 11, 9, tzinfo=UTC)
    since = parse_time("what happened since Monday", now)
    assert since is not None and since.start == datetime(2026, 11, 16, tzinfo=UTC)
    october = parse_time("what did people want in October?", now)
    assert october is not None and october.start == datetime(2026, 10, 1, tzinfo=UTC)
    assert october.end == datetime(2026, 11, 1, tzinfo=UTC)
    march = parse_time("how did #elm feel in March 2019?", now)
    assert march is not None and (march.start, march.end) == (
        datetime(2019, 3, 1, tzinfo=UTC),
        datetime(2019, 4, 1, tzinfo=UTC),
    )
    assert march.label == "in March 2019"
    assert last.end == datetime(2026, 11, 16, tzinfo=UTC) and last.label == "last week"  # a whole ISO week
    ten = parse_time("over the last 10 days", now)
    # 240 hours up to and including now (was: ten calendar days' worth from now - 10 days, labelled "the last 10
    # days", which the activity answer then widened to a calendar month)
    assert ten is not None and (ten.kind, ten.label) == ("rolling", "the past 10 days")
    assert ten.end - ten.start == timedelta(days=10) and ten.contains(now)
    assert not ten.contains(now - timedelta(days=10)) and ten.contains(now - timedelta(days=10) + TICK)
    assert ten.previous().label == "the previous 10 days" and ten.previous().end == ten.start
    two_weeks = parse_time("how was the past 2 weeks?", now)
    assert two_weeks is not None and two_weeks.label == "the past 14 days"
    assert parse_time("what does design want", now) is None


def test_intent_rules() -> None:
    c = IntentClassifier(None)
    assert c.classify("What does each channel want?") == "wants"
    assert c.classify("who went quiet?") == "quiet"
    assert c.classify("how did each channel feel this month?") == "mood"
    assert c.classify("what topics does hardware talk about?") == "topics"
    assert c.classify("is it allowed to post job ads? what are the rules") == "guidelines"
    assert c.classify("who could mentor a newbie in electronics") == "twins"


def test_unknown_phrasing_uses_exemplar_similarity(ws: Context) -> None:
    c = IntentClassifier(ws.encoder)
    assert c.classify("Which regulars have we lost lately") in ("quiet",)
    assert SECRET  # keep the import meaningful for readers: the secret channel exists in the workspace


def test_wants_answer_names_at_most_five_askers() -> None:
    from assistant.prompts import render_prompt

    theme = {
        "label": "dark mode",
        "size": 9,
        "distinct_members": 8,
        "members": [f"M{i}" for i in range(8)],
        "trend": "rising",
        "refs": [1, 2],
    }
    f = {"per_channel": [{"channel": "design", "wants": 9, "themes": [theme], "one_off_count": 0, "one_offs": []}]}
    text = render_prompt("answer_wants", f=f)
    assert "9 requests from 8 members (M0, M1, M2, M3, M4 and 3 more), rising [1][2]" in text
