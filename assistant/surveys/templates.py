"""Ready-made surveys a manager picks instead of writing one; ``{channel}`` becomes the first target channel."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SurveyTemplate:
    name: str
    title: str
    question: str
    kind: str
    options: tuple[str, ...] = field(default_factory=tuple)

    def render(self, channel_name: str | None) -> str:
        return self.question.replace("{channel}", f"#{channel_name}" if channel_name else "this channel")


TEMPLATES: dict[str, SurveyTemplate] = {
    t.name: t
    for t in (
        SurveyTemplate(
            "focus-next-month",
            "What should the channel focus on next month?",
            "What should {channel} focus on next month?",
            "text",
        ),
        SurveyTemplate(
            "event-format",
            "Which event format do you prefer?",
            "Which event format would you come to in {channel}?",
            "single",
            ("Evening talk", "Hands-on workshop", "Online session", "Weekend meetup"),
        ),
        SurveyTemplate(
            "channel-health",
            "How useful is the channel to you?",
            "How useful is {channel} to you these days?",
            "single",
            ("Very useful", "Somewhat useful", "Not very useful"),
        ),
        SurveyTemplate(
            "topics",
            "Which topics do you want more of?",
            "Which topics do you want more of in {channel}?",
            "multiple",
            ("Beginner questions", "Project show-and-tell", "Tool and software tips", "Events and meetups"),
        ),
    )
}
