"""Import an establishment's residents from a CSV file (SPEC section 6).

The file is UTF-8 (a BOM is allowed) with a header row naming exactly the columns of `COLUMNS` (any
order). Dates are ISO `YYYY-MM-DD` (the calendar parser also takes d/m/yyyy and marked Hijri dates).
The three licence columns are all empty or all filled.
The occupation is never a reason to reject a row (it is a fact recorded by the authority): a title or
alias of the classification (residency/occupations.yml) is stored as its canonical Arabic title, any
other text as written, and reported as a warning with its line number ("not in the classification"). `name_en`, `birth_date`, `hire_date` may be
empty and `dependants` empty means 0; every other column is required. `location` is inside/outside
(or داخل/خارج). `nationality` is an ISO 3166 alpha-2 or alpha-3 code, or the country's Arabic or English
name or demonym (IN, IND, India, الهند, هندي), stored in its canonical form, the Arabic name
(residency.nationalities); any other text rejects the row.

Every value is bounded (SPEC 10.5), so that a row never reaches the database with a value its column
cannot hold (PostgreSQL would abort the whole import, SQLite would store it whole): a text longer than
its column (`TEXT_COLUMNS`, the lengths of residency/models.py), a date outside the plausible years
(calendar.plausible: 1900 to 2100), or more dependants than rules.yml residents.max_dependants rejects
that row with its line number and the reason, like any other bad value.

A file that is not UTF-8 or not valid CSV (a quote left open), or whose header is wrong, imports
nothing. Otherwise every row is checked first; a bad row is reported with its line number (the header is line 1) and a
reason (in the reply language: Arabic from the CLI), and nothing of it is written. The good rows are then inserted in one transaction.
An iqama number already in the database (of any establishment) or earlier in the file is refused.

Every field (and every header name) is read through `text_safety.strip_controls` before anything else:
a name exported with a right-to-left override or an RLM, or an iqama number with a zero-width space
inside, is stored without the invisible character (see residency.text_safety).

After the import the establishment's `expat_count` is raised to its number of recorded residents when
it was lower: every resident is an expatriate worker, and the levy rate compares Saudi with expatriate
staff, so the count must never claim fewer expatriates than are on record. A higher count is kept
(an establishment may not have recorded all its workers yet).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from sqlalchemy.exc import IntegrityError

from replies import _, ngettext
from residency.input_words import LOCATIONS
from residency import calendar, identifiers
from residency.db import UnitOfWork
from residency.errors import InvalidInput, Refusal
from residency.establishments import find_establishment
from residency.models import DrivingLicence, Resident
from residency.rules import RULES
from residency.names import is_arabic, name_key_for
from residency.text_safety import strip_controls
from residency import nationalities, occupations

COLUMNS = (
    "iqama_number",
    "name_ar",
    "name_en",
    "nationality",
    "occupation",
    "birth_date",
    "passport_number",
    "passport_expiry",
    "iqama_expiry",
    "location",
    "dependants",
    "hire_date",
    "license_type",
    "license_number",
    "license_expiry",
)
LICENCE_COLUMNS = ("license_type", "license_number", "license_expiry")
OPTIONAL_COLUMNS = {"name_en", "birth_date", "hire_date", "dependants", *LICENCE_COLUMNS}
# The columns stored as written, and the database column that holds each (its length bounds the value).
TEXT_COLUMNS = {
    "name_ar": Resident.__table__.c.name_ar,
    "name_en": Resident.__table__.c.name_en,
    "occupation": Resident.__table__.c.occupation,
    "license_type": DrivingLicence.__table__.c.licence_type,
    "license_number": DrivingLicence.__table__.c.number,
}
# Checked against the database this many at a time (bound-parameter limits).
_LOOKUP_CHUNK = 500


@dataclass(frozen=True)
class RowError:
    line: int
    reason: str


@dataclass
class ImportResult:
    imported: int = 0
    rejected: list[RowError] = field(default_factory=list)
    # Imported rows worth a look (an occupation outside the classification), by line number.
    warnings: list[RowError] = field(default_factory=list)

    def summary(self) -> str:
        """One line counting what was imported, rejected and warned about."""
        return _("Imported {imported}, rejected {rejected}, warnings {warnings}").format(
            imported=self.imported, rejected=len(self.rejected), warnings=len(self.warnings)
        )


class _RowRejected(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _read_rows(source: str | Path | bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """(header, [(line number, fields)]) of a CSV file or its bytes; InvalidInput when unreadable."""
    if isinstance(source, bytes):
        raw = source
    else:
        try:
            raw = Path(source).read_bytes()
        except OSError as error:
            raise InvalidInput(
                "csv_unreadable",
                _("The file {path} could not be read: {error}.").format(path=source, error=error.strerror),
            ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(
            "csv_not_utf8", _("The file is not UTF-8 encoded; save it as CSV UTF-8 and import it again.")
        ) from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
        rows = []
        next_line = reader.line_num + 1
        for fields in reader:
            # A quoted field may span lines: a row is reported by the line it starts on.
            rows.append((next_line, fields))
            next_line = reader.line_num + 1
    except csv.Error as error:
        raise InvalidInput(
            "csv_unreadable",
            _("The file is not valid CSV (line {line}): {error}.").format(line=reader.line_num, error=error),
        ) from None
    if header is None:
        raise InvalidInput(
            "csv_empty",
            _("The file is empty; it must start with the header row: {columns}").format(columns=",".join(COLUMNS)),
        )
    return [strip_controls(name).strip() for name in header], rows


def _check_header(header: list[str]) -> None:
    missing = [c for c in COLUMNS if c not in header]
    unknown = [c for c in header if c not in COLUMNS]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if missing or unknown or duplicated:
        problems = []
        if missing:
            problems.append(_("missing columns: {columns}").format(columns=", ".join(missing)))
        if unknown:
            problems.append(_("unknown columns: {columns}").format(columns=", ".join(unknown)))
        if duplicated:
            problems.append(_("duplicated columns: {columns}").format(columns=", ".join(duplicated)))
        raise InvalidInput(
            "csv_bad_header",
            _("The header row is wrong ({problems}). The columns needed: {columns}").format(
                problems=_("; ").join(problems), columns=",".join(COLUMNS)
            ),
        )


def _date(values: dict[str, str], column: str) -> date | None:
    text = values[column]
    if not text:
        return None
    try:
        return calendar.parse_date(text)
    except InvalidInput as error:
        raise _RowRejected(
            _("Wrong date in column {column}: «{text}». {reason}").format(
                column=column, text=text, reason=error.message
            )
        ) from None


def _check_lengths(values: dict[str, str]) -> None:
    """_RowRejected when a value is longer than the database column that would hold it."""
    for column, target in TEXT_COLUMNS.items():
        limit = target.type.length
        if len(values[column]) > limit:
            raise _RowRejected(
                _("The value in column {column} is {length} characters long; the column holds at most {limit}").format(
                    column=column, length=len(values[column]), limit=limit
                )
            )


def _dependants(text: str) -> int:
    """The dependants column as a count from 0 to rules.yml residents.max_dependants (empty: 0)."""
    digits = identifiers.normalize_digits(text or "0")
    limit = int(RULES["residents"]["max_dependants"])
    if not (digits.isascii() and digits.isdigit()) or int(digits) > limit:
        raise _RowRejected(
            _("The number of dependants «{value}» is not a whole number from 0 to {limit}").format(
                value=text, limit=limit
            )
        )
    return int(digits)


def _checked(call, *args):
    try:
        return call(*args)
    except InvalidInput as error:
        raise _RowRejected(error.message) from None


def _resident_from(values: dict[str, str], today: date) -> tuple[Resident, DrivingLicence | None, str | None]:
    """The resident (and licence) a row describes and a warning (or None), or _RowRejected with the
    first reason found."""
    empty = [c for c in COLUMNS if c not in OPTIONAL_COLUMNS and not values[c]]
    if empty:
        raise _RowRejected(_("Missing values in the columns: {columns}").format(columns=", ".join(empty)))
    _check_lengths(values)
    iqama = _checked(identifiers.parse_iqama, values["iqama_number"])
    if not is_arabic(values["name_ar"]):
        raise _RowRejected(_("The Arabic name «{name}» has no Arabic letters").format(name=values["name_ar"]))
    if is_arabic(values["name_en"]):
        raise _RowRejected(_("The Latin name «{name}» is written in Arabic letters").format(name=values["name_en"]))
    nationality = nationalities.canonical(values["nationality"])
    if nationality is None:
        raise _RowRejected(
            _(
                "The nationality «{value}» is not a country I know: write its ISO code (like IN or IND), or the "
                "country's name in Arabic or English"
            ).format(value=values["nationality"])
        )
    occupation, warning = values["occupation"], None
    known = occupations.find(occupation)
    if known is not None:
        occupation = known.ar
    else:
        warning = _("The occupation «{occupation}» is not in the classification; stored as written").format(
            occupation=occupation
        )
    passport = _checked(identifiers.parse_passport_number, values["passport_number"])
    birth_date, hire_date = _date(values, "birth_date"), _date(values, "hire_date")
    passport_expiry, iqama_expiry = _date(values, "passport_expiry"), _date(values, "iqama_expiry")
    if birth_date and birth_date >= today:
        raise _RowRejected(_("The birth date {date} is not in the past").format(date=birth_date.isoformat()))
    if birth_date and hire_date and hire_date <= birth_date:
        raise _RowRejected(_("The hire date is before the birth date"))
    location = LOCATIONS.get(values["location"].lower())
    if location is None:
        raise _RowRejected(
            _("The location «{location}» is wrong; it is inside or outside").format(location=values["location"])
        )
    dependants = _dependants(values["dependants"])
    licence = None
    filled = [c for c in LICENCE_COLUMNS if values[c]]
    if filled and len(filled) < len(LICENCE_COLUMNS):
        missing = ", ".join(c for c in LICENCE_COLUMNS if not values[c])
        raise _RowRejected(
            _(
                "The licence data is incomplete ({columns}): fill the three licence columns together or leave them "
                "all empty"
            ).format(columns=missing)
        )
    if filled:
        licence = DrivingLicence(
            licence_type=values["license_type"],
            number=identifiers.normalize_digits(values["license_number"]),
            expiry=_date(values, "license_expiry"),
        )
    resident = Resident(
        iqama_number=iqama,
        name_ar=values["name_ar"],
        name_en=values["name_en"],
        name_key=name_key_for(values["name_ar"], values["name_en"]),
        nationality=nationality,
        occupation=occupation,
        birth_date=birth_date,
        passport_number=passport,
        passport_expiry=passport_expiry,
        iqama_expiry=iqama_expiry,
        location=location,
        dependants=dependants,
        hire_date=hire_date,
    )
    return resident, licence, warning


def _iqamas_in_database(uow: UnitOfWork, iqamas: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(iqamas), _LOOKUP_CHUNK):
        chunk = iqamas[start : start + _LOOKUP_CHUNK]
        found.update(uow.repo.iqamas_in_use(chunk))
    return found


def import_residents(
    uow: UnitOfWork,
    establishment_number: str,
    source: str | Path | bytes,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Import the good rows of a residents CSV into the establishment and commit; report the bad ones.
    `progress(done, total)` is called as each row is checked (the slow part; the insert follows in one
    transaction), so that a terminal can show how far it is.

    Raises InvalidInput (csv_unreadable, csv_not_utf8, csv_empty, csv_bad_header) when the file itself
    cannot be used, NotFound when the establishment does not exist, Refusal import_conflict (nothing
    imported) when a concurrent writer took one of the iqama numbers between the check and the insert."""
    est = find_establishment(uow, establishment_number)
    header, rows = _read_rows(source)
    _check_header(header)
    today = calendar.today()
    result = ImportResult()
    candidates: list[tuple[int, Resident, DrivingLicence | None, str | None]] = []
    first_line_of: dict[str, int] = {}
    for done, (line, fields) in enumerate(rows, start=1):
        if progress is not None:
            progress(done, len(rows))
        if not any(strip_controls(f).strip() for f in fields):
            continue
        try:
            if len(fields) != len(header):
                raise _RowRejected(
                    ngettext(
                        "{count} column where {expected} are needed",
                        "{count} columns where {expected} are needed",
                        len(fields),
                    ).format(count=len(fields), expected=len(header))
                )
            values = {name: strip_controls(value).strip() for name, value in zip(header, fields)}
            resident, licence, warning = _resident_from(values, today)
            if resident.iqama_number in first_line_of:
                raise _RowRejected(
                    _("Iqama number {iqama} appears twice in the file (first on line {line})").format(
                        iqama=resident.iqama_number, line=first_line_of[resident.iqama_number]
                    )
                )
        except _RowRejected as rejected:
            result.rejected.append(RowError(line, rejected.reason))
            continue
        first_line_of[resident.iqama_number] = line
        candidates.append((line, resident, licence, warning))
    taken = _iqamas_in_database(uow, [candidate[1].iqama_number for candidate in candidates])
    for line, resident, licence, warning in candidates:
        if resident.iqama_number in taken:
            taken_reason = _("Iqama number {iqama} is already in the database").format(iqama=resident.iqama_number)
            result.rejected.append(RowError(line, taken_reason))
            continue
        resident.establishment_id = est.id
        resident.licence = licence
        uow.repo.add(resident, flush=False)
        result.imported += 1
        if warning:
            result.warnings.append(RowError(line, warning))
    result.rejected.sort(key=lambda e: e.line)
    if result.imported:
        try:
            uow.repo.flush()
            est.expat_count = max(est.expat_count, uow.repo.resident_count(est.id))
            uow.commit()
        except IntegrityError:
            # Another writer added one of these iqama numbers after the check.
            uow.rollback()
            raise Refusal(
                "import_conflict",
                _("Some of these residents were added while the import ran; nothing was imported. Import again."),
            ) from None
    return result
