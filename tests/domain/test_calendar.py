"""Calendar: Riyadh's today and its override, calendar months, durations, Hijri dates, Arabic wording."""

from __future__ import annotations

import calendar as gregorian
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from residency.calendar import (
    RIYADH,
    Duration,
    add_months,
    days_until,
    format_date,
    format_days_left,
    hijri,
    now,
    parse_date,
    today,
)
from residency.errors import InvalidInput

ARABIC_INDIC = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
# The Umm al-Qura table of hijridate.
UMM_AL_QURA_DATES = st.dates(min_value=date(1924, 8, 1), max_value=date(2077, 11, 16))
durations = st.one_of(
    st.integers(1, 240).map(lambda n: Duration(months=n)),
    st.integers(1, 3000).map(lambda n: Duration(days=n)),
)


# --- today / now ---------------------------------------------------------------------------------


def test_today_override(monkeypatch):
    monkeypatch.setenv("MUQEEM_TODAY", "2026-11-27")
    assert today() == date(2026, 11, 27)
    current = now()
    assert current.date() == date(2026, 11, 27)
    assert current.tzinfo is RIYADH and current.utcoffset() == timedelta(hours=3)
    riyadh_clock = datetime.now(ZoneInfo("Asia/Riyadh"))
    assert (
        abs(
            (
                current.replace(year=riyadh_clock.year, month=riyadh_clock.month, day=riyadh_clock.day) - riyadh_clock
            ).total_seconds()
        )
        < 5
    )


def test_today_without_override_is_riyadh_date(monkeypatch):
    monkeypatch.delenv("MUQEEM_TODAY", raising=False)
    before = datetime.now(ZoneInfo("Asia/Riyadh")).date()
    result = today()
    assert before <= result <= datetime.now(ZoneInfo("Asia/Riyadh")).date()
    assert now().tzinfo is RIYADH


def test_bad_today_override_names_the_variable(monkeypatch):
    monkeypatch.setenv("MUQEEM_TODAY", "27/11/2026")
    with pytest.raises(ValueError, match="MUQEEM_TODAY"):
        today()


# --- add_months -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2026, 12, 1), 1, date(2027, 1, 1)),
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2026, 8, 31), 3, date(2026, 11, 30)),
        (date(2027, 3, 31), -1, date(2027, 2, 28)),
        (date(2027, 1, 15), -13, date(2025, 12, 15)),
        (date(2026, 11, 27), 0, date(2026, 11, 27)),
        (date(2026, 11, 27), 12, date(2027, 11, 27)),
    ],
)
def test_add_months_examples(start, months, expected):
    assert add_months(start, months) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31)), st.integers(-1200, 1200))
def test_add_months_moves_whole_months_and_clamps_the_day(start, months):
    result = add_months(start, months)
    assert (result.year * 12 + result.month) - (start.year * 12 + start.month) == months
    assert result.day <= start.day
    assert result.day == min(start.day, gregorian.monthrange(result.year, result.month)[1])


@given(
    st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 1)), st.integers(-600, 600), st.integers(-600, 600)
)
def test_add_months_is_additive_from_the_first(start, n, m):
    first = start.replace(day=1)
    assert add_months(add_months(first, n), m) == add_months(first, n + m)


# --- Duration -------------------------------------------------------------------------------------


def test_duration_examples():
    assert Duration(months=3).after(date(2026, 11, 30)) == date(2027, 2, 28)
    assert Duration(days=90).after(date(2026, 11, 27)) == date(2027, 2, 25)
    assert [Duration(days=n).billable_months() for n in (1, 30, 31, 60, 61, 90)] == [1, 1, 2, 2, 3, 3]
    assert Duration(months=6).billable_months() == 6
    assert Duration(months=3).iso() == "P3M" and Duration(days=90).iso() == "P90D"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("P3M", Duration(months=3)),
        ("p90d", Duration(days=90)),
        ("P2W", Duration(days=14)),
        ("P1Y", Duration(months=12)),
        ("P1Y6M", Duration(months=18)),
        ("P1M15D", Duration(days=45)),
        ("P١٢M", Duration(months=12)),
        (6, Duration(months=6)),
        ("6", Duration(months=6)),
        ({"months": 9}, Duration(months=9)),
        ({"days": 45}, Duration(days=45)),
    ],
)
def test_duration_parse(value, expected):
    assert Duration.parse(value) == expected


@pytest.mark.parametrize(
    "value",
    [
        "",
        "P",
        "P0M",
        "3M",
        "PT3H",
        "P-3M",
        "three months",
        0,
        -2,
        True,
        2.5,
        {},
        {"weeks": 2},
        {"months": 1, "days": 5},
        {"months": "3"},
        None,
    ],
)
def test_duration_parse_rejects(value):
    with pytest.raises(InvalidInput) as caught:
        Duration.parse(value)
    assert caught.value.code == "bad_duration"


@pytest.mark.parametrize("fields", [{}, {"months": 1, "days": 1}, {"months": -3}, {"days": -1}, {"months": 1.0}])
def test_duration_needs_exactly_one_positive_part(fields):
    with pytest.raises(InvalidInput) as caught:
        Duration(**fields)
    assert caught.value.code == "bad_duration"


@given(durations)
def test_duration_iso_round_trips(duration):
    assert Duration.parse(duration.iso()) == duration


@given(st.integers(1, 10_000))
def test_billable_months_is_the_ceiling_of_30_day_months(days):
    billed = Duration(days=days).billable_months()
    assert (billed - 1) * 30 < days <= billed * 30


@pytest.mark.parametrize(
    ("duration", "arabic"),
    [
        (Duration(months=1), "شهر واحد"),
        (Duration(months=2), "شهران"),
        (Duration(months=3), "3 أشهر"),
        (Duration(months=10), "10 أشهر"),
        (Duration(months=11), "11 شهرًا"),
        (Duration(months=12), "سنة (12 شهرًا)"),
        (Duration(months=24), "سنتان (24 شهرًا)"),
        (Duration(months=36), "3 سنوات (36 شهرًا)"),
        (Duration(months=100), "100 شهر"),
        (Duration(days=1), "يوم واحد"),
        (Duration(days=2), "يومان"),
        (Duration(days=5), "5 أيام"),
        (Duration(days=90), "90 يومًا"),
        (Duration(days=103), "103 أيام"),
    ],
)
def test_describe_in_arabic(duration, arabic):
    assert duration.describe() == arabic


# --- Hijri and wording ----------------------------------------------------------------------------


def test_hijri_and_format_date_examples():
    assert hijri(date(2026, 11, 27)) == (1448, 6, 17)
    assert format_date(date(2026, 11, 27)) == "2026-11-27 م (17 جمادى الآخرة 1448 هـ)"
    assert format_date(date(2030, 11, 6)) == "2030-11-06 م (10 رجب 1452 هـ)"
    assert format_date(date(1920, 5, 1)) == "1920-05-01 م"  # before the Umm al-Qura table


def test_days_left():
    assert days_until(date(2026, 12, 9), date(2026, 11, 27)) == 12
    assert days_until(date(2026, 11, 22), date(2026, 11, 27)) == -5
    assert [format_days_left(n) for n in (12, 1, 2, 5, 0, -1, -2, -5, -30)] == [
        "باقي 12 يومًا",
        "باقي يوم واحد",
        "باقي يومان",
        "باقي 5 أيام",
        "ينتهي اليوم",
        "منتهية منذ يوم واحد",
        "منتهية منذ يومين",
        "منتهية منذ 5 أيام",
        "منتهية منذ 30 يومًا",
    ]


def test_days_until_defaults_to_today(monkeypatch):
    monkeypatch.setenv("MUQEEM_TODAY", "2026-11-27")
    assert days_until(date(2027, 1, 1)) == 35


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2026-11-27", date(2026, 11, 27)),
        ("27/11/2026", date(2026, 11, 27)),
        ("7-1-2027", date(2027, 1, 7)),
        ("٢٧/١١/٢٠٢٦", date(2026, 11, 27)),
        ("۲۰۲۶-۱۱-۲۷", date(2026, 11, 27)),
        (" 27/11/2026 م ", date(2026, 11, 27)),
        ("1452/07/10 هـ", date(2030, 11, 6)),
        ("10/7/1452هـ", date(2030, 11, 6)),
        ("١٠/٧/١٤٥٢ ه", date(2030, 11, 6)),
        ("17-6-1448", date(2026, 11, 27)),
        ("\u200f1448/06/17\u200f", date(2026, 11, 27)),
    ],
)
def test_parse_date_accepted(typed, expected):
    assert parse_date(typed) == expected


@pytest.mark.parametrize(
    "typed",
    [
        "",
        "tomorrow",
        "2026-13-01",
        "2027-02-29",
        "27/11/26",
        "2026/11",
        "30/6/1448 هـ",
        "1/1/1200",
        "1/1/2026 هـ",
        "2026-11-27T10:00",
    ],
)
def test_parse_date_rejected_with_hint(typed):
    with pytest.raises(InvalidInput) as caught:
        parse_date(typed)
    assert caught.value.code == "bad_date"
    assert "2026-11-27" in caught.value.message and "هـ" in caught.value.message


@given(UMM_AL_QURA_DATES, st.booleans())
def test_parse_date_round_trips_hijri_and_gregorian(day, arabic_digits):
    year, month, mday = hijri(day)
    typed_hijri = f"{mday}/{month}/{year} هـ"
    typed_gregorian = f"{day.day}/{day.month}/{day.year}"
    if arabic_digits:
        typed_hijri, typed_gregorian = typed_hijri.translate(ARABIC_INDIC), typed_gregorian.translate(ARABIC_INDIC)
    assert parse_date(typed_hijri) == day
    assert parse_date(typed_gregorian) == day
    assert parse_date(day.isoformat()) == day


@pytest.mark.parametrize(
    ("value", "says"),
    [
        ("-P3M", "لا تكون بالسالب"),
        ("-P90D", "لا تكون بالسالب"),
        ("P0D", "لا تكون صفرًا"),
        ("P0M", "لا تكون صفرًا"),
        ({"months": -3}, "لا تكون بالسالب"),
    ],
)
def test_zero_and_negative_durations_are_refused_saying_why(value, says):
    """What nlu.durations makes of "-3 شهور" and "0 يوم": refused, never read as another duration."""
    with pytest.raises(InvalidInput) as caught:
        Duration.parse(value)
    assert caught.value.code == "bad_duration" and says in caught.value.message


# --- English wording ----------------------------------------------------------------------------------


def test_english_wording_of_dates_counts_and_days_left():
    from replies import language
    from residency.calendar import minutes_phrase, months_phrase, years_phrase

    with language("en"):
        assert format_date(date(2026, 11, 27)) == "2026-11-27 (17 Jumada al-Akhirah 1448 AH)"
        assert format_date(date(1920, 5, 1)) == "1920-05-01 CE"
        assert [format_days_left(n) for n in (12, 1, 0, -1, -2)] == [
            "12 days left",
            "1 day left",
            "expires today",
            "expired 1 day ago",
            "expired 2 days ago",
        ]
        assert [months_phrase(n) for n in (1, 2, 11)] == ["1 month", "2 months", "11 months"]
        assert [years_phrase(n) for n in (1, 3)] == ["1 year", "3 years"]
        assert [minutes_phrase(n) for n in (1, 2, 45, 60, 120, 180)] == [
            "1 minute",
            "two minutes",
            "45 minutes",
            "1 hour",
            "two hours",
            "3 hours",
        ]
        assert Duration(months=12).describe() == "1 year (12 months)"
        assert Duration(days=2).describe() == "2 days"
        with pytest.raises(InvalidInput) as caught:
            parse_date("yesterday")
        assert caught.value.message.startswith("I did not understand the date.")


def test_arabic_counts_after_a_verb_take_the_genitive_dual():
    from residency.calendar import _days_phrase, minutes_phrase

    assert [minutes_phrase(n) for n in (1, 2, 5, 45, 60, 120, 180, 100)] == [
        "دقيقة واحدة",
        "دقيقتين",
        "5 دقائق",
        "45 دقيقة",
        "ساعة",
        "ساعتين",
        "3 ساعات",
        "100 دقيقة",
    ]
    assert [_days_phrase(2), _days_phrase(2, genitive=True), _days_phrase(100), _days_phrase(103)] == [
        "يومان",
        "يومين",
        "100 يوم",
        "103 أيام",
    ]
