"""strip_controls and isolate, and residency.presentation.texts showing user-supplied values isolated."""

from __future__ import annotations

import unicodedata
from datetime import date

import pytest

from residency.presentation import texts
from residency.inquiries import LicenceInfo, NameMatch, ResidentCard, VisaInfo
from residency.reports import AbroadRow, AccountStatus, ExpiringRow
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


# --- residency.presentation.texts shows every user-supplied name isolated

EVIL = "\u202eمحمد خان\u200f"  # as imported from a file with a right-to-left override
SHOWN = f"{FSI}محمد خان{PDI}"
IQAMA = "2663923320"


def _visa(name=EVIL):
    return VisaInfo("6000000001", "exit_reentry", "single", "issued", date(2026, 11, 1), date(2027, 1, 30), IQAMA, name)


def _rendered():
    card = ResidentCard(
        IQAMA,
        EVIL,
        "\u202eKHAN MOHAMMED",
        "\u202eالهند",
        "محاسب",
        date(2027, 6, 30),
        200,
        "A1234567",
        date(2031, 1, 1),
        1500,
        "inside",
        0,
        [_visa()],
    )
    return {
        "card": texts.render_resident_card(card),
        "matches": texts.render_matches([NameMatch(IQAMA, EVIL, "KHAN", "\u202eالهند", "محاسب", 95.0)], "\u202eمحمد"),
        "no match": texts.render_matches([], "\u202eمحمد"),
        "licence": texts.render_licence(LicenceInfo(IQAMA, EVIL, "\u202eخاصة", "123", date(2028, 1, 1), 400)),
        "visa": texts.render_visa(_visa(), today=date(2026, 12, 1)),
        "visas": texts.render_visas([_visa()]),
        "expiring": texts.render_expiring([ExpiringRow(IQAMA, EVIL, date(2026, 12, 5), 4)]),
        "abroad": texts.render_abroad([AbroadRow(IQAMA, EVIL, "6000000001", date(2027, 1, 30), 60, False)]),
        "account": texts.render_account(
            AccountStatus("7000000101", "\u202eمؤسسة النخيل", "comprehensive", date(2027, 6, 1), 180, 5000, 3, 1, 3)
        ),
    }


@pytest.mark.parametrize("name", ["card", "matches", "licence", "visa", "visas", "expiring", "abroad"])
def test_resident_names_are_shown_isolated_without_their_controls(name):
    text = _rendered()[name]
    assert SHOWN in text
    assert "\u202e" not in text and "\u200f" not in text


def test_every_line_of_every_text_has_balanced_isolates_and_no_embedding():
    for name, text in _rendered().items():
        for line in text.split("\n"):
            assert line.count(FSI) == line.count(PDI), (name, line)
            assert not any(c in line for c in "\u202a\u202b\u202c\u202d\u202e"), (name, line)


def test_other_supplied_values_are_isolated_too():
    rendered = _rendered()
    assert f"{FSI}KHAN MOHAMMED{PDI}" in rendered["card"] and f"{FSI}الهند{PDI}" in rendered["card"]
    assert f"«{FSI}محمد{PDI}»" in rendered["matches"] and f"«{FSI}محمد{PDI}»" in rendered["no match"]
    assert f"{FSI}خاصة{PDI}" in rendered["licence"]
    assert f"{FSI}مؤسسة النخيل{PDI}" in rendered["account"]


def test_missing_latin_name_still_says_so():
    card = ResidentCard(
        IQAMA, "محمد", "", "الهند", "محاسب", None, None, "A1234567", date(2031, 1, 1), 1500, "inside", 0, []
    )
    assert "الاسم بالإنجليزية: غير مسجل" in texts.render_resident_card(card)
