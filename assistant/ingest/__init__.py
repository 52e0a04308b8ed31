"""Getting messages in: Slack workspace exports (folder or zip) and, in the Slack app, live backfill."""

from assistant.ingest.markup import resolve_markup
from assistant.ingest.slack_export import ExportContents, ExportProblem, read_export

__all__ = ["ExportContents", "ExportProblem", "read_export", "resolve_markup"]
