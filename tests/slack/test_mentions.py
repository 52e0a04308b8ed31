"""Slack's mention markup is written and read only in ``assistant.slack.blocks.mentions``; what it writes is
exactly the markup the renderers wrote by hand before, and what it reads is what Slack sends."""

from __future__ import annotations

import pytest

from assistant.slack.blocks.mentions import (
    CHANNEL_MENTION,
    USER_MENTION,
    SlackMentions,
    channel_mention,
    channel_ref,
    group_mention,
    mentioned_channel,
    person,
    user_mention,
)


def test_markup_is_slacks() -> None:
    assert user_mention("UANA00001") == "<@UANA00001>"
    assert channel_mention("CGENERAL1") == "<#CGENERAL1>"
    assert group_mention("SMODS0001") == "<!subteam^SMODS0001>"
    assert SlackMentions().moderators(None) == "@moderators"


@pytest.mark.parametrize(
    ("user", "shown"),
    [("UANA00001", "<@UANA00001>"), ("WENT00001", "WENT00001"), ("ana <b> & co", "ana &lt;b&gt; &amp; co")],
)
def test_a_person_is_a_mention_only_when_a_member_id(user: str, shown: str) -> None:
    assert person(user) == shown


@pytest.mark.parametrize(
    ("channel", "shown"),
    [("CGENERAL1", "<#CGENERAL1>"), ("GSECRET01", "<#GSECRET01>"), ("design", "#design"), ("a<b>", "#a&lt;b&gt;")],
)
def test_a_channel_is_a_link_only_when_an_id(channel: str, shown: str) -> None:
    assert channel_ref(channel) == shown


@pytest.mark.parametrize(
    ("ref", "channel"),
    [("<#CGENERAL1|general>", "CGENERAL1"), (" <#CGENERAL1> ", "CGENERAL1"), ("#general", None), ("C1", None)],
)
def test_a_channel_mention_is_read_back(ref: str, channel: str | None) -> None:
    assert mentioned_channel(ref) == channel


def test_patterns_match_what_slack_sends() -> None:
    assert USER_MENTION.sub("", "<@UBOT|assistant> hi <@WX1>") == " hi "
    assert CHANNEL_MENTION.fullmatch("<#C123ABC|design>") and not CHANNEL_MENTION.fullmatch("<#D123ABC>")
