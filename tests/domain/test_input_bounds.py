"""Implausible dates and counts are refused by the service layer -- a typed error with a code and an Arabic
message saying what is allowed, never clamped, never an OverflowError/ValueError -- and the allowed
boundary still goes through. Today is 2026-11-27; the `world` is tests/domain/conftest.py's."""

from datetime import date

import pytest

from residency import calendar, reports
from residency.db import UnitOfWork
from residency.errors import InvalidInput, Refusal
from tests.domain.visa_helpers import OWNER, add_visa, execute, quote, update_resident

PASSPORT_TOO_FAR = (
    "تاريخ انتهاء الجواز 9999-12-31 م غير معقول: يصدر الجواز لمدة أقصاها 10 سنوات، فلا يتجاوز تاريخ "
    "انتهائه 2036-11-27 م (9 شوال 1458 هـ). تحقق من التاريخ المكتوب في الجواز الجديد وأدخله من جديد."
)
BAD_VISA_DURATION = (
    "مدة تأشيرة الخروج والعودة غير صحيحة: أقصرها يوم واحد وأطولها سنتان (24 شهرًا). "
    "اكتب المدة بالأشهر أو بالأيام، مثل: 3 أشهر أو 90 يومًا."
)
BAD_EXTENSION = (
    "مدة التمديد غير صحيحة: يُمدَّد شهرًا واحدًا على الأقل، وأطول مدة لتأشيرة الخروج والعودة سنتان (24 شهرًا) "
    "من اليوم. اكتب عدد الأشهر، مثل: شهران أو 3 أشهر."
)
TOO_LONG = "أطول مدة يمكن طلبها لتأشيرة الخروج والعودة سنتان (24 شهرًا). اختر مدة أقصر."
BAD_PERIOD = "مدة الإقامة تكون 3، 6، 9، 12 شهرًا فقط. اختر واحدة منها."


def error_of(engine, service, error=Exception, **inputs):
    with pytest.raises(error) as err:
        quote(engine, service, **inputs)
    return err.value


# update_passport ---------------------------------------------------------------------------------


def passport(engine, world, expiry):
    return quote(
        engine, "update_passport", iqama_number=world["iqama"], passport_number="B9876543", passport_expiry=expiry
    )


def test_passport_expiry_9999_is_refused_naming_the_ten_year_limit(engine, world):
    with pytest.raises(Refusal) as err:
        passport(engine, world, date(9999, 12, 31))
    assert (err.value.code, err.value.message) == ("passport_expiry_too_far", PASSPORT_TOO_FAR)
    assert err.value.details == {"max_years": 10, "latest": "2036-11-27"}


@pytest.mark.parametrize("typed", ["9999-12-31", "2101-01-01", "1899-12-31", "31/12/9999"])
def test_a_typed_date_outside_1900_to_2100_is_refused_naming_the_range(engine, world, typed):
    with pytest.raises(InvalidInput) as err:
        passport(engine, world, typed)
    iso = "-".join(reversed(typed.split("/"))) if "/" in typed else typed
    assert (err.value.code, err.value.message) == (
        "bad_date",
        f"التاريخ {iso} خارج السنوات التي يقبلها النظام (من 1900 إلى 2100). تحقق من التاريخ واكتبه من جديد، "
        "مثل 2026-11-27.",
    )
    assert err.value.details == {"earliest": 1900, "latest": 2100}


@pytest.mark.parametrize("typed,parsed", [("2100-12-31", date(2100, 12, 31)), ("1900-01-01", date(1900, 1, 1))])
def test_the_years_1900_and_2100_are_accepted(typed, parsed):
    assert calendar.parse_date(typed) == parsed


def test_passport_valid_exactly_ten_years_is_accepted_one_day_more_is_not(engine, world):
    quoted = passport(engine, world, "2036-11-27")
    execute(engine, quoted, "pp-limit")
    with UnitOfWork(engine) as uow:
        assert uow.repo.resident_by_iqama(world["est"], world["iqama"]).passport_expiry == date(2036, 11, 27)
    with pytest.raises(Refusal) as err:
        passport(engine, world, date(2036, 11, 28))
    assert err.value.code == "passport_expiry_too_far"


# issue_exit_reentry ------------------------------------------------------------------------------


def issue(engine, world, duration):
    return quote(engine, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration=duration)


@pytest.mark.parametrize("duration", ["P0M", "P0D", "0", 0, -1, "-3", "P-1M", {"days": -5}])
def test_zero_or_negative_visa_duration_says_what_is_allowed(engine, world, duration):
    with pytest.raises(InvalidInput) as err:
        issue(engine, world, duration)
    assert (err.value.code, err.value.message) == ("bad_duration", BAD_VISA_DURATION)


@pytest.mark.parametrize(
    "duration", ["P25M", "P3Y", "P732D", "P105W", "P99999Y", "P99999999D", "P999999999999D", 10**12, "99999999999"]
)
def test_too_long_or_absurd_visa_duration_is_refused_before_any_date_arithmetic(engine, world, duration):
    update_resident(engine, world, iqama_expiry=date(2030, 1, 1))
    with pytest.raises(Refusal) as err:
        issue(engine, world, duration)
    assert (err.value.code, err.value.message) == ("duration_too_long", TOO_LONG)


@pytest.mark.parametrize(
    "duration,return_before",
    [("P1D", "2026-11-28"), ("P24M", "2028-11-27"), ("P731D", "2028-11-27"), ("P2Y", "2028-11-27")],
)
def test_visa_duration_boundaries_are_allowed(engine, world, duration, return_before):
    update_resident(engine, world, iqama_expiry=date(2030, 1, 1))
    assert issue(engine, world, duration).effects["return_before"] == return_before


# extend_exit_reentry -----------------------------------------------------------------------------


@pytest.fixture
def abroad(engine, world):
    """The resident is abroad on a used multiple visa returning by 2027-01-10; iqama to 2030."""
    update_resident(engine, world, location="outside", iqama_expiry=date(2030, 1, 1))
    return add_visa(
        engine,
        world,
        entry_type="multiple",
        status="used",
        departed_on=date(2026, 11, 20),
        valid_until=date(2027, 1, 10),
    )


def extend(engine, number, months):
    return quote(engine, "extend_exit_reentry", number=number, duration=months)


@pytest.mark.parametrize("months", ["P0M", "0", 0, -2, "P0D", "soon"])
def test_zero_or_negative_extension_says_what_is_allowed(engine, abroad, months):
    with pytest.raises(InvalidInput) as err:
        extend(engine, abroad, months)
    assert (err.value.code, err.value.message) == ("bad_duration", BAD_EXTENSION)


@pytest.mark.parametrize("months", ["P25M", "P99999Y", 10**9, "P99999999D", "P23M"])
def test_too_long_or_absurd_extension_is_refused(engine, abroad, months):
    with pytest.raises(Refusal) as err:
        extend(engine, abroad, months)
    assert (err.value.code, err.value.message) == ("duration_too_long", TOO_LONG)


def test_extension_boundary_is_allowed(engine, abroad):
    # 2027-01-10 + 22 months = 2028-11-10, within today + 24 months (2028-11-27); 23 months is not (above).
    assert extend(engine, abroad, "P22M").effects["new_return_before"] == "2028-11-10"
    assert extend(engine, abroad, 1).effects["new_return_before"] == "2027-02-10"


# iqama periods -----------------------------------------------------------------------------------


@pytest.mark.parametrize("period", ["P0M", "0", -3, "P13M", "P99999Y", 10**30, "P90D", "P0D", "later"])
def test_iqama_period_outside_3_6_9_12_months_names_the_allowed_periods(engine, world, period):
    with pytest.raises(InvalidInput) as err:
        quote(engine, "renew_iqama", iqama_number=world["iqama"], duration=period)
    assert (err.value.code, err.value.message) == ("bad_period", BAD_PERIOD)


def test_iqama_period_of_a_year_is_allowed(engine, world):
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(world["est"]).balance = 100_000
        uow.commit()
    assert (
        quote(engine, "renew_iqama", iqama_number=world["iqama"], duration="P1Y").effects["new_expiry"] == "2028-12-31"
    )


# reports -----------------------------------------------------------------------------------------


def call(engine, fn, **kw):
    with UnitOfWork(engine) as uow:
        return fn(uow, OWNER, **kw)


@pytest.mark.parametrize("days", [0, -1, 3651, 10**12, "1e999", float("inf"), "شهر"])
def test_report_horizon_outside_1_to_3650_days_is_refused(engine, world, days):
    with pytest.raises(InvalidInput) as err:
        call(engine, reports.expiring_iqamas, days=days)
    assert (err.value.code, err.value.message) == (
        "bad_days",
        "عدد الأيام يجب أن يكون عددًا صحيحًا من 1 إلى 3650، مثل 30.",
    )


def test_report_horizon_boundaries_are_allowed(engine, world):
    assert [r.iqama_number for r in call(engine, reports.expiring_iqamas, days=3650)] == [world["iqama"]]
    assert call(engine, reports.expiring_iqamas, days=1) == []


@pytest.mark.parametrize("limit", [0, 101, 10**20])
def test_history_length_outside_1_to_100_is_refused(engine, world, limit):
    with pytest.raises(InvalidInput) as err:
        call(engine, reports.transaction_history, limit=limit)
    assert (err.value.code, err.value.message) == (
        "bad_limit",
        "عدد العمليات يجب أن يكون عددًا صحيحًا من 1 إلى 100، مثل 30.",
    )
    assert call(engine, reports.transaction_history, limit=100) == []


# the calendar itself: no OverflowError / ValueError escapes ----------------------------------------


@pytest.mark.parametrize(
    "compute",
    [
        lambda: calendar.add_months(date(2026, 11, 27), 99999 * 12),
        lambda: calendar.add_months(date(2026, 11, 27), -2026 * 12 - 11),
        lambda: calendar.add_days(date(2026, 11, 27), 10**8),
        lambda: calendar.add_days(date(2026, 11, 27), 10**12),
        lambda: calendar.Duration.parse("P99999Y").after(date(2026, 11, 27)),
        lambda: calendar.Duration.parse("P99999999D").after(date(2026, 11, 27)),
    ],
)
def test_date_arithmetic_out_of_the_calendar_is_invalid_input(compute):
    with pytest.raises(InvalidInput) as err:
        compute()
    assert err.value.code == "date_out_of_range"


def test_date_arithmetic_at_the_calendar_edges_still_works():
    assert calendar.add_months(date(9999, 11, 30), 1) == date(9999, 12, 30)
    assert calendar.add_days(date(9999, 12, 30), 1) == date(9999, 12, 31)
    assert calendar.add_months(date(1, 2, 1), -1) == date(1, 1, 1)
