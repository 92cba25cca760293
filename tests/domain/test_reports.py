"""Reports and account (expiring iqamas, residents abroad, history, account status) and the Arabic
renderers of every inquiry and report, on the real database (today is 2026-11-27)."""

from datetime import date, datetime, timedelta, timezone

import pytest

from residency import inquiries, reports, services

from residency.presentation import texts
from residency.db import UnitOfWork
from residency.errors import InvalidInput, Refusal, Unauthorized
from residency.models import Transaction
from tests.domain import factories as f

OWNER, AGENT, STRANGER, OTHER_OWNER = 701, 702, 703, 704
TODAY = date(2026, 11, 27)


@pytest.fixture
def world(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, name_ar="مؤسسة النخيل", balance=50_000, saudi_count=3, expat_count=9)
        f.user(uow, est, OWNER)
        f.user(uow, est, AGENT, role="agent", services="renew_iqama")
        expiring = {
            name: f.resident(uow, est, name_ar=name, iqama_expiry=TODAY + timedelta(days=days)).iqama_number
            for name, days in [("في الموعد", 30), ("قريب", 3), ("منتهية", -10), ("بعيد", 31), ("اليوم", 0)]
        }
        f.resident(uow, est, name_ar="قادم جديد", iqama_number=None, border_number="3000000001", iqama_expiry=None)
        abroad = {}
        for name, until, kind in [
            ("عائد قريبا", TODAY + timedelta(days=20), "exit_reentry"),
            ("متأخر", TODAY - timedelta(days=5), "exit_reentry"),
            ("عائد بعد", TODAY + timedelta(days=60), "exit_reentry"),
            ("غادر نهائيا", TODAY - timedelta(days=1), "final_exit"),
        ]:
            res = f.resident(uow, est, name_ar=name, location="outside")
            f.visa(
                uow,
                res,
                kind=kind,
                entry_type=None if kind == "final_exit" else "single",
                issued_on=date(2026, 9, 1),
                valid_until=until,
                status="used",
            )
            abroad[name] = res.iqama_number
        other = f.establishment(uow)
        f.user(uow, other, OTHER_OWNER)
        f.resident(uow, other, name_ar="غريب", iqama_expiry=TODAY + timedelta(days=1), location="outside")
        uow.commit()
        return {"est": est.id, "other": other.id, "expiring": expiring, "abroad": abroad}


def call(engine, fn, *args, who=OWNER, **kw):
    with UnitOfWork(engine) as uow:
        return fn(uow, who, *args, **kw)


def test_expiring_iqamas_within_30_days_or_expired_sorted_by_date(engine, world):
    rows = call(engine, reports.expiring_iqamas)
    assert [r.name_ar for r in rows] == ["منتهية", "اليوم", "قريب", "في الموعد"]
    assert [r.days_left for r in rows] == [-10, 0, 3, 30]
    assert rows[0].iqama_number == world["expiring"]["منتهية"]


def test_expiring_iqamas_custom_horizon_and_bad_input(engine, world):
    assert [r.name_ar for r in call(engine, reports.expiring_iqamas, days=2)] == ["منتهية", "اليوم"]
    assert "بعيد" in [r.name_ar for r in call(engine, reports.expiring_iqamas, days="31")]
    with pytest.raises(InvalidInput) as err:
        call(engine, reports.expiring_iqamas, days="شهر")
    assert err.value.code == "bad_days"


def test_residents_abroad_overdue_first_then_by_date_without_final_exits(engine, world):
    rows = call(engine, reports.residents_abroad)
    assert [r.name_ar for r in rows] == ["متأخر", "عائد قريبا", "عائد بعد"]
    assert [r.overdue for r in rows] == [True, False, False]
    assert [r.days_left for r in rows] == [-5, 20, 60]
    assert all(r.visa_number and r.visa_number.startswith("6") for r in rows)


def test_history_newest_first_with_limit_and_only_own_establishment(engine, world):
    iqama = world["expiring"]["قريب"]
    with UnitOfWork(engine) as uow:
        q = services.quote(uow, OWNER, "renew_iqama", iqama_number=iqama, duration="P3M")
    with UnitOfWork(engine) as uow:
        receipt = services.execute(uow, OWNER, q, idempotency_key="history-1")
    base = datetime(2026, 11, 1, 9, tzinfo=timezone.utc)
    with UnitOfWork(engine) as uow:
        for i, est in enumerate((world["est"], world["est"], world["other"])):
            uow.repo.add(
                Transaction(
                    idempotency_key=f"old-{i}",
                    establishment_id=est,
                    service="change_occupation",
                    inputs={"iqama_number": iqama},
                    total=1000,
                    result={"occupation": "محاسب"},
                    created_at=base + timedelta(days=i),
                )
            )
        uow.commit()
    rows = call(engine, reports.transaction_history)
    assert [r.transaction_id for r in rows][0] == receipt.transaction_id
    assert len(rows) == 3  # the other establishment's transaction is not listed
    assert [r.created_at.replace(tzinfo=None) for r in rows] == sorted(
        (r.created_at.replace(tzinfo=None) for r in rows), reverse=True
    )
    newest = rows[0]
    assert (newest.service, newest.iqama_number, newest.total) == ("renew_iqama", iqama, q.total)
    assert "2027-02-28" in newest.summary  # 2026-11-30 + 3 months
    assert len(call(engine, reports.transaction_history, limit=1)) == 1


def test_account_status(engine, world):
    status = call(engine, reports.account_status)
    assert (status.name_ar, status.plan, status.balance) == ("مؤسسة النخيل", "comprehensive", 50_000)
    assert status.subscription_until == date(2027, 6, 30) and status.subscription_days_left == 215
    assert status.resident_count == 10  # 5 expiring + 1 new arrival + 4 abroad; not the other establishment's
    assert (status.saudi_count, status.expat_count) == (3, 9)


def test_account_status_still_answers_when_the_subscription_lapsed(engine, world):
    with UnitOfWork(engine) as uow:
        uow.repo.establishment_by_number(call(engine, reports.account_status).number).subscription_until = date(
            2026, 11, 1
        )
        uow.commit()
    assert call(engine, reports.account_status).subscription_days_left == -26
    with pytest.raises(Refusal) as err:
        call(engine, reports.expiring_iqamas)
    assert err.value.code == "subscription_expired"


@pytest.mark.parametrize(
    "fn", [reports.expiring_iqamas, reports.residents_abroad, reports.transaction_history, reports.account_status]
)
def test_reports_refuse_strangers_and_agents_without_the_grant(engine, world, fn):
    with pytest.raises(Unauthorized) as stranger:
        call(engine, fn, who=STRANGER)
    assert stranger.value.code == "not_activated"
    with pytest.raises(Unauthorized) as agent:
        call(engine, fn, who=AGENT)
    assert agent.value.code == "not_permitted"


# --- renderers


def _assert_rtl_friendly(text: str) -> None:
    lines = [line for line in text.split("\n") if line.strip()]
    assert lines
    for line in lines:
        first = line.strip()[0]
        assert not (first.isascii() and first.isalpha()), line
        assert not first.isdigit(), line


def test_every_renderer_gives_rtl_friendly_lines(engine, world):
    iqama = world["expiring"]["قريب"]
    with UnitOfWork(engine) as uow:
        res = uow.repo.resident_by_iqama_any(iqama)
        res.name_en = "AHMED KHAN"
        f.licence(uow, res)
        visa = f.visa(uow, res)
        uow.commit()
        visa_number = visa.number
    with UnitOfWork(engine) as uow:
        q = services.quote(uow, OWNER, "renew_iqama", iqama_number=iqama, duration="P3M")
    with UnitOfWork(engine) as uow:
        services.execute(uow, OWNER, q, idempotency_key="render-1")

    rendered = [
        texts.render_resident_card(call(engine, inquiries.resident_card, iqama)),
        texts.render_matches(call(engine, inquiries.search_residents, "محمد"), "محمد"),
        texts.render_matches([], "زيد"),
        texts.render_licence(call(engine, inquiries.driving_licence, iqama)),
        texts.render_licence(None, iqama),
        texts.render_visa(call(engine, inquiries.visa_by_number, visa_number)),
        texts.render_visas(call(engine, inquiries.visas_of_resident, iqama)),
        texts.render_visas([], iqama),
        texts.render_expiring(call(engine, reports.expiring_iqamas)),
        texts.render_expiring([]),
        texts.render_abroad(call(engine, reports.residents_abroad)),
        texts.render_abroad([]),
        texts.render_history(call(engine, reports.transaction_history)),
        texts.render_history([]),
        texts.render_account(call(engine, reports.account_status)),
    ]
    for text in rendered:
        _assert_rtl_friendly(text)
    card = rendered[0]
    assert "هـ" in card and "AHMED KHAN" in card  # Hijri date and the Latin name, not at a line start
    assert "ريال" in rendered[12] and "تجديد إقامة" in rendered[12]
    assert f"{call(engine, reports.account_status).balance} ريال" in rendered[14]


def test_long_lists_are_cut_and_counted():
    rows = [
        reports.ExpiringRow(f"2{i:09d}", f"مقيم {i}", date(2026, 12, 1), 4) for i in range(texts.MAX_LIST_LINES + 7)
    ]
    text = texts.render_expiring(rows)
    assert text.count("•") == texts.MAX_LIST_LINES
    assert "و7 غيرهم" in text
    _assert_rtl_friendly(text)


def test_every_service_has_an_arabic_label():
    assert set(services.ALL_SERVICES) <= set(texts.SERVICE_LABELS)
