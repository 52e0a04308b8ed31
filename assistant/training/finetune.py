"""Multi-task LoRA fine-tune of the bundled encoder: one shared encoder, one small head per judgment.

Why: frozen MiniLM vectors leave quality on the table (the issue's probe: OLID 0.737 frozen vs 0.784 after one
epoch of fine-tuning). Fine-tuning once for every task keeps the product's single encoder pass. The index
reads the same vectors, so a distillation term keeps the adapted sentence vectors close to the original ones
(retrieval must not get worse). Only the LoRA deltas ship (``artifacts/encoder_adapter``, well under 1 MB in
float16); they are merged into the bundled weights at load time. The task heads trained here are discarded:
the engine's stacked heads are refitted on the adapted vectors by ``assistant train``.

Tasks and training rows are in ``finetune_rows`` (no torch); this module trains, checkpoints and saves.
"""

from __future__ import annotations

import json
import logging
import math
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn
from tqdm import tqdm

from assistant.encoder import Encoder, mean_pool
from assistant.training.finetune_rows import (
    ROWS_FILE,
    ROWS_PER_SOURCE,
    TASKS,
    Example,
    Task,
    fine_tuned_rows,
    load_examples,
    read_rows,
    row_ids,
    seen_texts,
    texts_of_rows,
    write_rows,
)

__all__ = [
    "ADAPTER_WEIGHTS",
    "CHECKPOINT",
    "ROWS_FILE",
    "ROWS_PER_SOURCE",
    "TASKS",
    "Example",
    "FinetuneConfig",
    "MultiTaskModel",
    "Task",
    "evaluate",
    "fine_tuned_rows",
    "finetune",
    "load_examples",
    "read_rows",
    "row_ids",
    "save_adapter",
    "seen_texts",
    "texts_of_rows",
    "write_rows",
]

logger = logging.getLogger(__name__)

ADAPTER_WEIGHTS = "adapter_model.safetensors"
#: Training state written every ``FinetuneConfig.checkpoint_every`` steps; a re-run with the same config resumes.
CHECKPOINT = ".checkpoint.pt"


@dataclass
class FinetuneConfig:
    """Everything that decides the result; saved next to the adapter so a run can be reproduced."""

    seed: int = 13
    epochs: float = 1.0
    batch_size: int = 32
    max_tokens: int = 64
    rows_per_source: int = 3000  # fixed-seed cap per dataset not in ROWS_PER_SOURCE, so no task drowns others
    lora_r: int = 8
    lora_alpha: int = 16
    lora_dropout: float = 0.1
    lr: float = 5e-4
    head_lr: float = 3e-3
    warmup: float = 0.06
    distill_weight: float = 2.0  # weight of (1 - cos(adapted, original)) per row
    target_modules: tuple[str, ...] = ("query", "key", "value", "dense")
    layers: tuple[int, ...] = (2, 3, 4, 5)  # the lower layers stay frozen (and need no backward pass)
    tasks: tuple[str, ...] = field(default_factory=lambda: tuple(t.name for t in TASKS))
    checkpoint_every: int = 200


class MultiTaskModel(nn.Module):
    """A LoRA-wrapped encoder with a linear head per task over the mean-pooled, L2-normalised vector."""

    def __init__(self, encoder: Encoder, tasks: Sequence[Task], cfg: FinetuneConfig) -> None:
        super().__init__()
        from peft import LoraConfig, get_peft_model

        lora = LoraConfig(
            r=cfg.lora_r,
            lora_alpha=cfg.lora_alpha,
            lora_dropout=cfg.lora_dropout,
            target_modules=list(cfg.target_modules),
            layers_to_transform=list(cfg.layers),
            layers_pattern="layer",
        )
        self.body = get_peft_model(encoder.model, lora)
        dim = encoder.dim
        # the engine reads unit vectors, so the heads here do too (scaled: unit vectors give tiny logits)
        self.scale = 20.0
        self.heads = nn.ModuleList([nn.Linear(dim, t.classes) for t in tasks])

    def pooled(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        return mean_pool(self.body(**batch).last_hidden_state, batch["attention_mask"])

    @torch.no_grad()
    def original(self, batch: dict[str, torch.Tensor]) -> torch.Tensor:
        with self.body.disable_adapter():
            return self.pooled(batch)


def _batches(examples: list[Example], size: int, rng: random.Random) -> list[list[Example]]:
    """Shuffled batches of similar-length texts (less padding, the CPU's main waste)."""
    shuffled = examples[:]
    rng.shuffle(shuffled)
    chunks = [shuffled[i : i + size * 50] for i in range(0, len(shuffled), size * 50)]
    batches: list[list[Example]] = []
    for chunk in chunks:
        chunk.sort(key=lambda e: len(e.text))
        batches += [chunk[i : i + size] for i in range(0, len(chunk), size)]
    rng.shuffle(batches)
    return batches


def evaluate(
    model: MultiTaskModel, encoder: Encoder, tasks: Sequence[Task], dev: list[Example], cfg: FinetuneConfig
) -> dict[str, float]:
    """Dev macro-F1 of the training heads per task (a progress signal, not the product's figure)."""
    from sklearn.metrics import f1_score

    model.eval()
    preds: dict[int, list[int]] = {}
    gold: dict[int, list[int]] = {}
    drift: list[float] = []
    with torch.inference_mode():
        for batch in _batches(dev, 64, random.Random(0)):
            enc = encoder.tokenize([e.text for e in batch], cfg.max_tokens)
            vec = model.pooled(enc)
            drift += (1 - (vec * model.original(enc)).sum(dim=1)).tolist()
            for ti in {e.task for e in batch}:
                rows = [i for i, e in enumerate(batch) if e.task == ti]
                logits = model.heads[ti](vec[rows] * model.scale)
                preds.setdefault(ti, []).extend(logits.argmax(dim=1).tolist())
                gold.setdefault(ti, []).extend(batch[i].label for i in rows)
    model.train()
    out = {tasks[ti].name: round(float(f1_score(gold[ti], preds[ti], average="macro")), 4) for ti in preds}
    out["mean_cosine_drift"] = round(float(np.mean(drift)), 4) if drift else 0.0
    return out


def finetune(
    data_root: Path,
    out_dir: Path,
    cfg: FinetuneConfig | None = None,
    *,
    encoder: Encoder | None = None,
    progress: bool = True,
    dev_rows: int = 600,
    on_eval: Callable[[dict[str, float]], None] | None = None,
    stop_after: int | None = None,
) -> dict[str, object]:
    """Train the adapter and write it (plus ``finetune.json`` with config and dev figures, and ``ROWS_FILE``
    with the exact training rows) to ``out_dir``.

    Resumable: every ``cfg.checkpoint_every`` steps the training state (adapter and head weights, optimiser,
    schedule, the position in the epoch's batches and the random generators) goes to ``out_dir/CHECKPOINT``; a
    re-run with the same config continues from there and ends with the same weights as an uninterrupted run.
    ``stop_after`` ends the run after that many steps, leaving the checkpoint (used by tests).
    """
    cfg = cfg or FinetuneConfig()
    random.seed(cfg.seed)
    np.random.seed(cfg.seed)
    torch.manual_seed(cfg.seed)
    encoder = encoder or Encoder(adapter=None)
    tasks = [t for t in TASKS if t.name in cfg.tasks]
    train = load_examples(data_root, tasks, "train", cfg.rows_per_source, cfg.seed)
    dev = load_examples(data_root, tasks, "dev", dev_rows, cfg.seed)
    logger.info("fine-tuning on %d rows (%d dev) for %.1f epochs", len(train), len(dev), cfg.epochs)
    model = MultiTaskModel(encoder, tasks, cfg)
    model.train()
    lora_params = [p for n, p in model.body.named_parameters() if p.requires_grad]
    optim = torch.optim.AdamW(
        [
            {"params": lora_params, "lr": cfg.lr},
            {"params": list(model.heads.parameters()), "lr": cfg.head_lr},
        ],
        weight_decay=0.01,
    )
    rng = random.Random(cfg.seed)
    per_epoch = math.ceil(len(train) / cfg.batch_size)
    total = int(per_epoch * cfg.epochs)
    warm = max(1, int(total * cfg.warmup))
    sched = torch.optim.lr_scheduler.LambdaLR(
        optim, lambda step: min((step + 1) / warm, max(0.0, (total - step) / max(1, total - warm)))
    )
    loss_fn = nn.CrossEntropyLoss()
    out_dir.mkdir(parents=True, exist_ok=True)
    checkpoint = out_dir / CHECKPOINT
    state = _load_checkpoint(checkpoint, cfg)
    history: list[dict[str, float]] = []
    step, skip, elapsed = 0, 0, 0.0
    if state is not None:
        model.load_state_dict(state["model"], strict=False)
        optim.load_state_dict(state["optim"])
        sched.load_state_dict(state["sched"])
        rng.setstate(state["epoch_rng"])
        torch.set_rng_state(state["torch_rng"])
        step, skip, elapsed = int(state["step"]), int(state["batch"]), float(state["seconds"])
        history = list(state["history"])
        logger.info("resuming the fine-tune at step %d of %d from %s", step, total, checkpoint)
    started = time.time() - elapsed
    bar = tqdm(total=total, initial=step, desc="fine-tuning", unit="batch", disable=not progress)
    while step < total:
        epoch_rng = rng.getstate()
        batches = _batches(train, cfg.batch_size, rng)
        for position, batch in enumerate(batches):
            if position < skip:
                continue
            if step >= total:
                break
            enc = encoder.tokenize([e.text for e in batch], cfg.max_tokens)
            vec = model.pooled(enc)
            loss = torch.zeros(())
            for ti in {e.task for e in batch}:
                rows = [i for i, e in enumerate(batch) if e.task == ti]
                logits = model.heads[ti](vec[rows] * model.scale)
                target = torch.tensor([batch[i].label for i in rows])
                loss = loss + loss_fn(logits, target) * len(rows) / len(batch)
            if cfg.distill_weight:
                loss = loss + cfg.distill_weight * (1 - (vec * model.original(enc)).sum(dim=1)).mean()
            optim.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(lora_params, 1.0)
            optim.step()
            sched.step()
            step += 1
            bar.update(1)
            bar.set_postfix(loss=f"{loss.item():.3f}")
            if step % per_epoch == 0 or step == total:
                figures = evaluate(model, encoder, tasks, dev, cfg)
                figures["step"] = step
                history.append(figures)
                logger.info("dev after step %d: %s", step, figures)
                if on_eval:
                    on_eval(figures)
            if step % cfg.checkpoint_every == 0 or step == stop_after:
                _save_checkpoint(
                    checkpoint,
                    cfg,
                    model,
                    optim,
                    sched,
                    epoch_rng,
                    step,
                    position + 1,
                    time.time() - started,
                    history,
                )
            if step == stop_after:
                bar.close()
                return {"stopped_at": step, "checkpoint": str(checkpoint)}
        skip = 0
    bar.close()
    save_adapter(model, out_dir)
    write_rows(out_dir / ROWS_FILE, row_ids(train))
    report: dict[str, object] = {
        "config": asdict(cfg) | {"rows_per_dataset": dict(ROWS_PER_SOURCE)},
        "train_rows": len(train),
        "dev_rows": len(dev),
        "train_seconds": round(time.time() - started, 1),
        "dev_history": history,
    }
    (out_dir / "finetune.json").write_text(json.dumps(report, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    checkpoint.unlink(missing_ok=True)
    return report


def _save_checkpoint(
    path: Path,
    cfg: FinetuneConfig,
    model: MultiTaskModel,
    optim: torch.optim.Optimizer,
    sched: torch.optim.lr_scheduler.LRScheduler,
    epoch_rng: object,
    step: int,
    batch: int,
    seconds: float,
    history: list[dict[str, float]],
) -> None:
    """The trainable weights and everything that decides the next batches (written atomically)."""
    trainable = {n for n, p in model.named_parameters() if p.requires_grad}
    state = {
        "config": asdict(cfg),
        "model": {k: v for k, v in model.state_dict().items() if k in trainable},
        "optim": optim.state_dict(),
        "sched": sched.state_dict(),
        "epoch_rng": epoch_rng,
        "torch_rng": torch.get_rng_state(),
        "step": step,
        "batch": batch,
        "seconds": seconds,
        "history": history,
    }
    tmp = path.with_suffix(".tmp")
    torch.save(state, tmp)
    tmp.replace(path)


def _load_checkpoint(path: Path, cfg: FinetuneConfig) -> dict[str, Any] | None:
    if not path.exists():
        return None
    try:
        state = torch.load(path, weights_only=False)
    except (OSError, RuntimeError, EOFError) as exc:
        logger.warning("unreadable fine-tune checkpoint %s ignored: %s", path, exc)
        return None
    if state.get("config") != asdict(cfg):
        logger.warning("the checkpoint in %s was made with another config; starting afresh", path)
        return None
    return dict(state)


def save_adapter(model: MultiTaskModel, out_dir: Path) -> None:
    """The LoRA deltas only, in float16 (they are merged into float32 base weights at load)."""
    from safetensors.torch import save_file

    out_dir.mkdir(parents=True, exist_ok=True)
    model.body.save_pretrained(str(out_dir))
    (out_dir / "README.md").unlink(missing_ok=True)  # peft's model-card template, empty here
    config_path = out_dir / "adapter_config.json"
    config = json.loads(config_path.read_text(encoding="utf-8"))
    config["base_model_name_or_path"] = "sentence-transformers/all-MiniLM-L6-v2"  # not this machine's path
    config_path.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    path = out_dir / ADAPTER_WEIGHTS
    from safetensors.torch import load_file

    weights = {k: v.to(torch.float16).contiguous() for k, v in load_file(str(path)).items()}
    save_file(weights, str(path))
