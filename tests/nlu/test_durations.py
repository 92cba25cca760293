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
    "text",
    [
        "مين اقاماتهم تخلص هالشهر",
        "الشهر الجاي",
        "السنة الماضية",
        "سنوي",
        "انتهت من يومين",
        "وصل قبل اسبوع",
        "arrived last week",
    ],
)
def test_points_in_time_are_not_durations(text):
    assert extract(text) == []


def test_number_inside_an_identifier_is_not_a_count():
    assert extract("2180-967-925 شهرين") == [("duration", "P2M", "شهرين")]


def test_authoritative_for_duration():
    crf = [{"entity": "duration", "start": 0, "end": 3, "value": "جدد"}]
    assert extract("جدد ٦ شهور", crf) == [("duration", "P6M", "٦ شهور")]


# --- counts no service accepts are reported as written, never turned into another duration


@pytest.mark.parametrize(
    "text, value, span",
    [
        ("0 يوم", "P0D", "0 يوم"),
        ("٠ شهر", "P0M", "٠ شهر"),
        ("مدة 0 سنة", "P0M", "0 سنة"),
        ("00 اسبوع", "P0D", "00 اسبوع"),
        ("-3 شهور", "-P3M", "-3 شهور"),
        ("تمديد −90 يوم", "-P90D", "−90 يوم"),
        ("جدد -١ سنة", "-P12M", "-١ سنة"),
        ("99999999 يوم", "P99999999D", "99999999 يوم"),
        ("9999 سنة", "P119988M", "9999 سنة"),
        ("1000 شهر", "P1000M", "1000 شهر"),
        ("٩٩٩٩٩ يوم", "P99999D", "٩٩٩٩٩ يوم"),
        ("9999999999 يوم", "P9999999999D", "9999999999 يوم"),  # ten digits, but not an identifier
    ],
)
def test_zero_negative_and_huge_counts_are_kept(text, value, span):
    assert extract(text) == [("duration", value, span)]


def test_every_value_has_the_documented_shape():
    import re

    texts = ["0 يوم", "-3 شهور", "9999 سنة", "سنة", "شهر ونص", "ربع سنة", "اسبوعين", "-2 اسبوع"]
    for text in texts:
        (value,) = [v for _, v, _ in extract(text)]
        assert re.fullmatch(r"-?P[0-9]+[MD]", value), (text, value)


@pytest.mark.parametrize(
    "text, value, span",
    [
        ("جدد اقامة 2663923320 سنة", "P12M", "سنة"),
        ("جدد اقامة ٢٦٦٣٩٢٣٣٢٠ سنة", "P12M", "سنة"),
        ("جدد 2180 967 925 سنة", "P12M", "سنة"),  # the last group of a spaced iqama number is no count
        ("ل2663923320 شهرين", "P2M", "شهرين"),
        ("جدد اقامة 2663923320 3 شهور", "P3M", "3 شهور"),
        ("جدد - 3 شهور", "P3M", "3 شهور"),  # a dash between words is no minus sign
        ("٣ شهرين", "P2M", "شهرين"),
    ],
)
def test_a_number_that_is_not_the_count(text, value, span):
    assert extract(text) == [("duration", value, span)]


@pytest.mark.parametrize(
    "text", ["2-3 شهور", "1.5 سنة", "1/2 سنة", pytest.param("9" * 5000 + " يوم", id="5000-digit-count")]
)
def test_a_count_that_cannot_be_read_gives_no_duration_rather_than_the_bare_unit(text):
    assert extract(text) == []


@pytest.mark.parametrize(
    "text, value, span",
    [
        ("pls renew iqama 2663923320 1 yr", "P12M", "1 yr"),
        ("2 yrs", "P24M", "2 yrs"),
        ("abgha ajadded e8amat 2663923320 sanah", "P12M", "sanah"),
        ("5orooj w 3awda shahrain", "P2M", "shahrain"),
        ("jadded 6 shhor", "P6M", "6 shhor"),
        ("arba3 ashhor", "P4M", "arba3 ashhor"),
        ("madded esboo3", "P7D", "esboo3"),
        ("sanatein", "P24M", "sanatein"),
    ],
)
def test_english_abbreviations_and_arabizi_units(text, value, span):
    assert extract(text) == [("duration", value, span)]


@pytest.mark.parametrize(
    "text",
    [
        "iqamas expiring next month",
        "he travels next week",
        "wesh dafa3na el shahr elli fat",
        "meen e8amto 5alsa hal shahr",
    ],
)
def test_next_unit_without_a_count_is_a_point_in_time(text):
    assert extract(text) == []


def test_next_with_a_count_is_a_duration():
    assert extract("cost for the next 3 months") == [("duration", "P3M", "3 months")]
