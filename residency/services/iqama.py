"""Iqama services: renew (and, in sibling modules, issue)."""
from __future__ import annotations

from datetime import timedelta
from typing import Any

from residency import calendar, fees
from residency.errors import Refusal
from residency.rules import RULES
from residency.services import register
from residency.services.base import Quote, Service, ServiceContext, is_active, parse_period_months


def _refuse_if_final_exit(ctx: ServiceContext, resident) -> None:
    for visa in resident.visas:
        if visa.kind == "final_exit" and is_active(visa, ctx.today):
            raise Refusal(
                "final_exit_active",
                f"لدى المقيم تأشيرة خروج نهائي رقم {visa.number}؛ لا يمكن تجديد إقامته. "
                "ألغِ الخروج النهائي أولًا إن أردت إبقاءه.",
            )


@register
class RenewIqama(Service):
    """Renew an iqama for 3, 6, 9 or 12 months; new expiry = old expiry + period, lapsed or not."""

    name = "renew_iqama"

    def quote(self, ctx: ServiceContext, iqama_number: str, period: Any) -> Quote:
        rules = RULES["iqama"]
        resident = ctx.resident(iqama_number)
        months = parse_period_months(period, rules["allowed_periods_months"])
        _refuse_if_final_exit(ctx, resident)

        fine, fine_label = 0, ""
        late_after = resident.iqama_expiry + timedelta(days=int(rules["late_renewal_grace_days"]))
        if ctx.today > late_after:
            fine = fees.late_renewal_fine(resident.late_renewal_offences)
            if fine is None:
                raise Refusal(
                    "late_renewal_limit",
                    "هذا تأخير ثالث في تجديد إقامة هذا المقيم؛ لا يمكن التجديد إلكترونيًا. "
                    "راجع مكتب الجوازات لإتمام التجديد.",
                )
            offence = resident.late_renewal_offences + 1
            fine_label = f"غرامة تأخير التجديد (المخالفة رقم {offence})"

        est = ctx.establishment
        lines = fees.iqama_lines(
            months, resident.occupation, resident.dependants, est.saudi_count, est.expat_count, fine, fine_label
        )
        new_expiry = calendar.add_months(resident.iqama_expiry, months)
        quoted = Quote(
            service=self.name,
            inputs={"iqama_number": resident.iqama_number, "period": f"P{months}M"},
            lines=lines,
            effects={
                "old_expiry": resident.iqama_expiry.isoformat(),
                "new_expiry": new_expiry.isoformat(),
                "late": bool(fine),
            },
            resident_iqama=resident.iqama_number,
            resident_name=resident.name_ar,
            payer_number=est.number,
        )
        ctx.require_balance(est, quoted.total)
        return quoted

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
        resident = ctx.resident(quote.inputs["iqama_number"])
        transaction.resident_id = resident.id
        resident.iqama_expiry = calendar.date.fromisoformat(quote.effects["new_expiry"])
        if quote.effects["late"]:
            resident.late_renewal_offences += 1
        return {"iqama_number": resident.iqama_number, "new_expiry": quote.effects["new_expiry"]}
