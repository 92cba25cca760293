"""Plain-text answers for the inquiries, reports and account (used by the Rasa actions and the bot), in
the reply language (replies: English ids, Arabic in the catalogue).

Right-to-left friendly in Arabic: every line starts with an Arabic word, an emoji or a bullet, never with a
Latin word or a digit; one header line per answer; dates Gregorian + Hijri; amounts in whole riyals.

Every value a user or an imported file supplied (residents' and establishments' names, nationality,
licence type, a search query) is shown through `text_safety.isolate`: its control characters are
stripped and it is wrapped in FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE, so a right-to-left
override or an unbalanced embedding in a name cannot reorder the rest of the line, and a Latin name
inside an Arabic line keeps its own direction.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Sequence

from replies import N_, _, current_language, ngettext
from residency import identifiers, nationalities
from residency.calendar import RIYADH, Duration, days_until, format_date, format_days_left
from residency.activity import ActivityReport, ActivityRow
from residency.presentation.charts import rows_to_csv
from residency.fees import LevyInsight
from residency.inquiries import LicenceInfo, NameMatch, NameSearchPage, ResidentCard, VisaInfo
from residency.reports import AbroadRow, AccountStatus, ExpiringRow, HistoryRow
from residency.rules import RULES
from residency.services.base import ENTRY_TYPE_LABELS, VISA_KIND_LABELS
from residency.text_safety import isolate


def shown_name(name_ar: str, name_en: str | None = None) -> str:
    """A resident's name as the reply shows it (isolated): the Latin name in English where it is recorded,
    else the Arabic one (SPEC 10.3)."""
    return isolate(name_en if current_language() == "en" and name_en else name_ar)


def shown_nationality(recorded: str | None) -> str:
    """A nationality as the reply shows it (isolated): the country's English name in English where the
    recorded text names a country (residency.nationalities), else as recorded."""
    country = nationalities.find(recorded) if current_language() == "en" else None
    return isolate(country.name if country else recorded or "")


# Long lists are cut here (rules.yml display.max_list_lines); the rest is counted.
MAX_LIST_LINES = int(RULES["display"]["max_list_lines"])
# Lines of an activity answer (rules.yml display.activity_lines); past them the CSV carries the whole list.
ACTIVITY_LINES = int(RULES["display"]["activity_lines"])
BULLET = "•"


class _ServiceLabels(Mapping):
    """The label of every service name an activity or a transaction records: a registered service's own
    `label` (residency/services), then the names that are not services of their own (`others`)."""

    def __init__(self, others: dict[str, str]) -> None:
        self._others = others

    @cached_property
    def _all(self) -> dict[str, str]:
        # Imported at first use: the services package renders its texts with this module (no import
        # circle). Importing it registers every service, so the table is complete from then on.
        from residency.services import SERVICES

        return {**{name: service.label for name, service in SERVICES.items()}, **self._others}

    def __getitem__(self, name: str) -> str:
        return self._all[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._all)

    def __len__(self) -> int:
        return len(self._all)


# Label tables of ids (N_): translate a value with _() when the reply is made.
SERVICE_LABELS = _ServiceLabels(
    {
        "transfer_sponsorship_accept": N_("Sponsorship transfer (accepted)"),
        "transfer_sponsorship_decline": N_("Sponsorship transfer (declined)"),
        "inquire_resident": N_("Resident inquiry"),
        "inquire_resident_by_name": N_("Resident search by name"),
        "inquire_driving_license": N_("Driving licence inquiry"),
        "inquire_visa": N_("Visa inquiry"),
        "report_expiring_iqamas": N_("Expiring iqamas report"),
        "report_residents_abroad": N_("Residents abroad report"),
        "transaction_history": N_("Transaction history"),
        "account_status": N_("Account status"),
        "forecast_costs": N_("Iqama cost forecast"),
        "record_departure": N_("Departure recorded"),
        "record_return": N_("Return recorded"),
    }
)

LOCATION_LABELS = {"inside": N_("Inside the Kingdom"), "outside": N_("Outside the Kingdom")}
VISA_STATUS_LABELS = {
    "issued": N_("Issued, not used yet"),
    "used": N_("Used (the resident is abroad)"),
    "returned": N_("Used, the resident has returned"),
    "cancelled": N_("Cancelled"),
    "expired": N_("Expired"),
}
PLAN_LABELS = {"comprehensive": N_("Comprehensive plan"), "transactions": N_("Transactions plan")}


def riyals(amount: int) -> str:
    """An amount in whole riyals, as every reply writes it: "10250 ريال" / "10250 SAR"."""
    return _("{amount} SAR").format(amount=amount)


def _label(table: dict[str, str], key: str) -> str:
    """The table's label for `key` in the reply language (the key itself when it has none)."""
    return _(table[key]) if key in table else key


def _date_and_days(d: date, days_left: int) -> str:
    return f"{format_date(d)} — {format_days_left(days_left)}"


def _line(label: str, value: object) -> str:
    return f"{BULLET} {label}: {value}"


def _cut(lines: list[str], total: int) -> list[str]:
    """At most MAX_LIST_LINES item lines, then a line counting the rest."""
    if total <= MAX_LIST_LINES:
        return lines
    rest = total - MAX_LIST_LINES
    return lines[:MAX_LIST_LINES] + [
        ngettext("… and {n} more resident.", "… and {n} more residents.", rest).format(n=rest)
    ]


def _visa_title(visa: VisaInfo) -> str:
    """ "خروج وعودة مفردة" / "Exit/re-entry (single)": the kind's label is lower case in English (it is used
    inside sentences too), so its first letter is raised here (Arabic has no letter case)."""
    title = _label(VISA_KIND_LABELS, visa.kind)
    if visa.entry_type:
        title = _("{kind} ({entry_type})").format(kind=title, entry_type=_label(ENTRY_TYPE_LABELS, visa.entry_type))
    return title[:1].upper() + title[1:]


def _valid_until_label(visa: VisaInfo) -> str:
    return _("Leave before") if visa.kind == "final_exit" else _("Return before")


def _iqama_expiry(card: ResidentCard) -> str:
    if card.iqama_expiry:
        return _date_and_days(card.iqama_expiry, card.iqama_days_left)
    return _("no iqama issued yet")


def render_resident_card(card: ResidentCard) -> str:
    """The resident's card: names, nationality, occupation, iqama and passport, location, visas."""
    lines = [
        _("🪪 Resident card of {name}").format(name=shown_name(card.name_ar, card.name_en)),
        _line(_("Iqama number"), card.iqama_number),
        _line(_("Name in English"), isolate(card.name_en or "") or _("not recorded")),
        _line(_("Nationality"), shown_nationality(card.nationality)),
        _line(_("Occupation"), card.occupation),
        _line(_("Iqama expiry"), _iqama_expiry(card)),
        _line(_("Passport number"), card.passport_number),
        _line(_("Passport expiry"), _date_and_days(card.passport_expiry, card.passport_days_left)),
        _line(_("Location"), _label(LOCATION_LABELS, card.location)),
        _line(_("Dependants"), card.dependants),
    ]
    if card.active_visas:
        lines.append(_("🛂 Visas in force:"))
        lines += [_visa_summary(v) for v in card.active_visas]
    else:
        lines.append(_line(_("Visas in force"), _("none")))
    return "\n".join(lines)


def render_matches(matches: Sequence[NameMatch], query: str | None = None) -> str:
    """Name-search results with their iqama numbers, or what to try when nothing matched."""
    if not matches:
        if query:
            return _(
                "🔎 I found no resident named “{query}” in your establishment.\n"
                "Try the first name and the family name, or send the iqama number."
            ).format(query=isolate(query))
        return _(
            "🔎 I found no resident with this name in your establishment.\n"
            "Try the first name and the family name, or send the iqama number."
        )
    lines = [_("🔎 Search results for “{query}”:").format(query=isolate(query)) if query else _("🔎 Search results:")]
    for m in matches:
        item = _("{name} — iqama {iqama} — {nationality}, {occupation}").format(
            name=shown_name(m.name_ar, m.name_en),
            iqama=m.iqama_number,
            nationality=shown_nationality(m.nationality),
            occupation=m.occupation,
        )
        lines.append(f"{BULLET} {item}")
    lines.append(_("Choose the resident you mean or send their iqama number."))
    return "\n".join(lines)


def render_match_page(result: NameSearchPage) -> str:
    """A page of a name search: the matches, and how many there are in all when more than one page's worth
    match (with the next page offered, or a narrower name asked for when there are many)."""
    if not result.matches:
        return render_matches([], result.query)
    lines = render_matches(result.matches, result.query).splitlines()[:-1]
    last = result.first + len(result.matches) - 1
    if result.many:
        lines.append(
            _(
                "I found more than {n} residents with this name; these are the closest. Write the name with the "
                "family name (e.g. “Mohammed Khan”) or send the iqama number to narrow the search."
            ).format(n=RULES["search"]["narrow_above"])
        )
    elif result.found > len(result.matches):
        lines.append(_("Results {first}-{last} of {found}.").format(first=result.first, last=last, found=result.found))
    if result.more:
        lines.append(_("Choose the resident you mean or send their iqama number, or tap “More” for the next results."))
    else:
        lines.append(_("Choose the resident you mean or send their iqama number."))
    return "\n".join(lines)


def render_resident_summary(card: ResidentCard) -> str:
    """A short card (a bare iqama number sent outside a request): who, iqama and passport expiry, where,
    and the visa in force if any; the full card is «بطاقة المقيم»."""
    lines = [
        _("🪪 {name} — iqama {iqama}").format(name=shown_name(card.name_ar, card.name_en), iqama=card.iqama_number),
        _("{nationality}, {occupation} — {location}").format(
            nationality=shown_nationality(card.nationality),
            occupation=card.occupation,
            location=_label(LOCATION_LABELS, card.location),
        ),
        _line(_("Iqama expiry"), _iqama_expiry(card)),
        _line(_("Passport expiry"), _date_and_days(card.passport_expiry, card.passport_days_left)),
    ]
    lines += [_visa_summary(v) for v in card.active_visas[:1]]
    lines.append(_("What would you like to do for this resident?"))
    return "\n".join(lines)


def render_licence(licence: LicenceInfo | None, iqama_number: str | None = None) -> str:
    """The driving licence, or that none is recorded for the resident."""
    if licence is None:
        if iqama_number:
            return _("🚗 No driving licence is recorded for the resident with iqama {iqama}.").format(
                iqama=iqama_number
            )
        return _("🚗 No driving licence is recorded for this resident.")
    return "\n".join(
        [
            _("🚗 Driving licence of {name}").format(name=shown_name(licence.name_ar, licence.name_en)),
            _line(_("Iqama number"), licence.iqama_number),
            _line(_("Licence type"), isolate(licence.licence_type)),
            _line(_("Licence number"), licence.number),
            _line(_("Expiry date"), _date_and_days(licence.expiry, licence.days_left)),
        ]
    )


def _visa_summary(visa: VisaInfo) -> str:
    summary = _("{visa} No. {number} — {status} — {until} {date}").format(
        visa=_visa_title(visa),
        number=visa.number,
        status=_label(VISA_STATUS_LABELS, visa.status),
        until=_("leave before") if visa.kind == "final_exit" else _("return before"),
        date=format_date(visa.valid_until),
    )
    return f"{BULLET} {summary}"


def render_visa(visa: VisaInfo, today: date | None = None) -> str:
    """One visa in full: type, resident, status, issue date and return/leave-before date."""
    lines = [
        _("🛂 {visa} visa No. {number}").format(visa=_visa_title(visa), number=visa.number),
        _line(
            _("Resident"),
            _("{name} (iqama {iqama})").format(name=shown_name(visa.name_ar, visa.name_en), iqama=visa.iqama_number),
        ),
        _line(_("Status"), _label(VISA_STATUS_LABELS, visa.status)),
        _line(_("Issue date"), format_date(visa.issued_on)),
    ]
    until = format_date(visa.valid_until)
    if visa.status in ("issued", "used"):
        until = _date_and_days(visa.valid_until, days_until(visa.valid_until, today))
    lines.append(_line(_valid_until_label(visa), until))
    return "\n".join(lines)


def render_visas(visas: Sequence[VisaInfo], iqama_number: str | None = None) -> str:
    """A resident's visas, current first (as `inquiries.visas_of_resident` orders them)."""
    if not visas:
        if iqama_number:
            return _("🛂 No visas are recorded for the resident with iqama {iqama}.").format(iqama=iqama_number)
        return _("🛂 No visas are recorded for this resident.")
    head = visas[0]
    lines = [
        _("🛂 Visas of {name} (iqama {iqama})").format(
            name=shown_name(head.name_ar, head.name_en), iqama=head.iqama_number
        )
    ]
    lines += [_visa_summary(v) for v in visas]
    return "\n".join(lines)


def render_expiring(rows: Sequence[ExpiringRow], days: int | None = None) -> str:
    """Iqamas expiring within `days` days or expired, soonest first."""
    days = RULES["reports"]["expiring_default_days"] if days is None else days
    if not rows:
        return ngettext(
            "✅ No iqama has expired or expires within {days} day.",
            "✅ No iqama has expired or expires within {days} days.",
            days,
        ).format(days=days)
    expired = sum(1 for r in rows if r.days_left < 0)
    lines = [
        ngettext(
            "📋 Iqamas expired or expiring within {days} day: {count} ({expired} expired)",
            "📋 Iqamas expired or expiring within {days} days: {count} ({expired} expired)",
            days,
        ).format(days=days, count=len(rows), expired=expired)
    ]
    items = [
        BULLET
        + " "
        + _("{name} — iqama {iqama} — {detail}").format(
            name=shown_name(r.name_ar, r.name_en),
            iqama=r.iqama_number,
            detail=_date_and_days(r.iqama_expiry, r.days_left),
        )
        for r in rows[:MAX_LIST_LINES]
    ]
    return "\n".join(lines + _cut(items, len(rows)))


def render_abroad(rows: Sequence[AbroadRow]) -> str:
    """Residents outside the Kingdom, overdue returns first."""
    if not rows:
        return _("✅ No resident is outside the Kingdom right now.")
    overdue = sum(1 for r in rows if r.overdue)
    lines = [
        ngettext(
            "✈️ Residents outside the Kingdom: {count} ({overdue} past their return date)",
            "✈️ Residents outside the Kingdom: {count} ({overdue} past their return date)",
            overdue,
        ).format(count=len(rows), overdue=overdue)
    ]
    items = []
    for r in rows[:MAX_LIST_LINES]:
        if r.return_before is None:
            when = _("no exit/re-entry visa on record")
        else:
            until = _date_and_days(r.return_before, r.days_left)
            when = (_("⚠️ overdue — return before {date}") if r.overdue else _("return before {date}")).format(
                date=until
            )
        item = _("{name} — iqama {iqama} — {detail}").format(
            name=shown_name(r.name_ar, r.name_en), iqama=r.iqama_number, detail=when
        )
        items.append(f"{BULLET} {item}")
    return "\n".join(lines + _cut(items, len(rows)))


def riyadh_moment(moment: datetime) -> datetime:
    """A stored moment (aware, or naive UTC from SQLite) in Riyadh's time."""
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).astimezone(RIYADH)


def format_moment(moment: datetime) -> str:
    """A stored moment as replies show it: its Riyadh date (Gregorian and Hijri) and time."""
    local = riyadh_moment(moment)
    return _("{date} at {time}").format(date=format_date(local.date()), time=f"{local:%H:%M}")


ROLE_LABELS = {"owner": N_("owner"), "agent": N_("agent")}
USER_STATUS_LABELS = {"active": N_("active"), "suspended": N_("suspended"), "removed": N_("removed")}


def render_user(view) -> str:
    """One user of the establishment (residency.users.UserView): name, role and status, services, last activity."""
    if view.role == "owner":
        services = _("every service")
    else:
        services = _(", ").join(_label(SERVICE_LABELS, service) for service in view.services) or _("no services")
    return _("{bullet} {name} ({telegram_id}) — {role}, {status} — {services} — last activity: {last}").format(
        bullet=BULLET,
        name=isolate(view.name) if view.name else _("without a name"),
        telegram_id=view.telegram_id,
        role=_label(ROLE_LABELS, view.role),
        status=_label(USER_STATUS_LABELS, view.status),
        services=services,
        last=format_moment(view.last_activity) if view.last_activity else _("none yet"),
    )


def render_history(rows: Sequence[HistoryRow]) -> str:
    """The establishment's latest transactions, newest first."""
    if not rows:
        return _("🧾 No transactions are recorded for your establishment yet.")
    lines = [ngettext("🧾 Latest transaction:", "🧾 Latest {n} transactions:", len(rows)).format(n=len(rows))]
    for r in rows:
        parts = [f"{BULLET} {_label(SERVICE_LABELS, r.service)}"]
        if r.iqama_number:
            parts.append(_("iqama {iqama}").format(iqama=r.iqama_number))
        parts.append(_("fees {amount}").format(amount=riyals(r.total)) if r.total else _("no fees"))
        lines.append(" — ".join(parts))
        when, receipt = format_date(riyadh_moment(r.created_at).date()), r.receipt_number
        if r.summary:
            detail = _("on {date}, transaction No. {receipt}; {summary}").format(
                date=when, receipt=receipt, summary=r.summary
            )
        else:
            detail = _("on {date}, transaction No. {receipt}").format(date=when, receipt=receipt)
        lines.append("  " + detail)
    return "\n".join(lines)


def render_levy_insight(insight: LevyInsight | None) -> list[str]:
    """The levy insight as a line (none without one): how many Saudis to hire for the lower levy, and the
    yearly saving. For the account status here and the cost forecast's answer."""
    if insight is None:
        return []
    return [
        ngettext(
            "💡 Saudis are {n} fewer than expatriates: hiring {n} Saudi brings the expat levy from {now} to {after} "
            "a month for every expatriate and saves {saving} a year.",
            "💡 Saudis are {n} fewer than expatriates: hiring {n} Saudis brings the expat levy from {now} to {after} "
            "a month for every expatriate and saves {saving} a year.",
            insight.saudis_to_hire,
        ).format(
            n=insight.saudis_to_hire,
            now=riyals(insight.rate_now),
            after=riyals(insight.rate_after),
            saving=riyals(insight.yearly_saving),
        )
    ]


def render_account(status: AccountStatus) -> str:
    """Plan, subscription, balance and head counts of the establishment, and the levy insight."""
    return "\n".join(
        [
            _("🏢 Account of {name}").format(name=isolate(status.name_ar)),
            _line(_("Unified number"), status.number),
            _line(_("Plan"), _label(PLAN_LABELS, status.plan)),
            _line(_("Subscribed until"), _date_and_days(status.subscription_until, status.subscription_days_left)),
            _line(_("Balance"), riyals(status.balance)),
            _line(_("Registered residents"), status.resident_count),
            _line(
                _("Workforce"),
                _("{saudi} Saudi, {expat} non-Saudi").format(saudi=status.saudi_count, expat=status.expat_count),
            ),
            *render_levy_insight(status.levy_insight),
        ]
    )


# --- activity log (residency.activity) ------------------------------------------------------------------

ROLE_LABELS = {"owner": N_("owner"), "agent": N_("agent")}
# What a line says, by (kind, action) or kind (ids): {name} the user it was about, {role}, {id} the
# approval's number, {service} the service's label.
ACTIVITY_TEXTS = {
    ("approval", "approved"): N_("Approved request no. {id}: {service}"),
    ("approval", "declined"): N_("Declined request no. {id}: {service}"),
    ("approval", "lapsed"): N_("Request no. {id} had lapsed: {service}"),
    ("approval", "refused"): N_("Approved request no. {id}, which a rule then refused: {service}"),
    ("user", "invited"): N_("Activation code issued for {name} ({role})"),
    ("user", "added"): N_("{name} added as {role}"),
    ("user", "services_changed"): N_("Services of {name} changed"),
    ("user", "suspended"): N_("{name} suspended"),
    ("user", "reactivated"): N_("{name} reactivated"),
    ("user", "removed"): N_("{name} removed"),
    "activation": N_("Activated the account as {role}"),
}
ACTIVITY_HEADERS = {  # by (a person named, a first day given)
    (False, False): N_("📋 The establishment's activity ({lines}):"),
    (False, True): N_("📋 The establishment's activity since {date} ({lines}):"),
    (True, False): N_("📋 Activity of {person} ({lines}):"),
    (True, True): N_("📋 Activity of {person} since {date} ({lines}):"),
}
ACTIVITY_CSV_COLUMNS = (
    N_("Date"),
    N_("Time"),
    N_("Who"),
    N_("Telegram id"),
    N_("What"),
    N_("Iqama number"),
    N_("Resident"),
    N_("Amount"),
)


def activity_who(row: ActivityRow) -> str:
    """Who did it: the user's name (or Telegram id), or the administrator."""
    return row.who or _("the administrator")


def activity_what(row: ActivityRow) -> str:
    """What a line of the activity log records, in the reply language, with the services it names."""
    details = row.details
    if row.kind == "execution":
        what = _label(SERVICE_LABELS, row.action)
        receipt = details.get("receipt_number")
        return _("{service} (transaction No. {receipt})").format(service=what, receipt=receipt) if receipt else what
    text = ACTIVITY_TEXTS.get((row.kind, row.action)) or ACTIVITY_TEXTS.get(row.kind)
    if text is None:
        return row.action
    what = _(text).format(
        name=isolate(row.subject or details.get("name") or _("a new user")),
        role=_label(ROLE_LABELS, details.get("role") or row.action),
        id=row.approval_id or "",
        service=_label(SERVICE_LABELS, details.get("service", "")),
    )
    if details.get("services"):
        services = _(", ").join(_label(SERVICE_LABELS, name) for name in details["services"])
        what = _("{what}; services: {services}").format(what=what, services=services)
    return what


def render_activity(report: ActivityReport) -> str:
    """The activity asked for, newest first: at most ACTIVITY_LINES lines, then how many more (the chat
    sends `activity_csv` beside a longer answer: `needs_activity_csv`)."""
    rows = report.rows
    if not rows:
        return _("📋 No activity is recorded for this request.")
    lines_phrase = ngettext("{n} line", "{n} lines", len(rows)).format(n=len(rows))
    header = _(ACTIVITY_HEADERS[(report.person is not None, report.since is not None)]).format(
        person=isolate(report.person or ""),
        date=format_date(report.since) if report.since else "",
        lines=lines_phrase,
    )
    lines = [header] + [_activity_line(row) for row in rows[:ACTIVITY_LINES]]
    rest = len(rows) - ACTIVITY_LINES
    if rest > 0:
        lines.append(
            ngettext(
                "… and {n} more line, in the attached CSV file.",
                "… and {n} more lines, in the attached CSV file.",
                rest,
            ).format(n=rest)
        )
    return "\n".join(lines)


def _activity_line(row: ActivityRow) -> str:
    moment = riyadh_moment(row.at)
    parts = [f"{BULLET} {moment:%Y-%m-%d %H:%M}", isolate(activity_who(row)), activity_what(row)]
    if row.iqama_number:
        parts.append(_("{name} (iqama {iqama})").format(name=isolate(row.resident_name or ""), iqama=row.iqama_number))
    if row.amount:
        parts.append(riyals(row.amount))
    return " — ".join(parts)


def needs_activity_csv(report: ActivityReport) -> bool:
    """Whether the answer is cut (over ACTIVITY_LINES lines): the chat then sends `activity_csv` with it."""
    return len(report.rows) > ACTIVITY_LINES


def activity_csv(rows: Sequence[ActivityRow]) -> bytes:
    """Every line as CSV (UTF-8 with BOM, for Excel), in the reply language; times in Riyadh."""
    return rows_to_csv(
        (
            (
                f"{riyadh_moment(row.at):%Y-%m-%d}",
                f"{riyadh_moment(row.at):%H:%M}",
                activity_who(row),
                row.who_telegram_id or "",
                activity_what(row),
                row.iqama_number or "",
                row.resident_name or "",
                row.amount,
            )
            for row in rows
        ),
        [_(column) for column in ACTIVITY_CSV_COLUMNS],
    )


# --- requests for approval (residency.services.approvals) -----------------------------------------------

# How a request's input is worded (ids with {value}); the resident's number is shown with its name.
INPUT_PHRASES = {
    "occupation": N_("new occupation: {value}"),
    "establishment_number": N_("to establishment {value}"),
    "passport_number": N_("new passport {value}"),
    "passport_expiry": N_("valid until {value}"),
    "number": N_("visa {value}"),
}
RESIDENTS_NAMED = 5


def _input_phrase(key: str, value) -> str:
    if key == "duration":
        return Duration.parse(value).describe()
    if key == "visa_type":
        kind = _label(VISA_KIND_LABELS, "exit_reentry")
        return _("{kind} ({entry_type})").format(kind=kind, entry_type=_label(ENTRY_TYPE_LABELS, value))
    if key == "passport_expiry":
        value = format_date(date.fromisoformat(value))
    return _(INPUT_PHRASES[key]).format(value=value) if key in INPUT_PHRASES else f"{key}: {value}"


def describe_inputs(inputs: dict) -> str:
    """A request's inputs in words ("خروج وعودة (متعددة)، 3 أشهر"), in their order; "" when there are none."""
    return _(", ").join(_input_phrase(key, value) for key, value in inputs.items() if value not in (None, ""))


def _named(number: str, name: str) -> str:
    """A worker by name and number: its iqama's, or a new arrival's border number."""
    if identifiers.classify_number(number) is identifiers.IdKind.BORDER:
        return _("{name} (border number {number})").format(name=isolate(name), number=number)
    return _("{name} (iqama {iqama})").format(name=isolate(name), iqama=number)


def describe_request(view) -> str:
    """What a request for approval (residency.services.approvals.ApprovalView) asks: the service, its worker
    with name and number (several: how many, and the first RESIDENTS_NAMED), and its inputs."""
    service = _label(SERVICE_LABELS, view.service)
    if len(view.residents) == 1:
        lines = [_("{service} — {worker}").format(service=service, worker=_named(*view.residents[0]))]
    else:
        count = len(view.residents)
        lines = [
            ngettext("{service} for {n} resident:", "{service} for {n} residents:", count).format(
                service=service, n=count
            )
        ]
        lines += [f"{BULLET} {_named(*resident)}" for resident in view.residents[:RESIDENTS_NAMED]]
        if count > RESIDENTS_NAMED:
            rest = count - RESIDENTS_NAMED
            lines.append(ngettext("… and {n} more resident.", "… and {n} more residents.", rest).format(n=rest))
    inputs = describe_inputs(view.inputs)
    if inputs:
        lines.append(_("Details: {inputs}").format(inputs=inputs))
    return "\n".join(lines)
