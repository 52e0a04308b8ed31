"""Commands of the judgment engine: ``train``, ``eval``, ``classify`` and ``bench`` (parse, call, print)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from assistant.cli.common import DataDirOpt, JsonOpt, make_context
from assistant.cli.output import console, err_console, print_json, print_json_lines
from assistant.errors import AssistantError
from assistant.jsonl import json_lines

DataRootOpt = Annotated[
    Path, typer.Option("--data-root", help="Folder holding the public datasets by folder name.")
]
DEFAULT_DATA_ROOT = Path("../shared/data")


def register(app: typer.Typer) -> None:
    app.command("finetune")(finetune)
    app.command("train")(train)
    app.command("eval")(evaluate)
    app.command("classify")(classify)
    app.command("bench")(bench)


def finetune(
    data_root: DataRootOpt = DEFAULT_DATA_ROOT,
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the adapter (default: the package's own).")
    ] = None,
    epochs: Annotated[float, typer.Option("--epochs", help="Passes over the sampled training rows.")] = 1.0,
    rows_per_source: Annotated[
        int, typer.Option("--rows-per-source", help="Fixed-seed cap of training rows per dataset.")
    ] = 3000,
    json_out: JsonOpt = False,
) -> None:
    """Fine-tune the bundled encoder for every judgment at once (LoRA; ~1 h on 2 cores). Then run `train`."""
    from assistant.encoder import BUNDLED_ADAPTER, Encoder
    from assistant.training.finetune import FinetuneConfig
    from assistant.training.finetune import finetune as run_finetune

    if not data_root.is_dir():
        raise AssistantError(f"The data root {data_root} does not exist; pass --data-root DIR.")
    cfg = FinetuneConfig(epochs=epochs, rows_per_source=rows_per_source)
    folder = out or BUNDLED_ADAPTER
    report = run_finetune(data_root, folder, cfg, encoder=Encoder(adapter=None, max_tokens=cfg.max_tokens))
    if json_out:
        print_json({"out": str(folder), **report})
    else:
        console.print(f"adapter -> {folder} ({report['train_seconds']} s); now run `assistant train`")
        for figures in report["dev_history"]:  # type: ignore[attr-defined]
            console.print(f"  {figures}")


def train(
    data_root: DataRootOpt = DEFAULT_DATA_ROOT,
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write the artifacts (default: the package's own).")
    ] = None,
    max_train_rows: Annotated[
        int | None, typer.Option("--max-train-rows", help="Sample each training set (quick experiments).")
    ] = None,
    max_dev_rows: Annotated[
        int | None, typer.Option("--max-dev-rows", help="Sample each dev set (quick experiments).")
    ] = None,
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Train every judgment head from the datasets under --data-root (fixed seeds; vectors are cached)."""
    from assistant.judgments.engine import default_artifacts_dir
    from assistant.training.train import Trainer

    ctx = make_context(data_dir)
    if not data_root.is_dir():
        raise AssistantError(f"The data root {data_root} does not exist; pass --data-root DIR.")
    from assistant.encoder import BUNDLED_ADAPTER
    from assistant.training.finetune import fine_tuned_rows

    seen = fine_tuned_rows(data_root, ctx.encoder, BUNDLED_ADAPTER)
    trainer = Trainer(
        data_root,
        ctx.encoder,
        ctx.settings.cache_dir,
        max_train_rows=max_train_rows,
        max_dev_rows=max_dev_rows,
        exclude=seen,
    )
    heads = trainer.train(progress=True)
    folder = out or default_artifacts_dir()
    heads.save(folder)
    summary = {
        "version": heads.version,
        "out": str(folder),
        "thresholds": heads.thresholds,
        "dev_metrics": heads.manifest.get("dev_metrics", {}),
    }
    if json_out:
        print_json(summary)
    else:
        console.print(f"trained {heads.version} -> {folder}")
        for name, metrics in summary["dev_metrics"].items():
            shown = ", ".join(f"{k}={v:.3f}" for k, v in metrics.items())
            console.print(f"  {name}: {shown} (threshold {heads.thresholds.get(name, '-')})")


def evaluate(
    data_root: DataRootOpt = DEFAULT_DATA_ROOT,
    split: Annotated[str, typer.Option("--split", help="train, dev or test.")] = "dev",
    only: Annotated[
        list[str] | None, typer.Option("--only", help="Run only these datasets (folder names).")
    ] = None,
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Evaluate every registered task on the datasets under --data-root (missing folders are skipped)."""
    from evals.runner import render_table, run_all

    ctx = make_context(data_dir)
    results = run_all(ctx, data_root, split, only=only)
    if json_out:
        print_json([r.model_dump(mode="json") for r in results])
    else:
        console.print(render_table(results, split))


def classify(
    texts: Annotated[list[str] | None, typer.Argument(help="Texts to judge; none = JSON lines on stdin.")] = None,
    channel: Annotated[str, typer.Option("--channel", help="Channel id whose thresholds apply.")] = "adhoc",
    data_dir: DataDirOpt = None,
    json_out: Annotated[
        bool, typer.Option("--json", help="Accepted for symmetry: output is always JSON lines.")
    ] = False,
) -> None:
    """Judge texts from arguments, or JSON lines on stdin ({"text": ...} or a JSON string); prints JSON lines."""
    items = list(texts or [])
    if not items:
        for lineno, value in json_lines(sys.stdin, "stdin"):
            text = value.get("text") if isinstance(value, dict) else value
            if not isinstance(text, str):
                raise AssistantError(f'stdin line {lineno} needs a "text" string.')
            items.append(text)
    if not items:
        err_console.print("nothing to classify")
        return
    ctx = make_context(data_dir)
    judge = ctx.judge
    judgments = judge.judge_texts(items, channel_id=channel)
    print_json_lines([{"text": t, **j.model_dump(mode="json")} for t, j in zip(items, judgments, strict=True)])


def bench(
    n: Annotated[int, typer.Option("--n", help="Messages per measurement.")] = 200,
    threads: Annotated[
        int | None, typer.Option("--threads", help="torch threads for all three models (default: torch's).")
    ] = None,
    insights: Annotated[
        bool,
        typer.Option(
            "--insights",
            help="Instead: write --messages synthetic messages into a fresh archive under --data-dir and time "
            "each kind of insight answer (cold CLI and warm service) and its peak RSS.",
        ),
    ] = False,
    ingest: Annotated[
        bool,
        typer.Option(
            "--ingest",
            help="Instead: ingest --messages synthetic chat messages into a fresh archive under --data-dir and "
            "compare its throughput with the judgment pass's own (batches of 32) on the same texts.",
        ),
    ] = False,
    messages: Annotated[
        int, typer.Option("--messages", min=100, help="--insights: archive size; --ingest: messages ingested.")
    ] = 10_000,
    claims: Annotated[
        int,
        typer.Option("--claims", help="Add this many synthetic claims to the matcher for the run (e.g. 10000)."),
    ] = 0,
    rounds: Annotated[
        int,
        typer.Option(
            "--rounds", min=1, help="--ingest: rounds of judgment pass then ingest (the medians are reported)."
        ),
    ] = 3,
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Throughput and batch-1 latency of the judgment pass, the encoder alone, and a RoBERTa-base classifier;
    or, with --insights, how insight answers scale with the archive; or, with --ingest, ingest throughput against
    the judgment pass's."""
    if insights:
        from assistant.insights.bench import run_insights_bench

        where = data_dir or Path("bench-insights")
        report = run_insights_bench(Path(where) / f"n{messages}", messages)
        if json_out:
            print_json(report.model_dump(mode="json"))
            return
        console.print(
            f"{report.messages} messages written in {report.write_seconds}s; CLI start-up "
            f"{report.cli_startup_seconds}s"
        )
        for a in report.answers:
            console.print(
                f"{a.kind:>9}: cold {a.cold_seconds}s ({a.beyond_startup_seconds}s beyond start-up, "
                f"peak RSS {a.cold_peak_rss_mb} MB); first in process {a.first_in_process_seconds}s; "
                f"warm p50 {a.warm_p50_seconds}s, p95 {a.warm_p95_seconds}s"
            )
        return
    if ingest:
        from assistant.judgments.bench import run_ingest_bench

        if threads:
            import torch

            torch.set_num_threads(threads)
        found = run_ingest_bench(Path(data_dir or Path("bench-ingest")) / f"n{messages}", messages, rounds)
        if json_out:
            print_json(found.model_dump(mode="json"))
        else:
            for key, value in found.model_dump().items():
                console.print(f"{key:>28}: {value}")
        return
    import torch

    from assistant.judgments.bench import run_bench

    if threads:
        torch.set_num_threads(threads)
    ctx = make_context(data_dir)
    result = run_bench(ctx, n=n, claims=claims)
    if json_out:
        print_json(result.model_dump(mode="json"))
    else:
        for key, value in result.model_dump().items():
            console.print(f"{key:>28}: {value}")
