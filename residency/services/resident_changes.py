"""Changes to a resident's record: occupation (paid) and passport (free)."""

from __future__ import annotations

from datetime import date
from typing import Any

from replies import N_, _
from residency import calendar, identifiers, occupations
from residency.errors import Refusal
from residency.fees import FeeLine
from residency.rules import RULES
from residency.services.base import raise_refusal, register
from residency.services.base import Quote, Service, ServiceContext


def refuse_saudi_only(title: str, refuse=raise_refusal) -> None:
    """Refusal saudi_only_occupation when the classification reserves the occupation for Saudis (passed to
    `refuse`: raised by default, `ctx.refuse` in a service)."""
    entry = occupations.classification().by_title.get(title)
    if entry is not None and entry.saudi_only:
        refuse(
            Refusal(
                "saudi_only_occupation",
                _(
                    "The occupation «{occupation}» is reserved for Saudis, so a resident's occupation cannot be "
                    "changed to it. Choose another occupation."
                ).format(occupation=title),
                occupation=title,
            )
        )


@register
class ChangeOccupation(Service):
    """Change a resident's occupation to one of the classification (residency/occupations.yml): a title
    or an alias, a clear typo too; otherwise up to 5 suggestions. An occupation reserved for Saudis is
    refused. The eligibility check without an occupation (None) skips the rules about the new one."""

    name = "change_occupation"
    label = N_("Occupation change")
    inputs = ("iqama_number", "occupation")
    button = N_("Change occupation")

    def fee_rule(self) -> str:
        return _("The occupation change fee is {fee} SAR.").format(fee=RULES["occupation_change"]["fee"])

    check_defaults = {"occupation": None}

    def quote(self, ctx: ServiceContext, iqama_number: str, occupation: str | None) -> Quote:
        resident = ctx.resident(iqama_number)
        new = None
        if occupation is not None or not ctx.collect:
            # InvalidInput unknown_occupation / ambiguous_occupation (with suggestions) when not sure.
            new = occupations.resolve(str(occupation)).ar
            if new == resident.occupation:
                ctx.refuse(
                    Refusal(
                        "same_occupation",
                        _("The resident's occupation is already «{occupation}»; choose a different one.").format(
                            occupation=new
                        ),
                    )
                )
            refuse_saudi_only(new, ctx.refuse)
        return ctx.priced_quote(
            self.name,
            resident,
            inputs={"iqama_number": resident.iqama_number, "occupation": new},
            lines=[FeeLine("occupation_fee", _("Occupation change fee"), int(RULES["occupation_change"]["fee"]))],
            effects={"old_occupation": resident.occupation, "new_occupation": new},
        )

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
        resident = ctx.quoted_resident(quote, transaction)
        resident.occupation = quote.inputs["occupation"]
        return {"iqama_number": resident.iqama_number, "occupation": resident.occupation}


@register
class UpdatePassport(Service):
    """Record a renewed passport: the new number must not be recorded for another resident (of any
    establishment: a passport belongs to one person; the other one is not named), the new expiry must be in
    the future, at most rules.yml passport.max_validity_years from today (a passport is issued for 10 years
    at most), and later than the old one. The eligibility check without the new number or expiry (None) skips the rules that need
    them.

    The new expiry is the dialogue's generic `date` slot; the parameter, and the input stored in quotes,
    is `passport_expiry`: it says which date it is (see `Service.parameters`)."""

    name = "update_passport"
    label = N_("Passport details update")
    inputs = ("iqama_number", "passport_number", "date")
    button = N_("Update passport")

    def fee_rule(self) -> str:
        return _("Updating the passport details is free.")

    parameters = {"date": "passport_expiry"}
    check_defaults = {"passport_number": None, "passport_expiry": None}

    def quote(self, ctx: ServiceContext, iqama_number: str, passport_number: str | None, passport_expiry: Any) -> Quote:
        resident = ctx.resident(iqama_number)
        number = expiry = None
        if passport_number is not None or not ctx.collect:
            number = identifiers.parse_passport_number(str(passport_number))
            self._check_number(ctx, resident, number)
        if passport_expiry is not None or not ctx.collect:
            expiry = passport_expiry if isinstance(passport_expiry, date) else calendar.parse_date(str(passport_expiry))
        if expiry is not None:
            self._check_expiry(ctx, resident, expiry)
        return ctx.priced_quote(
            self.name,
            resident,
            inputs={
                "iqama_number": resident.iqama_number,
                "passport_number": number,
                "passport_expiry": expiry.isoformat() if expiry else None,
            },
            lines=[],
            effects={
                "old_passport_number": resident.passport_number,
                "old_passport_expiry": resident.passport_expiry.isoformat(),
                "new_passport_number": number,
                "new_passport_expiry": expiry.isoformat() if expiry else None,
            },
        )

    @staticmethod
    def _check_number(ctx: ServiceContext, resident, number: str) -> None:
        if ctx.repo.passport_held_by_another(number, resident.id):
            ctx.refuse(
                Refusal(
                    "passport_number_taken",
                    _(
                        "The passport number {number} is already recorded for another resident, and a passport "
                        "belongs to one person. Check the number written in the new passport and enter it again."
                    ).format(number=number),
                )
            )

    @staticmethod
    def _check_expiry(ctx: ServiceContext, resident, expiry: date) -> None:
        if expiry <= ctx.today:
            ctx.refuse(
                Refusal(
                    "passport_expiry_past",
                    _(
                        "The passport expiry date {expiry} is not in the future; enter the new passport's expiry date."
                    ).format(expiry=calendar.format_date(expiry)),
                )
            )
        max_years = int(RULES["passport"]["max_validity_years"])
        latest = calendar.add_months(ctx.today, 12 * max_years)
        if expiry > latest:
            ctx.refuse(
                Refusal(
                    "passport_expiry_too_far",
                    _(
                        "The passport expiry date {expiry} is not plausible: a passport is issued for {years} at "
                        "most, so it cannot expire after {latest}. Check the date written in the new passport and "
                        "enter it again."
                    ).format(
                        expiry=calendar.format_date(expiry),
                        years=calendar.years_phrase(max_years),
                        latest=calendar.format_date(latest),
                    ),
                    max_years=max_years,
                    latest=latest.isoformat(),
                )
            )
        if expiry <= resident.passport_expiry:
            ctx.refuse(
                Refusal(
                    "passport_expiry_not_later",
                    _("The new expiry date must be after the current passport's {expiry}.").format(
                        expiry=calendar.format_date(resident.passport_expiry)
                    ),
                )
            )

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
        resident = ctx.quoted_resident(quote, transaction)
        resident.passport_number = quote.inputs["passport_number"]
        resident.passport_expiry = date.fromisoformat(quote.inputs["passport_expiry"])
        return {"iqama_number": resident.iqama_number, "passport_number": resident.passport_number}
