"""Typed errors of the residency domain.

Every error carries a stable machine `code` (tests and callers branch on it) and a `message` for the user
that names the rule and says what to do next. The message is made in the reply language when the error is
raised (`_()` on an English id, see replies/; Arabic by default): the action server sets the language
before it calls the domain, so `message` is ready to send as it is.
"""

from __future__ import annotations


class ResidencyError(Exception):
    """Base class: something the user asked for cannot be done as asked."""

    def __init__(self, code: str, message: str, **details: object) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.details = details


class InvalidInput(ResidencyError):
    """The input itself is malformed (a number with a wrong check digit, an unknown period ...)."""


class NotFound(ResidencyError):
    """No such record visible to this user (another establishment's record looks exactly the same)."""


class Unauthorized(ResidencyError):
    """The sender is not an activated user, or its role does not grant the service."""


class Refusal(ResidencyError):
    """A rule of SPEC section 4 blocks the service; the message names the rule and the way out."""


class QuoteChanged(ResidencyError):
    """Between the quote and the confirmation something changed (fee, balance, state): quote again."""
