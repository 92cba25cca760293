"""The `muqeem` command line: database, demo, establishments, residents, users, codes, border events,
reminders (SPEC section 7).

The front-end commands (`servers`, `chat`, `bot`) are added by bot/cli.py, the installed entry point,
so that this package never imports Rasa or Telegram.

A domain error (residency.errors.ResidencyError) prints its Arabic message on stderr and exits 1; a
malformed option exits 2 (typer's usage error). `--json` prints JSON (UTF-8, ISO dates; shapes in
residency.establishments). `code issue` prints the code alone on stdout (the explanation goes to
stderr), so that scripts can capture it.
"""

from __future__ import annotations

import json
from contextlib import contextmanager
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Iterator, Optional

import typer
from sqlalchemy.engine import make_url

from residency import calendar
from residency.db import UnitOfWork, database_url
from residency.errors import ResidencyError

app = typer.Typer(help="مقيم: أوامر إدارة المنشأة والمقيمين", no_args_is_help=True)
db_app = typer.Typer(help="قاعدة البيانات. Database schema.", no_args_is_help=True)
demo_app = typer.Typer(help="بيانات العرض. Demo data.", no_args_is_help=True)
establishment_app = typer.Typer(help="المنشآت. Establishments.", no_args_is_help=True)
residents_app = typer.Typer(help="استيراد المقيمين. Bulk residents.", no_args_is_help=True)
resident_app = typer.Typer(help="مقيم واحد: عرض ومغادرة وعودة. One resident.", no_args_is_help=True)
user_app = typer.Typer(help="مستخدمو تيليجرام. Telegram users.", no_args_is_help=True)
code_app = typer.Typer(help="رموز التفعيل. Activation codes.", no_args_is_help=True)
reminders_app = typer.Typer(help="التذكيرات اليومية. Daily reminders.", no_args_is_help=True)
document_app = typer.Typer(help="الوثائق: التحقق من صحتها. Documents: verification.", no_args_is_help=True)
for sub_app, name in (
    (db_app, "db"),
    (demo_app, "demo"),
    (establishment_app, "establishment"),
    (residents_app, "residents"),
    (resident_app, "resident"),
    (user_app, "user"),
    (code_app, "code"),
    (reminders_app, "reminders"),
    (document_app, "document"),
):
    app.add_typer(sub_app, name=name)


class Plan(str, Enum):
    comprehensive = "comprehensive"
    transactions = "transactions"


class Role(str, Enum):
    owner = "owner"
    agent = "agent"


@contextmanager
def domain_errors() -> Iterator[None]:
    """Print a domain error's Arabic message on stderr and exit 1."""
    try:
        yield
    except ResidencyError as error:
        typer.echo(error.message, err=True)
        raise typer.Exit(1)


def _iso_date(value: Optional[str]) -> Optional[date]:
    """Option callback: an ISO date, or a usage error (exit 2)."""
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"«{value}» ليس تاريخًا بصيغة YYYY-MM-DD (مثل 2027-06-30).") from None


def _print_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _database_shown() -> str:
    """The database URL without its password."""
    return make_url(database_url()).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """طبّق ترحيلات المخطط على MUQEEM_DATABASE_URL (الافتراضي ملف SQLite).
    Apply the migrations to MUQEEM_DATABASE_URL (default: a SQLite file)."""
    from residency.migrate import upgrade

    upgrade()
    typer.echo(f"قاعدة البيانات محدّثة (database up to date): {_database_shown()}")


SEED_COUNT_LABELS = {
    "residents": "المقيمون",
    "nationalities": "الجنسيات",
    "expired_iqamas": "إقامات منتهية",
    "expiring_30_days": "تنتهي خلال 30 يومًا",
    "new_arrivals": "قادمون جدد بلا إقامة",
    "abroad": "خارج المملكة",
    "visas": "تأشيرات",
    "driving_licences": "رخص قيادة",
}


@demo_app.command("seed")
def demo_seed(
    if_empty: bool = typer.Option(False, "--if-empty", help="Seed only when no establishment exists yet."),
) -> None:
    """أنشئ منشأة العرض ومقيميها ومالكها. Seed the demo establishments, residents and owners."""
    from residency.seed import database_is_empty, seed_demo

    with domain_errors(), UnitOfWork() as uow:
        if if_empty and not database_is_empty(uow):
            typer.echo("قاعدة البيانات فيها منشآت؛ لم تُضف بيانات العرض (database not empty: nothing seeded).")
            return
        summary = seed_demo(uow)
    for number, name, residents in summary.establishments:
        typer.echo(f"المنشأة {number} «{name}»، عدد المقيمين: {residents}")
    for number, telegram_id in summary.owners:
        typer.echo(f"مالك المنشأة {number}: Telegram id {telegram_id}")
    typer.echo("، ".join(f"{SEED_COUNT_LABELS[key]}: {value}" for key, value in summary.counts.items()))
    owner_id = summary.owners[0][1]
    typer.echo(f"للمحادثة بصفة المالك / to chat as the owner: muqeem chat --as {owner_id}")
    typer.echo("أرقام إقامة للتجربة / iqama numbers to try:")
    for iqama, what in summary.samples:
        typer.echo(f"  {iqama}  {what}")


@establishment_app.command("add")
def establishment_add(
    number: str = typer.Option(..., "--number", help="Unified number, 10 digits starting with 7."),
    name: str = typer.Option(..., "--name", help="Arabic name."),
    plan: Plan = typer.Option(Plan.comprehensive, "--plan"),
    balance: int = typer.Option(0, "--balance", min=0, help="Prepaid balance in SAR."),
    saudis: int = typer.Option(0, "--saudis", min=0, help="Saudi staff count."),
    expats: int = typer.Option(0, "--expats", min=0, help="Expatriate staff count."),
    subscription_until: Optional[str] = typer.Option(
        None, "--subscription-until", callback=_iso_date, help="YYYY-MM-DD (default: a year from today)."
    ),
    industrial: bool = typer.Option(False, "--industrial", help="A licensed industrial establishment: no expat levy."),
) -> None:
    """أضف منشأة. Add an establishment."""
    from residency.establishments import add_establishment

    with domain_errors(), UnitOfWork() as uow:
        est = add_establishment(
            uow, number, name, plan.value, balance, saudis, expats, subscription_until, industrial=industrial
        )
        typer.echo(
            f"أُضيفت المنشأة {est.number} «{est.name_ar}»، الباقة {est.plan}، الرصيد {est.balance} ريال، "
            f"الاشتراك حتى {calendar.format_date(est.subscription_until)}"
            + ("، منشأة صناعية مرخّصة (معفاة من المقابل المالي)" if est.industrial else "")
        )


@establishment_app.command("set")
def establishment_set(
    number: str = typer.Argument(..., help="Unified number."),
    industrial: Optional[bool] = typer.Option(
        None,
        "--industrial/--not-industrial",
        help="A licensed industrial establishment (no expat levy), or no longer one.",
    ),
    approval_above: Optional[str] = typer.Option(
        None,
        "--approval-above",
        help="Riyals: an agent's request above it (and any final exit or transfer by an agent) waits for an "
        "owner's approval; 'off' for none.",
    ),
) -> None:
    """عدّل منشأة. Change an establishment (--industrial / --not-industrial, --approval-above SAR|off)."""
    from residency.establishments import find_establishment, set_industrial
    from residency.services.approvals import set_threshold

    if industrial is None and approval_above is None:
        raise typer.BadParameter("حدّد ما تريد تعديله: --industrial أو --not-industrial أو --approval-above.")
    threshold = None
    if approval_above is not None and approval_above.strip().lower() != "off":
        if not approval_above.strip().isdigit():
            raise typer.BadParameter("حد الموافقة مبلغ بالريال (رقم صحيح) أو off.")
        threshold = int(approval_above.strip())
    with domain_errors(), UnitOfWork() as uow:
        if industrial is not None:
            est = set_industrial(uow, number, industrial)
            typer.echo(
                f"المنشأة {est.number} «{est.name_ar}»: "
                + ("منشأة صناعية مرخّصة (معفاة من المقابل المالي للعمالة)" if est.industrial else "ليست منشأة صناعية")
            )
        if approval_above is not None:
            est = find_establishment(uow, number)
            set_threshold(uow, None, est.id, threshold)
            typer.echo(
                f"المنشأة {est.number} «{est.name_ar}»: "
                + (
                    f"طلبات الموظفين فوق {threshold} ريال (وكل خروج نهائي أو نقل خدمات) تنتظر موافقة المالك"
                    if threshold is not None
                    else "لا تحتاج طلبات الموظفين إلى موافقة"
                )
            )


@establishment_app.command("show")
def establishment_show(
    number: str = typer.Argument(..., help="Unified number."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """اعرض منشأة. Show an establishment."""
    from residency.establishments import establishment_json, find_establishment

    with domain_errors(), UnitOfWork() as uow:
        data = establishment_json(uow, find_establishment(uow, number))
    if as_json:
        _print_json(data)
        return
    typer.echo(f"المنشأة {data['number']} «{data['name']}»")
    typer.echo(f"الباقة: {data['plan']}، الرصيد: {data['balance']} ريال")
    typer.echo(f"الاشتراك حتى: {calendar.format_date(date.fromisoformat(data['subscription_until']))}")
    typer.echo(
        f"السعوديون: {data['saudi_count']}، الوافدون: {data['expat_count']}، المقيمون المسجّلون: {data['resident_count']}"
    )
    if data["industrial"]:
        typer.echo("منشأة صناعية مرخّصة: معفاة من المقابل المالي للعمالة")
    for user in data["users"]:
        services = ",".join(user["services"]) or "كل الخدمات"
        typer.echo(f"مستخدم: {user['telegram_id']} ({user['role']}: {services})")


@residents_app.command("import")
def residents_import(
    file: Path = typer.Argument(..., help="CSV file (UTF-8, header row; see docs/sample_residents.csv)."),
    establishment: str = typer.Option(..., "--establishment", help="Unified number of the establishment."),
) -> None:
    """استورد مقيمين من ملف CSV. Import residents from a CSV file.

    Exit code 0 when rows were imported or none was rejected; 1 when the file is unusable or every row
    was rejected."""
    from residency.csv_import import import_residents

    with domain_errors(), UnitOfWork() as uow:
        result = import_residents(uow, establishment, file)
    for error in result.rejected:
        typer.echo(f"السطر {error.line}: {error.reason}")
    for warning in result.warnings:
        typer.echo(f"السطر {warning.line}: تنبيه: {warning.reason}")
    typer.echo(result.summary())
    if result.rejected and not result.imported:
        raise typer.Exit(1)


def _resident_lines(data: dict) -> list[str]:
    def when(value: Optional[str]) -> str:
        if not value:
            return "—"
        d = date.fromisoformat(value)
        return f"{calendar.format_date(d)}، {calendar.format_days_left(calendar.days_until(d))}"

    number = f"الإقامة {data['iqama_number']}" if data["iqama_number"] else f"رقم الحدود {data['border_number']}"
    lines = [
        f"{data['name_ar']} ({data['name_en']})",
        f"{number}، المنشأة {data['establishment']}",
        f"الجنسية: {data['nationality']}، المهنة: {data['occupation']}",
        f"انتهاء الإقامة: {when(data['iqama_expiry'])}",
        f"الجواز {data['passport_number']}، ينتهي: {when(data['passport_expiry'])}",
        f"الموقع: {'داخل المملكة' if data['location'] == 'inside' else 'خارج المملكة'}، المرافقون: {data['dependants']}",
    ]
    if data["arrival_date"]:
        lines.append(f"تاريخ القدوم: {when(data['arrival_date'])}")
    if data["licence"]:
        licence = data["licence"]
        lines.append(f"رخصة القيادة ({licence['type']}) {licence['number']}، تنتهي: {when(licence['expiry'])}")
    for visa in data["visas"]:
        lines.append(
            f"تأشيرة {visa['number']} {visa['type']} {visa['status']}: صدرت {visa['issued_on']}، حتى {visa['return_before']}"
        )
    return lines


@resident_app.command("show")
def resident_show(
    number: str = typer.Argument(..., help="Iqama number (or border number of a new arrival)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """اعرض مقيمًا (أي منشأة). Show a resident of any establishment."""
    from residency.establishments import find_resident, resident_json

    with domain_errors(), UnitOfWork() as uow:
        data = resident_json(uow, find_resident(uow, number))
    if as_json:
        _print_json(data)
    else:
        typer.echo("\n".join(_resident_lines(data)))


def _border_event(iqama: str, record) -> None:
    with domain_errors(), UnitOfWork() as uow:
        result = record(uow, iqama)
    event = "مغادرة" if result["event"] == "departure" else "عودة"
    where = "خارج المملكة" if result["location"] == "outside" else "داخل المملكة"
    typer.echo(
        f"سُجّلت {event} المقيم {result['iqama_number']} بتاريخ {result['date']} "
        f"على التأشيرة {result['visa_number']}؛ المقيم الآن {where}."
    )


@resident_app.command("depart")
def resident_depart(iqama: str = typer.Argument(..., help="Iqama number.")) -> None:
    """سجّل مغادرة المقيم المملكة. Record the resident leaving the Kingdom."""
    from residency.border import record_departure

    _border_event(iqama, record_departure)


@resident_app.command("arrive")
def resident_arrive(iqama: str = typer.Argument(..., help="Iqama number.")) -> None:
    """سجّل عودة المقيم إلى المملكة. Record the resident returning to the Kingdom."""
    from residency.border import record_return

    _border_event(iqama, record_return)


@user_app.command("add")
def user_add(
    establishment: str = typer.Option(..., "--establishment", help="Unified number."),
    telegram_id: int = typer.Option(..., "--telegram-id", min=1, help="Telegram user id."),
    role: Role = typer.Option(..., "--role"),
    services: str = typer.Option("", "--services", help="Comma-separated services an agent may use."),
) -> None:
    """أضف مستخدم تيليجرام مباشرة. Register a Telegram account directly."""
    from residency.activation import add_user

    with domain_errors(), UnitOfWork() as uow:
        user = add_user(uow, establishment, telegram_id, role.value, services)
        granted = user.services or "كل الخدمات"
        typer.echo(f"أُضيف المستخدم {user.telegram_id} ({user.role}: {granted}) للمنشأة {user.establishment.number}")


@code_app.command("issue")
def code_issue(
    establishment: str = typer.Option(..., "--establishment", help="Unified number."),
    role: Role = typer.Option(Role.owner, "--role"),
    services: str = typer.Option("", "--services", help="Comma-separated services an agent may use."),
) -> None:
    """أصدر رمز تفعيل لمرة واحدة (يُطبع الرمز وحده). Issue a one-time activation code (printed alone)."""
    from residency.activation import issue_code
    from residency.rules import RULES

    with domain_errors(), UnitOfWork() as uow:
        code = issue_code(uow, establishment, role.value, services)
    hours = RULES["activation"]["code_valid_hours"]
    typer.echo(
        f"رمز تفعيل ({role.value}) صالح {hours} ساعة ولمرة واحدة؛ يُرسل في تيليجرام: /start <الرمز>",
        err=True,
    )
    typer.echo(code)


@reminders_app.command("run")
def reminders_run(
    on: Optional[str] = typer.Option(None, "--date", callback=_iso_date, help="YYYY-MM-DD (default: today)."),
) -> None:
    """اصنع تذكيرات اليوم في صندوق الإرسال. Queue the day's reminders in the outbox."""
    from residency.reminders import queue_due_reminders

    with domain_errors(), UnitOfWork() as uow:
        queued = queue_due_reminders(uow, today=on)
    typer.echo(f"أُضيفت {queued} رسالة تذكير (reminders queued: {queued})")


@document_app.command("verify")
def document_verify(
    code: str = typer.Argument(..., help="The verification code printed under the document's QR."),
) -> None:
    """تحقق من صحة وثيقة برمز التحقق. Check whether a document is genuine (exit 0) or not (exit 1)."""
    from residency import documents

    result = documents.verify_code(code)
    if not result.genuine:
        typer.echo(f"الوثيقة غير صحيحة: {documents.REASONS_AR.get(result.reason, result.reason)}")
        typer.echo(f"NOT genuine: {result.reason}")
        raise typer.Exit(1)
    typer.echo("الوثيقة صحيحة وصادرة من مقيم. Genuine document.")
    for name, value in result.states.items():
        label_ar, label_en = documents.STATE_LABELS[name]
        typer.echo(f"{label_ar} / {label_en}: {documents.describe_state(name, value)}")
