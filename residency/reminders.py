"""Daily reminders (SPEC section 4) and the notification outbox the bot drains.

`queue_due_reminders` runs once a day (rules.yml reminders.hour, Riyadh): for each establishment it
writes ONE message per owner into the outbox (`Notification`) listing what is about to cost it
fines, in the owner's reply language (`owner_language`). The bot's sender takes `pending_notifications`, sends them, then `mark_notification_sent`.

Fines prevented (SPEC 10.4): an item whose fine a service prevents carries that service's request as a
button of the message, {"title", "payload", "fix"}. `fix` is the request as data: the service and its
inputs under the dialogue's slot names ({"service": "renew_iqama", "iqama_number": "2...", "duration":
"P12M"}); `payload` is the same request as the dialogue's intent payload (`fix_payload`), so that a press is
an ordinary request: it is quoted with the facts of the day it is pressed and executes nothing without that
quote's confirmation. The fixes: an unused exit/re-entry near its return-before date (the resident is
inside) -> cancel_exit_reentry (it avoids the unused-visa fine); an iqama expiring within
reminders.renew_fix_within_days -> renew_iqama for reminders.renew_fix_months; an iqama lapsed within its
grace days -> the same renewal now, the button naming the day the late-renewal fine starts. A fix is offered
only when its quote would go through that morning (every rule of the service, the balance aside: the quote
says what is missing).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import partial

from sqlalchemy.exc import IntegrityError

from replies import _, language, ngettext
from residency import calendar, fees, queries
from residency.db import UnitOfWork
from residency.errors import ResidencyError
from residency.models import Establishment, Notification, ReminderItem, utcnow
from residency.rules import RULES
from residency.services.base import SERVICES, Actor, ServiceContext, resolve_actor
from residency.text_safety import isolate
from residency.presentation.texts import shown_name

# Lines listed per section of a reminder (rules.yml display.reminder_lines_per_section); the rest are counted.
LINES_PER_SECTION = int(RULES["display"]["reminder_lines_per_section"])


@dataclass(frozen=True)
class DueItem:
    key: str  # stable identity of the reminded fact, e.g. "iqama:2158813994:2026-12-27"
    render: Callable[[], str]  # its line, written in the reply language of the moment
    fix: dict[str, str] | None = None  # the request that prevents the fine (see the module docstring)
    fix_title: Callable[[], str] | None = None  # its button's title, in the reply language of the moment

    @property
    def line(self) -> str:
        return self.render()


def fix_payload(fix: dict[str, str]) -> str:
    """The dialogue's payload of a fix: its service's intent with its inputs as entities,
    '/renew_iqama{"iqama_number": "2...", "duration": "P12M"}'."""
    inputs = {slot: value for slot, value in fix.items() if slot != "service"}
    return f"/{fix['service']}{json.dumps(inputs, ensure_ascii=False)}"


def _renewal_fix(iqama: str) -> dict[str, str]:
    return {"service": "renew_iqama", "iqama_number": iqama, "duration": f"P{RULES['reminders']['renew_fix_months']}M"}


def _renew_title(iqama: str) -> str:
    months = int(RULES["reminders"]["renew_fix_months"])
    return ngettext("🔁 Renew iqama {iqama} for {n} month", "🔁 Renew iqama {iqama} for {n} months", months).format(
        iqama=iqama, n=months
    )


def _renew_now_title(iqama: str, fine_from: date) -> str:
    return _("🔁 Renew iqama {iqama} now: the late fine starts on {date}").format(
        iqama=iqama, date=fine_from.isoformat()
    )


def _cancel_title(visa: str, fine: int) -> str:
    return _("❌ Cancel visa {visa} (avoids the {fine} SAR fine)").format(visa=visa, fine=fine)


def owner_language(uow: UnitOfWork, telegram_id: int) -> str | None:
    """The one place that chooses the language of an owner's reminder: the language the owner chose
    (`/lang`), else None (Arabic)."""
    from residency.languages import stored_language

    return stored_language(uow, telegram_id)


def _iqama_due(days_left: int) -> bool:
    days = RULES["reminders"]["iqama_days"]
    return days_left in days or 0 <= days_left <= min(days)


def _due_iqamas(uow: UnitOfWork, establishment_id: int, today: date) -> list[DueItem]:
    horizon = today + timedelta(days=max(RULES["reminders"]["iqama_days"]))
    fix_within = int(RULES["reminders"]["renew_fix_within_days"])
    rows = queries.iqamas_expiring_between(uow, establishment_id, today, horizon)
    return [
        DueItem(
            f"iqama:{iqama}:{expiry.isoformat()}",
            partial(_iqama_line, names, iqama, expiry, today),
            *((_renewal_fix(iqama), partial(_renew_title, iqama)) if (expiry - today).days <= fix_within else ()),
        )
        for iqama, names, expiry in rows
        if _iqama_due((expiry - today).days)
    ]


def _iqama_line(names: tuple[str, str], iqama: str, expiry: date, today: date) -> str:
    return _("• {name} — iqama {iqama} — expires {date} — {days_left}").format(
        name=shown_name(*names),
        iqama=iqama,
        date=calendar.format_date(expiry),
        days_left=calendar.format_days_left((expiry - today).days),
    )


def _late_renewal_note(expiry: date, offences: int, today: date) -> str:
    """What renewing a lapsed iqama costs now (the renewal's own rule, fees.late_renewal)."""
    late, fine = fees.late_renewal(expiry, today, offences)
    if not late:
        next_fine = fees.late_renewal_fine(offences)
        last_day = calendar.format_date(fees.late_renewal_after(expiry))
        if next_fine is None:
            return _(
                "renew it by {date}; after that it cannot be renewed online (a third late renewal) and the "
                "passports office must be visited"
            ).format(date=last_day)
        return _("renew it by {date} to avoid the late renewal fine of {fine} SAR").format(
            date=last_day, fine=next_fine
        )
    if fine is None:
        return _("third late renewal: it cannot be renewed online, go to the passports office")
    return _("late renewal fine now {fine} SAR (offence no. {offence})").format(fine=fine, offence=offences + 1)


def _expired_iqamas(uow: UnitOfWork, establishment_id: int, today: date) -> list[DueItem]:
    """Iqamas already expired and not renewed (listed every day until renewed) with the late-renewal fine
    a renewal now carries; not a resident who has left on a final exit."""
    rows = queries.iqamas_expired_unrenewed(uow, establishment_id, today)
    return [
        DueItem(
            f"iqama_expired:{iqama}:{expiry.isoformat()}",
            partial(_expired_iqama_line, names, iqama, expiry, offences, today),
            *_within_grace_fix(iqama, expiry, today),
        )
        for iqama, names, expiry, offences in rows
    ]


def _within_grace_fix(iqama: str, expiry: date, today: date) -> tuple:
    """A lapsed iqama still within its grace days: renew now, the button naming the day the fine starts."""
    last_free_day = fees.late_renewal_after(expiry)
    if today > last_free_day:
        return ()
    return _renewal_fix(iqama), partial(_renew_now_title, iqama, last_free_day + timedelta(days=1))


def _expired_iqama_line(names: tuple[str, str], iqama: str, expiry: date, offences: int, today: date) -> str:
    return _("• {name} — iqama {iqama} — expired {date} — {days_left} — {note}").format(
        name=shown_name(*names),
        iqama=iqama,
        date=calendar.format_date(expiry),
        days_left=calendar.format_days_left((expiry - today).days),
        note=_late_renewal_note(expiry, offences, today),
    )


def _exit_reentries(uow: UnitOfWork, establishment_id: int, status: str, today: date, within_days: int):
    return queries.exit_reentries_ending(uow, establishment_id, status, today, within_days)


def _due_returns(uow: UnitOfWork, establishment_id: int, today: date) -> list[DueItem]:
    rows = _exit_reentries(uow, establishment_id, "used", today, RULES["reminders"]["return_within_days"])
    return [
        DueItem(f"return:{visa}:{until.isoformat()}", partial(_return_line, names, iqama, until, today))
        for iqama, names, visa, until in rows
    ]


def _return_line(names: tuple[str, str], iqama: str, until: date, today: date) -> str:
    return _("• {name} — iqama {iqama} — return before {date} — {days_left}").format(
        name=shown_name(*names),
        iqama=iqama,
        date=calendar.format_date(until),
        days_left=calendar.format_days_left((until - today).days),
    )


def _due_unused_visas(uow: UnitOfWork, establishment_id: int, today: date) -> list[DueItem]:
    rows = _exit_reentries(uow, establishment_id, "issued", today, RULES["exit_reentry"]["unused_warning_days"])
    fine = int(RULES["exit_reentry"]["unused_fine"])
    return [
        DueItem(
            f"unused_visa:{visa}:{until.isoformat()}",
            partial(_unused_visa_line, names, visa, until, fine, today),
            {"service": "cancel_exit_reentry", "visa_number": visa},
            partial(_cancel_title, visa, fine),
        )
        for _iqama, names, visa, until in rows
    ]


def _unused_visa_line(names: tuple[str, str], visa: str, until: date, fine: int, today: date) -> str:
    return _("• {name} — visa {visa} — expires {date} — {days_left} — a {fine} SAR fine if it lapses unused").format(
        name=shown_name(*names),
        visa=visa,
        date=calendar.format_date(until),
        days_left=calendar.format_days_left((until - today).days),
        fine=fine,
    )


def _offered(uow: UnitOfWork, actor: Actor, today: date, item: DueItem) -> DueItem:
    """The item with its fix only when the fix's quote goes through on `today` (the balance aside)."""
    if item.fix is None:
        return item
    handler = SERVICES[item.fix["service"]]
    ctx = ServiceContext(uow, actor, check_balance=False)
    ctx.today = today
    try:
        handler.quote(ctx, **handler.quote_inputs(item.fix.get))
    except ResidencyError:
        return replace(item, fix=None, fix_title=None)
    return item


def _buttons(sections: list[list[DueItem]]) -> list[dict]:
    """The fixes of the items the message lists, in its order, in the reply language of the moment."""
    return [
        {"title": item.fix_title(), "payload": fix_payload(item.fix), "fix": item.fix}
        for section in sections
        for item in section[:LINES_PER_SECTION]
        if item.fix is not None
    ]


def _section(title: str, items: list[DueItem]) -> list[str]:
    if not items:
        return []
    lines = [title] + [item.line for item in items[:LINES_PER_SECTION]]
    if len(items) > LINES_PER_SECTION:
        lines.append(_("… and {n} other items.").format(n=len(items) - LINES_PER_SECTION))
    return lines


def _message(establishment: Establishment, expired, iqamas, returns, unused) -> str:
    fine = int(RULES["exit_reentry"]["unused_fine"])
    lines = [_("⏰ Today's reminder for {establishment}").format(establishment=isolate(establishment.name_ar))]
    lines += _section(_("⛔ Expired iqamas not renewed yet (they stay in the reminder until renewed):"), expired)
    lines += _section(_("🪪 Iqamas about to expire (renew them in time to avoid the late renewal fine):"), iqamas)
    lines += _section(_("✈️ Residents outside the Kingdom who are due back soon:"), returns)
    lines += _section(
        _(
            "🛂 Unused exit/re-entry visas about to end (letting one lapse unused costs a {fine} SAR fine: "
            "cancel it if the trip is off):"
        ).format(fine=fine),
        unused,
    )
    return "\n".join(lines)


def _dedupe_key(establishment_id: int, today: date, telegram_id: int) -> str:
    return f"reminder:{establishment_id}:{today.isoformat()}:{telegram_id}"


def queue_due_reminders(uow: UnitOfWork, today: date | str | None = None) -> int:
    """Queue today's reminders; returns how many notifications were queued (one per owner at most).

    First, unused exit/re-entries whose return-before date has passed are expired and fined (committed).
    Listed, per establishment:
    - iqamas already expired and not renewed, every day until renewed, with the late-renewal fine a
      renewal now carries (or the last fine-free day, or that it can no longer be renewed online);
    - iqamas whose days left are exactly one of rules.yml reminders.iqama_days (30, 14) or between 0 and
      the smallest of them (7) inclusive: so on day 30, day 14, then every day of the last week;
    - residents abroad on an exit/re-entry whose return-before date is within reminders.return_within_days;
    - unused (issued) exit/re-entry visas whose return-before date is within exit_reentry.unused_warning_days,
      naming the fine (exit_reentry.unused_fine) of letting one lapse unused.
    Approval requests undecided for 72 hours lapse first (residency.services.approvals.lapse_overdue).
    Each listed item is recorded as a `ReminderItem` for the day and each owner's message carries the dedupe
    key reminder:<establishment id>:<date>:<telegram id>, so running again the same day (even after a
    restart) queues nothing; an establishment already reminded today is not reminded again that day.
    Everything is committed once.
    """
    if isinstance(today, str):
        today = date.fromisoformat(today)
    today = today or calendar.today()
    # Unused exit/re-entries that lapsed are expired and fined (once each), committed on their own.
    from residency.services.approvals import lapse_overdue
    from residency.services.visas import expire_unused_exit_reentries

    expire_unused_exit_reentries(uow, today)
    uow.commit()
    lapse_overdue(uow)  # requests undecided for 72 hours lapse; their agents are told
    owners_by_establishment: dict[int, list[int]] = {}
    for establishment_id, telegram_id in queries.owners_of_all_establishments(uow):
        owners_by_establishment.setdefault(establishment_id, []).append(telegram_id)

    queued = 0
    for establishment_id, owners in owners_by_establishment.items():
        if queries.any_notification_keyed(uow, [_dedupe_key(establishment_id, today, t) for t in owners]):
            continue
        reminded = queries.reminded_items(uow, establishment_id, today)
        owner = resolve_actor(uow, owners[0], establishment_id)  # who the fixes are checked for
        sections = [
            [
                _offered(uow, owner, today, item)
                for item in finder(uow, establishment_id, today)
                if item.key not in reminded
            ]
            for finder in (_expired_iqamas, _due_iqamas, _due_returns, _due_unused_visas)
        ]
        if not any(sections):
            continue
        for item in (item for section in sections for item in section):
            uow.repo.add(ReminderItem(establishment_id=establishment_id, item_key=item.key, sent_on=today), flush=False)
        establishment = uow.repo.establishment(establishment_id)
        for telegram_id in owners:
            with language(owner_language(uow, telegram_id)):
                text = _message(establishment, *sections)
                buttons = _buttons(sections)
            key = _dedupe_key(establishment_id, today, telegram_id)
            uow.repo.add(Notification(telegram_id=telegram_id, text=text, buttons=buttons, dedupe_key=key), flush=False)
            queued += 1
    try:
        uow.commit()
    except IntegrityError:
        # Another run queued the same day's reminders concurrently and committed first.
        uow.rollback()
        return 0
    return queued


def pending_notifications(uow: UnitOfWork, limit: int = 50) -> list[Notification]:
    """Notifications not yet sent, oldest first; detached from the session, so still readable after the
    unit of work ends (send them, then `mark_notification_sent` each by id)."""
    return queries.pending_notifications(uow, limit)


def mark_notification_sent(uow: UnitOfWork, notification_id: int) -> None:
    """Record that a notification was delivered (commits); it is then no longer pending."""
    notification = uow.repo.notification(notification_id)
    if notification is not None and notification.sent_at is None:
        notification.sent_at = utcnow()
        uow.commit()
