"""Arabic plain-text answers for the inquiries, reports and account (used by the Rasa actions and the bot).

Right-to-left friendly: every line starts with an Arabic word, an emoji or a bullet, never with a Latin
word or a digit; one header line per answer; dates Gregorian + Hijri; amounts in whole riyals.

Every value a user or an imported file supplied (residents' and establishments' names, nationality,
licence type, a search query) is shown through `text_safety.isolate`: its control characters are
stripped and it is wrapped in FIRST STRONG ISOLATE ... POP DIRECTIONAL ISOLATE, so a right-to-left
override or an unbalanced embedding in a name cannot reorder the rest of the line, and a Latin name
inside an Arabic line keeps its own direction.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import Sequence

from residency.calendar import RIYADH, days_until, format_date, format_days_left
from residency.inquiries import LicenceInfo, NameMatch, NameSearchPage, ResidentCard, VisaInfo
from residency.reports import AbroadRow, AccountStatus, ExpiringRow, HistoryRow
from residency.rules import RULES
from residency.services.base import ENTRY_TYPE_LABELS, VISA_KIND_LABELS
from residency.text_safety import isolate

# Long lists are cut here (rules.yml display.max_list_lines); the rest is counted.
MAX_LIST_LINES = int(RULES["display"]["max_list_lines"])
BULLET = "•"

SERVICE_LABELS_AR = {
    "issue_iqama": "إصدار إقامة",
    "renew_iqama": "تجديد إقامة",
    "issue_exit_reentry": "إصدار تأشيرة خروج وعودة",
    "extend_exit_reentry": "تمديد تأشيرة خروج وعودة",
    "cancel_exit_reentry": "إلغاء تأشيرة خروج وعودة",
    "issue_final_exit": "إصدار تأشيرة خروج نهائي",
    "cancel_final_exit": "إلغاء تأشيرة خروج نهائي",
    "change_occupation": "تعديل مهنة",
    "transfer_sponsorship": "نقل خدمات (طلب)",
    "transfer_sponsorship_accept": "نقل خدمات (قبول)",
    "transfer_sponsorship_decline": "نقل خدمات (رفض)",
    "update_passport": "تحديث بيانات الجواز",
    "inquire_resident": "استعلام عن مقيم",
    "inquire_resident_by_name": "بحث عن مقيم بالاسم",
    "inquire_driving_license": "استعلام عن رخصة قيادة",
    "inquire_visa": "استعلام عن تأشيرة",
    "report_expiring_iqamas": "تقرير الإقامات المنتهية",
    "report_residents_abroad": "تقرير المقيمين خارج المملكة",
    "transaction_history": "سجل العمليات",
    "account_status": "حالة الحساب",
    "forecast_costs": "توقّع تكاليف الإقامات",
    "record_departure": "تسجيل مغادرة",
    "record_return": "تسجيل عودة",
}

LOCATION_AR = {"inside": "داخل المملكة", "outside": "خارج المملكة"}
VISA_STATUS_AR = {
    "issued": "صادرة ولم تُستخدم",
    "used": "مستخدمة (المقيم خارج المملكة)",
    "returned": "مستخدمة وعاد المقيم",
    "cancelled": "ملغاة",
    "expired": "منتهية",
}
PLAN_AR = {"comprehensive": "الباقة الشاملة", "transactions": "باقة المعاملات"}


def riyals(amount: int) -> str:
    """An amount in whole riyals, as every reply writes it: "10250 ريال"."""
    return f"{amount} ريال"


def _date_and_days(d: date, days_left: int) -> str:
    return f"{format_date(d)} — {format_days_left(days_left)}"


def _line(label: str, value: object) -> str:
    return f"{BULLET} {label}: {value}"


def _cut(lines: list[str], total: int) -> list[str]:
    """At most MAX_LIST_LINES item lines, then a line counting the rest."""
    if total <= MAX_LIST_LINES:
        return lines
    return lines[:MAX_LIST_LINES] + [f"… و{total - MAX_LIST_LINES} غيرهم."]


def _visa_title(visa: VisaInfo) -> str:
    title = VISA_KIND_LABELS.get(visa.kind, visa.kind)
    if visa.entry_type:
        title += " " + ENTRY_TYPE_LABELS.get(visa.entry_type, visa.entry_type)
    return title


def _valid_until_label(visa: VisaInfo) -> str:
    return "المغادرة قبل" if visa.kind == "final_exit" else "العودة قبل"


def render_resident_card(card: ResidentCard) -> str:
    """The resident's card: names, nationality, occupation, iqama and passport, location, visas."""
    lines = [
        f"🪪 بطاقة المقيم {isolate(card.name_ar)}",
        _line("رقم الإقامة", card.iqama_number),
        _line("الاسم بالإنجليزية", isolate(card.name_en or "") or "غير مسجل"),
        _line("الجنسية", isolate(card.nationality)),
        _line("المهنة", card.occupation),
        _line(
            "انتهاء الإقامة",
            _date_and_days(card.iqama_expiry, card.iqama_days_left) if card.iqama_expiry else "لم تصدر إقامة بعد",
        ),
        _line("رقم الجواز", card.passport_number),
        _line("انتهاء الجواز", _date_and_days(card.passport_expiry, card.passport_days_left)),
        _line("الموقع", LOCATION_AR.get(card.location, card.location)),
        _line("عدد المرافقين", card.dependants),
    ]
    if card.active_visas:
        lines.append("🛂 التأشيرات السارية:")
        lines += [_visa_summary(v) for v in card.active_visas]
    else:
        lines.append(_line("التأشيرات السارية", "لا توجد"))
    return "\n".join(lines)


def render_matches(matches: Sequence[NameMatch], query: str | None = None) -> str:
    """Name-search results with their iqama numbers, or what to try when nothing matched."""
    if not matches:
        about = f" باسم «{isolate(query)}»" if query else " بهذا الاسم"
        return f"🔎 لم أجد مقيمًا{about} في منشأتك.\nجرّب كتابة الاسم الأول واسم العائلة، أو أرسل رقم الإقامة."
    lines = [f"🔎 نتائج البحث عن «{isolate(query)}»:" if query else "🔎 نتائج البحث:"]
    for m in matches:
        lines.append(
            f"{BULLET} {isolate(m.name_ar)} — إقامة {m.iqama_number} — {isolate(m.nationality)}، {m.occupation}"
        )
    lines.append("اختر المقيم المقصود أو أرسل رقم إقامته.")
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
            f"وجدت أكثر من {RULES['search']['narrow_above']} مقيمًا بهذا الاسم، وهذه أقربهم. "
            "اكتب الاسم مع اسم العائلة (مثل «محمد خان») أو أرسل رقم الإقامة لتضييق البحث."
        )
    elif result.found > len(result.matches):
        lines.append(f"النتائج {result.first}-{last} من {result.found}.")
    lines.append(
        "اختر المقيم المقصود أو أرسل رقم إقامته." + (" أو اضغط «المزيد» لبقية النتائج." if result.more else "")
    )
    return "\n".join(lines)


def render_resident_summary(card: ResidentCard) -> str:
    """A short card (a bare iqama number sent outside a request): who, iqama and passport expiry, where,
    and the visa in force if any; the full card is «بطاقة المقيم»."""
    iqama = _date_and_days(card.iqama_expiry, card.iqama_days_left) if card.iqama_expiry else "لم تصدر إقامة بعد"
    lines = [
        f"🪪 {isolate(card.name_ar)} — إقامة {card.iqama_number}",
        f"{isolate(card.nationality)}، {card.occupation} — {LOCATION_AR.get(card.location, card.location)}",
        _line("انتهاء الإقامة", iqama),
        _line("انتهاء الجواز", _date_and_days(card.passport_expiry, card.passport_days_left)),
    ]
    lines += [_visa_summary(v) for v in card.active_visas[:1]]
    lines.append("ماذا تريد أن تنجز له؟")
    return "\n".join(lines)


def render_licence(licence: LicenceInfo | None, iqama_number: str | None = None) -> str:
    """The driving licence, or that none is recorded for the resident."""
    if licence is None:
        who = f" للمقيم صاحب الإقامة {iqama_number}" if iqama_number else " لهذا المقيم"
        return f"🚗 لا توجد رخصة قيادة مسجلة{who}."
    return "\n".join(
        [
            f"🚗 رخصة قيادة المقيم {isolate(licence.name_ar)}",
            _line("رقم الإقامة", licence.iqama_number),
            _line("نوع الرخصة", isolate(licence.licence_type)),
            _line("رقم الرخصة", licence.number),
            _line("تاريخ الانتهاء", _date_and_days(licence.expiry, licence.days_left)),
        ]
    )


def _visa_summary(visa: VisaInfo) -> str:
    status = VISA_STATUS_AR.get(visa.status, visa.status)
    return f"{BULLET} {_visa_title(visa)} رقم {visa.number} — {status} — {_valid_until_label(visa)} {format_date(visa.valid_until)}"


def render_visa(visa: VisaInfo, today: date | None = None) -> str:
    """One visa in full: type, resident, status, issue date and return/leave-before date."""
    lines = [
        f"🛂 تأشيرة {_visa_title(visa)} رقم {visa.number}",
        _line("المقيم", f"{isolate(visa.name_ar)} (إقامة {visa.iqama_number})"),
        _line("الحالة", VISA_STATUS_AR.get(visa.status, visa.status)),
        _line("تاريخ الإصدار", format_date(visa.issued_on)),
    ]
    until = format_date(visa.valid_until)
    if visa.status in ("issued", "used"):
        until = _date_and_days(visa.valid_until, days_until(visa.valid_until, today))
    lines.append(_line(_valid_until_label(visa), until))
    return "\n".join(lines)


def render_visas(visas: Sequence[VisaInfo], iqama_number: str | None = None) -> str:
    """A resident's visas, current first (as `inquiries.visas_of_resident` orders them)."""
    if not visas:
        who = f"صاحب الإقامة {iqama_number}" if iqama_number else "هذا المقيم"
        return f"🛂 لا توجد تأشيرات مسجلة للمقيم {who}."
    head = visas[0]
    lines = [f"🛂 تأشيرات المقيم {isolate(head.name_ar)} (إقامة {head.iqama_number})"]
    lines += [_visa_summary(v) for v in visas]
    return "\n".join(lines)


def render_expiring(rows: Sequence[ExpiringRow], days: int | None = None) -> str:
    """Iqamas expiring within `days` days or expired, soonest first."""
    days = RULES["reports"]["expiring_default_days"] if days is None else days
    if not rows:
        return f"✅ لا توجد إقامات منتهية ولا إقامات تنتهي خلال {days} يومًا."
    expired = sum(1 for r in rows if r.days_left < 0)
    lines = [f"📋 الإقامات المنتهية أو التي تنتهي خلال {days} يومًا: {len(rows)} (منها {expired} منتهية)"]
    items = [
        f"{BULLET} {isolate(r.name_ar)} — إقامة {r.iqama_number} — {_date_and_days(r.iqama_expiry, r.days_left)}"
        for r in rows[:MAX_LIST_LINES]
    ]
    return "\n".join(lines + _cut(items, len(rows)))


def render_abroad(rows: Sequence[AbroadRow]) -> str:
    """Residents outside the Kingdom, overdue returns first."""
    if not rows:
        return "✅ لا يوجد مقيمون خارج المملكة حاليًا."
    overdue = sum(1 for r in rows if r.overdue)
    lines = [f"✈️ المقيمون خارج المملكة: {len(rows)} (منهم {overdue} تأخروا عن موعد العودة)"]
    items = []
    for r in rows[:MAX_LIST_LINES]:
        if r.return_before is None:
            when = "لا توجد تأشيرة خروج وعودة مسجلة"
        else:
            flag = "⚠️ متأخر — " if r.overdue else ""
            when = f"{flag}العودة قبل {_date_and_days(r.return_before, r.days_left)}"
        items.append(f"{BULLET} {isolate(r.name_ar)} — إقامة {r.iqama_number} — {when}")
    return "\n".join(lines + _cut(items, len(rows)))


def _riyadh_date(moment: datetime) -> date:
    if moment.tzinfo is None:  # SQLite gives back naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(RIYADH).date()


def render_history(rows: Sequence[HistoryRow]) -> str:
    """The establishment's latest transactions, newest first."""
    if not rows:
        return "🧾 لا توجد عمليات مسجلة لمنشأتك بعد."
    lines = [f"🧾 آخر {len(rows)} عمليات:" if len(rows) > 1 else "🧾 آخر عملية:"]
    for r in rows:
        label = SERVICE_LABELS_AR.get(r.service, r.service)
        parts = [f"{BULLET} {label}"]
        if r.iqama_number:
            parts.append(f"إقامة {r.iqama_number}")
        parts.append(f"الرسوم {riyals(r.total)}" if r.total else "بدون رسوم")
        lines.append(" — ".join(parts))
        detail = f"  بتاريخ {format_date(_riyadh_date(r.created_at))}، عملية رقم {r.receipt_number}"
        lines.append(detail + (f"؛ {r.summary}" if r.summary else ""))
    return "\n".join(lines)


def render_account(status: AccountStatus) -> str:
    """Plan, subscription, balance and head counts of the establishment."""
    return "\n".join(
        [
            f"🏢 حساب المنشأة {isolate(status.name_ar)}",
            _line("الرقم الموحد", status.number),
            _line("الباقة", PLAN_AR.get(status.plan, status.plan)),
            _line(
                "الاشتراك حتى",
                _date_and_days(status.subscription_until, status.subscription_days_left),
            ),
            _line("الرصيد", riyals(status.balance)),
            _line("عدد المقيمين المسجلين", status.resident_count),
            _line("العمالة", f"سعوديون {status.saudi_count}، غير سعوديين {status.expat_count}"),
        ]
    )
