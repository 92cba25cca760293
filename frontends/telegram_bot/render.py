"""Shaping of outgoing Telegram text: right-to-left marks, splitting under the length limit, keyboards.

Pure functions: nothing here talks to Telegram. Lengths are counted in UTF-16 code units, which is
how Telegram counts its 4096-character message limit (an emoji counts twice).
"""

from __future__ import annotations

import unicodedata
from typing import Optional
from collections.abc import Iterable, Sequence

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from replies import current_language

RLM = "\u200f"
MESSAGE_LIMIT = 4096
CAPTION_LIMIT = 1024
ALM = chr(0x061C)  # ARABIC LETTER MARK (a format character, written by its code point)
_DIRECTION_MARKS = {RLM, "\u200e", ALM, "\u202a", "\u202b", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068"}
# A keyboard whose buttons are few and short is laid out in one row ("Confirm" | "Cancel").
_ONE_ROW_MAX_BUTTONS = 3
_ONE_ROW_MAX_TITLE = 16


def utf16_len(text: str) -> int:
    """Length as Telegram counts it (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


def needs_rtl_mark(line: str) -> bool:
    """True when the line would be laid out left-to-right: its first strong character is Latin,
    or it starts (after spaces and punctuation) with a digit."""
    for char in line:
        if char in _DIRECTION_MARKS:
            return False
        if char.isspace():
            continue
        if char.isdigit():
            return True
        direction = unicodedata.bidirectional(char)
        if direction == "L":
            return True
        if direction in ("R", "AL"):
            return False
    return False


def rtl_line(line: str) -> str:
    """The line with a right-to-left mark prepended when it needs one."""
    return RLM + line if needs_rtl_mark(line) else line


def rtl_text(text: str) -> str:
    """Every line of the text made right-to-left friendly."""
    return "\n".join(rtl_line(line) for line in text.split("\n"))


def right_to_left() -> bool:
    """Whether replies in the current language are laid out right to left (marks added): not in English."""
    return current_language() != "en"


def laid_out(text: str) -> str:
    """The text with right-to-left marks for a right-to-left reply language, as is in English."""
    return rtl_text(text) if right_to_left() else text


def _hard_cut(word: str, max_units: int) -> list[str]:
    pieces, current, current_units = [], [], 0
    for char in word:
        units = utf16_len(char)
        if current_units + units > max_units:
            pieces.append("".join(current))
            current, current_units = [], 0
        current.append(char)
        current_units += units
    if current:
        pieces.append("".join(current))
    return pieces


def _break_long_line(line: str, max_units: int) -> list[str]:
    """A line longer than max_units broken at spaces (or inside a word that alone is too long)."""
    if utf16_len(line) <= max_units:
        return [line]
    pieces: list[str] = []
    current = ""
    for word in line.split(" "):
        candidate = f"{current} {word}" if current else word
        if utf16_len(candidate) <= max_units:
            current = candidate
            continue
        if current:
            pieces.append(current)
        if utf16_len(word) <= max_units:
            current = word
        else:
            *whole, current = _hard_cut(word, max_units)
            pieces.extend(whole)
    if current:
        pieces.append(current)
    return pieces


def split_message(text: str, limit: int = MESSAGE_LIMIT, marks: Optional[bool] = None) -> list[str]:
    """Split text into right-to-left friendly messages of at most `limit` UTF-16 units each.

    Splits happen at line boundaries; a single line longer than a message is broken at spaces.
    Blank messages are dropped (Telegram refuses them). Right-to-left marks are added unless `marks`
    is False (None: unless the reply language is English, which reads left to right).
    """
    marks = right_to_left() if marks is None else marks
    lines: list[str] = []
    for line in text.split("\n"):
        lines.extend(rtl_line(piece) if marks else piece for piece in _break_long_line(line, limit - len(RLM)))
    messages: list[str] = []
    current: list[str] = []
    current_units = 0
    for line in lines:
        units = utf16_len(line)
        added = units + (1 if current else 0)
        if current and current_units + added > limit:
            messages.append("\n".join(current))
            current, current_units = [line], units
        else:
            current.append(line)
            current_units += added
    if current:
        messages.append("\n".join(current))
    return [message.strip("\n") for message in messages if message.strip()]


def keyboard_rows(buttons: Sequence[tuple[str, str]]) -> list[list[tuple[str, str]]]:
    """Lay (title, callback_data) pairs out in rows: one row when few and short, else one per row."""
    if len(buttons) <= _ONE_ROW_MAX_BUTTONS and all(len(title) <= _ONE_ROW_MAX_TITLE for title, _ in buttons):
        return [list(buttons)]
    return [[button] for button in buttons]


def inline_keyboard(buttons: Iterable[tuple[str, str]]) -> InlineKeyboardMarkup:
    """An inline keyboard of (title, callback_data) pairs."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(title, callback_data=data) for title, data in row]
            for row in keyboard_rows(list(buttons))
        ]
    )
