"""The dialogue's quotes, receipts and counts in English (the reply language of a user who writes English);
Arabic stays the default, word for word."""

from __future__ import annotations

from datetime import date

from actions import confirm_step, services
from actions.bulk import residents_phrase
from actions.render import confirm_buttons, fee_rules, render_forecast, render_quote, render_receipt
from replies import language
from residency.fees import FeeLine
from residency.forecast import Forecast, ForecastMonth
from residency.services import Quote, Receipt
from tests.dialogue.conftest import OWNER
from tests.dialogue.helpers import run, slot_events, texts, turn

NAME = "\u2068Mohammed Khan\u2069"  # a name is shown isolated (text_safety.isolate)


def renewal() -> Quote:
    return Quote(
        service="renew_iqama",
        inputs={},
        lines=[FeeLine("iqama_fee", "Iqama fee (12 months)", 650)],
        effects={"duration": "P12M", "old_expiry": "2027-03-01", "new_expiry": "2028-03-01"},
        resident_iqama="2123456789",
        resident_name="Mohammed Khan",
    )


def receipt(**changes) -> Receipt:
    fields = dict(transaction_id=40, service="renew_iqama", total=650, balance_after=49_350, result={})
    return Receipt(**{**fields, **changes}, receipt_number=7)


def test_a_quote_in_english():
    with language("en"):
        text = render_quote(renewal())
        buttons = confirm_buttons("q1")
    assert text.splitlines() == [
        f"Request: Iqama renewal — {NAME} (iqama 2123456789)",
        "Fees:",
        "• Iqama fee (12 months): 650 SAR",
        "Total: 650 SAR",
        "Duration: 1 year (12 months)",
        "Current iqama expiry date: 2027-03-01 (22 Ramadan 1448 AH)",
        "New iqama expiry date: 2028-03-01 (5 Shawwal 1449 AH)",
        "Do you confirm?",
    ]
    # titles are replies, payloads are protocol
    assert buttons == [
        {"title": "Confirm", "payload": '/affirm{"quote_id": "q1"}'},
        {"title": "Cancel", "payload": '/deny{"quote_id": "q1"}'},
    ]


def test_a_receipt_in_english_and_the_same_in_arabic():
    with language("en"):
        done = render_receipt(receipt(), renewal())
        replayed = render_receipt(receipt(replayed=True, total=0, balance_after=None), renewal())
    assert done.splitlines() == [
        f"Done: Iqama renewal — {NAME} (iqama 2123456789)",
        "Duration: 1 year (12 months)",
        "New iqama expiry date: 2028-03-01 (5 Shawwal 1449 AH)",
        "Amount charged: 650 SAR",
        "Establishment balance after the transaction: 49350 SAR",
        "Transaction number: 7",
    ]
    assert replayed.splitlines()[0] == f"Already carried out: Iqama renewal — {NAME} (iqama 2123456789)"
    assert replayed.splitlines()[-2:] == ["Nothing was charged (free service).", "Transaction number: 7"]
    assert (
        render_receipt(receipt(), renewal()).splitlines()[0] == f"تم التنفيذ: تجديد إقامة — {NAME} (إقامة 2123456789)"
    )


def test_fee_rules_in_english():
    with language("en"):
        assert (
            fee_rules("cancel_final_exit") == "Fees for Final exit visa cancellation: Cancelling a final exit is free."
        )
        assert fee_rules("change_occupation").endswith(": The occupation change fee is 1000 SAR.")


def test_counts_of_residents_and_iqamas_take_their_plural_forms():
    with language("en"):
        english = [residents_phrase(n) for n in (1, 2, 11)]
    assert english == ["1 resident", "2 residents", "11 residents"]
    arabic = [residents_phrase(n) for n in (0, 1, 2, 3, 11, 100)]
    assert arabic == ["0 مقيم", "مقيم واحد", "مقيمَين", "3 مقيمين", "11 مقيمًا", "100 مقيم"]

    def month(label, iqamas, fines):
        return ForecastMonth(
            start=date(2026, 12, 1),
            end=date(2026, 12, 31),
            gregorian_label=label,
            hijri_label="",
            iqamas=iqamas,
            iqama_fees=650 * iqamas,
            levy=0,
            dependants_levy=0,
            fines=fines,
            iqama_numbers=(),
        )

    forecast = Forecast(
        establishment_number="7001234567",
        today=date(2026, 12, 1),
        renewal_months=12,
        months=(month("December 2026", 1, 0), month("January 2027", 2, 500)),
        levy_per_worker_per_year=9600,
        excluded=(),
    )
    with language("en"):
        lines = render_forecast(forecast).splitlines()
    assert lines == [
        "💰 Expected iqama renewal costs (each iqama renewed for 12 months when it expires):",
        "• December 2026: 1 iqama — fees 650 SAR, levy 0 SAR, dependants 0 SAR = 650 SAR",
        "• January 2027: 2 iqamas — fees 1300 SAR, levy 0 SAR, dependants 0 SAR, fines 500 SAR = 1800 SAR",
        "Total: 2450 SAR for 3 iqamas",
        "Expat levy per worker per year: 9600 SAR",
    ]


def test_a_request_written_in_english_is_quoted_confirmed_and_cancelled_in_english(world):
    tracker = turn(OWNER, "renew iqama for a year", slots={"iqama_number": world.iqama, "duration": "P12M"})
    events, messages = run(services.ACTIONS_BY_SERVICE["renew_iqama"], tracker)
    pending = slot_events(events)
    quote = texts(messages)
    head, request = quote.splitlines()[:2]
    assert head.startswith("🏢 ") and request.startswith("Request: Iqama renewal — ")  # the establishment first
    assert "\nTotal: 10250 SAR\n" in quote and quote.endswith("\nDo you confirm?")
    assert [b["title"] for b in messages[-1]["buttons"]] == ["Confirm", "Cancel"]

    _, messages = run(confirm_step.ActionConfirmStep(), turn(OWNER, "yes go ahead", intent="affirm", slots=pending))
    done = texts(messages).splitlines()
    assert done[0].startswith("🏢 ") and done[1].startswith("Done: Iqama renewal — ")
    assert "Amount charged: 10250 SAR" in done and "Establishment balance after the transaction: 39750 SAR" in done
    assert [b["title"] for b in messages[-1]["buttons"]] == ["📄 Transaction receipt (PDF)"]

    _, messages = run(confirm_step.ActionConfirmStep(), turn(OWNER, "yes", intent="affirm"))
    assert texts(messages) == (
        "No request is waiting for confirmation, so nothing was done. Write your new request if you like."
    )
    _, messages = run(confirm_step.ActionConfirmStep(), turn(OWNER, "no", intent="deny"))
    assert texts(messages) == "All right. There is no open request; write what you need whenever you like."
    _, messages = run(confirm_step.ActionConfirmStep(), turn(OWNER, "cancel", intent="deny", slots=pending))
    assert texts(messages) == "Request cancelled; nothing was charged."
