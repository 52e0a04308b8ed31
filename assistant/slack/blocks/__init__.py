"""Block Kit rendering with slack-sdk's block models; each module renders one kind of reply from a service
result. Renderers compute nothing: they only lay out what a service returned."""

from assistant.slack.blocks.common import as_payload, error_blocks, escape, truncate

__all__ = ["as_payload", "error_blocks", "escape", "truncate"]
