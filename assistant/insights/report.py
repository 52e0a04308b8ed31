"""``assistant report``: one self-contained HTML file (inline PNG charts, no external assets) that managers
would rather look at than read: activity and sentiment over time, wants per channel, member flow, survey results,
and the tables behind them with quoted messages.
"""

from __future__ import annotations

import base64
import io
import logging
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from matplotlib.ticker import MaxNLocator

from assistant.insights import members as members_mod
from assistant.insights.data import Snapshot
from assistant.insights.metrics import compute_metrics
from assistant.insights.periods import period_start, rolling, to_date
from assistant.insights.twinning import open_flag_members
from assistant.insights.wants import channel_wants
from assistant.surveys.report import latest_results, surveys_chart

if TYPE_CHECKING:
    from assistant.insights.service import InsightsService

logger = logging.getLogger(__name__)

TEMPLATES = Path(__file__).resolve().parent / "templates"
MAX_CHANNEL_LINES = 8


def _bucket(span: timedelta) -> str:
    if span <= timedelta(days=92):
        return "week" if span > timedelta(days=21) else "day"
    return "week" if span <= timedelta(days=730) else "month"


def _bucket_start(when: datetime, bucket: str) -> datetime:
    return period_start(bucket, when)  # type: ignore[arg-type]


def _buckets(first: datetime, last: datetime, bucket: str) -> list[datetime]:
    """Every bucket start from ``first`` to ``last``, so quiet periods show as zeros instead of being skipped."""
    out = []
    cur = _bucket_start(first, bucket)
    while cur <= last:
        out.append(cur)
        if bucket == "month":
            cur = (cur + timedelta(days=32)).replace(day=1)
        else:
            cur = cur + timedelta(days=1 if bucket == "day" else 7)
    return out


def _png(fig: Any) -> str:
    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=100, bbox_inches="tight")
    plt.close(fig)
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def _figure(width: float = 9.0, height: float = 3.4) -> tuple[Any, Any]:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(width, height))
    ax.spines[["top", "right"]].set_visible(False)
    ax.grid(axis="y", alpha=0.3)
    return fig, ax


def _top_channels(snap: Snapshot) -> list[str]:
    ranked = sorted(snap.by_channel, key=lambda c: (-len(snap.by_channel[c]), snap.channel_name(c)))
    return ranked[:MAX_CHANNEL_LINES]


def activity_chart(snap: Snapshot, bucket: str) -> str | None:
    if not snap.messages:
        return None
    fig, ax = _figure()
    xs = _buckets(snap.messages[0].time, snap.messages[-1].time, bucket)
    for cid in _top_channels(snap):
        counts = Counter(_bucket_start(m.time, bucket) for m in snap.by_channel[cid])
        ax.plot(xs, [counts[x] for x in xs], marker="o", markersize=3, label="#" + snap.channel_name(cid))
    ax.set_ylabel(f"messages per {bucket}")
    ax.set_title("Activity over time")
    ax.legend(fontsize=8, ncol=2, frameon=False)
    fig.autofmt_xdate()
    return _png(fig)


def sentiment_chart(snap: Snapshot, bucket: str) -> str | None:
    if not snap.judgments:
        return None
    fig, ax = _figure()
    drawn = False
    for cid in _top_channels(snap):
        per: dict[datetime, Counter[str]] = defaultdict(Counter)
        for m in snap.by_channel[cid]:
            j = snap.judgment(m)
            if j is not None:
                per[_bucket_start(m.time, bucket)][j.sentiment.label] += 1
        xs = sorted(x for x, c in per.items() if sum(c.values()) >= 3)
        if not xs:
            continue
        net = [(per[x]["positive"] - per[x]["negative"]) / sum(per[x].values()) for x in xs]
        ax.plot(xs, net, marker="o", markersize=3, label="#" + snap.channel_name(cid))
        drawn = True
    if not drawn:
        import matplotlib.pyplot as plt

        plt.close(fig)
        return None
    ax.axhline(0, color="#888", linewidth=0.8)
    ax.set_ylim(-1, 1)
    ax.set_ylabel("positive − negative share")
    ax.set_title(f"Sentiment over time (per {bucket}, buckets with 3+ judged messages)")
    ax.legend(fontsize=8, ncol=2, frameon=False)
    fig.autofmt_xdate()
    return _png(fig)


def wants_chart(themes: list[tuple[str, str, int, int]]) -> str | None:
    """themes: (channel, label, size, distinct members)."""
    if not themes:
        return None
    top = sorted(themes, key=lambda t: (-t[2], t[0], t[1]))[:15][::-1]
    fig, ax = _figure(9.0, 0.45 * len(top) + 1.2)
    ax.barh([f"#{c}: {label[:40]}" for c, label, _, _ in top], [s for _, _, s, _ in top], color="#4c78a8")
    for i, (_, _, size, people) in enumerate(top):
        ax.text(size, i, f" {size} asks, {people} people", va="center", fontsize=8)
    ax.set_xlabel("want messages in the theme")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("What channels want")
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def member_flow_chart(snap: Snapshot, bucket: str, now: datetime, quiet_after: timedelta) -> str | None:
    if not snap.messages:
        return None
    first: dict[str, datetime] = {}
    last: dict[str, datetime] = {}
    active: dict[datetime, set[str]] = defaultdict(set)
    for m in snap.messages:
        if not m.user_id:
            continue
        first.setdefault(m.user_id, m.time)
        last[m.user_id] = m.time
        active[_bucket_start(m.time, bucket)].add(m.user_id)
    xs = sorted(active)
    new = Counter(_bucket_start(t, bucket) for t in first.values())
    gone = Counter(_bucket_start(t, bucket) for t in last.values() if now - t >= quiet_after)
    fig, ax = _figure()
    import numpy as np

    pos = np.arange(len(xs))
    ax.bar(pos - 0.2, [new[x] for x in xs], width=0.4, color="#54a24b", label="first message")
    ax.bar(pos + 0.2, [-gone[x] for x in xs], width=0.4, color="#e45756", label="last message (silent since)")
    ax.plot(pos, [len(active[x]) for x in xs], color="#333", marker=".", label="active members")
    step = max(1, len(xs) // 12)
    ax.set_xticks(pos[::step], [x.strftime("%Y-%m-%d") for x in xs][::step], rotation=30, ha="right", fontsize=8)
    ax.axhline(0, color="#888", linewidth=0.8)
    ax.set_ylabel(f"members per {bucket}")
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Member flow: arrivals, departures and active members")
    ax.legend(fontsize=8, frameon=False)
    return _png(fig)


def _survey_service(service: InsightsService) -> Any:
    """The context's survey service (it clusters free-text answers), else one over the same archive."""
    from assistant.surveys.service import SurveyService

    provider = getattr(service, "surveys", None)
    return provider() if provider is not None else SurveyService(service.archive, clock=service.clock)


def write_report(
    service: InsightsService, path: Path, *, at: datetime | None = None, visible: Iterable[str] | None = None
) -> Path:
    snap = service.snapshot(visible)
    now = snap.now(at)
    month = to_date("month", now)
    recognise = rolling(30, now)
    span = (snap.messages[-1].time - snap.messages[0].time) if snap.messages else timedelta(0)
    bucket = _bucket(span)
    channel_ids = sorted((c for c in snap.by_channel if snap.by_channel[c]), key=snap.channel_name)
    monthly = [compute_metrics(snap, cid, month) for cid in channel_ids]
    monthly = [m for m in monthly if m.messages or (m.previous and m.previous.messages)]
    all_wants = [
        channel_wants(snap, cid, service.vectors, threshold=service.want_threshold, at=now) for cid in channel_ids
    ]
    theme_rows = [(w.channel_name, t.label, t.size, t.distinct_members) for w in all_wants for t in w.themes]
    surveys = latest_results(_survey_service(service), visible)
    context = {
        "generated": service.clock().astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "now": now,
        "now_is_newest": at is None,
        "month": month,
        "recognise": recognise,
        "first": snap.messages[0].time if snap.messages else None,
        "bucket": bucket,
        "workspace": compute_metrics(snap, None, month),
        "monthly": monthly,
        "wants": [w for w in all_wants if w.themes or w.one_offs],
        "quiet": members_mod.quiet_members(snap, at=now, quiet_weeks=service.quiet_weeks),
        "newcomers": members_mod.unanswered_newcomers(snap, at=now, newcomer_days=service.newcomer_days),
        "contributors": members_mod.top_contributors(snap, since=recognise.start, at=now, k=8),
        "twins": members_mod.twins(
            snap,
            service.vectors,
            k=5,
            flagged=open_flag_members(service.archive),
            profiles=service.member_profiles(),
        ),
        "surveys": surveys,
        "charts": {
            "activity": activity_chart(snap, bucket),
            "sentiment": sentiment_chart(snap, bucket),
            "wants": wants_chart(theme_rows),
            "flow": member_flow_chart(snap, bucket, now, timedelta(weeks=service.quiet_weeks)),
            "surveys": surveys_chart(surveys),
        },
    }
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html", "j2"]))
    html = env.get_template("report.html.j2").render(**context)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    logger.info("report written to %s (%d bytes)", path, len(html))
    return path
