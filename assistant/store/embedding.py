"""How the index knows its encoder without loading it: ``EncoderKey`` (a fingerprint of what the encoder's version
tag depends on) and the Chroma embedding function backed by the assistant's own encoder, so Chroma never falls
back to its downloading default and an index opened only to read stored vectors loads no model."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, cast

from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

from assistant.lazy import provided
from assistant.store.encoder_key import EncoderKey, encoder_key

__all__ = ["EncoderKey", "MiniLMEmbeddingFunction", "encoder_key"]

if TYPE_CHECKING:  # torch and transformers load with the encoder, when something is encoded
    from assistant.encoder import Encoder


class MiniLMEmbeddingFunction(EmbeddingFunction[Documents]):
    """Chroma embedding function backed by the assistant's encoder (never a download); the encoder is built when
    first asked to encode (``source``, when given, is its config without building it)."""

    def __init__(self, encoder: Encoder | Callable[[], Encoder], source: str | None = None) -> None:
        self._encoder_source = encoder
        self._source = source

    @property
    def encoder(self) -> Encoder:
        return provided(self._encoder_source)

    def __call__(self, input: Documents) -> Embeddings:
        return cast(Embeddings, list(self.encoder.encode(list(input)).vectors))

    @staticmethod
    def name() -> str:
        return "assistant-minilm"

    def get_config(self) -> dict[str, Any]:
        return {"model": self._source if self._source is not None else self.encoder.source}

    def is_legacy(self) -> bool:
        """Not legacy (Chroma's own check builds a second encoder from the config, loading a model to create a
        collection)."""
        return False

    @staticmethod
    def build_from_config(config: dict[str, Any]) -> MiniLMEmbeddingFunction:
        """Chroma rebuilds the function from a collection's stored config when it reads that config: the encoder
        is built only if Chroma ever encodes with it (the index always hands it vectors)."""
        model = config.get("model")

        def build() -> Encoder:
            from assistant.encoder import get_encoder

            return get_encoder(model)

        return MiniLMEmbeddingFunction(build, source=model)

    def default_space(self) -> str:  # type: ignore[override]
        return "cosine"
