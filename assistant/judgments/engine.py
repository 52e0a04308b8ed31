"""The judgment engine: toxicity, misinformation, sentiment and want for each message from its one vector.

Heads read the encoder vector the pipeline already computed plus cheap word features; extra work happens
only for the few messages that need it (a span for high toxicity, a Chroma look-up for messages near a
known false claim). A head named in ``ASSISTANT_HEAD_MODELS`` is replaced by that local classifier.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from assistant.config import Settings
from assistant.domain import Message
from assistant.domain.judgments import (
    Judgment,
    MisinformationJudgment,
    SentimentJudgment,
    Span,
    ToxicityJudgment,
    WantJudgment,
)
from assistant.encoder import Encoder
from assistant.errors import ModelError
from assistant.judgments.claims import ClaimMatcher, similarity_to_score
from assistant.judgments.cues import CUE_SCORE, THREAT_SCORE, request_cues, threat_cues, threat_span
from assistant.judgments.heads import HeadSet
from assistant.judgments.spans import leave_one_out
from assistant.judgments.swap import SENTIMENT_LABELS, SwappedHead
from assistant.store import Index

logger = logging.getLogger(__name__)

#: Longest text the word features read; the encoder truncates at its own token limit.
MAX_CHARS = 20_000
#: Toxicity categories: our name -> trained head.
CATEGORY_HEADS = {
    "offensive": "offensive",
    "insult": "insult",
    "harassment": "harassment",
    "hate": "hate",
    "profanity": "profanity",
    # incivility beyond swearing (Unhealthy Comments)
    "hostile": "hostile",
    "condescending": "condescending",
    "dismissive": "dismissive",
}
#: Misinformation model scores by kind of text: our name -> trained head.
MISINFO_HEADS = {
    "social_post": "misinfo_social",
    "political_claim": "misinfo_claim",
    "climate_claim": "misinfo_climate",
}
#: Smallest probability drop from removing one word for the cheap word-side span to be trusted.
WORD_SPAN_MIN_DROP = 0.05
REQUIRED_HEADS = ("toxic", "misinfo_social", "sentiment", "want")


def default_artifacts_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "artifacts" / "judgments"


class JudgmentEngine:
    """Turns messages and their encoder vectors into ``Judgment`` objects (the pipeline's ``Judge``)."""

    def __init__(
        self,
        settings: Settings,
        heads: HeadSet,
        *,
        index: Index | None = None,
        encoder: Encoder | None = None,
        swapped: dict[str, SwappedHead] | None = None,
    ) -> None:
        missing = [h for h in REQUIRED_HEADS if h not in heads.heads]
        if missing:
            raise ModelError(f"The judgment artifacts lack the heads {', '.join(missing)}; run `assistant train`.")
        self.settings = settings
        self.heads = heads
        self.index = index
        self.encoder = encoder if encoder is not None else (index.encoder if index is not None else None)
        self.swapped = dict(swapped or {})
        self.claims = ClaimMatcher(index, settings.claim_match_min_similarity) if index is not None else None
        suffix = "".join(f"+{s.name}" for s in self.swapped.values())
        self.version = heads.version + suffix

    # Scores ------------------------------------------------------------------------------------------------------
    def head_probabilities(self, texts: Sequence[str], vectors: np.ndarray) -> dict[str, np.ndarray]:
        """Every bundled head's probabilities (binary: [n]; sentiment: [n, 3]) for texts and their vectors."""
        if len(texts) != len(vectors):
            raise ValueError("one vector per text is required")
        clipped = [t[:MAX_CHARS] for t in texts]
        words = self.heads.words.transform(clipped)
        vecs = np.asarray(vectors, dtype=np.float32)
        probs = self.heads.probabilities(vecs, words)
        probs["want_cue"] = request_cues(clipped)
        probs["threat_cue"] = threat_cues(clipped)
        return probs

    def scores(self, texts: Sequence[str], vectors: np.ndarray) -> dict[str, np.ndarray]:
        """The numbers ``judge`` reports, as arrays by field (e.g. ``toxicity``, ``toxicity.hate``,
        ``misinformation.model``, ``sentiment`` [n, 3] in negative/neutral/positive order, ``want``).

        Same heads and swaps as ``judge`` without the per-message extras (spans, claim look-ups); used by
        evaluation, where those extras do not change any metric.
        """
        probs = self.head_probabilities(texts, vectors)
        social = probs["misinfo_social"] * probs["claimlike"] if "claimlike" in probs else probs["misinfo_social"]
        out: dict[str, np.ndarray] = {
            "toxicity": main_toxicity(probs),
            "misinformation.model": social,
            "want": np.maximum(probs["want"], CUE_SCORE * probs["want_cue"]),
        }
        for ours, head in CATEGORY_HEADS.items():
            if head in probs:
                out[f"toxicity.{ours}"] = probs[head]
        out["toxicity.threat"] = THREAT_SCORE * probs["threat_cue"]
        for ours, head in MISINFO_HEADS.items():
            if head in probs:
                out[f"misinformation.{ours}"] = probs[head]
        out["sentiment"] = self._sentiment_matrix(probs)
        for name, extra in probs.items():
            out.setdefault(f"head.{name}", extra)
        if self.swapped:
            swapped = {name: head.probabilities(list(texts)) for name, head in self.swapped.items()}
            for name, rows in swapped.items():
                model = self.swapped[name]
                if name == "sentiment":
                    out["sentiment"] = np.asarray([[r[lab] for lab in SENTIMENT_LABELS] for r in rows])
                elif name == "misinformation":
                    out["misinformation.model"] = np.asarray([model.positive(r) for r in rows])
                else:
                    out[name] = np.asarray([model.positive(r) for r in rows])
            if "want" in swapped:
                out["want"] = np.maximum(out["want"], CUE_SCORE * probs["want_cue"])
        return out

    def _toxicity_scorer(self, texts: list[str]) -> np.ndarray:
        assert self.encoder is not None
        vectors = self.encoder.encode(texts).vectors
        clipped = [t[:MAX_CHARS] for t in texts]
        return main_toxicity(
            self.heads.probabilities(vectors, self.heads.words.transform(clipped))
            | {"threat_cue": threat_cues(clipped)}
        )

    # Judging -----------------------------------------------------------------------------------------------------
    def judge(self, messages: Sequence[Message], vectors: np.ndarray) -> list[Judgment]:
        """Judgments of messages from the vectors of the pipeline's one encoder pass."""
        if len(messages) != len(vectors):
            raise ValueError("one vector per message is required")
        if not messages:
            return []
        return self._judge([m.text for m in messages], [(m.channel_id, m.ts) for m in messages], vectors)

    def judge_texts(self, texts: Sequence[str], channel_id: str = "adhoc") -> list[Judgment]:
        """Encode, then judge (for ``assistant classify`` and evaluation); ``ts`` is the text's position."""
        if not texts:
            return []
        if self.encoder is None:
            raise ModelError("This judgment engine has no encoder to encode texts with.")
        vectors = self.encoder.encode(list(texts)).vectors
        return self._judge(list(texts), [(channel_id, str(i)) for i in range(len(texts))], vectors)

    def _judge(self, texts: list[str], keys: list[tuple[str, str]], vectors: np.ndarray) -> list[Judgment]:
        probs = self.head_probabilities(texts, vectors)
        swapped = {name: head.probabilities(texts) for name, head in self.swapped.items()}
        near_claim = (
            self.claims.nearest_similarity(np.asarray(vectors, dtype=np.float32))
            if self.claims is not None
            else np.zeros(len(texts))
        )
        sentiment = self._sentiment_matrix(probs)  # the heads mixed once for the whole batch
        out: list[Judgment] = []
        for i, (text, (channel_id, ts)) in enumerate(zip(texts, keys, strict=True)):
            out.append(
                Judgment(
                    channel_id=channel_id,
                    ts=ts,
                    toxicity=self._toxicity(i, text, vectors[i], probs, swapped),
                    misinformation=self._misinformation(
                        i, text, vectors[i], float(near_claim[i]), channel_id, probs, swapped
                    ),
                    sentiment=self._sentiment(i, sentiment, swapped),
                    want=self._want(i, channel_id, probs, swapped),
                    model_version=self.version,
                )
            )
        return out

    def _word_side_span(self, text: str, score: float, vector: np.ndarray) -> Span | None:
        """Leave-one-word-out with the message's vector held fixed: no extra encoder pass. Used when the words
        alone explain the score (a drop of at least ``WORD_SPAN_MIN_DROP``); otherwise the full re-encoding runs."""
        fixed = np.asarray(vector, dtype=np.float32)[None, :]

        def word_side(texts: list[str]) -> np.ndarray:
            vectors = np.repeat(fixed, len(texts), axis=0)
            return main_toxicity(self.heads.probabilities(vectors, self.heads.words.transform(texts)))

        return leave_one_out(text, score, word_side, min_weight=WORD_SPAN_MIN_DROP)

    def _toxicity(
        self,
        i: int,
        text: str,
        vector: np.ndarray,
        probs: dict[str, np.ndarray],
        swapped: dict[str, list[dict[str, float]]],
    ) -> ToxicityJudgment:
        categories = {
            ours: round(float(probs[head][i]), 4) for ours, head in CATEGORY_HEADS.items() if head in probs
        }
        if probs["threat_cue"][i] > 0:  # a cue, not a probability: present only when one fired
            categories["threat"] = round(THREAT_SCORE * float(probs["threat_cue"][i]), 4)
        if "toxicity" in swapped:
            model = self.swapped["toxicity"]
            score = model.positive(swapped["toxicity"][i])
            categories.update({k: round(v, 4) for k, v in swapped["toxicity"][i].items() if k in CATEGORY_HEADS})
            scorer = None
        else:
            score = float(main_toxicity(probs)[i])
            scorer = self._toxicity_scorer if self.encoder is not None else None
        span = None
        cue = threat_span(text[:MAX_CHARS]) if "threat" in categories else None
        if cue is not None and _heads_only_toxicity(probs, i) < score:  # the threat cue decided: it is the span
            span = Span(start=cue[0], end=cue[1], text=text[cue[0] : cue[1]], weight=round(score, 4))
        elif score >= self.settings.span_min_score and text.strip():
            if "toxicity" not in self.swapped:
                span = self._word_side_span(text[:MAX_CHARS], score, vector)
            if span is None and scorer is not None:
                span = leave_one_out(text[:MAX_CHARS], score, scorer)
            elif "toxicity" in self.swapped:
                swapped_model = self.swapped["toxicity"]
                span = leave_one_out(
                    text[:MAX_CHARS],
                    score,
                    lambda ts: np.asarray([swapped_model.positive(p) for p in swapped_model.probabilities(ts)]),
                )
        return ToxicityJudgment(score=_unit(score), categories=categories, span=span)

    def _misinformation(
        self,
        i: int,
        text: str,
        vector: np.ndarray,
        near: float,
        channel_id: str,
        probs: dict[str, np.ndarray],
        swapped: dict[str, list[dict[str, float]]],
    ) -> MisinformationJudgment:
        if "misinformation" in swapped:
            model_score = self.swapped["misinformation"].positive(swapped["misinformation"][i])
        else:
            model_score = float(probs["misinfo_social"][i])
            if "claimlike" in probs:  # the fake-news data only describes news-like claims, not chat
                model_score *= float(probs["claimlike"][i])
        kinds = {ours: round(float(probs[h][i]), 4) for ours, h in MISINFO_HEADS.items() if h in probs}
        fired: list = []
        claim_score = 0.0
        matched = refuting = None
        if self.claims is not None and text.strip():
            similarity, match = self.claims.match(text, vector, near)
            claim_score = similarity_to_score(similarity, self.claims.min_similarity)
            if match is not None:
                fired.append("claim_match")
                matched, refuting = match.claim, match.fact
            else:
                claim_score = min(claim_score, 0.5)
        if model_score >= self.settings.threshold("misinformation", channel_id):
            fired.append("model")
        return MisinformationJudgment(
            score=_unit(max(model_score, claim_score)),
            model_score=_unit(model_score),
            claim_score=_unit(claim_score),
            fired=fired,
            matched_claim=matched,
            refuting_fact=refuting,
            model_scores=kinds,
        )

    def _sentiment(
        self, i: int, sentiment: np.ndarray, swapped: dict[str, list[dict[str, float]]]
    ) -> SentimentJudgment:
        """Message ``i``'s judgment from the batch's ``_sentiment_matrix`` (or a swapped-in model)."""
        if "sentiment" in swapped:
            raw = swapped["sentiment"][i]
            total = sum(raw[lab] for lab in SENTIMENT_LABELS) or 1.0
            dist = {lab: raw[lab] / total for lab in SENTIMENT_LABELS}
        else:
            dist = {lab: float(p) for lab, p in zip(SENTIMENT_LABELS, sentiment[i], strict=True)}
        label = max(SENTIMENT_LABELS, key=lambda lab: dist[lab])
        return SentimentJudgment(label=label, probs={k: round(v, 4) for k, v in dist.items()})

    def _sentiment_matrix(self, probs: dict[str, np.ndarray]) -> np.ndarray:
        """[n, 3] in ``SENTIMENT_LABELS`` order: the conversation head, or the tweet head for tweet-like text.

        The register gate (P(tweet)) mixes the two heads, so chat gets a head that knows neutral chat and tweets
        keep the head trained on tweets. Artifacts without the conversation heads use the tweet head alone.
        """

        def ordered(name: str) -> np.ndarray:
            classes = self.heads.heads[name].classes
            return np.asarray(probs[name])[:, [classes.index(lab) for lab in SENTIMENT_LABELS]]

        tweet = ordered("sentiment")
        if "sentiment_chat" not in probs or "register_tweet" not in probs:
            return tweet
        gate = np.asarray(probs["register_tweet"])[:, None]
        return gate * tweet + (1.0 - gate) * ordered("sentiment_chat")

    def _want(
        self, i: int, channel_id: str, probs: dict[str, np.ndarray], swapped: dict[str, list[dict[str, float]]]
    ) -> WantJudgment:
        score = self.swapped["want"].positive(swapped["want"][i]) if "want" in swapped else float(probs["want"][i])
        score = max(score, CUE_SCORE * float(probs["want_cue"][i]))  # explicit requests, see judgments.cues
        return WantJudgment(score=_unit(score), is_want=score >= self.settings.threshold("want", channel_id))


def main_toxicity(probs: dict[str, np.ndarray]) -> np.ndarray:
    """The toxicity score: the broad head (Davidson + OLID + ToxiChat) or the conversation head (game chat,
    abuse in conversation, unhealthy comments, with everyday dialogue as clean chat), whichever is higher, and at
    least ``THREAT_SCORE`` for an explicit threat (see ``judgments.cues``).

    Artifacts without the conversation head use OLID's offensive head in its place. That head scores plain
    complaints about a product ("this update is the worst") as offensive, so it is only a category now."""
    if "toxic_chat" in probs:
        score = np.maximum(probs["toxic"], probs["toxic_chat"])
    else:
        score = np.maximum(probs["toxic"], probs["offensive"]) if "offensive" in probs else probs["toxic"]
    if "threat_cue" in probs:
        score = np.maximum(score, THREAT_SCORE * probs["threat_cue"])
    return score


def _heads_only_toxicity(probs: dict[str, np.ndarray], i: int) -> float:
    """Message ``i``'s toxicity without the threat cue (was the cue what decided the score?)."""
    return float(main_toxicity({k: v[i : i + 1] for k, v in probs.items() if k != "threat_cue"})[0])


def _weights_of(encoder_version: str) -> str:
    """The encoder weights a version names: int8 quantisation moves vectors too little to matter to heads."""
    name = encoder_version.removesuffix("-int8")
    return "base" if name in ("", "minilm", "base") else name


def _unit(x: float) -> float:
    return float(min(1.0, max(0.0, round(x, 4))))


def load_judge(
    settings: Settings, index: Index | None, knowledge: object | None = None, *, encoder_version: str | None = None
) -> JudgmentEngine:
    """The engine from the shipped (or configured) artifacts, with any configured model swaps.

    Heads read the vectors of the encoder they were trained on; ``encoder_version`` (``""`` for the plain
    bundled model) is checked against the one the artifacts record, so a mismatch is a clear error.
    """
    folder = settings.judgment_artifacts or default_artifacts_dir()
    if not (folder / "manifest.json").exists():
        raise ModelError(f"No trained judgment heads in {folder}; run `assistant train` to create them.")
    heads = HeadSet.load(folder)
    trained_on = heads.manifest.get("encoder_version")
    if encoder_version is not None and trained_on and _weights_of(trained_on) != _weights_of(encoder_version):
        raise ModelError(
            f"The judgment heads in {folder} were trained on encoder {trained_on}, but the encoder is "
            f"{encoder_version or 'base'}; run `assistant train` to refit them."
        )
    swapped: dict[str, SwappedHead] = {
        name: SwappedHead(name, source, settings.head_label_maps.get(name), max_tokens=settings.encoder_max_tokens)
        for name, source in settings.head_models.items()
    }
    logger.info("judgment engine %s loaded from %s", heads.version, folder)
    return JudgmentEngine(settings, heads, index=index, swapped=swapped)
