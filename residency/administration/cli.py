"""The `muqeem` command line: database, demo, establishments, residents, users, codes, border events,
reminders (SPEC section 7).

The front-end commands (`servers`, `chat`, `bot`) are added by runtime/cli.py, the installed entry point,
so that this package never imports Rasa or Telegram.

Its texts are in the reply catalogues (replies/), printed in Arabic. A domain error
(residency.errors.ResidencyError) prints its message on stderr and exits 1; a
malformed option exits 2 (typer's usage error). `--json` prints JSON (UTF-8, ISO dates; shapes in
residency.establishments). `code issue` prints the code alone on stdout (the explanation goes to
stderr), so that scripts can capture it. `document verify` exits 0 for a genuine document, 1 for one that
is not, 3 when it cannot tell (MUQEEM_DOCUMENT_SECRET not set).
"""

from __future__ import annotations

import json
import sys
from contextlib import contextmanager
from datetime import date
from enum import Enum
from pathlib import Path
from typing import Iterator, Optional

import typer
from sqlalchemy.engine import make_url

from replies import N_, _, ngettext
from residency import calendar
from residency.db import UnitOfWork, database_url
from residency.errors import InvalidInput, ResidencyError

app = typer.Typer(no_args_is_help=True)
db_app = typer.Typer(no_args_is_help=True)
demo_app = typer.Typer(no_args_is_help=True)
establishment_app = typer.Typer(no_args_is_help=True)
residents_app = typer.Typer(no_args_is_help=True)
resident_app = typer.Typer(no_args_is_help=True)
user_app = typer.Typer(no_args_is_help=True)
code_app = typer.Typer(no_args_is_help=True)
reminders_app = typer.Typer(no_args_is_help=True)
document_app = typer.Typer(no_args_is_help=True)


# The groups' help is their callback's docstring, as the commands' help is theirs.
@app.callback()
def _muqeem() -> None:
    """مقيم: أوامر إدارة المنشأة والمقيمين"""


@db_app.callback()
def _db() -> None:
    """قاعدة البيانات. Database schema."""


@demo_app.callback()
def _demo() -> None:
    """بيانات العرض. Demo data."""


@establishment_app.callback()
def _establishment() -> None:
    """المنشآت. Establishments."""


@residents_app.callback()
def _residents() -> None:
    """استيراد المقيمين. Bulk residents."""


@resident_app.callback()
def _resident() -> None:
    """مقيم واحد: عرض ومغادرة وعودة. One resident."""


@user_app.callback()
def _user() -> None:
    """مستخدمو تيليجرام. Telegram users."""


@code_app.callback()
def _code() -> None:
    """رموز التفعيل. Activation codes."""


@reminders_app.callback()
def _reminders() -> None:
    """التذكيرات اليومية. Daily reminders."""


@document_app.callback()
def _document() -> None:
    """الوثائق: التحقق من صحتها. Documents: verification."""


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
    """Option callback: an ISO date within the plausible years (calendar.plausible), or a usage error (exit 2)."""
    if value is None:
        return None
    try:
        return calendar.plausible(date.fromisoformat(value))
    except ValueError:
        raise typer.BadParameter(
            _("«{value}» is not a date in the form YYYY-MM-DD (like 2027-06-30).").format(value=value)
        ) from None
    except InvalidInput as error:
        raise typer.BadParameter(error.message) from None


def _print_json(data: object) -> None:
    typer.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _table(header: list[str], rows: list[list[object]]) -> list[str]:
    """Lines of a plain-text table: columns padded to their widest cell, two spaces apart."""
    cells = [[str(cell) for cell in row] for row in [header, *rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    return ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in cells]


def _database_shown() -> str:
    """The database URL without its password."""
    return make_url(database_url()).render_as_string(hide_password=True)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """طبّق ترحيلات المخطط على MUQEEM_DATABASE_URL (الافتراضي ملف SQLite).
    Apply the migrations to MUQEEM_DATABASE_URL (default: a SQLite file)."""
    from residency.migrate import upgrade

    upgrade()
    typer.echo(_("Database up to date: {url}").format(url=_database_shown()))


SEED_COUNT_LABELS = {
    "residents": N_("Residents seeded"),
    "nationalities": N_("Nationalities"),
    "expired_iqamas": N_("Expired iqamas"),
    "expiring_30_days": N_("Expiring within 30 days"),
    "new_arrivals": N_("New arrivals without an iqama"),
    "abroad": N_("Residents abroad"),
    "visas": N_("Visas on file"),
    "driving_licences": N_("Driving licences"),
}


@demo_app.command("seed")
def demo_seed(
    if_empty: bool = typer.Option(False, "--if-empty", help="Seed only when no establishment exists yet."),
) -> None:
    """أنشئ منشأة العرض ومقيميها ومالكها. Seed the demo establishments, residents and owners."""
    from residency.administration.seed import database_is_empty, seed_demo

    with domain_errors(), UnitOfWork() as uow:
        if if_empty and not database_is_empty(uow):
            typer.echo(_("The database has establishments already: nothing seeded."))
            return
        summary = seed_demo(uow)
    for number, name, residents in summary.establishments:
        typer.echo(
            _("Establishment {number} «{name}», residents: {residents}").format(
                number=number, name=name, residents=residents
            )
        )
    for number, telegram_id in summary.owners:
        typer.echo(
            _("Owner of establishment {number}: Telegram id {telegram_id}").format(
                number=number, telegram_id=telegram_id
            )
        )
    typer.echo(_(", ").join(f"{_(SEED_COUNT_LABELS[key])}: {value}" for key, value in summary.counts.items()))
    owner_id = summary.owners[0][1]
    typer.echo(_("To chat as the owner: muqeem chat --as {telegram_id}").format(telegram_id=owner_id))
    typer.echo(_("Iqama numbers to try:"))
    for iqama, what in summary.samples:
        typer.echo(f"  {iqama}  {_(what)}")


ADDED = N_("Establishment {number} «{name}» added, plan {plan}, balance {balance} SAR, subscription until {until}")
ADDED_INDUSTRIAL = N_(
    "Establishment {number} «{name}» added, plan {plan}, balance {balance} SAR, subscription until {until}, "
    "a licensed industrial establishment (exempt from the expat levy)"
)


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
        added = ADDED_INDUSTRIAL if est.industrial else ADDED
        typer.echo(
            _(added).format(
                number=est.number,
                name=est.name_ar,
                plan=est.plan,
                balance=est.balance,
                until=calendar.format_date(est.subscription_until),
            )
        )


@establishment_app.command("set")
def establishment_set(
    number: str = typer.Argument(..., help="Unified number."),
    industrial: Optional[bool] = typer.Option(
        None,
        "--industrial/--not-industrial",
        help="A licensed industrial establishment (no expat levy), or no longer one.",
    ),
    owner_operated: Optional[bool] = typer.Option(
        None,
        "--owner-operated/--not-owner-operated",
        help="Run by its owner with 9 workers or fewer (no levy for 2 expatriates, 4 with a second Saudi), or no "
        "longer.",
    ),
    approval_above: Optional[str] = typer.Option(
        None,
        "--approval-above",
        help="Riyals: an agent's request above it (and any final exit or transfer by an agent) waits for an "
        "owner's approval; 'off' for none.",
    ),
) -> None:
    """عدّل منشأة. Change an establishment (--industrial / --not-industrial, --owner-operated /
    --not-owner-operated, --approval-above SAR|off)."""
    from residency.establishments import find_establishment, set_industrial, set_owner_operated
    from residency.fees import owner_operated_exemption
    from residency.services.approvals import set_threshold

    if industrial is None and owner_operated is None and approval_above is None:
        raise typer.BadParameter(
            _(
                "Say what to change: --industrial, --not-industrial, --owner-operated, --not-owner-operated or --approval-above."
            )
        )
    threshold = None
    if approval_above is not None and approval_above.strip().lower() != "off":
        if not approval_above.strip().isdigit():
            raise typer.BadParameter(_("The approval limit is an amount in SAR (a whole number) or off."))
        threshold = int(approval_above.strip())
    with domain_errors(), UnitOfWork() as uow:
        if industrial is not None:
            est = set_industrial(uow, number, industrial)
            now = (
                N_("Establishment {number} «{name}»: a licensed industrial establishment (exempt from the expat levy)")
                if est.industrial
                else N_("Establishment {number} «{name}»: not an industrial establishment")
            )
            typer.echo(_(now).format(number=est.number, name=est.name_ar))
        if owner_operated is not None:
            est = set_owner_operated(uow, number, owner_operated)
            exempt = owner_operated_exemption(est.saudi_count, est.expat_count)
            now = (
                ngettext(
                    "Establishment {number} «{name}»: owner-operated (no levy for its first {n} expatriate)",
                    "Establishment {number} «{name}»: owner-operated (no levy for its first {n} expatriates)",
                    exempt,
                )
                if est.owner_operated
                else _("Establishment {number} «{name}»: not owner-operated")
            )
            typer.echo(now.format(number=est.number, name=est.name_ar, n=exempt))
        if approval_above is not None:
            est = find_establishment(uow, number)
            set_threshold(uow, None, est.id, threshold)
            now = (
                N_(
                    "Establishment {number} «{name}»: staff requests above {threshold} SAR (and every final exit "
                    "or services transfer) wait for the owner's approval"
                )
                if threshold is not None
                else N_("Establishment {number} «{name}»: staff requests need no approval")
            )
            typer.echo(_(now).format(number=est.number, name=est.name_ar, threshold=threshold))


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
    typer.echo(_("Establishment {number} «{name}»").format(number=data["number"], name=data["name"]))
    typer.echo(_("Plan: {plan}, balance: {balance} SAR").format(plan=data["plan"], balance=data["balance"]))
    until = calendar.format_date(date.fromisoformat(data["subscription_until"]))
    typer.echo(_("Subscription until: {date}").format(date=until))
    typer.echo(
        _("Saudis: {saudis}, expatriates: {expats}, registered residents: {residents}").format(
            saudis=data["saudi_count"], expats=data["expat_count"], residents=data["resident_count"]
        )
    )
    if data["industrial"]:
        typer.echo(_("A licensed industrial establishment: exempt from the expat levy"))
    if data["owner_operated"]:
        typer.echo(_("Owner-operated: its first expatriates are exempt from the expat levy"))
    for user in data["users"]:
        services = ",".join(user["services"]) or _("every service")
        typer.echo(
            _("User: {telegram_id} ({role}: {services})").format(
                telegram_id=user["telegram_id"], role=user["role"], services=services
            )
        )


class ImportProgress:
    """How far an import is, on stderr: a progress bar on a terminal, else a plain line every tenth of the
    rows (and at the last one)."""

    STEPS = 10

    def __init__(self) -> None:
        self.terminal = sys.stderr.isatty()
        self.bar = None

    def __enter__(self) -> "ImportProgress":
        return self

    def __exit__(self, *exc_info) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc_info)

    def __call__(self, done: int, total: int) -> None:
        if self.terminal:
            if self.bar is None:
                self.bar = typer.progressbar(length=total, label=_("Checking the rows"), file=sys.stderr)
                self.bar.__enter__()
            self.bar.update(done - self.bar.pos)
        elif done == total or done % max(total // self.STEPS, 1) == 0:
            typer.echo(_("Checked {done} of {total} rows").format(done=done, total=total), err=True)


@residents_app.command("import")
def residents_import(
    file: Path = typer.Argument(..., help="CSV file (UTF-8, header row; see docs/sample_residents.csv)."),
    establishment: str = typer.Option(..., "--establishment", help="Unified number of the establishment."),
) -> None:
    """استورد مقيمين من ملف CSV. Import residents from a CSV file.

    Exit code 0 when rows were imported or none was rejected; 1 when the file is unusable or every row
    was rejected."""
    from residency.administration.csv_import import import_residents

    with domain_errors(), UnitOfWork() as uow, ImportProgress() as progress:
        result = import_residents(uow, establishment, file, progress)
    for error in result.rejected:
        typer.echo(_("Line {line}: {reason}").format(line=error.line, reason=error.reason))
    for warning in result.warnings:
        typer.echo(_("Line {line}: warning: {reason}").format(line=warning.line, reason=warning.reason))
    typer.echo(result.summary())
    if result.rejected and not result.imported:
        raise typer.Exit(1)


def _where(location: str) -> str:
    return _("outside the Kingdom") if location == "outside" else _("inside the Kingdom")


def _resident_lines(data: dict) -> list[str]:
    def when(value: Optional[str]) -> str:
        if not value:
            return "—"
        d = date.fromisoformat(value)
        return _("{date}, {days_left}").format(
            date=calendar.format_date(d), days_left=calendar.format_days_left(calendar.days_until(d))
        )

    if data["iqama_number"]:
        number = _("Iqama {iqama}").format(iqama=data["iqama_number"])
    else:
        number = _("Border number {border}").format(border=data["border_number"])
    lines = [
        f"{data['name_ar']} ({data['name_en']})",
        _("{number}, establishment {establishment}").format(number=number, establishment=data["establishment"]),
        _("Nationality: {nationality}, occupation: {occupation}").format(
            nationality=data["nationality"], occupation=data["occupation"]
        ),
        _("Iqama expiry: {date}").format(date=when(data["iqama_expiry"])),
        _("Passport {number}, expires: {date}").format(
            number=data["passport_number"], date=when(data["passport_expiry"])
        ),
        _("Location: {location}, dependants: {dependants}").format(
            location=_where("inside" if data["location"] == "inside" else "outside"), dependants=data["dependants"]
        ),
    ]
    if data["arrival_date"]:
        lines.append(_("Arrival date: {date}").format(date=when(data["arrival_date"])))
    if data["licence"]:
        licence = data["licence"]
        lines.append(
            _("Driving licence ({type}) {number}, expires: {date}").format(
                type=licence["type"], number=licence["number"], date=when(licence["expiry"])
            )
        )
    for visa in data["visas"]:
        lines.append(
            _("Visa {number} {type} {status}: issued {issued_on}, until {return_before}").format(
                number=visa["number"],
                type=visa["type"],
                status=visa["status"],
                issued_on=visa["issued_on"],
                return_before=visa["return_before"],
            )
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
    recorded = (
        N_("Departure of resident {iqama} recorded on {date} on visa {visa}; the resident is now {where}.")
        if result["event"] == "departure"
        else N_("Return of resident {iqama} recorded on {date} on visa {visa}; the resident is now {where}.")
    )
    typer.echo(
        _(recorded).format(
            iqama=result["iqama_number"],
            date=result["date"],
            visa=result["visa_number"],
            where=_where(result["location"]),
        )
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
    name: Optional[str] = typer.Option(None, "--name", help="How the owners call the user."),
) -> None:
    """أضف مستخدم تيليجرام مباشرة. Register a Telegram account directly (it may be a user of other
    establishments too)."""
    from residency.activation import add_user

    with domain_errors(), UnitOfWork() as uow:
        user = add_user(uow, establishment, telegram_id, role.value, services, name)
        granted = user.services or _("every service")
        typer.echo(
            _("User {telegram_id} ({role}: {services}) added to establishment {establishment}").format(
                telegram_id=user.telegram_id, role=user.role, services=granted, establishment=user.establishment.number
            )
        )


STATUS_LABELS = {"active": N_("active"), "suspended": N_("suspended")}


@user_app.command("list")
def user_list(establishment: str = typer.Option(..., "--establishment", help="Unified number.")) -> None:
    """اعرض مستخدمي المنشأة. The establishment's users: role, status, services, last activity."""
    from residency.presentation.texts import riyadh_moment
    from residency.users import establishment_users

    with domain_errors(), UnitOfWork() as uow:
        users = establishment_users(uow, establishment)
    if not users:
        typer.echo(_("The establishment has no users."))
        return
    header = [_("Telegram id"), _("Name"), _("Role"), _("Status"), _("Last activity"), _("Services")]
    rows = [
        [
            user.telegram_id,
            user.name or "—",
            user.role,
            _(STATUS_LABELS[user.status]),
            f"{riyadh_moment(user.last_activity):%Y-%m-%d %H:%M}" if user.last_activity else "—",
            ",".join(user.services) or _("every service"),
        ]
        for user in users
    ]
    typer.echo("\n".join(_table(header, rows)))


@user_app.command("remove")
def user_remove(
    establishment: str = typer.Option(..., "--establishment", help="Unified number."),
    telegram_id: int = typer.Option(..., "--telegram-id", min=1, help="Telegram user id."),
) -> None:
    """أزل مستخدمًا من المنشأة. Remove a user from the establishment: its next request is refused, its
    requests awaiting approval lapse."""
    from residency.users import remove_user

    with domain_errors(), UnitOfWork() as uow:
        change = remove_user(uow, establishment, telegram_id)
    typer.echo(
        _("User {telegram_id} removed from establishment {establishment}.").format(
            telegram_id=telegram_id, establishment=establishment
        )
    )
    if change.lapsed_approvals:
        typer.echo(
            _("Requests awaiting approval that lapsed: {ids}").format(
                ids=_(", ").join(str(i) for i in change.lapsed_approvals)
            )
        )


@code_app.command("issue")
def code_issue(
    establishment: str = typer.Option(..., "--establishment", help="Unified number."),
    role: Role = typer.Option(Role.owner, "--role"),
    services: str = typer.Option("", "--services", help="Comma-separated services an agent may use."),
    name: Optional[str] = typer.Option(None, "--name", help="How the owners call the user."),
) -> None:
    """أصدر رمز تفعيل لمرة واحدة (يُطبع الرمز وحده). Issue a one-time activation code (printed alone)."""
    from residency.activation import issue_code
    from residency.rules import RULES

    with domain_errors(), UnitOfWork() as uow:
        code = issue_code(uow, establishment, role.value, services, name)
    hours = RULES["activation"]["code_valid_hours"]
    typer.echo(
        ngettext(
            "Activation code ({role}), valid for {hours} hour and once only; send it in Telegram: /start <CODE>",
            "Activation code ({role}), valid for {hours} hours and once only; send it in Telegram: /start <CODE>",
            hours,
        ).format(role=role.value, hours=hours),
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
    typer.echo(ngettext("{n} reminder queued", "{n} reminders queued", queued).format(n=queued))


@app.command("activity")
def activity_show(
    establishment: str = typer.Option(..., "--establishment", help="Unified number."),
    since: Optional[str] = typer.Option(None, "--since", callback=_iso_date, help="YYYY-MM-DD (default: all)."),
) -> None:
    """سجل نشاط المنشأة: من فعل ماذا ومتى وبكم. The establishment's activity log, newest first."""
    from residency.activity import establishment_activity
    from residency.presentation.texts import activity_what, activity_who, riyadh_moment

    with domain_errors(), UnitOfWork() as uow:
        rows = establishment_activity(uow, establishment, since)
    if not rows:
        typer.echo(_("No activity is recorded for this establishment in this period."))
        return
    header = [_("When"), _("Who"), _("What"), _("Iqama number"), _("Resident"), _("Amount")]
    table = [
        [
            f"{riyadh_moment(row.at):%Y-%m-%d %H:%M}",
            activity_who(row),
            activity_what(row),
            row.iqama_number or "",
            row.resident_name or "",
            row.amount or "",
        ]
        for row in rows
    ]
    typer.echo("\n".join(_table(header, table)))


# `document verify`'s exit code when it cannot tell (no secret); 0 genuine, 1 not genuine, 2 usage.
CANNOT_VERIFY = 3


@document_app.command("verify")
def document_verify(
    code: str = typer.Argument(..., help="The verification code printed under the document's QR."),
) -> None:
    """تحقق من صحة وثيقة برمز التحقق. Check whether a document is genuine (exit 0) or not (exit 1); without
    MUQEEM_DOCUMENT_SECRET it cannot tell (exit 3)."""
    from residency.presentation import documents

    result = documents.verify_code(code)
    if result.reason == "no_secret":
        typer.echo(
            _(
                "Cannot verify: {variable} is not set here, and only the secret the documents were signed with can "
                "tell a genuine document from a forged one. Set it as in the deployment, then verify again."
            ).format(variable=documents.SECRET_ENV),
            err=True,
        )
        typer.echo("CANNOT verify: no_secret", err=True)
        raise typer.Exit(CANNOT_VERIFY)
    if not result.genuine:
        reason = _(documents.REASONS.get(result.reason, result.reason))
        typer.echo(_("The document is not genuine: {reason}").format(reason=reason))
        typer.echo(f"NOT genuine: {result.reason}")
        raise typer.Exit(1)
    typer.echo(_("The document is genuine, issued by Muqeem."))
    for name, value in result.states.items():
        label_ar, label_en = documents.STATE_LABELS[name]  # the Arabic and the English label, both printed
        typer.echo(f"{label_ar} / {label_en}: {documents.describe_state(name, value)}")
