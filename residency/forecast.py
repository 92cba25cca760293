"""Cost forecast (`forecast_costs`, SPEC 9.3): what renewing the establishment's iqamas will cost, month by
month, for the next N calendar months, with a chart and a CSV.

The assumption is the one the SPEC states: every iqama is renewed on its expiry for rules.yml
forecast.renewal_months (12) months. Each resident is priced by the very fee function the renewal quote
uses (`fees.iqama_lines`, with the establishment's head counts, its `industrial` flag and the domestic
exemption), and only residents the renewal quote would accept are counted, so a month's total is exactly the
sum of the `renew_iqama` quotes (duration P12M) of the residents it lists -- as long as nothing changes
before then (head counts, dependants, rules).

Choices:
- The months are calendar months; the first is the current one (from today to its last day), the others
  the N-1 that follow it. An iqama already expired is renewed now: it is counted in the first month.
- Late-renewal fines: an iqama still valid is renewed on its expiry, so carries none. An iqama already
  past its grace days carries the fine its quote shows today (`fees.late_renewal` with the resident's
  offence count), in the `fines` column; one the quote would refuse (the offence past the fines' list:
  passport office) is left out and listed in `excluded` (`late_renewal_limit`).
- A resident with an active final exit (issued and unexpired, or used: left on it) is not renewed -- the
  quote refuses it -- so is left out and listed in `excluded` (`final_exit_active`).
- A resident outside the Kingdom on an exit/re-entry is counted: the renewal quote does not refuse it.
- A new arrival without an iqama yet is not a renewal: not counted, not listed.
- Balance and subscription of the moment are not rules of a forecast: nothing is refused for them here
  (authorisation is, as for every report).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from replies import N_, _, current_language
from residency import calendar, fees, queries
from residency.presentation import charts
from residency.db import UnitOfWork
from residency.errors import InvalidInput
from residency.rules import RULES
from residency.services.base import authorise, is_active, owner_operated_cover

SERVICE = "forecast_costs"

# Catalogue ids (translate with `_()`).
GREGORIAN_MONTHS = (
    N_("January"),
    N_("February"),
    N_("March"),
    N_("April"),
    N_("May"),
    N_("June"),
    N_("July"),
    N_("August"),
    N_("September"),
    N_("October"),
    N_("November"),
    N_("December"),
)

# The CSV's columns, as catalogue ids (csv_header(): in the reply language of the moment).
CSV_COLUMNS = (
    N_("Month"),
    N_("Hijri month"),
    N_("From"),
    N_("To"),
    N_("Iqamas"),
    N_("Iqama fees"),
    N_("Expat levy on workers"),
    N_("Dependants' levy"),
    N_("Late renewal fines"),
    N_("Total"),
)


def csv_header() -> tuple[str, ...]:
    """The CSV's columns in the current language."""
    return tuple(_(column) for column in CSV_COLUMNS)


@dataclass(frozen=True)
class ForecastMonth:
    """One calendar month of the forecast: the renewals falling due in it and what they cost (SAR)."""

    start: date  # first day of the month (the first month's renewals include the already-expired ones)
    end: date  # last day of the month
    gregorian_label: str  # "ديسمبر 2026"
    hijri_label: str  # "جمادى الآخرة – رجب 1448 هـ" ("" outside the Umm al-Qura table)
    iqamas: int
    iqama_fees: int
    levy: int
    dependants_levy: int
    fines: int
    iqama_numbers: tuple[str, ...]  # the residents this month stands for, by expiry

    @property
    def total(self) -> int:
        return self.iqama_fees + self.levy + self.dependants_levy + self.fines

    @property
    def label(self) -> str:
        """Gregorian month with its Hijri months: "ديسمبر 2026 (جمادى الآخرة – رجب 1448 هـ)"."""
        return f"{self.gregorian_label} ({self.hijri_label})" if self.hijri_label else self.gregorian_label


@dataclass(frozen=True)
class Excluded:
    """A resident whose iqama falls due in the forecast's months but is not counted, and why
    (`final_exit_active`, `late_renewal_limit`: the codes the renewal quote refuses with)."""

    iqama_number: str
    name_ar: str
    iqama_expiry: date
    reason: str


@dataclass(frozen=True)
class Forecast:
    establishment_number: str
    today: date
    renewal_months: int  # each iqama assumed renewed for this many months
    months: tuple[ForecastMonth, ...]
    # 12 x the expat levy a month that applies to a (non-domestic) worker of this establishment:
    # 0 for a licensed industrial establishment.
    levy_per_worker_per_year: int
    excluded: tuple[Excluded, ...]
    # Saudis fewer than expatriates by a few: what hiring them would save (texts.render_levy_insight).
    levy_insight: fees.LevyInsight | None = None

    @property
    def total(self) -> int:
        return sum(m.total for m in self.months)

    @property
    def iqamas(self) -> int:
        return sum(m.iqamas for m in self.months)


def _months_value(months: Any) -> int:
    """Whole months from 1 to rules.yml forecast.max_months (int, digit string or ISO "P3M" / "P1Y");
    anything else -- zero, days, too many, unreadable -- is InvalidInput bad_forecast_months."""
    rules = RULES["forecast"]
    if months is None:
        return int(rules["default_months"])
    maximum = int(rules["max_months"])
    try:
        duration = calendar.Duration.parse(months)
        value = duration.months if not duration.days else None
    except InvalidInput:
        value = None
    if value is None or not 1 <= value <= maximum:
        raise InvalidInput(
            "bad_forecast_months",
            _(
                "The forecast is for a number of months, from 1 to {maximum} (e.g. 3 months). "
                "Write how many months you want."
            ).format(maximum=maximum),
            maximum=maximum,
        )
    return value


def _hijri_label(start: date, end: date) -> str:
    from hijridate import Gregorian

    try:
        first = Gregorian(start.year, start.month, start.day).to_hijri()
        last = Gregorian(end.year, end.month, end.day).to_hijri()
    except OverflowError:
        return ""
    names = "ar" if current_language() == "ar" else "en"
    if (first.year, first.month) == (last.year, last.month):
        return _("{month} {year} AH").format(month=first.month_name(names), year=first.year)
    if first.year == last.year:
        return _("{first} – {last} {year} AH").format(
            first=first.month_name(names), last=last.month_name(names), year=last.year
        )
    return _("{first} {first_year} – {last} {last_year} AH").format(
        first=first.month_name(names), first_year=first.year, last=last.month_name(names), last_year=last.year
    )


def _month_bounds(today: date, index: int) -> tuple[date, date]:
    start = calendar.add_months(today.replace(day=1), index)
    end = calendar.add_days(calendar.add_months(start, 1), -1)
    return start, end


def forecast_costs(uow: UnitOfWork, telegram_id: int, months: Any = None) -> Forecast:
    """The renewal costs of the sender's establishment for the current calendar month and the months - 1
    after it (default rules.yml forecast.default_months); see the module docstring for what is counted."""
    actor = authorise(uow, telegram_id, SERVICE)
    count = _months_value(months)
    renewal_months = int(RULES["forecast"]["renewal_months"])
    today = calendar.today()
    est = uow.repo.establishment(actor.establishment_id)
    bounds = [_month_bounds(today, i) for i in range(count)]
    last_day = bounds[-1][1]

    residents = queries.residents_to_renew(uow, actor.establishment_id, last_day)
    ids = [r.id for r in residents]
    on_final_exit: set[int] = set()
    if ids:
        for visa in queries.final_exit_visas(uow, ids):
            if is_active(visa, today):  # the renewal quote's own test (ServiceContext.active_visa)
                on_final_exit.add(visa.resident_id)

    covered = owner_operated_cover(uow, est)
    sums = [{"iqama_fee": 0, "levy": 0, "dependants_levy": 0, "fine": 0} for _ in bounds]
    numbers: list[list[str]] = [[] for _ in bounds]
    excluded: list[Excluded] = []
    first_start = bounds[0][0]
    for r in residents:
        if r.id in on_final_exit:
            excluded.append(Excluded(r.iqama_number, r.name_ar, r.iqama_expiry, "final_exit_active"))
            continue
        # Renewed on its expiry, or today when that has passed: the quote's late-renewal rule decides the fine.
        late, fine = fees.late_renewal(r.iqama_expiry, max(r.iqama_expiry, today), r.late_renewal_offences)
        if late and fine is None:
            excluded.append(Excluded(r.iqama_number, r.name_ar, r.iqama_expiry, "late_renewal_limit"))
            continue
        lines = fees.iqama_lines(
            renewal_months,
            r.occupation,
            r.dependants,
            est.saudi_count,
            est.expat_count,
            fine or 0,
            "",
            industrial=est.industrial,
            owner_operated=covered.get(r.id, 0),
        )
        expiry = r.iqama_expiry
        index = 0 if expiry < first_start else (expiry.year - first_start.year) * 12 + expiry.month - first_start.month
        for line in lines:
            sums[index][line.code] += line.amount
        numbers[index].append(r.iqama_number)

    month_rows = []
    for (start, end), part, listed in zip(bounds, sums, numbers):
        month_rows.append(
            ForecastMonth(
                start=start,
                end=end,
                gregorian_label=f"{_(GREGORIAN_MONTHS[start.month - 1])} {start.year}",
                hijri_label=_hijri_label(start, end),
                iqamas=len(listed),
                iqama_fees=part["iqama_fee"],
                levy=part["levy"],
                dependants_levy=part["dependants_levy"],
                fines=part["fine"],
                iqama_numbers=tuple(listed),
            )
        )
    # A worker of a non-domestic occupation ("" is none of the domestic ones) at this establishment.
    per_month = fees.levy_per_month("", est.saudi_count, est.expat_count, est.industrial)
    return Forecast(
        establishment_number=est.number,
        today=today,
        renewal_months=renewal_months,
        months=tuple(month_rows),
        levy_per_worker_per_year=12 * per_month,
        excluded=tuple(excluded),
        levy_insight=fees.levy_insight(est.saudi_count, est.expat_count, est.industrial, est.owner_operated),
    )


def forecast_chart(forecast: Forecast, title: str | None = None) -> bytes:
    """PNG bytes: a stacked bar per month (Gregorian and Hijri month under it), Arabic shaped."""
    title = title or _("Expected cost of renewing the iqamas — total {total} SAR").format(total=f"{forecast.total:,}")
    rows = [
        (f"{m.gregorian_label}\n{m.hijri_label}", m.iqama_fees, m.levy, m.dependants_levy, m.fines)
        for m in forecast.months
    ]
    return charts.cost_forecast_chart(rows, title)


def forecast_csv(forecast: Forecast) -> bytes:
    """CSV bytes (UTF-8 with BOM, for Excel): a header and one row per month."""
    rows = [
        (
            m.gregorian_label,
            m.hijri_label,
            m.start,
            m.end,
            m.iqamas,
            m.iqama_fees,
            m.levy,
            m.dependants_levy,
            m.fines,
            m.total,
        )
        for m in forecast.months
    ]
    return charts.rows_to_csv(rows, list(csv_header()))
