"""The demo's engagement section: a survey's results from seeded answers, this month's milestones, and the twin and
mentor pairs with their reasons, all on the sample workspace."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from assistant.context import Context

MARIA = "U04KQ7M2PA"
DESIGN, EVENTS, GENERAL = "C02DSGN4KM", "C04EVNT2RB", "C01GNRL7QX"

#: Seeded answers to "What should #design focus on next month?" (member, answer).
FOCUS_ANSWERS = [
    ("U07LM4UE2X", "More portfolio reviews and critique sessions"),
    ("U07NH8R3GZ", "Portfolio critique evenings with the senior designers"),
    ("U04KQ7M2PA", "Regular portfolio review nights for newcomers"),
    ("U06CD5B8WF", "A Figma prototyping workshop"),
    ("U05OA3D7YB", "Figma prototyping tips, especially auto layout"),
    ("U02BC7Y4MS", "Dark mode for the guild website"),
]
#: Seeded answers to the anonymous "Which event format ...?" (member, channel, option).
FORMAT_ANSWERS = [
    ("U07LM4UE2X", EVENTS, "Hands-on workshop"),
    ("U03KW9T5NJ", EVENTS, "Hands-on workshop"),
    ("U08SR2V6QM", EVENTS, "Evening talk"),
    ("U02TB8EKC4", EVENTS, "Hands-on workshop"),
    ("U06CD5B8WF", GENERAL, "Weekend meetup"),
    ("U05OA3D7YB", GENERAL, "Hands-on workshop"),
    ("U09IC4N6WA", GENERAL, "Online session"),
]


def engagement_section(ctx: Context) -> dict[str, Any]:
    from assistant.insights.milestones import Thresholds, milestones
    from assistant.insights.periods import to_date
    from assistant.insights.twinning import TwinPair
    from assistant.surveys import survey_service
    from assistant.surveys.models import SurveySpec
    from assistant.surveys.templates import TEMPLATES

    surveys = survey_service(ctx)
    now = ctx.clock()
    section: dict[str, Any] = {}
    focus = surveys.create(
        SurveySpec(
            question=TEMPLATES["focus-next-month"].render("design"),
            kind="text",
            channels=[DESIGN],
            closes_at=now + timedelta(days=7),
            template="focus-next-month",
        ),
        MARIA,
    )
    for user, text in FOCUS_ANSWERS:
        surveys.answer(focus.id, user, channel_id=DESIGN, text=text)
    fmt = TEMPLATES["event-format"]
    formats = surveys.create(
        SurveySpec(
            question=fmt.render("events"),
            kind="single",
            options=list(fmt.options),
            channels=[EVENTS, GENERAL],
            anonymous=True,
            closes_at=now + timedelta(days=7),
            template=fmt.name,
        ),
        MARIA,
    )
    for user, channel, option in FORMAT_ANSWERS:
        surveys.answer(formats.id, user, channel_id=channel, choices=[option])
    surveys.answer(formats.id, "U03KW9T5NJ", channel_id=EVENTS, choices=["Evening talk"])  # changed: replaces
    for survey in (focus, formats):
        surveys.close(survey.id, MARIA)
        results = surveys.results(survey.id)
        lines: list[str] = []
        for o in results.options:
            lines.append(f"{o.option}: {o.count} ({o.share:.0%})")
        lines.extend(c.line() for c in results.per_channel)
        for t in results.themes:
            lines.append(f"theme “{t.label}” ({t.size}): " + " / ".join(t.answers[:3]))
        lines.extend(f"one-off: {a}" for a in results.one_offs)
        kind = "anonymous" if results.survey.anonymous else "named"
        section[f"Survey “{results.survey.question}” ({kind}, {results.respondents} answers)"] = lines
    wants = ctx.insights.wants("design", at=ctx.clock())[0]  # the answers came now, after the export
    section["#design's wants now include the survey's answers"] = [
        f"{t.label}: {t.size} wants, {t.solicited} from the survey" for t in wants.themes if t.solicited
    ]
    snap = ctx.insights.snapshot()
    month = to_date("month", snap.now(None))
    thresholds = Thresholds.from_settings(ctx.settings)
    found = milestones(snap, month.start, month.end, thresholds)
    section[f"Milestones {month.label}"] = [
        f"{m.at:%d %b}: {m.title} — suggested: {m.suggestion}" for m in found
    ] or ["none"]
    pairs: list[str] = []
    for p in ctx.insights.twins(k=5):
        kind = p.kind if isinstance(p, TwinPair) else "twin"
        evidence = " | ".join(f"{c.user}: “{c.text[:90]}”" for c in p.citations)
        pairs.append(f"[{kind}] {p.reason} Evidence: {evidence}")
    section["Who should meet (twins and mentors)"] = pairs or ["no pairs with clearly shared interests"]
    return section
