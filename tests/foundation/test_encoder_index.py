"""The encoder's shape and determinism, and retrieval with metadata filters over a real Chroma index."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
import torch

from assistant.config import Settings
from assistant.domain import Message
from assistant.encoder import GRAPH_MIN_TEXTS, Encoder
from assistant.judgments.claims import ClaimMatcher
from assistant.knowledge import load_knowledge
from assistant.store import Index, MessageFilter

pytestmark = pytest.mark.model


def test_encoder_shape_norm_and_determinism(encoder: Encoder) -> None:
    texts = ["the printer is jammed again", "", "👩‍💻 café " * 400, "Could we get a dark mode?"]
    a = encoder.encode(texts).vectors
    b = encoder.encode(list(reversed(texts))).vectors[::-1]
    assert a.shape == (4, 384) and a.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(a, axis=1), 1.0, atol=1e-5)
    np.testing.assert_allclose(a, b, atol=1e-5)  # batch order and padding do not change a vector
    assert encoder.encode([]).vectors.shape == (0, 384)


def _bulk_texts() -> list[str]:
    words = ["printer", "dark mode", "café 👩‍💻", "deploy", "thanks!", "why does the build fail"]
    return [" ".join(words[(i + j) % len(words)] for j in range(i % 40)) for i in range(GRAPH_MIN_TEXTS + 40)]


def test_a_bulk_encode_runs_the_traced_graph_and_gives_the_eager_vectors(
    encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Ingest encodes in bulk next to Python work on another thread: the traced graph (no GIL per operator) must
    give exactly the vectors the eager model gives for the same texts, including empty and truncated ones."""
    texts = [*_bulk_texts(), "", "word " * 400]
    graph = encoder.encode(texts).vectors
    assert encoder._traced is not None, "the int8 encoder was not traced"
    monkeypatch.setattr(encoder, "_traced", None)
    monkeypatch.setattr(encoder, "_graph_failed", True)
    eager = encoder.encode(texts).vectors
    np.testing.assert_allclose(graph, eager, atol=1e-6)


def test_a_bulk_encode_runs_every_sub_batch_in_one_graph_call_with_the_same_vectors(
    encoder: Encoder, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sub-batches of a bulk encode run in one call (no GIL between them, see ``encoder._Each3``): the same
    graph on the same tensors, so the vectors are exactly those of one graph call per sub-batch."""
    texts = [*_bulk_texts(), "", "word " * 400]
    together = encoder.encode(texts).vectors
    assert encoder._each is not None, "the traced graph was not scripted over sub-batches"
    calls: list[int] = []
    each = encoder._each
    monkeypatch.setattr(encoder, "_each", lambda batches: calls.append(len(batches)) or each(batches))
    assert np.array_equal(encoder.encode(texts).vectors, together)
    assert calls == [-(-len(texts) // encoder.batch_size)], "one call for every sub-batch"
    monkeypatch.setattr(encoder, "_each", None)
    assert np.array_equal(encoder.encode(texts).vectors, together)  # one graph call per sub-batch


def test_an_encoder_that_cannot_be_traced_stays_eager(encoder: Encoder, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise RuntimeError("tracer unavailable")

    texts = _bulk_texts()
    expected = encoder.encode(texts[:64]).vectors
    monkeypatch.setattr(encoder, "_traced", None)
    monkeypatch.setattr(encoder, "_graph_failed", False)
    monkeypatch.setattr(torch.jit, "trace", refuse)
    vectors = encoder.encode(texts).vectors
    assert encoder._traced is None and encoder._graph_failed  # tried once, then never again
    assert vectors.shape == (len(texts), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    assert float(np.abs(vectors[:64] - expected).max()) < 0.2  # the eager model's (batching moves int8 a little)


def test_only_a_quantised_encoder_is_traced() -> None:
    """A float32 encoder may be the one ``assistant finetune`` trains: a graph traced from it would go stale."""
    fp32 = Encoder(int8=False)
    assert not fp32.int8 and fp32._graph() is None and fp32._traced is None


def test_encoder_meaning(encoder: Encoder) -> None:
    v = encoder.encode(
        ["my 3D printer nozzle is clogged", "the extruder is blocked on my printer", "lunch?"]
    ).vectors
    assert v[0] @ v[1] > v[0] @ v[2] + 0.2


def _messages() -> list[Message]:
    base = datetime(2026, 11, 1, tzinfo=UTC).timestamp()
    rows = [
        ("C1", "U1", 0, "Could we get a dark mode for the website?"),
        ("C1", "U2", 3600, "A dark theme would help at night"),
        ("C2", "U1", 7200, "The dark mode in the printer app is broken"),
        ("C2", "U3", 86400 * 10, "Dark mode please, my eyes hurt"),
        ("C1", "U3", 86400 * 12, "Who brings snacks to the meetup?"),
    ]
    return [Message(channel_id=c, user_id=u, ts=f"{base + off:.6f}", text=t) for c, u, off, t in rows]


def test_retrieval_filters_by_channel_author_and_time(encoder: Encoder, tmp_path: Path) -> None:
    index = Index(encoder, path=tmp_path / "chroma")
    msgs = _messages()
    index.add_messages(msgs, encoder.encode([m.text for m in msgs]).vectors)
    assert index.count_messages() == 5
    hits = index.search_messages("dark mode", k=5, filters=MessageFilter(channel_ids=["C1"]))
    assert {h.channel_id for h in hits} == {"C1"} and hits[0].text.startswith("Could we get a dark mode")
    hits = index.search_messages("dark mode", k=5, filters=MessageFilter(user_id="U1"))
    assert {h.metadata["user_id"] for h in hits} == {"U1"}
    since = datetime(2026, 11, 5, tzinfo=UTC)
    hits = index.search_messages("dark mode", k=5, filters=MessageFilter(since=since, channel_ids=["C1", "C2"]))
    assert {h.ts for h in hits} == {msgs[3].ts, msgs[4].ts}
    vectors = index.message_vectors([msgs[0].key])
    assert vectors[msgs[0].key].shape == (384,)
    index.delete_messages([msgs[0].key])
    assert index.count_messages() == 4


def test_knowledge_collections(encoder: Encoder, tmp_path: Path) -> None:
    index = Index(encoder, path=tmp_path / "chroma")
    k = load_knowledge()
    index.load_knowledge(k.clauses, k.facts, k.claims)
    index.load_knowledge(k.clauses, k.facts, k.claims)  # idempotent
    assert index.collection("guidelines").count() == len(k.clauses) >= 10
    # the facts collection as the judge matches claims against it when no claims store is attached
    matcher = ClaimMatcher(index, Settings.model_fields["claim_match_min_similarity"].default)
    text = "the 5G towers are spreading the coronavirus"
    _, match = matcher.match(text, encoder.encode_one(text), gate_similarity=1.0)
    assert match is not None and match.claim.source == "known_false_claim"
    known = next(c for c in k.claims if c.id == match.claim.id)
    fact = k.fact(known.refuted_by)
    assert fact is not None and match.fact is not None
    assert (match.fact.source, match.fact.id, match.fact.text) == ("fact_sheet", fact.id, fact.text)
    spam = index.search_guidelines("buy my crypto course, limited offer, click this link", k=1)[0]
    assert spam.metadata["number"] == 6 and spam.text.startswith("No spam")
    health = index.search_guidelines("drinking bleach cures covid, trust me", k=1)[0]
    assert health.metadata["number"] == 7


class _Renamed:
    """The same encoder under another version tag (as after a new fine-tuned adapter)."""

    def __init__(self, encoder: Encoder, version: str) -> None:
        self._encoder = encoder
        self.version = version
        self.source = encoder.source

    def __getattr__(self, name: str) -> object:
        return getattr(self._encoder, name)


def test_index_from_another_encoder_is_emptied_and_reported(encoder: Encoder, tmp_path: Path) -> None:
    msgs = _messages()
    first = Index(encoder, path=tmp_path / "chroma")
    first.add_messages(msgs, encoder.encode([m.text for m in msgs]).vectors)
    assert first.count_messages() == 5 and not first.reset
    same = Index(encoder, path=tmp_path / "chroma")
    assert same.count_messages() == 5 and not same.reset, "the same encoder keeps its vectors"
    other = Index(_Renamed(encoder, "minilm-ft-other"), path=tmp_path / "chroma")  # type: ignore[arg-type]
    assert other.count_messages() == 0 and other.reset == {"messages"}


def test_encoder_merges_a_lora_adapter(tmp_path: Path) -> None:
    """A locally built adapter changes the vectors, tags them with its own version, and loads offline."""
    import torch
    from peft import LoraConfig, get_peft_model

    base = Encoder(adapter=None)
    torch.manual_seed(0)
    peft_model = get_peft_model(
        base.model, LoraConfig(r=2, target_modules=["query", "value"], init_lora_weights=False)
    )
    peft_model.save_pretrained(str(tmp_path / "adapter"))
    plain = Encoder(adapter=None)
    adapted = Encoder(adapter=tmp_path / "adapter")
    text = ["could we get a dark mode?"]
    assert adapted.version.startswith("minilm-ft-") and plain.version == ""
    a, b = plain.encode(text).vectors[0], adapted.encode(text).vectors[0]
    assert float(a @ b) < 0.9999 and abs(float(np.linalg.norm(b)) - 1.0) < 1e-5
