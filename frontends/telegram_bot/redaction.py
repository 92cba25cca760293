"""Keeps secrets (the bot token, the webhook secret) out of every log line.

The Bot API puts the token in every request URL, and httpx, python-telegram-bot and tracebacks
print URLs. A log-record factory rewrites each record as it is created, so the redaction applies
to all handlers, including ones configured later.
"""

from __future__ import annotations

import logging

REPLACEMENT = "<redacted>"
_secrets: set[str] = set()
_installed = False


def redact(text: str) -> str:
    """`text` with every registered secret replaced."""
    for secret in _secrets:
        text = text.replace(secret, REPLACEMENT)
    return text


def install_secret_redaction(*secrets: str) -> None:
    """Redact these strings (empty ones ignored) from all log records from now on."""
    global _installed
    _secrets.update(secret for secret in secrets if secret)
    if _installed:
        return
    previous_factory = logging.getLogRecordFactory()

    def redacting_factory(*args: object, **kwargs: object) -> logging.LogRecord:
        record = previous_factory(*args, **kwargs)
        _redact_record(record)
        return record

    logging.setLogRecordFactory(redacting_factory)
    _installed = True


def _redact_record(record: logging.LogRecord) -> None:
    """Rewrite the record only when a secret occurs in it (other records keep their args)."""
    if not _secrets:
        return
    try:
        message = record.getMessage()
    except Exception:  # a broken format string: logging reports it itself when emitting
        return
    if _contains_secret(message):
        record.msg, record.args = redact(message), None
    if record.exc_info and record.exc_info[0] is not None:
        formatted = logging.Formatter().formatException(record.exc_info)
        if _contains_secret(formatted):
            record.exc_text = redact(formatted)
    if record.stack_info and _contains_secret(record.stack_info):
        record.stack_info = redact(record.stack_info)


def _contains_secret(text: str) -> bool:
    return any(secret in text for secret in _secrets)
