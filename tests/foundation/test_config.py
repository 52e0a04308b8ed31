from __future__ import annotations

from pathlib import Path

import pytest

from assistant.config import DEFAULT_THRESHOLDS, load_settings
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
