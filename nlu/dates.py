"""DateExtractor: numeric Gregorian and Hijri dates -> entity `date` with an ISO Gregorian value.

Accepted (any digit form): "2031-05-01", "2031/5/1", "1/5/2031", "1-5-2031", "1.5.2031" (day first),
and Hijri (Umm al-Qura) "1452/07/10 هـ", "10/7/1452هـ", "1452-07-10". A date is Hijri when "هـ"
follows it or its year is between 1300 and 1500 (no Gregorian year a user writes here is that
small); it is converted with hijridate. The span covers the date and its "هـ" marker. An impossible
date (31/2/2031) is not extracted.

The extractor is authoritative for `date`.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any, Dict, List, Optional, Text

from hijridate import Hijri
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.extractors.extractor import EntityExtractorMixin
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

from nlu.entities import make_entity, replace_entities
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
    return entities


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class DateExtractor(GraphComponent, EntityExtractorMixin):
    """Authoritative rule-based extractor of `date` (see the module docstring)."""

    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "DateExtractor":
        """Creates the extractor (it has no configuration and learns nothing)."""
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        """Replaces date entities of earlier extractors by the rule-based ones."""
        for message in messages:
            text = message.get(TEXT)
            if text:
                replace_entities(message, ("date",), find_dates(text))
        return messages
