"""Masking secrets in any text a person or a log may see: error messages, log records, HTTP answers.

Masked: Slack tokens (``xoxb-…``, ``xoxp-…``, ``xapp-…``), ``Bearer …`` credentials, ``Authorization:`` values,
the password of a URL (``scheme://user:***@host``) and every secret value the settings hold (registered when
settings load). ``redact`` is applied to every ``AssistantError`` message; ``RedactingFilter`` is installed on
the CLI's logging handlers.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable

MASK = "***"

#: Secrets shorter than this are not masked by value (too likely to match ordinary words).
MIN_SECRET_LENGTH = 6
#: Secrets shorter than this are masked only where they stand alone (not inside a longer word).
WHOLE_WORD_BELOW = 16


def _auth(match: re.Match[str]) -> str:
    scheme = match.group(2)
    return f"{match.group(1)}{scheme + ' ' if scheme else ''}{MASK}"


_Replacement = str | Callable[[re.Match[str]], str]

_PATTERNS: tuple[tuple[re.Pattern[str], _Replacement], ...] = (
    # Slack tokens: bot, user, app-level, refresh, configuration, legacy workspace tokens.
    (re.compile(r"\b(xox[abposre]|xapp|xoxe\.xox[bp])-[A-Za-z0-9-]+"), rf"\1-{MASK}"),
    # Authorization header values, as a header line, a dict/JSON entry or a query parameter.
    (re.compile(r"""(?i)(\bauthorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|token)\s+)?[^\s"',;}]+"""), _auth),
    (re.compile(r"(?i)\b(bearer)\s+(?!\*\*\*)[A-Za-z0-9._~+/=-]+"), rf"\1 {MASK}"),
    # A password in a URL: scheme://user:password@host
    (re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://[^:/?#@\s]*):[^@/?#\s]*@"), rf"\1:{MASK}@"),
    # token=... in a query string or form body
    (re.compile(r"(?i)\b(token|api_key|apikey|password|secret|client_secret)=[^&\s\"']+"), rf"\1={MASK}"),
)

_secrets: set[str] = set()
_lock = threading.Lock()


def register_secret(value: str | None) -> None:
    """Mask ``value`` wherever it appears from now on (settings register every secret they load)."""
    if value and len(value) >= MIN_SECRET_LENGTH:
        with _lock:
            _secrets.add(value)


def forget_secrets() -> None:
    """Tests only: drop every registered value."""
    with _lock:
        _secrets.clear()


def redact(text: str) -> str:
    """``text`` with tokens, credentials, URL passwords and registered secret values masked."""
    if not text:
        return text
    with _lock:
        secrets = sorted(_secrets, key=len, reverse=True)
    for value in secrets:
        if value not in text:
            continue
        if len(value) >= WHOLE_WORD_BELOW:
            text = text.replace(value, MASK)
        else:  # a short secret ("postgres") is masked where it stands alone, not inside "postgresql"
            text = re.sub(rf"(?<![A-Za-z0-9]){re.escape(value)}(?![A-Za-z0-9])", MASK, text)
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    return text


class RedactingFilter(logging.Filter):
    """A handler filter: the record's message (arguments merged in) and traceback text are redacted."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a bad format string: keep the template only
            message = str(record.msg)
        record.msg = redact(message)
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True
