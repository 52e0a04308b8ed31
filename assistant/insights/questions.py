"""Understanding a manager's question without an LLM: intent (rules first, then similarity to exemplars),
channels (``#design``, "design", "each channel"), a time window ("this month", "last week", "since Monday",
"in October", "last 10 days"; see ``parse_time``) and an author ("@priya", "what did priya say").
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import TYPE_CHECKING, Literal

from assistant.insights.data import Snapshot
from assistant.insights.periods import Window, aware, calendar_month, last, period_start, rolling, since, to_date
from assistant.lazy import provided

if TYPE_CHECKING:
    import numpy as np

    from assistant.encoder import Encoder

Intent = Literal[
    "search", "quiet", "newcomers", "twins", "contributors", "wants", "mood", "guidelines", "topics", "activity"
]

#: Checked in this order; the first matching intent wins.
INTENT_RULES: list[tuple[Intent, re.Pattern[str]]] = [
    (
        "topics",
        re.compile(
            r"\btopics?\b|\binterest(s|ed)?\b|\bsegment|\baudience\b|\bsubjects?\b|"
            r"\bwhat do(es)? [\w@#-]+ (usually |mostly )?(talk|chat) about( in #?[\w-]+( channel)?)?\s*\??\s*$",
            re.I,
        ),
    ),
    (
        "search",
        re.compile(
            r"\b(said|say|saying|says|mention(ed|s)?|discuss(ed|ing)?|talk(ed|ing)?) (about|on)\b|"
            r"\bwhat did @?[\w.\-]+ (say|write|post|ask)\b",
            re.I,
        ),
    ),
    (
        "quiet",
        re.compile(
            r"\b(went|gone|go(ing)?|fell|fallen) (quiet|silent)|\bquiet\b|\bsilent\b|stopped "
            r"(posting|talking|coming)|disappeared|inactive|\bchurn",
            re.I,
        ),
    ),
    (
        "newcomers",
        re.compile(
            r"\bnewcomers?\b|\bnew (members?|people|joiners?|folks)\b|\bunanswered\b|"
            r"nobody (answered|replied)|no one (answered|replied)|\bwelcom",
            re.I,
        ),
    ),
    (
        "twins",
        re.compile(
            r"\btwin|\bmentor|\bpair(ed|ing)? up\b|similar interests|should (meet|connect|talk)|"
            r"\bintroduce\b|\bbuddy",
            re.I,
        ),
    ),
    (
        "contributors",
        re.compile(
            r"\bcontributors?\b|most active (members?|people)|who (is|are|was|were) (the )?most "
            r"(active|helpful)|\brecogni[sz]|\bhelpful\b|who helped|\bchampions?\b|\bmvps?\b|"
            r"\bthank\b",
            re.I,
        ),
    ),
    (
        "wants",
        re.compile(
            r"\bwants?\b|\bwish(es)?\b|\brequest(s|ed|ing)?\b|asking for|ask(ed)? for|\bsuggest|"
            r"\bneeds?\b|feature|would like|\bimprove",
            re.I,
        ),
    ),
    (
        "mood",
        re.compile(
            r"\bfe(el|els|eling|lt)\b|\bmood|\bsentiment|\bhappy|\bunhappy|\bupset|\bvibe|\bmorale|"
            r"\btone\b|\bangry|\bfrustrat|\bpositive|\bnegative",
            re.I,
        ),
    ),
    (
        "guidelines",
        re.compile(
            r"\bguidelines?\b|\brules?\b|\ballowed\b|\bpolicy|code of conduct|\bpermitted|"
            r"\bbanned\b|\bclause",
            re.I,
        ),
    ),
    (
        "activity",
        re.compile(
            r"\bactiv(e|ity)\b|how many|\bengag|\bbusy\b|participat|\bmetrics?\b|\bstats?\b|"
            r"\bmessages\b|reply rate|\btrend|\bgrow",
            re.I,
        ),
    ),
]

#: Exemplars for questions no rule recognises (nearest by embedding, if similar enough).
INTENT_EXEMPLARS: dict[Intent, list[str]] = {
    "wants": ["What are members asking for?", "What improvements do people request?"],
    "mood": ["How are people feeling?", "Is the channel in a good mood?"],
    "activity": ["How lively was the channel?", "Is the community growing or shrinking?"],
    "quiet": ["Who stopped showing up?", "Which regulars have we lost?"],
    "newcomers": ["Did anyone greet the people who just joined?"],
    "contributors": ["Who should I thank for their work?", "Who answers the most questions?"],
    "twins": ["Who has things in common across channels?"],
    "topics": ["What do people talk about here?", "What subjects come up?"],
    "guidelines": ["Can I post advertisements?", "What is the code of conduct?"],
    "search": ["Has anyone mentioned the laser cutter?", "What do people think of the new printer?"],
}
EXEMPLAR_MIN_SIMILARITY = 0.45

_ALL_CHANNELS = re.compile(
    r"\b(each|every|all|per|the) channels?\b|\bacross channels\b|\bchannel by channel\b", re.I
)
_CHANNEL_LEAD = r"(in|on|does|did|do|of|for|from|is|was|has|have|at|about|and|,)"
_WEEKDAYS = {name.lower(): i for i, name in enumerate(calendar.day_name)}
_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
#: "the last 3 months" is 90 × 24 h, and is labelled "the past 90 days".
_UNIT_DAYS = {"day": 1, "week": 7, "month": 30}
#: Calendar phrases, checked in this order.
_CALENDAR_PHRASES: list[tuple[str, Callable[[datetime], Window]]] = [
    (r"\btoday\b", partial(to_date, "day")),
    (r"\byesterday\b", partial(last, "day")),
    (r"\bthis week\b", partial(to_date, "week")),
    (r"\blast week\b", partial(last, "week")),
    (r"\bthis month\b", partial(to_date, "month")),
    (r"\blast month\b", partial(last, "month")),
    (r"\bthis year\b", partial(to_date, "year")),
]


@dataclass
class ParsedQuestion:
    text: str
    intent: Intent
    channel_ids: list[str] = field(default_factory=list)
    all_channels: bool = False
    window: Window | None = None
    author_id: str | None = None
    topic: str = ""


def parse_time(text: str, now: datetime) -> Window | None:
    """The window a question names, built by ``assistant.insights.periods`` so its label says what it covers:
    "this week"/"last week" are ISO calendar weeks, "the last 10 days" the 240 hours up to ``now``, "in March
    2019" that calendar month."""
    t = text.lower()
    now = aware(now).astimezone(UTC)
    for pattern, make in _CALENDAR_PHRASES:
        if re.search(pattern, t):
            return make(now)
    m = re.search(r"\b(?:last|past) (\d{1,3}) (day|week|month)s?\b", t)
    if m and int(m.group(1)) > 0:
        return rolling(int(m.group(1)) * _UNIT_DAYS[m.group(2)], now)
    m = re.search(r"\b(?:past|last) (day|week|month)\b", t)  # "past week": 7 × 24 h; "last week" is above
    if m:
        return rolling(_UNIT_DAYS[m.group(1)], now)
    m = re.search(r"\bsince (" + "|".join(_WEEKDAYS) + r")\b", t)
    if m:
        day = period_start("day", now)
        back = (day.weekday() - _WEEKDAYS[m.group(1)]) % 7 or 7
        return since(day - timedelta(days=back), now, f"since {m.group(1).title()}")
    m = re.search(r"\bsince (\d{4}-\d{2}-\d{2})\b", t)
    if m:
        start = datetime.fromisoformat(m.group(1)).replace(tzinfo=UTC)
        return since(start, now, f"since {m.group(1)}")
    m = re.search(
        r"\b(?:in|during|since) (" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\b(?:,? (\d{4})\b)?", t
    )
    if m:
        month = _MONTHS[m.group(1)]
        year = now.year if month <= now.month else now.year - 1
        if m.group(2):  # "in March 2019"; without a year, the latest March up to now
            year = int(m.group(2))
        if t[m.start() :].startswith("since"):
            return since(datetime(year, month, 1, tzinfo=UTC), now, f"since {calendar.month_name[month]}")
        return calendar_month(year, month, now)
    if re.search(r"\brecent(ly)?\b|\blately\b", t):
        return rolling(14, now)
    return None


def parse_channels(text: str, snap: Snapshot) -> tuple[list[str], bool]:
    found: list[str] = []
    for c in sorted(snap.channels.values(), key=lambda c: -len(c.name)):
        name = re.escape(c.name.lower())
        explicit = re.search(rf"(?<![\w-])#{name}(?![\w-])", text.lower()) or re.search(
            rf"(?<![\w-]){re.escape(c.id.lower())}(?![\w-])", text.lower()
        )
        bare = re.search(rf"\b{_CHANNEL_LEAD} (the )?{name}(?![\w-])", text.lower()) or re.search(
            rf"(?<![\w#-]){name} channel\b", text.lower()
        )
        if (explicit or bare) and c.id not in found:
            found.append(c.id)
    return found, bool(_ALL_CHANNELS.search(text)) and not found


def parse_author(text: str, snap: Snapshot) -> str | None:
    lowered = text.lower()
    for uid, member in snap.members.items():
        names = {n.lower() for n in (member.name, member.display_name) if n}
        if member.real_name:
            names.add(member.real_name.lower())
        for n in names:
            if n not in lowered:  # every pattern below holds the name itself: most members are out at once
                continue
            pattern = re.escape(n)
            if (
                re.search(rf"@{pattern}\b", lowered)
                or re.search(
                    rf"\b(did|does|from|by|has|have) {pattern} (say|said|write|wrote|post|posted|ask|asked|mention)",
                    lowered,
                )
                or re.search(rf"\b(from|by) {pattern}\b", lowered)
            ):
                return uid
    return None


_FRAMING = re.compile(
    r"^\s*(what|which|who|how|when|where|did|has|have|is|are|was|were|do|does|tell me|show me|find|any)\b.*?"
    r"\b(said|say|saying|says|mention(?:ed|s)?|discuss(?:ed|ing)?|talk(?:ed|ing)?|write|wrote|post(?:ed)?|"
    r"ask(?:ed)?)\b\s*(about|on|regarding)?\s*",
    re.I,
)


def extract_topic(text: str, snap: Snapshot) -> str:
    topic = _FRAMING.sub("", text)
    for c in snap.channels.values():
        topic = re.sub(rf"(\b(in|on|from)\s+)?#?\b{re.escape(c.name)}\b( channel)?", " ", topic, flags=re.I)
    topic = re.sub(
        r"\b(this|last|past) (week|month|year|day)\b|\btoday\b|\byesterday\b|\brecently\b|\bsince \w+\b|"
        r"\b(in|during) (" + "|".join(_MONTHS) + r")\b",
        " ",
        topic,
        flags=re.I,
    )
    topic = re.sub(r"@[\w.\-]+", " ", topic)
    topic = re.sub(r"[?!.]+", " ", topic)
    topic = re.sub(r"\s+", " ", topic).strip(" ,")
    return topic if len(topic) >= 3 else text.strip()


class IntentClassifier:
    """Rules, then the nearest exemplar by embedding; ``search`` when nothing is close enough."""

    def __init__(self, encoder: Encoder | Callable[[], Encoder] | None) -> None:
        # The encoder, or how to get it: a question the rules recognise never loads it.
        self._encoder_source = encoder
        self._encoder: Encoder | None = None
        self._labels: list[Intent] = []
        self._matrix: np.ndarray | None = None

    @property
    def encoder(self) -> Encoder | None:
        if self._encoder is None and self._encoder_source is not None:
            self._encoder = provided(self._encoder_source)
        return self._encoder

    def _exemplars(self) -> np.ndarray | None:
        if self._matrix is None and self.encoder is not None:
            texts = []
            for intent, examples in INTENT_EXEMPLARS.items():
                for e in examples:
                    self._labels.append(intent)
                    texts.append(e)
            self._matrix = self.encoder.encode(texts).vectors
        return self._matrix

    def classify(self, text: str) -> Intent:
        for intent, pattern in INTENT_RULES:
            if pattern.search(text):
                return intent
        matrix = self._exemplars()
        if matrix is None or self.encoder is None:
            return "search"
        sims = matrix @ self.encoder.encode_one(text)
        best = int(sims.argmax())
        return self._labels[best] if float(sims[best]) >= EXEMPLAR_MIN_SIMILARITY else "search"


def parse_question(text: str, snap: Snapshot, now: datetime, classifier: IntentClassifier) -> ParsedQuestion:
    channels, all_channels = parse_channels(text, snap)
    return ParsedQuestion(
        text=text,
        intent=classifier.classify(text),
        channel_ids=channels,
        all_channels=all_channels,
        window=parse_time(text, now),
        author_id=parse_author(text, snap),
        topic=extract_topic(text, snap),
    )
