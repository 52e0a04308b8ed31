"""``assistant survey list|show|export|close``: the surveys run in Slack, their results and answers (anonymous
surveys never say who answered)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from assistant.cli.common import DataDirOpt, JsonOpt, make_context, operator
from assistant.cli.output import console, print_json

survey_app = typer.Typer(
    help="Surveys run in Slack with /survey: list, show results, export, close.", no_args_is_help=True
)

SurveyId = Annotated[str, typer.Argument(help="The survey's id (from `assistant survey list`), e.g. S1A2B3C4D5.")]


@survey_app.command("list")
def list_surveys(
    open_only: Annotated[bool, typer.Option("--open", help="Only surveys still open.")] = False,
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Every survey, newest first: question, state, answers."""
    from assistant.surveys import survey_service

    ctx = make_context(data_dir)
    surveys = survey_service(ctx).list_surveys(open_only=open_only)
    if json_out:
        print_json([s.model_dump(mode="json") for s in surveys])
        return
    if not surveys:
        console.print("No surveys yet (managers start one in Slack with /survey).")
        return
    table = Table("id", "question", "kind", "state", "answers", "closes")
    for s in surveys:
        state = "open" if s.is_open else "closed"
        table.add_row(
            s.id,
            escape(s.question),
            s.kind + (", anonymous" if s.anonymous else ""),
            state,
            str(s.answers),
            f"{s.closes_at:%Y-%m-%d %H:%M}",
        )
    console.print(table)


@survey_app.command("show")
def show(survey_id: SurveyId, data_dir: DataDirOpt = None, json_out: JsonOpt = False) -> None:
    """A survey's results: counts per option and per channel, free-text answers grouped into themes."""
    from assistant.surveys import survey_service

    ctx = make_context(data_dir)
    results = survey_service(ctx).results(survey_id)
    if json_out:
        print_json(results.model_dump(mode="json"))
        return
    s = results.survey
    console.print(
        f"[bold]{escape(s.question)}[/bold]  ({s.id}, {'open' if s.is_open else 'closed'}, "
        f"{'anonymous' if s.anonymous else 'named'}, {results.respondents} answers)"
    )
    for o in results.options:
        console.print(f"  {o.count:4d}  {o.share:5.0%}  {escape(o.option)}")
    for c in results.per_channel:
        console.print(f"  {c.line(escape)}")
    for t in results.themes:
        console.print(
            f"  [bold]{escape(t.label)}[/bold] ({t.size}): " + " / ".join(escape(a) for a in t.answers[:3])
        )
    for a in results.one_offs:
        console.print(f"  - {escape(a)}")


@survey_app.command("export")
def export(
    survey_id: SurveyId,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the JSON to this file instead of stdout.")
    ] = None,
    data_dir: DataDirOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Everything about a survey as JSON: the survey, its results and every answer (anonymous: without who)."""
    import json

    from assistant.surveys import survey_service

    ctx = make_context(data_dir)
    data = survey_service(ctx).export(survey_id)
    if out is not None:
        out.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
        if not json_out:
            console.print(f"Wrote {out}.")
            return
    print_json(data)


@survey_app.command("close")
def close(survey_id: SurveyId, data_dir: DataDirOpt = None, json_out: JsonOpt = False) -> None:
    """Close a survey now (audited): later answers are refused; `/survey results <id>` shows the results in Slack."""
    from assistant.surveys import survey_service

    ctx = make_context(data_dir)
    survey = survey_service(ctx).close(survey_id, operator())
    if json_out:
        print_json(survey.model_dump(mode="json"))
    else:
        console.print(f"Survey {survey.id} is closed ({survey.answers} answers).")


def register(app: typer.Typer) -> None:
    app.add_typer(survey_app, name="survey")
