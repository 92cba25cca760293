"""The owner's tools end to end over Rasa's REST channel (SPEC 10.4, issue 23), checked in the database:
an owner adds an agent in chat (services chosen by buttons, a one-time code), the agent activates with the
code (/start, as the bot does) and works, the owner reads the activity and suspends the agent, whose next
message is refused; one account with two establishments chooses one, and a request about a resident of the
other asks to switch and never crosses."""

from __future__ import annotations

import json
import re
from datetime import date

import httpx
import pytest
from sqlalchemy import func, select

from residency.activation import activate
from residency.db import UnitOfWork
from residency.models import Transaction, User
from tests.domain import factories as f

pytestmark = pytest.mark.e2e

OWNER, AGENT, TWO_HATS = 590, 591, 592
YEAR_RENEWAL = 650 + 12 * 800


@pytest.fixture(scope="module")
def places(stack):
    with UnitOfWork(stack.engine) as uow:
        first = f.establishment(uow, number="7000000590", name_ar="مؤسسة النور", balance=100_000, saudi_count=2,
                                expat_count=10)  # fmt: skip
        second = f.establishment(uow, number="7000000591", name_ar="شركة الخليج", balance=100_000, saudi_count=2,
                                 expat_count=10)  # fmt: skip
        f.user(uow, first, OWNER)
        f.user(uow, first, TWO_HATS)
        f.user(uow, second, TWO_HATS)
        here = f.resident(uow, first, iqama_expiry=date(2027, 3, 1))
        there = f.resident(uow, second, iqama_expiry=date(2027, 3, 1))
        uow.commit()
        return {"first": first.id, "second": second.id, "here": here.iqama_number, "there": there.iqama_number}


def say(stack, sender: int, message: str) -> list[dict]:
    response = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": str(sender), "message": message}, timeout=120
    )
    response.raise_for_status()
    reply = response.json()
    assert reply, f"no answer to {message!r}"
    return reply


def text(reply: list[dict]) -> str:
    return "\n".join(item.get("text") or "" for item in reply)


def button(reply: list[dict], title_part: str) -> str:
    [payload] = [b["payload"] for r in reply for b in r.get("buttons") or [] if title_part in b["title"]]
    return payload


def transactions(stack, establishment_id: int) -> int:
    with UnitOfWork(stack.engine) as uow:
        return uow.session.execute(
            select(func.count(Transaction.id)).where(Transaction.establishment_id == establishment_id)
        ).scalar_one()


def test_an_owner_adds_an_agent_who_works_until_suspended(stack, places):
    draft = say(stack, OWNER, "ضيف مندوب اسمه يوسف يقدر يجدد الاقامات")
    assert "✅ تجديد إقامة" in [b["title"] for r in draft for b in r.get("buttons") or []]
    draft = say(stack, OWNER, button(draft, "إصدار تأشيرة خروج وعودة"))  # one more service, by its button
    titles = [b["title"] for r in draft for b in r.get("buttons") or []]
    assert "✅ تجديد إقامة" in titles and "✅ إصدار تأشيرة خروج وعودة" in titles
    invited = text(say(stack, OWNER, button(draft, "إنشاء رمز التفعيل")))
    code = re.search(r"/start (\S+?)»", invited).group(1)
    with UnitOfWork(stack.engine) as uow:
        activate(AGENT, code, uow)
        agent = uow.session.execute(select(User).where(User.telegram_id == AGENT)).scalar_one()
        assert (agent.role, agent.service_set) == ("agent", {"renew_iqama", "issue_exit_reentry"})

    before = transactions(stack, places["first"])
    say(stack, AGENT, f"جدد اقامة {places['here']} سنة")
    assert "تم التنفيذ" in text(say(stack, AGENT, "تأكيد"))
    assert transactions(stack, places["first"]) == before + 1
    refused = text(say(stack, AGENT, f"طلع خروج نهائي لـ {places['here']}"))  # not one of its services
    assert "صلاحية" in refused

    listed = text(say(stack, OWNER, "مين المستخدمين"))
    assert "يوسف" in listed and str(AGENT) in listed
    activity = text(say(stack, OWNER, "وش سوى يوسف اليوم؟"))
    assert places["here"] in activity and str(YEAR_RENEWAL) in activity
    assert "يوسف" in text(say(stack, AGENT, "وش سويت اليوم"))  # its own activity
    assert "إلا مالكها" in text(say(stack, AGENT, "مين المستخدمين"))  # only an owner manages users

    assert "أُوقف «يوسف»" in text(say(stack, OWNER, "وقف المندوب يوسف"))
    refused = text(say(stack, AGENT, f"جدد اقامة {places['here']} سنة"))
    assert "أوقف مالك «مؤسسة النور» صلاحيتك" in refused
    assert transactions(stack, places["first"]) == before + 1


def test_an_account_of_two_establishments_chooses_and_is_asked_to_switch(stack, places):
    listed = say(stack, TWO_HATS, "/choose_establishment")  # what /est sends
    assert {json.loads(b["payload"][len("/choose_establishment") :])["establishment_number"]
            for r in listed for b in r.get("buttons") or []} == {"7000000590", "7000000591"}  # fmt: skip
    assert "مؤسسة النور" in text(say(stack, TWO_HATS, "اشتغل على مؤسسة النور"))
    quote = text(say(stack, TWO_HATS, f"جدد اقامة {places['here']} سنة"))
    assert quote.startswith("🏢 ") and "مؤسسة النور" in quote.splitlines()[0]
    say(stack, TWO_HATS, "لا")
    asked = say(stack, TWO_HATS, f"جدد اقامة {places['there']} سنة")  # a resident of the other one
    assert "شركة الخليج" in text(asked) and "7000000591" in button(asked, "شركة الخليج")
    assert transactions(stack, places["second"]) == 0
    say(stack, TWO_HATS, button(asked, "شركة الخليج"))
    quote = text(say(stack, TWO_HATS, f"جدد اقامة {places['there']} سنة"))
    assert "شركة الخليج" in quote.splitlines()[0] and f"{YEAR_RENEWAL} ريال" in quote
