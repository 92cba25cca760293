"""`/lang`, as both front ends answer it: the user's reply language kept in the database
(residency/languages.py) and the words that say so."""

from __future__ import annotations

from replies import N_, _
from residency.db import UnitOfWork
from residency.languages import set_language, stored_language

LANGUAGE_NAMES = {"ar": N_("Arabic"), "en": N_("English")}
LANG_CHOSEN = {"ar": N_("Replies will be in Arabic."), "en": N_("Replies will be in English.")}
LANG_CURRENT = N_("Replies are in {language}. To change that: /lang ar (Arabic) or /lang en (English).")
LANG_NOT_CHOSEN = N_(
    "Replies are in the language you write in (Arabic by default). To choose one: /lang ar (Arabic) "
    "or /lang en (English)."
)


def current_choice(telegram_id: int) -> str | None:
    """The language the user chose with /lang, or None."""
    with UnitOfWork(read_only=True) as uow:
        return stored_language(uow, telegram_id)


def choose(telegram_id: int, choice: str) -> str:
    """Keep `choice` as the user's reply language (residency.languages.set_language's refusals)."""
    with UnitOfWork() as uow:
        chosen = set_language(uow, telegram_id, choice)
        uow.commit()
    return chosen


def describe(chosen: str | None) -> str:
    """The answer to `/lang` alone: the language chosen, or how replies are chosen without one."""
    return _(LANG_CURRENT).format(language=_(LANGUAGE_NAMES[chosen])) if chosen else _(LANG_NOT_CHOSEN)
