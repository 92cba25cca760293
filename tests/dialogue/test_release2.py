"""The eligibility check and the cost forecast as the assistant answers them, on the real database:
every blocker listed at once, or the fee of what is possible; nothing charged; month by month totals."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from actions import inquiries
from replies import _ as translated
from residency import forecast
from residency.db import UnitOfWork
from residency.models import Establishment, Transaction
from tests.dialogue.conftest import OWNER
from tests.dialogue.helpers import run, texts, turn
from tests.domain import factories as f


def _ask(intent, entities, slots=None):
    action = inquiries.ActionCheckEligibility() if intent == "check_eligibility" else inquiries.ActionForecastCosts()
    return run(action, turn(OWNER, "؟", intent=intent, entities=entities, slots=slots))


def _unchanged(engine, world) -> tuple:
    with UnitOfWork(engine) as uow:
        return (
            uow.session.execute(select(func.count(Transaction.id))).scalar_one(),
            uow.session.get(Establishment, world.establishment_id).balance,
        )


def test_an_exit_reentry_check_lists_every_blocker_at_once(engine, world):
    with UnitOfWork(engine) as uow:
        est = uow.session.get(Establishment, world.establishment_id)
        blocked = f.resident(uow, est, iqama_expiry=date(2026, 12, 20), passport_expiry=date(2027, 1, 15))
        uow.commit()
        iqama = blocked.iqama_number
    before = _unchanged(engine, world)
    _, messages = _ask("check_eligibility", {"service": "issue_exit_reentry", "iqama_number": iqama, "duration": "P3M"})
    answer = texts(messages)
    assert answer.startswith(f"⛔ لا يمكن إصدار تأشيرة خروج وعودة للمقيم {iqama} الآن:")
    assert answer.count("\n• ") >= 2 and "الجواز" in answer and "2026-12-20" in answer
    assert "لم يُنفَّذ شيء ولم يُخصم أي مبلغ." in answer
    assert _unchanged(engine, world) == before


def test_a_possible_renewal_check_gives_the_fee_and_charges_nothing(engine, world):
    before = _unchanged(engine, world)
    _, messages = _ask("check_eligibility", {"service": "renew_iqama", "iqama_number": world.iqama})
    answer = texts(messages)
    assert answer.startswith("✅ يمكن تجديد إقامة")
    assert "الإجمالي لو نُفِّذ الآن: 10250 ريال" in answer  # 12 months: 650 + 12 x 800
    assert _unchanged(engine, world) == before


def test_a_check_without_a_service_asks_which(world):
    _, messages = _ask("check_eligibility", {"iqama_number": world.iqama})
    assert texts(messages) == translated(inquiries.WHICH_SERVICE)


def test_the_forecast_answers_month_by_month_with_its_chart_and_csv(engine, world):
    _, messages = _ask("forecast_costs", {"duration": "P6M"})
    with UnitOfWork(engine) as uow:
        expected = forecast.forecast_costs(uow, OWNER, 6)
    answer = messages[0]["text"]
    assert expected.iqamas == 2  # the world's two residents: the dual form
    assert f"الإجمالي: {expected.total} ريال لإقامتين" in answer
    assert answer.count("\n• ") == len(expected.months) == 6
    assert {"photo_base64", "document_base64"} <= {key for m in messages[1:] for key in (m.get("custom") or {})}


def test_a_receipt_offers_its_pdf_and_the_pdf_is_verifiable(engine, world, monkeypatch):
    monkeypatch.setenv("MUQEEM_DOCUMENT_SECRET", "a-secret-for-this-test")  # verify refuses without one
    import base64

    from residency.presentation.documents import verify_code
    from tests.dialogue.test_confirmation import confirm, quoted

    pending, _ = quoted(OWNER, "renew_iqama", iqama_number=world.iqama, duration="P12M")
    _, messages = confirm(OWNER, pending)
    [button] = messages[-1]["buttons"]
    assert button["payload"] == f'/request_document{{"document_type": "receipt", "iqama_number": "{world.iqama}"}}'
    _, sent = run(
        inquiries.ActionSendDocument(),
        turn(
            OWNER,
            button["payload"],
            intent="request_document",
            entities={"document_type": "receipt", "iqama_number": world.iqama},
        ),
    )
    [document] = [m["custom"] for m in sent if m.get("custom")]
    assert base64.b64decode(document["document_base64"]).startswith(b"%PDF")
    code = document["caption"].rsplit(" ", 1)[-1]
    verification = verify_code(code)
    assert verification.genuine and "10250" in str(verification.states)


def test_a_document_of_another_establishments_resident_is_answered_like_an_unknown_one(world):
    _, foreign = run(
        inquiries.ActionSendDocument(),
        turn(
            OWNER,
            "",
            intent="request_document",
            entities={"document_type": "resident_report", "iqama_number": world.foreign},
        ),
    )
    _, unknown = run(
        inquiries.ActionSendDocument(),
        turn(
            OWNER,
            "",
            intent="request_document",
            entities={"document_type": "resident_report", "iqama_number": "2000000006"},
        ),
    )
    assert texts(foreign).replace(world.foreign, "N") == texts(unknown).replace("2000000006", "N")
    assert not any(m.get("custom") for m in foreign)
