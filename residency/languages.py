"""The reply language a user chose (`/lang ar|en`), kept in the database (users.language)."""

from __future__ import annotations

import logging

from replies import LANGUAGES, _
from residency.db import UnitOfWork
from residency.errors import InvalidInput
from residency.services.base import resolve_actor

logger = logging.getLogger(__name__)


def stored_language(uow: UnitOfWork, telegram_id: int) -> str | None:
    """The language this Telegram user chose, or None (not chosen, or not a user)."""
    user = uow.repo.user_by_telegram_id(int(telegram_id))
    return user.language if user is not None else None


def chosen_language(sender: int | str) -> str | None:
    """The language a sender (a Telegram id, as a number or text) chose, read in a unit of work of its own,
    for a reply made outside an action run; None when there is no choice, the sender is not a Telegram id,
    or the database cannot tell (the reply then goes out in the language of the message)."""
    if not str(sender).isdigit():
        return None
    try:
        with UnitOfWork(read_only=True) as uow:
            return stored_language(uow, int(sender))
    except Exception as error:  # noqa: BLE001 - a reply is never held back for its language
        logger.warning("Cannot read the reply language of sender %s: %s", sender, error)
        return None


def set_language(uow: UnitOfWork, telegram_id: int, language: str) -> str:
    """Keep `language` as the user's reply language; Unauthorized('not_activated') for a stranger,
    InvalidInput('unknown_language') for a language without a catalogue."""
    choice = (language or "").strip().lower()
    if choice not in LANGUAGES:
        raise InvalidInput(
            "unknown_language", _("Choose the reply language with /lang ar (Arabic) or /lang en (English).")
        )
    actor = resolve_actor(uow, telegram_id)
    uow.repo.user(actor.user_id).language = choice
    return choice
