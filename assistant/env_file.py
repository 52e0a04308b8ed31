"""The ``.env`` file settings are read from besides the environment: where it is (``ASSISTANT_ENV_FILE`` or
``./.env``) and a check that turns an unreadable line into one ``ConfigError`` naming it. Kept apart from
``config``, which declares and validates the settings themselves.
"""

from __future__ import annotations

import io
import os
import re
from pathlib import Path

from assistant.errors import ConfigError

#: Names another file to read instead of ``./.env`` (tests point it at one that does not exist, so a
#: developer's ``.env`` never reaches them).
ENV_FILE_VARIABLE = "ASSISTANT_ENV_FILE"
_SECRET_NAME = re.compile(r"TOKEN|SECRET|KEY|PASSWORD|DATABASE_URL", re.IGNORECASE)
_NAME = re.compile(r"(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)")


def env_file_path() -> Path:
    """The ``.env`` file settings read besides the environment: ``ASSISTANT_ENV_FILE`` or ``./.env``."""
    return Path(os.environ.get(ENV_FILE_VARIABLE) or ".env")


def check_env_file(path: Path) -> None:
    """A ``.env`` that is not UTF-8, or has a line that is not ``NAME=value``, is one ``ConfigError`` line naming
    the line and its variable (python-dotenv would only warn and skip the line, leaving the setting off)."""
    if not path.is_file():
        return
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"{path} cannot be read: {exc.strerror or type(exc).__name__}.") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        lineno = raw.count(b"\n", 0, exc.start) + 1
        line = raw.split(b"\n")[lineno - 1].decode("utf-8", errors="replace")
        m = _NAME.match(line.strip())
        what = f" ({m.group(1)})" if m else ""
        raise ConfigError(
            f"{path} line {lineno}{what} is not UTF-8 text (byte 0x{raw[exc.start]:02x}); save the file as UTF-8."
        ) from None
    from dotenv.parser import parse_stream

    for binding in parse_stream(io.StringIO(text)):
        if not binding.error:
            continue
        chunk = binding.original.string
        leading = chunk[: len(chunk) - len(chunk.lstrip("\r\n"))]
        lineno = binding.original.line + leading.count("\n")
        line = chunk.strip().splitlines()[0].strip() if chunk.strip() else ""
        m = _NAME.match(line)
        if m:
            name, value = m.group(1), line[m.end() :].strip().lstrip(":").strip()
            secret = bool(_SECRET_NAME.search(name))
            shown = f"{name} ***" if secret and value else line
            if secret or not value or '"' in value or "'" in value:
                fix = f"write {name}=<value>"
            else:
                fix = f"write {name}={value}"
        else:
            shown, fix = line, "write NAME=value, one setting a line"
        if len(shown) > 80:
            shown = shown[:77] + "..."
        raise ConfigError(f'{path} line {lineno} cannot be read: "{shown}" — {fix}')
