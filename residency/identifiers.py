"""Identifiers of SPEC section 3: iqama, national id, border, visa, establishment and passport numbers.

Users type numbers with Arabic-Indic or Persian digits, spaces, dashes and invisible direction marks;
these functions clean that up, tell the kinds apart by their first digit, check the iqama check digit
and raise `InvalidInput` with a short Arabic message saying what to send instead.
"""

from __future__ import annotations

import re
from enum import Enum

from replies import N_, _
from residency.errors import InvalidInput
from residency.rules import RULES

ID_LENGTH = 10

# Arabic-Indic (U+0660...) and Persian (U+06F0...) digits to ASCII.
_DIGITS_TO_ASCII = {first + value: ord("0") + value for first in (0x0660, 0x06F0) for value in range(10)}
# Dashes (hyphen, Unicode hyphen, non-breaking hyphen, en and em dash, minus sign) and the invisible
# direction marks that Telegram clients and copy-paste put around numbers in right-to-left text.
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2013\u2014\u2212\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]+")


def normalize_digits(text: str) -> str:
    """Arabic-Indic (٠-٩) and Persian (۰-۹) digits to ASCII digits; every other character unchanged."""
    return text.translate(_DIGITS_TO_ASCII)


def luhn_valid(digits: str) -> bool:
    """SPEC's check: double the digits at positions 1, 3, 5, 7, 9 from the left, add the digits of each
    product and the other digits unchanged; valid when the total is a multiple of 10.
    Anything but exactly ten ASCII digits is not valid."""
    if len(digits) != ID_LENGTH or not (digits.isascii() and digits.isdigit()):
        return False
    total = 0
    for position, char in enumerate(digits, start=1):
        value = int(char)
        if position % 2 == 1:
            value *= 2
            value = value // 10 + value % 10
        total += value
    return total % 10 == 0


def clean_number(text: str) -> str | None:
    """The ASCII digit string in `text` after dropping white space, dashes and direction marks and
    normalising the digits; None when anything else (letters, other punctuation) or nothing remains."""
    candidate = normalize_digits(_SEPARATORS.sub("", text))
    if candidate and candidate.isascii() and candidate.isdigit():
        return candidate
    return None


class IdKind(str, Enum):
    """The kinds of ten-digit numbers, valued as the NLU entity names."""

    IQAMA = "iqama_number"
    NATIONAL_ID = "national_id"
    BORDER = "border_number"
    VISA = "visa_number"
    ESTABLISHMENT = "establishment_number"

    @property
    def label(self) -> str:
        """The kind's name in the reply language, as used in messages ("a border number", «رقم حدود»)."""
        return _(_KIND_LABELS[self])


# Ids (N_): translated where the message is made.
_KIND_LABELS = {
    IdKind.IQAMA: N_("an iqama number"),
    IdKind.NATIONAL_ID: N_("a national id number"),
    IdKind.BORDER: N_("a border number"),
    IdKind.VISA: N_("a visa number"),
    IdKind.ESTABLISHMENT: N_("an establishment's unified number"),
}
_KIND_BY_FIRST_DIGIT = {
    "1": IdKind.NATIONAL_ID,
    "2": IdKind.IQAMA,
    "3": IdKind.BORDER,
    "4": IdKind.BORDER,
    "6": IdKind.VISA,
    "7": IdKind.ESTABLISHMENT,
}
# What to send, per kind, for the messages (ids).
_EXPECTED = {
    IdKind.IQAMA: N_("an iqama number has 10 digits and starts with 2"),
    IdKind.BORDER: N_("a border number has 10 digits and starts with 3 or 4"),
    IdKind.VISA: N_("a visa number has 10 digits and starts with 6"),
    IdKind.ESTABLISHMENT: N_("an establishment's unified number has 10 digits and starts with 7"),
}
_IQAMA_OR_VISA = N_("an iqama number (starting with 2) or a visa number (starting with 6) has 10 digits")


def classify_number(digits: str) -> IdKind | None:
    """The kind of a ten-digit ASCII number by its first digit, or None (wrong shape or unknown kind)."""
    if len(digits) != ID_LENGTH or not (digits.isascii() and digits.isdigit()):
        return None
    return _KIND_BY_FIRST_DIGIT.get(digits[0])


def _ten_digits(text: str, expected: str) -> str:
    """The cleaned ten digits of `text`, or InvalidInput not_a_number / wrong_length (`expected`: an id of
    _EXPECTED, what a right number looks like)."""
    digits = clean_number(text)
    if digits is None:
        raise InvalidInput(
            "not_a_number", _("This is not a number: {expected}; send it in digits only.").format(expected=_(expected))
        )
    if len(digits) != ID_LENGTH:
        raise InvalidInput(
            "wrong_length",
            _("The number of digits is wrong: {expected}. Check the number and send it whole.").format(
                expected=_(expected)
            ),
            digits=len(digits),
        )
    return digits


def _check_iqama(digits: str) -> str:
    kind = classify_number(digits)
    if kind is IdKind.NATIONAL_ID:
        raise InvalidInput(
            "national_id",
            # Not "send the iqama number": the question that follows in a form says it (it was said twice).
            _(
                "This is a Saudi citizen's national id number, and residency services are for residents: an iqama "
                "number starts with 2."
            ),
        )
    if kind is not IdKind.IQAMA:
        looks_like = (
            _("This looks like {kind}, not an iqama number.").format(kind=kind.label)
            if kind
            else _("This is not an iqama number.")
        )
        raise InvalidInput(
            "not_iqama",
            looks_like + " " + _("The service needs the worker's iqama number (10 digits starting with 2)."),
            looks_like=kind.value if kind else None,
        )
    if not luhn_valid(digits):
        raise InvalidInput(
            "bad_check_digit",
            _(
                "The iqama number is not valid (its check digit does not match). Check the number on the iqama card "
                "and send it again."
            ),
        )
    return digits


def parse_iqama(text: str) -> str:
    """The ten ASCII digits of a valid iqama number typed in any digit form, or InvalidInput with code
    not_a_number, wrong_length, national_id, not_iqama or bad_check_digit."""
    return _check_iqama(_ten_digits(text, _EXPECTED[IdKind.IQAMA]))


def _parse_kind(text: str, kind: IdKind) -> str:
    digits = _ten_digits(text, _EXPECTED[kind])
    found = classify_number(digits)
    if found is not kind:
        wanted = {"wanted": kind.label, "expected": _(_EXPECTED[kind])}
        message = (
            _("This looks like {found}, and {wanted} is needed: {expected}.").format(found=found.label, **wanted)
            if found
            else _("This number is of no known kind, and {wanted} is needed: {expected}.").format(**wanted)
        )
        raise InvalidInput("wrong_kind", message, looks_like=found.value if found else None)
    return digits


def parse_border_number(text: str) -> str:
    """Ten ASCII digits starting with 3 or 4; InvalidInput not_a_number, wrong_length or wrong_kind."""
    return _parse_kind(text, IdKind.BORDER)


def parse_visa_number(text: str) -> str:
    """Ten ASCII digits starting with 6; InvalidInput not_a_number, wrong_length or wrong_kind."""
    return _parse_kind(text, IdKind.VISA)


def parse_establishment_number(text: str) -> str:
    """Ten ASCII digits starting with 7; InvalidInput not_a_number, wrong_length or wrong_kind."""
    return _parse_kind(text, IdKind.ESTABLISHMENT)


def parse_iqama_or_visa(text: str) -> tuple[IdKind, str]:
    """For services that take either: (IdKind.VISA, digits) for a visa number, else the number is
    checked as an iqama number exactly like `parse_iqama`."""
    digits = _ten_digits(text, _IQAMA_OR_VISA)
    if classify_number(digits) is IdKind.VISA:
        return IdKind.VISA, digits
    return IdKind.IQAMA, _check_iqama(digits)


def parse_passport_number(text: str) -> str:
    """Upper-case ASCII passport number: 1-2 Latin letters then 6-9 digits, or 7-9 digits alone
    (digit counts from rules.yml); lower case and Arabic-Indic digits accepted; InvalidInput
    bad_passport otherwise."""
    rules = RULES["passport"]
    min_digits, max_digits = rules["min_digits"], rules["max_digits"]
    digits_only_min = rules["digits_only_min_digits"]
    pattern = rf"[A-Z]{{1,2}}[0-9]{{{min_digits},{max_digits}}}|[0-9]{{{digits_only_min},{max_digits}}}"
    candidate = normalize_digits(_SEPARATORS.sub("", text))
    # isascii() first: str.upper() maps some non-Latin letters (Turkish dotless i) to Latin ones.
    if candidate.isascii() and re.fullmatch(pattern, candidate.upper()):
        return candidate.upper()
    raise InvalidInput(
        "bad_passport",
        _(
            "The passport number is not valid. Write it as in the passport: one or two Latin letters then {low}-{high} "
            "digits (like A12345678), or {digits_low}-{high} digits only."
        ).format(low=min_digits, high=max_digits, digits_low=digits_only_min),
    )
