"""How long a message the assistant reads: `message_too_long(text)`, for the front end to refuse before Rasa.

The intent classifier sees a bag of words: "جدد اقامة 2663923320 سنة" followed by 400 copies of a
name (2025 characters) is still classified as a service request, with full confidence. A message
that long is not a request anybody types, so the front end answers it with a short "please send a
shorter message" instead of passing it on. A bulk request listing many iqama numbers is long and
legitimate, so identifiers do not count against the limit:

- more than MAX_CHARACTERS (4096, Telegram's own message limit) characters in total is too long,
  whatever they are (counted in code points, Python's len; Telegram counts UTF-16 units, so a
  Telegram message is never longer than this);
- otherwise it is too long when more than MAX_CHARACTERS_WITHOUT_IDENTIFIERS (600) characters are
  left once every ten-digit number is removed (iqama, border, visa, establishment, national id,
  or any other ten digits: ASCII, Arabic-Indic or Persian digits, spaces or dashes inside, as
  nlu.identifiers reads them) and once whitespace, punctuation (Unicode P*: commas, "،", dashes,
  full stops...) and invisible characters (residency.text_safety.is_control) are left out, so the
  separators of a list of numbers do not count either. Letters, digits of other numbers, marks and
  symbols (emoji) count.

So 300 iqama numbers, one a line or separated by "، " or " و " (about 3600 characters) pass, and
600 characters of words is about 100 words: far more than any request.

Pure functions, no Rasa import (nlu.numbers, nlu.normalize, residency.text_safety only): the front end
calls `message_too_long` on the raw text before sending it on.
"""

from __future__ import annotations

import unicodedata

from nlu.numbers import ten_digit_numbers
from residency.text_safety import is_control

MAX_CHARACTERS = 4096
"""A message longer than this (in code points) is too long, whatever it contains."""

MAX_CHARACTERS_WITHOUT_IDENTIFIERS = 600
"""A message with more counted characters than this, identifiers left out, is too long."""


def counted_characters(text: str) -> int:
    """The characters of `text` that count against MAX_CHARACTERS_WITHOUT_IDENTIFIERS: all but those of
    ten-digit numbers, whitespace, punctuation and invisible characters."""
    removed = [False] * len(text)
    for start, end in ten_digit_numbers(text):
        removed[start:end] = [True] * (end - start)
    return sum(
        1
        for char, gone in zip(text, removed)
        if not gone and not char.isspace() and not unicodedata.category(char).startswith("P") and not is_control(char)
    )


def message_too_long(text: str) -> bool:
    """True when the message is too long to be read as a request (see the module docstring)."""
    if len(text) > MAX_CHARACTERS:
        return True
    if len(text) <= MAX_CHARACTERS_WITHOUT_IDENTIFIERS:
        return False
    return counted_characters(text) > MAX_CHARACTERS_WITHOUT_IDENTIFIERS
