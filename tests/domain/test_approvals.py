"""Approvals (maker-checker, SPEC 9.3): an agent's request above the threshold, and any final exit by an
agent, waits for an owner; approved it runs once with every rule checked again; declined or lapsed it
changes nothing; the agent is told every outcome. Real database, SQLite and PostgreSQL."""

import threading
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select, update

from residency import services
from residency.db import UnitOfWork
from residency.errors import Unauthorized
from residency.models import Approval, Notification, Transaction, utcnow
from residency.services import approvals
from residency.services.bulk import quote_bulk
from tests.domain import factories as f

OWNER, SECOND_OWNER, AGENT = 701, 702, 703
RENEWAL_12 = 650 + 9600


@pytest.fixture
def shop(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, balance=50_000, approval_above=5_000)
        f.user(uow, est, OWNER)
        f.user(uow, est, SECOND_OWNER)
        f.user(uow, est, AGENT, role="agent", services="renew_iqama,issue_exit_reentry,issue_final_exit")
        residents = [f.resident(uow, est, iqama_expiry=date(2027, 6, 1)) for _ in range(3)]
        uow.commit()
        return {"est": est.id, "iqamas": [r.iqama_number for r in residents]}


def renewal_quote(engine, iqama, who=AGENT):
    with UnitOfWork(engine) as uow:
        return services.quote(uow, who, "renew_iqama", iqama_number=iqama, duration="P12M")


def confirm(engine, quoted, key="agent:q1", who=AGENT):
    """What the confirmation does: submit for approval when needed, else execute."""
    with UnitOfWork(engine) as uow:
        actor = services.resolve_actor(uow, who)
        if approvals.needs_approval(uow, actor, quoted.service, quoted.total):
            return approvals.submit(uow, who, key, quoted.service, quoted.total, quote=quoted, summary="تجديد إقامة")
        return services.execute(uow, who, quoted, key)


def decide(engine, approval_id, approve=True, who=OWNER):
    with UnitOfWork(engine) as uow:
        return approvals.decide(uow, who, approval_id, approve)


def scalar(engine, stmt):
    with UnitOfWork(engine) as uow:
        return uow.session.scalar(stmt)


def balance(engine, est_id):
    with UnitOfWork(engine) as uow:
        return uow.repo.establishment(est_id).balance


def notices(engine, telegram_id):
    with UnitOfWork(engine) as uow:
        return [
            n.text
            for n in uow.session.scalars(
                select(Notification).where(Notification.telegram_id == telegram_id).order_by(Notification.id)
            )
        ]


def test_an_agents_request_above_the_threshold_waits_and_asks_every_owner(engine, shop):
    waiting = confirm(engine, renewal_quote(engine, shop["iqamas"][0]))
    assert waiting.status == "pending" and waiting.total == RENEWAL_12
    assert scalar(engine, select(func.count()).select_from(Transaction)) == 0
    assert balance(engine, shop["est"]) == 50_000
    for owner in (OWNER, SECOND_OWNER):
        [text] = notices(engine, owner)
        assert f"رقم {waiting.id}" in text and f"{RENEWAL_12} ريال" in text
    with UnitOfWork(engine) as uow:
        buttons = uow.session.scalars(select(Notification.buttons).where(Notification.telegram_id == OWNER)).first()
    assert [b["payload"] for b in buttons] == [
        f'/affirm{{"approval_id": "{waiting.id}"}}',
        f'/deny{{"approval_id": "{waiting.id}"}}',
    ]


def test_a_repeated_confirmation_submits_once(engine, shop):
    quoted = renewal_quote(engine, shop["iqamas"][0])
    first, again = confirm(engine, quoted), confirm(engine, quoted)
    assert again.id == first.id and again.replayed
    assert scalar(engine, select(func.count()).select_from(Approval)) == 1
    assert len(notices(engine, OWNER)) == 1


def test_approved_it_runs_once_and_the_agent_is_told(engine, shop):
    waiting = confirm(engine, renewal_quote(engine, shop["iqamas"][0]))
    decided = decide(engine, waiting.id)
    assert decided.status == "approved" and decided.outcome["charged"] == RENEWAL_12
    assert balance(engine, shop["est"]) == 50_000 - RENEWAL_12
    with UnitOfWork(engine) as uow:
        assert uow.repo.resident_by_iqama(shop["est"], shop["iqamas"][0]).iqama_expiry == date(2028, 6, 1)
        transaction = uow.session.scalars(select(Transaction)).one()
        assert transaction.user_id == uow.repo.user_by_telegram_id(AGENT).id  # executed as the agent's request
    assert notices(engine, AGENT)[-1].startswith(f"وافق المالك على طلبك رقم {waiting.id} ونُفِّذ")
    # A second tap, or the other owner, changes nothing.
    assert decide(engine, waiting.id).replayed
    assert decide(engine, waiting.id, who=SECOND_OWNER, approve=False).status == "approved"
    assert balance(engine, shop["est"]) == 50_000 - RENEWAL_12
    assert len(notices(engine, AGENT)) == 1


def test_two_owners_approving_at_once_execute_once(engine, shop):
    waiting = confirm(engine, renewal_quote(engine, shop["iqamas"][0]))
    results, errors = [], []

    def tap(who):
        try:
            results.append(decide(engine, waiting.id, who=who))
        except Exception as error:  # noqa: BLE001
            errors.append(error)

    threads = [threading.Thread(target=tap, args=(who,)) for who in (OWNER, SECOND_OWNER, OWNER)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert {r.status for r in results} == {"approved"}
    assert balance(engine, shop["est"]) == 50_000 - RENEWAL_12
    assert scalar(engine, select(func.count()).select_from(Transaction)) == 1
    assert len(notices(engine, AGENT)) == 1


def test_declined_it_changes_nothing(engine, shop):
    waiting = confirm(engine, renewal_quote(engine, shop["iqamas"][0]))
    assert decide(engine, waiting.id, approve=False).status == "declined"
    assert balance(engine, shop["est"]) == 50_000
    assert scalar(engine, select(func.count()).select_from(Transaction)) == 0
    assert notices(engine, AGENT) == [f"رفض المالك طلبك رقم {waiting.id}، ولم يُنفَّذ شيء ولم يُخصم أي مبلغ."]
    assert decide(engine, waiting.id).status == "declined"  # approving afterwards runs nothing
    assert balance(engine, shop["est"]) == 50_000


def backdate(engine, approval_id, hours):
    with UnitOfWork(engine) as uow:
        uow.session.execute(
            update(Approval).where(Approval.id == approval_id).values(created_at=utcnow() - timedelta(hours=hours))
        )
        uow.commit()


def test_after_72_hours_it_lapses(engine, shop):
    waiting = confirm(engine, renewal_quote(engine, shop["iqamas"][0]))
    backdate(engine, waiting.id, 71)
    with UnitOfWork(engine) as uow:
        assert [v.id for v in approvals.pending(uow, OWNER)] == [waiting.id]
    backdate(engine, waiting.id, 72)
    with UnitOfWork(engine) as uow:
        assert approvals.pending(uow, OWNER) == []
    assert decide(engine, waiting.id).status == "lapsed"
    assert balance(engine, shop["est"]) == 50_000
    assert "انقضت مهلة 72 ساعة" in notices(engine, AGENT)[-1]


def test_the_daily_run_lapses_overdue_requests(engine, shop):
    old = confirm(engine, renewal_quote(engine, shop["iqamas"][0]), key="agent:old")
    new = confirm(engine, renewal_quote(engine, shop["iqamas"][1]), key="agent:new")
    backdate(engine, old.id, 80)
    with UnitOfWork(engine) as uow:
        assert approvals.lapse_overdue(uow) == 1
    with UnitOfWork(engine) as uow:
        assert uow.session.get(Approval, old.id).status == "lapsed"
        assert uow.session.get(Approval, new.id).status == "pending"


def test_rules_are_checked_again_on_approval(engine, shop):
    waiting = confirm(engine, renewal_quote(engine, shop["iqamas"][0]))
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(shop["est"]).balance = 1_000
        uow.commit()
    decided = decide(engine, waiting.id)
    assert decided.status == "refused"
    assert "ينقصه" in decided.outcome["message"]
    assert balance(engine, shop["est"]) == 1_000
    assert scalar(engine, select(func.count()).select_from(Transaction)) == 0
    assert "لكنه لم يُنفَّذ" in notices(engine, AGENT)[-1]


def test_a_request_whose_terms_changed_before_approval_is_refused_in_words_that_are_true(engine, shop):
    """Issue 24: owner and agent were told to «review the new offer», but an approval shows no new offer."""
    waiting = confirm(engine, renewal_quote(engine, shop["iqamas"][0]))
    with UnitOfWork(engine) as uow:
        uow.repo.resident_by_iqama(shop["est"], shop["iqamas"][0]).dependants = 1  # the levy changes
        uow.commit()
    decided = decide(engine, waiting.id)
    why = (
        "تغيّرت رسوم الطلب أو تفاصيله بعد إرساله للموافقة، فلم يُنفَّذ شيء ولم يُخصم أي مبلغ. "
        "قدّم الطلب من جديد لترى الرسوم الحالية."
    )
    assert (decided.status, decided.outcome["message"]) == ("refused", why)
    assert notices(engine, AGENT)[-1] == f"وافق المالك على طلبك رقم {waiting.id} لكنه لم يُنفَّذ: {why}"
    assert balance(engine, shop["est"]) == 50_000
    assert scalar(engine, select(func.count()).select_from(Transaction)) == 0


def test_below_the_threshold_an_agent_executes_at_once(engine, shop):
    with UnitOfWork(engine) as uow:
        quoted = services.quote(
            uow, AGENT, "issue_exit_reentry", iqama_number=shop["iqamas"][0], visa_type="single", duration="P2M"
        )
    receipt = confirm(engine, quoted)
    assert receipt.total == 200 and balance(engine, shop["est"]) == 50_000 - 200


def test_a_final_exit_by_an_agent_always_waits_whatever_its_fee(engine, shop):
    with UnitOfWork(engine) as uow:
        quoted = services.quote(uow, AGENT, "issue_final_exit", iqama_number=shop["iqamas"][0])
    waiting = confirm(engine, quoted)
    assert waiting.status == "pending" and waiting.total == quoted.total


def test_an_owner_never_waits_and_no_threshold_means_no_approvals(engine, shop):
    assert confirm(engine, renewal_quote(engine, shop["iqamas"][0], who=OWNER), who=OWNER).total == RENEWAL_12
    with UnitOfWork(engine) as uow:
        approvals.set_threshold(uow, OWNER, shop["est"], None)
    with UnitOfWork(engine) as uow:
        quoted = services.quote(uow, AGENT, "issue_final_exit", iqama_number=shop["iqamas"][1])
    assert confirm(engine, quoted).receipt_number is not None


def test_only_an_owner_decides_or_sets_the_threshold(engine, shop):
    waiting = confirm(engine, renewal_quote(engine, shop["iqamas"][0]))
    with pytest.raises(Unauthorized):
        decide(engine, waiting.id, who=AGENT)
    with UnitOfWork(engine) as uow, pytest.raises(Unauthorized):
        approvals.set_threshold(uow, AGENT, shop["est"], 0)


def test_a_bulk_request_by_an_agent_follows_the_rule_on_its_total(engine, shop):
    with UnitOfWork(engine) as uow:
        offer = quote_bulk(uow, AGENT, "renew_iqama", iqama_numbers=shop["iqamas"][:2], duration="P12M")
    with UnitOfWork(engine) as uow:
        actor = services.resolve_actor(uow, AGENT)
        assert approvals.needs_approval(uow, actor, "renew_iqama", offer.total)
        waiting = approvals.submit(
            uow, AGENT, "agent:bulk", "renew_iqama", offer.total, bulk_quote_id=offer.id, count=2
        )
    decided = decide(engine, waiting.id)
    assert decided.outcome["done"] == 2 and decided.outcome["charged"] == 2 * RENEWAL_12
    assert balance(engine, shop["est"]) == 50_000 - 2 * RENEWAL_12
    assert decide(engine, waiting.id).replayed
    assert scalar(engine, select(func.count()).select_from(Transaction)) == 2
