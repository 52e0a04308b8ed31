"""Repository over the moderation tables: flags, alerts (burst groups) and the append-only action log.

Services get ``FlagRecord`` and ``ActionRecord`` models (``assistant.domain.moderation``), never sessions or rows.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, NamedTuple

from sqlalchemy import case, delete, func, or_, select, update
from sqlalchemy.orm import Session

from assistant.domain import AuditEvent
from assistant.domain.moderation import ActionRecord, FlagRecord
from assistant.errors import NotFoundError
from assistant.store.moderation.tables import ActionRow, AlertRow, FlagRow
from assistant.store.schema import AuditRow
from assistant.store.sql import append_record, table_of, upsert_statement

if TYPE_CHECKING:
    from assistant.store.archive import Archive

#: What a flag keeps in its JSON payload.
_PAYLOAD_FIELDS = (
    "span",
    "refuting_fact",
    "excerpt",
    "scores",
    "crossed",
    "clause_ref",
    "categories",
    "similar_flags",
)
#: What a payload is read for: its fields and the names earlier flags also stored (``FlagRecord`` reads them).
_PAYLOAD_KEYS = frozenset((*_PAYLOAD_FIELDS, "clause", "similar"))
#: The flag's own columns, read as they are.
_COLUMNS = (
    "id",
    "channel_id",
    "ts",
    "user_id",
    "thread_ts",
    "judgment",
    "score",
    "threshold",
    "status",
    "shadow",
    "message_deleted",
    "alert_id",
    "edits",
    "decision",
    "decided_by",
    "created_at",
    "updated_at",
)


class AlertTimes(NamedTuple):
    """An alert's id, channel and first message time."""

    id: int
    channel_id: str
    first_time: float


class FlagSummary(NamedTuple):
    """What similar past flags are drawn from (``moderation.evidence.similar_flags``): a flag's identity, status
    and excerpt, read without its evidence."""

    id: int
    channel_id: str
    ts: str
    judgment: str
    status: str
    decision: str | None
    excerpt: str

    @classmethod
    def of(cls, flag: FlagRecord) -> FlagSummary:
        return cls(
            int(flag.id or 0),
            flag.channel_id,
            flag.ts,
            flag.judgment,
            str(flag.status),
            flag.decision,
            flag.excerpt,
        )


def _flag_at(s: Session, channel_id: str, ts: str) -> FlagRow | None:
    """The flag of one message (at most one: ``(channel_id, ts)`` is unique)."""
    return s.scalars(select(FlagRow).where(FlagRow.channel_id == channel_id, FlagRow.ts == ts)).first()


def _newest_summaries(s: Session, last: int) -> list[FlagSummary]:
    """The newest ``last`` flags' summaries, in message order (as ``ModerationStore.flags(last=...)`` orders)."""
    t = FlagRow.__table__
    q = (
        select(t.c.id, t.c.channel_id, t.c.ts, t.c.judgment, t.c.status, t.c.decision, t.c.payload)
        .order_by(t.c.message_time.desc(), t.c.id.desc())
        .limit(last)
    )
    return [
        FlagSummary(int(i), c, ts, j, str(st), d, str((p or {}).get("excerpt") or ""))
        for i, c, ts, j, st, d, p in s.execute(q)
    ][::-1]


def _payload(flag: FlagRecord) -> dict[str, Any]:
    return flag.model_dump(mode="json", include=set(_PAYLOAD_FIELDS))


def _flag_values(flag: FlagRecord, now: datetime) -> dict[str, Any]:
    return {
        "channel_id": flag.channel_id,
        "ts": flag.ts,
        "message_time": float(flag.ts),
        "user_id": flag.user_id,
        "thread_ts": flag.thread_ts,
        "judgment": flag.judgment,
        "score": flag.score,
        "threshold": flag.threshold,
        "payload": _payload(flag),
        "status": str(flag.status),
        "decision": flag.decision,
        "decided_by": flag.decided_by,
        "shadow": flag.shadow,
        "message_deleted": flag.message_deleted,
        "alert_id": flag.alert_id,
        "edits": flag.edits,
        "created_at": flag.created_at,
        "updated_at": now,
    }


def _lock_alert_groups(session: Session, channel_id: str) -> None:
    """PostgreSQL: one grouping of new flags into a channel's alerts at a time, in any process, until the
    transaction ends (the second reads what the first committed). SQLite's write transaction (``BEGIN IMMEDIATE``)
    already holds its one writer's lock."""
    if session.get_bind().dialect.name != "postgresql":
        return
    digest = hashlib.blake2b(f"assistant:alert-groups:{channel_id}".encode(), digest_size=8).digest()
    session.execute(select(func.pg_advisory_xact_lock(int.from_bytes(digest, "big", signed=True))))


def _to_record(row: FlagRow) -> FlagRecord:
    """The flag of a row: its columns and its payload (unset or null payload fields take the model's defaults)."""
    payload = {k: v for k, v in (row.payload or {}).items() if k in _PAYLOAD_KEYS and v is not None}
    return FlagRecord.model_validate({**payload, **{c: getattr(row, c) for c in _COLUMNS}})


class FlagWrites:
    """Flag writes in one open transaction (``ModerationStore.writing``); reads here see its writes."""

    def __init__(self, session: Session, dialect: str) -> None:
        self._s = session
        self._dialect = dialect
        self._locked: set[str] = set()

    def lock_channel(self, channel_id: str) -> None:
        if channel_id not in self._locked:
            _lock_alert_groups(self._s, channel_id)
            self._locked.add(channel_id)

    def flag_for(self, channel_id: str, ts: str) -> FlagRecord | None:
        row = _flag_at(self._s, channel_id, ts)
        return _to_record(row) if row else None

    def newest_summaries(self, last: int) -> list[FlagSummary]:
        """``ModerationStore.newest_summaries``, with this transaction's writes."""
        return _newest_summaries(self._s, last)

    def insert(self, flag: FlagRecord) -> FlagRecord:
        """Store a new flag; if the message was flagged meanwhile (another process), that flag is returned."""
        return self._upsert(flag)

    def insert_grouped(self, flag: FlagRecord, window_s: float) -> tuple[FlagRecord, bool] | None:
        """Store a new flag in its alert: the alert holding a flag by the same member or in the same thread in this
        channel within ``window_s`` (widened to include it, and True: an update of that alert), else a new alert
        (False). None when the message was flagged meanwhile (another process): that flag stands.

        Finding the group, opening or widening the alert and storing the flag happen in this transaction, with the
        channel's grouping locked across processes (a PostgreSQL advisory lock; SQLite's writer lock), so a burst
        whose messages two replicas flag at the same moment still makes one alert."""
        s = self._s
        at = float(flag.ts)
        self.lock_channel(flag.channel_id)
        flagged = select(FlagRow.id).where(FlagRow.channel_id == flag.channel_id, FlagRow.ts == flag.ts)
        if s.scalars(flagged).first() is not None:
            return None
        alert_id = ModerationStore._find_group(s, flag.channel_id, flag.user_id, flag.thread_ts, at, window_s)
        grouped = alert_id is not None
        if alert_id is None:
            alert_id = ModerationStore._open_alert(s, flag.channel_id, flag.user_id, flag.thread_ts, at)
        else:
            ModerationStore._extend_alert(s, alert_id, at)
        return self._upsert(flag.model_copy(update={"alert_id": alert_id})), grouped

    def _upsert(self, flag: FlagRecord) -> FlagRecord:
        s = self._s
        s.execute(
            upsert_statement(self._dialect, table_of(FlagRow), ["channel_id", "ts"]),
            _flag_values(flag, datetime.now(UTC)),
        )
        row = _flag_at(s, flag.channel_id, flag.ts)
        assert row is not None  # just upserted
        return _to_record(row)

    def update(self, flag: FlagRecord) -> FlagRecord:
        if flag.id is None:
            raise ValueError("only stored flags can be updated")
        row = self._s.get(FlagRow, flag.id)
        if row is None:
            raise NotFoundError(f"No flag with id {flag.id} exists.")
        row.judgment = flag.judgment
        row.score = flag.score
        row.threshold = flag.threshold
        row.payload = _payload(flag)
        row.status = str(flag.status)
        row.decision = flag.decision
        row.decided_by = flag.decided_by
        row.shadow = flag.shadow
        row.message_deleted = flag.message_deleted
        row.alert_id = flag.alert_id
        row.edits = flag.edits
        row.updated_at = datetime.now(UTC)
        self._s.flush()
        return _to_record(row)

    def append_audit(self, event: AuditEvent) -> AuditEvent:
        """An audit event, committed with the flag writes it is about."""
        return append_record(self._s, AuditRow, event)


class ModerationStore:
    """Short transactions over the moderation tables (same engine as the archive, whose migrations make them)."""

    def __init__(self, archive: Archive) -> None:
        self.archive = archive

    # Flags --------------------------------------------------------------------------------------------------
    def flagged(self, keys: Sequence[tuple[str, str]]) -> set[tuple[str, str]]:
        """Which of these (channel, ts) messages have a flag: one query per few hundred messages, so a batch of
        mostly unflagged messages asks for each flag only where there is one."""
        wanted = set(keys)
        found: set[tuple[str, str]] = set()
        ordered = sorted(wanted)
        with self.archive._session() as s:
            for start in range(0, len(ordered), 500):
                part = ordered[start : start + 500]
                q = select(FlagRow.channel_id, FlagRow.ts).where(
                    FlagRow.channel_id.in_({c for c, _ in part}), FlagRow.ts.in_({t for _, t in part})
                )
                found.update((str(c), str(t)) for c, t in s.execute(q) if (c, t) in wanted)
        return found

    def flag_for(self, channel_id: str, ts: str) -> FlagRecord | None:
        with self.archive._session() as s:
            return FlagWrites(s, self.archive.dialect).flag_for(channel_id, ts)

    def flag(self, flag_id: int) -> FlagRecord:
        with self.archive._session() as s:
            row = s.get(FlagRow, flag_id)
            if row is None:
                raise NotFoundError(f"No flag with id {flag_id} exists.")
            return _to_record(row)

    def insert(self, flag: FlagRecord) -> FlagRecord:
        """Store a new flag; if the message was flagged meanwhile (another process), that flag is returned:
        one flag per message, and never an ``IntegrityError``."""
        with self.writing() as w:
            return w.insert(flag)

    def insert_grouped(self, flag: FlagRecord, window_s: float) -> tuple[FlagRecord, bool] | None:
        """Store a new flag in its alert (``FlagWrites.insert_grouped``), in a transaction of its own."""
        with self.writing([flag.channel_id]) as w:
            return w.insert_grouped(flag, window_s)

    def update(self, flag: FlagRecord) -> FlagRecord:
        with self.writing() as w:
            return w.update(flag)

    @contextmanager
    def writing(self, channels: Iterable[str] = ()) -> Iterator[FlagWrites]:
        """One write transaction for many flag writes (a batch's new and re-judged flags and their audit events):
        one commit instead of one per flag and per event. PostgreSQL: the alert grouping of ``channels`` is locked
        for the whole transaction, taken in sorted order (two writers of overlapping channels never deadlock);
        SQLite's write transaction holds its one writer's lock. Nothing else may write to the archive through
        another session while it is open."""
        with self.archive._session() as s, s.begin():
            writes = FlagWrites(s, self.archive.dialect)
            for channel_id in sorted(set(channels)):
                writes.lock_channel(channel_id)
            yield writes

    def flags(
        self,
        channel_id: str | None = None,
        *,
        since: datetime | None = None,
        alert_id: int | None = None,
        decided_only: bool = False,
        last: int | None = None,
    ) -> list[FlagRecord]:
        """Flags in message order; ``last`` keeps only the newest that many (read as such, not all then cut)."""
        q = select(FlagRow)
        q = (
            q.order_by(FlagRow.message_time.desc(), FlagRow.id.desc()).limit(last)
            if last
            else q.order_by(FlagRow.message_time, FlagRow.id)
        )
        if channel_id:
            q = q.where(FlagRow.channel_id == channel_id)
        if since:
            q = q.where(FlagRow.message_time >= since.timestamp())
        if alert_id is not None:
            q = q.where(FlagRow.alert_id == alert_id)
        if decided_only:
            q = q.where(FlagRow.decision.is_not(None))
        with self.archive._session() as s:
            found = [_to_record(r) for r in s.scalars(q).all()]
        return found[::-1] if last else found

    def newest_summaries(self, last: int) -> list[FlagSummary]:
        """The newest ``last`` flags (as ``flags(last=...)`` chooses and orders them), summarised for similar
        flags: one plain read, no evidence validated."""
        with self.archive._session() as s:
            return _newest_summaries(s, last)

    # Alerts (burst groups) ----------------------------------------------------------------------------------
    def find_group(
        self, channel_id: str, user_id: str | None, thread_ts: str | None, at: float, window_s: float
    ) -> int | None:
        """An alert in this channel holding a flag by the same member or in the same thread, and whose
        flags span reaches within ``window_s`` of ``at`` (the rule ``grouping.group_bursts`` applies)."""
        with self.archive._session() as s:
            return self._find_group(s, channel_id, user_id, thread_ts, at, window_s)

    @staticmethod
    def _find_group(
        s: Session, channel_id: str, user_id: str | None, thread_ts: str | None, at: float, window_s: float
    ) -> int | None:
        if window_s <= 0:
            return None
        same: list[Any] = []
        if user_id:
            same.append(FlagRow.user_id == user_id)
        if thread_ts:
            same.append(FlagRow.thread_ts == thread_ts)
        if not same:
            return None
        q = (
            select(AlertRow.id)
            .join(FlagRow, FlagRow.alert_id == AlertRow.id)
            .where(
                AlertRow.channel_id == channel_id,
                or_(*same),
                AlertRow.last_time >= at - window_s,
                AlertRow.first_time <= at + window_s,
            )
            .order_by(AlertRow.last_time.desc())
        )
        found = s.scalars(q).first()
        return int(found) if found is not None else None

    def open_alert(self, channel_id: str, user_id: str | None, thread_ts: str | None, at: float) -> int:
        with self.archive._session() as s, s.begin():
            return self._open_alert(s, channel_id, user_id, thread_ts, at)

    @staticmethod
    def _open_alert(s: Session, channel_id: str, user_id: str | None, thread_ts: str | None, at: float) -> int:
        row = AlertRow(
            channel_id=channel_id,
            user_id=user_id,
            thread_ts=thread_ts,
            first_time=at,
            last_time=at,
            created_at=datetime.now(UTC),
        )
        s.add(row)
        s.flush()
        return int(row.id)

    def extend_alert(self, alert_id: int, at: float) -> None:
        """Widen the alert's time span to include ``at`` (one atomic update: concurrent extends both count)."""
        with self.archive._session() as s, s.begin():
            self._extend_alert(s, alert_id, at)

    @staticmethod
    def _extend_alert(s: Session, alert_id: int, at: float) -> None:
        s.execute(
            update(AlertRow)
            .where(AlertRow.id == alert_id)
            .values(
                first_time=case((AlertRow.first_time > at, at), else_=AlertRow.first_time),
                last_time=case((AlertRow.last_time < at, at), else_=AlertRow.last_time),
            )
        )

    def alerts(self, channel_id: str | None = None) -> list[AlertTimes]:
        """(alert id, channel id, first message time) of every alert."""
        q = select(AlertRow.id, AlertRow.channel_id, AlertRow.first_time).order_by(AlertRow.first_time)
        if channel_id:
            q = q.where(AlertRow.channel_id == channel_id)
        with self.archive._session() as s:
            return [AlertTimes(int(r[0]), str(r[1]), float(r[2])) for r in s.execute(q).all()]

    # Actions (append-only) --------------------------------------------------------------------------------------
    def add_action(self, action: ActionRecord) -> ActionRecord:
        with self.archive._session() as s, s.begin():
            return append_record(s, ActionRow, action)

    def actions(self, flag_ids: Sequence[int]) -> list[ActionRecord]:
        if not flag_ids:
            return []
        with self.archive._session() as s:
            rows = s.scalars(
                select(ActionRow).where(ActionRow.flag_id.in_(list(flag_ids))).order_by(ActionRow.id)
            ).all()
            return [ActionRecord.model_validate(r, from_attributes=True) for r in rows]

    # Retention --------------------------------------------------------------------------------------------------
    def delete_older_than(self, cutoff: datetime) -> int:
        """Really delete flags (with their actions) on messages older than ``cutoff``, and emptied alerts."""
        with self.archive._session() as s, s.begin():
            ids = list(s.scalars(select(FlagRow.id).where(FlagRow.message_time < cutoff.timestamp())))
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                s.execute(delete(ActionRow).where(ActionRow.flag_id.in_(chunk)))
                s.execute(delete(FlagRow).where(FlagRow.id.in_(chunk)))
            s.execute(delete(AlertRow).where(AlertRow.last_time < cutoff.timestamp()))
            return len(ids)
