"""Every text a user reads, in Arabic and English: gettext catalogues made with Babel.

The message ids are English (`_("Iqama fee")`); `locale/ar/LC_MESSAGES/muqeem.po` holds the Arabic,
`locale/en/...` the English (the ids themselves, with both plural forms). `make setup` compiles them
to `.mo`; `scripts/catalogues.py` extracts the ids from the code and updates both files, and
tests/replies checks that every id has both languages and that no Arabic literal is left outside.

The language of the reply under way is a context variable: the action server sets it per action run
(`speaking`), the front end per update, the reminder job per owner. Arabic is the default.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from functools import cache
from pathlib import Path

DOMAIN = "muqeem"
LOCALE_DIR = Path(__file__).parent / "locale"
LANGUAGES = ("ar", "en")
DEFAULT_LANGUAGE = "ar"

_current: ContextVar[str] = ContextVar("muqeem_reply_language", default=DEFAULT_LANGUAGE)
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a\u0671-\u06d3\u06fa-\u06ff]")


@cache
def _translations(language: str) -> gettext.GNUTranslations:
    try:
        return gettext.translation(DOMAIN, LOCALE_DIR, languages=[language])
    except FileNotFoundError:
        raise RuntimeError(f"the {language!r} reply catalogue is not compiled: run `make setup`") from None


def current_language() -> str:
    return _current.get()


@contextmanager
def language(code: str | None) -> Iterator[str]:
    """Replies inside the block are in `code` (Arabic for None or a language without a catalogue)."""
    chosen = code if code in LANGUAGES else DEFAULT_LANGUAGE
    token = _current.set(chosen)
    try:
        yield chosen
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """`message` (an English id) in the current language."""
    return _translations(_current.get()).gettext(message)


def N_(message: str) -> str:
    """Marks an id for the catalogue without translating it (module constants, label tables): translate
    it with `_()` when the reply is made, never at import time."""
    return message


def ngettext(singular: str, plural: str, n: int) -> str:
    """The form for `n` in the current language (Arabic has six, English two); format `{n}` yourself."""
    return _translations(_current.get()).ngettext(singular, plural, n)


def pgettext(context: str, message: str) -> str:
    """`message` in the current language where the same English words need different translations."""
    return _translations(_current.get()).pgettext(context, message)


# Latin words said in any conversation ("ok" in an Arabic one): they do not change its language (SPEC 10.3).
NEUTRAL_WORDS = frozenset({"ok", "okay", "okey", "k", "kk", "hmm", "hm", "hmmm", "mm", "mmm", "lol", "x", "pdf", "csv"})
_LATIN_WORD = re.compile(r"[a-z]+")


def written_language(text: str | None) -> str | None:
    """The language a user wrote `text` in: Arabic letters -> "ar", else Latin words -> "en"; None for a
    text without letters (a number, an emoji), made only of NEUTRAL_WORDS, or a button payload."""
    if not text or text.lstrip().startswith("/"):
        return None
    if _ARABIC_LETTER.search(text):
        return "ar"
    if any(word not in NEUTRAL_WORDS for word in _LATIN_WORD.findall(text.lower())):
        return "en"
    return None


def reply_language(stored: str | None, texts: Iterator[str | None] | list[str | None] = ()) -> str:
    """The language to answer in: the user's own choice (`/lang`, kept in the database), else the
    language of their latest message that has letters (`texts`, newest first), else Arabic."""
    if stored in LANGUAGES:
        return stored
    for text in texts:
        found = written_language(text)
        if found:
            return found
    return DEFAULT_LANGUAGE
