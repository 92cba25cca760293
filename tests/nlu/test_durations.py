"""DurationExtractor: Arabic/English words and numbers -> ISO-8601 months or days."""

import pytest

from nlu.durations import DurationExtractor
from tests.nlu.support import found, message


def extract(text, entities=None):
    msg = message(text, entities)
    DurationExtractor().process([msg])
    return found(msg, "duration")


@pytest.mark.parametrize(
    "text, value, span",
    [
        ("جدد اقامته سنة", "P12M", "سنة"),
        ("جدد اقامته سنه", "P12M", "سنه"),
        ("renew for a year", "P12M", "a year"),
        ("١٢ شهر", "P12M", "١٢ شهر"),
        ("12 months please", "P12M", "12 months"),
        ("لمدة سنتين", "P24M", "سنتين"),
        ("ربع سنة", "P3M", "ربع سنة"),
        ("3 months", "P3M", "3 months"),
        ("ثلاث شهور", "P3M", "ثلاث شهور"),
        ("٣ اشهر", "P3M", "٣ اشهر"),
        ("٣شهور", "P3M", "٣شهور"),
        ("نص سنة", "P6M", "نص سنة"),
        ("ستة اشهر", "P6M", "ستة اشهر"),
        ("ستّة أشْهُر", "P6M", "ستّة أشْهُر"),
        ("شهرين", "P2M", "شهرين"),
        ("شهر زيادة", "P1M", "شهر"),
        ("شهر ونص", "P45D", "شهر ونص"),
        ("اسبوعين", "P14D", "اسبوعين"),
        ("٩٠ يوم", "P90D", "٩٠ يوم"),
        ("۹۰ يوم", "P90D", "۹۰ يوم"),
        ("عشرة ايام", "P10D", "عشرة ايام"),
        ("خمسين يوم", "P50D", "خمسين يوم"),
        ("two weeks", "P14D", "two weeks"),
        ("خروج وعودة لسنة", "P12M", "سنة"),
        ("يسافر ويرجع بعد شهرين", "P2M", "شهرين"),
        ("expiring in the next 60 days", "P60D", "60 days"),
    ],
)
def test_durations(text, value, span):
    assert extract(text) == [("duration", value, span)]


@pytest.mark.parametrize(
    "text", ["مين اقاماتهم تخلص هالشهر", "الشهر الجاي", "السنة الماضية", "سنوي", "انتهت من يومين", "وصل قبل اسبوع", "arrived last week"]
)
def test_points_in_time_are_not_durations(text):
    assert extract(text) == []


def test_number_inside_an_identifier_is_not_a_count():
    assert extract("2180-967-925 شهرين") == [("duration", "P2M", "شهرين")]


def test_authoritative_for_duration():
    crf = [{"entity": "duration", "start": 0, "end": 3, "value": "جدد"}]
    assert extract("جدد ٦ شهور", crf) == [("duration", "P6M", "٦ شهور")]
