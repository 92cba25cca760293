"""residency.presentation.texts in English (the reply language set with replies.language): exact wording of a resident
card, an expiring-iqamas list (cut past display.max_list_lines, counted with the plural), the history and
the account; the Arabic plural forms of the same entries."""

from __future__ import annotations

from datetime import date, datetime, timezone

from replies import language
from residency.presentation import texts
from residency.inquiries import NameMatch, NameSearchPage, ResidentCard, VisaInfo
from residency.reports import AccountStatus, ExpiringRow, HistoryRow
from residency.text_safety import isolate

EXPIRY = date(2027, 1, 5)
VISA = VisaInfo("6000000001", "exit_reentry", "multiple", "issued", date(2026, 11, 20), EXPIRY, "2000000001", "محمد")
CARD = ResidentCard(
    iqama_number="2000000001",
    name_ar="محمد خان",
    name_en="Mohammed Khan",
    nationality="Pakistan",
    occupation="Driver",
    iqama_expiry=EXPIRY,
    iqama_days_left=35,
    passport_number="A1234567",
    passport_expiry=date(2029, 3, 1),
    passport_days_left=820,
    location="inside",
    dependants=2,
    active_visas=[VISA],
)


def test_a_resident_card_in_english():
    with language("en"):
        card = texts.render_resident_card(CARD)
    assert card == "\n".join(
        [
            f"🪪 Resident card of {isolate('Mohammed Khan')}",
            "• Iqama number: 2000000001",
            f"• Name in English: {isolate('Mohammed Khan')}",
            f"• Nationality: {isolate('Pakistan')}",
            "• Occupation: Driver",
            "• Iqama expiry: 2027-01-05 (27 Rajab 1448 AH) — 35 days left",
            "• Passport number: A1234567",
            "• Passport expiry: 2029-03-01 (16 Shawwal 1450 AH) — 820 days left",
            "• Location: Inside the Kingdom",
            "• Dependants: 2",
            "🛂 Visas in force:",
            "• Exit/re-entry (multiple) No. 6000000001 — Issued, not used yet — return before 2027-01-05 (27 Rajab 1448 AH)",
        ]
    )


def test_a_card_without_iqama_or_visas_in_english():
    bare = ResidentCard(**{**{f: getattr(CARD, f) for f in CARD.__slots__}, "iqama_expiry": None, "active_visas": []})
    with language("en"):
        card = texts.render_resident_card(bare).splitlines()
    assert card[5] == "• Iqama expiry: no iqama issued yet"
    assert card[-1] == "• Visas in force: none"


def _expiring(count: int) -> list[ExpiringRow]:
    return [ExpiringRow(f"20000000{i:02d}", f"Worker {i}", date(2026, 12, 1 + i % 28), i - 2) for i in range(count)]


def test_an_expiring_iqamas_list_in_english():
    with language("en"):
        listed = texts.render_expiring(_expiring(3), 30)
        one_day = texts.render_expiring(_expiring(1), 1).splitlines()[0]
    assert listed == "\n".join(
        [
            "📋 Iqamas expired or expiring within 30 days: 3 (2 expired)",
            f"• {isolate('Worker 0')} — iqama 2000000000 — 2026-12-01 (21 Jumada al-Akhirah 1448 AH) — expired 2 days ago",
            f"• {isolate('Worker 1')} — iqama 2000000001 — 2026-12-02 (22 Jumada al-Akhirah 1448 AH) — expired 1 day ago",
            f"• {isolate('Worker 2')} — iqama 2000000002 — 2026-12-03 (23 Jumada al-Akhirah 1448 AH) — expires today",
        ]
    )
    assert one_day == "📋 Iqamas expired or expiring within 1 day: 1 (1 expired)"


def test_a_long_expiring_list_is_cut_and_the_rest_counted_in_english():
    shown = texts.MAX_LIST_LINES
    with language("en"):
        one_more = texts.render_expiring(_expiring(shown + 1), 60).splitlines()
        more = texts.render_expiring(_expiring(shown + 5), 60).splitlines()
    assert len(one_more) == shown + 2 and one_more[-1] == "… and 1 more resident."
    assert more[-1] == "… and 5 more residents."
    with language("ar"):
        assert texts.render_expiring(_expiring(shown + 5), 60).splitlines()[-1] == "… و5 غيرهم."


def test_no_expiring_iqamas_in_english_and_arabic():
    with language("en"):
        assert texts.render_expiring([], 1) == "✅ No iqama has expired or expires within 1 day."
        assert texts.render_expiring([], 60) == "✅ No iqama has expired or expires within 60 days."
    assert texts.render_expiring([], 60) == "✅ لا توجد إقامات منتهية ولا إقامات تنتهي خلال 60 يومًا."


def test_history_and_account_in_english():
    row = HistoryRow(1, datetime(2026, 11, 1, 9, tzinfo=timezone.utc), "renew_iqama", "2000000001", 650, "", 7)
    free = HistoryRow(2, datetime(2026, 11, 1, 9, tzinfo=timezone.utc), "record_return", None, 0, "", 8)
    status = AccountStatus("7000000001", "Acme", "comprehensive", EXPIRY, 35, 10250, 5, 2, 3)
    with language("en"):
        one = texts.render_history([row])
        two = texts.render_history([row, free]).splitlines()
        account = texts.render_account(status)
    assert one == (
        "🧾 Latest transaction:\n"
        "• Iqama renewal — iqama 2000000001 — fees 650 SAR\n"
        "  on 2026-11-01 (21 Jumada al-Ula 1448 AH), transaction No. 7"
    )
    assert two[0] == "🧾 Latest 2 transactions:" and two[3] == "• Return recorded — no fees"
    assert account == "\n".join(
        [
            f"🏢 Account of {isolate('Acme')}",
            "• Unified number: 7000000001",
            "• Plan: Comprehensive plan",
            "• Subscribed until: 2027-01-05 (27 Rajab 1448 AH) — 35 days left",
            "• Balance: 10250 SAR",
            "• Registered residents: 5",
            "• Workforce: 2 Saudi, 3 non-Saudi",
        ]
    )


def test_the_history_header_counts_in_arabic_as_before():
    row = HistoryRow(1, datetime(2026, 11, 1, 9, tzinfo=timezone.utc), "renew_iqama", None, 0, "", 7)
    assert texts.render_history([row]).splitlines()[0] == "🧾 آخر عملية:"
    assert texts.render_history([row] * 2).splitlines()[0] == "🧾 آخر 2 عمليات:"
    assert texts.render_history([row] * 11).splitlines()[0] == "🧾 آخر 11 عمليات:"


def test_riyals_and_a_search_page_in_english():
    match = NameMatch("2000000001", "محمد خان", "Mohammed Khan", "Pakistan", "Driver", 90.0)
    with language("en"):
        assert texts.riyals(10250) == "10250 SAR"
        page = texts.render_match_page(NameSearchPage("Khan", [match], 1, 2, False))
        nothing = texts.render_matches([], "Khan")
    assert texts.riyals(10250) == "10250 ريال"
    assert page == "\n".join(
        [
            f"🔎 Search results for “{isolate('Khan')}”:",
            f"• {isolate('Mohammed Khan')} — iqama 2000000001 — {isolate('Pakistan')}, Driver",
            "Results 1-1 of 2.",
            "Choose the resident you mean or send their iqama number, or tap “More” for the next results.",
        ]
    )
    assert nothing == (
        f"🔎 I found no resident named “{isolate('Khan')}” in your establishment.\n"
        "Try the first name and the family name, or send the iqama number."
    )
