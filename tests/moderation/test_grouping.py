"""Rate and noise control: one alert per message; bursts from one member or one thread share an alert."""

from __future__ import annotations

from sqlalchemy import event

from assistant.domain import Message
from assistant.moderation.grouping import BurstItem, group_bursts
from tests.moderation.conftest import ALICE, BOB, CARL, GENERAL, World


def test_a_burst_from_one_member_is_one_alert(world: World) -> None:
    a1 = world.service.handle(world.post("You idiot.", user=BOB, gap=60)[1])
    a2 = world.service.handle(world.post("Absolute moron.", user=BOB, gap=60)[1])
    a3 = world.service.handle(world.post("Idiot, again.", user=BOB, gap=60)[1])
    assert len(a1) == len(a2) == len(a3) == 1
    assert a1[0].alert_id == a2[0].alert_id == a3[0].alert_id
    assert not a1[0].is_update and a2[0].is_update and a3[0].grouped == 3
    later = world.service.handle(world.post("You idiot.", user=BOB, gap=3 * 3600)[1])
    assert later[0].alert_id != a1[0].alert_id and not later[0].is_update


def test_a_heated_thread_is_one_alert(world: World) -> None:
    parent, _ = world.post("Who broke station 2?", user=ALICE)
    thread = parent.ts
    ids = {
        world.service.handle(world.post(text, user=user, thread=thread, gap=120)[1])[0].alert_id
        for text, user in (("You idiot.", BOB), ("Moron yourself.", CARL), ("Idiot, both of you.", ALICE))
    }
    assert len(ids) == 1
    other = world.service.handle(world.post("You idiot.", user=ALICE, gap=60)[1])  # same member, outside thread
    assert other[0].alert_id in ids  # grouped by member: ALICE flagged in the thread a minute ago


def test_daily_volume_counts_alerts_and_flags(world: World) -> None:
    for text in ("You idiot.", "Moron.", "Idiot!"):
        world.post(text, user=BOB, gap=60)
    world.post("You idiot.", user=CARL, gap=60)
    [day] = world.service.daily_volume("general")
    assert (day.channel_id, day.alerts, day.flags) == (GENERAL, 2, 4)


def test_group_bursts_matches_the_live_rule() -> None:
    items = [
        BurstItem("C", "U1", None, 0.0),
        BurstItem("C", "U1", None, 600.0),
        BurstItem("C", "U2", "T", 700.0),
        BurstItem("C", "U3", "T", 800.0),
        BurstItem("D", "U1", None, 650.0),
        BurstItem("C", "U1", None, 10_000.0),
    ]
    assert group_bursts(items, 1800) == [[0, 1], [4], [2, 3], [5]]
    assert len(group_bursts(items, 0)) == len(items)


def test_a_batchs_flags_and_their_audit_events_are_one_transaction(world: World) -> None:
    texts = (("You idiot.", BOB), ("Morning all.", ALICE), ("Absolute moron.", BOB), ("Idiot!", CARL))
    messages = [
        Message(channel_id=GENERAL, ts=f"{1_790_000_000 + 60 * i}.000100", user_id=user, text=text)
        for i, (text, user) in enumerate(texts)
    ]
    archive = world.ctx.archive
    archive.upsert_messages(messages)
    stored = [archive.get_message(m.channel_id, m.ts) for m in messages]
    commits: list[str] = []
    counting: list[bool] = [False]

    def step(name: str, _batch: object) -> None:  # the listeners (moderation) run between these two steps
        counting[0] = {"indexed": True, "moderated": False}.get(name, counting[0])

    event.listen(archive.engine, "commit", lambda _conn: commits.append("commit") if counting[0] else None)
    world.pipeline.on_step = step
    batch = world.pipeline.process(stored)
    assert commits == ["commit"], "three flags and their audit events: one commit"
    flags = world.service.store.flags()
    assert [f.ts for f in flags] == [messages[i].ts for i in (0, 2, 3)]
    assert flags[0].alert_id == flags[1].alert_id != flags[2].alert_id  # BOB's burst in one batch: one alert
    assert batch.alert_updates == {flags[0].alert_id: False, flags[2].alert_id: False}
    assert [e.target for e in archive.audit(action="flag_created")] == [f"flag:{f.id}" for f in flags]
    commits.clear()
    assert world.pipeline.process(stored).alert_updates == {}  # processed again: judged the same, nothing written
    assert commits == []
