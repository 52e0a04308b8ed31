"""Fixtures for the reliability suite: every attack or fault runs against SQLite and the real PostgreSQL (under
``CI`` a missing server fails the run instead of skipping it, so these tests cannot pass by accident), and the
Slack scenario fixtures (the real Bolt app on loopback against a fake Web API)."""

from __future__ import annotations

from tests.foundation.conftest import archive_url  # noqa: F401  (SQLite + PostgreSQL)
from tests.slack.conftest import fake_slack, memo_encoder, pinned, running_app  # noqa: F401  (Slack scenarios)
