"""Changes to a resident's record: occupation (paid) and passport (free)."""
from __future__ import annotations

from datetime import date
from typing import Any

from residency import calendar, identifiers
from residency.errors import InvalidInput, Refusal
from residency.fees import FeeLine
from residency.names import normalize_name
from residency.rules import RULES, occupations
from residency.services import register
from residency.services.base import Quote, Service, ServiceContext


def canonical_occupation(text: str) -> str | None:
    """The occupation of the known list that `text` names (tolerant of hamza, ة/ه, ى/ي, "ال"), else None."""
    wanted = normalize_name(text).removeprefix("ال")
    for occupation in occupations():
        if normalize_name(occupation).removeprefix("ال") == wanted:
            return occupation
    return None


@register
class ChangeOccupation(Service):
    name = "change_occupation"

    def quote(self, ctx: ServiceContext, iqama_number: str, occupation: str) -> Quote:
        resident = ctx.resident(iqama_number)
        new = canonical_occupation(str(occupation))
        if new is None:
            examples = "، ".join(occupations()[7:12])
            raise InvalidInput(
                "unknown_occupation",
                f"المهنة «{occupation}» ليست في قائمة المهن المعتمدة. اكتب مهنة من القائمة، مثل: {examples}.",
            )
        if new == resident.occupation:
            raise Refusal("same_occupation", f"مهنة المقيم الحالية هي «{new}» أصلًا؛ اختر مهنة مختلفة.")
        return ctx.priced_quote(
            self.name,
            resident,
            inputs={"iqama_number": resident.iqama_number, "occupation": new},
            lines=[FeeLine("occupation_fee", "رسوم تعديل المهنة", int(RULES["occupation_change"]["fee"]))],
            effects={"old_occupation": resident.occupation, "new_occupation": new},
        )

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
        resident = ctx.quoted_resident(quote, transaction)
        resident.occupation = quote.inputs["occupation"]
        return {"iqama_number": resident.iqama_number, "occupation": resident.occupation}


@register
class UpdatePassport(Service):
    """Record a renewed passport: the new expiry must be in the future, at most rules.yml
    passport.max_validity_years from today (a passport is issued for 10 years at most), and later than
    the old one."""

    name = "update_passport"

    def quote(self, ctx: ServiceContext, iqama_number: str, passport_number: str, passport_expiry: Any) -> Quote:
        resident = ctx.resident(iqama_number)
        number = identifiers.parse_passport_number(str(passport_number))
        expiry = passport_expiry if isinstance(passport_expiry, date) else calendar.parse_date(str(passport_expiry))
        if expiry <= ctx.today:
            raise Refusal(
                "passport_expiry_past",
                f"تاريخ انتهاء الجواز {calendar.format_date(expiry)} ليس في المستقبل؛ أدخل تاريخ انتهاء الجواز الجديد.",
            )
        max_years = int(RULES["passport"]["max_validity_years"])
        latest = calendar.add_months(ctx.today, 12 * max_years)
        if expiry > latest:
            raise Refusal(
                "passport_expiry_too_far",
                f"تاريخ انتهاء الجواز {calendar.format_date(expiry)} غير معقول: يصدر الجواز لمدة أقصاها "
                f"{calendar.years_ar(max_years)}، فلا يتجاوز تاريخ انتهائه {calendar.format_date(latest)}. "
                "تحقق من التاريخ المكتوب في الجواز الجديد وأدخله من جديد.",
                max_years=max_years,
                latest=latest.isoformat(),
            )
        if expiry <= resident.passport_expiry:
            raise Refusal(
                "passport_expiry_not_later",
                f"تاريخ الانتهاء الجديد يجب أن يكون بعد تاريخ الجواز الحالي {calendar.format_date(resident.passport_expiry)}.",
            )
        return ctx.priced_quote(
            self.name,
            resident,
            inputs={
                "iqama_number": resident.iqama_number,
                "passport_number": number,
                "passport_expiry": expiry.isoformat(),
            },
            lines=[],
            effects={
                "old_passport_number": resident.passport_number,
                "old_passport_expiry": resident.passport_expiry.isoformat(),
                "new_passport_number": number,
                "new_passport_expiry": expiry.isoformat(),
            },
        )

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
        resident = ctx.quoted_resident(quote, transaction)
        resident.passport_number = quote.inputs["passport_number"]
        resident.passport_expiry = date.fromisoformat(quote.inputs["passport_expiry"])
        return {"iqama_number": resident.iqama_number, "passport_number": resident.passport_number}
