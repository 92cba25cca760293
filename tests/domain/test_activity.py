"""The activity log (SPEC 10.4): every execution, approval decision, user change and activation has its line,
written in the same database transaction (nothing done without its line, no line without the deed); an
owner reads everyone's, an agent its own, by person and period; over 20 lines the answer says so and the CSV
holds them all; `muqeem activity` prints a table. Real database, SQLite and PostgreSQL."""

import csv
import io
from datetime import date

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from residency import services
from residency.activation import activate, issue_code
from residency.activity import activity, establishment_activity
from residency.administration.cli import app
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal, Unauthorized
from residency.models import ActivityEntry, Transaction
from residency.services import approvals
from residency.services.bulk import execute_bulk, quote_bulk
from residency.presentation.texts import activity_csv, needs_activity_csv, render_activity
from tests.domain import factories as f

OWNER, AHMED, SALEH, NEWCOMER = 901, 902, 903, 904
RENEWAL_12 = 650 + 12 * 800
EST = "7000000601"


@pytest.fixture
def shop(engine):
    """An owner and two named agents (أحمد الزهراني, صالح) of one establishment; residents with iqamas."""
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, number=EST, balance=300_000)
        f.user(uow, est, OWNER)
        for telegram_id, name in ((AHMED, "أحمد الزهراني"), (SALEH, "صالح")):
            f.user(uow, est, telegram_id, role="agent", services="renew_iqama").display_name = name
        residents = [f.resident(uow, est, name_ar=f"عامل {i}", iqama_expiry=date(2027, 6, 1)) for i in range(25)]
        uow.commit()
        return {"est": est.id, "iqamas": [r.iqama_number for r in residents]}


def renew(engine, iqama, who, key):
    with UnitOfWork(engine) as uow:
        quoted = services.quote(uow, who, "renew_iqama", iqama_number=iqama, duration="P12M")
    with UnitOfWork(engine) as uow:
        return services.execute(uow, who, quoted, key)


def lines(engine):
    with UnitOfWork(engine) as uow:
        return [
            (entry.kind, entry.action, entry.user_id, entry.amount, entry.iqama_number)
            for entry in uow.session.scalars(select(ActivityEntry).order_by(ActivityEntry.id))
        ]


def count(engine, model):
    with UnitOfWork(engine) as uow:
        return uow.session.scalar(select(func.count()).select_from(model))


def read(engine, who=OWNER, **filters):
    with UnitOfWork(engine) as uow:
        return activity(uow, who, **filters)


def user_id(engine, telegram_id):
    with UnitOfWork(engine) as uow:
        return uow.repo.user_by_telegram_id(telegram_id).id


# written with what it records -----------------------------------------------------------------------------


def test_an_execution_writes_its_line_once(engine, shop):
    iqama = shop["iqamas"][0]
    receipt = renew(engine, iqama, AHMED, "ahmed:1")
    assert lines(engine) == [("execution", "renew_iqama", user_id(engine, AHMED), RENEWAL_12, iqama)]
    [row] = read(engine).rows
    assert (row.who, row.who_telegram_id, row.resident_name, row.details) == (
        "أحمد الزهراني",
        AHMED,
        "عامل 0",
        {"receipt_number": receipt.receipt_number},
    )
    with UnitOfWork(engine) as uow:  # the same key again: the first receipt, no second line
        services.execute(
            uow, AHMED, services.quote(uow, OWNER, "renew_iqama", iqama_number=iqama, duration="P12M"), "ahmed:1"
        )
    assert len(lines(engine)) == 1


def test_an_execution_that_fails_leaves_no_line(engine, shop):
    with UnitOfWork(engine) as uow:
        quoted = services.quote(uow, AHMED, "renew_iqama", iqama_number=shop["iqamas"][0], duration="P12M")
        uow.repo.establishment(shop["est"]).balance = 100  # spent meanwhile: the charge is refused at execution
        uow.commit()
    with UnitOfWork(engine) as uow, pytest.raises(Refusal) as err:
        services.execute(uow, AHMED, quoted, "ahmed:broke")
    assert err.value.code == "insufficient_balance"
    assert (lines(engine), count(engine, Transaction)) == ([], 0)


def test_each_resident_of_a_bulk_request_has_its_line(engine, shop):
    with UnitOfWork(engine) as uow:
        offer = quote_bulk(uow, SALEH, "renew_iqama", iqama_numbers=shop["iqamas"][:3], duration="P12M")
    with UnitOfWork(engine) as uow:
        execute_bulk(uow, SALEH, offer.id, "saleh:bulk")
    assert lines(engine) == [
        ("execution", "renew_iqama", user_id(engine, SALEH), RENEWAL_12, iqama) for iqama in shop["iqamas"][:3]
    ]
    assert count(engine, ActivityEntry) == count(engine, Transaction) == 3


def test_an_approval_decision_and_the_execution_it_starts(engine, shop):
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(shop["est"]).approval_above = 5_000
        quoted = services.quote(uow, AHMED, "renew_iqama", iqama_number=shop["iqamas"][0], duration="P12M")
        first = approvals.submit(uow, AHMED, "a:1", quoted.service, quoted.total, quote=quoted)
    with UnitOfWork(engine) as uow:
        quoted = services.quote(uow, AHMED, "renew_iqama", iqama_number=shop["iqamas"][1], duration="P12M")
        second = approvals.submit(uow, AHMED, "a:2", quoted.service, quoted.total, quote=quoted)
    assert lines(engine) == []  # waiting is not an activity
    with UnitOfWork(engine) as uow:
        approvals.decide(uow, OWNER, first.id, True)
    with UnitOfWork(engine) as uow:
        approvals.decide(uow, OWNER, second.id, False)
    owner, ahmed = user_id(engine, OWNER), user_id(engine, AHMED)
    assert lines(engine) == [
        ("execution", "renew_iqama", ahmed, RENEWAL_12, shop["iqamas"][0]),  # done as the agent's request
        ("approval", "approved", owner, RENEWAL_12, shop["iqamas"][0]),
        ("approval", "declined", owner, RENEWAL_12, shop["iqamas"][1]),
    ]
    whats = [line.split(" — ")[2] for line in render_activity(read(engine)).splitlines()[1:]]
    assert whats == [
        f"رفض الطلب رقم {second.id}: تجديد إقامة",
        f"وافق على الطلب رقم {first.id}: تجديد إقامة",
        "تجديد إقامة (عملية رقم 1)",
    ]


def test_an_activation_and_the_code_before_it(engine, shop):
    with UnitOfWork(engine) as uow:
        code = issue_code(uow, EST, "agent", "renew_iqama,inquire_resident", name="خالد")
    activate(NEWCOMER, code)
    newcomer = user_id(engine, NEWCOMER)
    assert lines(engine) == [("user", "invited", None, 0, None), ("activation", "agent", newcomer, 0, None)]
    invited, activated = reversed(read(engine).rows)
    assert (invited.who, invited.details) == (
        None,
        {"role": "agent", "services": ["inquire_resident", "renew_iqama"], "name": "خالد"},
    )
    assert (activated.who, activated.subject) == ("خالد", "خالد")
    text = render_activity(read(engine))
    assert (
        "— \u2068مسؤول النظام\u2069 — صدر رمز تفعيل لـ\u2068خالد\u2069 (مندوب)؛ الخدمات: استعلام عن مقيم، تجديد إقامة"
        in text
    )
    assert "— \u2068خالد\u2069 — فعّل الحساب بصفة مندوب؛ الخدمات: استعلام عن مقيم، تجديد إقامة" in text


# reading --------------------------------------------------------------------------------------------------


def test_an_owner_reads_everyones_an_agent_its_own(engine, shop):
    renew(engine, shop["iqamas"][0], AHMED, "k1")
    renew(engine, shop["iqamas"][1], SALEH, "k2")
    renew(engine, shop["iqamas"][2], OWNER, "k3")
    assert [row.who_telegram_id for row in read(engine).rows] == [OWNER, SALEH, AHMED]  # newest first
    assert [row.who_telegram_id for row in read(engine, person="أحمد").rows] == [AHMED]
    assert [row.who_telegram_id for row in read(engine, person="احمد الزهراني").rows] == [AHMED]
    assert [row.who_telegram_id for row in read(engine, person=str(SALEH)).rows] == [SALEH]
    assert read(engine, person="صالح").person == "صالح"
    mine = read(engine, who=AHMED)
    assert ([row.who_telegram_id for row in mine.rows], mine.person) == ([AHMED], "أحمد الزهراني")
    assert [row.who_telegram_id for row in read(engine, who=AHMED, person="أحمد").rows] == [AHMED]
    with pytest.raises(Unauthorized) as err:
        read(engine, who=AHMED, person="صالح")
    assert err.value.code == "own_activity_only"
    assert err.value.message == "يمكنك الاطلاع على نشاطك أنت فقط؛ أما نشاط الجميع فيطّلع عليه المالك."


def test_a_person_must_be_one_user_of_the_establishment(engine, shop):
    with pytest.raises(NotFound) as err:
        read(engine, person="فهد")
    assert err.value.code == "unknown_user"
    with UnitOfWork(engine) as uow:
        f.user(uow, uow.repo.establishment(shop["est"]), 905, "agent", "renew_iqama").display_name = "أحمد سالم"
        uow.commit()
    with pytest.raises(Refusal) as err:
        read(engine, person="أحمد")
    assert err.value.code == "ambiguous_user"
    assert err.value.details == {
        "users": [{"telegram_id": AHMED, "name": "أحمد الزهراني"}, {"telegram_id": 905, "name": "أحمد سالم"}]
    }
    with UnitOfWork(engine) as uow, pytest.raises(Unauthorized) as err:
        activity(uow, 999)
    assert err.value.code == "not_activated"


def test_periods_today_this_week_and_since_a_date(engine, shop, monkeypatch):
    # 2026-11-27 is a Friday: this week began on Sunday 2026-11-22.
    for day, iqama in (("2026-11-20", 0), ("2026-11-22", 1), ("2026-11-26", 2), ("2026-11-27", 3)):
        monkeypatch.setenv("MUQEEM_TODAY", day)
        renew(engine, shop["iqamas"][iqama], AHMED, f"day:{day}")
    monkeypatch.setenv("MUQEEM_TODAY", "2026-11-27")
    assert [row.iqama_number for row in read(engine, period="today").rows] == [shop["iqamas"][3]]
    assert [row.iqama_number for row in read(engine, period="week").rows] == shop["iqamas"][3:0:-1]
    assert len(read(engine, period="2026-11-21").rows) == 3
    assert len(read(engine, period=date(2026, 11, 20)).rows) == len(read(engine).rows) == 4
    assert read(engine, period="week").since == date(2026, 11, 22)
    with pytest.raises(InvalidInput) as err:
        read(engine, period="yesteryear")
    assert err.value.code == "bad_activity_period"


def test_over_twenty_lines_the_answer_is_cut_and_the_csv_has_them_all(engine, shop):
    with UnitOfWork(engine) as uow:
        offer = quote_bulk(uow, AHMED, "renew_iqama", iqama_numbers=shop["iqamas"], duration="P12M")
    with UnitOfWork(engine) as uow:
        execute_bulk(uow, AHMED, offer.id, "ahmed:all")
    report = read(engine, period="today")
    text = render_activity(report).splitlines()
    assert text[0] == "📋 نشاط المنشأة منذ 2026-11-27 م (17 جمادى الآخرة 1448 هـ) (25 سطرًا):"
    assert len(text) == 22 and text[-1] == "… و5 أسطر أخرى في ملف CSV المرفق."
    assert needs_activity_csv(report)
    assert text[1].endswith(
        f" — \u2068أحمد الزهراني\u2069 — تجديد إقامة (عملية رقم 25) — \u2068عامل 24\u2069 (إقامة {shop['iqamas'][24]}) — 10250 ريال"
    )
    rows = list(csv.reader(io.StringIO(activity_csv(report.rows).decode("utf-8-sig"))))
    assert rows[0] == ["التاريخ", "الوقت", "المنفّذ", "معرّف تيليجرام", "العملية", "رقم الإقامة", "المقيم", "المبلغ"]
    assert len(rows) == 26
    assert rows[-1][2:] == [
        "أحمد الزهراني",
        str(AHMED),
        "تجديد إقامة (عملية رقم 1)",
        shop["iqamas"][0],
        "عامل 0",
        "10250",
    ]
    assert not needs_activity_csv(read(engine, period="2026-11-28"))
    assert render_activity(read(engine, period="2026-11-28")) == "📋 لا يوجد نشاط مسجّل لهذا الطلب."


def test_cli_activity_prints_a_table(engine, shop):
    renew(engine, shop["iqamas"][0], AHMED, "k1")
    runner = CliRunner()
    result = runner.invoke(app, ["activity", "--establishment", EST])
    assert result.exit_code == 0, result.stderr
    header, line = result.stdout.splitlines()
    assert header.split() == ["الوقت", "المنفّذ", "العملية", "رقم", "الإقامة", "المقيم", "المبلغ"]
    assert "أحمد الزهراني" in line and "تجديد إقامة (عملية رقم 1)" in line and line.endswith("10250")
    assert shop["iqamas"][0] in line and line.startswith("2026-11-27 ")
    since = runner.invoke(app, ["activity", "--establishment", EST, "--since", "2026-11-28"])
    assert since.stdout.strip() == "لا يوجد نشاط مسجّل لهذه المنشأة في هذه المدة."
    with UnitOfWork(engine) as uow:
        assert len(establishment_activity(uow, EST, date(2026, 11, 27))) == 1
    assert runner.invoke(app, ["activity", "--establishment", "7999999990"]).exit_code == 1
