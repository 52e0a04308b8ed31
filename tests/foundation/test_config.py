from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import SecretStr

from assistant.config import DEFAULT_THRESHOLDS, Settings, load_settings
from assistant.context import Context
from assistant.errors import ConfigError


def test_defaults_need_no_tokens_and_use_embedded_stores(tmp_path: Path) -> None:
    s = load_settings(data_dir=tmp_path)
    assert s.llm_provider == "none"
    assert s.archive_url.startswith("sqlite:///") and s.archive_url.endswith("archive.sqlite3")
    assert s.chroma_host is None and s.chroma_path == tmp_path / "chroma"
    assert s.thresholds == DEFAULT_THRESHOLDS


def test_fixed_environment_names_are_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ASSISTANT_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-secret-value")
    monkeypatch.setenv("SLACK_API_URL", "http://127.0.0.1:9999/api")
    monkeypatch.setenv("MODERATORS_CHANNEL", "#moderators")
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1/test")
    monkeypatch.setenv("CHROMA_HOST", "chroma.internal")
    monkeypatch.setenv("CHROMA_PORT", "8001")
    s = load_settings()
    assert s.data_dir == tmp_path
    assert s.slack_api_url == "http://127.0.0.1:9999/api/"
    assert s.moderators_channel == "#moderators"
    assert s.archive_url == "postgresql://postgres@127.0.0.1/test"
    assert (s.chroma_host, s.chroma_port) == ("chroma.internal", 8001)
    assert s.slack_bot_token is not None and s.slack_bot_token.get_secret_value() == "xoxb-secret-value"


def test_secrets_never_appear_in_repr_or_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SLACK_SIGNING_SECRET", "topsecret123")
    s = load_settings()
    assert "topsecret123" not in repr(s)
    assert "topsecret123" not in s.model_dump_json()


@pytest.mark.parametrize(
    ("env", "value", "named"),
    [
        ("CHROMA_PORT", "not-a-port", "CHROMA_PORT"),
        ("CHROMA_PORT", "70000", "CHROMA_PORT"),
        ("SLACK_API_URL", "ftp://x", "SLACK_API_URL"),
        ("ASSISTANT_THRESHOLDS", '{"toxicity": 3}', "ASSISTANT_THRESHOLDS"),
        ("ASSISTANT_THRESHOLDS", '{"rudeness": 0.5}', "ASSISTANT_THRESHOLDS"),
        ("ASSISTANT_THRESHOLDS", "{not json", "ASSISTANT_THRESHOLDS"),
        ("ASSISTANT_LLM_PROVIDER", "skynet", "ASSISTANT_LLM_PROVIDER"),
    ],
)
def test_bad_setting_is_one_line_naming_it(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, named: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    message = str(err.value)
    assert named in message
    assert "\n" not in message


def test_threshold_override_merges_with_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_THRESHOLDS", '{"toxicity": 0.9}')
    s = load_settings()
    assert s.threshold("toxicity") == 0.9
    assert s.threshold("want") == DEFAULT_THRESHOLDS["want"]


def test_dotenv_file_is_read(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ASSISTANT_ENV_FILE")  # the test fixture points it away from ./.env
    monkeypatch.chdir(tmp_path)
    (tmp_path / ".env").write_text("MODERATORS_CHANNEL=C0MODS\n", encoding="utf-8")
    assert load_settings().moderators_channel == "C0MODS"


#: Every environment name the settings have read (README, deployments): (name, value, field, parsed value).
ENVIRONMENT_NAMES: list[tuple[str, str, str, object]] = [
    ("ASSISTANT_DATA_DIR", "/srv/assistant", "data_dir", Path("/srv/assistant")),
    ("DATABASE_URL", "postgresql://a@h/db", "database_url", "postgresql://a@h/db"),
    ("CHROMA_HOST", "chroma", "chroma_host", "chroma"),
    ("CHROMA_PORT", "8001", "chroma_port", 8001),
    ("ASSISTANT_KNOWLEDGE_DIR", "/srv/k", "knowledge_dir", Path("/srv/k")),
    ("ASSISTANT_RETENTION_DAYS", "30", "retention_days", 30),
    ("ASSISTANT_INGEST_DIRECT_MESSAGES", "true", "ingest_direct_messages", True),
    ("SLACK_BOT_TOKEN", "xoxb-1", "slack_bot_token", "xoxb-1"),
    ("SLACK_SIGNING_SECRET", "s1", "slack_signing_secret", "s1"),
    ("SLACK_APP_TOKEN", "xapp-1", "slack_app_token", "xapp-1"),
    ("SLACK_ADMIN_TOKEN", "xoxp-1", "slack_admin_token", "xoxp-1"),
    ("SLACK_API_URL", "http://127.0.0.1:1/api/", "slack_api_url", "http://127.0.0.1:1/api/"),
    ("MODERATORS_CHANNEL", "mods", "moderators_channel", "mods"),
    ("ASSISTANT_MODERATORS_GROUP", "S0MODS", "moderators_group", "S0MODS"),
    ("ASSISTANT_MODERATORS", "U1, U2", "moderators", ["U1", "U2"]),
    ("ASSISTANT_MODERATION_JUDGMENTS", "toxicity,want", "moderation_judgments", ["toxicity", "want"]),
    ("ASSISTANT_MODERATION_EXEMPT_CHANNELS", "C1", "moderation_exempt_channels", ["C1"]),
    ("ASSISTANT_MODERATION_SHADOW", "1", "moderation_shadow", True),
    ("ASSISTANT_ALERT_GROUP_MINUTES", "5", "alert_group_minutes", 5.0),
    ("ASSISTANT_CALIBRATION_STEP", "0.1", "calibration_step", 0.1),
    ("ASSISTANT_CALIBRATION_MAX_RAISE", "0.3", "calibration_max_raise", 0.3),
    ("ASSISTANT_CALIBRATION_MAX_LOWER", "0.2", "calibration_max_lower", 0.2),
    ("ASSISTANT_CALIBRATION_MIN_DECISIONS", "7", "calibration_min_decisions", 7),
    ("ASSISTANT_CALIBRATION_TARGET_PRECISION", "0.9", "calibration_target_precision", 0.9),
    ("ASSISTANT_THRESHOLD_FLOOR", "0.2", "threshold_floor", 0.2),
    ("ASSISTANT_THRESHOLD_CEILING", "0.9", "threshold_ceiling", 0.9),
    ("ASSISTANT_ENCODER_MODEL", "org/model", "encoder_model", "org/model"),
    ("ASSISTANT_BATCH_SIZE", "8", "encoder_batch_size", 8),
    ("ASSISTANT_MAX_TOKENS", "64", "encoder_max_tokens", 64),
    ("ASSISTANT_ENCODER_INT8", "false", "encoder_int8", False),
    ("ASSISTANT_TORCH_THREADS", "2", "torch_threads", 2),
    ("ASSISTANT_HEAD_MODELS", '{"toxicity": "org/tox"}', "head_models", {"toxicity": "org/tox"}),
    (
        "ASSISTANT_HEAD_LABEL_MAPS",
        '{"toxicity": {"L1": "toxic"}}',
        "head_label_maps",
        {"toxicity": {"L1": "toxic"}},
    ),
    ("ASSISTANT_THRESHOLDS", '{"want": 0.6}', "thresholds", {**DEFAULT_THRESHOLDS, "want": 0.6}),
    ("ASSISTANT_CHANNEL_THRESHOLDS", '{"C1": {"toxicity": 0.9}}', "channel_thresholds", {"C1": {"toxicity": 0.9}}),
    ("ASSISTANT_SPAN_MIN_SCORE", "0.6", "span_min_score", 0.6),
    ("ASSISTANT_CLAIM_MIN_SIMILARITY", "0.8", "claim_match_min_similarity", 0.8),
    ("ASSISTANT_JUDGMENT_ARTIFACTS", "/srv/heads", "judgment_artifacts", Path("/srv/heads")),
    ("ASSISTANT_CACHE_DIR", "/srv/cache", "cache_dir", Path("/srv/cache")),
    ("ASSISTANT_LLM_PROVIDER", "ollama", "llm_provider", "ollama"),
    ("ASSISTANT_LLM_MODEL", "llama3", "llm_model", "llama3"),
    ("ASSISTANT_LLM_BASE_URL", "http://llm", "llm_base_url", "http://llm"),
    ("ASSISTANT_LLM_API_KEY", "sk-1", "llm_api_key", "sk-1"),
    ("ASSISTANT_QUIET_WEEKS", "4", "insights_quiet_weeks", 4),
    ("ASSISTANT_NEWCOMER_DAYS", "10", "insights_newcomer_days", 10),
    ("ASSISTANT_SLACK_WORKSPACE_URL", "https://x.slack.com", "slack_workspace_url", "https://x.slack.com"),
    ("ASSISTANT_MILESTONE_ANNIVERSARY_MONTHS", "12,1", "milestone_anniversary_months", [1, 12]),
    ("ASSISTANT_MILESTONE_CHANNEL_MEMBERS", "10", "milestone_channel_members", [10]),
    ("ASSISTANT_MILESTONE_CHANNEL_MESSAGES", "50,100", "milestone_channel_messages", [50, 100]),
    ("ASSISTANT_MILESTONE_LONG_OPEN_DAYS", "2.5", "milestone_long_open_days", 2.5),
    ("ASSISTANT_MANAGERS", "U0123ABCD", "managers", ["U0123ABCD"]),
    ("ASSISTANT_DIGEST_WEEKDAY", "4", "digest_weekday", 4),
    ("ASSISTANT_DIGEST_HOUR_UTC", "17", "digest_hour_utc", 17),
    ("ASSISTANT_RECAP_THREADS", "9", "summary_recap_threads", 9),
    ("ASSISTANT_SUMMARY_USE_LLM", "false", "summary_use_llm", False),
    ("ASSISTANT_SUMMARY_SUPPORT_SIMILARITY", "0.5", "summary_support_similarity", 0.5),
    ("ASSISTANT_LOG_LEVEL", "INFO", "log_level", "INFO"),
]


@pytest.mark.parametrize(
    ("env", "value", "field", "expected"), ENVIRONMENT_NAMES, ids=[e[0] for e in ENVIRONMENT_NAMES]
)
def test_every_environment_name_is_read(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, field: str, expected: object
) -> None:
    """``env_prefix`` reads ``ASSISTANT_<FIELD>``; the fixed and historical names still work as they did."""
    monkeypatch.setenv(env, value)
    got = getattr(load_settings(), field)
    assert (got.get_secret_value() if isinstance(got, SecretStr) else got) == expected
    assert Settings.env_name(field) == env  # and errors name that variable


def test_every_setting_has_a_known_environment_name() -> None:
    """A new setting is added to the table above (it pins what deployments may rely on)."""
    assert {Settings.env_name(f) for f in Settings.model_fields} == {e[0] for e in ENVIRONMENT_NAMES}


def test_a_prefixed_field_name_does_not_shadow_a_fixed_name(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ASSISTANT_SLACK_BOT_TOKEN", "xoxb-wrong")
    monkeypatch.setenv("ASSISTANT_ENCODER_BATCH_SIZE", "3")
    s = load_settings()
    assert s.slack_bot_token is None and s.encoder_batch_size == 32


@pytest.mark.parametrize(
    ("env", "value", "expected"),
    [
        ("ASSISTANT_THRESHOLDS", '{"toxicity": 3}', "toxicity: must be between 0 and 1, got 3"),
        ("ASSISTANT_THRESHOLDS", '{"rudeness": 0.5}', "unknown judgment 'rudeness'; expected one of toxicity,"),
        ("ASSISTANT_CHANNEL_THRESHOLDS", '{"C1": {"want": -1}}', "C1.want: must be between 0 and 1, got -1"),
        ("ASSISTANT_CHANNEL_THRESHOLDS", '{"C1": {"rude": 0.5}}', "C1: unknown judgment 'rude'"),
        ("ASSISTANT_HEAD_MODELS", '{"rude": "org/m"}', "unknown judgment 'rude'"),
        ("ASSISTANT_MODERATION_JUDGMENTS", "toxicity,rude", "unknown judgment 'rude'"),
    ],
)
def test_judgment_names_and_thresholds_are_checked_alike(
    monkeypatch: pytest.MonkeyPatch, env: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(env, value)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert str(err.value).startswith(f"Setting {env} is invalid: {expected}")


def test_torch_threads_setting_reaches_torch(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """``ASSISTANT_TORCH_THREADS`` sets torch's thread count when the context's encoder is made."""
    import torch

    import assistant.encoder as encoder_module

    loaded = object()  # stands for the process's encoder: this test loads no weights
    monkeypatch.setitem(encoder_module._shared, (None, 32, 128, True), loaded)  # type: ignore[arg-type]
    before = torch.get_num_threads()
    monkeypatch.setenv("ASSISTANT_TORCH_THREADS", "1")
    ctx = Context(load_settings(data_dir=tmp_path))
    try:
        assert ctx.encoder is loaded
        assert torch.get_num_threads() == 1
    finally:
        torch.set_num_threads(before)


def test_cache_dir_from_dotenv_is_where_vectors_are_cached(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """``ASSISTANT_CACHE_DIR`` comes from the settings (so from ``.env`` too), not only from the environment."""
    from assistant.training.cache import default_cache_dir

    env_file = tmp_path / "deploy.env"
    env_file.write_text(f"ASSISTANT_CACHE_DIR={tmp_path / 'vectors'}\n")
    monkeypatch.setenv("ASSISTANT_ENV_FILE", str(env_file))
    assert load_settings().cache_dir == tmp_path / "vectors"
    assert default_cache_dir() == tmp_path / "vectors"
    monkeypatch.setenv("ASSISTANT_ENV_FILE", str(tmp_path / "none.env"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "community-assistant"


def test_every_setting_belongs_to_one_area_whose_view_reads_it(monkeypatch: pytest.MonkeyPatch) -> None:
    """The settings are declared per area; ``settings.<area>`` holds that area's fields with the flat values."""
    areas = Settings.areas()
    owners: dict[str, list[str]] = {}
    for name, area in areas.items():
        for field in area.model_fields:
            owners.setdefault(field, []).append(name)
    assert {f: o for f, o in owners.items() if len(o) > 1} == {}, "a setting is declared in one area"
    assert set(owners) | set(Settings.general) == set(Settings.model_fields)
    monkeypatch.setenv("ASSISTANT_ALERT_GROUP_MINUTES", "5")
    monkeypatch.setenv("DATABASE_URL", "postgresql://u@h:5432/db")
    s = load_settings()
    moderation, store = s.moderation, s.store
    assert type(moderation) is areas["moderation"] and moderation.alert_group_minutes == 5.0
    assert moderation.threshold("toxicity") == s.threshold("toxicity")
    assert store.archive_url == s.archive_url == "postgresql://u@h:5432/db"
    assert s.model_copy(update={"alert_group_minutes": 7.0}).moderation.alert_group_minutes == 7.0
