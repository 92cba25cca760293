"""Bulk requests (SPEC 9.3): one service for several residents, quoted together, executed one by one.

    with UnitOfWork() as uow:
        bulk = quote_bulk(uow, telegram_id, "renew_iqama", iqama_numbers=[...], duration="P12M")
        # or group="expiring" (iqama expiring within `horizon_days`: rules.yml bulk, default 30 days, 1 to
        # 365 allowed, anything else refused with the range; `horizon_lines(offer)` states the one used),
        # "expired", "abroad", "all"
    with UnitOfWork() as uow:
        outcome = execute_bulk(uow, telegram_id, bulk.id, key="<sender>:<quote id>")

The quote runs the service's own rules for each resident (the single-service code path): a line per
resident with its quote or the rule that blocks it, and the total of those that can go. It is stored
(`BulkQuote`) so that a confirmation, a retry or an owner's approval executes exactly what was shown.

Execution: first, the balance must cover the total of every resident not executed yet (otherwise
nothing runs and the answer says how much is missing). Then each resident is `services.execute`d in its
own database transaction under the key "<key>:<iqama number>": a repeated or concurrent confirmation
replays the residents already done and charges nothing twice; one resident refused at execution (its
terms changed since the quote, the balance ran out part-way) never undoes the others.
"""

from __future__ import annotations

import inspect
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from typing import Any

from replies import N_, _, ngettext
from residency import calendar, identifiers, queries
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal, ResidencyError
from residency.models import BulkQuote
from residency.rules import RULES
from residency.services import execute, prior_receipt, service_handler
from residency.services.base import (
    Quote,
    Receipt,
    ServiceContext,
    authorise,
    insufficient_balance_message,
    refuse_stored_elsewhere,
    resolve_actor,
)

MAX_RESIDENTS = int(RULES["bulk"]["max_residents"])
GROUPS = ("expiring", "expired", "abroad", "all")
# The service input naming the resident, by service (services taking a visa number take an iqama too).
PERSON_INPUTS = ("iqama_number", "number")


@dataclass(frozen=True)
class BulkLine:
    iqama_number: str
    resident_name: str
    quote: Quote | None = None
    refusal: ResidencyError | None = None
    resident_name_en: str = ""

    @property
    def can_go(self) -> bool:
        return self.quote is not None


@dataclass(frozen=True)
class BulkOffer:
    """A stored combined quote: its id, a line per resident, and the total of those that can go."""

    id: int
    service: str
    lines: list[BulkLine]
    balance: int
    # The group `expiring`: the last expiry date it took (today + the horizon used), else None.
    expiring_until: date | None = None

    @property
    def total(self) -> int:
        return ready_total(self.lines)

    @property
    def ready(self) -> list[BulkLine]:
        return [line for line in self.lines if line.can_go]

    @property
    def missing(self) -> int:
        """How much the balance lacks to cover the total (0 when it covers it)."""
        return max(self.total - self.balance, 0)


@dataclass
class BulkOutcome:
    """What an execution did: the receipts of the residents done, and those refused, each with why."""

    service: str
    done: list[tuple[BulkLine, Receipt]] = field(default_factory=list)
    refused: list[tuple[BulkLine, ResidencyError]] = field(default_factory=list)
    balance_after: int = 0

    @property
    def charged(self) -> int:
        return sum(receipt.total for _, receipt in self.done if not receipt.replayed)

    @property
    def replayed(self) -> bool:
        return bool(self.done) and all(receipt.replayed for _, receipt in self.done)


def ready_total(lines: list[BulkLine]) -> int:
    """The total of the lines that can go."""
    return sum(line.quote.total for line in lines if line.quote is not None)


def distinct_numbers(values) -> list[str]:
    """The numbers written (any digits), each once, in the order given."""
    return list(dict.fromkeys(identifiers.normalize_digits(str(value)).strip() for value in values))


def person_input(service: str) -> str:
    """The input of `service` that names the resident; InvalidInput when the service has none (an
    iqama issue names a border number, one arrival at a time)."""
    params = inspect.signature(service_handler(service).quote).parameters
    for name in PERSON_INPUTS:
        if name in params:
            return name
    raise InvalidInput(
        "bulk_not_supported", _("This service is requested for one worker at a time; give a single number.")
    )


def quote_bulk(
    uow: UnitOfWork,
    telegram_id: int,
    service: str,
    iqama_numbers: list[str] | None = None,
    group: str | None = None,
    horizon_days: int | None = None,
    **inputs: Any,
) -> BulkOffer:
    """Quote `service` for each resident named (or of `group`), store the combined quote, return it."""
    actor = authorise(uow, telegram_id, service)
    person = person_input(service)
    until = expiring_until(horizon_days) if group == "expiring" else None
    numbers = _residents_named(uow, actor.establishment_id, iqama_numbers, group, until)
    ctx = ServiceContext(uow, actor, check_balance=False)
    handler = service_handler(service)
    with uow.repo.prefetched_residents(actor.establishment_id, numbers):
        lines = [_quote_line(ctx, handler, person, number, inputs) for number in numbers]
    row = BulkQuote(
        establishment_id=actor.establishment_id,
        user_id=actor.user_id,
        service=service,
        group_name=group,
        items=[_item(line) for line in lines],
        total=ready_total(lines),
    )
    uow.repo.add(row)
    uow.commit()
    return BulkOffer(row.id, service, lines, ctx.establishment.balance, until)


def _quote_line(ctx: ServiceContext, handler, person: str, number: str, inputs: dict[str, Any]) -> BulkLine:
    try:
        quoted = handler.quote(ctx, **{person: number}, **inputs)
    except ResidencyError as error:
        resident = ctx.repo.resident_by_iqama(ctx.actor.establishment_id, number)
        if resident is None:
            return BulkLine(number, "", refusal=error)
        return BulkLine(number, resident.name_ar, refusal=error, resident_name_en=resident.name_en or "")
    return BulkLine(number, quoted.resident_name or "", quote=quoted, resident_name_en=quoted.resident_name_en or "")


def expiring_until(horizon_days: int | None) -> date:
    """The last expiry date of the group `expiring`: today + the horizon stated (None: rules.yml bulk
    expiring_default_days); InvalidInput bad_horizon naming the allowed range otherwise."""
    rules = RULES["bulk"]
    low, high = int(rules["expiring_min_days"]), int(rules["expiring_max_days"])
    days = int(rules["expiring_default_days"]) if horizon_days is None else horizon_days
    if not low <= days <= high:
        raise InvalidInput(
            "bad_horizon",
            _(
                "The period of iqamas expiring soon is from {low} to {high} days; {days} is outside it. Write it "
                "like: renew the iqamas expiring within 60 days."
            ).format(low=low, high=high, days=days),
            low=low,
            high=high,
        )
    return calendar.today() + timedelta(days=days)


def horizon_lines(offer: BulkOffer) -> list[str]:
    """The offer's statement of the horizon it used (a list of one line for the group `expiring`, else [])."""
    if offer.expiring_until is None:
        return []
    days = calendar.days_until(offer.expiring_until)
    return [
        ngettext(
            "Iqamas expiring from today to {date} (within {n} day), and those that lapsed in the last {grace} days "
            "(their grace before the late fine).",
            "Iqamas expiring from today to {date} (within {n} days), and those that lapsed in the last {grace} days "
            "(their grace before the late fine).",
            days,
        ).format(
            date=calendar.format_date(offer.expiring_until), n=days, grace=RULES["iqama"]["late_renewal_grace_days"]
        )
    ]


def _residents_named(uow, establishment_id: int, numbers, group, until: date | None) -> list[str]:
    if group is not None:
        if group not in GROUPS:
            raise InvalidInput(
                "unknown_group", _("The group is one of: expiring soon, expired, outside the Kingdom, or all.")
            )
        today = calendar.today()
        grace = timedelta(days=int(RULES["iqama"]["late_renewal_grace_days"]))
        found = uow.repo.residents_of_group(establishment_id, group, today, until, lapsed_since=today - grace)
        if not found:
            raise NotFound("empty_group", _(_EMPTY_GROUP[group]))
    else:
        found = distinct_numbers(numbers or ())
        if len(found) < 2:
            raise InvalidInput(
                "bulk_needs_several", _("A bulk request needs two numbers or more, or a group such as «expired».")
            )
    if len(found) > MAX_RESIDENTS:
        raise InvalidInput(
            "bulk_too_large",
            ngettext(
                "The request covers {n} resident, and the limit is {limit} per request. Split it into smaller ones.",
                "The request covers {n} residents, and the limit is {limit} per request. Split it into smaller ones.",
                len(found),
            ).format(n=len(found), limit=MAX_RESIDENTS),
        )
    return found


_EMPTY_GROUP = {  # ids (N_), translated where the error is raised
    "expiring": N_("No iqamas expire within this period."),
    "expired": N_("Your establishment has no expired iqamas."),
    "abroad": N_("No residents are outside the Kingdom at the moment."),
    "all": N_("Your establishment has no residents."),
}


def _item(line: BulkLine) -> dict[str, Any]:
    refusal = line.refusal
    return {
        "iqama_number": line.iqama_number,
        "resident_name": line.resident_name,
        "resident_name_en": line.resident_name_en,
        "quote": line.quote.to_dict() if line.quote is not None else None,
        "refusal": {"code": refusal.code, "message": refusal.message} if refusal is not None else None,
    }


def _line(item: dict[str, Any]) -> BulkLine:
    refusal = item.get("refusal")
    return BulkLine(
        item["iqama_number"],
        item.get("resident_name") or "",
        quote=Quote.from_dict(item["quote"]) if item.get("quote") else None,
        refusal=Refusal(refusal["code"], refusal["message"]) if refusal else None,
        resident_name_en=item.get("resident_name_en") or "",
    )


def stored_offer(uow: UnitOfWork, telegram_id: int, bulk_id: int, establishment_id: int | None = None) -> BulkOffer:
    """The stored combined quote `bulk_id` of the user's establishment (see `resolve_actor` for
    `establishment_id`); Refusal other_establishment for one of another of the account's establishments,
    NotFound otherwise."""
    actor = resolve_actor(uow, telegram_id, establishment_id)
    row = uow.repo.bulk_quote(int(bulk_id))
    if row is not None and row.establishment_id != actor.establishment_id:
        refuse_stored_elsewhere(uow, actor, row.establishment_id)
    if row is None or row.establishment_id != actor.establishment_id:
        raise NotFound("unknown_request", _("This request does not exist."))
    return BulkOffer(
        row.id, row.service, [_line(item) for item in row.items], uow.repo.establishment(actor.establishment_id).balance
    )


def execute_bulk(
    uow: UnitOfWork,
    telegram_id: int,
    bulk_id: int,
    key: str,
    on_each: Callable[[BulkLine], None] | None = None,
    establishment_id: int | None = None,
) -> BulkOutcome:
    """Execute the stored combined quote `bulk_id`, each resident exactly once (see module docstring), in
    the establishment the account works on (or `establishment_id`, an approved request's).

    `on_each` is called after each resident's own transaction (progress, tests)."""
    offer = stored_offer(uow, telegram_id, bulk_id, establishment_id)
    actor = authorise(uow, telegram_id, offer.service, establishment_id)
    outcome = BulkOutcome(offer.service, refused=[(line, line.refusal) for line in offer.lines if not line.can_go])
    waiting = []
    for line in offer.ready:
        prior = prior_receipt(uow, telegram_id, resident_key(key, line), establishment_id)
        if prior is not None:
            outcome.done.append((line, prior))
        else:
            waiting.append(line)
    due = ready_total(waiting)
    if due > offer.balance:
        raise Refusal(
            "insufficient_balance", insufficient_balance_message(offer.balance, due), missing=due - offer.balance
        )
    uow.rollback()  # end the reading transaction: each resident below is its own
    progress = _ProgressWriter(uow, telegram_id, bulk_id, len(offer.ready), len(outcome.done))
    for line in waiting:
        try:
            receipt = execute(uow, telegram_id, line.quote, resident_key(key, line), establishment_id)
            outcome.done.append((line, receipt))
        except ResidencyError as error:
            outcome.refused.append((line, error))
        progress.one_more()
        if on_each is not None:
            on_each(line)
    outcome.balance_after = uow.repo.establishment(actor.establishment_id).balance
    return outcome


@dataclass(frozen=True)
class Progress:
    """How far a bulk execution is: residents done of the total."""

    done: int
    total: int


class _ProgressWriter:
    """Writes how far an execution of more than bulk.progress_above residents is, between residents, at most
    once every PROGRESS_EVERY_SECONDS and at the end (each write its own small transaction)."""

    def __init__(self, uow: UnitOfWork, telegram_id: int, bulk_id: int, total: int, done: int) -> None:
        self.uow, self.telegram_id, self.bulk_id, self.total, self.done = uow, telegram_id, bulk_id, total, done
        self.shown = total > int(RULES["bulk"]["progress_above"])
        self.written_at = float("-inf")

    def one_more(self) -> None:
        self.done += 1
        if self.shown and (self.done >= self.total or time.monotonic() - self.written_at >= PROGRESS_EVERY_SECONDS):
            record_progress(self.uow, self.telegram_id, self.bulk_id, self.done, self.total)
            self.written_at = time.monotonic()


def record_progress(uow: UnitOfWork, telegram_id: int, bulk_id: int, done: int, total: int) -> None:
    """Write how far the execution of `bulk_id` is, now; commits."""
    uow.repo.record_bulk_progress(bulk_id, telegram_id, done, total, _utc_now())
    uow.commit()


PROGRESS_EVERY_SECONDS = 1.0


def _utc_now() -> datetime:
    """The system's now (calendar.now: MUQEEM_TODAY's date) in UTC, as moments are stored."""
    return calendar.now().astimezone(timezone.utc)


def progress_of(uow: UnitOfWork, telegram_id: int) -> Progress | None:
    """The sender's bulk execution under way (or just finished), written to within bulk.progress_fresh_seconds."""
    since = _utc_now() - timedelta(seconds=int(RULES["bulk"]["progress_fresh_seconds"]))
    row = queries.latest_bulk_progress(uow, telegram_id, since)
    return Progress(row.done, row.total) if row is not None else None


def executed_count(uow: UnitOfWork, telegram_id: int, key: str) -> int:
    """How many residents were executed under the bulk confirmation `key` (a stale button's answer)."""
    actor = resolve_actor(uow, telegram_id)
    return uow.repo.count_transactions_with_key_prefix(actor.establishment_id, f"{key}:")


def resident_key(key: str, line: BulkLine) -> str:
    """The idempotency key of one resident's execution within the bulk confirmation `key`."""
    return f"{key}:{line.iqama_number}"
