"""Cost forecast (forecast_costs, SPEC 9.3) on the real database (today is 2026-11-27): its monthly and grand
totals are the sums of the renewal quotes (P12M) of the residents it stands for."""

import csv
import io
from datetime import date

import pytest

from residency import forecast, services
from residency.db import UnitOfWork
from residency.errors import InvalidInput, Unauthorized
from tests.domain import factories as f

OWNER, AGENT, GRANTED, OTHER_OWNER, INDUSTRIAL_OWNER = 801, 802, 803, 804, 805


@pytest.fixture
def world(engine):
    """saudi 2 < expat 10: levy 800 a month. Residents by iqama expiry:
    expired 2026-10-01 (1st late renewal: +500), 2026-11-29, 2026-12-10, 2026-12-20 (outside on an
    exit/re-entry), 2027-01-05 (domestic), 2027-01-31 (2 dependants); left out: 2026-12-15 on final exit,
    expired 2026-09-01 with 2 late renewals already (refused), 2027-02-01 (after the window), a new arrival,
    another establishment's resident."""
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, balance=100_000, saudi_count=2, expat_count=10)
        f.user(uow, est, OWNER)
        f.user(uow, est, AGENT, role="agent", services="renew_iqama,report_expiring_iqamas")
        f.user(uow, est, GRANTED, role="agent", services="forecast_costs")
        r = {}
        r["expired"] = f.resident(uow, est, iqama_expiry=date(2026, 10, 1))
        r["nov"] = f.resident(uow, est, iqama_expiry=date(2026, 11, 29))
        r["dec"] = f.resident(uow, est, iqama_expiry=date(2026, 12, 10))
        r["abroad"] = f.resident(uow, est, iqama_expiry=date(2026, 12, 20), location="outside")
        f.visa(uow, r["abroad"], issued_on=date(2026, 11, 1), valid_until=date(2027, 1, 1), status="used")
        r["domestic"] = f.resident(uow, est, occupation="سائق خاص", iqama_expiry=date(2027, 1, 5))
        r["family"] = f.resident(uow, est, dependants=2, iqama_expiry=date(2027, 1, 31))
        r["final_exit"] = f.resident(uow, est, iqama_expiry=date(2026, 12, 15))
        f.visa(
            uow,
            r["final_exit"],
            kind="final_exit",
            entry_type=None,
            issued_on=date(2026, 11, 20),
            valid_until=date(2027, 1, 19),
            status="issued",
        )
        r["third_late"] = f.resident(uow, est, iqama_expiry=date(2026, 9, 1), late_renewal_offences=2)
        r["feb"] = f.resident(uow, est, iqama_expiry=date(2027, 2, 1))
        f.resident(uow, est, iqama_number=None, border_number="3000000002", iqama_expiry=None)
        other = f.establishment(uow)
        f.user(uow, other, OTHER_OWNER)
        f.resident(uow, other, iqama_expiry=date(2026, 12, 1))
        uow.commit()
        return {name: res.iqama_number for name, res in r.items()}


def _forecast(engine, who=OWNER, **kw):
    with UnitOfWork(engine) as uow:
        return forecast.forecast_costs(uow, who, **kw)


def _quote_total(engine, iqama, who=OWNER) -> int:
    with UnitOfWork(engine) as uow:
        return services.quote(uow, who, "renew_iqama", iqama_number=iqama, duration="P12M").total


def test_totals_are_the_sums_of_the_renewal_quotes(engine, world):
    fc = _forecast(engine)
    assert [(m.start, m.end) for m in fc.months] == [
        (date(2026, 11, 1), date(2026, 11, 30)),
        (date(2026, 12, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 1, 31)),
    ]
    assert [set(m.iqama_numbers) for m in fc.months] == [
        {world["expired"], world["nov"]},
        {world["dec"], world["abroad"]},
        {world["domestic"], world["family"]},
    ]
    for month in fc.months:
        assert month.iqamas == len(month.iqama_numbers)
        assert month.total == sum(_quote_total(engine, n) for n in month.iqama_numbers)
    # Exact figures: 650 iqama fee, 12 x 800 levy, 2 x 12 x 400 dependants, 500 first late renewal.
    assert [(m.iqama_fees, m.levy, m.dependants_levy, m.fines, m.total) for m in fc.months] == [
        (1300, 19200, 0, 500, 21000),
        (1300, 19200, 0, 0, 20500),
        (1300, 9600, 9600, 0, 20500),  # the domestic worker pays no levy
    ]
    assert fc.total == 62000 == sum(_quote_total(engine, n) for m in fc.months for n in m.iqama_numbers)
    assert fc.iqamas == 6
    assert fc.levy_per_worker_per_year == 9600
    assert {(e.iqama_number, e.reason) for e in fc.excluded} == {
        (world["final_exit"], "final_exit_active"),
        (world["third_late"], "late_renewal_limit"),
    }
    assert fc.months[1].gregorian_label == "ديسمبر 2026"
    assert fc.months[1].hijri_label == "جمادى الآخرة – رجب 1448 هـ"
    assert fc.months[1].label == "ديسمبر 2026 (جمادى الآخرة – رجب 1448 هـ)"


def test_the_excluded_are_the_ones_the_quote_refuses(engine, world):
    for name, code in [("final_exit", "final_exit_active"), ("third_late", "late_renewal_limit")]:
        with pytest.raises(Exception) as refused:
            _quote_total(engine, world[name])
        assert refused.value.code == code


def test_months_default_bounds_and_refusals(engine, world):
    assert len(_forecast(engine).months) == 3
    one = _forecast(engine, months=1)
    assert len(one.months) == 1 and one.total == 21000
    four = _forecast(engine, months="P4M")
    assert len(four.months) == 4 and four.months[3].iqama_numbers == (world["feb"],)
    assert four.total == 62000 + 10250
    last = _forecast(engine, months=24).months[-1]
    assert (last.start, last.end) == (date(2028, 10, 1), date(2028, 10, 31))
    for bad in (0, 25, -1, "P90D", "abc", "", 1.5, True):
        with pytest.raises(InvalidInput) as refused:
            _forecast(engine, months=bad)
        assert refused.value.code == "bad_forecast_months"
        assert "24" in refused.value.message and "الأشهر" in refused.value.message


def test_an_agent_needs_the_grant(engine, world):
    with pytest.raises(Unauthorized) as refused:
        _forecast(engine, who=AGENT)
    assert refused.value.code == "not_permitted"
    assert _forecast(engine, who=GRANTED).total == 62000


def test_another_establishment_sees_only_its_own(engine, world):
    fc = _forecast(engine, who=OTHER_OWNER)
    assert fc.iqamas == 1 and fc.months[1].total == 10250


def test_industrial_establishment_pays_no_levy(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, industrial=True, saudi_count=2, expat_count=10)
        f.user(uow, est, INDUSTRIAL_OWNER)
        numbers = [
            f.resident(uow, est, iqama_expiry=date(2026, 12, 10)).iqama_number,
            f.resident(uow, est, dependants=1, iqama_expiry=date(2027, 1, 10)).iqama_number,
        ]
        uow.commit()
    fc = _forecast(engine, who=INDUSTRIAL_OWNER)
    assert [m.levy for m in fc.months] == [0, 0, 0]
    assert fc.levy_per_worker_per_year == 0
    assert [m.total for m in fc.months] == [0, 650, 650 + 4800]
    assert fc.total == sum(_quote_total(engine, n, who=INDUSTRIAL_OWNER) for n in numbers)


def test_chart_and_csv(engine, world):
    fc = _forecast(engine)
    png = forecast.forecast_chart(fc)
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 5000
    data = forecast.forecast_csv(fc)
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == list(forecast.csv_header())
    assert len(rows) == 1 + len(fc.months)
    assert rows[1][:5] == ["نوفمبر 2026", "جمادى الأولى – جمادى الآخرة 1448 هـ", "2026-11-01", "2026-11-30", "2"]
    assert [int(r[-1]) for r in rows[1:]] == [21000, 20500, 20500]


def test_chart_month_labels_are_shaped(engine, world):
    from residency.presentation import charts

    fig = charts.cost_forecast_figure(
        [
            (f"{m.gregorian_label}\n{m.hijri_label}", m.iqama_fees, m.levy, m.dependants_levy, m.fines)
            for m in _forecast(engine).months
        ],
        "تكلفة",
    )
    fig.canvas.draw()
    labels = [t.get_text() for t in fig.axes[0].get_xticklabels()]
    assert labels[0] == charts.shape_for_display("نوفمبر 2026\nجمادى الأولى – جمادى الآخرة 1448 هـ")
    # Shaped: joined presentation forms (U+FE70..U+FEFF), not the logical letters.
    assert all(any("\ufe70" <= ch <= "\ufeff" for ch in label) for label in labels)


def test_labels_csv_and_errors_in_english(engine, world):
    from replies import language

    with language("en"):
        fc = _forecast(engine)
        data = forecast.forecast_csv(fc)
        with UnitOfWork(engine) as uow, pytest.raises(InvalidInput) as caught:
            forecast.forecast_costs(uow, OWNER, "P0M")
    assert fc.months[1].label == "December 2026 (Jumada al-Akhirah – Rajab 1448 AH)"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0][:5] == ["Month", "Hijri month", "From", "To", "Iqamas"]
    assert rows[1][:2] == ["November 2026", "Jumada al-Ula – Jumada al-Akhirah 1448 AH"]
    assert caught.value.message.startswith("The forecast is for a number of months, from 1 to ")
