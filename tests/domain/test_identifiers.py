"""Identifiers: digit normalisation, the SPEC's Luhn check, kinds by first digit, Arabic error codes."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from residency.errors import InvalidInput
from residency.identifiers import (
    IdKind,
    classify_number,
    clean_number,
    luhn_valid,
    normalize_digits,
    parse_border_number,
    parse_establishment_number,
    parse_iqama,
    parse_iqama_or_visa,
    parse_passport_number,
    parse_visa_number,
)

ARABIC_INDIC = "٠١٢٣٤٥٦٧٨٩"
PERSIAN = "۰۱۲۳۴۵۶۷۸۹"
SEPARATORS = [" ", "-", "\u2010", "\u2013", "\u2014", "\u200f", "\u200e", "\u00a0"]


def spec_check_digit(first_nine: str) -> str:
    """Reference check digit written from SPEC's wording, independent of the module."""
    total = 0
    for position, char in enumerate(first_nine, start=1):
        value = int(char) * (2 if position % 2 == 1 else 1)
        total += sum(int(c) for c in str(value))
    return str(-total % 10)


def with_check_digit(first_nine: str) -> str:
    return first_nine + spec_check_digit(first_nine)


def to_form(digits: str, forms: list[int]) -> str:
    tables = ["0123456789", ARABIC_INDIC, PERSIAN]
    return "".join(tables[form][int(d)] for d, form in zip(digits, forms))


nine_digits = st.text(alphabet="0123456789", min_size=9, max_size=9)
valid_iqamas = st.text(alphabet="0123456789", min_size=8, max_size=8).map(lambda s: with_check_digit("2" + s))


def test_spec_examples_of_luhn():
    assert luhn_valid("1000000008")
    assert not luhn_valid("1000000000")
    assert luhn_valid("2180967925") == (spec_check_digit("218096792") == "5")
    assert not luhn_valid("100000008")  # nine digits
    assert not luhn_valid("١٠٠٠٠٠٠٠٠٨")  # luhn_valid wants ASCII; parse_* normalise first


@given(nine_digits)
def test_luhn_agrees_with_reference(first_nine):
    for last in "0123456789":
        assert luhn_valid(first_nine + last) == (last == spec_check_digit(first_nine))


@given(nine_digits, st.integers(0, 9), st.integers(1, 9))
def test_luhn_catches_every_single_digit_error(first_nine, position, shift):
    number = with_check_digit(first_nine)
    assert luhn_valid(number)
    wrong = number[:position] + str((int(number[position]) + shift) % 10) + number[position + 1 :]
    assert not luhn_valid(wrong)


@given(st.text(alphabet="0123456789", min_size=1, max_size=30))
def test_normalize_digits_round_trips_every_digit_form(ascii_digits):
    assert normalize_digits(ascii_digits) == ascii_digits
    assert normalize_digits(ascii_digits.translate(str.maketrans("0123456789", ARABIC_INDIC))) == ascii_digits
    assert normalize_digits(ascii_digits.translate(str.maketrans("0123456789", PERSIAN))) == ascii_digits


@given(st.text())
def test_normalize_digits_changes_nothing_but_those_digits(text):
    result = normalize_digits(text)
    assert len(result) == len(text)
    for before, after in zip(text, result):
        if before in ARABIC_INDIC + PERSIAN:
            assert after == str((ARABIC_INDIC + PERSIAN).index(before) % 10)
        else:
            assert after == before


@given(
    valid_iqamas,
    st.lists(st.integers(0, 2), min_size=10, max_size=10),
    st.lists(st.sampled_from(["", "", ""] + SEPARATORS), min_size=11, max_size=11),
)
def test_valid_iqama_in_any_form_parses_to_ascii(number, forms, separators):
    typed = "".join(sep + char for sep, char in zip(separators, to_form(number, forms))) + separators[-1]
    assert clean_number(typed) == number
    assert parse_iqama("  " + typed + "\n") == number
    assert parse_iqama_or_visa(typed) == (IdKind.IQAMA, number)


def test_clean_number_rejects_anything_else():
    assert clean_number("٢١٨ ٠٩٦-٧٩٢٥") == "2180967925"
    assert clean_number("") is None
    assert clean_number(" - ") is None
    assert clean_number("21809679a5") is None
    assert clean_number("2180967925.") is None
    assert clean_number("²180967925") is None  # a superscript is a "digit" to str.isdigit, not to us


def test_classify_number_by_first_digit():
    assert classify_number("2000000000") is IdKind.IQAMA
    assert classify_number("1000000000") is IdKind.NATIONAL_ID
    assert classify_number("3000000000") is IdKind.BORDER
    assert classify_number("4000000000") is IdKind.BORDER
    assert classify_number("6000000000") is IdKind.VISA
    assert classify_number("7000000000") is IdKind.ESTABLISHMENT
    for other in ("0000000000", "5000000000", "8000000000", "9000000000", "200000000", "20000000000"):
        assert classify_number(other) is None
    assert IdKind.IQAMA == "iqama_number" and IdKind("visa_number") is IdKind.VISA


def error_of(parse, text) -> InvalidInput:
    with pytest.raises(InvalidInput) as caught:
        parse(text)
    assert caught.value.message and any("\u0600" <= c <= "\u06ff" for c in caught.value.message)
    return caught.value


def test_parse_iqama_errors_say_what_is_wrong():
    assert error_of(parse_iqama, "رقمي هو").code == "not_a_number"
    short = error_of(parse_iqama, "21809679")
    assert short.code == "wrong_length" and "10" in short.message and "2" in short.message
    national = error_of(parse_iqama, with_check_digit("101234567"))
    assert national.code == "national_id" and "هوية" in national.message and "2" in national.message
    border = error_of(parse_iqama, "3123456789")
    assert border.code == "not_iqama" and "حدود" in border.message
    assert "تأشيرة" in error_of(parse_iqama, "6123456789").message
    assert "منشأة" in error_of(parse_iqama, "7123456789").message
    assert error_of(parse_iqama, "9123456789").code == "not_iqama"
    valid = with_check_digit("218096792")
    wrong = valid[:-1] + str((int(valid[-1]) + 1) % 10)
    bad = error_of(parse_iqama, wrong)
    assert bad.code == "bad_check_digit" and bad.message.startswith("رقم الإقامة غير صحيح")


@pytest.mark.parametrize(
    ("parse", "good", "wrong_kind"),
    [
        (parse_border_number, ["3123456789", "٤١٢٣٤٥٦٧٨٩"], "2123456789"),
        (parse_visa_number, ["6123456789", "۶۱۲۳ ۴۵۶ ۷۸۹"], "7123456789"),
        (parse_establishment_number, ["7001234567", "700-123-4567"], "6123456789"),
    ],
)
def test_other_kinds(parse, good, wrong_kind):
    for text in good:
        assert parse(text) == clean_number(text)
    assert error_of(parse, "abc").code == "not_a_number"
    assert error_of(parse, "612345").code == "wrong_length"
    assert error_of(parse, wrong_kind).code == "wrong_kind"


def test_parse_iqama_or_visa():
    assert parse_iqama_or_visa("٦١٢٣٤٥٦٧٨٩") == (IdKind.VISA, "6123456789")
    assert error_of(parse_iqama_or_visa, "61234").code == "wrong_length"
    assert error_of(parse_iqama_or_visa, with_check_digit("112345678")).code == "national_id"
    assert error_of(parse_iqama_or_visa, "3123456789").code == "not_iqama"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("A1234567", "A1234567"),
        ("ab123456", "AB123456"),
        ("x١٢٣٤٥٦٧٨٩", "X123456789"),
        ("1234567", "1234567"),
        ("123456789", "123456789"),
        (" p 123-4567 ", "P1234567"),
    ],
)
def test_passport_accepted(typed, expected):
    assert parse_passport_number(typed) == expected


@pytest.mark.parametrize(
    "typed",
    ["A12345", "ABC123456", "123456", "1234567890", "A1234567890", "ı1234567", "أ1234567", "A12345B", ""],
)
def test_passport_rejected(typed):
    assert error_of(parse_passport_number, typed).code == "bad_passport"
