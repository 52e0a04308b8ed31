"""A user-supplied Hugging Face text-classification model in place of a bundled head.

Named per judgment in ``ASSISTANT_HEAD_MODELS`` (a local path, or a hub id already in the local cache: the
assistant never downloads), with ``ASSISTANT_HEAD_LABEL_MAPS`` mapping the model's labels onto ours, e.g.
``{"toxicity": {"LABEL_1": "toxic", "LABEL_0": "ok"}}``. Costs a second model pass, for those who opt in.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import numpy as np
import torch
from transformers import AutoModelForSequenceClassification, AutoTokenizer

from assistant.errors import ModelError

logger = logging.getLogger(__name__)

#: The label each judgment reads its score from (sentiment reads all three classes).
POSITIVE_LABEL = {"toxicity": "toxic", "misinformation": "misinformation", "want": "want"}
SENTIMENT_LABELS = ("negative", "neutral", "positive")


class SwappedHead:
    """Scores texts with a local sequence classifier and returns probabilities under our label names."""

    def __init__(self, judgment: str, source: str, label_map: dict[str, str] | None = None, max_tokens: int = 128):
        self.judgment = judgment
        self.source = source
        self.max_tokens = max_tokens
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=True)
            self.model = AutoModelForSequenceClassification.from_pretrained(source, local_files_only=True)
        except (OSError, ValueError) as exc:
            raise ModelError(
                f"Could not load the {judgment} model {source!r} from local files: {exc}. "
                "Give a local folder or a model already in the Hugging Face cache (no downloads)."
            ) from exc
        self.model.eval()
        id2label = {int(i): str(n) for i, n in self.model.config.id2label.items()}
        mapping = label_map or {}
        self.labels = [mapping.get(id2label[i], id2label[i].lower()) for i in range(len(id2label))]
        self.multi_label = getattr(self.model.config, "problem_type", None) == "multi_label_classification"
        self._check_labels()

    def _check_labels(self) -> None:
        if self.judgment == "sentiment":
            missing = [lab for lab in SENTIMENT_LABELS if lab not in self.labels]
            if missing:
                raise ModelError(
                    f"The sentiment model {self.source!r} has labels {self.labels}; map them onto "
                    "negative/neutral/positive with ASSISTANT_HEAD_LABEL_MAPS."
                )
        elif POSITIVE_LABEL[self.judgment] not in self.labels and len(self.labels) != 2:
            raise ModelError(
                f"The {self.judgment} model {self.source!r} has labels {self.labels}; map one of them onto "
                f"{POSITIVE_LABEL[self.judgment]!r} with ASSISTANT_HEAD_LABEL_MAPS."
            )

    @property
    def name(self) -> str:
        return f"{self.judgment}={self.source}"

    @torch.inference_mode()
    def probabilities(self, texts: Sequence[str], batch_size: int = 32) -> list[dict[str, float]]:
        out: list[dict[str, float]] = []
        for start in range(0, len(texts), batch_size):
            chunk = [t if t.strip() else "[empty]" for t in texts[start : start + batch_size]]
            batch = self.tokenizer(
                chunk, padding=True, truncation=True, max_length=self.max_tokens, return_tensors="pt"
            )
            logits = self.model(**batch).logits
            probs = torch.sigmoid(logits) if self.multi_label else torch.softmax(logits, dim=-1)
            for row in probs.cpu().numpy().astype(np.float64):
                out.append({lab: float(p) for lab, p in zip(self.labels, row, strict=True)})
        return out

    def positive(self, probs: dict[str, float]) -> float:
        """P(the judgment's positive label); for an unmapped binary model, its second label."""
        label = POSITIVE_LABEL[self.judgment]
        if label in probs:
            return probs[label]
        return probs[self.labels[1]]
