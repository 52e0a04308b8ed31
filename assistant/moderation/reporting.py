"""Reading moderation back: an alert's current state, flags, alert and flag volume per day, and the audit log."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from assistant.domain import AuditEvent
from assistant.domain.records import FlagStatus
from assistant.errors import NotFoundError
from assistant.moderation.models import WORKSPACE, Alert, DailyVolume, FlagRecord, SimilarFlag
from assistant.moderation.scope import ModerationScope
from assistant.store.moderation import ModerationStore

REMOVAL_HINT = (
    "Removing messages needs a Slack admin user token: set SLACK_ADMIN_TOKEN to the user token (xoxp-…) of a "
    "workspace admin with the chat:write scope, then restart the assistant."
)


class ModerationReports:
    """Alerts as moderators see them, and the lists and counts the CLI and the App Home show."""

    def __init__(self, scope: ModerationScope, store: ModerationStore) -> None:
        self.scope = scope
        self.store = store

    def alert(
        self,
        alert_id: int,
        *,
        is_update: bool = False,
        names: Mapping[str, str] | None = None,
        channel_names: Mapping[str, str] | None = None,
    ) -> Alert:
        """The current state of an alert, for posting or re-rendering after an action.

        A caller rendering many alerts at once (a batch's) passes what they share, read once: the members'
        ``names`` and the ``channel_names``."""
        flags = self.store.flags(alert_id=alert_id)
        if not flags:
            raise NotFoundError(f"No alert with id {alert_id} exists.")
        primary = max(flags, key=lambda f: (f.score - f.threshold, f.ts))
        names = self.scope.archive.member_names() if names is None else names
        channel_name = (self.scope.channel_names() if channel_names is None else channel_names).get(
            primary.channel_id
        )
        similar = [self._refresh_similar(s) for s in primary.similar_flags]
        history = self.store.actions([f.id for f in flags if f.id is not None])
        open_flags = [f for f in flags if f.status == FlagStatus.OPEN]
        status = str(FlagStatus.OPEN) if open_flags else str(flags[-1].status)
        removal = self.scope.settings.slack_admin_token is not None
        return Alert(
            alert_id=alert_id,
            channel_id=primary.channel_id,
            channel_name=channel_name,
            author_id=primary.user_id,
            author_name=names.get(primary.user_id or ""),
            thread_ts=primary.thread_ts,
            flags=flags,
            excerpt=primary.excerpt,
            judgment=primary.judgment,
            scores=primary.scores,
            categories=primary.categories,
            span=primary.span,
            clause=primary.clause_ref,
            refuting_fact=primary.refuting_fact,
            similar=similar,
            removal_available=removal,
            removal_hint=None if removal else REMOVAL_HINT,
            status=status,
            history=history,
            is_update=is_update,
            grouped=len(flags),
        )

    def _refresh_similar(self, similar: SimilarFlag) -> SimilarFlag:
        try:
            current = self.store.flag(similar.flag_id)
        except NotFoundError:
            return similar
        return similar.model_copy(update={"status": str(current.status), "decision": current.decision})

    def flags(self, channel_ref: str | None = None, *, since_days: float | None = None) -> list[FlagRecord]:
        channel_id = self.scope.channel_id(channel_ref)
        since = self.scope.clock() - timedelta(days=since_days) if since_days else None
        return self.store.flags(None if channel_id == WORKSPACE else channel_id, since=since)

    def daily_volume(self, channel: str | None = None) -> list[DailyVolume]:
        """Alerts and flags per channel per day (message day, UTC), shadow flags excluded from alerts."""
        channel_id = self.scope.channel_id(channel)
        names = self.scope.channel_names()
        rows: dict[tuple[str, str], DailyVolume] = {}
        for _, cid, first in self.store.alerts(channel_id):
            day = datetime.fromtimestamp(first, tz=UTC).date().isoformat()
            row = rows.setdefault(
                (cid, day),
                DailyVolume(channel_id=cid, channel_name=names.get(cid), day=day, alerts=0, flags=0),
            )
            row.alerts += 1
        for f in self.store.flags(channel_id):
            day = datetime.fromtimestamp(float(f.ts), tz=UTC).date().isoformat()
            row = rows.setdefault(
                (f.channel_id, day),
                DailyVolume(
                    channel_id=f.channel_id, channel_name=names.get(f.channel_id), day=day, alerts=0, flags=0
                ),
            )
            row.flags += 1
        return sorted(rows.values(), key=lambda r: (r.day, r.channel_name or r.channel_id))

    def audit_log(self, since_days: float | None = None, action: str | None = None) -> list[AuditEvent]:
        since = self.scope.clock() - timedelta(days=since_days) if since_days else None
        return self.scope.archive.audit(since=since, action=action)
