"""Arabic wording of what the dialogue shows: quotes, receipts, the fee rules of a service and the menu.

Figures come from the quote or from residency/rules.yml (RULES), never from literals here. Dates are
shown Gregorian and Hijri (residency.calendar.format_date); amounts in whole riyals.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from residency import calendar
from residency.errors import InvalidInput
from residency.rules import RULES
from residency.forecast import Forecast
from residency.services import Eligibility, Quote, Receipt
from residency.services.base import ENTRY_TYPE_LABELS
from residency.text_safety import isolate
from residency.texts import SERVICE_LABELS_AR, riyals


def confirm_buttons(quote_id: str) -> list[dict[str, str]]:
    """Confirm / cancel buttons bound to one quote: their payload names it (entity `quote_id`, used
    only by button payloads), so a button of an earlier quote never acts on the one pending now."""
    return [
        {"title": "تأكيد", "payload": f'/affirm{{"quote_id": "{quote_id}"}}'},
        {"title": "إلغاء", "payload": f'/deny{{"quote_id": "{quote_id}"}}'},
    ]


STALE_BUTTON = "هذا الزر يخص عرضًا سابقًا لم يعد قائمًا، فلم يُنفَّذ شيء. استعمل أزرار آخر عرض، أو اكتب طلبك من جديد."


def render_replayed(receipt: Receipt) -> str:
    return f"سبق تنفيذ هذا الطلب (رقم العملية: {receipt.receipt_number})، ولم يُخصم أي مبلغ مرة أخرى."


# One label table for services (residency/texts.py); the quote's wording of a transfer request.
SERVICE_LABELS = {**SERVICE_LABELS_AR, "transfer_sponsorship": "نقل خدمات"}

# Effects of a quote worth showing, in display order (dates are ISO strings in the quote).
EFFECT_LABELS = {
    "border_number": "رقم الحدود",
    "visa_number": "رقم التأشيرة",
    "entry_type": "نوع التأشيرة",
    "visa_type": "نوع التأشيرة",
    "duration": "المدة",
    "old_expiry": "تاريخ انتهاء الإقامة الحالي",
    "new_expiry": "تاريخ انتهاء الإقامة الجديد",
    "iqama_expiry": "تاريخ انتهاء الإقامة",
    "issued_on": "تاريخ الإصدار",
    "return_before": "العودة قبل",
    "old_return_before": "العودة قبل (حاليًا)",
    "new_return_before": "العودة قبل (بعد التمديد)",
    "leave_before": "المغادرة قبل",
    "old_occupation": "المهنة الحالية",
    "new_occupation": "المهنة الجديدة",
    "old_passport_number": "رقم الجواز الحالي",
    "old_passport_expiry": "انتهاء الجواز الحالي",
    "new_passport_number": "رقم الجواز الجديد",
    "new_passport_expiry": "انتهاء الجواز الجديد",
    "target_name": "المنشأة المستقبلة",
    "target_number": "رقمها الموحد",
}
# Dates a receipt no longer needs: a cancelled visa's return/leave-before date (old values never shown).
RECEIPT_SKIPS = {
    "cancel_exit_reentry": ("return_before",),
    "cancel_final_exit": ("leave_before",),
}


def _effect_value(key: str, value: Any) -> str | None:
    if isinstance(value, bool) or value is None:
        return None
    if key in ("entry_type", "visa_type"):
        return ENTRY_TYPE_LABELS.get(str(value), str(value))
    if key == "duration":
        try:
            return calendar.Duration.parse(value).describe_ar()
        except InvalidInput:  # a duration this module cannot word is shown as it is
            return str(value)
    if isinstance(value, str):
        try:
            return calendar.format_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


def effect_lines(effects: dict[str, Any], skip: tuple[str, ...] = ()) -> list[str]:
    lines = []
    for key, label in EFFECT_LABELS.items():
        if key in effects and key not in skip:
            shown = _effect_value(key, effects[key])
            if shown:
                lines.append(f"{label}: {shown}")
    return lines


def _subject(quote: Quote) -> str:
    label = SERVICE_LABELS.get(quote.service, quote.service)
    if quote.resident_name and quote.resident_iqama:
        return f"{label} — {isolate(quote.resident_name)} (إقامة {quote.resident_iqama})"
    if quote.resident_name:
        return f"{label} — {isolate(quote.resident_name)}"
    return label


DOCUMENT_LABELS = {"receipt": "إيصال العملية", "visa": "ورقة التأشيرة", "resident_report": "بيان المقيم"}
VISA_SERVICES = ("issue_exit_reentry", "extend_exit_reentry", "issue_final_exit")


def document_buttons(receipt: Receipt, quote: Quote) -> list[dict[str, str]]:
    """Offered under every receipt: its PDF, and for a visa service the visa's paper."""
    iqama = quote.resident_iqama or receipt.result.get("iqama_number")
    if not iqama or quote.service == "transfer_sponsorship":  # a transfer is only requested here
        return []
    buttons = [
        {
            "title": f"📄 {DOCUMENT_LABELS['receipt']} (PDF)",
            "payload": f'/request_document{{"document_type": "receipt", "iqama_number": "{iqama}"}}',
        }
    ]
    if quote.service in VISA_SERVICES:
        buttons.append(
            {
                "title": f"📄 {DOCUMENT_LABELS['visa']} (PDF)",
                "payload": f'/request_document{{"document_type": "visa", "iqama_number": "{iqama}"}}',
            }
        )
    return buttons


def render_eligibility(eligibility: Eligibility, subject: str) -> str:
    """The eligibility check's answer: every blocker with what to do, or possible with the fee."""
    label = SERVICE_LABELS.get(eligibility.service, eligibility.service)
    if eligibility.blockers:
        parts = [f"⛔ لا يمكن {label} {subject} الآن:" if subject else f"⛔ لا يمكن {label} الآن:"]
        parts.extend(f"• {blocker.message}" for blocker in eligibility.blockers)
        parts.append("لم يُنفَّذ شيء ولم يُخصم أي مبلغ.")
        return "\n".join(parts)
    quote = eligibility.quote
    parts = [f"✅ يمكن {label} — {_subject(quote).split(' — ', 1)[-1]}"]
    if quote.lines:
        parts.extend(f"• {line.label}: {riyals(line.amount)}" for line in quote.lines)
        parts.append(f"الإجمالي لو نُفِّذ الآن: {riyals(quote.total)}")
    else:
        parts.append("بلا رسوم على منشأتك.")
    parts.append("هذا فحص فقط: لم يُنفَّذ شيء. اكتب الطلب نفسه لتنفيذه.")
    return "\n".join(parts)


def render_forecast(forecast: Forecast) -> str:
    """Month by month: iqamas due, fees, levy, dependants' levy, total; the grand total; the levy a worker."""
    if not forecast.iqamas:
        return f"لا تجديدات إقامات مستحقة في الأشهر الـ{len(forecast.months)} القادمة، فلا تكاليف متوقعة."
    parts = [f"💰 تكاليف تجديد الإقامات المتوقعة (كل إقامة تُجدَّد عند انتهائها {forecast.renewal_months} شهرًا):"]
    for month in forecast.months:
        parts.append(
            f"• {month.label}: {month.iqamas} إقامة — رسوم {riyals(month.iqama_fees)}، مقابل مالي "
            f"{riyals(month.levy)}، مرافقون {riyals(month.dependants_levy)}"
            + (f"، غرامات {riyals(month.fines)}" if month.fines else "")
            + f" = {riyals(month.total)}"
        )
    parts.append(f"الإجمالي: {riyals(forecast.total)} لـ {forecast.iqamas} إقامة")
    parts.append(f"المقابل المالي للعامل في السنة: {riyals(forecast.levy_per_worker_per_year)}")
    if forecast.excluded:
        parts.append(f"غير محسوبة ({len(forecast.excluded)}): من عليه خروج نهائي أو لا يُجدَّد إلكترونيًا.")
    return "\n".join(parts)


def render_quote(quote: Quote) -> str:
    """The offer: each fee part, the total, the key dates, and the question."""
    parts = [f"طلب {_subject(quote)}"]
    if quote.lines:
        parts.append("الرسوم:")
        parts.extend(f"• {line.label}: {riyals(line.amount)}" for line in quote.lines)
        parts.append(f"الإجمالي: {riyals(quote.total)}")
    else:
        parts.append("الرسوم على منشأتك: لا شيء (مجانية)")
    if quote.service == "transfer_sponsorship" and "target_fee" in quote.effects:
        parts.append(f"رسوم النقل على المنشأة المستقبلة عند قبولها: {riyals(int(quote.effects['target_fee']))}")
    if quote.effects.get("note"):
        parts.append(str(quote.effects["note"]))
    parts.extend(effect_lines(quote.effects))
    parts.append("هل تؤكد التنفيذ؟")
    return "\n".join(parts)


def render_quote_summary(quote: Quote) -> str:
    """Whom and what a quote is about, with its fee lines (an owner's approval request)."""
    return "\n".join([_subject(quote), *(f"• {line.label}: {riyals(line.amount)}" for line in quote.lines)])


def render_receipt(receipt: Receipt, quote: Quote) -> str:
    """What changed, the total charged, the balance after, and the transaction id."""
    header = "سبق تنفيذ هذا الطلب" if receipt.replayed else "تم التنفيذ"
    parts = [f"{header}: {_subject(quote)}"]
    # A newly issued visa's number is known only now.
    effects = {**quote.effects, **{k: v for k, v in receipt.result.items() if k == "visa_number"}}
    old_values = ("old_expiry", "old_return_before", "old_occupation", "old_passport_number", "old_passport_expiry")
    parts.extend(effect_lines(effects, skip=RECEIPT_SKIPS.get(quote.service, ()) + old_values))
    if quote.service == "issue_iqama" and receipt.result.get("iqama_number"):
        parts.append(f"رقم الإقامة الصادرة: {receipt.result['iqama_number']}")
    if quote.service == "transfer_sponsorship":
        target = quote.effects.get("target_name") or quote.effects.get("target_number", "")
        parts.append(
            f"أُرسل الطلب إلى مالك المنشأة المستقبلة «{target}» ليقبله؛ تنتقل الخدمات وتُخصم رسوم النقل "
            "من المنشأة المستقبلة عند قبوله، وسأبلغك بالرد."
        )
    parts.append(f"المبلغ المخصوم: {riyals(receipt.total)}" if receipt.total else "لم يُخصم أي مبلغ (خدمة مجانية).")
    if receipt.balance_after is not None:
        parts.append(f"رصيد المنشأة بعد العملية: {riyals(receipt.balance_after)}")
    parts.append(f"رقم العملية: {receipt.receipt_number}")
    return "\n".join(parts)


def _join(values) -> str:
    return " / ".join(str(v) for v in values)


def _months(n: int) -> str:
    return calendar.Duration(months=int(n)).describe_ar()


def fee_rules(service: str) -> str:
    """The fee rules of a service, worded from rules.yml."""
    iqama, levy = RULES["iqama"], RULES["levy"]
    er = RULES["exit_reentry"]
    periods = iqama["allowed_periods_months"]
    iqama_fees = f"رسوم الإقامة {_join(iqama['fee_by_months'][m] for m in periods)} ريال لمدة {_join(periods)} شهرًا"
    levies = (
        f"المقابل المالي {levy['expat_per_month']} ريال شهريًا عن العامل "
        f"({levy['expat_per_month_saudi_majority']} إذا كان السعوديون في المنشأة بعدد الوافدين أو أكثر، "
        f"ولا مقابل على المهن المنزلية)، ومقابل المرافقين {levy['dependant_per_month']} ريال شهريًا لكل مرافق"
    )
    fines = iqama["late_renewal_fines"]
    single, multiple = er["single"], er["multiple"]
    transfer = RULES["sponsorship_transfer"]["fees"]
    rules = {
        "renew_iqama": (
            f"{iqama_fees}، و{levies}. التجديد بعد الانتهاء بأكثر من {iqama['late_renewal_grace_days']} أيام "
            f"عليه غرامة: {_join(fines)} ريال للمخالفة الأولى فالثانية، والثالثة لا تُجدَّد إلكترونيًا."
        ),
        "issue_iqama": (
            f"{iqama_fees}، و{levies}. وإن صدرت بعد أكثر من {iqama['late_issue_after_arrival_days']} يومًا "
            f"من الوصول فعليها {iqama['late_issue_fine']} ريال إضافية."
        ),
        "issue_exit_reentry": (
            f"المفردة {single['base_fee']} ريال للمدة الأساسية ({_months(single['base_months'])}) ثم "
            f"{single['extra_month_fee']} ريال لكل شهر إضافي؛ المتعددة {multiple['base_fee']} ريال للمدة الأساسية "
            f"({_months(multiple['base_months'])}) ثم {multiple['extra_month_fee']} ريال لكل شهر إضافي؛ "
            "جزء الشهر يُحسب شهرًا."
        ),
        "extend_exit_reentry": (
            f"لكل شهر إضافي {er['extension_month_fee']['single']} ريال للمفردة و"
            f"{er['extension_month_fee']['multiple']} ريال للمتعددة؛ ويُمدَّد للمقيم الموجود خارج المملكة "
            "بتأشيرة سارية فقط (من في الداخل يلغي تأشيرته ويصدر غيرها)."
        ),
        "cancel_exit_reentry": "الإلغاء مجاني، ولا تُسترد رسوم إصدار التأشيرة.",
        "issue_final_exit": f"الخروج النهائي مجاني، وصلاحيته {RULES['final_exit']['valid_days']} يومًا من الإصدار.",
        "cancel_final_exit": "إلغاء الخروج النهائي مجاني.",
        "change_occupation": f"رسوم تعديل المهنة {RULES['occupation_change']['fee']} ريال.",
        "transfer_sponsorship": (
            f"تدفعها المنشأة المستقبلة عند قبولها: {_join(transfer)} ريال للنقل الأول فالثاني فالثالث وما بعده، "
            "ولا شيء على منشأتك."
        ),
        "update_passport": "تحديث بيانات الجواز مجاني.",
    }
    return f"رسوم {SERVICE_LABELS[service]}: {rules[service]}"


MENU = (
    "أنا مساعد خدمات الإقامة لمنشأتك. اكتب طلبك بجملة واحدة، مثل:\n"
    "• تجديد إقامة: «جدد اقامة 2XXXXXXXXX سنة»\n"
    "• إصدار إقامة لعامل جديد: «اصدر اقامة لرقم الحدود 3XXXXXXXXX ستة اشهر»\n"
    "• خروج وعودة: «ابي خروج وعودة متعددة لمحمد 3 شهور»، وتمديدها أو إلغاؤها\n"
    "• خروج نهائي: «خروج نهائي للعامل 2XXXXXXXXX»، أو إلغاؤه\n"
    "• تعديل مهنة، نقل خدمات، تحديث جواز: «غير مهنة 2XXXXXXXXX الى محاسب»\n"
    "• جواز جديد: أرسل صورة صفحة بيانات الجواز، فأقرأ رقمه وتاريخ انتهائه وأعرض عليك تحديثه للمقيم\n"
    "• استعلام: «بيانات الإقامة 2XXXXXXXXX»، «ابحث عن محمد خان»، «رخصة 2XXXXXXXXX»\n"
    "• تقارير: «مين اقاماتهم تخلص هالشهر؟»، «مين برا المملكة؟»، «آخر العمليات»، «كم رصيدنا؟»\n"
    "أعرض عليك الرسوم قبل أي تنفيذ، ولا يُخصم شيء إلا بعد تأكيدك. اكتب «إلغاء» في أي وقت لإيقاف الطلب."
)
