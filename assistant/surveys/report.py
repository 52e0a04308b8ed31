"""Surveys in the HTML report (``assistant report``): the latest surveys' results and one bar chart of their
answers per option."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from assistant.surveys.models import SurveyResults

MAX_SURVEYS = 6


def latest_results(service: Any, visible: Iterable[str] | None = None) -> list[SurveyResults]:
    """The newest surveys posted in channels the reader may see (every survey when ``visible`` is None)."""
    keep = set(visible) if visible is not None else None
    out = []
    for survey in service.list_surveys():
        if keep is not None and not set(survey.channels) <= keep:
            continue
        out.append(service.results(survey.id))
        if len(out) >= MAX_SURVEYS:
            break
    return out


def surveys_chart(results: list[SurveyResults]) -> str | None:
    """Horizontal bars: answers per option of each choice survey, and per theme of each free-text survey."""
    from matplotlib.ticker import MaxNLocator

    from assistant.insights.report import _figure, _png

    rows: list[tuple[str, int, str]] = []
    for n, r in enumerate(results, start=1):
        if r.options:
            rows.extend((f"{n}. {o.option[:40]}", o.count, f" {o.count} ({o.share:.0%})") for o in r.options)
        else:
            rows.extend((f"{n}. “{t.label[:38]}”", t.size, f" {t.size} answers") for t in r.themes)
    if not rows:
        return None
    rows = rows[:30][::-1]
    fig, ax = _figure(9.0, 0.4 * len(rows) + 1.2)
    ax.barh([label for label, _, _ in rows], [count for _, count, _ in rows], color="#72b7b2")
    for i, (_, count, note) in enumerate(rows):
        ax.text(count, i, note, va="center", fontsize=8)
    ax.set_xlabel("answers")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_title("Survey answers (numbered as in the list below)")
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)
