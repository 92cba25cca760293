"""Identifiers of SPEC section 3: iqama, national id, border, visa, establishment and passport numbers.

Users type numbers with Arabic-Indic or Persian digits, spaces, dashes and invisible direction marks;
these functions clean that up, tell the kinds apart by their first digit, check the iqama check digit
and raise `InvalidInput` with a short Arabic message saying what to send instead.
"""

from __future__ import annotations

import re
from enum import Enum

from residency.errors import InvalidInput
from residency.rules import RULES

ID_LENGTH = 10

_DIGITS_TO_ASCII = str.maketrans(
    "٠١٢٣٤٥٦٧٨٩۰۱۲۳۴۵۶۷۸۹",
    "01234567890123456789",
)
# Dashes (hyphen, Unicode hyphen, non-breaking hyphen, en and em dash, minus sign) and the invisible
# direction marks that Telegram clients and copy-paste put around numbers in right-to-left text.
_SEPARATORS = re.compile("[\\s\\-\u2010\u2011\u2013\u2014\u2212\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]+")


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
    def label_ar(self) -> str:
        """The kind's Arabic name, as used in messages ("رقم إقامة")."""
        return _KIND_LABELS_AR[self]


_KIND_LABELS_AR = {
    IdKind.IQAMA: "رقم إقامة",
    IdKind.NATIONAL_ID: "رقم هوية وطنية",
    IdKind.BORDER: "رقم حدود",
    IdKind.VISA: "رقم تأشيرة",
    IdKind.ESTABLISHMENT: "رقم منشأة موحد",
}
_KIND_BY_FIRST_DIGIT = {
    "1": IdKind.NATIONAL_ID,
    "2": IdKind.IQAMA,
    "3": IdKind.BORDER,
    "4": IdKind.BORDER,
    "6": IdKind.VISA,
    "7": IdKind.ESTABLISHMENT,
}
# What to send, per kind, for the messages.
_EXPECTED_AR = {
    IdKind.IQAMA: "رقم الإقامة 10 أرقام ويبدأ بالرقم 2",
    IdKind.BORDER: "رقم الحدود 10 أرقام ويبدأ بالرقم 3 أو 4",
    IdKind.VISA: "رقم التأشيرة 10 أرقام ويبدأ بالرقم 6",
    IdKind.ESTABLISHMENT: "الرقم الموحد للمنشأة 10 أرقام ويبدأ بالرقم 7",
}


def classify_number(digits: str) -> IdKind | None:
    """The kind of a ten-digit ASCII number by its first digit, or None (wrong shape or unknown kind)."""
    if len(digits) != ID_LENGTH or not (digits.isascii() and digits.isdigit()):
        return None
    return _KIND_BY_FIRST_DIGIT.get(digits[0])


def _ten_digits(text: str, expected_ar: str) -> str:
    """The cleaned ten digits of `text`, or InvalidInput not_a_number / wrong_length."""
    digits = clean_number(text)
    if digits is None:
        raise InvalidInput("not_a_number", f"هذا ليس رقمًا. {expected_ar}، أرسله بالأرقام فقط.")
    if len(digits) != ID_LENGTH:
        raise InvalidInput(
            "wrong_length",
            f"عدد الأرقام غير صحيح: {expected_ar}. تأكد من الرقم وأرسله كاملًا.",
            digits=len(digits),
        )
    return digits


def _check_iqama(digits: str) -> str:
    kind = classify_number(digits)
    if kind is IdKind.NATIONAL_ID:
        raise InvalidInput(
            "national_id",
            "هذا رقم هوية وطنية لمواطن سعودي، وخدمات الإقامة تخص المقيمين. "
            "أرسل رقم إقامة العامل (10 أرقام يبدأ بالرقم 2).",
        )
    if kind is not IdKind.IQAMA:
        looks_like = f"هذا يبدو {kind.label_ar} وليس رقم إقامة." if kind else "هذا ليس رقم إقامة."
        raise InvalidInput(
            "not_iqama",
            f"{looks_like} الخدمة تحتاج رقم إقامة العامل (10 أرقام يبدأ بالرقم 2).",
            looks_like=kind.value if kind else None,
        )
    if not luhn_valid(digits):
        raise InvalidInput(
            "bad_check_digit",
            "رقم الإقامة غير صحيح (رقم التحقق لا يطابق). راجع الرقم في بطاقة الإقامة وأرسله مرة أخرى.",
        )
    return digits


def parse_iqama(text: str) -> str:
    """The ten ASCII digits of a valid iqama number typed in any digit form, or InvalidInput with code
    not_a_number, wrong_length, national_id, not_iqama or bad_check_digit."""
    return _check_iqama(_ten_digits(text, _EXPECTED_AR[IdKind.IQAMA]))


def _parse_kind(text: str, kind: IdKind) -> str:
    digits = _ten_digits(text, _EXPECTED_AR[kind])
    found = classify_number(digits)
    if found is not kind:
        looks_like = f"هذا يبدو {found.label_ar}" if found else "هذا الرقم ليس من نوع معروف"
        raise InvalidInput(
            "wrong_kind",
            f"{looks_like}، والمطلوب {kind.label_ar}: {_EXPECTED_AR[kind]}.",
            looks_like=found.value if found else None,
        )
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
    digits = _ten_digits(text, "رقم الإقامة (يبدأ بالرقم 2) أو رقم التأشيرة (يبدأ بالرقم 6) من 10 أرقام")
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
        f"رقم الجواز غير صحيح. اكتبه كما في الجواز: حرف أو حرفان لاتينيان ثم {min_digits}-{max_digits} أرقام "
        f"(مثل A12345678)، أو {digits_only_min}-{max_digits} أرقام فقط.",
    )
