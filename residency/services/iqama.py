"""Iqama services: renew an iqama, issue the first iqama of a new arrival."""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any

from replies import N_, _, ngettext
from residency import calendar, fees, identifiers
from residency.errors import Refusal
from residency.models import Resident
from residency.rules import RULES
from residency.services.base import raise_refusal, register
from residency.services.base import Quote, Service, ServiceContext, parse_period_months


def _refuse_if_final_exit(ctx: ServiceContext, resident) -> None:
    visa = ctx.active_visa(resident, "final_exit")
    if visa is not None:
        ctx.refuse(
            Refusal(
                "final_exit_active",
                _(
                    "The resident has final exit visa {number}, so the iqama cannot be renewed. "
                    "Cancel the final exit first if you want to keep the resident."
                ).format(number=visa.number),
            )
        )


def refuse_if_domestic_period(occupation: str, months: int, refuse=raise_refusal) -> None:
    """A domestic worker's iqama is issued and renewed for rules.yml iqama.domestic_allowed_periods_months
    (12) only: any other period is Refusal domestic_period naming the occupation (passed to `refuse`:
    raised by default, `ctx.refuse` in a service)."""
    allowed = [int(m) for m in RULES["iqama"]["domestic_allowed_periods_months"]]
    if fees.is_domestic(occupation) and months not in allowed:
        choices = _(" or ").join(str(m) for m in allowed)
        others = _(", ").join(str(m) for m in RULES["iqama"]["allowed_periods_months"] if int(m) not in allowed)
        refuse(
            Refusal(
                "domestic_period",
                _(
                    "The resident's occupation «{occupation}» is a domestic one, and a domestic worker's iqama is "
                    "issued and renewed for {choices} months only (periods of {others} months are for "
                    "establishments' workers only). Ask for {choices} months."
                ).format(occupation=occupation, choices=choices, others=others),
                occupation=occupation,
                allowed=allowed,
            )
        )


def iqama_fees_in_words() -> str:
    """ "iqama fee 163 / 325 / 488 / 650 SAR for 3 / 6 / 9 / 12 months", from rules.yml."""
    iqama = RULES["iqama"]
    periods = iqama["allowed_periods_months"]
    return _("iqama fee {fees} SAR for {periods} months").format(
        fees=fees.joined(iqama["fee_by_months"][m] for m in periods), periods=fees.joined(periods)
    )


def levies_in_words() -> str:
    """The expat and dependants' levies in words, from rules.yml."""
    levy = RULES["levy"]
    return _(
        "the expat levy {per_month} SAR a month per worker ({saudi_majority} if the establishment has at "
        "least as many Saudis as expats, and no levy on domestic occupations), and the dependants' levy "
        "{dependant} SAR a month per dependant"
    ).format(
        per_month=levy["expat_per_month"],
        saudi_majority=levy["expat_per_month_saudi_majority"],
        dependant=levy["dependant_per_month"],
    )


@register
class RenewIqama(Service):
    """Renew an iqama for 3, 6, 9 or 12 months; new expiry = old expiry + period, lapsed or not. The
    eligibility check without a period assumes 12 months (the one period open to every occupation)."""

    name = "renew_iqama"
    label = N_("Iqama renewal")
    inputs = ("iqama_number", "duration")
    button = N_("Renew iqama")
    questions = {"duration": N_("How long is the renewal? {periods}.")}
    iqama_periods = True

    def fee_rule(self) -> str:
        iqama = RULES["iqama"]
        return _(
            "{iqama_fees}, and {levies}. Renewing more than {grace_days} days after expiry carries a fine: "
            "{fines} SAR for the first then the second offence; after a third the iqama cannot be renewed "
            "online."
        ).format(
            iqama_fees=iqama_fees_in_words(),
            levies=levies_in_words(),
            grace_days=iqama["late_renewal_grace_days"],
            fines=fees.joined(iqama["late_renewal_fines"]),
        )

    former_inputs = {"period": "duration"}
    check_defaults = {"duration": "P12M"}

    def quote(self, ctx: ServiceContext, iqama_number: str, duration: Any) -> Quote:
        rules = RULES["iqama"]
        resident = ctx.resident(iqama_number)
        months = parse_period_months(duration, rules["allowed_periods_months"])
        refuse_if_domestic_period(resident.occupation, months, ctx.refuse)
        _refuse_if_final_exit(ctx, resident)

        fine_label = ""
        late, fine = fees.late_renewal(resident.iqama_expiry, ctx.today, resident.late_renewal_offences)
        if late:
            if fine is None:
                ctx.refuse(
                    Refusal(
                        "late_renewal_limit",
                        _(
                            "This is the third late renewal of this resident's iqama, so it cannot be renewed "
                            "online. Go to the passports office to complete the renewal."
                        ),
                    )
                )
                fine = 0  # collecting: the other rules are still evaluated
            offence = resident.late_renewal_offences + 1
            fine_label = _("Late renewal fine (offence no. {offence})").format(offence=offence)

        est = ctx.establishment
        lines = fees.iqama_lines(
            months,
            resident.occupation,
            resident.dependants,
            est.saudi_count,
            est.expat_count,
            fine,
            fine_label,
            industrial=est.industrial,
            owner_operated=ctx.owner_operated_cover(resident),
        )
        new_expiry = calendar.add_months(resident.iqama_expiry, months)
        effects = {
            "old_expiry": resident.iqama_expiry.isoformat(),
            "new_expiry": new_expiry.isoformat(),
            "late": bool(fine),
        }
        renewed = ctx.repo.receipt_of_day(resident.id, self.name, ctx.today) if resident.id else None
        if renewed is not None:  # said before quoting (SPEC 10.2): a second renewal adds another period
            effects["note"] = _(
                "Note: this iqama was already renewed today (transaction {number}); this renewal adds {period} more."
            ).format(number=renewed, period=calendar.Duration(months=months).describe())
        return ctx.priced_quote(
            self.name,
            resident,
            inputs={"iqama_number": resident.iqama_number, "duration": f"P{months}M"},
            lines=lines,
            effects=effects,
        )

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
        resident = ctx.quoted_resident(quote, transaction)
        resident.iqama_expiry = date.fromisoformat(quote.effects["new_expiry"])
        if quote.effects["late"]:
            resident.late_renewal_offences += 1
        return {"iqama_number": resident.iqama_number, "new_expiry": quote.effects["new_expiry"]}


def new_iqama_number(uow) -> str:
    """A fresh iqama number: 10 digits starting with 2 with a valid check digit."""
    while True:
        body = "2" + "".join(secrets.choice("0123456789") for _ in range(8))
        number = next(body + d for d in "0123456789" if identifiers.luhn_valid(body + d))
        if not uow.repo.iqama_in_use(number):
            return number


def arrival(ctx: ServiceContext, border_text: Any) -> Resident:
    """The actor's establishment's worker with this border number (validated), else NotFound."""
    border = identifiers.parse_border_number(str(border_text))
    resident = ctx.repo.resident_by_border(ctx.actor.establishment_id, border, lock=ctx.for_update)
    if resident is None:
        raise ctx.not_found(
            "unknown_border_number",
            _(
                "Your establishment has no worker with border number {border}. Check the number on the entry visa."
            ).format(border=border),
            border=border,
        )
    return resident


@register
class IssueIqama(Service):
    """First iqama of a newly arrived worker (border number); expiry = issue date + the period. The
    eligibility check without a period assumes 12 months."""

    name = "issue_iqama"
    label = N_("Iqama issue")
    inputs = ("border_number", "duration")
    button = N_("Issue iqama")
    questions = {"duration": N_("How long is the iqama for? {periods}.")}
    iqama_periods = True

    def fee_rule(self) -> str:
        iqama = RULES["iqama"]
        return _(
            "{iqama_fees}, and {levies}. If it is issued more than {days} days after arrival, {fine} SAR more are due."
        ).format(
            iqama_fees=iqama_fees_in_words(),
            levies=levies_in_words(),
            days=iqama["late_issue_after_arrival_days"],
            fine=iqama["late_issue_fine"],
        )

    former_inputs = {"period": "duration"}
    check_defaults = {"duration": "P12M"}

    def quote(self, ctx: ServiceContext, border_number: str, duration: Any) -> Quote:
        rules = RULES["iqama"]
        resident = arrival(ctx, border_number)
        if resident.iqama_number:
            ctx.refuse(
                Refusal(
                    "iqama_exists",
                    _("This worker already has iqama {iqama}; renew it instead of issuing one.").format(
                        iqama=resident.iqama_number
                    ),
                )
            )
        arrived = resident.arrival_date is not None and resident.arrival_date <= ctx.today
        if not arrived:
            ctx.refuse(
                Refusal(
                    "not_arrived",
                    _("This worker's arrival in the Kingdom is not recorded yet; the iqama is issued after entry."),
                )
            )
        months = parse_period_months(duration, rules["allowed_periods_months"])
        refuse_if_domestic_period(resident.occupation, months, ctx.refuse)
        days_since_arrival = (ctx.today - resident.arrival_date).days if arrived else 0
        fine = int(rules["late_issue_fine"]) if days_since_arrival > int(rules["late_issue_after_arrival_days"]) else 0
        est = ctx.establishment
        lines = fees.iqama_lines(
            months,
            resident.occupation,
            0,
            est.saudi_count,
            est.expat_count,
            fine,
            ngettext(
                "Late iqama issue fine ({n} day after arrival)",
                "Late iqama issue fine ({n} days after arrival)",
                days_since_arrival,
            ).format(n=days_since_arrival),
            industrial=est.industrial,
            owner_operated=ctx.owner_operated_cover(resident),
        )
        return ctx.priced_quote(
            self.name,
            resident,
            inputs={"border_number": resident.border_number, "duration": f"P{months}M"},
            lines=lines,
            effects={"new_expiry": calendar.add_months(ctx.today, months).isoformat()},
        )

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
        resident = ctx.repo.resident_by_border(ctx.actor.establishment_id, quote.inputs["border_number"])
        transaction.resident_id = resident.id
        resident.iqama_number = new_iqama_number(ctx.uow)
        resident.iqama_expiry = date.fromisoformat(quote.effects["new_expiry"])
        return {"iqama_number": resident.iqama_number, "new_expiry": quote.effects["new_expiry"]}
