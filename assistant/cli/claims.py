"""The claims store's commands: ``assistant claims add|list|remove|import`` (parse, call ``ClaimsService``, print).

Every add, removal and import is in the audit log, with the host's operator (``cli:<user>``) as the actor.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.table import Table

from assistant.cli.common import DataDirOpt, JsonOpt, make_context, operator
from assistant.cli.output import console, print_json
from assistant.errors import AssistantError

if TYPE_CHECKING:
    from assistant.domain.claims import Claim

claims_app = typer.Typer(
    help="Fact-checked claims the assistant flags repeats of: add, list, remove, import, and their known repeats.",
    no_args_is_help=True,
)

VERDICT_HELP = "false, misleading, true or unproven (only false and misleading raise alerts)"


def _show(claim: Claim, line: str, json_out: bool) -> None:
    """The claim as JSON with ``--json``, else ``line``."""
    if json_out:
        print_json(claim.model_dump(mode="json"))
    else:
        console.print(line, highlight=False, markup=False)


def _verdict(value: str) -> str:
    from assistant.claims.models import VERDICTS

    v = value.strip().lower()
    if v not in VERDICTS:
        raise AssistantError(f"Unknown verdict {value!r}: use {', '.join(VERDICTS)}.")
    return v


@claims_app.command("add")
def add(
    text: Annotated[str, typer.Argument(help="The claim as people say it, e.g. '5G towers spread covid'.")],
    verdict: Annotated[str, typer.Option("--verdict", help=VERDICT_HELP)] = "false",
    correction: Annotated[str, typer.Option("--correction", help="What is true instead (shown in alerts).")] = "",
    source: Annotated[str, typer.Option("--source", help="URL of the fact-check or source.")] = "",
    title: Annotated[str, typer.Option("--title", help="The fact-check's headline, if any.")] = "",
    claim_id: Annotated[str | None, typer.Option("--id", help="Id (default: derived from the text).")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")] = "",
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a claim (or replace the one with the same id); audited."""
    from assistant.claims.models import ClaimInput

    ctx = make_context(data_dir)
    claim = ctx.claims.add(
        ClaimInput.model_validate(
            {
                "text": text,
                "verdict": _verdict(verdict),
                "correction": correction,
                "source_url": source,
                "title": title,
                "id": claim_id,
            }
        ),
        operator(),
        reason=reason,
    )
    _show(claim, f"added {claim.id} ({claim.verdict}): {claim.text}", json_out)


@claims_app.command("list")
def list_(
    verdict: Annotated[str | None, typer.Option("--verdict", help="Only this verdict.")] = None,
    limit: Annotated[int | None, typer.Option("--limit", help="At most this many.")] = None,
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List the live claims, oldest first."""
    ctx = make_context(data_dir)
    claims = ctx.claims.list(verdict=_verdict(verdict) if verdict else None, limit=limit)
    if json_out:
        print_json([c.model_dump(mode="json") for c in claims])
        return
    table = Table(title=f"{len(claims)} claims")
    for col in ("id", "verdict", "claim", "correction", "source", "added by", "added"):
        table.add_column(col)
    for c in claims:
        table.add_row(
            c.id,
            c.verdict,
            c.text,
            c.correction,
            c.source_url,
            c.added_by,
            c.added_at.strftime("%Y-%m-%d %H:%M"),
        )
    console.print(table)


@claims_app.command("remove")
def remove(
    claim_id: Annotated[str, typer.Argument(help="The claim's id (see `assistant claims list`).")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log).")] = "",
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Remove a claim: it no longer flags anything; audited (a seeded claim stays removed)."""
    ctx = make_context(data_dir)
    claim = ctx.claims.remove(claim_id, operator(), reason=reason)
    _show(claim, f"removed {claim.id}: {claim.text}", json_out)


@claims_app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV, TSV or JSON lines of fact-checks (columns mapped by name).")],
    verdict: Annotated[
        str,
        typer.Option("--verdict", help=f"Verdict of rows without a recognised rating: {VERDICT_HELP}."),
    ] = "unproven",
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="field=COLUMN for a column not found by name (text, title, verdict, ...)."),
    ] = None,
    id_prefix: Annotated[
        str | None,
        typer.Option("--id-prefix", help="Prefix of ids from the file's id column (default: its name)."),
    ] = None,
    encode_titles: Annotated[
        bool,
        typer.Option(
            "--encode-titles/--no-encode-titles",
            help="Encode headlines too: their cosine joins the ranking (better on CheckThat! train; more encoding).",
        ),
    ] = True,
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import fact-checks from a file: new claims are added, changed ones updated, unchanged ones kept; audited."""
    from dataclasses import asdict

    from assistant.claims.importer import COLUMNS

    mapping = _mapping(map_, COLUMNS)
    ctx = make_context(data_dir)
    report = ctx.claims.import_file(
        file,
        operator(),
        default_verdict=_verdict(verdict),  # type: ignore[arg-type]
        mapping=mapping,
        id_prefix=id_prefix,
        encode_titles=encode_titles,
    )
    if json_out:
        print_json(asdict(report))
        return
    columns = ", ".join(f"{k}<-{v}" for k, v in report.columns.items())
    console.print(
        f"{report.file}: {report.rows} rows, {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.duplicates} duplicates skipped ({report.encoded} encoded) "
        f"in {report.seconds:.1f}s; columns {columns}",
        highlight=False,
        markup=False,
    )
    for problem in report.problems:
        console.print(f"  {problem}", highlight=False, markup=False)


@claims_app.command("import-repeats")
def import_repeats(
    file: Annotated[
        Path, typer.Argument(help="CSV, TSV or JSON lines: a text column and the claim id(s) it repeats.")
    ],
    map_: Annotated[
        list[str] | None,
        typer.Option("--map", help="field=COLUMN for a column not found by name (text, claim_id)."),
    ] = None,
    id_prefix: Annotated[
        str, typer.Option("--id-prefix", help="What `claims import --id-prefix` put before the file's claim ids.")
    ] = "",
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import messages known to repeat claims (e.g. labelled posts): the matcher finds their rewordings; audited."""
    from dataclasses import asdict

    from assistant.claims.repeats import COLUMNS

    ctx = make_context(data_dir)
    report = ctx.claims.confirmed.import_file(
        file, operator(), id_prefix=id_prefix, mapping=_mapping(map_, COLUMNS)
    )
    if json_out:
        print_json(asdict(report))
        return
    console.print(
        f"{report.file}: {report.rows} rows, {report.added} repeats added, {report.known} already known, "
        f"{report.unknown_claims} naming no live claim, in {report.seconds:.1f}s",
        highlight=False,
        markup=False,
    )
    for problem in report.problems:
        console.print(f"  {problem}", highlight=False, markup=False)


@claims_app.command("repeats")
def repeats(
    claim_id: Annotated[str, typer.Argument(help="The claim's id (see `assistant claims list`).")],
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """The messages confirmed to repeat a claim (by moderators' actions on its flags, or imported), oldest first."""
    from dataclasses import asdict

    ctx = make_context(data_dir)
    found = ctx.claims.confirmed.of_claim(claim_id)
    if json_out:
        print_json([asdict(r) | {"added_at": r.added_at.isoformat()} for r in found])
        return
    table = Table(title=f"{len(found)} confirmed repeats of {claim_id}")
    for col in ("text", "origin", "by", "added", "message"):
        table.add_column(col)
    for r in found:
        where = f"{r.channel_id} {r.ts}" if r.ts else ""
        table.add_row(
            r.text, f"{r.origin} {r.origin_ref}".strip(), r.added_by, r.added_at.strftime("%Y-%m-%d"), where
        )
    console.print(table)


def _mapping(items: list[str] | None, fields: dict[str, tuple[str, ...]]) -> dict[str, str]:
    """``--map field=COLUMN`` options as a mapping (a field must be one the file reader knows)."""
    mapping: dict[str, str] = {}
    for item in items or []:
        field_, sep, column = item.partition("=")
        if not sep or field_.strip() not in fields or not column.strip():
            raise AssistantError(f"--map {item!r}: write field=COLUMN with a field among {', '.join(fields)}.")
        mapping[field_.strip()] = column.strip()
    return mapping


def register(app: typer.Typer) -> None:
    app.add_typer(claims_app, name="claims")
