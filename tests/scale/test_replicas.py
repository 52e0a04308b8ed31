"""Scale out on existing engines (issue 13): two ``assistant serve --http`` replicas share one PostgreSQL schema and
one Chroma server (``chroma run``), with Slack's requests spread over both as a load balancer would.

- Every message event goes to one replica or the other, and some to both at once (Slack retrying an event whose
  ack it did not see): each message is stored and judged once, and each flagged message makes exactly one alert
  (one ``chat.postMessage`` in the moderators' channel), whichever replica took it.
- A member's burst whose flagged messages reach the two replicas at the same moment makes one alert, as one
  replica would, and the alert Slack finally shows holds every flag of it.
- Both replicas answer the same question the same way, from messages either of them took in.

Nothing waits a fixed time: a test waits until the inbox has every event done and the outbox nothing pending, after
which no more Slack calls can come, then counts the fake Web API's calls.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from assistant.store import Archive
from assistant.store.queues import Inbox, Outbox
from tests.scale.conftest import HELP, WRITERS, Cluster, Replica
from tests.slack.conftest import ANA, BEN, GENERAL, MODS, message_event
from tests.slack.doubles import Reply
from tests.slack.fake_slack import Call

pytestmark = pytest.mark.postgres

#: Each message, whether the shipped heads flag it (toxicity 0.92-1.0; the others stay below every threshold), and
#: which replica Slack's request reaches: ``a``, ``b``, or ``both`` at the same moment (a retry racing the first
#: delivery). Flagged messages come from one member each, so no two share an alert (burst grouping).
TRAFFIC: list[tuple[str, bool, str]] = [
    ("Could we please add dark mode to the mobile app? My eyes hurt at night.", False, "a"),
    ("you are an idiot and nobody wants you here", True, "a"),
    ("Dark mode would be great, the white theme is harsh.", False, "b"),
    ("shut up, you stupid moron", True, "b"),
    ("I would love a dark theme for the docs site too", False, "both"),
    ("what a pathetic loser you are, get lost", True, "both"),
    ("Dark mode please, reading at night is painful", False, "a"),
    ("you are a worthless idiot and everyone hates you", True, "both"),
    ("thanks for the help with the build yesterday", False, "b"),
    ("nobody cares about your dumb opinion, you clown", True, "both"),
    ("has anyone tried the new release yet?", False, "both"),
]
QUESTIONS = ["what did people say about dark mode?", "what does #general want?"]
#: How long the replicas may take to finish the work of every event (judging, indexing, alerting).
SETTLE_TIMEOUT_S = 90.0


@dataclass(frozen=True)
class Sent:
    event_id: str
    channel: str
    ts: str
    text: str
    toxic: bool
    replicas: tuple[str, ...]


def deliver(replica: Replica, event: dict[str, object], event_id: str, *, retry: int | None = None) -> Reply:
    return replica.sender.event(event, event_id=event_id, retry=retry)


def deliver_to_both(replicas: list[Replica], event: dict[str, object], event_id: str) -> list[Reply]:
    """The same event to both replicas at the same moment, as when Slack retries one whose ack was slow."""
    replies: list[Reply | None] = [None, None]
    start = threading.Barrier(2)

    def send(i: int) -> None:
        start.wait()
        replies[i] = deliver(replicas[i], event, event_id, retry=i or None)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert all(r is not None for r in replies), "a delivery did not return"
    return [r for r in replies if r is not None]


@pytest.fixture(scope="module")
def archive(cluster: Cluster) -> Iterator[Archive]:
    """The test's own look at the shared archive (the replicas' schema)."""
    arc = Archive(cluster.database_url)
    yield arc
    arc.close()


def settle(archive: Archive, sent: list[Sent]) -> None:
    """Wait until every event's work is done (the inbox) and every alert is delivered (the outbox): after that,
    nothing more reaches Slack, so counting the fake's calls is final, with no sleep."""
    inbox, outbox = Inbox(archive), Outbox(archive)
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    for item in sent:
        while not (inbox.state(item.event_id) or {}).get("done"):
            assert time.monotonic() < deadline, f"event {item.event_id} ({item.text!r}) did not finish"
            time.sleep(0.05)
    while outbox.pending():
        assert time.monotonic() < deadline, "alerts still wait in the outbox"
        time.sleep(0.05)


def indexed(cluster: Cluster, keys: list[str]) -> set[str]:
    """Which of these message keys the Chroma server holds (its REST API: no client, no embedding function)."""
    base = f"http://127.0.0.1:{cluster.chroma.port}/api/v2/tenants/default_tenant/databases/default_database"
    with urllib.request.urlopen(f"{base}/collections", timeout=10) as response:
        collections = json.loads(response.read())
    (messages,) = [c["id"] for c in collections if c["name"] == "messages"]
    request = urllib.request.Request(
        f"{base}/collections/{messages}/get",
        data=json.dumps({"ids": keys, "include": []}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return set(json.loads(response.read())["ids"])


def alerts(cluster: Cluster) -> list[Call]:
    return [c for c in cluster.slack.calls_to("chat.postMessage") if c.params.get("channel") == MODS]


def links_to(call: Call, channel: str, ts: str) -> bool:
    return f"archives/{channel}/p{ts.replace('.', '')}" in json.dumps(call.params.get("blocks"))


@pytest.fixture(scope="module")
def traffic(cluster: Cluster, archive: Archive) -> list[Sent]:
    """``TRAFFIC`` in #general and #help, each message to the replica(s) its route names, one after the other,
    then every event's work done."""
    replicas = cluster.replicas
    by_name = {"a": replicas[0], "b": replicas[1]}
    base = int(time.time()) - 3600  # an hour before the pinned now, one message a minute
    writers = iter(WRITERS)
    sent: list[Sent] = []
    for i, (text, toxic, route) in enumerate(TRAFFIC):
        ts = f"{base + 60 * i}.000100"
        channel = HELP if i % 4 == 3 else GENERAL
        user = next(writers) if toxic else (ANA, BEN)[(i // 2) % 2]
        event_id = f"EvSCALE{i:04d}"
        event = message_event(text, ts, user=user, channel=channel)
        if route == "both":
            replies = deliver_to_both(replicas, event, event_id)
            to: tuple[str, ...] = tuple(r.name for r in replicas)
        else:
            replies = [deliver(by_name[route], event, event_id)]
            to = (by_name[route].name,)
        assert all(r.status == 200 for r in replies), [(r.status, r.body) for r in replies]
        assert all(r.seconds < 3.0 for r in replies), "Slack needs the ack within 3 seconds"
        sent.append(Sent(event_id, channel, ts, text, toxic, to))
    settle(archive, sent)
    return sent


def test_events_spread_over_two_replicas_alert_once_per_flagged_message(
    cluster: Cluster, archive: Archive, traffic: list[Sent]
) -> None:
    posted = [c for c in alerts(cluster) if any(links_to(c, i.channel, i.ts) for i in traffic)]
    for item in traffic:
        assert archive.find_message(item.channel, item.ts) is not None, f"{item.text!r} was not stored"
        assert archive.judgment(item.channel, item.ts) is not None, f"{item.text!r} was not judged"
        mine = [c for c in posted if links_to(c, item.channel, item.ts)]
        if item.toxic:
            assert len(mine) == 1, f"{item.text!r} (sent to {', '.join(item.replicas)}): {len(mine)} alerts"
        else:
            assert not mine, f"{item.text!r} was alerted"
    assert len(posted) == sum(i.toxic for i in traffic)
    created = [e for e in archive.audit(action="flag_created") if e.details.get("ts") in {i.ts for i in traffic}]
    assert sorted(str(e.details["ts"]) for e in created) == sorted(i.ts for i in traffic if i.toxic), (
        "one flag each"
    )
    # Both replicas indexed into the one Chroma server: every message is there, whichever replica took it.
    keys = [f"{i.channel}:{i.ts}" for i in traffic]
    assert indexed(cluster, keys) == set(keys)


def ask(cluster: Cluster, replica: Replica, question: str, user: str) -> str:
    """``/ask`` on one replica; the answer's blocks (ephemeral, only to the asker) as JSON."""
    before = len(cluster.slack.calls_to("chat.postEphemeral"))
    heard = replica.sender.command("/ask", question, user, GENERAL)
    assert heard.status == 200 and heard.seconds < 3.0, heard
    found = cluster.slack.wait_for("chat.postEphemeral", count=before + 1, timeout=60)
    answer = found[before]
    assert answer.params.get("user") == user
    return json.dumps(answer.params.get("blocks"), ensure_ascii=False, sort_keys=True)


@pytest.mark.parametrize("question", QUESTIONS)
def test_both_replicas_answer_the_same_question_the_same_way(
    cluster: Cluster, traffic: list[Sent], question: str
) -> None:
    a, b = cluster.replicas
    first, second = ask(cluster, a, question, BEN), ask(cluster, b, question, BEN)
    assert first == second, f"{a.name} and {b.name} answered differently"
    assert "Sources" in first, first
    if "dark mode" in question:  # from messages each replica took alone: the archive and index are shared
        cited = {i.replicas for i in traffic if i.ts.replace(".", "") in first}
        assert {(a.name,), (b.name,)} <= cited, f"cited messages taken by {sorted(cited)}"


#: Bursts: flags from one member in one channel within ``ASSISTANT_ALERT_GROUP_MINUTES`` share one alert.
BURSTS = [
    ("you are a moron and a liar", "seriously, you stupid clown, shut up"),
    ("you are such an idiot", "get lost, you pathetic moron"),
    ("shut up, you worthless idiot", "nobody wants a stupid clown like you here"),
]


def flag_ids(call: Call) -> list[int]:
    """The flags an alert rendering shows (its buttons carry them back)."""
    for block in call.params.get("blocks") or []:
        for element in block.get("elements") or []:
            value = element.get("value") if isinstance(element, dict) else None
            if isinstance(value, str) and value.startswith("{"):
                return list(json.loads(value).get("flags") or [])
    return []


def test_bursts_taken_by_both_replicas_at_once_make_one_alert_each(cluster: Cluster, archive: Archive) -> None:
    """Each burst's two flagged messages reach both replicas at the same moment, one each: one alert per burst,
    as one replica would make (the second flag joins the first's alert), not one per replica, and the alert as
    finally shown in Slack holds both flags."""
    replicas = cluster.replicas
    base = int(time.time()) - 600
    bursts: list[list[Sent]] = []
    jobs: list[tuple[Replica, dict[str, object], str]] = []
    for k, (writer, texts) in enumerate(zip(WRITERS[-len(BURSTS) :], BURSTS, strict=True)):
        burst = []
        for i, text in enumerate(texts):
            ts, event_id = f"{base + 10 * k + i}.000200", f"EvBURST{k}{i}"
            jobs.append((replicas[i], message_event(text, ts, user=writer, channel=HELP), event_id))
            burst.append(Sent(event_id, HELP, ts, text, True, (replicas[i].name,)))
        bursts.append(burst)
    replies: list[Reply | None] = [None] * len(jobs)
    start = threading.Barrier(len(jobs))

    def send(j: int) -> None:
        start.wait()
        replica, event, event_id = jobs[j]
        replies[j] = deliver(replica, event, event_id)

    threads = [threading.Thread(target=send, args=(j,)) for j in range(len(jobs))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert all(r is not None and r.status == 200 for r in replies), replies
    settle(archive, [s for burst in bursts for s in burst])
    created = archive.audit(action="flag_created")
    for burst in bursts:
        flags = [e for e in created if e.details.get("ts") in {s.ts for s in burst}]
        assert len(flags) == 2, f"{[s.text for s in burst]}: {len(flags)} flags"
        alert_ids = {e.details.get("alert_id") for e in flags}
        assert len(alert_ids) == 1, f"{[s.text for s in burst]}: split into alerts {sorted(alert_ids)}"
        shown = [
            c
            for c in cluster.slack.calls
            if c.method in ("chat.postMessage", "chat.update")
            and c.params.get("channel") == MODS
            and any(links_to(c, HELP, s.ts) for s in burst)
        ]
        posted = [c for c in shown if c.method == "chat.postMessage"]
        assert len(posted) == 1, f"{[s.text for s in burst]}: {len(posted)} alerts posted"
        assert len(flag_ids(shown[-1])) == 2, f"{[s.text for s in burst]}: the alert shown lacks a flag"
