"""A survey's results: counts per option and per micro-community (the channel answers came from), and free-text
answers clustered into themes the way wants are. Pure computation over answers the service read; kept apart
from the service, which creates, answers and closes surveys.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Sequence

import numpy as np

from assistant.surveys.models import AnswerTheme, ChannelCounts, OptionCount, Survey, SurveyAnswer, SurveyResults

#: ``encode(texts)`` -> one vector per text (the encoder the index uses).
Encode = Callable[[Sequence[str]], np.ndarray]


def tally(
    survey: Survey, answers: list[SurveyAnswer], names: dict[str, str], encode: Encode | None
) -> SurveyResults:
    """A survey's results from its answers: counts per option and per channel (``names``: channel names), or
    free-text themes (``encode``: vectors for clustering; without it the answers are one-offs)."""
    result = SurveyResults(survey=survey, respondents=len(answers))
    if survey.kind != "text":
        result.options = _counts(survey.options, answers)
        by_channel: dict[str, list[SurveyAnswer]] = defaultdict(list)
        for a in answers:
            by_channel[a.channel_id].append(a)
        result.per_channel = [
            ChannelCounts(
                channel_id=cid,
                channel_name=names.get(cid, cid),
                respondents=len(group),
                options=_counts(survey.options, group),
            )
            for cid, group in sorted(by_channel.items(), key=lambda kv: (-len(kv[1]), names.get(kv[0], kv[0])))
        ]
    else:
        by_channel_text: Counter[str] = Counter(a.channel_id for a in answers)
        result.per_channel = [
            ChannelCounts(channel_id=cid, channel_name=names.get(cid, cid), respondents=n)
            for cid, n in sorted(by_channel_text.items(), key=lambda kv: (-kv[1], names.get(kv[0], kv[0])))
        ]
        result.themes, result.one_offs = cluster_themes([a.text for a in answers if a.text], encode)
    if not survey.anonymous:
        result.answers = answers
    return result


def cluster_themes(texts: list[str], encode: Encode | None) -> tuple[list[AnswerTheme], list[str]]:
    """The wants clustering (``insights.wants.cluster_vectors``) and labels (c-TF-IDF) over the answers."""
    if not texts:
        return [], []
    if encode is None or len(texts) < 2:
        return [], sorted(texts)
    from assistant.insights.labels import distinctive_terms, label_from_terms
    from assistant.insights.wants import cluster_vectors

    texts = sorted(texts)  # same answers, same themes, whatever order they are stored in
    vectors = np.asarray(encode(texts), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    vectors = (vectors / np.where(norms == 0, 1.0, norms)).astype(np.float32)
    labels = cluster_vectors(vectors)
    groups: dict[int, list[int]] = defaultdict(list)
    for i, lab in enumerate(labels):
        groups[int(lab)].append(i)
    themed = [idx for idx in groups.values() if len(idx) >= 2]
    singles: list[str] = sorted(texts[idx[0]] for idx in groups.values() if len(idx) < 2)
    docs: dict[str, list[str]] = {str(n): [texts[i] for i in idx] for n, idx in enumerate(themed)}
    if singles:
        docs["_other"] = singles
    terms = distinctive_terms(docs, top=5)
    themes = []
    for n, idx in enumerate(themed):
        centroid = vectors[idx].mean(axis=0)
        order = sorted(idx, key=lambda i: (-float(vectors[i] @ centroid), texts[i]))
        theme_terms = terms.get(str(n), [])
        themes.append(
            AnswerTheme(
                label=label_from_terms(theme_terms, fallback=texts[order[0]][:40]),
                terms=theme_terms,
                size=len(idx),
                answers=[texts[i] for i in order],
            )
        )
    themes.sort(key=lambda t: (-t.size, t.label))
    return themes, singles


def _counts(options: list[str], answers: list[SurveyAnswer]) -> list[OptionCount]:
    counts = Counter(c for a in answers for c in a.choices)
    total = len(answers)
    return [
        OptionCount(option=o, count=counts[o], share=round(counts[o] / total, 3) if total else 0.0)
        for o in options
    ]
