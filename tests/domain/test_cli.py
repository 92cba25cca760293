"""The `muqeem` domain commands through typer's CliRunner (and one real subprocess): outputs, JSON shapes,
error exits (1 for a domain error with its Arabic message, 2 for a malformed option)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, select
from typer.testing import CliRunner

from residency.activation import CODE_ALPHABET, CODE_LENGTH, activate
from residency.administration.cli import app
from residency.db import UnitOfWork, get_engine
from residency.models import Notification, Resident, User
from tests.domain import factories as f

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "docs" / "sample_residents.csv"


def muqeem(*args: str, code: int = 0):
    result = runner.invoke(app, list(args))
    assert result.exit_code == code, (result.stdout, result.stderr, result.exception)
    return result


@pytest.fixture
def est(engine):
    with UnitOfWork(engine) as uow:
        e = f.establishment(uow, number="7000000555", name_ar="مؤسسة الاختبار")
        uow.commit()
        return e.number


def test_db_upgrade_creates_the_schema(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    monkeypatch.setenv("MUQEEM_DATABASE_URL", url)
    result = muqeem("db", "upgrade")
    assert "fresh.db" in result.stdout
    assert {"establishments", "residents", "visas", "users"} <= set(inspect(get_engine(url)).get_table_names())


def test_database_password_is_not_printed(monkeypatch):
    from residency.administration.cli import _database_shown

    monkeypatch.setenv("MUQEEM_DATABASE_URL", "postgresql+psycopg2://muqeem:s3cret@db:5432/muqeem")
    assert "s3cret" not in _database_shown() and "db:5432/muqeem" in _database_shown()


def test_establishment_add_and_show(engine):
    result = muqeem(
        "establishment",
        "add",
        "--number",
        "٧٠٠٠٠٠٠٦٦٦",
        "--name",
        "شركة البناء الحديث",
        "--plan",
        "transactions",
        "--balance",
        "5000",
        "--saudis",
        "3",
        "--expats",
        "9",
        "--subscription-until",
        "2027-06-30",
    )
    assert "7000000666" in result.stdout and "شركة البناء الحديث" in result.stdout
    data = json.loads(muqeem("establishment", "show", "7000000666", "--json").stdout)
    assert data == {
        "number": "7000000666",
        "name": "شركة البناء الحديث",
        "plan": "transactions",
        "balance": 5000,
        "subscription_until": "2027-06-30",
        "saudi_count": 3,
        "expat_count": 9,
        "industrial": False,
        "owner_operated": False,
        "approval_above": None,
        "resident_count": 0,
        "users": [],
    }
    muqeem("establishment", "add", "--number", "7000000777", "--name", "مؤسسة")
    data = json.loads(muqeem("establishment", "show", "7000000777", "--json").stdout)
    # Defaults: comprehensive, no balance, a year from MUQEEM_TODAY (2026-11-27).
    assert (data["plan"], data["balance"], data["subscription_until"]) == ("comprehensive", 0, "2027-11-27")
    text = muqeem("establishment", "show", "7000000777").stdout
    assert "مؤسسة" in text and "comprehensive" in text and "1449" in text  # Hijri year shown


@pytest.mark.parametrize(
    "args, code, message",
    [
        (["--number", "7000000555", "--name", "مكرر"], 1, "مسجّلة من قبل"),
        (["--number", "6000000555", "--name", "خطأ"], 1, "رقم منشأة موحد"),
        (["--number", "7000000888", "--name", "  "], 1, "اسم المنشأة"),
        (["--number", "7000000888", "--name", "x", "--plan", "gold"], 2, "gold"),
        (["--number", "7000000888", "--name", "x", "--balance", "-5"], 2, "balance"),
        (["--number", "7000000888", "--name", "x", "--subscription-until", "30/06/2027"], 2, "YYYY-MM-DD"),
        (["--number", "7000000888", "--name", "x", "--subscription-until", "9999-12-31"], 2, "(من 1900 إلى 2100)"),
        (["--name", "x"], 2, "--number"),
    ],
)
def test_establishment_add_errors(est, args, code, message):
    result = muqeem("establishment", "add", *args, code=code)
    assert message in result.stderr
    with UnitOfWork() as uow:
        assert uow.repo.establishment_by_number("7000000888") is None


def test_show_unknown_establishment(engine):
    result = muqeem("establishment", "show", "7000000999", "--json", code=1)
    assert "لا توجد منشأة" in result.stderr and result.stdout == ""


def test_user_add(est):
    muqeem("user", "add", "--establishment", est, "--telegram-id", "501", "--role", "owner")
    result = muqeem(
        "user",
        "add",
        "--establishment",
        est,
        "--telegram-id",
        "502",
        "--role",
        "agent",
        "--services",
        "inquire_resident,renew_iqama",
    )
    assert "502" in result.stdout
    users = json.loads(muqeem("establishment", "show", est, "--json").stdout)["users"]
    assert users == [
        {"telegram_id": 501, "role": "owner", "services": []},
        {"telegram_id": 502, "role": "agent", "services": ["inquire_resident", "renew_iqama"]},
    ]
    assert (
        "مسجّل مستخدمًا من قبل"
        in muqeem("user", "add", "--establishment", est, "--telegram-id", "501", "--role", "owner", code=1).stderr
    )
    assert (
        "--services"
        in muqeem("user", "add", "--establishment", est, "--telegram-id", "503", "--role", "agent", code=1).stderr
    )
    assert (
        "fly_plane"
        in muqeem(
            "user",
            "add",
            "--establishment",
            est,
            "--telegram-id",
            "503",
            "--role",
            "agent",
            "--services",
            "fly_plane",
            code=1,
        ).stderr
    )
    muqeem("user", "add", "--establishment", est, "--telegram-id", "503", "--role", "boss", code=2)
    muqeem("user", "add", "--establishment", est, "--telegram-id", "abc", "--role", "owner", code=2)
    muqeem("user", "add", "--establishment", "7000000999", "--telegram-id", "503", "--role", "owner", code=1)
    with UnitOfWork() as uow:
        assert uow.repo.user_by_telegram_id(503) is None


def test_code_issue_prints_only_the_code(est):
    result = muqeem("code", "issue", "--establishment", est, "--role", "agent", "--services", "inquire_visa")
    code = result.stdout.strip()
    assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
    assert "/start" in result.stderr and code not in result.stderr
    assert activate(900, code).role == "agent"
    with UnitOfWork() as uow:
        assert uow.repo.user_by_telegram_id(900).service_set == {"inquire_visa"}
    owner_code = muqeem("code", "issue", "--establishment", est).stdout.strip()
    assert owner_code != code and activate(901, owner_code).role == "owner"
    muqeem("code", "issue", "--establishment", "7000000999", code=1)
    muqeem("code", "issue", "--establishment", est, "--role", "agent", code=1)


@pytest.fixture
def people(est):
    """A resident with a licence, an expired exit/re-entry, a final exit; and a new arrival."""
    with UnitOfWork() as uow:
        e = uow.repo.establishment_by_number(est)
        r = f.resident(uow, e, iqama_number="2000000006", dependants=2)
        f.licence(uow, r, licence_type="خاصة", number="2000000006", expiry=date(2027, 1, 15))
        f.visa(
            uow, r, number="6000000001", entry_type="multiple", issued_on=date(2026, 6, 1), valid_until=date(2026, 9, 1)
        )
        f.visa(
            uow,
            r,
            number="6000000002",
            kind="final_exit",
            entry_type=None,
            issued_on=date(2026, 11, 20),
            valid_until=date(2027, 1, 19),
        )
        f.resident(
            uow,
            e,
            iqama_number=None,
            iqama_expiry=None,
            border_number="3000000123",
            arrival_date=date(2026, 10, 1),
            name_ar="قادم جديد",
            name_en="New Arrival",
        )
        uow.commit()
    return "2000000006"


def test_resident_show_json(people, est):
    data = json.loads(muqeem("resident", "show", "٢٠٠٠٠٠٠٠٠٦", "--json").stdout)
    assert {
        k: data[k]
        for k in (
            "iqama_number",
            "establishment",
            "occupation",
            "iqama_expiry",
            "passport_number",
            "passport_expiry",
            "location",
            "dependants",
        )
    } == {
        "iqama_number": "2000000006",
        "establishment": est,
        "occupation": "محاسب",
        "iqama_expiry": "2027-03-01",
        "passport_number": "AB1234567",
        "passport_expiry": "2029-01-01",
        "location": "inside",
        "dependants": 2,
    }
    assert data["licence"] == {"type": "خاصة", "number": "2000000006", "expiry": "2027-01-15"}
    assert [(v["number"], v["type"], v["status"], v["issued_on"], v["return_before"]) for v in data["visas"]] == [
        ("6000000002", "final_exit", "issued", "2026-11-20", "2027-01-19"),
        # Stored as issued, but past its date: shown as it stands today.
        ("6000000001", "exit_reentry_multiple", "expired", "2026-06-01", "2026-09-01"),
    ]
    arrival = json.loads(muqeem("resident", "show", "3000000123", "--json").stdout)
    assert (arrival["iqama_number"], arrival["border_number"], arrival["arrival_date"]) == (
        None,
        "3000000123",
        "2026-10-01",
    )
    text = muqeem("resident", "show", "2000000006").stdout
    assert "محمد عبدالله خان" in text and "6000000001" in text and "باقي" in text


def test_resident_show_errors(people):
    assert "رقم التحقق" in muqeem("resident", "show", "2000000007", "--json", code=1).stderr
    assert "لا يوجد مقيم" in muqeem("resident", "show", "2000000014", "--json", code=1).stderr
    muqeem("resident", "show", code=2)


def test_depart_and_arrive(people):
    with UnitOfWork() as uow:
        r = uow.repo.resident_by_iqama_any(people)
        f.visa(uow, r, number="6000000003", issued_on=date(2026, 11, 25), valid_until=date(2027, 1, 25))
        uow.session.delete(next(v for v in r.visas if v.number == "6000000002"))
        uow.commit()
    assert "6000000003" in muqeem("resident", "depart", people).stdout
    data = json.loads(muqeem("resident", "show", people, "--json").stdout)
    assert data["location"] == "outside" and data["visas"][0]["status"] == "used"
    assert "المملكة" in muqeem("resident", "depart", people, code=1).stderr
    muqeem("resident", "arrive", people)
    data = json.loads(muqeem("resident", "show", people, "--json").stdout)
    assert data["location"] == "inside" and data["visas"][0]["status"] == "returned"
    assert muqeem("resident", "depart", people, code=1).stderr
    muqeem("resident", "arrive", "2000000007", code=1)


def test_residents_import_command(est, tmp_path):
    mixed = tmp_path / "mixed.csv"
    lines = SAMPLE.read_text(encoding="utf-8").splitlines()
    lines[2] = lines[2].replace("سائق شاحنة", "رائد فضاء")
    mixed.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = muqeem("residents", "import", str(mixed), "--establishment", est)
    # An occupation outside the classification is imported as written, with a warning.
    assert "السطر 3: تنبيه:" in result.stdout and "رائد فضاء" in result.stdout
    assert "imported 5, rejected 0, warnings 1" in result.stdout
    # Everything already there: nothing imported, every row rejected -> exit 1.
    again = muqeem("residents", "import", str(mixed), "--establishment", est, code=1)
    assert "imported 0, rejected 5, warnings 0" in again.stdout
    bad_header = tmp_path / "bad.csv"
    bad_header.write_text("iqama,name\n", encoding="utf-8")
    assert "سطر العناوين" in muqeem("residents", "import", str(bad_header), "--establishment", est, code=1).stderr
    muqeem("residents", "import", str(tmp_path / "none.csv"), "--establishment", est, code=1)
    muqeem("residents", "import", str(mixed), code=2)


def test_demo_seed_and_if_empty(engine, monkeypatch):
    monkeypatch.setenv("MUQEEM_DEMO_TELEGRAM_ID", "4242")
    out = muqeem("demo", "seed").stdout
    assert "7001234567" in out and "7009876543" in out and "muqeem chat --as 4242" in out
    samples = [line.split()[0] for line in out.splitlines() if line.startswith("  2")]
    assert len(samples) == 3
    with UnitOfWork() as uow:
        assert all(uow.repo.resident_by_iqama_any(iqama).establishment.number == "7001234567" for iqama in samples)
        count = len(uow.session.execute(select(Resident.id)).all())
    assert count == 70
    assert "nothing seeded" in muqeem("demo", "seed", "--if-empty").stdout
    assert "موجودة من قبل" in muqeem("demo", "seed", code=1).stderr
    with UnitOfWork() as uow:
        assert len(uow.session.execute(select(Resident.id)).all()) == count
        assert uow.repo.user_by_telegram_id(4242).role == "owner"


def test_demo_seed_if_empty_on_empty_database(engine):
    assert "muqeem chat --as 1000001" in muqeem("demo", "seed", "--if-empty").stdout
    with UnitOfWork() as uow:
        assert uow.session.execute(select(User.telegram_id).order_by(User.telegram_id)).scalars().all() == [
            1000001,
            1000002,
        ]


def test_reminders_run(engine):
    pytest.importorskip("residency.reminders")
    muqeem("demo", "seed")
    assert "YYYY-MM-DD" in muqeem("reminders", "run", "--date", "tomorrow", code=2).stderr
    assert "التاريخ 1800-01-01 خارج السنوات" in muqeem("reminders", "run", "--date", "1800-01-01", code=2).stderr
    first = muqeem("reminders", "run", "--date", "2026-11-27").stdout
    with UnitOfWork() as uow:
        queued = len(uow.session.execute(select(Notification.id)).all())
    assert queued >= 1 and f"reminders queued: {queued}" in first
    # The same day again queues nothing new.
    assert "reminders queued: 0" in muqeem("reminders", "run", "--date", "2026-11-27").stdout


def test_installed_command_upgrades_and_seeds_a_fresh_file(tmp_path):
    command = Path(sys.executable).with_name("muqeem")
    env = {**os.environ, "MUQEEM_DATABASE_URL": f"sqlite:///{tmp_path / 'smoke.db'}", "MUQEEM_TODAY": "2026-11-27"}
    env.pop("MUQEEM_DEMO_TELEGRAM_ID", None)

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run([str(command), *args], env=env, capture_output=True, text=True, timeout=120)

    assert run("db", "upgrade").returncode == 0
    seeded = run("demo", "seed", "--if-empty")
    assert seeded.returncode == 0, seeded.stderr
    assert "muqeem chat --as 1000001" in seeded.stdout
    shown = run("establishment", "show", "7001234567", "--json")
    assert json.loads(shown.stdout)["resident_count"] == 60
    missing = run("resident", "show", "2000000014", "--json")
    assert missing.returncode == 1 and "لا يوجد مقيم" in missing.stderr


def test_establishment_industrial_flag_add_and_set(engine):
    result = muqeem("establishment", "add", "--number", "7000000444", "--name", "مصنع الخليج", "--industrial")
    assert "منشأة صناعية مرخّصة" in result.stdout
    assert json.loads(muqeem("establishment", "show", "7000000444", "--json").stdout)["industrial"] is True
    assert "معفاة من المقابل المالي" in muqeem("establishment", "show", "7000000444").stdout
    result = muqeem("establishment", "set", "7000000444", "--not-industrial")
    assert "ليست منشأة صناعية" in result.stdout
    assert json.loads(muqeem("establishment", "show", "7000000444", "--json").stdout)["industrial"] is False
    muqeem("establishment", "set", "٧٠٠٠٠٠٠٤٤٤", "--industrial")
    assert json.loads(muqeem("establishment", "show", "7000000444", "--json").stdout)["industrial"] is True


def test_establishment_set_errors(engine, est):
    muqeem("establishment", "set", est, code=2)  # nothing to change
    result = muqeem("establishment", "set", "7000000999", "--industrial", code=1)
    assert "لا توجد منشأة بالرقم الموحد 7000000999" in result.stderr


def test_establishment_approval_threshold_set_shown_and_turned_off(engine, est):
    result = muqeem("establishment", "set", est, "--approval-above", "5000")
    assert "طلبات الموظفين فوق 5000 ريال" in result.stdout
    assert json.loads(muqeem("establishment", "show", est, "--json").stdout)["approval_above"] == 5000
    assert "لا تحتاج طلبات الموظفين إلى موافقة" in muqeem("establishment", "set", est, "--approval-above", "off").stdout
    assert json.loads(muqeem("establishment", "show", est, "--json").stdout)["approval_above"] is None
    assert "رقم صحيح" in muqeem("establishment", "set", est, "--approval-above", "خمسة", code=2).stderr


def test_the_cli_texts_are_catalogue_ids_with_english_and_arabic_plurals(engine, est):
    from replies import language, ngettext

    with language("en"):
        shown = muqeem("establishment", "set", est, "--not-industrial").stdout
        queued = muqeem("reminders", "run", "--date", "2026-11-27").stdout
        bad = muqeem("reminders", "run", "--date", "tomorrow", code=2).stderr
    assert shown.endswith(": not an industrial establishment\n") and "Establishment " in shown
    assert queued == "0 reminders queued\n"
    assert "is not a date in the form" in bad and "YYYY-MM-DD" in bad
    forms = "{n} reminder queued", "{n} reminders queued"
    with language("en"):
        assert ngettext(*forms, 1).format(n=1) == "1 reminder queued"
    with language("ar"):
        assert ngettext(*forms, 11).format(n=11) == "أُضيفت 11 رسالة تذكير (reminders queued: 11)"
        assert ngettext(*forms, 2).format(n=2) == "أُضيفت رسالتا تذكير (reminders queued: 2)"
        assert ngettext(*forms, 5).format(n=5) == "أُضيفت 5 رسائل تذكير (reminders queued: 5)"
