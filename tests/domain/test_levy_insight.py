"""Levy insight and the owner-operated exemption (SPEC 10.4): the forecast and the account status say when
Saudis are fewer than expatriates by at most 3 and what hiring them saves a year (800 -> 700 a month for
every expatriate); an owner-operated establishment pays no levy for its first 2 expatriates (4 with a
second Saudi: saudi_count >= 2), quoted with its reason. Real database, SQLite and PostgreSQL."""

import json
from datetime import date

import pytest
from typer.testing import CliRunner

from residency import fees, forecast, reports, services
from residency.administration.cli import app
from residency.db import UnitOfWork
from residency.fees import LevyInsight
from residency.presentation.texts import render_account
from tests.domain import factories as f

OWNER = 1401
EST = "7000000901"
OWNER_OPERATED_2 = "المقابل المالي للعامل: معفاة (منشأة يديرها مالكها: لا مقابل مالي عن أول وافدَين)"
OWNER_OPERATED_4 = "المقابل المالي للعامل: معفاة (منشأة يديرها مالكها: لا مقابل مالي عن أول 4 وافدين)"
runner = CliRunner()


@pytest.mark.parametrize(
    "saudis, expats, industrial, owner_operated, insight",
    [
        (8, 10, False, False, LevyInsight(2, 800, 700, 12 * 100 * 10)),
        (7, 10, False, False, LevyInsight(3, 800, 700, 12 * 100 * 10)),
        (9, 10, False, False, LevyInsight(1, 800, 700, 12 * 100 * 10)),
        (6, 10, False, False, None),  # 4 short: more than 3
        (10, 10, False, False, None),  # the lower rate already
        (12, 10, False, False, None),
        (8, 10, True, False, None),  # industrial: no levy
        # owner-operated, 1 Saudi and 3 expatriates: 2 exempt, 1 pays 800; with 3 Saudis all 3 are exempt
        (1, 3, False, True, LevyInsight(2, 800, 700, 12 * 800)),
        # owner-operated, 2 Saudis and 5 expatriates: 4 exempt; 3 more Saudis make 10 workers, no exemption
        (2, 5, False, True, None),
    ],
)
def test_levy_insight(saudis, expats, industrial, owner_operated, insight):
    assert fees.levy_insight(saudis, expats, industrial, owner_operated) == insight


@pytest.mark.parametrize("saudis, expats, exempt", [(1, 5, 2), (0, 9, 2), (2, 5, 4), (2, 7, 4), (3, 7, 0), (1, 9, 0)])
def test_owner_operated_exemption(saudis, expats, exempt):
    assert fees.owner_operated_exemption(saudis, expats) == exempt


@pytest.fixture
def small(engine):
    """An owner-operated establishment: 1 Saudi, 3 expatriates hired in 2019, 2020 and 2021, and a
    domestic worker hired first (no levy anyway, not counted among the exempt)."""
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, number=EST, saudi_count=1, expat_count=3, owner_operated=True, balance=50_000)
        f.user(uow, est, OWNER)
        f.resident(uow, est, occupation="سائق خاص", hire_date=date(2018, 1, 1), iqama_expiry=date(2026, 12, 20))
        hired = [
            f.resident(uow, est, hire_date=date(year, 1, 1), iqama_expiry=date(2026, 12, 10 + i))
            for i, year in enumerate((2019, 2020, 2021))
        ]
        uow.commit()
        return {"est": est.id, "iqamas": [r.iqama_number for r in hired]}


def renewal(iqama):
    with UnitOfWork() as uow:
        return services.quote(uow, OWNER, "renew_iqama", iqama_number=iqama, duration="P12M")


def levy_line(quoted):
    return next((line.label, line.amount) for line in quoted.lines if line.code == "levy")


def test_the_first_expatriates_of_an_owner_operated_establishment_pay_no_levy(engine, small):
    first, second, third = (renewal(iqama) for iqama in small["iqamas"])
    assert levy_line(first) == levy_line(second) == (OWNER_OPERATED_2, 0)
    assert levy_line(third)[1] == 12 * 800
    assert (first.total, third.total) == (650, 650 + 12 * 800)
    with UnitOfWork() as uow:
        receipt = services.execute(uow, OWNER, first, "oo:1")
    assert (receipt.total, receipt.balance_after) == (650, 50_000 - 650)
    with UnitOfWork() as uow:
        uow.repo.establishment(small["est"]).saudi_count = 2  # a second Saudi: 4 exempt
        uow.commit()
    third = renewal(small["iqamas"][2])
    assert (levy_line(third), third.total) == ((OWNER_OPERATED_4, 0), 650)
    with UnitOfWork() as uow:
        uow.repo.establishment(small["est"]).expat_count = 8  # 10 workers: the exemption no longer applies
        uow.commit()
    assert levy_line(renewal(small["iqamas"][0]))[1] == 12 * 800


def test_the_forecast_counts_the_exemption_and_states_the_insight(engine, small):
    with UnitOfWork() as uow:
        result = forecast.forecast_costs(uow, OWNER, months=2)
    november, december = result.months
    assert november.iqamas == 0
    assert (december.iqamas, december.levy, december.iqama_fees) == (4, 12 * 800, 4 * 650)
    assert december.total == sum(renewal(iqama).total for iqama in small["iqamas"]) + 650
    assert result.levy_insight == LevyInsight(2, 800, 700, 12 * 800)


def test_the_account_status_states_the_insight(engine, small):
    with UnitOfWork() as uow:
        status = reports.account_status(uow, OWNER)
    assert status.levy_insight == LevyInsight(2, 800, 700, 12 * 800)
    assert render_account(status).splitlines()[-1] == (
        "💡 عدد السعوديين أقل من عدد الوافدين باثنين: توظيف سعوديَّين يخفض المقابل المالي من 800 ريال إلى 700 ريال "
        "شهريًا عن كل وافد، ويوفر 9600 ريال في السنة."
    )
    with UnitOfWork() as uow:
        uow.repo.establishment(small["est"]).saudi_count = 3
        uow.commit()
    with UnitOfWork() as uow:
        status = reports.account_status(uow, OWNER)
    assert status.levy_insight is None and "💡" not in render_account(status)


def test_cli_sets_the_flag_within_the_workers_limit(engine):
    with UnitOfWork() as uow:
        f.establishment(uow, number=EST, name_ar="ورشة الأمانة", saudi_count=1, expat_count=8)
        f.establishment(uow, number="7000000902", saudi_count=2, expat_count=8)
        uow.commit()
    result = runner.invoke(app, ["establishment", "set", EST, "--owner-operated"])
    assert result.exit_code == 0, result.stderr
    assert result.stdout.strip() == f"المنشأة {EST} «ورشة الأمانة»: يديرها مالكها (لا مقابل مالي عن أول وافدَين)"
    assert json.loads(runner.invoke(app, ["establishment", "show", EST, "--json"]).stdout)["owner_operated"] is True
    result = runner.invoke(app, ["establishment", "set", EST, "--not-owner-operated"])
    assert result.stdout.strip() == f"المنشأة {EST} «ورشة الأمانة»: ليست منشأة يديرها مالكها"
    assert json.loads(runner.invoke(app, ["establishment", "show", EST, "--json"]).stdout)["owner_operated"] is False
    refused = runner.invoke(app, ["establishment", "set", "7000000902", "--owner-operated"])
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "عدد عمال المنشأة 7000000902 10 (السعوديون: 2، الوافدون: 8)، ولا يزيد عدد عمال المنشأة التي يديرها مالكها "
        "على 9."
    )
