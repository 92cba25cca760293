"""Pure fee arithmetic (SPEC section 4); every figure comes from rules.yml."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from replies import _, ngettext
from residency.rules import RULES, domestic_occupations


@dataclass(frozen=True)
class FeeLine:
    """One part of a fee: `code` is stable (iqama_fee, levy, dependants_levy, fine, visa_fee ...)."""

    code: str
    label: str
    amount: int


def joined(figures) -> str:
    """Figures of a fee rule in words: "163 / 325 / 488 / 650"."""
    return " / ".join(str(figure) for figure in figures)


def iqama_fee(months: int) -> int:
    return int(RULES["iqama"]["fee_by_months"][months])


def is_domestic(occupation: str) -> bool:
    """Whether `occupation` is a domestic one (no expat levy; iqama for 12 months only). The one place the
    services ask it: the answer comes from the classification (residency/occupations.yml, its domestic flag)."""
    return occupation in domestic_occupations()


def levy_rate(saudi_count: int, expat_count: int) -> int:
    """The expat levy a month of a worker who pays it: lower when Saudis are at least as many as expats."""
    levy = RULES["levy"]
    return int(levy["expat_per_month_saudi_majority"] if saudi_count >= expat_count else levy["expat_per_month"])


def levy_per_month(
    occupation: str, saudi_count: int, expat_count: int, industrial: bool = False, owner_operated: int = 0
) -> int:
    """Expat levy a month: none for domestic occupations, in a licensed industrial establishment, nor for a
    worker the owner-operated exemption covers (`owner_operated`: its size, 0 when it does not cover the
    worker); else `levy_rate`."""
    if is_domestic(occupation) or industrial or owner_operated:
        return 0
    return levy_rate(saudi_count, expat_count)


def owner_operated_exemption(saudi_count: int, expat_count: int) -> int:
    """How many expatriates of an owner-operated establishment pay no levy (rules.yml levy.owner_operated):
    2, or 4 once a second Saudi is registered (saudi_count >= 2, the owner being the first); none when the
    establishment has more than max_workers workers, Saudis and expatriates."""
    rule = RULES["levy"]["owner_operated"]
    if saudi_count + expat_count > int(rule["max_workers"]):
        return 0
    return int(rule["exempt_expats_with_second_saudi"] if saudi_count >= 2 else rule["exempt_expats"])


def yearly_levy(saudi_count: int, expat_count: int, owner_operated: bool = False) -> int:
    """The expat levy of a year for the establishment's expatriates (those the owner-operated exemption
    covers aside)."""
    exempt = owner_operated_exemption(saudi_count, expat_count) if owner_operated else 0
    return 12 * levy_rate(saudi_count, expat_count) * max(expat_count - exempt, 0)


@dataclass(frozen=True)
class LevyInsight:
    """Saudis are fewer than expatriates by `saudis_to_hire` (at most rules.yml levy.saudi_shortfall_hint_max):
    hiring that many brings the levy from `rate_now` to `rate_after` a month per expatriate and saves
    `yearly_saving` riyals a year."""

    saudis_to_hire: int
    rate_now: int
    rate_after: int
    yearly_saving: int


def levy_insight(saudi_count: int, expat_count: int, industrial: bool, owner_operated: bool) -> LevyInsight | None:
    """The insight of an establishment with these head counts, or None: Saudis not fewer, fewer by more than
    the hint's maximum, a licensed industrial establishment (no levy), or nothing saved."""
    shortfall = expat_count - saudi_count
    if industrial or not 1 <= shortfall <= int(RULES["levy"]["saudi_shortfall_hint_max"]):
        return None
    after = saudi_count + shortfall
    saving = yearly_levy(saudi_count, expat_count, owner_operated) - yearly_levy(after, expat_count, owner_operated)
    if saving <= 0:
        return None
    return LevyInsight(shortfall, levy_rate(saudi_count, expat_count), levy_rate(after, expat_count), saving)


def _months(n: int) -> str:
    return ngettext("{n} month", "{n} months", n).format(n=n)


def _dependants(n: int) -> str:
    return ngettext("{n} dependant", "{n} dependants", n).format(n=n)


def iqama_lines(
    months: int,
    occupation: str,
    dependants: int,
    saudi_count: int,
    expat_count: int,
    fine: int = 0,
    fine_label: str = "",
    industrial: bool = False,
    owner_operated: int = 0,
) -> list[FeeLine]:
    """Iqama fee, expat levy, dependants' levy and an optional fine for a period of `months`; the levy line
    of an exempt worker (domestic occupation, licensed industrial establishment, covered by the
    owner-operated exemption of `owner_operated` expatriates) is 0 and says why."""
    per_month = levy_per_month(occupation, saudi_count, expat_count, industrial, owner_operated)
    if per_month:
        levy_label = _("Worker's expat levy ({months} × {per_month} SAR)").format(
            months=_months(months), per_month=per_month
        )
    elif is_domestic(occupation):
        levy_label = _("Worker's expat levy: exempt (domestic occupation: {occupation})").format(occupation=occupation)
    elif industrial:
        levy_label = _("Worker's expat levy: exempt (licensed industrial establishment)")
    else:
        levy_label = ngettext(
            "Worker's expat levy: exempt (owner-operated establishment: no levy for its first {n} expatriate)",
            "Worker's expat levy: exempt (owner-operated establishment: no levy for its first {n} expatriates)",
            owner_operated,
        ).format(n=owner_operated)
    lines = [
        FeeLine("iqama_fee", _("Iqama fee ({months})").format(months=_months(months)), iqama_fee(months)),
        FeeLine("levy", levy_label, months * per_month),
    ]
    if dependants:
        per = int(RULES["levy"]["dependant_per_month"])
        lines.append(
            FeeLine(
                "dependants_levy",
                _("Dependants' levy ({dependants} × {months} × {per_month} SAR)").format(
                    dependants=_dependants(dependants), months=_months(months), per_month=per
                ),
                dependants * months * per,
            )
        )
    if fine:
        lines.append(FeeLine("fine", fine_label, fine))
    return lines


def late_renewal_fine(offences_so_far: int) -> int | None:
    """Fine for the next late renewal, or None when the offence count means it is refused."""
    fines = RULES["iqama"]["late_renewal_fines"]
    return int(fines[offences_so_far]) if offences_so_far < len(fines) else None


def late_renewal_after(expiry: date) -> date:
    """The last day a lapsed iqama renews without a late-renewal fine (expiry + rules.yml grace days)."""
    return expiry + timedelta(days=int(RULES["iqama"]["late_renewal_grace_days"]))


def late_renewal(expiry: date, today: date, offences_so_far: int) -> tuple[bool, int | None]:
    """Whether renewing today is a late renewal, and its fine (None: refused, past the fines' list)."""
    if today <= late_renewal_after(expiry):
        return False, 0
    return True, late_renewal_fine(offences_so_far)


def exit_reentry_fee(entry_type: str, billable_months: int) -> int:
    """Single: 200 up to 2 months, +100 a further month; multiple: 500 up to 3, +200 a further month."""
    rule = RULES["exit_reentry"][entry_type]
    extra = max(0, billable_months - int(rule["base_months"]))
    return int(rule["base_fee"]) + extra * int(rule["extra_month_fee"])


def extension_fee(entry_type: str, months: int) -> int:
    """Extension of an exit/re-entry (resident outside): rules.yml extension_month_fee per extra month."""
    return months * int(RULES["exit_reentry"]["extension_month_fee"][entry_type])


def transfer_fee(previous_transfers: int) -> int:
    """Paid by the receiving establishment: by the transfer's number, the last figure for any later one."""
    fees = RULES["sponsorship_transfer"]["fees"]
    return int(fees[min(previous_transfers, len(fees) - 1)])
