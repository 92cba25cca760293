"""An approval round trip through the real bot, Rasa and action servers (fake Bot API): an agent's
renewal above the threshold waits; the owner receives the request through the notification outbox with
buttons, approves it; the renewal runs once and the agent is told."""

from __future__ import annotations

from datetime import date

import pytest

from residency.db import UnitOfWork
from tests.domain import factories as f
from tests.e2e import test_bot_e2e
from tests.e2e.test_bot_e2e import DONE, text_sent

# The bot's fixtures (module-scoped there: this module gets a bot of its own).
bot, telegram, user = test_bot_e2e.bot, test_bot_e2e.telegram, test_bot_e2e.user

pytestmark = pytest.mark.e2e

APPROVING_OWNER, MAKER_AGENT = 540, 541
OUTBOX_WAIT = 30  # the bot relays the outbox every 5 s


@pytest.fixture(scope="module")
def shop(stack):
    """An establishment of its own (its owner receives only this test's requests), with an agent."""
    with UnitOfWork(stack.engine) as uow:
        est = f.establishment(uow, number="7000000540", name_ar="مؤسسة الموافقات", balance=40_000, approval_above=5_000)
        f.user(uow, est, APPROVING_OWNER)
        f.user(uow, est, MAKER_AGENT, role="agent", services="renew_iqama")
        resident = f.resident(uow, est, iqama_expiry=date(2027, 3, 1))
        uow.commit()
        return {"id": est.id, "iqama": resident.iqama_number}


def test_an_agents_renewal_approved_by_the_owners_button(stack, user, shop):
    agent, owner = user(MAKER_AGENT), user(APPROVING_OWNER)
    quote = agent.says(f"جدد اقامة {shop['iqama']} سنة", expect="الإجمالي")
    mark = owner.telegram.mark()
    submitted = agent.presses(quote.message_with_buttons(), "تأكيد", expect="للموافقة")
    assert "لم يُنفَّذ شيء" in submitted.text and stack.transactions_of(shop["iqama"]) == []

    owner.telegram.wait(lambda fake: text_sent("بانتظار موافقتك")(owner.reply_since(mark)), OUTBOX_WAIT)
    owner.telegram.wait_quiet()
    request = owner.reply_since(mark).message_with_buttons()
    assert "10250 ريال" in request.params["text"]

    mark = agent.telegram.mark()
    decided = owner.presses(request, "موافقة", expect="تمت الموافقة")
    assert "1 منفّذ" in decided.text
    [transaction] = stack.transactions_of(shop["iqama"])
    assert transaction.total == 10_250 and stack.balance(shop["id"]) == 40_000 - 10_250
    assert stack.iqama_expiry(shop["iqama"]).isoformat() == "2028-03-01"
    told = agent.wait_for(mark, text_sent("وافق المالك على طلبك"))
    assert "المخصوم 10250 ريال" in told.text
    assert DONE not in told.text
