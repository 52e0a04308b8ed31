"""Nothing leaked, nothing silent: secrets never reach an error or a log line, every configuration problem is one
line naming the variable (and the ``.env`` line), no input gives a traceback, and tests never read a ``.env``.
"""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError as SdkApiError

from assistant import redact as redact_module
from assistant.cli import output
from assistant.cli.app import main
from assistant.cli.common import make_context
from assistant.config import ENV_FILE_VARIABLE, load_settings
from assistant.context import Context
from assistant.errors import AssistantError, ConfigError, StoreError
from assistant.redact import RedactingFilter, redact, register_secret
from assistant.slack.web import make_client, to_error

TOKEN = "xoxb-111-222-EchoedBackToken"
SIGNING_SECRET = "signing-secret-never-shown"


# Fixtures ---------------------------------------------------------------------------------------------------------
@pytest.fixture()
def logging_state() -> Iterator[None]:
    """``main`` configures the root logger; put it back so no other test runs at DEBUG."""
    root = logging.getLogger()
    level, handlers = root.level, list(root.handlers)
    noisy = {name: logging.getLogger(name).level for name in ("httpx", "chromadb", "urllib3", "transformers")}
    yield
    root.setLevel(level)
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    for name, value in noisy.items():
        logging.getLogger(name).setLevel(value)
    output._verbose = False


class _Echo(BaseHTTPRequestHandler):
    """A 'Web API' that refuses every call and echoes the request's Authorization header in its answer."""

    mode = "field"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        auth = self.headers.get("Authorization", "")
        if self.mode == "field":
            body = {"ok": False, "error": "invalid_auth", "echo": {"Authorization": auth}}
        else:  # the echo is the error code itself
            body = {"ok": False, "error": f"bad header Authorization: {auth}"}
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(params=["field", "code"])
def echo_url(request: pytest.FixtureRequest) -> Iterator[str]:
    handler = type("Echo", (_Echo,), {"mode": request.param})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/api/"
    finally:
        server.shutdown()
        server.server_close()


def _one_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == 1, text
    return lines[0]


# Secrets ----------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "hidden"),
    [
        ("Authorization: Bearer xoxb-1-2-abc", "xoxb-1-2-abc"),
        ("{'Authorization': 'Bearer xoxp-9-8-zz'}", "xoxp-9-8-zz"),
        ("app token xapp-1-A0-123-abcdef was refused", "xapp-1-A0-123-abcdef"),
        ("Bearer sk-live.abcdef123", "sk-live.abcdef123"),
        ('"authorization": "Basic dXNlcjpwYXNz"', "dXNlcjpwYXNz"),
        ("postgresql://user:hunter22@db.internal:5432/community", "hunter22"),
        ("https://proxy-user:p%40ss@slack.internal/api/", "p%40ss"),
        ("GET /api/auth.test?token=xoxe-1-refresh", "xoxe-1-refresh"),
    ],
)
def test_redact_masks_tokens_credentials_and_url_passwords(text: str, hidden: str) -> None:
    masked = redact(text)
    assert hidden not in masked
    assert "***" in masked


def test_configured_secret_values_are_masked_everywhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(redact_module, "_secrets", set())  # what this test registers is forgotten after it
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    load_settings()
    assert SIGNING_SECRET not in str(StoreError(f"could not verify with {SIGNING_SECRET}"))
    register_secret("short")  # too short to mask by value: would hit ordinary words
    assert redact("a short note") == "a short note"
    register_secret("postgres")  # a short password is masked alone, not inside a longer word
    assert redact("postgresql+psycopg refused password postgres") == "postgresql+psycopg refused password ***"


def test_every_assistant_error_message_is_redacted() -> None:
    error = StoreError("Cannot open the archive at postgresql://app:pa55word@db/x: Bearer xoxb-5-6-seven")
    assert "pa55word" not in str(error) and "xoxb-5-6-seven" not in error.message
    assert "postgresql://app:***@db/x" in str(error)


def test_web_api_error_that_echoes_the_token_never_carries_it(
    echo_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    caplog.handler.addFilter(RedactingFilter())
    client = make_client(TOKEN, echo_url, max_retries=0)
    with pytest.raises(SdkApiError) as raw:
        client.auth_test()
    assert TOKEN in str(raw.value)  # slack_sdk's own message quotes the whole answer ...
    error = to_error(raw.value, "checking the token")
    assert TOKEN not in error.message  # ... ours never does: the code and a sentence only
    assert "Bearer" not in error.message and "Authorization" not in error.message
    assert "Received the following response" in caplog.text  # slack_sdk logged the body, redacted
    assert TOKEN not in caplog.text


def test_cli_with_an_echoing_web_api_prints_one_line_without_the_token(
    echo_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    logging_state: None,
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", TOKEN)
    monkeypatch.setenv("SLACK_SIGNING_SECRET", SIGNING_SECRET)
    monkeypatch.setenv("SLACK_API_URL", echo_url)
    with pytest.raises(SystemExit) as exit_:
        main(["--verbose", "serve", "--http", "--data-dir", str(tmp_path)])
    assert exit_.value.code == 1
    captured = capsys.readouterr()
    line = _one_line(captured.err)
    assert line.startswith("error: Slack did not accept SLACK_BOT_TOKEN")
    assert "Traceback" not in captured.err
    assert "Received the following response" in caplog.text  # --verbose: slack_sdk's DEBUG lines were logged
    for leak in (TOKEN, SIGNING_SECRET):
        assert leak not in captured.err and leak not in captured.out and leak not in caplog.text


# Configuration ----------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "expected"),
    [
        (
            "postgresql://u:s3cretpw@h:notaport/db",
            "Setting DATABASE_URL is invalid: the port in postgresql://u:***@h:notaport/db is not a number "
            "(e.g. postgresql://user@host:5432/dbname).",
        ),
        (
            "postgresql://u:s3cretpw@h:99999/db",
            "Setting DATABASE_URL is invalid: the port in postgresql://u:***@h:99999/db must be between 1 and 65535.",
        ),
        (
            "s3cretpw",
            "Setting DATABASE_URL is invalid: s3cretpw is not a database URL (e.g. postgresql://user@host:5432/dbname).",
        ),
    ],
)
def test_bad_database_url_is_one_line_naming_it_without_the_password(
    monkeypatch: pytest.MonkeyPatch, url: str, expected: str
) -> None:
    monkeypatch.setenv("DATABASE_URL", url)
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert str(err.value) == expected


def test_bad_database_url_through_the_cli_is_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str], logging_state: None
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://u:s3cretpw@h:notaport/db")
    with pytest.raises(SystemExit) as exit_:
        main(["retention", "--data-dir", str(tmp_path)])
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    line = _one_line(err)
    assert "DATABASE_URL" in line and "s3cretpw" not in err and "Traceback" not in err


@pytest.fixture()
def dotenv_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A working directory whose ``.env`` is read, as in a deployment (no ASSISTANT_ENV_FILE)."""
    monkeypatch.delenv(ENV_FILE_VARIABLE)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_garbled_dotenv_line_is_one_line_naming_line_and_variable(dotenv_dir: Path) -> None:
    (dotenv_dir / ".env").write_text("# retention\nMODERATORS_CHANNEL=mods\nASSISTANT_RETENTION_DAYS 7\n")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert (
        str(err.value)
        == '.env line 3 cannot be read: "ASSISTANT_RETENTION_DAYS 7" — write ASSISTANT_RETENTION_DAYS=7'
    )


def test_garbled_dotenv_secret_line_does_not_echo_the_secret(dotenv_dir: Path) -> None:
    (dotenv_dir / ".env").write_text("\n\nSLACK_SIGNING_SECRET abcdef0123456789\n")
    with pytest.raises(ConfigError) as err:
        load_settings()
    message = str(err.value)
    assert message == '.env line 3 cannot be read: "SLACK_SIGNING_SECRET ***" — write SLACK_SIGNING_SECRET=<value>'


def test_dotenv_that_is_not_utf8_is_one_line_naming_line_and_variable(dotenv_dir: Path) -> None:
    (dotenv_dir / ".env").write_bytes(b"MODERATORS_CHANNEL=mods\nASSISTANT_MODERATORS=U0CAF\xe9\n")
    with pytest.raises(ConfigError) as err:
        load_settings()
    assert str(err.value) == (
        ".env line 2 (ASSISTANT_MODERATORS) is not UTF-8 text (byte 0xe9); save the file as UTF-8."
    )


def test_a_well_formed_dotenv_is_read(dotenv_dir: Path) -> None:
    (dotenv_dir / ".env").write_text("\ufeffASSISTANT_RETENTION_DAYS=7\nexport MODERATORS_CHANNEL=mods\n")
    settings = load_settings()
    assert (settings.retention_days, settings.moderators_channel) == (7, "mods")


def test_tests_never_read_a_dotenv_in_the_working_directory(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, settings: Any
) -> None:
    monkeypatch.chdir(tmp_path)  # a developer's checkout, with a broken .env
    (tmp_path / ".env").write_text(
        "ASSISTANT_RETENTION_DAYS=-3\nASSISTANT_LOG_LEVEL 7\nSLACK_BOT_TOKEN=xoxb-dev\n"
    )
    loaded = load_settings()
    assert loaded.retention_days is None and loaded.slack_bot_token is None
    assert settings.retention_days is None
    assert not Path(os.environ[ENV_FILE_VARIABLE]).exists()  # the fixture points settings at no file


def test_log_level_from_dotenv_is_honoured_once_settings_load(dotenv_dir: Path, logging_state: None) -> None:
    (dotenv_dir / ".env").write_text("ASSISTANT_LOG_LEVEL=INFO\n")
    output.configure_logging()
    assert logging.getLogger().level == logging.WARNING  # the environment alone says nothing
    make_context(dotenv_dir / "data").close()
    assert logging.getLogger().level == logging.INFO
    output.configure_logging(verbose=True)
    make_context(dotenv_dir / "data").close()
    assert logging.getLogger().level == logging.DEBUG  # --verbose wins


# No traceback -----------------------------------------------------------------------------------------------------
def _boom(self: Context) -> int:
    raise RuntimeError("ana wrote: 'meet at the old mill' with token xoxb-9-9-inmessage")


def test_unexpected_exception_is_one_line_and_no_traceback(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str], logging_state: None
) -> None:
    monkeypatch.setattr(Context, "apply_retention", _boom)
    with pytest.raises(SystemExit) as exit_:
        main(["retention", "--data-dir", str(tmp_path)])
    assert exit_.value.code == 1
    captured = capsys.readouterr()
    assert _one_line(captured.err) == (
        "error: unexpected RuntimeError while running retention; run again with --verbose to log the details"
    )
    assert "Traceback" not in captured.err + captured.out


def test_verbose_logs_the_frames_but_not_the_message(
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    logging_state: None,
) -> None:
    monkeypatch.setattr(Context, "apply_retention", _boom)
    with pytest.raises(SystemExit) as exit_:
        main(["retention", "--data-dir", str(tmp_path), "--verbose"])  # after the command works too
    assert exit_.value.code == 1
    captured = capsys.readouterr()
    assert "unexpected RuntimeError while running retention" in _one_line(captured.err)
    assert logging.getLogger().level == logging.DEBUG
    assert "builtins.RuntimeError" in caplog.text
    assert "in retention" in caplog.text and "in _boom" in caplog.text and "foundation.py" in caplog.text
    for leak in ("old mill", "ana wrote", "xoxb-9-9"):
        assert leak not in caplog.text and leak not in captured.err
    assert "Traceback" not in captured.err + caplog.text


def test_usage_errors_stay_click_usage_errors(capsys: pytest.CaptureFixture[str], logging_state: None) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["no-such-command"])
    assert exit_.value.code == 2
    assert "No such command" in capsys.readouterr().err


def test_assistant_error_with_brackets_is_printed_verbatim(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str], logging_state: None
) -> None:
    def refuse(self: Context) -> int:
        raise AssistantError("channel [/bold] cannot be read")

    monkeypatch.setattr(Context, "apply_retention", refuse)
    with pytest.raises(SystemExit):
        main(["retention", "--data-dir", str(tmp_path)])
    assert _one_line(capsys.readouterr().err) == "error: channel [/bold] cannot be read"


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (
            b"A=1\n\nASSISTANT_RETENTION_DAYS 7\n",
            'error: .env line 3 cannot be read: "ASSISTANT_RETENTION_DAYS 7" — write ASSISTANT_RETENTION_DAYS=7',
        ),
        (
            b"A=1\nASSISTANT_MODERATORS=U0CAF\xe9\n",
            "error: .env line 2 (ASSISTANT_MODERATORS) is not UTF-8 text (byte 0xe9); save the file as UTF-8.",
        ),
    ],
)
def test_the_installed_command_with_a_broken_dotenv_prints_one_line(
    tmp_path: Path, content: bytes, expected: str
) -> None:
    """A fresh process, as a user runs it: chromadb's own settings read ./.env when it is imported (a non-UTF-8
    file used to be a traceback there, a garbled line a python-dotenv warning per settings object)."""
    (tmp_path / ".env").write_bytes(content)
    env = {k: v for k, v in os.environ.items() if k != ENV_FILE_VARIABLE}
    env["PYTHONPATH"] = str(Path(__file__).resolve().parents[2])
    run = subprocess.run(
        [sys.executable, "-c", "from assistant.cli.app import main; main()", "retention", "--data-dir", "d"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 1
    assert run.stderr.strip() == expected
