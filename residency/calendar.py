"""Dates and durations of SPEC sections 3-4: Riyadh's "today" (overridable by MUQEEM_TODAY), calendar
months, durations in months or days, Umm al-Qura Hijri dates, and their Arabic wording."""

from __future__ import annotations

import calendar as _gregorian
import os
import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from hijridate import Gregorian, Hijri

from replies import N_, _, current_language, ngettext
from residency.errors import InvalidInput
from residency.identifiers import normalize_digits
from residency.rules import RULES

RIYADH = ZoneInfo(RULES["timezone"])
TODAY_ENV = "MUQEEM_TODAY"
# Fees count a duration in days as whole months of this many days (SPEC: 61 days = 3 months).
DAYS_PER_BILLABLE_MONTH = 30


def today() -> date:
    """MUQEEM_TODAY (ISO date) when set, else the current date in Riyadh."""
    override = os.environ.get(TODAY_ENV, "").strip()
    if override:
        try:
            return date.fromisoformat(override)
        except ValueError:
            raise ValueError(f"{TODAY_ENV}={override!r} is not an ISO date (YYYY-MM-DD)") from None
    return datetime.now(RIYADH).date()


def now() -> datetime:
    """The current aware Riyadh time; with MUQEEM_TODAY, that date at the current Riyadh time of day."""
    current = datetime.now(RIYADH)
    return datetime.combine(today(), current.timetz())


_OUT_OF_RANGE = N_(
    "The duration or date is outside the range the calendar accepts. Write a reasonable duration or date, "
    "e.g. 3 months or 90 days."
)


def add_months(d: date, months: int) -> date:
    """`d` plus calendar months (negative allowed); a day missing in the target month becomes its last day.
    A result outside the calendar (years 1-9999, e.g. P99999Y) is InvalidInput date_out_of_range."""
    year, month_index = divmod(d.year * 12 + d.month - 1 + months, 12)
    month = month_index + 1
    if not 1 <= year <= 9999:
        raise InvalidInput("date_out_of_range", _(_OUT_OF_RANGE), months=months)
    return date(year, month, min(d.day, _gregorian.monthrange(year, month)[1]))


def add_days(d: date, days: int) -> date:
    """`d` plus `days` days; InvalidInput date_out_of_range outside the calendar (never OverflowError)."""
    try:
        return d + timedelta(days=days)
    except OverflowError:
        raise InvalidInput("date_out_of_range", _(_OUT_OF_RANGE), days=days) from None


# The counts below come from the catalogue (one plural entry per noun). Arabic's dual has a second form
# after a verb or a preposition ("انتظر دقيقتين", "منذ يومين"): that one form is its own entry ("two
# minutes"), spelled out so that its id differs from the plural entry's.


def months_phrase(n: int) -> str:
    """A count of months in the reply language: "شهر واحد", "شهران", "3 أشهر", "12 شهرًا" / "3 months"."""
    return ngettext("{n} month", "{n} months", n).format(n=n)


def _days_phrase(n: int, *, genitive: bool = False) -> str:
    if genitive and n == 2:
        return _("two days")
    return ngettext("{n} day", "{n} days", n).format(n=n)


def years_phrase(n: int) -> str:
    """A count of years in the reply language: "سنة", "سنتان", "10 سنوات", "15 سنة" / "10 years"."""
    return ngettext("{n} year", "{n} years", n).format(n=n)


def minutes_phrase(n: int) -> str:
    """A span of minutes in the object/genitive form ("انتظر ..." / "خلال ..."): whole hours as hours
    ("ساعة", "ساعتين", "3 ساعات"), else minutes ("دقيقة واحدة", "دقيقتين", "5 دقائق", "45 دقيقة");
    in the reply language ("2 hours", "45 minutes")."""
    if n > 0 and n % 60 == 0:
        hours = n // 60
        if hours == 2:
            return _("two hours")
        return ngettext("{n} hour", "{n} hours", hours).format(n=hours)
    if n == 2:
        return _("two minutes")
    return ngettext("{n} minute", "{n} minutes", n).format(n=n)


_ISO_DURATION = re.compile(r"P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?")
_NEGATIVE_DURATION = N_("A duration cannot be negative. Write it in months or days, e.g. 3 months or 90 days.")


@dataclass(frozen=True)
class Duration:
    """A period of whole calendar months or of days (exactly one of the two is non-zero)."""

    months: int = 0
    days: int = 0

    def __post_init__(self) -> None:
        values = (self.months, self.days)
        if all(type(v) is int for v in values) and min(values) < 0:
            raise InvalidInput("bad_duration", _(_NEGATIVE_DURATION), months=self.months, days=self.days)
        if values == (0, 0):
            raise InvalidInput(
                "bad_duration", _("A duration cannot be zero. Write it in months or days, e.g. 3 months or 90 days.")
            )
        if any(type(v) is not int for v in values) or (self.months > 0) == (self.days > 0):
            raise InvalidInput(
                "bad_duration",
                _("That duration is not valid. Write it in months or days, e.g. 3 months or 90 days."),
                months=self.months,
                days=self.days,
            )

    def after(self, d: date) -> date:
        """The date this duration after `d` (calendar months, or days)."""
        return add_months(d, self.months) if self.months else add_days(d, self.days)

    def billable_months(self) -> int:
        """Months charged for: the months, or the days rounded up to whole 30-day months."""
        return self.months or -(-self.days // DAYS_PER_BILLABLE_MONTH)

    def iso(self) -> str:
        """ISO 8601 form: "P3M" or "P90D"."""
        return f"P{self.months}M" if self.months else f"P{self.days}D"

    def describe(self) -> str:
        """Natural wording in the reply language: "شهران", "3 أشهر", "سنة (12 شهرًا)", "90 يومًا" /
        "1 year (12 months)"."""
        if self.days:
            return _days_phrase(self.days)
        if self.months % 12 == 0:
            return f"{years_phrase(self.months // 12)} ({months_phrase(self.months)})"
        return months_phrase(self.months)

    @classmethod
    def parse(cls, value: str | int | dict) -> Duration:
        """A Duration from an ISO 8601 period ("P3M", "P90D", "P2W", "P1Y", "P1M15D" = 45 days; digits in
        any form), a whole number of months (int or digit string), or {"months": n} / {"days": n}.
        Mixed months and days count a month as 30 days. InvalidInput bad_duration otherwise."""
        if isinstance(value, dict):
            if value and set(value) <= {"months", "days"}:
                return cls(**value)
        elif isinstance(value, int) and not isinstance(value, bool):
            return cls(months=value)
        elif isinstance(value, str):
            text = normalize_digits(value).strip().upper()
            if text[:1] in ("-", "\u2212") and len(text) > 1:  # "-P3M": what nlu.durations makes of "-3 شهور"
                raise InvalidInput("bad_duration", _(_NEGATIVE_DURATION), value=value)
            if text.isascii() and text.isdigit():
                return cls(months=int(text))
            match = _ISO_DURATION.fullmatch(text)
            if match and text != "P":
                years, months, weeks, days = (int(g or 0) for g in match.groups())
                months += 12 * years
                days += 7 * weeks
                if days:
                    return cls(days=days + DAYS_PER_BILLABLE_MONTH * months)
                return cls(months=months)
        raise InvalidInput(
            "bad_duration",
            _("I did not understand the duration. Write it in months or days, e.g. 3 months or 90 days."),
            value=repr(value),
        )


def hijri(d: date) -> tuple[int, int, int]:
    """(year, month, day) of `d` in the Umm al-Qura calendar; OverflowError outside its table
    (1924-08-01 .. 2077-11-16)."""
    return Gregorian(d.year, d.month, d.day).to_hijri().datetuple()


def format_date(d: date) -> str:
    """Gregorian and Hijri together: "2026-11-27 م (17 جمادى الآخرة 1448 هـ)", in English
    "2026-11-27 (17 Jumada al-Akhirah 1448 AH)"; Gregorian alone for a date outside the Umm al-Qura table
    (an old birth date)."""
    try:
        hijri_date = Gregorian(d.year, d.month, d.day).to_hijri()
    except OverflowError:
        return _("{date} CE").format(date=d.isoformat())
    month = hijri_date.month_name("ar" if current_language() == "ar" else "en")
    return _("{date} ({day} {month} {year} AH)").format(
        date=d.isoformat(), day=hijri_date.day, month=month, year=hijri_date.year
    )


def days_until(d: date, today_: date | None = None) -> int:
    """Days from today (or `today_`) to `d`; negative when `d` is past."""
    return (d - (today_ or today())).days


def format_days_left(n: int) -> str:
    """Wording of `days_until`: "باقي 12 يومًا", "ينتهي اليوم", "منتهية منذ 5 أيام" / "12 days left",
    "expires today", "expired 5 days ago"."""
    if n > 0:
        return ngettext("{n} day left", "{n} days left", n).format(n=n)
    if n == 0:
        return _("expires today")
    return ngettext("expired {n} day ago", "expired {n} days ago", -n).format(n=-n)


_DATE_SEPARATOR = "[-/.\u2010\u2011\u2013\u2014]"
_YEAR_FIRST = re.compile(rf"(\d{{4}}){_DATE_SEPARATOR}(\d{{1,2}}){_DATE_SEPARATOR}(\d{{1,2}})")
_DAY_FIRST = re.compile(rf"(\d{{1,2}}){_DATE_SEPARATOR}(\d{{1,2}}){_DATE_SEPARATOR}(\d{{4}})")
# "هـ" / "ه" marks a Hijri date, "م" a Gregorian one, as a suffix with or without a space (matched data,
# not a reply: written as escapes, \u0647 = ه, \u0640 = tatweel, \u0645 = م).
_ERA_SUFFIX = re.compile(r"\s*(?:(?P<hijri>\u0647\u0640|\u0647)|\u0645)\.?$")
_DIRECTION_MARKS = re.compile(r"[\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069]")
# Years below this are Hijri (the Hijri year is about 1448 when the Gregorian one is 2026).
_FIRST_GREGORIAN_YEAR = 1600


def plausible(d: date) -> date:
    """`d` when its year is within rules.yml `dates` (1900 to 2100), else InvalidInput bad_date naming the
    range: every date written into the system passes here (parse_date, the CLI's options)."""
    first, last = int(RULES["dates"]["earliest_year"]), int(RULES["dates"]["latest_year"])
    if not first <= d.year <= last:
        raise InvalidInput(
            "bad_date",
            _(
                "The date {date} is outside the years the system accepts ({first} to {last}). Check the date "
                "and write it again, like 2026-11-27."
            ).format(date=d.isoformat(), first=first, last=last),
            earliest=first,
            latest=last,
        )
    return d


def parse_date(text: str) -> date:
    """A date typed as YYYY-MM-DD, d/m/yyyy or d-m-yyyy in any digit form; Hijri (Umm al-Qura) when marked
    "هـ"/"ه" or when the year is below 1600, converted to Gregorian; within the plausible years (`plausible`).
    InvalidInput bad_date otherwise."""
    cleaned = normalize_digits(_DIRECTION_MARKS.sub("", text)).strip()
    era = _ERA_SUFFIX.search(cleaned)
    if era:
        cleaned = cleaned[: era.start()]
    if match := _YEAR_FIRST.fullmatch(cleaned):
        year, month, day = (int(g) for g in match.groups())
    elif match := _DAY_FIRST.fullmatch(cleaned):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise InvalidInput(
            "bad_date",
            _(
                "I did not understand the date. Write it like this: 2026-11-27 or 27/11/2026, "
                "or a Hijri date such as 17/6/1448."
            ),
            text=text,
        )
    is_hijri = era.group("hijri") is not None if era else year < _FIRST_GREGORIAN_YEAR
    try:
        if is_hijri:
            gregorian = Hijri(year, month, day).to_gregorian()
            return plausible(date(gregorian.year, gregorian.month, gregorian.day))
        return plausible(date(year, month, day))
    except OverflowError:
        raise InvalidInput(
            "bad_date",
            _(
                "That Hijri date is outside the supported range (1343-1500 AH). Write it like this: "
                "2026-11-27 or 27/11/2026, or a Hijri date such as 17/6/1448."
            ),
            text=text,
        ) from None
    except ValueError:
        raise InvalidInput(
            "bad_date",
            _(
                "That date does not exist in the calendar. Write it like this: 2026-11-27 or 27/11/2026, "
                "or a Hijri date such as 17/6/1448."
            ),
            text=text,
        ) from None
