from __future__ import annotations

from assistant.ingest import resolve_markup

USERS = {"U1": "maria"}
CHANNELS = {"C1": "design"}


def test_mentions_channels_links_and_entities_become_readable() -> None:
    raw = "hey <@U1>, see <#C1|design> and <https://example.org/guide|the guide> or <https://example.org> &amp; 1 &lt; 2"
    assert resolve_markup(raw, USERS, CHANNELS) == (
        "hey @maria, see #design and the guide (https://example.org/guide) or https://example.org & 1 < 2"
    )


def test_unknown_ids_and_specials_stay_meaningful() -> None:
    assert resolve_markup("<@U999> <#C2> <!here> <!subteam^S1|@mods> <mailto:a@b.org|a@b.org>") == (
        "@U999 #C2 @here @mods a@b.org"
    )


def test_odd_unicode_is_normalised_without_losing_text() -> None:
    text = resolve_markup("cafe\u0301 \u200bhidden\u202e rtl مرحبا 👩\u200d💻")
    assert text == "café hidden rtl مرحبا 👩\u200d💻"


def test_empty_and_none_like_text() -> None:
    assert resolve_markup("") == ""
    assert resolve_markup("   ") == ""
