"""The fee arithmetic on its own, without a database (SPEC section 4; the figures of rules.yml). The
services' tests check the same fees through quotes on the real database."""

from datetime import date

import pytest

from residency import fees


@pytest.mark.parametrize("months,fee", [(3, 163), (6, 325), (9, 488), (12, 650)])
def test_iqama_fee_by_period(months, fee):
    assert fees.iqama_fee(months) == fee


@pytest.mark.parametrize(
    "occupation,saudis,expats,industrial,per_month",
    [
        ("محاسب", 2, 10, False, 800),
        ("محاسب", 10, 10, False, 700),
        ("محاسب", 2, 10, True, 0),
        ("سائق خاص", 2, 10, False, 0),
    ],
)
def test_levy_per_month(occupation, saudis, expats, industrial, per_month):
    assert fees.levy_per_month(occupation, saudis, expats, industrial) == per_month


def test_iqama_lines_for_a_year_with_two_dependants_and_a_fine():
    lines = fees.iqama_lines(12, "محاسب", 2, 2, 10, fine=500, fine_label="غرامة تأخير التجديد (المخالفة رقم 1)")
    assert [(line.code, line.amount) for line in lines] == [
        ("iqama_fee", 650),
        ("levy", 9600),
        ("dependants_levy", 9600),
        ("fine", 500),
    ]
    assert lines[2].label == "المقابل المالي للمرافقين (مرافقان × 12 شهرًا × 400 ريال)"


def test_a_domestic_worker_pays_no_levy_and_the_line_says_why():
    lines = fees.iqama_lines(12, "سائق خاص", 0, 2, 10)
    assert [(line.code, line.amount) for line in lines] == [("iqama_fee", 650), ("levy", 0)]
    assert lines[1].label == "المقابل المالي للعامل: معفى (مهنة منزلية: سائق خاص)"


@pytest.mark.parametrize(
    "today,offences,result",
    [
        (date(2026, 11, 4), 0, (False, 0)),  # within the 3 days' grace after 2026-11-01
        (date(2026, 11, 5), 0, (True, 500)),
        (date(2026, 11, 5), 1, (True, 1000)),
        (date(2026, 11, 5), 2, (True, None)),  # a third late renewal is refused
    ],
)
def test_late_renewal(today, offences, result):
    assert fees.late_renewal(date(2026, 11, 1), today, offences) == result


@pytest.mark.parametrize(
    "entry_type,months,fee",
    [
        ("single", 1, 200),
        ("single", 2, 200),
        ("single", 3, 300),
        ("single", 6, 600),
        ("multiple", 3, 500),
        ("multiple", 4, 700),
        ("multiple", 6, 1100),
    ],
)
def test_exit_reentry_fee(entry_type, months, fee):
    assert fees.exit_reentry_fee(entry_type, months) == fee


@pytest.mark.parametrize("entry_type,months,fee", [("single", 1, 200), ("single", 3, 600), ("multiple", 2, 800)])
def test_extension_fee(entry_type, months, fee):
    assert fees.extension_fee(entry_type, months) == fee


@pytest.mark.parametrize("previous,fee", [(0, 2000), (1, 4000), (2, 6000), (5, 6000)])
def test_transfer_fee(previous, fee):
    assert fees.transfer_fee(previous) == fee
