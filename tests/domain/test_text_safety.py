"""strip_controls and isolate: no user-supplied character can change the direction of our lines."""
from __future__ import annotations

import unicodedata

import pytest

from residency.text_safety import FSI, PDI, is_control, isolate, strip_controls

BIDI_CONTROLS = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
ZERO_WIDTH = "\u200b\u200d\u2060\ufeff"


@pytest.mark.parametrize("char", list(BIDI_CONTROLS + ZERO_WIDTH + "\u00ad\u0600\u06dd\x00\x1b\x7f\x85\ud800"))
def test_controls_and_format_characters_are_removed(char):
    assert strip_controls(f"محمد{char}خان") == "محمدخان"
    assert is_control(char)


def test_ordinary_whitespace_and_zwnj_are_kept():
    assert strip_controls("سطر\tأول\r\nسطر ثان") == "سطر\tأول\r\nسطر ثان"
    # ZWNJ: Persian/Urdu spelling, no effect on direction.
    assert strip_controls("می\u200cخواهم") == "می\u200cخواهم"


def test_line_and_paragraph_separators_become_newlines():
    assert strip_controls("a\u2028b\u2029c") == "a\nb\nc"


def test_plain_text_is_returned_unchanged():
    text = "جدد اقامة 2663923320 سنة — Mohammed (12 شهر) 👍"
    assert strip_controls(text) is text


def test_every_cf_character_is_removed_except_zwnj():
    format_chars = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"]
    assert len(format_chars) > 100
    kept = strip_controls("".join(format_chars))
    assert kept == "\u200c"


def test_isolate_wraps_in_first_strong_isolate_after_stripping():
    assert isolate("\u202eمحمد خان") == f"{FSI}محمد خان{PDI}"
    assert isolate("AHMED KHAN") == f"{FSI}AHMED KHAN{PDI}"
    # One balanced isolate: an embedded PDI or FSI cannot close ours or open another.
    wrapped = isolate(f"{PDI}{FSI}x\u202b")
    assert wrapped == f"{FSI}x{PDI}"


def test_isolated_value_is_one_line():
    assert isolate("محمد\n• تقرير مزيف\u2029x\ty") == f"{FSI}محمد • تقرير مزيف x y{PDI}"


def test_isolate_of_nothing_is_nothing():
    assert isolate("") == ""
    assert isolate("\u202e\u200f") == ""
