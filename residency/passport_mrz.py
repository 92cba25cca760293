"""The machine-readable zone of a passport's data page (ICAO 9303 TD3: two lines of 44 characters).

`parse_td3(text)` reads the two lines (given as two lines, one 88-character string, or separated by
white space), verifies EVERY check digit (document number, birth date, expiry, optional data and the
composite one) and returns an `Mrz`; anything else raises InvalidInput with a short message (the reply language):
`mrz_unreadable` (not two lines of A-Z, 0-9 and «<», or not a passport) or `mrz_check_digits` (a check
digit does not match: a misread photo or a forged zone). Pure: no database, no OCR.

Line 1: P, type, issuing state (3), names («SURNAME<<GIVEN<NAMES»).
Line 2: document number (9) + check, nationality (3), birth date YYMMDD + check, sex, expiry YYMMDD +
check, optional data (14) + check, composite check over the document number, birth date and expiry
fields and the optional data, each with its check digit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from replies import N_, _
from residency.errors import InvalidInput

LINE_LENGTH = 44
_ALPHABET = re.compile(r"[A-Z0-9<]{44}")
_WEIGHTS = (7, 3, 1)

# Ids (N_): translate them with _() where the reply is made.
UNREADABLE = N_(
    "I could not read the machine-readable zone (the two lines at the bottom of the passport's data page). "
    "Photograph the whole data page in good light, without glare or tilt, and send it again."
)
CHECK_DIGITS_FAIL = N_(
    "I read the machine-readable zone but its check digits do not match ({fields}), so nothing was changed. "
    "Photograph the data page again clearly, or type the new passport number and its expiry date yourself."
)
FIELD_LABELS = {
    "document_number": N_("passport number"),
    "birth_date": N_("date of birth"),
    "expiry": N_("expiry date"),
    "optional_data": N_("optional data"),
    "composite": N_("overall check digit"),
}


def char_value(char: str) -> int:
    """ICAO value of an MRZ character: digits as themselves, A-Z 10-35, «<» 0."""
    if char.isdigit():
        return int(char)
    if "A" <= char <= "Z":
        return ord(char) - ord("A") + 10
    if char == "<":
        return 0
    raise ValueError(f"not an MRZ character: {char!r}")


def check_digit(field: str) -> str:
    """The check digit of `field`: the sum of values times 7, 3, 1, 7, ... modulo 10."""
    return str(sum(char_value(c) * _WEIGHTS[i % 3] for i, c in enumerate(field)) % 10)


@dataclass(frozen=True)
class Mrz:
    document_type: str
    issuing_state: str
    surname: str
    given_names: str
    document_number: str
    nationality: str
    birth_date: str  # YYMMDD as printed (the century is not in the zone)
    sex: str
    expiry: date
    optional_data: str
    lines: tuple[str, str]

    @property
    def names(self) -> list[str]:
        """Every name word, surname first («AL<HASSAN» gives two words)."""
        return [w for w in f"{self.surname} {self.given_names}".split() if w]


def split_lines(text: str) -> tuple[str, str] | None:
    """The two 44-character lines in `text` (two lines, or 88 characters with or without white space)."""
    compact = "".join(str(text).upper().split())
    if len(compact) != 2 * LINE_LENGTH:
        return None
    first, second = compact[:LINE_LENGTH], compact[LINE_LENGTH:]
    if not (_ALPHABET.fullmatch(first) and _ALPHABET.fullmatch(second)):
        return None
    return first, second


def failed_check_digits(second: str) -> list[str]:
    """The fields of line 2 whose check digit does not match (empty: all verified)."""
    fields = {
        "document_number": (second[0:9], second[9]),
        "birth_date": (second[13:19], second[19]),
        "expiry": (second[21:27], second[27]),
        "optional_data": (second[28:42], second[42]),
        "composite": (second[0:10] + second[13:20] + second[21:43], second[43]),
    }
    failed = []
    for name, (value, digit) in fields.items():
        # An empty optional data field may carry «<» as its check digit.
        if name == "optional_data" and digit == "<" and set(value) == {"<"}:
            continue
        if not digit.isdigit() or check_digit(value) != digit:
            failed.append(name)
    return failed


def _date(yymmdd: str, century: int) -> date:
    return date(century + int(yymmdd[0:2]), int(yymmdd[2:4]), int(yymmdd[4:6]))


def parse_td3(text: str) -> Mrz:
    """The verified zone of a passport (see the module docstring); InvalidInput otherwise."""
    lines = split_lines(text)
    if lines is None or not lines[0].startswith("P"):
        raise InvalidInput("mrz_unreadable", _(UNREADABLE))
    first, second = lines
    failed = failed_check_digits(second)
    if failed:
        fields = _(", ").join(_(FIELD_LABELS[name]) for name in failed)
        raise InvalidInput("mrz_check_digits", _(CHECK_DIGITS_FAIL).format(fields=fields), fields=failed)
    try:
        # Passports are issued for at most 10 years: an expiry is always in this century.
        expiry = _date(second[21:27], 2000)
        _date(second[13:19], 2000)  # a real month and day (the year is checked by the match)
    except ValueError:
        raise InvalidInput("mrz_unreadable", _(UNREADABLE)) from None
    surname, _separator, given = first[5:].partition("<<")
    return Mrz(
        document_type=first[0:2].rstrip("<"),
        issuing_state=first[2:5].replace("<", ""),
        surname=surname.replace("<", " ").strip(),
        given_names=given.replace("<", " ").strip(),
        document_number=second[0:9].replace("<", ""),
        nationality=second[10:13].replace("<", ""),
        birth_date=second[13:19],
        sex=second[20],
        expiry=expiry,
        optional_data=second[28:42].replace("<", ""),
        lines=(first, second),
    )
