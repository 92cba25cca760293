"""Secrets never reach a log line: in messages, arguments or tracebacks; other records are untouched."""

from __future__ import annotations

import logging

from frontends.telegram_bot.redaction import REPLACEMENT, install_secret_redaction

SECRET = "987654:RedactionTestSecret_xyz"


def test_secrets_are_redacted_from_messages_arguments_and_tracebacks(caplog):
    install_secret_redaction(SECRET)
    logger = logging.getLogger("tests.redaction")
    with caplog.at_level(logging.INFO):
        logger.info("POST https://api.telegram.org/bot%s/getUpdates", SECRET)
        try:
            raise RuntimeError(f"bad url https://api.telegram.org/bot{SECRET}/sendMessage")
        except RuntimeError:
            logger.exception("request failed")
        logger.info("plain %s", "record")
    assert SECRET not in caplog.text
    assert caplog.text.count(REPLACEMENT) == 2
    plain = caplog.records[-1]
    assert (plain.msg, plain.args) == ("plain %s", ("record",))
