"""DateExtractor: numeric Gregorian and Hijri dates -> entity `date` with an ISO Gregorian value.

Accepted (any digit form): "2031-05-01", "2031/5/1", "1/5/2031", "1-5-2031", "1.5.2031" (day first),
Gregorian month names ("12 مايو 2030", "1 ايار 2031", "May 12, 2030"), and Hijri (Umm al-Qura)
"1452/07/10 هـ", "10/7/1452هـ", "1452-07-10". A numeric date is Hijri when "هـ"
follows it or its year is between 1300 and 1500 (no Gregorian year a user writes here is that
small); it is converted with hijridate. The span covers the date and its "هـ" marker. An impossible
date (31/2/2031) is not extracted.

The extractor is authoritative for `date`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Optional

from hijridate import Hijri
from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from nlu.entities import RuleBasedExtractor, make_entity
from nlu.normalize import normalize_with_offsets

_SEP = r"[-/.]"
_HIJRI_MARK = r"(?:\s?ه(?!\w))"  # "هـ" once tatweel is dropped
_DATE = re.compile(
    r"(?<![\d/.-])"
    rf"(?:(?P<y1>\d{{4}})(?P<s1>{_SEP})(?P<m1>\d{{1,2}})(?P=s1)(?P<d1>\d{{1,2}})"
    rf"|(?P<d2>\d{{1,2}})(?P<s2>{_SEP})(?P<m2>\d{{1,2}})(?P=s2)(?P<y2>\d{{4}}))"
    rf"(?![\d/.-]\d)(?P<hijri>{_HIJRI_MARK})?"
)
HIJRI_YEARS = range(1300, 1501)

# Gregorian month names (normalised): Egyptian/Gulf, Levantine/Iraqi, English.
MONTH_NAMES = {
    1: "يناير كانون_الثاني january jan",
    2: "فبراير شباط february feb",
    3: "مارس اذار march mar",
    4: "ابريل افريل نيسان april apr",
    5: "مايو ايار may",
    6: "يونيو يونيه حزيران june jun",
    7: "يوليو يوليه تموز july jul",
    8: "اغسطس اب august aug",
    9: "سبتمبر ايلول september sep sept",
    10: "اكتوبر تشرين_الاول october oct",
    11: "نوفمبر تشرين_الثاني november nov",
    12: "ديسمبر كانون_الاول december dec",
}
_MONTH_BY_NAME = {name.replace("_", " "): month for month, names in MONTH_NAMES.items() for name in names.split()}
_MONTH = "|".join(re.escape(n) for n in sorted(_MONTH_BY_NAME, key=len, reverse=True))
_NAMED_DATE = re.compile(
    rf"(?<![\w])(?:(?P<d1>\d{{1,2}})\s*(?P<m1>{_MONTH})\.?\s*,?\s*(?P<y1>\d{{4}})"
    rf"|(?P<m2>{_MONTH})\.?\s*(?P<d2>\d{{1,2}}),?\s*(?P<y2>\d{{4}}))(?!\w)"
)


def to_gregorian(year: int, month: int, day: int, hijri: bool) -> Optional[dt.date]:
    """The Gregorian date, or None when the date does not exist (or is out of hijridate's range)."""
    try:
        if hijri:
            return Hijri(year, month, day).to_gregorian()
        return dt.date(year, month, day)
    except (ValueError, OverflowError):
        return None


def find_dates(text: str) -> List[Dict[str, Any]]:
    """All date entities in `text`, values "YYYY-MM-DD" (Gregorian), offsets in the original."""
    normalized = normalize_with_offsets(text)
    entities = []
    for match in _DATE.finditer(normalized.text):
        if match.group("y1"):
            year, month, day = int(match.group("y1")), int(match.group("m1")), int(match.group("d1"))
        else:
            year, month, day = int(match.group("y2")), int(match.group("m2")), int(match.group("d2"))
        hijri = bool(match.group("hijri")) or year in HIJRI_YEARS
        date = to_gregorian(year, month, day, hijri)
        if date is None:
            continue
        start, end = normalized.span(match.start(), match.end())
        entities.append(make_entity("date", date.isoformat(), start, end, text, DateExtractor.__name__))
    for match in _NAMED_DATE.finditer(normalized.text):
        n = "1" if match.group("d1") else "2"
        date = to_gregorian(
            int(match.group("y" + n)), _MONTH_BY_NAME[match.group("m" + n)], int(match.group("d" + n)), False
        )
        if date is not None:
            start, end = normalized.span(match.start(), match.end())
            entities.append(make_entity("date", date.isoformat(), start, end, text, DateExtractor.__name__))
    return sorted(entities, key=lambda e: e["start"])


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class DateExtractor(RuleBasedExtractor):
    """Authoritative rule-based extractor of `date` (see the module docstring)."""

    owned_types = ("date",)

    def find(self, text: str) -> List[Dict[str, Any]]:
        return find_dates(text)
