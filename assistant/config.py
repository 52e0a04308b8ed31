"""One settings class for the whole assistant, read from the environment and an optional ``.env`` file.

Every setting ``name`` is read from ``ASSISTANT_<NAME>`` (``env_prefix``), except the environment names deployments
rely on (``SLACK_BOT_TOKEN``, ``DATABASE_URL``, ...) and a few shorter historical names (``ASSISTANT_BATCH_SIZE``
for ``encoder_batch_size``), which are the field's ``validation_alias``. A bad value becomes a one-line
``ConfigError`` naming the variable.

The settings are declared per area (``StoreSettings``, ``ModerationSettings``, ...; the types they use are in
``assistant.settings_types``). ``Settings`` inherits them all, so the names stay flat (``settings.data_dir``,
``ASSISTANT_DATA_DIR``), and ``settings.store``, ``settings.moderation``, ... are each area's view, with the same
field names, for the services of that area.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any, ClassVar, Literal, cast

from pydantic import Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from assistant.env_file import ENV_FILE_VARIABLE, check_env_file, env_file_path
from assistant.errors import ConfigError
from assistant.redact import redact, register_secret
from assistant.settings_types import (
    DEFAULT_MODERATION_JUDGMENTS,
    DEFAULT_THRESHOLDS,
    JUDGMENT_NAMES,
    Area,
    AreaOf,
    CommaList,
    Counts,
    Judgment,
    JudgmentName,
    SlackUserId,
    Thresholds,
)

__all__ = [
    "DEFAULT_MODERATION_JUDGMENTS",
    "DEFAULT_THRESHOLDS",
    "ENV_FILE_VARIABLE",
    "ENV_PREFIX",
    "JUDGMENT_NAMES",
    "DigestSettings",
    "EncoderSettings",
    "InsightsSettings",
    "JudgmentName",
    "JudgmentSettings",
    "LlmSettings",
    "ModerationSettings",
    "RetentionSettings",
    "Settings",
    "SlackSettings",
    "StoreSettings",
    "SummarySettings",
    "check_env_file",
    "env_file_path",
    "load_settings",
]

ENV_PREFIX = "ASSISTANT_"


def _default_cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "community-assistant"


class StoreSettings(Area):
    """The archive (SQLite or ``DATABASE_URL``), the Chroma index and the knowledge folder."""

    data_dir: Path = Path("assistant-data")
    database_url: str | None = Field(None, validation_alias="DATABASE_URL")
    chroma_host: str | None = Field(None, validation_alias="CHROMA_HOST")
    chroma_port: int = Field(8000, ge=1, le=65535, validation_alias="CHROMA_PORT")
    knowledge_dir: Path | None = None
    ingest_direct_messages: bool = False
    """Also read direct messages and group DMs from exports (stored private, with their members)."""

    @field_validator("database_url")
    @classmethod
    def _check_database_url(cls, value: str | None) -> str | None:
        """The URL's shape (SQLAlchemy's parser, a numeric port), named with its password masked."""
        if not value:
            return value
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError

        shown = redact(value)
        example = "e.g. postgresql://user@host:5432/dbname"
        try:
            url = make_url(value)
        except ArgumentError:
            raise ValueError(f"{shown} is not a database URL ({example})") from None
        except ValueError:
            raise ValueError(f"the port in {shown} is not a number ({example})") from None
        if url.port is not None and not 1 <= url.port <= 65535:
            raise ValueError(f"the port in {shown} must be between 1 and 65535")
        return value

    @property
    def archive_url(self) -> str:
        """SQLAlchemy URL of the archive: ``DATABASE_URL`` or SQLite inside the data directory."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'archive.sqlite3').resolve()}"

    @property
    def chroma_path(self) -> Path:
        return self.data_dir / "chroma"


class RetentionSettings(Area):
    retention_days: int | None = Field(None, ge=1)


class SlackSettings(Area):
    """The Slack app's credentials and Web API (all secrets are ``SecretStr``: never in logs or reprs)."""

    slack_bot_token: SecretStr | None = Field(None, validation_alias="SLACK_BOT_TOKEN")
    slack_signing_secret: SecretStr | None = Field(None, validation_alias="SLACK_SIGNING_SECRET")
    slack_app_token: SecretStr | None = Field(None, validation_alias="SLACK_APP_TOKEN")
    slack_admin_token: SecretStr | None = Field(None, validation_alias="SLACK_ADMIN_TOKEN")
    slack_api_url: str = Field("https://slack.com/api/", validation_alias="SLACK_API_URL")
    slack_workspace_url: str | None = None
    """e.g. https://makers.slack.com — lets answers and reports carry message permalinks."""

    @field_validator("slack_api_url")
    @classmethod
    def _check_api_url(cls, value: str) -> str:
        if not value.startswith(("http://", "https://")):
            raise ValueError("must be an http(s) URL such as https://slack.com/api/")
        return value if value.endswith("/") else value + "/"


class ModerationSettings(Area):
    """Who moderates, policy defaults (thresholds, judgments, exempt channels), alert grouping, and calibration
    from moderator decisions."""

    moderators_channel: str | None = Field(None, validation_alias="MODERATORS_CHANNEL")
    moderators_group: str | None = None
    moderators: CommaList[str] = Field(default_factory=list)
    """Comma-separated Slack user ids allowed to act on flags (besides #moderators members)."""
    moderation_judgments: CommaList[Judgment] = Field(default_factory=lambda: list(DEFAULT_MODERATION_JUDGMENTS))
    """Judgments that raise flags by default; the others flag only where a policy sets them."""
    moderation_exempt_channels: CommaList[str] = Field(default_factory=list)
    moderation_shadow: bool = False
    alert_group_minutes: float = Field(30.0, ge=0.0, le=24 * 60)
    """Flags from one member or one thread within this many minutes share one alert."""
    calibration_step: float = Field(0.05, gt=0.0, le=0.5)
    calibration_max_raise: float = Field(0.2, ge=0.0, le=0.5)
    calibration_max_lower: float = Field(0.1, ge=0.0, le=0.5)
    calibration_min_decisions: int = Field(3, ge=1)
    calibration_target_precision: float = Field(0.5, gt=0.0, le=1.0)
    threshold_floor: float = Field(0.3, ge=0.0, le=1.0)
    threshold_ceiling: float = Field(0.97, ge=0.0, le=1.0)
    thresholds: Thresholds = Field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    """JSON: default per-judgment thresholds, e.g. {"toxicity": 0.8}."""
    channel_thresholds: dict[str, Thresholds] = Field(default_factory=dict)
    """JSON: per-channel overrides, e.g. {"C0123": {"toxicity": 0.9}} (channel id or name)."""

    @field_validator("thresholds")
    @classmethod
    def _merge_thresholds(cls, value: Thresholds) -> Thresholds:
        """``ASSISTANT_THRESHOLDS`` overrides some judgments; the others keep their defaults."""
        return {**DEFAULT_THRESHOLDS, **value}

    def threshold(self, judgment: str, channel_id: str | None = None) -> float:
        """The threshold for a judgment, with a channel's override when one is configured."""
        name = cast(JudgmentName, judgment)
        if channel_id and name in self.channel_thresholds.get(channel_id, {}):
            return self.channel_thresholds[channel_id][name]
        return self.thresholds.get(name, DEFAULT_THRESHOLDS[name])


class EncoderSettings(Area):
    """The sentence encoder every judgment and the index share."""

    encoder_model: str | None = None
    """Path or Hugging Face id of a sentence encoder; default: the bundled all-MiniLM-L6-v2."""
    encoder_batch_size: int = Field(32, ge=1, le=1024, validation_alias="ASSISTANT_BATCH_SIZE")
    encoder_max_tokens: int = Field(128, ge=16, le=512, validation_alias="ASSISTANT_MAX_TOKENS")
    encoder_int8: bool = True
    """Quantise the encoder's linear layers to int8 (faster on CPU; vectors change slightly)."""
    torch_threads: int | None = Field(None, ge=1)


class JudgmentSettings(Area):
    """The judgment heads (bundled, trained or swapped), spans, claim matching, and the training cache."""

    head_models: dict[Judgment, str] = Field(default_factory=dict)
    """JSON: {"toxicity": "<hf id or path>"} replaces a bundled head with that classifier."""
    head_label_maps: dict[str, dict[str, str]] = Field(default_factory=dict)
    """JSON: {"toxicity": {"LABEL_1": "toxic"}} maps a swapped model's labels onto ours."""
    span_min_score: float = Field(0.5, ge=0.0, le=1.0)
    """Toxicity score from which the engine finds the span that drove it."""
    claim_match_min_similarity: float = Field(
        0.72, ge=0.0, le=1.0, validation_alias="ASSISTANT_CLAIM_MIN_SIMILARITY"
    )
    """Cosine similarity from which a message counts as repeating a known false claim."""
    judgment_artifacts: Path | None = None
    """Folder of trained judgment heads; default: the set shipped in the package."""
    cache_dir: Path = Field(default_factory=_default_cache_dir)
    """Cache of encoded training/eval sets; default $XDG_CACHE_HOME or ~/.cache/community-assistant."""


class LlmSettings(Area):
    """The optional chat model (none by default: nothing leaves the host)."""

    llm_provider: Literal["none", "openai", "ollama", "llamacpp", "smollm"] = "none"
    llm_model: str | None = None
    llm_base_url: str | None = None
    llm_api_key: SecretStr | None = None


class InsightsSettings(Area):
    """Quiet members and newcomers; milestones (listed in the digest and the Home tab, each with a celebration
    message to post with one click)."""

    insights_quiet_weeks: int = Field(3, ge=1, le=52, validation_alias="ASSISTANT_QUIET_WEEKS")
    """A regular member silent for this many weeks counts as gone quiet."""
    insights_newcomer_days: int = Field(42, ge=1, le=365, validation_alias="ASSISTANT_NEWCOMER_DAYS")
    """Members whose first message or join is this recent count as newcomers."""
    milestone_anniversary_months: Counts = Field(default_factory=lambda: [1, 3, 6, 12])
    """Comma-separated months since a member's first message or join worth celebrating (then yearly)."""
    milestone_channel_members: Counts = Field(
        default_factory=lambda: [10, 25, 50, 100, 250, 500, 1000, 2500, 5000]
    )
    """Comma-separated member counts a channel crossing is a milestone."""
    milestone_channel_messages: Counts = Field(
        default_factory=lambda: [50, 100, 250, 500, 1000, 2500, 5000, 10000, 25000, 50000]
    )
    """Comma-separated message counts a channel crossing is a milestone."""
    milestone_long_open_days: float = Field(3.0, gt=0.0, le=365.0)
    """A question solved after being open this many days is a milestone."""


class DigestSettings(Area):
    """The weekly digest (Slack DMs to community managers)."""

    managers: CommaList[SlackUserId] = Field(default_factory=list)
    """Comma-separated Slack user ids who get the weekly digest as a DM (none: no digests)."""
    digest_weekday: int = Field(0, ge=0, le=6)
    """Day the weekly digest is sent: 0 = Monday … 6 = Sunday."""
    digest_hour_utc: int = Field(8, ge=0, le=23)


class SummarySettings(Area):
    """Thread summaries and channel recaps."""

    summary_recap_threads: int = Field(5, ge=1, le=50, validation_alias="ASSISTANT_RECAP_THREADS")
    """How many threads a channel recap summarises (the ones with most replies, reactions, people)."""
    summary_use_llm: bool = True
    """Let a configured LLM write summaries (each sentence is checked against its cited message)."""
    summary_support_similarity: float = Field(0.45, ge=0.0, le=1.0)
    """Cosine similarity an LLM sentence needs with its cited message to count as supported."""


class Settings(  # the last base's fields come first: the areas are listed from the last to the first
    SummarySettings,
    DigestSettings,
    InsightsSettings,
    LlmSettings,
    JudgmentSettings,
    EncoderSettings,
    ModerationSettings,
    SlackSettings,
    RetentionSettings,
    StoreSettings,
    BaseSettings,
):
    """Everything configurable: every area's settings, read from the environment and ``.env``."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "WARNING"

    store: ClassVar[AreaOf[StoreSettings]] = AreaOf(StoreSettings)
    retention: ClassVar[AreaOf[RetentionSettings]] = AreaOf(RetentionSettings)
    slack: ClassVar[AreaOf[SlackSettings]] = AreaOf(SlackSettings)
    moderation: ClassVar[AreaOf[ModerationSettings]] = AreaOf(ModerationSettings)
    encoder: ClassVar[AreaOf[EncoderSettings]] = AreaOf(EncoderSettings)
    judgments: ClassVar[AreaOf[JudgmentSettings]] = AreaOf(JudgmentSettings)
    llm: ClassVar[AreaOf[LlmSettings]] = AreaOf(LlmSettings)
    insights: ClassVar[AreaOf[InsightsSettings]] = AreaOf(InsightsSettings)
    digest: ClassVar[AreaOf[DigestSettings]] = AreaOf(DigestSettings)
    summaries: ClassVar[AreaOf[SummarySettings]] = AreaOf(SummarySettings)

    #: Settings of no one area.
    general: ClassVar[tuple[str, ...]] = ("log_level",)

    @classmethod
    def areas(cls) -> dict[str, type[Area]]:
        """Each area's name (``settings.<name>``) and model."""
        return {name: view.area for name, view in vars(cls).items() if isinstance(view, AreaOf)}

    @classmethod
    def env_name(cls, field: str) -> str:
        """The environment variable a field is read from: its alias, else ``ASSISTANT_<FIELD>``."""
        info = cls.model_fields.get(field)
        if info is not None and isinstance(info.validation_alias, str):
            return info.validation_alias
        return ENV_PREFIX + field.upper()


_ALIASES = {name: Settings.env_name(name) for name in Settings.model_fields}
#: ``load_settings(database_url=...)`` is passed on as ``DATABASE_URL=...``.
_INIT_KEYS = {
    name: field.validation_alias
    for name, field in Settings.model_fields.items()
    if isinstance(field.validation_alias, str)
}


def _register_secrets(settings: Settings) -> None:
    """Every secret value the settings hold is masked in errors and logs from now on."""
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if isinstance(value, SecretStr):
            register_secret(value.get_secret_value())
    if settings.database_url:
        from sqlalchemy.engine import make_url

        register_secret(make_url(settings.database_url).password)


def load_settings(**overrides: Any) -> Settings:
    """Build settings, turning a validation failure into one line that names the environment variable (and a
    ``.env`` problem into one line naming its line)."""
    env_file = env_file_path()
    check_env_file(env_file)
    try:
        # by alias: reading by field name as well would make ASSISTANT_SLACK_BOT_TOKEN a second name
        by_alias = {_INIT_KEYS.get(name, name): value for name, value in overrides.items()}
        settings = Settings(_env_file=env_file, **by_alias)
    except ValidationError as exc:
        err = exc.errors()[0]
        field = str(err["loc"][0]) if err["loc"] else "settings"
        env_name = _ALIASES.get(field, field)
        message = str(err["msg"]).removeprefix("Value error, ")
        inner = list(err["loc"][1:])  # where in a JSON or list value, e.g. the judgment of a threshold
        if inner and inner[-1] == "[key]":  # the key itself is wrong: the message names it
            inner = inner[:-2]
        if inner and isinstance(inner[-1], int):
            inner = inner[:-1]
        if inner:
            message = f"{'.'.join(map(str, inner))}: {message}"
        raise ConfigError(f"Setting {env_name} is invalid: {message}.") from None
    except SettingsError as exc:
        m = re.search(r'field "([^"]+)"', str(exc))
        env_name = _ALIASES.get(m.group(1), m.group(1)) if m else "settings"
        raise ConfigError(f"Setting {env_name} is invalid: it must be valid JSON.") from None
    except (UnicodeDecodeError, OSError) as exc:  # the file changed after the check
        raise ConfigError(f"{env_file} cannot be read ({type(exc).__name__}).") from None
    _register_secrets(settings)
    return settings
