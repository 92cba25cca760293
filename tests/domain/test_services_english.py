"""The services' replies in English (`language("en")`): fee labels with their counts, refusals made from
whole templates, notifications in the recipient's language; Arabic stays the default, word for word."""

from datetime import date

import pytest

from replies import language
from residency import border, calendar, fees
from residency.db import UnitOfWork
from residency.errors import InvalidInput, Refusal
from residency.passport_mrz import parse_td3
from residency.services.base import insufficient_balance_message, parse_period_months
from tests.domain.visa_helpers import add_visa, execute, quote, refusal

# ICAO 9303's specimen zone with its document number changed: the number's and the composite check fail.
SPECIMEN = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<\nL898902C36UTO7408122F1204159ZE184226B<<<<<10"
FORGED = SPECIMEN.replace("L898902C3", "L898902C4")


def labels(months, dependants):
    return [line.label for line in fees.iqama_lines(months, "محاسب", dependants, 2, 10)]


def test_iqama_fee_lines_in_english_count_months_and_dependants():
    with language("en"):
        assert labels(12, 2) == [
            "Iqama fee (12 months)",
            "Worker's expat levy (12 months × 800 SAR)",
            "Dependants' levy (2 dependants × 12 months × 400 SAR)",
        ]
        assert labels(3, 1)[2] == "Dependants' levy (1 dependant × 3 months × 400 SAR)"


def test_iqama_fee_lines_in_arabic_take_each_plural_form():
    assert labels(3, 1) == [
        "رسوم الإقامة (3 أشهر)",
        "المقابل المالي للعامل (3 أشهر × 800 ريال)",
        "المقابل المالي للمرافقين (مرافق واحد × 3 أشهر × 400 ريال)",
    ]
    assert labels(12, 11)[2] == "المقابل المالي للمرافقين (11 مرافقًا × 12 شهرًا × 400 ريال)"
    assert labels(6, 5)[2] == "المقابل المالي للمرافقين (5 مرافقين × 6 أشهر × 400 ريال)"


def test_input_errors_and_the_balance_message_in_english():
    with language("en"):
        with pytest.raises(InvalidInput) as error:
            parse_period_months("P5M", [3, 6, 9, 12])
        assert error.value.message == "An iqama period is 3, 6, 9, 12 months only. Choose one of them."
        assert insufficient_balance_message(100, 650) == (
            "The establishment's balance of 100 SAR does not cover the fees of 650 SAR; 550 SAR are "
            "missing. Top up the balance (SADAD), then repeat the request."
        )
    with pytest.raises(InvalidInput) as error:
        parse_period_months("P5M", [3, 6, 9, 12])
    assert error.value.message == "مدة الإقامة تكون 3، 6، 9، 12 شهرًا فقط. اختر واحدة منها."


def test_a_forged_passport_zone_names_the_failing_fields_in_english():
    with language("en"), pytest.raises(InvalidInput) as error:
        parse_td3(FORGED)
    assert error.value.code == "mrz_check_digits"
    assert error.value.message.startswith(
        "I read the machine-readable zone but its check digits do not match (passport number, overall check "
        "digit), so nothing was changed."
    )


def test_a_cancelled_visa_is_refused_in_english_and_in_arabic(engine, world):
    number = add_visa(engine, world, status="cancelled", cancelled_on=date(2026, 11, 20))
    with language("en"):
        err = refusal(engine, "cancel_exit_reentry", number=number)
        on = calendar.format_date(date(2026, 11, 20))
    assert err.code == "visa_already_cancelled"
    assert err.message == (
        f"The exit/re-entry visa {number} was cancelled on {on}, so it cannot be cancelled. "
        "Issue a new exit/re-entry visa when needed."
    )
    err = refusal(engine, "cancel_exit_reentry", number=number)
    assert err.message == (
        f"تأشيرة خروج وعودة رقم {number} ملغاة منذ {calendar.format_date(date(2026, 11, 20))}، فلا يمكن إلغاؤها. "
        "أصدر تأشيرة خروج وعودة جديدة عند الحاجة."
    )


def test_a_border_refusal_in_english(engine, world):
    with language("en"), UnitOfWork(engine) as uow, pytest.raises(Refusal) as err:
        border.record_departure(uow, world["iqama"])
    assert err.value.message == (
        "The resident has no valid exit/re-entry or final exit visa, so the departure cannot be recorded. "
        "Issue the visa first."
    )


def test_a_quote_made_in_arabic_is_confirmed_in_english(engine, world):
    """The fee labels follow the reply language; the terms compared at execution do not."""
    q = quote(engine, "renew_iqama", iqama_number=world["iqama"], duration="P3M")
    assert q.lines[0].label == "رسوم الإقامة (3 أشهر)"
    with language("en"):
        receipt = execute(engine, q, "renew-ar-then-en")
    assert receipt.total == q.total and not receipt.replayed
