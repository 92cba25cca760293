"""What the dialogue shows, in the reply language: quotes, receipts, the fee rules of a service and the menu.

Figures come from the quote or from residency/rules.yml (RULES), never from literals here. Dates are
shown Gregorian and Hijri (residency.calendar.format_date); amounts in whole riyals. The label tables
below hold message ids (N_): they are translated with _() when a reply is made.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from replies import N_, _, ngettext
from residency import calendar
from residency.errors import InvalidInput
from residency.forecast import Forecast
from residency.services import SERVICES, Eligibility, Quote, Receipt
from residency.services.base import ENTRY_TYPE_LABELS
from residency.text_safety import isolate
from residency.presentation.texts import SERVICE_LABELS, render_levy_insight, riyals, shown_name


def confirm_buttons(quote_id: str) -> list[dict[str, str]]:
    """Confirm / cancel buttons bound to one quote: their payload names it (entity `quote_id`, used
    only by button payloads), so a button of an earlier quote never acts on the one pending now."""
    return [
        {"title": _("Confirm"), "payload": f'/affirm{{"quote_id": "{quote_id}"}}'},
        {"title": _("Cancel"), "payload": f'/deny{{"quote_id": "{quote_id}"}}'},
    ]


STALE_BUTTON = N_(
    "This button belongs to an earlier offer that no longer stands, so nothing was done. Use the buttons of "
    "the latest offer, or write your request again."
)


def render_replayed(receipt: Receipt) -> str:
    return _("This request was already carried out (transaction number: {number}); nothing was charged again.").format(
        number=receipt.receipt_number
    )


# A quote, an offer or an approval names a transfer request plainly; the history's label in SERVICE_LABELS
# (residency/presentation/texts.py, the one table of service labels) says "(request)" beside the accepted and declined ones.
TRANSFER_SPONSORSHIP_QUOTED = N_("Sponsorship transfer")


def service_label(service: str) -> str:
    """A service's label in the reply language, as a quote names it: SERVICE_LABELS, but for the transfer
    request TRANSFER_SPONSORSHIP_QUOTED (the service's own name when it has no label)."""
    if service == "transfer_sponsorship":
        return _(TRANSFER_SPONSORSHIP_QUOTED)
    return _(SERVICE_LABELS.get(service, service))


# Effects of a quote worth showing, in display order (dates are ISO strings in the quote).
EFFECT_LABELS = {
    "border_number": N_("Border number"),
    "visa_number": N_("Visa number"),
    "entry_type": N_("Visa type"),
    "visa_type": N_("Visa type"),
    "duration": N_("Duration"),
    "old_expiry": N_("Current iqama expiry date"),
    "new_expiry": N_("New iqama expiry date"),
    "iqama_expiry": N_("Iqama expiry date"),
    "issued_on": N_("Issue date"),
    "return_before": N_("Return before"),
    "old_return_before": N_("Return before (now)"),
    "new_return_before": N_("Return before (after the extension)"),
    "leave_before": N_("Leave before"),
    "old_occupation": N_("Current occupation"),
    "new_occupation": N_("New occupation"),
    "old_passport_number": N_("Current passport number"),
    "old_passport_expiry": N_("Current passport expiry"),
    "new_passport_number": N_("New passport number"),
    "new_passport_expiry": N_("New passport expiry"),
    "target_name": N_("Receiving establishment"),
    "target_number": N_("Its unified number"),
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
        return _(ENTRY_TYPE_LABELS.get(str(value), str(value)))
    if key == "duration":
        try:
            return calendar.Duration.parse(value).describe()
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
                lines.append(f"{_(label)}: {shown}")
    return lines


def _subject(quote: Quote) -> str:
    label = service_label(quote.service)
    if quote.resident_name and quote.resident_iqama:
        return _("{service} — {name} (iqama {iqama})").format(
            service=label, name=shown_name(quote.resident_name, quote.resident_name_en), iqama=quote.resident_iqama
        )
    if quote.resident_name:
        return f"{label} — {shown_name(quote.resident_name, quote.resident_name_en)}"
    return label


DOCUMENT_LABELS = {
    "receipt": N_("Transaction receipt"),
    "visa": N_("Visa document"),
    "resident_report": N_("Resident statement"),
}
VISA_SERVICES = ("issue_exit_reentry", "extend_exit_reentry", "issue_final_exit")


def document_buttons(receipt: Receipt, quote: Quote) -> list[dict[str, str]]:
    """Offered under every receipt: its PDF, and for a visa service the visa's paper."""
    iqama = quote.resident_iqama or receipt.result.get("iqama_number")
    if not iqama or quote.service == "transfer_sponsorship":  # a transfer is only requested here
        return []
    buttons = [
        {
            "title": f"📄 {_(DOCUMENT_LABELS['receipt'])} (PDF)",
            "payload": f'/request_document{{"document_type": "receipt", "iqama_number": "{iqama}"}}',
        }
    ]
    if quote.service in VISA_SERVICES:
        buttons.append(
            {
                "title": f"📄 {_(DOCUMENT_LABELS['visa'])} (PDF)",
                "payload": f'/request_document{{"document_type": "visa", "iqama_number": "{iqama}"}}',
            }
        )
    return buttons


NOTHING_DONE = N_("Nothing was done and nothing was charged.")


def render_eligibility(eligibility: Eligibility, subject: str) -> str:
    """The eligibility check's answer: every blocker with what to do, or possible with the fee."""
    label = service_label(eligibility.service)
    if eligibility.blockers:
        if subject:
            head = _("⛔ {service} is not possible {subject} now:").format(service=label, subject=subject)
        else:
            head = _("⛔ {service} is not possible now:").format(service=label)
        parts = [head]
        parts.extend(f"• {blocker.message}" for blocker in eligibility.blockers)
        parts.append(_(NOTHING_DONE))
        return "\n".join(parts)
    quote = eligibility.quote
    parts = [
        _("✅ {service} is possible — {subject}").format(service=label, subject=_subject(quote).split(" — ", 1)[-1])
    ]
    if quote.lines:
        parts.extend(f"• {line.label}: {riyals(line.amount)}" for line in quote.lines)
        parts.append(_("Total if carried out now: {amount}").format(amount=riyals(quote.total)))
    else:
        parts.append(_("No fees for your establishment."))
    parts.append(_("This is only a check: nothing was done. Write the request itself to carry it out."))
    return "\n".join(parts)


def render_forecast(forecast: Forecast) -> str:
    """Month by month: iqamas due, fees, levy, dependants' levy, total; the grand total; the levy a worker."""
    if not forecast.iqamas:
        n = len(forecast.months)
        return ngettext(
            "No iqama renewals are due in the next {n} month, so no costs are expected.",
            "No iqama renewals are due in the next {n} months, so no costs are expected.",
            n,
        ).format(n=n)
    months = forecast.renewal_months
    parts = [
        ngettext(
            "💰 Expected iqama renewal costs (each iqama renewed for {n} month when it expires):",
            "💰 Expected iqama renewal costs (each iqama renewed for {n} months when it expires):",
            months,
        ).format(n=months)
    ]
    for month in forecast.months:
        figures = {
            "month": month.label,
            "n": month.iqamas,
            "fees": riyals(month.iqama_fees),
            "levy": riyals(month.levy),
            "dependants": riyals(month.dependants_levy),
            "fines": riyals(month.fines),
            "total": riyals(month.total),
        }
        if month.fines:
            line = ngettext(
                "• {month}: {n} iqama — fees {fees}, levy {levy}, dependants {dependants}, fines {fines} = {total}",
                "• {month}: {n} iqamas — fees {fees}, levy {levy}, dependants {dependants}, fines {fines} = {total}",
                month.iqamas,
            )
        else:
            line = ngettext(
                "• {month}: {n} iqama — fees {fees}, levy {levy}, dependants {dependants} = {total}",
                "• {month}: {n} iqamas — fees {fees}, levy {levy}, dependants {dependants} = {total}",
                month.iqamas,
            )
        parts.append(line.format(**figures))
    parts.append(
        ngettext("Total: {amount} for {n} iqama", "Total: {amount} for {n} iqamas", forecast.iqamas).format(
            amount=riyals(forecast.total), n=forecast.iqamas
        )
    )
    parts.append(_("Expat levy per worker per year: {amount}").format(amount=riyals(forecast.levy_per_worker_per_year)))
    parts += render_levy_insight(forecast.levy_insight)
    if forecast.excluded:
        parts.append(
            _("Not counted ({n}): residents with a final exit, or whose iqama cannot be renewed online.").format(
                n=len(forecast.excluded)
            )
        )
    return "\n".join(parts)


CONFIRM_QUESTION = N_("Do you confirm?")


def establishment_head(quote: Quote) -> list[str]:
    """The establishment a quote is for, at the head of the quote and of its receipt (SPEC 10.4)."""
    if not quote.establishment_number:
        return []
    name = isolate(quote.establishment_name or "")
    return [_("🏢 {name} ({number})").format(name=name, number=quote.establishment_number)]


def render_quote(quote: Quote) -> str:
    """The establishment, the offer: each fee part, the total, the key dates, and the question."""
    parts = [*establishment_head(quote), _("Request: {subject}").format(subject=_subject(quote))]
    if quote.lines:
        parts.append(_("Fees:"))
        parts.extend(f"• {line.label}: {riyals(line.amount)}" for line in quote.lines)
        parts.append(_("Total: {amount}").format(amount=riyals(quote.total)))
    else:
        parts.append(_("Fees for your establishment: none (free)"))
    if quote.service == "transfer_sponsorship" and "target_fee" in quote.effects:
        parts.append(
            _("Transfer fee for the receiving establishment when it accepts: {amount}").format(
                amount=riyals(int(quote.effects["target_fee"]))
            )
        )
    if quote.effects.get("note"):
        parts.append(str(quote.effects["note"]))
    parts.extend(effect_lines(quote.effects))
    parts.append(_(CONFIRM_QUESTION))
    return "\n".join(parts)


def render_quote_summary(quote: Quote) -> str:
    """Whom and what a quote is about, with its fee lines (an owner's approval request)."""
    return "\n".join([_subject(quote), *(f"• {line.label}: {riyals(line.amount)}" for line in quote.lines)])


def render_receipt(receipt: Receipt, quote: Quote) -> str:
    """What changed, the total charged, the balance after, and the transaction id."""
    if quote.service == "transfer_sponsorship":  # done only when the receiving owner accepts
        header = _("Already sent: {subject}") if receipt.replayed else _("Sent for acceptance: {subject}")
    else:
        header = _("Already carried out: {subject}") if receipt.replayed else _("Done: {subject}")
    parts = [*establishment_head(quote), header.format(subject=_subject(quote))]
    # A newly issued visa's number is known only now.
    effects = {**quote.effects, **{k: v for k, v in receipt.result.items() if k == "visa_number"}}
    old_values = ("old_expiry", "old_return_before", "old_occupation", "old_passport_number", "old_passport_expiry")
    parts.extend(effect_lines(effects, skip=RECEIPT_SKIPS.get(quote.service, ()) + old_values))
    if quote.service == "issue_iqama" and receipt.result.get("iqama_number"):
        parts.append(_("Number of the issued iqama: {number}").format(number=receipt.result["iqama_number"]))
    if quote.service == "transfer_sponsorship":
        target = quote.effects.get("target_name") or quote.effects.get("target_number", "")
        parts.append(
            _(
                "The request was sent to the owner of the receiving establishment “{target}” to accept; the "
                "resident moves and the transfer fee is charged to the receiving establishment when they accept. "
                "I will tell you their answer."
            ).format(target=target)
        )
    if receipt.total:
        parts.append(_("Amount charged: {amount}").format(amount=riyals(receipt.total)))
    else:
        parts.append(_("Nothing was charged (free service)."))
    if receipt.balance_after is not None:
        parts.append(
            _("Establishment balance after the transaction: {amount}").format(amount=riyals(receipt.balance_after))
        )
    parts.append(_("Transaction number: {number}").format(number=receipt.receipt_number))
    return "\n".join(parts)


def fee_rules(service: str) -> str:
    """The fee rules of a service, worded from rules.yml by the service itself."""
    return _("Fees for {service}: {rules}").format(service=service_label(service), rules=SERVICES[service].fee_rule())


MENU = N_(
    "I am the residency services assistant of your establishment. Write your request in one sentence, for "
    "example:\n"
    "• Iqama renewal: “renew iqama 2XXXXXXXXX for a year”\n"
    "• Iqama for a new worker: “issue iqama for border number 3XXXXXXXXX for 6 months”\n"
    "• Exit/re-entry: “multiple exit re-entry for Mohammed for 3 months”, and its extension or cancellation\n"
    "• Final exit: “final exit for worker 2XXXXXXXXX”, or its cancellation\n"
    "• Occupation change, sponsorship transfer, passport update: “change occupation of 2XXXXXXXXX to "
    "accountant”\n"
    "• New passport: send a photo of the passport's data page; I read its number and expiry date and offer "
    "to update the resident\n"
    "• Inquiries: “iqama details 2XXXXXXXXX”, “search for Mohammed Khan”, “driving licence 2XXXXXXXXX”\n"
    "• Reports: “whose iqamas expire this month?”, “who is outside the Kingdom?”, “latest transactions”, "
    "“what is our balance?”\n"
    "I show you the fees before anything is done, and nothing is charged until you confirm. Write “cancel” "
    "at any time to stop the request."
)
