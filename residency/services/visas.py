"""Visa services (SPEC section 4): issue, extend and cancel an exit/re-entry visa; issue and cancel a
final exit.

Dates: an exit/re-entry's return-before date is the issue date plus the duration (calendar months, or
days); an extension adds whole months to it; a final exit's leave-before date is the issue date plus
rules.yml final_exit.valid_days. A visa is valid through its date: `base.visa_status` counts an issued
visa as expired only from the day after. Every figure comes from residency/rules.yml.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from replies import N_, _, ngettext
from residency import calendar, fees
from residency.db import UnitOfWork
from residency.errors import InvalidInput, Refusal
from residency.models import ENTRY_TYPES, Resident, Violation, Visa
from residency.rules import RULES
from residency.services.base import register
from residency.services.base import (
    ENTRY_TYPE_LABELS,
    Quote,
    Service,
    ServiceContext,
    new_visa_number,
    visa_status,
)

EXIT_REENTRY = "exit_reentry"
FINAL_EXIT = "final_exit"
UNUSED_VISA = "unused_exit_reentry"  # Violation.kind of an exit/re-entry left to lapse unused
UNUSED_VISA_FINE_LABEL = N_("Fine for an unused exit/re-entry visa")  # an id: translate it with _()


def _fmt(d: date) -> str:
    return calendar.format_date(d)


def parse_entry_type(value: Any) -> str:
    """ "single" or "multiple", else InvalidInput bad_visa_type."""
    entry_type = str(value).strip().lower()
    if entry_type not in ENTRY_TYPES:
        raise InvalidInput(
            "bad_visa_type",
            _("An exit/re-entry visa is either single or multiple. Choose one of them."),
            value=str(value),
        )
    return entry_type


# Each `_refuse_*` helper reports its rule with `ctx.refuse` (raised in a quote, collected in the
# eligibility check) and returns whether it refused.


# The messages of these rules, by the visa the service issues or by the service (ids, translated with _()).
_OUTSIDE = {
    EXIT_REENTRY: N_(
        "The resident {name} is outside the Kingdom now, and an exit/re-entry visa is issued only while the "
        "resident is inside. If the resident is travelling on a valid visa, you can extend it instead of "
        "issuing another."
    ),
    FINAL_EXIT: N_(
        "The resident {name} is outside the Kingdom now, and a final exit visa is issued only while the "
        "resident is inside. Record the resident's return first, then issue the final exit."
    ),
}
_IQAMA_EXPIRED = {
    "issue_exit_reentry": N_(
        "The resident's iqama expired on {expiry}, and the service needs a valid iqama. Renew the iqama "
        "first, then issue the visa."
    ),
    "issue_final_exit": N_(
        "The resident's iqama expired on {expiry}, and the service needs a valid iqama. Renew the iqama "
        "first, then issue the final exit."
    ),
    "cancel_final_exit": N_(
        "The resident's iqama expired on {expiry}, and the service needs a valid iqama. A final exit cannot "
        "be cancelled after the iqama has expired: the resident must leave before {leave_before}, or go to "
        "the passports office."
    ),
    "cancel_lapsed_final_exit": N_(
        "The resident's iqama expired on {expiry}, and the service needs a valid iqama. A final exit cannot "
        "be cancelled after the iqama has expired, and its leave-before date {leave_before} has passed; go "
        "to the passports office."
    ),
}
_IQAMA_TOO_SHORT = {
    "issue": N_(
        "The resident's iqama expires on {expiry}, before the return date {return_before}, and the iqama must "
        "stay valid until the return date. Renew the iqama first, or choose a duration that ends on or "
        "before {expiry}."
    ),
    "extend": N_(
        "The resident's iqama expires on {expiry}, before the return date {return_before}, and the iqama must "
        "stay valid until the return date. Renew the iqama first, or extend by a shorter period that ends on "
        "or before {expiry}."
    ),
}


def _refuse_unless_inside(ctx: ServiceContext, resident: Resident, kind: str) -> bool:
    """Refuse issuing a visa of `kind` to a resident outside the Kingdom; whether it refused."""
    if resident.location != "inside":
        ctx.refuse(Refusal("resident_outside", _(_OUTSIDE[kind]).format(name=resident.name_ar)))
        return True
    return False


def _refuse_if_iqama_expired(
    ctx: ServiceContext, resident: Resident, case: str, leave_before: date | None = None
) -> bool:
    """Refuse a resident whose iqama has expired, with the way out of `case` (a key of _IQAMA_EXPIRED)."""
    if resident.iqama_expiry < ctx.today:
        message = _(_IQAMA_EXPIRED[case]).format(
            expiry=_fmt(resident.iqama_expiry), leave_before=_fmt(leave_before) if leave_before else ""
        )
        ctx.refuse(Refusal("iqama_expired", message, iqama_expiry=resident.iqama_expiry.isoformat()))
        return True
    return False


def _refuse_unless_iqama_covers(ctx: ServiceContext, resident: Resident, return_before: date, case: str) -> bool:
    """Refuse a return date after the iqama's expiry (`case`: "issue" or "extend"); whether it refused."""
    if resident.iqama_expiry < return_before:
        ctx.refuse(
            Refusal(
                "iqama_too_short",
                _(_IQAMA_TOO_SHORT[case]).format(expiry=_fmt(resident.iqama_expiry), return_before=_fmt(return_before)),
                iqama_expiry=resident.iqama_expiry.isoformat(),
                return_before=return_before.isoformat(),
            )
        )
        return True
    return False


def _too_long() -> Refusal:
    max_months = int(RULES["exit_reentry"]["max_months"])
    return Refusal(
        "duration_too_long",
        _("The longest duration an exit/re-entry visa can be requested for is {longest}. Choose a shorter one.").format(
            longest=calendar.Duration(months=max_months).describe()
        ),
        max_months=max_months,
    )


def _refuse_if_too_long(ctx: ServiceContext, until: date) -> bool:
    if until > calendar.add_months(ctx.today, int(RULES["exit_reentry"]["max_months"])):
        ctx.refuse(_too_long())
        return True
    return False


def _issue_duration(ctx: ServiceContext, value: Any) -> calendar.Duration:
    """The requested exit/re-entry duration: at least a day, at most rules.yml max_months from today.
    Zero, negative or unreadable is InvalidInput bad_duration, longer is Refusal duration_too_long, both
    saying what is allowed -- checked before any date arithmetic (P99999Y never reaches the calendar)."""
    max_months = int(RULES["exit_reentry"]["max_months"])
    try:
        period = calendar.Duration.parse(value)
    except InvalidInput as err:
        raise InvalidInput(
            "bad_duration",
            _(
                "The exit/re-entry visa duration is not valid: the shortest is one day and the longest {longest}. "
                "Write the duration in months or days, like: 3 months or 90 days."
            ).format(longest=calendar.Duration(months=max_months).describe()),
            **err.details,
        ) from None
    longest_days = (calendar.add_months(ctx.today, max_months) - ctx.today).days
    if period.months > max_months or period.days > longest_days:
        raise _too_long()
    return period


def _extension_months(value: Any) -> int:
    """Whole months of an extension (days rounded up): at least 1, at most rules.yml max_months (the
    new date is then checked against today + max_months). Same errors as `_issue_duration`."""
    max_months = int(RULES["exit_reentry"]["max_months"])
    try:
        months = calendar.Duration.parse(value).billable_months()
    except InvalidInput as err:
        raise InvalidInput(
            "bad_duration",
            _(
                "The extension period is not valid: a visa is extended by one month at least, and the longest an "
                "exit/re-entry visa runs is {longest} from today. Write the number of months, like: 2 months or "
                "3 months."
            ).format(longest=calendar.Duration(months=max_months).describe()),
            **err.details,
        ) from None
    if months > max_months:
        raise _too_long()
    return months


_VISA_NUMBERED = {EXIT_REENTRY: N_("exit/re-entry visa {number}"), FINAL_EXIT: N_("final exit visa {number}")}
_NEW_VISA = {
    EXIT_REENTRY: N_("Issue a new exit/re-entry visa when needed."),
    FINAL_EXIT: N_("Issue a new final exit visa when needed."),
}
# By the visa's status today and the action refused ("extend" or "cancel"); {visa} is _VISA_NUMBERED's.
_STATUS_BLOCKS = {
    ("used", "extend"): N_("The {visa} was used: the resident left the Kingdom on {date}, so it cannot be extended."),
    ("used", "cancel"): N_("The {visa} was used: the resident left the Kingdom on {date}, so it cannot be cancelled."),
    ("expired", "extend"): N_("The {visa} expired on {date}, so it cannot be extended."),
    ("expired", "cancel"): N_("The {visa} expired on {date}, so it cannot be cancelled."),
    ("cancelled", "extend"): N_("The {visa} was cancelled on {date}, so it cannot be extended."),
    ("cancelled", "cancel"): N_("The {visa} was cancelled on {date}, so it cannot be cancelled."),
    ("returned", "extend"): N_("The {visa} was used and the resident returned on {date}, so it cannot be extended."),
    ("returned", "cancel"): N_("The {visa} was used and the resident returned on {date}, so it cannot be cancelled."),
}


def _refuse_unless_status(ctx: ServiceContext, visa: Visa, status: str, allowed: tuple[str, ...], action: str) -> bool:
    """Refuse a visa whose status today is not one of `allowed`, naming the status and the way out;
    `action` is "extend" or "cancel"; whether it refused."""
    if status in allowed:
        return False
    new_one = _(_NEW_VISA[visa.kind])
    if status == "used":
        after = (
            _("The resident is abroad, and you can extend it if more time is needed.")
            if visa.kind == EXIT_REENTRY
            else _("The resident has left the Kingdom for good.")
        )
        on = visa.departed_on
    elif status == "expired":
        after = (
            _("The resident is abroad past the return date; go to the passports office.")
            if visa.status == "used"
            else new_one
        )
        on = visa.valid_until
    elif status == "cancelled":
        after, on = new_one, visa.cancelled_on
    else:
        after, on = new_one, visa.returned_on
    label = _(_VISA_NUMBERED[visa.kind]).format(number=visa.number)
    message = (
        _(_STATUS_BLOCKS[status if status in ("used", "expired", "cancelled") else "returned", action]).format(
            visa=label, date=_fmt(on)
        )
        + " "
        + after
    )
    codes = {"used": "visa_used", "expired": "visa_expired", "cancelled": "visa_already_cancelled"}
    ctx.refuse(Refusal(codes.get(status, "visa_returned"), message, status=status))
    return True


_NO_VISA = {
    EXIT_REENTRY: N_("This resident has no exit/re-entry visa. Check the number or issue a visa first."),
    FINAL_EXIT: N_("This resident has no final exit visa. Check the number or issue a visa first."),
}


def _refuse_without_visa(visa: Visa | None, kind: str) -> Visa:
    if visa is None:
        raise Refusal(
            f"no_{kind}",
            _(_NO_VISA[kind]),
        )
    return visa


def _exit_reentry_active_message(visa: Visa, instead: str) -> str:
    return (
        _("The resident has a valid {entry_type} exit/re-entry visa no. {number} (return before {date}).").format(
            entry_type=_(ENTRY_TYPE_LABELS[visa.entry_type]), number=visa.number, date=_fmt(visa.valid_until)
        )
        + " "
        + instead
    )


def _fine_effects(fines: list) -> dict[str, Any]:
    """The effects naming the unpaid fines a quote collects (none: no keys, as before)."""
    if not fines:
        return {}
    return {
        "fined_visas": [fine.visa_number for fine in fines],
        "note": _(
            "The fees include the fine for an earlier exit/re-entry visa that expired unused; it is paid with "
            "this transaction."
        ),
    }


def _issue_visa(
    ctx: ServiceContext,
    resident: Resident,
    transaction,
    kind: str,
    entry_type: str | None,
    issued_on: str,
    valid_until: str,
) -> Visa:
    """A new issued visa of `kind` for `resident` from the quoted ISO dates, recorded under `transaction`."""
    visa = Visa(
        number=new_visa_number(ctx.uow),
        resident_id=resident.id,
        kind=kind,
        entry_type=entry_type,
        issued_on=date.fromisoformat(issued_on),
        valid_until=date.fromisoformat(valid_until),
        status="issued",
        transaction_id=transaction.id,
    )
    ctx.repo.add(visa)
    return visa


# Unused exit/re-entry visas: expiry and fine (SPEC 9.2) -----------------------------------------------


def unused_visa_fine() -> int:
    return int(RULES["exit_reentry"]["unused_fine"])


def expire_unused_exit_reentries(uow: UnitOfWork, today: date, resident_id: int | None = None) -> int:
    """Mark every issued (never used) exit/re-entry whose return-before date has passed as `expired` and
    record its fine (rules.yml exit_reentry.unused_fine) as an unpaid `Violation`, exactly once per visa:
    the status changes only from `issued` (a second run, or a concurrent one, changes no row and so
    records nothing) and violations are unique by visa. Each resident's row is locked first, the order
    every service and border event uses. Returns how many visas expired; the caller commits."""
    expired = 0
    locked: set[int] = set()
    for visa_id, owner_id in uow.repo.lapsed_unused_visas(EXIT_REENTRY, today, resident_id):
        if owner_id not in locked:
            uow.repo.lock_resident(owner_id)
            locked.add(owner_id)
        if uow.repo.expire_issued_visa(visa_id):
            uow.repo.add(Violation(resident_id=owner_id, kind=UNUSED_VISA, amount=unused_visa_fine(), visa_id=visa_id))
            expired += 1
    return expired


@dataclass(frozen=True)
class UnpaidFine:
    visa_number: str
    lapsed_on: date  # the visa's return-before date
    amount: int

    def line(self) -> fees.FeeLine:
        return fees.FeeLine(
            "unused_visa_fine",
            _("Fine for an unused exit/re-entry visa (no. {number}, expired {date})").format(
                number=self.visa_number, date=_fmt(self.lapsed_on)
            ),
            self.amount,
        )


def unpaid_unused_visa_fines(ctx: ServiceContext, resident: Resident) -> list[UnpaidFine]:
    """The resident's unpaid unused-visa fines: those recorded, and those of lapsed unused visas not yet
    recorded (the daily run has not seen them); read only -- `collect_unused_visa_fines` records and pays."""
    fines = [UnpaidFine(*row) for row in ctx.repo.unpaid_violations(resident.id, UNUSED_VISA)]
    fines += [
        UnpaidFine(v.number, v.valid_until, unused_visa_fine())
        for v in ctx.repo.visas_of(resident.id)
        if v.kind == EXIT_REENTRY and v.status == "issued" and v.valid_until < ctx.today
    ]
    return sorted(fines, key=lambda fine: (fine.lapsed_on, fine.visa_number))


def collect_unused_visa_fines(ctx: ServiceContext, resident: Resident, transaction, visa_numbers: list[str]) -> None:
    """In `apply`: record the quoted fines not yet recorded and mark them paid by `transaction` -- in the
    service's own database transaction, each exactly once (the resident's row is locked)."""
    if not visa_numbers:
        return
    expire_unused_exit_reentries(ctx.uow, ctx.today, resident.id)
    paid = ctx.repo.pay_violations(resident.id, UNUSED_VISA, visa_numbers, transaction.id)
    if paid != len(visa_numbers):  # pragma: no cover - the fresh quote under the lock said otherwise
        raise RuntimeError(f"collected {paid} of {len(visa_numbers)} quoted unused-visa fines")


@register
class IssueExitReentry(Service):
    """Issue a single or multiple exit/re-entry visa; return-before = today + the duration.

    Passport rule: the passport must not expire before today + rules.yml passport_min_valid_days
    (90 days counted from the issue date, not from the return date). The duration is at most
    max_months calendar months from today (a duration in days is compared as a date).

    The eligibility check without a type or duration assumes a single visa of one month (the shortest
    whole-month duration, at the base fee).
    """

    name = "issue_exit_reentry"
    label = N_("Exit/re-entry visa issue")
    inputs = ("iqama_number", "visa_type", "duration")
    button = N_("Exit/re-entry")

    def fee_rule(self) -> str:
        single, multiple = RULES["exit_reentry"]["single"], RULES["exit_reentry"]["multiple"]
        return _(
            "Single: {single_fee} SAR for the base period ({single_months}), then {single_extra} SAR for "
            "each extra month; multiple: {multiple_fee} SAR for the base period ({multiple_months}), then "
            "{multiple_extra} SAR for each extra month; part of a month counts as a month."
        ).format(
            single_fee=single["base_fee"],
            single_months=calendar.Duration(months=int(single["base_months"])).describe(),
            single_extra=single["extra_month_fee"],
            multiple_fee=multiple["base_fee"],
            multiple_months=calendar.Duration(months=int(multiple["base_months"])).describe(),
            multiple_extra=multiple["extra_month_fee"],
        )

    check_defaults = {"visa_type": "single", "duration": "P1M"}

    def quote(self, ctx: ServiceContext, iqama_number: str, visa_type: Any, duration: Any) -> Quote:
        rules = RULES["exit_reentry"]
        resident = ctx.resident(iqama_number)
        entry_type = parse_entry_type(visa_type)
        period = _issue_duration(ctx, duration)
        return_before = period.after(ctx.today)

        _refuse_unless_inside(ctx, resident, EXIT_REENTRY)
        active = ctx.active_visa(resident, FINAL_EXIT)
        if active is not None:
            ctx.refuse(
                Refusal(
                    "final_exit_active",
                    _(
                        "The resident has final exit visa {number}, so no exit/re-entry visa is issued. Cancel the "
                        "final exit first if the resident is staying."
                    ).format(number=active.number),
                )
            )
        active = ctx.active_visa(resident, EXIT_REENTRY)
        if active is not None:
            ctx.refuse(
                Refusal(
                    "exit_reentry_active",
                    _exit_reentry_active_message(
                        active,
                        _(
                            "A second visa is not issued before this one is used or cancelled: if you need another "
                            "duration, cancel it first, then issue a new visa."
                        ),
                    ),
                )
            )
        _refuse_if_too_long(ctx, return_before)
        # An expired iqama does not cover the return date either: one blocker, not two.
        if not _refuse_if_iqama_expired(ctx, resident, "issue_exit_reentry"):
            _refuse_unless_iqama_covers(ctx, resident, return_before, "issue")
        min_days = int(rules["passport_min_valid_days"])
        passport_needed = ctx.today + timedelta(days=min_days)
        if resident.passport_expiry < passport_needed:
            ctx.refuse(
                Refusal(
                    "passport_validity",
                    ngettext(
                        "The resident's passport expires on {expiry}, and it must stay valid for {n} day at least "
                        "(until {until}). Renew the passport, update its details (the passport update service) "
                        "and repeat the request.",
                        "The resident's passport expires on {expiry}, and it must stay valid for {n} days at least "
                        "(until {until}). Renew the passport, update its details (the passport update service) "
                        "and repeat the request.",
                        min_days,
                    ).format(expiry=_fmt(resident.passport_expiry), n=min_days, until=_fmt(passport_needed)),
                    passport_expiry=resident.passport_expiry.isoformat(),
                )
            )

        months = period.billable_months()
        wording = period.describe()
        if period.days:
            wording = _("{duration}, billed as {billed}").format(
                duration=wording, billed=calendar.Duration(months=months).describe()
            )
        fines = unpaid_unused_visa_fines(ctx, resident)
        return ctx.priced_quote(
            self.name,
            resident,
            inputs={"iqama_number": resident.iqama_number, "visa_type": entry_type, "duration": period.iso()},
            lines=[
                fees.FeeLine(
                    "visa_fee",
                    _("Exit/re-entry visa fee: {entry_type} ({duration})").format(
                        entry_type=_(ENTRY_TYPE_LABELS[entry_type]), duration=wording
                    ),
                    fees.exit_reentry_fee(entry_type, months),
                )
            ]
            + [fine.line() for fine in fines],
            effects={
                "visa_type": entry_type,
                "billable_months": months,
                "issued_on": ctx.today.isoformat(),
                "return_before": return_before.isoformat(),
                **_fine_effects(fines),
            },
        )

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
        resident = ctx.quoted_resident(quote, transaction)
        effects = quote.effects
        collect_unused_visa_fines(ctx, resident, transaction, effects.get("fined_visas", []))
        visa = _issue_visa(
            ctx,
            resident,
            transaction,
            EXIT_REENTRY,
            effects["visa_type"],
            effects["issued_on"],
            effects["return_before"],
        )
        return {
            "visa_number": visa.number,
            "iqama_number": resident.iqama_number,
            "visa_type": visa.entry_type,
            "issued_on": quote.effects["issued_on"],
            "return_before": quote.effects["return_before"],
        }


def extension_inside_message(resident: Resident, visa: Visa) -> str:
    return _(
        "The resident {name} is inside the Kingdom, and exit/re-entry visa {number} cannot be extended after its "
        "issue while the resident is inside: an extension is only for a resident outside the Kingdom on a valid "
        "visa. Instead: cancel this visa (cancelling is free; its fee is not refunded), then issue a new "
        "exit/re-entry visa for the duration you need."
    ).format(name=resident.name_ar, number=visa.number)


@register
class ExtendExitReentry(Service):
    """Add whole months to an exit/re-entry's return-before date (a duration in days is rounded up to
    months), only for a resident outside the Kingdom on it (used, not expired): rules.yml
    extension_month_fee a month (200 single / 400 multiple). A resident still inside is refused
    `extension_inside` and told to cancel the visa and issue a new one. The eligibility check without a
    number of months assumes one.

    `number` is an iqama number (the resident's latest exit/re-entry) or the visa's number (see
    `Service.visa_kind`); `duration` is the extension."""

    name = "extend_exit_reentry"
    label = N_("Exit/re-entry visa extension")
    inputs = ("iqama_number", "visa_number", "duration")
    button = N_("Extend exit/re-entry")
    questions = {"duration": N_("How many months do you add to the visa? For example: 1 month or 2 months.")}

    def fee_rule(self) -> str:
        fee = RULES["exit_reentry"]["extension_month_fee"]
        return _(
            "Each extra month costs {single} SAR for a single visa and {multiple} SAR for a multiple one; "
            "only a resident who is outside the Kingdom on a valid visa can be extended (one who is inside "
            "cancels the visa and issues another)."
        ).format(single=fee["single"], multiple=fee["multiple"])

    visa_kind = EXIT_REENTRY
    former_inputs = {"months": "duration"}
    check_defaults = {"duration": "P1M"}

    def quote(self, ctx: ServiceContext, number: str, duration: Any) -> Quote:
        resident, visa = ctx.resident_and_visa(number, EXIT_REENTRY)
        visa = _refuse_without_visa(visa, EXIT_REENTRY)
        extra_months = _extension_months(duration)
        status = visa_status(visa, ctx.today)
        if visa.valid_until < ctx.today:
            status = "expired"  # also a used visa: the resident is abroad and its date has passed
        new_return_before = calendar.add_months(visa.valid_until, extra_months)
        # A visa past extending (expired, cancelled, returned) is the one blocker: its dates are moot.
        if not _refuse_unless_status(ctx, visa, status, ("issued", "used"), "extend"):
            if status == "issued" or resident.location != "outside":
                ctx.refuse(
                    Refusal(
                        "extension_inside",
                        extension_inside_message(resident, visa),
                        visa_number=visa.number,
                        alternative="cancel_exit_reentry",
                    )
                )
            _refuse_if_too_long(ctx, new_return_before)
            _refuse_unless_iqama_covers(ctx, resident, new_return_before, "extend")
        label = _("Exit/re-entry visa extension fee: {entry_type} ({duration})").format(
            entry_type=_(ENTRY_TYPE_LABELS[visa.entry_type]),
            duration=calendar.Duration(months=extra_months).describe(),
        )
        return ctx.priced_quote(
            self.name,
            resident,
            inputs={"number": visa.number, "duration": f"P{extra_months}M"},
            lines=[fees.FeeLine("extension_fee", label, fees.extension_fee(visa.entry_type, extra_months))],
            effects={
                "visa_number": visa.number,
                "visa_type": visa.entry_type,
                "months": extra_months,
                "old_return_before": visa.valid_until.isoformat(),
                "new_return_before": new_return_before.isoformat(),
            },
        )

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
        visa = ctx.repo.visa_by_number(ctx.actor.establishment_id, quote.inputs["number"])
        transaction.resident_id = visa.resident_id
        visa.valid_until = date.fromisoformat(quote.effects["new_return_before"])
        return {
            "visa_number": visa.number,
            "iqama_number": visa.resident.iqama_number,
            "return_before": quote.effects["new_return_before"],
        }


@register
class CancelExitReentry(Service):
    """Cancel an unused exit/re-entry within rules.yml cancel_within_days_of_issue days of its issue and
    while it is valid (through its return-before date). Free; the issue fee is not refunded."""

    name = "cancel_exit_reentry"
    label = N_("Exit/re-entry visa cancellation")
    inputs = ("iqama_number", "visa_number")
    button = N_("Cancel exit/re-entry")

    def fee_rule(self) -> str:
        return _("Cancelling is free, and the visa's issue fee is not refunded.")

    visa_kind = EXIT_REENTRY

    def quote(self, ctx: ServiceContext, number: str) -> Quote:
        resident, visa = ctx.resident_and_visa(number, EXIT_REENTRY)
        visa = _refuse_without_visa(visa, EXIT_REENTRY)
        _refuse_unless_status(ctx, visa, visa_status(visa, ctx.today), ("issued",), "cancel")
        window = int(RULES["exit_reentry"]["cancel_within_days_of_issue"])
        if (ctx.today - visa.issued_on).days > window:
            ctx.refuse(
                Refusal(
                    "cancel_window_passed",
                    ngettext(
                        "Exit/re-entry visa {number} was issued on {issued}, and it can be cancelled only within {n} "
                        "day of its issue. Let it expire on {until} or go to the passports office.",
                        "Exit/re-entry visa {number} was issued on {issued}, and it can be cancelled only within {n} "
                        "days of its issue. Let it expire on {until} or go to the passports office.",
                        window,
                    ).format(number=visa.number, issued=_fmt(visa.issued_on), n=window, until=_fmt(visa.valid_until)),
                )
            )
        return ctx.priced_quote(
            self.name,
            resident,
            inputs={"number": visa.number},
            lines=[],
            effects={
                "visa_number": visa.number,
                "visa_type": visa.entry_type,
                "return_before": visa.valid_until.isoformat(),
                "note": _("Cancelling is free; the visa's issue fee is not refunded."),
            },
        )

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
        return _cancel(ctx, quote, transaction)


def _cancel(ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
    visa = ctx.repo.visa_by_number(ctx.actor.establishment_id, quote.inputs["number"])
    transaction.resident_id = visa.resident_id
    visa.status = "cancelled"
    visa.cancelled_on = ctx.today
    return {
        "visa_number": visa.number,
        "iqama_number": visa.resident.iqama_number,
        "cancelled_on": ctx.today.isoformat(),
    }


@register
class IssueFinalExit(Service):
    """Issue a final exit, valid rules.yml final_exit.valid_days days from today. Free, except for the
    resident's unpaid unused-visa fines, which its quote collects.

    Iqama and passport must be valid today (not expired)."""

    name = "issue_final_exit"
    label = N_("Final exit visa issue")
    agent_needs_approval = True
    inputs = ("iqama_number",)
    button = N_("Final exit")

    def fee_rule(self) -> str:
        return _("A final exit is free, and it is valid for {days} days from issue.").format(
            days=RULES["final_exit"]["valid_days"]
        )

    def quote(self, ctx: ServiceContext, iqama_number: str) -> Quote:
        resident = ctx.resident(iqama_number)
        _refuse_unless_inside(ctx, resident, FINAL_EXIT)
        _refuse_if_iqama_expired(ctx, resident, "issue_final_exit")
        if resident.passport_expiry < ctx.today:
            ctx.refuse(
                Refusal(
                    "passport_expired",
                    _(
                        "The resident's passport expired on {date}, and a final exit needs a valid passport. Renew "
                        "the passport, update its details (the passport update service) and repeat the request."
                    ).format(date=_fmt(resident.passport_expiry)),
                )
            )
        active = ctx.active_visa(resident, EXIT_REENTRY)
        if active is not None:
            instead = (
                _(
                    "The resident is abroad on it: he must return to the Kingdom first, then the final exit can be issued."
                )
                if visa_status(active, ctx.today) == "used"
                else _("Cancel the exit/re-entry visa first, then issue the final exit.")
            )
            ctx.refuse(Refusal("exit_reentry_active", _exit_reentry_active_message(active, instead)))
        active = ctx.active_visa(resident, FINAL_EXIT)
        if active is not None:
            ctx.refuse(
                Refusal(
                    "final_exit_active",
                    _(
                        "The resident already has valid final exit visa {number} (leave before {date}), so there "
                        "is no need to issue another."
                    ).format(number=active.number, date=_fmt(active.valid_until)),
                )
            )
        leave_before = ctx.today + timedelta(days=int(RULES["final_exit"]["valid_days"]))
        fines = unpaid_unused_visa_fines(ctx, resident)
        return ctx.priced_quote(
            self.name,
            resident,
            inputs={"iqama_number": resident.iqama_number},
            lines=[fine.line() for fine in fines],
            effects={
                "issued_on": ctx.today.isoformat(),
                "leave_before": leave_before.isoformat(),
                **_fine_effects(fines),
            },
        )

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
        resident = ctx.quoted_resident(quote, transaction)
        effects = quote.effects
        collect_unused_visa_fines(ctx, resident, transaction, effects.get("fined_visas", []))
        visa = _issue_visa(ctx, resident, transaction, FINAL_EXIT, None, effects["issued_on"], effects["leave_before"])
        return {
            "visa_number": visa.number,
            "iqama_number": resident.iqama_number,
            "issued_on": quote.effects["issued_on"],
            "leave_before": quote.effects["leave_before"],
        }


@register
class CancelFinalExit(Service):
    """Cancel an unused final exit while the iqama is still valid: free through its leave-before date,
    after it (unused, lapsed) rules.yml final_exit.late_cancel_fine as a quote line."""

    name = "cancel_final_exit"
    label = N_("Final exit visa cancellation")
    inputs = ("iqama_number", "visa_number")
    button = N_("Cancel final exit")

    def fee_rule(self) -> str:
        return _("Cancelling a final exit is free.")

    visa_kind = FINAL_EXIT

    def quote(self, ctx: ServiceContext, number: str) -> Quote:
        resident, visa = ctx.resident_and_visa(number, FINAL_EXIT)
        visa = _refuse_without_visa(visa, FINAL_EXIT)
        status = visa_status(visa, ctx.today)
        lapsed = status == "expired" and visa.status == "issued"  # never used, leave-before date passed
        _refuse_unless_status(ctx, visa, "issued" if lapsed else status, ("issued",), "cancel")
        _refuse_if_iqama_expired(
            ctx, resident, "cancel_lapsed_final_exit" if lapsed else "cancel_final_exit", leave_before=visa.valid_until
        )
        lines = []
        if lapsed:
            lines.append(
                fees.FeeLine(
                    "late_cancel_fine",
                    _("Fine for cancelling a final exit after its leave-before date ({date})").format(
                        date=_fmt(visa.valid_until)
                    ),
                    int(RULES["final_exit"]["late_cancel_fine"]),
                )
            )
        return ctx.priced_quote(
            self.name,
            resident,
            inputs={"number": visa.number},
            lines=lines,
            effects={"visa_number": visa.number, "leave_before": visa.valid_until.isoformat()},
        )

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
        return _cancel(ctx, quote, transaction)
