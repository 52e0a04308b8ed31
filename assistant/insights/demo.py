"""Demo section: the three manager questions the sample workspace was written to answer, asked through the
same Q&A service as ``assistant ask`` and Slack ``/ask``, plus the report file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.context import Context

DEMO_QUESTIONS = (
    "What does each channel want?",
    "Who went quiet?",
    "How did each channel feel this month?",
    "Any newcomers nobody answered?",
)


def insights_section(ctx: Context) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for question in DEMO_QUESTIONS:
        answer = ctx.qa.ask(question)
        out[question] = {
            "answer": answer.answer,
            "citations": [f"#{c.channel} {c.ts} {c.user or ''}: {c.text[:90]}" for c in answer.citations],
        }
    path = ctx.insights.report(ctx.settings.data_dir / "community-report.html")
    out["report"] = str(path)
    return out
