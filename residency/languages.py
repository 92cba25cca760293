"""The reply language a user chose (`/lang ar|en`), kept in the database (users.language)."""

from __future__ import annotations

from replies import LANGUAGES, _
from residency.db import UnitOfWork
from residency.errors import InvalidInput
from residency.services.base import resolve_actor


def stored_language(uow: UnitOfWork, telegram_id: int) -> str | None:
    """The language this Telegram user chose, or None (not chosen, or not a user)."""
    user = uow.repo.user_by_telegram_id(int(telegram_id))
    return user.language if user is not None else None


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
