"""Bulk requests in the conversation (SPEC 9.3): a service request naming several iqama numbers (slot
`iqama_numbers`) or a group (slot `resident_group`) is quoted as one combined offer and executed per
resident by `residency.services.bulk`.

The offer is stored by the domain; the pending quote slot holds only its id, service, total and count
({"service", "bulk_quote_id", "total", "count"}), so a 1000-resident offer does not ride in the tracker.
Up to `SHOWN_LINES` lines are written in the message; more, and the whole list comes as a CSV too.
A group of iqamas "expiring" takes a horizon stated in the message that named it ("خلال 60 يوم",
"within 2 months"), else 30 days; the domain refuses one outside rules.yml's range and the offer states
the one used.
"""

from __future__ import annotations

import base64
from typing import Any

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.keywords import HORIZON, MONTH_UNIT_STARTS
from actions.render import CONFIRM_QUESTION, confirm_buttons, riyals, service_label
from replies import N_, _, ngettext
from residency import identifiers
from residency.presentation.charts import rows_to_csv
from residency.presentation.texts import shown_name
from residency.services.bulk import BulkOffer, BulkOutcome, distinct_numbers, horizon_lines, quote_bulk

SHOWN_LINES = 20
# Fee lines that are fines: a bulk line says how much of its amount they are (a 1150 renewal: 500 of it fine).
FINE_CODES = frozenset({"fine", "unused_visa_fine", "late_cancel_fine"})
# Column titles of the CSV (ids: translated when the file is made).
CSV_COLUMNS = (N_("Iqama number"), N_("Name"), N_("Status"), N_("Amount (SAR)"), N_("Reason"))


def residents_phrase(n: int) -> str:
    """A count of residents in the reply language: "مقيم واحد", "مقيمَين", "3 مقيمين", "11 مقيمًا" /
    "3 residents"."""
    return ngettext("{n} resident", "{n} residents", n).format(n=n)


def bulk_numbers(tracker: Tracker) -> list[str]:
    """The distinct iqama numbers the request names (in order)."""
    return distinct_numbers(tracker.get_slot("iqama_numbers") or ())


def is_bulk(tracker: Tracker) -> bool:
    """A request about several residents: two numbers or more, or a group (numbers win over a group)."""
    return len(bulk_numbers(tracker)) > 1 or bool(tracker.get_slot("resident_group"))


def horizon_days(tracker: Tracker) -> int | None:
    """The horizon stated in the latest message that named the group, in days (None: not stated)."""
    for event in reversed(tracker.events):
        if event.get("event") != "user":
            continue
        entities = (event.get("parse_data") or {}).get("entities") or []
        if not any(e.get("entity") == "resident_group" for e in entities):
            continue
        match = HORIZON.search(identifiers.normalize_digits(event.get("text") or ""))
        if match is None:
            return None
        count = int(match.group(1))
        return count * 30 if match.group(2).lower().startswith(MONTH_UNIT_STARTS) else count
    return None


def quote_bulk_request(uow, telegram_id: int, tracker: Tracker, service: str, inputs: dict[str, Any]) -> BulkOffer:
    """The domain's combined quote of this request (inputs: the service's other inputs, from slots)."""
    numbers = bulk_numbers(tracker)
    group = None if len(numbers) > 1 else tracker.get_slot("resident_group")
    return quote_bulk(
        uow,
        telegram_id,
        service,
        iqama_numbers=numbers if group is None else None,
        group=group,
        horizon_days=horizon_days(tracker) if group else None,
        **inputs,
    )


def name_of(line) -> str:
    """The resident's name on a bulk line, as the reply language shows it."""
    return shown_name(line.resident_name, line.resident_name_en)


def _status_line(line) -> str:
    who = f"{name_of(line)} ({line.iqama_number})" if line.resident_name else line.iqama_number
    if line.quote is not None:
        fines = sum(fee.amount for fee in line.quote.lines if fee.code in FINE_CODES)
        if fines:
            return _("✅ {who}: {amount} (of which fines {fines})").format(
                who=who, amount=riyals(line.quote.total), fines=riyals(fines)
            )
        return f"✅ {who}: {riyals(line.quote.total)}"
    return f"⛔ {who}: {line.refusal.message}"


def _csv(rows) -> dict[str, str]:
    table = rows_to_csv(rows, tuple(_(title) for title in CSV_COLUMNS))
    return {
        "document_base64": base64.b64encode(table).decode("ascii"),
        "filename": "bulk_request.csv",
        "caption": _("The whole list as a CSV file (opens in Excel)"),
    }


def _listed(lines: list[str], rows) -> tuple[list[str], dict[str, str] | None]:
    """The first SHOWN_LINES lines, and the whole list as a CSV message when there are more."""
    if len(lines) <= SHOWN_LINES:
        return lines, None
    more = _("… and {n} more in the attached file.").format(n=len(lines) - SHOWN_LINES)
    return lines[:SHOWN_LINES] + [more], _csv(rows)


def _send(dispatcher: CollectingDispatcher, parts: list[str], table: dict[str, str] | None, **buttons) -> None:
    dispatcher.utter_message(text="\n".join(parts), **buttons)
    if table is not None:
        dispatcher.utter_message(json_message=table)


def offer_bulk(dispatcher: CollectingDispatcher, offer: BulkOffer, quote_id: str) -> list[EventType]:
    """Show the combined offer; confirm/cancel buttons only when some can go and the balance covers them."""
    label = service_label(offer.service)
    rows = [
        (
            line.iqama_number,
            line.resident_name,
            _("Can go") if line.can_go else _("Cannot go"),
            line.quote.total if line.quote else "",
            "" if line.can_go else line.refusal.message,
        )
        for line in offer.lines
    ]
    parts = [
        _("Bulk request: {service} for {residents}").format(service=label, residents=residents_phrase(len(offer.lines)))
    ] + horizon_lines(offer)
    shown, table = _listed([_status_line(line) for line in offer.lines], rows)
    parts += shown
    ready = len(offer.ready)
    parts.append(
        _("{ready} of {count} can be carried out; total: {amount}").format(
            ready=ready, count=len(offer.lines), amount=riyals(offer.total)
        )
    )
    if not ready:
        parts.append(_("None of them can be carried out; deal with the reasons above, then repeat the request."))
    elif offer.missing:
        parts.append(
            _(
                "The establishment's balance of {balance} does not cover the total; {missing} is missing. "
                "Top up the balance (SADAD), then repeat the request."
            ).format(balance=riyals(offer.balance), missing=riyals(offer.missing))
        )
    else:
        if len(offer.lines) > ready:
            parts.append(_("The refused ones will not be carried out and nothing will be charged for them."))
        parts.append(_(CONFIRM_QUESTION))
        pending = {"service": offer.service, "bulk_quote_id": offer.id, "total": offer.total, "count": ready}
        _send(dispatcher, parts, table, buttons=confirm_buttons(quote_id))
        return [SlotSet("pending_quote", pending), SlotSet("pending_quote_id", quote_id)]
    _send(dispatcher, parts, table)
    return [SlotSet("pending_quote", None), SlotSet("pending_quote_id", None)]


def answer_outcome(dispatcher: CollectingDispatcher, outcome: BulkOutcome) -> None:
    """The receipt: done / refused counts, a line per resident, the total charged and the balance."""
    label = service_label(outcome.service)
    if outcome.replayed:
        header = _("This bulk request was already carried out: {service}").format(service=label)
    else:
        header = _("Bulk request carried out: {service}").format(service=label)
    lines = [
        _("✅ {name} ({iqama}): {amount}, transaction number {number}").format(
            name=name_of(line) if line.resident_name else line.iqama_number,
            iqama=line.iqama_number,
            amount=riyals(r.total),
            number=r.receipt_number,
        )
        for line, r in outcome.done
    ] + [
        f"⛔ {name_of(line) if line.resident_name else line.iqama_number} ({line.iqama_number}): {error.message}"
        for line, error in outcome.refused
    ]
    rows = [
        (
            line.iqama_number,
            line.resident_name,
            _("Carried out"),
            r.total,
            _("Transaction number {number}").format(number=r.receipt_number),
        )
        for line, r in outcome.done
    ]
    not_done = _("Not carried out")
    rows += [(line.iqama_number, line.resident_name, not_done, "", error.message) for line, error in outcome.refused]
    parts = [
        header,
        _("{done} done, {refused} not done.").format(done=len(outcome.done), refused=len(outcome.refused)),
    ]
    shown, table = _listed(lines, rows)
    parts += shown
    if outcome.charged:
        parts.append(_("Amount charged: {amount}").format(amount=riyals(outcome.charged)))
    else:
        parts.append(_("Nothing has been charged."))
    parts.append(_("Establishment balance: {amount}").format(amount=riyals(outcome.balance_after)))
    _send(dispatcher, parts, table)
