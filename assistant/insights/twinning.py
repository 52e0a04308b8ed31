"""Who should meet whom, for reasons a manager can act on: pairs of members from different channels who wrote
about the same things, with the evidence, and which way a mentoring pair would run.

- Shared topics are keyphrases (words and two-word phrases) each member used in at least two of their messages;
  never member names, mentions, stop words, emoji codes or links (``Snapshot.plain_text`` drops the last three),
  and never phrases most members use (they say nothing about a shared interest).
- The evidence is one message from each member that shows the shared interest (it uses the top shared topic).
- The mentor is the member who answered more questions about the shared topics (replies in other people's threads
  that mention one); with no clear difference the pair are twins (peers).
- Pairs already talking to each other (one replied in the other's thread, or mentioned them) are skipped, and so
  is anyone with an open moderation flag.

Message embeddings still rank candidates (how close the two members' messages are overall).

A lazy snapshot (the services') answers without loading every message (issue 13): the database counts who wrote
most, and only the top ``max_members`` members' latest ``max_messages_per_member`` messages are read, with the
thread replies and mentions among them and the chosen pairs' answers (``assistant.store.aggregate_members``).
"""

from __future__ import annotations

import logging
import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Literal

import numpy as np
from pydantic import Field

from assistant.domain import Message
from assistant.insights.data import Snapshot
from assistant.insights.member_profiles import mean_profiles
from assistant.insights.models import Twin
from assistant.insights.twin_phrases import name_words, phrase_cache, phrases
from assistant.store.aggregate_members import Line
from assistant.store.aggregate_tables import LONG_MESSAGE_CHARS

logger = logging.getLogger(__name__)

#: A message twinning compares: a loaded snapshot's, or a latest message read from the aggregates.
Said = Message | Line
VectorLookup = Callable[[Sequence[str]], dict[str, np.ndarray]]
#: Members' profile vectors from (users, their latest messages, the fewest messages a profile needs).
ProfileSource = Callable[[Sequence[str], Mapping[str, Sequence[Said]], int], dict[str, np.ndarray]]

#: A phrase both members used at least this many times (in distinct messages) is a shared topic.
MIN_TOPIC_MESSAGES = 2
#: Phrases used (that often) by more than this share of the members are too common to be a shared interest.
MAX_TOPIC_SPREAD = 0.34
#: A mentor answered at least this many questions about the shared topics, and more than the other member.
MIN_MENTOR_ANSWERS = 2
#: Messages shorter than this say too little to compare members by (the aggregates count the longer ones).
MIN_CHARS = LONG_MESSAGE_CHARS


class TwinPair(Twin):
    """A ``Twin`` with what a manager acts on: the kind of pair, the mentor's direction and the answers behind it."""

    kind: Literal["twin", "mentor"] = "twin"
    mentor: str | None = None
    mentor_name: str | None = None
    mentee: str | None = None
    mentee_name: str | None = None
    answers: dict[str, int] = Field(default_factory=dict, description="questions each answered about the topics")
    topic_messages: dict[str, dict[str, int]] = Field(
        default_factory=dict, description="topic -> member id -> messages of theirs using it"
    )


def open_flag_members(archive: object) -> set[str]:
    """Members with an open (not shadow) moderation flag: they are not suggested to anyone for now."""
    from assistant.store.open_flags import open_flag_members as read

    return read(archive)


def already_talking(snap: Snapshot) -> set[frozenset[str]]:
    """Pairs who talked directly: one replied in a thread the other started, or mentioned the other."""
    parents = {(m.channel_id, m.ts): m.user_id for m in snap.messages if not m.is_reply}
    handles = _handles(snap)
    out: set[frozenset[str]] = set()
    for m in snap.messages:
        if not m.user_id:
            continue
        if m.is_reply and m.thread_ts:
            parent = parents.get((m.channel_id, m.thread_ts))
            if parent and parent != m.user_id:
                out.add(frozenset((m.user_id, parent)))
        out |= {frozenset((m.user_id, uid)) for uid in _mentioned(m, handles)}
    return out


def _handles(snap: Snapshot) -> dict[str, str]:
    handles: dict[str, str] = {}
    for uid, member in snap.members.items():
        for n in (member.name, member.display_name):
            if n:
                handles["@" + n.lower()] = uid
    return handles


def _mentioned(m: Message, handles: dict[str, str]) -> set[str]:
    """The members a message mentions (``<@U…>`` in its raw text, or ``@handle``), its author left out."""
    out: set[str] = set()
    raw = m.raw_text or m.text
    for uid in re.findall(r"<@([UW][A-Z0-9]+)", raw):
        if uid != m.user_id:
            out.add(uid)
    if "@" in m.text:
        for token in re.findall(r"@[\w.\-]+", m.text.lower()):
            named = handles.get(token)
            if named and named != m.user_id:
                out.add(named)
    return out


def _answers(snap: Snapshot, names: set[str]) -> dict[str, list[set[str]]]:
    """Per member, the phrases of each answer they gave: a reply in someone else's thread (with the question's
    phrases, so an answer to a question about a topic counts for it)."""
    parents = {(m.channel_id, m.ts): m for m in snap.messages if not m.is_reply}
    pairs = []
    for m in snap.messages:
        if not (m.user_id and m.is_reply and m.thread_ts):
            continue
        parent = parents.get((m.channel_id, m.thread_ts))
        if parent is None or parent.user_id == m.user_id:
            continue
        pairs.append((m.user_id, m.text, parent.text))
    return _answer_phrases(snap, pairs, names)


def _answer_phrases(
    snap: Snapshot, answers: Iterable[tuple[str, str, str]], names: set[str]
) -> dict[str, list[set[str]]]:
    """Per member, the phrases of each (member, answer's text, question's text)."""
    out: dict[str, list[set[str]]] = defaultdict(list)
    for uid, text, question in answers:
        out[uid].append(phrases(snap.plain_text_of(text), names) | phrases(snap.plain_text_of(question), names))
    return out


class _Members:
    """What twinning reads about members: the most active ones and their latest messages, their home channels,
    who already talks to whom, and the answers members gave. From a loaded snapshot's messages, or from the
    aggregates (``AggregateReader``), reading at most ``max_members × max_messages`` messages."""

    def __init__(
        self, snap: Snapshot, skip: set[str], min_messages: int, max_messages: int, max_members: int
    ) -> None:
        self.snap = snap
        self.stored = snap.stored
        ids = list(snap.channels)
        self.ids = ids
        if self.stored is not None:
            counts = self.stored.long_message_counts(ids)
        else:
            by_user: dict[str, list[Message]] = defaultdict(list)
            for m in snap.messages:
                if m.user_id and m.user_id not in skip and len(m.text) >= MIN_CHARS:
                    by_user[m.user_id].append(m)
            counts = {u: len(ms) for u, ms in by_user.items()}
        self.users = sorted(
            (
                u
                for u, n in counts.items()
                if u not in skip and n >= min_messages and not (snap.members.get(u) and snap.members[u].is_bot)
            ),
            key=lambda u: (-counts[u], u),
        )[:max_members]
        if self.stored is not None:
            latest = self.stored.latest_messages(ids, self.users, MIN_CHARS, max_messages)
            self.latest: dict[str, Sequence[Said]] = {u: latest.get(u, []) for u in self.users}
        else:
            self.latest = {u: by_user[u][-max_messages:] for u in self.users}

    def home(self) -> dict[str, str]:
        from assistant.insights.members import home_channels

        if self.stored is not None:
            return self.stored.home_channels(self.ids, self.users)
        return home_channels(self.snap)

    def talking(self, users: Sequence[str]) -> set[frozenset[str]]:
        """Pairs already talking; from the aggregates, only among ``users`` (the candidates' members)."""
        if self.stored is None:
            return already_talking(self.snap)
        out = self.stored.reply_pairs(self.ids, users)
        handles = _handles(self.snap)
        for m in self.stored.mentioning(self.ids, users):
            if m.user_id:
                out |= {frozenset((m.user_id, uid)) for uid in _mentioned(m, handles)}
        return out

    def answers(self, users: Iterable[str], names: set[str]) -> dict[str, list[set[str]]]:
        if self.stored is None:
            return _answers(self.snap, names)
        return _answer_phrases(self.snap, self.stored.answers_given(self.ids, users), names)


def twins(
    snap: Snapshot,
    vectors: VectorLookup,
    *,
    k: int = 5,
    flagged: Iterable[str] = (),
    min_similarity: float = 0.3,
    min_messages: int = 3,
    max_messages_per_member: int = 150,
    max_members: int = 200,
    profiles: ProfileSource | None = None,
) -> list[Twin]:
    """Pairs of members whose main channels differ, who share topics (see the module), best first; each member
    appears at most twice. ``profiles``: where the members' profile vectors come from (the archive's stored ones,
    ``MemberProfiles``), else computed from ``vectors``."""
    skip = set(flagged)
    names = name_words(snap)
    found = _Members(snap, skip, min_messages, max_messages_per_member, max_members)
    users, latest = found.users, found.latest
    if len(users) < 2:
        return []
    # Vectors first: a pair needs both members' profiles (unless any similarity will do), so without two of them
    # nothing can pair and the phrases are never needed.
    if profiles is not None:
        profile = profiles(users, latest, min_messages)
    else:
        profile = mean_profiles(users, latest, vectors, min_messages)
    if len(profile) < 2 and min_similarity > 0.0:
        return []
    home = found.home()
    # Which messages of each member use which phrase.
    phrases_of = phrase_cache(snap, names)
    uses: dict[str, dict[str, list[Said]]] = {}
    for u in users:
        per: dict[str, list[Said]] = defaultdict(list)
        for m in latest[u]:
            for p in phrases_of(m.text):
                per[p].append(m)
        uses[u] = {p: ms for p, ms in per.items() if len(ms) >= MIN_TOPIC_MESSAGES}
    spread = Counter(p for u in users for p in uses[u])
    too_common = max(2, math.floor(MAX_TOPIC_SPREAD * len(users)))
    for u in users:
        uses[u] = {p: ms for p, ms in uses[u].items() if spread[p] <= too_common}
    candidates: list[tuple[float, float, str, str, list[str]]] = []
    for i, a in enumerate(users):
        for b in users[i + 1 :]:
            if home.get(a) == home.get(b):
                continue
            sim = float(profile[a] @ profile[b]) if a in profile and b in profile else 0.0
            if sim < min_similarity:
                continue
            shared = _shared(uses[a], uses[b], spread)
            if not shared:
                continue
            strength = sum(min(len(uses[a][p]), len(uses[b][p])) / spread[p] for p in shared)
            candidates.append((strength * (0.5 + sim), sim, a, b, shared))
    # Who already talks to whom, read only for the candidates' members (their whole history's replies and
    # mentions), and only when there is a candidate.
    if candidates:
        talking = found.talking(sorted({u for c in candidates for u in c[2:4]}))
        candidates = [c for c in candidates if frozenset(c[2:4]) not in talking]
    candidates.sort(key=lambda c: (-c[0], c[2], c[3]))
    used: Counter[str] = Counter()
    chosen: list[tuple[float, str, str, list[str]]] = []
    for _score, sim, a, b, shared in candidates:
        if len(chosen) >= k:
            break
        if used[a] >= 2 or used[b] >= 2:
            continue
        used[a] += 1
        used[b] += 1
        chosen.append((sim, a, b, shared))
    answers = found.answers({u for _, a, b, _ in chosen for u in (a, b)}, names) if chosen else {}
    return [_pair(snap, a, b, shared, sim, uses, answers, home) for sim, a, b, shared in chosen]


def _shared(a: dict[str, list[Said]], b: dict[str, list[Said]], spread: Counter[str]) -> list[str]:
    """Phrases both used, rarest across members first; two-word phrases first, then words not inside them."""
    both = set(a) & set(b)

    def key(p: str) -> tuple[int, int, str]:
        return spread[p], -min(len(a[p]), len(b[p])), p

    chosen = sorted((p for p in both if " " in p), key=key)
    inside = {w for p in chosen for w in p.split()}
    chosen += sorted((p for p in both if " " not in p and p not in inside), key=key)
    return sorted(chosen, key=key)[:5]


def _evidence(msgs: dict[str, list[Said]], shared: list[str]) -> Message:
    """The member's message using the most shared topics (the top topic first), earliest on a tie."""
    pool = msgs[shared[0]]
    best = max(pool, key=lambda m: (sum(1 for p in shared if m in msgs.get(p, [])), -float(m.ts)))
    return best if isinstance(best, Message) else best.message()


def _pair(
    snap: Snapshot,
    a: str,
    b: str,
    shared: list[str],
    sim: float,
    uses: dict[str, dict[str, list[Said]]],
    answers: dict[str, list[set[str]]],
    home: dict[str, str],
) -> TwinPair:
    a_name, b_name = snap.member_name(a), snap.member_name(b)
    a_ch, b_ch = snap.channel_name(home[a]), snap.channel_name(home[b])
    topics = set(shared)
    given = {u: sum(1 for ps in answers.get(u, []) if ps & topics) for u in (a, b)}
    ma, mb = _evidence(uses[a], shared), _evidence(uses[b], shared)
    listed = ", ".join(shared[:3])
    reason = (
        f"{a_name} (mostly #{a_ch}) and {b_name} (mostly #{b_ch}) each wrote about {listed} at least "
        f"{MIN_TOPIC_MESSAGES} times and have not talked to each other yet."
    )
    pair = TwinPair(
        a=a,
        a_name=a_name,
        a_channel=a_ch,
        b=b,
        b_name=b_name,
        b_channel=b_ch,
        similarity=round(sim, 3),
        shared_topics=shared,
        reason=reason,
        citations=[snap.cite(ma), snap.cite(mb)],
        answers=given,
        topic_messages={p: {a: len(uses[a][p]), b: len(uses[b][p])} for p in shared},
    )
    lead, other = (a, b) if given[a] >= given[b] else (b, a)
    if given[lead] >= MIN_MENTOR_ANSWERS and given[lead] > given[other]:
        lead_name, other_name = snap.member_name(lead), snap.member_name(other)
        pair.kind = "mentor"
        pair.mentor, pair.mentor_name, pair.mentee, pair.mentee_name = lead, lead_name, other, other_name
        pair.reason += (
            f" {lead_name} answered {given[lead]} questions about it ({other_name}: {given[other]}), so "
            f"{lead_name} could mentor {other_name}."
        )
    else:
        pair.reason += " Neither has answered more questions about it than the other: they would meet as peers."
    return pair
