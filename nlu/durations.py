"""DurationExtractor: "سنة", "٣ شهور", "ستة اشهر", "شهر ونص", "90 days", "1 yr", Arabizi "sanah", "6 shhor"
-> entity `duration`.

The value is ISO-8601 in months or days only: years become months ("سنة" -> "P12M", "سنتين" ->
"P24M"), weeks become days ("اسبوعين" -> "P14D"), and a half month is days ("شهر ونص" -> "P45D").
The span covers the number and unit as the user wrote them, without a leading clitic ("لسنة" ->
"سنة"). Matching is on normalised text (any digit form, ة/ه, hamza-free). A unit with the article
("السنة", "الشهر الجاي") or "هالشهر" is a point in time, not a duration, and is not matched; nor is one right after من/قبل
("من يومين" = two days ago) or last/this, nor a unit without a count after "next" or the Arabizi article ("expiring next month", "el shahr elli fat"). A number word with the article is a duration and is
part of the span ("الست شهور الجاية" -> "الست شهور", P6M); "month by month" / "شهر بشهر" is a rhythm, not one.

The value reports the count the user wrote, even when no service accepts it: the extractor never
turns a count it cannot use into another, valid duration. Every value matches `-?P[0-9]+[MD]`:

- zero: "0 يوم" -> "P0D", "٠ شهر" -> "P0M", "0 سنة" -> "P0M", "0 اسبوع" -> "P0D";
- negative (a minus sign - or − attached to the count): "-3 شهور" -> "-P3M", "-90 يوم" -> "-P90D",
  "-1 سنة" -> "-P12M" (the ISO 8601-2 / XML Schema form of a negative duration);
- absurdly large: the count as written, converted like any other: "99999999 يوم" -> "P99999999D",
  "9999 سنة" -> "P119988M", "100 اسبوع" -> "P700D". There is no upper bound here (any number of
  digits up to MAX_COUNT_DIGITS; a longer count gives no duration at all).

So the dialogue refuses a value that starts with "-", whose count is 0, or that is over the service's
maximum. (residency.calendar.Duration.parse refuses "P0D"/"P0M" and "-P3M" with bad_duration.)

A number that is not the unit's count is never read as one, and the unit is then not given a count of
its own either, except where the unit word carries one:
- an identifier (nlu.identifiers: "جدد اقامة 2663923320 سنة", "2180 967 925 سنة") is not a count;
  the unit alone is the duration ("سنة" -> "P12M", "شهرين" -> "P2M");
- a count glued to another number ("2-3 شهور", "1.5 سنة", "1/2 سنة") gives no duration (the action
  asks), not the bare unit;
- a number before a dual ("٣ شهرين") is ignored: the dual is the duration ("P2M").

The extractor is authoritative for `duration`: it replaces what earlier extractors produced.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import Any, Dict, List, Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe

from nlu.entities import RuleBasedExtractor, make_entity
from nlu.identifiers import find_identifiers
from nlu.normalize import normalize_with_offsets

# Number words, normalised spelling (ة -> ه, no hamza), Arabic dialects and English.
NUMBER_WORDS = {
    1: "واحد واحده one a an wa7ed wahed wa7da",
    2: "اثنين اثنان اتنين تنين ثنين two etnen ethnen ithnain itnen",
    3: "ثلاث ثلاثه تلات تلاته three thalath talat tlata thalatha talata",
    4: "اربع اربعه four arba3 arba3a arba",
    5: "خمس خمسه five 5ams 5amsa khams khamsa",
    6: "ست سته سيت six sit sitta seta setta",
    7: "سبع سبعه seven sab3 sab3a saba",
    8: "ثمان ثماني ثمانيه ثمن تمن تمان تمانيه eight tamanya thamanya tamn",
    9: "تسع تسعه nine tes3 tes3a tis3a",
    10: "عشر عشره ten 3ashr 3ashara 3ashra",
    11: "احدعش حداش احدى_عشر احد_عشر eleven",
    12: "اثنعش اثنا_عشر اثني_عشر اطنعش اتناشر twelve",
    14: "اربعتعش اربعه_عشر fourteen",
    15: "خمستعش خمسه_عشر خمستاشر fifteen",
    18: "ثمنتعش ثمانيه_عشر eighteen",
    20: "عشرين twenty",
    24: "اربعه_وعشرين twenty-four",
    30: "ثلاثين تلاتين thirty",
    40: "اربعين forty",
    45: "خمسه_واربعين forty-five",
    50: "خمسين fifty",
    60: "ستين sixty",
    70: "سبعين seventy",
    80: "ثمانين تمانين eighty",
    90: "تسعين ninety",
    100: "ميه مايه ميت مئه hundred",
    120: "ميه_وعشرين",
    180: "ميه_وثمانين",
}
_WORD_VALUES = {word.replace("_", " "): value for value, words in NUMBER_WORDS.items() for word in words.split()}

# unit word -> (count implied when no number is given, unit letter, multiplier to months/days); Arabic,
# English (with the abbreviations HR staff write) and Arabizi ("sana", "shahrain", "6 shhor", "esboo3").
UNITS = {
    "شهر": (1, "M", 1),
    "شهور": (1, "M", 1),
    "اشهر": (1, "M", 1),
    "شهرين": (2, "M", 1),
    "شهرا": (1, "M", 1),
    "month": (1, "M", 1),
    "months": (1, "M", 1),
    "mnth": (1, "M", 1),
    "mnths": (1, "M", 1),
    "سنه": (1, "M", 12),
    "سنين": (1, "M", 12),
    "سنوات": (1, "M", 12),
    "سنتين": (2, "M", 12),
    "عام": (1, "M", 12),
    "عامين": (2, "M", 12),
    "year": (1, "M", 12),
    "years": (1, "M", 12),
    "yr": (1, "M", 12),
    "yrs": (1, "M", 12),
    "يوم": (1, "D", 1),
    "ايام": (1, "D", 1),
    "يومين": (2, "D", 1),
    "يوما": (1, "D", 1),
    "day": (1, "D", 1),
    "days": (1, "D", 1),
    "اسبوع": (1, "D", 7),
    "اسابيع": (1, "D", 7),
    "اسبوعين": (2, "D", 7),
    "week": (1, "D", 7),
    "weeks": (1, "D", 7),
    **dict.fromkeys(
        "shahr shahar shaher shhr ashhor ashhur ashhar shhor shhoor shohor shuhoor shuhur".split(), (1, "M", 1)
    ),
    **dict.fromkeys("shahrain shahrein shahren shahreen".split(), (2, "M", 1)),
    **dict.fromkeys("sana sanah seneh sanawat sneen sinin snin".split(), (1, "M", 12)),
    **dict.fromkeys("sanatain sanatein santain santen sanaten sentein".split(), (2, "M", 12)),
    **dict.fromkeys("yom youm yawm ayam ayyam".split(), (1, "D", 1)),
    **dict.fromkeys("yomain yomein yomen".split(), (2, "D", 1)),
    **dict.fromkeys("esboo3 esbo3 osboo3 usbu3 usboo3 asabee3 asabi3".split(), (1, "D", 7)),
    **dict.fromkeys("esboo3ain esboo3en esbo3en osboo3ain".split(), (2, "D", 7)),
}
_DUAL_UNITS = {unit for unit, (implied, _, _) in UNITS.items() if implied == 2}
# Fractions before a unit: "نص سنة" = half a year, "ربع سنة" = a quarter of a year.
FRACTIONS = {
    "نص": Fraction(1, 2),
    "نصف": Fraction(1, 2),
    "ربع": Fraction(1, 4),
    "half": Fraction(1, 2),
    "quarter": Fraction(1, 4),
}
# "... ونص" after a unit adds half of that unit.
_AND_HALF = r"(?:\s*و\s*نص(?:ف)?|\s+and\s+a\s+half)"

# A count longer than this gives no duration (Python refuses to convert much longer digit strings).
MAX_COUNT_DIGITS = 4000
# Minus signs that make a count negative when attached to it ("-3 شهور"); not after a digit ("2-3").
_MINUS = "-\u2010\u2011\u2012\u2013\u2212\ufe63\uff0d"
_NUMBER = "|".join(["[0-9]+"] + sorted((re.escape(w) for w in _WORD_VALUES), key=len, reverse=True))
_UNIT = "|".join(sorted((re.escape(u) for u in UNITS), key=len, reverse=True))
_FRACTION = "|".join(sorted(FRACTIONS, key=len, reverse=True))
# A duration right after these words is a point in time: "من يومين", "قبل اسبوع" (ago), "last week".
# Not "بعد" or "next": "يرجع بعد شهرين" and "the next 60 days" are durations.
_TIME_REFERENCE = re.compile(r"(?:^|\W)(?:من|قبل|last|this)\s+$")
# A unit without a count right after "next" is a point in time too ("expiring next month"), unlike "next 3 months";
# so is one with the Arabizi article or "this" ("el shahr elli fat", "hal shahr", "el esboo3 hatha").
_NEXT = re.compile(r"(?:^|\W)(?:next|el|al|il|hal)\s+$")
# Start of a word, optionally after a clitic (و ف ب ل, "لمده" is handled as a separate word).
_WORD_START = r"(?:(?<=^)|(?<=[^\w])|(?<=[^\w][وفبل])|(?<=^[وفبل]))"
_DURATION = re.compile(
    _WORD_START
    + rf"(?:(?P<fraction>{_FRACTION})\s+(?:a\s+|of\s+a\s+)?(?P<funit>{_UNIT})"
    + rf"|(?:(?P<minus>[{_MINUS}])?(?:(?P<article>ال)(?=\w))?(?P<number>{_NUMBER})\s*[-]?\s*)?(?P<unit>{_UNIT})(?P<half>{_AND_HALF})?)"
    + r"(?!\w)"
)


# "month by month", "شهر بشهر", "شهر بعد شهر": a rhythm, not a duration.
_RHYTHM = re.compile(
    r"(?<!\w)(?:(?:a|one)\s+)?(month|week|day|year)\s+by\s+\1(?!\w)"
    r"|(?<!\w)(شهر|يوم|اسبوع|سنه)\s+(?:ب|بعد\s+)\2(?!\w)"
)


def _as_iso(amount: Fraction, unit: str) -> Optional[str]:
    """ISO-8601 duration; a fractional month count becomes days (1.5 months -> 45 days); None for a
    fraction of a day."""
    if unit == "M" and amount.denominator != 1:
        amount, unit = amount * 30, "D"
    if amount.denominator != 1:
        return None
    return f"P{amount.numerator}{unit}"


def _parse(match: "re.Match[str]", with_number: bool) -> Optional[str]:
    """The value of the match (see the module docstring); without its number when not `with_number`."""
    if match.group("fraction"):
        _, unit, multiplier = UNITS[match.group("funit")]
        return _as_iso(FRACTIONS[match.group("fraction")] * multiplier, unit)
    unit_word = match.group("unit")
    implied, unit, multiplier = UNITS[unit_word]
    number = match.group("number") if with_number else None
    if number is None:
        count = Fraction(implied)
    elif unit_word in _DUAL_UNITS:
        return None  # "٣ شهرين" is not a duration anyone writes
    elif number.isdigit():
        if len(number) > MAX_COUNT_DIGITS:
            return None
        count = Fraction(int(number))
    else:
        count = Fraction(_WORD_VALUES[number])
    if match.group("half"):
        count += Fraction(1, 2)
    value = _as_iso(count * multiplier, unit)
    negative = number is not None and match.group("minus")
    return "-" + value if value and negative else value


def find_durations(text: str) -> List[Dict[str, Any]]:
    """All duration entities in `text` with ISO-8601 values and original-text offsets."""
    normalized = normalize_with_offsets(text)
    identifiers = [(e["start"], e["end"]) for e in find_identifiers(text)]
    rhythms = [m.span() for m in _RHYTHM.finditer(normalized.text)]
    entities = []
    for match in _DURATION.finditer(normalized.text):
        start = match.start()
        if _overlaps(match.span(), rhythms):
            continue
        if not match.group("number"):
            value = _parse(match, with_number=False)
        elif _overlaps(normalized.span(*match.span("number")), identifiers):
            # "2663923320 سنة", "2180-967-925 شهرين": an identifier is not a count; the unit alone may be.
            start = match.start("unit")
            value = _parse(match, with_number=False)
        elif _inside_number(normalized.text, match.start("number")):
            continue  # "2-3 شهور", "1.5 سنة": the count is part of a number; not the bare unit either
        else:
            value = _parse(match, with_number=True)
            if value is None and match.group("unit") in _DUAL_UNITS:
                # "٣ شهرين": the dual is the duration.
                start = match.start("unit")
                value = _parse(match, with_number=False)
        if value is None or _TIME_REFERENCE.search(normalized.text[:start]):
            continue
        if not match.group("number") and _NEXT.search(normalized.text[:start]):
            continue
        start, end = normalized.span(start, match.end())
        entities.append(make_entity("duration", value, start, end, text, DurationExtractor.__name__))
    return entities


def _overlaps(span: Tuple[int, int], spans: List[Tuple[int, int]]) -> bool:
    return any(start < span[1] and span[0] < end for start, end in spans)


def _inside_number(text: str, start: int) -> bool:
    """A digit group glued to a longer number ("2180-967-925") is not a duration count."""
    return start > 0 and (
        text[start - 1].isdigit() or (text[start - 1] in "-/." and start > 1 and text[start - 2].isdigit())
    )


@DefaultV1Recipe.register(DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR, is_trainable=False)
class DurationExtractor(RuleBasedExtractor):
    """Authoritative rule-based extractor of `duration` (see the module docstring)."""

    owned_types = ("duration",)

    def find(self, text: str) -> List[Dict[str, Any]]:
        return find_durations(text)
