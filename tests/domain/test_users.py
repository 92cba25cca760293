"""Users from chat (SPEC 10.4): an owner adds an agent (a one-time code), lists its users, changes an agent's
services, suspends, reactivates and removes it; a suspended or removed agent's next request is refused with
the reason and its pending approvals lapse, the other owners told; an agent may do none of this. The CLI's
`user list` and `user remove`. Real database, SQLite and PostgreSQL."""

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from residency import accounts, services, users
from residency.activation import activate
from residency.calendar import RIYADH
from residency.administration.cli import app
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal, Unauthorized
from residency.models import ActivationCode, Approval, Notification
from residency.services import approvals
from tests.domain import factories as f

OWNER, SECOND_OWNER, AGENT, OTHER_AGENT, NEWCOMER = 1101, 1102, 1103, 1104, 1105
EST = "7000000701"
RENEWAL_12 = 650 + 12 * 800
runner = CliRunner()


@pytest.fixture
def shop(engine):
    """Two owners, two agents (يوسف: renewals; other: inquiries), residents, approvals above 5000 riyals."""
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, number=EST, name_ar="مؤسسة الأمل", balance=100_000, approval_above=5_000)
        f.user(uow, est, OWNER)
        f.user(uow, est, SECOND_OWNER)
        f.user(uow, est, AGENT, "agent", "renew_iqama").display_name = "يوسف"
        f.user(uow, est, OTHER_AGENT, "agent", "inquire_resident")
        residents = [f.resident(uow, est, iqama_expiry=date(2027, 6, 1)) for _ in range(3)]
        uow.commit()
        return {"est": est.id, "iqamas": [r.iqama_number for r in residents]}


def call(function, *args, **kwargs):
    with UnitOfWork() as uow:
        return function(uow, *args, **kwargs)


def renewal(iqama, who):
    return call(services.quote, who, "renew_iqama", iqama_number=iqama, duration="P12M")


def notices(telegram_id):
    with UnitOfWork() as uow:
        stmt = select(Notification.text).where(Notification.telegram_id == telegram_id).order_by(Notification.id)
        return list(uow.session.scalars(stmt))


def test_an_owner_adds_an_agent_who_activates_works_is_suspended_and_removed(engine, shop):
    invitation = call(users.add_agent, OWNER, ["renew_iqama", "issue_exit_reentry"], name="  سامي  ")
    assert (invitation.services, invitation.name) == (("issue_exit_reentry", "renew_iqama"), "سامي")
    assert timedelta(hours=71, minutes=59) < invitation.expires_at - datetime.now(timezone.utc) <= timedelta(hours=72)
    assert activate(NEWCOMER, invitation.code).role == "agent"
    receipt = call(services.execute, NEWCOMER, renewal(shop["iqamas"][0], NEWCOMER), "sami:1")
    assert receipt.total == RENEWAL_12
    listed = {view.telegram_id: view for view in call(users.list_users, OWNER)}
    assert (listed[NEWCOMER].name, listed[NEWCOMER].role, listed[NEWCOMER].status) == ("سامي", "agent", "active")
    assert listed[NEWCOMER].services == ("issue_exit_reentry", "renew_iqama")
    assert listed[NEWCOMER].last_activity.astimezone(RIYADH).date() == date(2026, 11, 27)
    assert listed[OTHER_AGENT].last_activity is None
    assert (listed[OWNER].role, listed[OWNER].services) == ("owner", ())

    change = call(users.suspend_agent, OWNER, "سامي")
    assert (change.user.status, change.lapsed_approvals) == ("suspended", ())
    with pytest.raises(Unauthorized) as refused:
        renewal(shop["iqamas"][1], NEWCOMER)
    assert refused.value.code == "user_suspended"
    assert refused.value.message == (
        "أوقف مالك «مؤسسة الأمل» صلاحيتك مؤقتًا، فلم يُنفَّذ شيء. اطلب من المالك إعادة تفعيلها."
    )
    assert call(users.reactivate_agent, OWNER, NEWCOMER).status == "active"
    assert renewal(shop["iqamas"][1], NEWCOMER).total == RENEWAL_12
    assert call(users.remove_agent, OWNER, str(NEWCOMER)).user.status == "removed"
    with pytest.raises(Unauthorized) as refused:
        renewal(shop["iqamas"][1], NEWCOMER)
    assert refused.value.code == "user_removed"
    assert refused.value.details == {"establishments": []}
    assert NEWCOMER not in {view.telegram_id for view in call(users.list_users, OWNER)}
    with pytest.raises(NotFound):  # removed: no longer one of the establishment's users
        call(users.suspend_agent, OWNER, NEWCOMER)


def test_a_quote_made_before_the_suspension_does_not_execute(engine, shop):
    quoted = renewal(shop["iqamas"][0], AGENT)
    call(users.suspend_agent, OWNER, AGENT)
    with pytest.raises(Unauthorized) as refused:
        call(services.execute, AGENT, quoted, "agent:1")
    assert refused.value.code == "user_suspended"
    with UnitOfWork() as uow:
        assert uow.repo.establishment(shop["est"]).balance == 100_000


def test_suspending_lapses_the_agents_pending_approvals_and_tells_the_other_owners(engine, shop):
    waiting = [
        call(approvals.submit, AGENT, f"agent:{i}", "renew_iqama", RENEWAL_12, quote=renewal(iqama, AGENT))
        for i, iqama in enumerate(shop["iqamas"][:2])
    ]
    ids = [view.id for view in waiting]
    change = call(users.suspend_agent, OWNER, "يوسف")
    assert change.lapsed_approvals == tuple(ids)
    with UnitOfWork() as uow:
        assert set(uow.session.scalars(select(Approval.status))) == {"lapsed"}
    assert notices(SECOND_OWNER)[-1] == (
        f"أُوقف «يوسف» مؤقتًا، فسقط طلباه رقم {ids[0]}، {ids[1]} اللذان كانا ينتظران الموافقة؛ ولم يُنفَّذ شيء ولم "
        "يُخصم أي مبلغ."
    )
    assert len(notices(OWNER)) == 2  # the two approval requests; the owner who suspended is not told again
    assert notices(AGENT)[-1] == (
        f"أُلغي طلبك رقم {ids[1]} لأن صلاحيتك في المنشأة أُوقفت مؤقتًا؛ فلم يُنفَّذ شيء ولم يُخصم أي مبلغ."
    )
    decided = call(approvals.decide, OWNER, ids[0], True)  # a late tap: already decided, nothing runs
    assert (decided.status, decided.replayed) == ("lapsed", True)
    with UnitOfWork() as uow:
        assert uow.repo.establishment(shop["est"]).balance == 100_000


def test_changing_an_agents_services(engine, shop):
    view = call(users.set_agent_services, OWNER, "يوسف", "inquire_resident,issue_final_exit")
    assert view.services == ("inquire_resident", "issue_final_exit")
    with pytest.raises(Unauthorized) as refused:
        renewal(shop["iqamas"][0], AGENT)
    assert refused.value.code == "not_permitted"
    for services_given, code in ((["fly"], "unknown_service"), ([], "agent_needs_services")):
        with pytest.raises(InvalidInput) as err:
            call(users.set_agent_services, OWNER, "يوسف", services_given)
        assert err.value.code == code


def test_an_agent_may_not_manage_users(engine, shop):
    for function, args in (
        (users.add_agent, (["renew_iqama"],)),
        (users.list_users, ()),
        (users.set_agent_services, (OTHER_AGENT, ["renew_iqama"])),
        (users.suspend_agent, (OTHER_AGENT,)),
        (users.reactivate_agent, (OTHER_AGENT,)),
        (users.remove_agent, (OTHER_AGENT,)),
    ):
        with pytest.raises(Unauthorized) as refused:
            call(function, AGENT, *args)
        assert refused.value.code == "owner_only"
        assert refused.value.message == "لا يضيف مستخدمي المنشأة أو يعدّلهم أو يوقفهم أو يزيلهم إلا مالكها."
    with pytest.raises(Unauthorized) as refused:
        call(users.list_users, 999)
    assert refused.value.code == "not_activated"


def test_refusals_of_the_owners_tools(engine, shop):
    with pytest.raises(Refusal) as err:
        call(users.suspend_agent, OWNER, SECOND_OWNER)
    assert (err.value.code, err.value.message) == (
        "not_an_agent",
        f"«{SECOND_OWNER}» من ملّاك المنشأة؛ وإنما يُعدَّل هنا المندوبون فقط أو يُوقَفون أو يُزالون.",
    )
    with pytest.raises(NotFound) as err:
        call(users.remove_agent, OWNER, "خالد")
    assert err.value.code == "unknown_user"
    call(users.suspend_agent, OWNER, AGENT)
    with pytest.raises(Refusal) as err:
        call(users.suspend_agent, OWNER, AGENT)
    assert (err.value.code, err.value.message) == ("already_suspended", "«يوسف» موقوف مؤقتًا من قبل.")
    with pytest.raises(Refusal) as err:
        call(users.reactivate_agent, OWNER, OTHER_AGENT)
    assert (err.value.code, err.value.message) == ("not_suspended", f"«{OTHER_AGENT}» غير موقوف.")
    with pytest.raises(InvalidInput) as err:
        call(users.add_agent, OWNER, ["renew_iqama"], name="س" * 101)
    assert err.value.code == "name_too_long"
    with UnitOfWork() as uow:  # nothing was issued
        assert uow.session.scalar(select(ActivationCode.id)) is None


def test_an_agent_of_another_establishment_is_unknown_here(engine, shop):
    with UnitOfWork() as uow:
        other = f.establishment(uow, number="7000000702")
        f.user(uow, other, 1199, "agent", "renew_iqama").display_name = "يوسف"
        uow.commit()
    with pytest.raises(NotFound):
        call(users.suspend_agent, OWNER, 1199)
    assert call(users.suspend_agent, OWNER, "يوسف").user.telegram_id == AGENT


def test_the_account_of_a_suspended_agent_still_works_for_its_other_establishments(engine, shop):
    with UnitOfWork() as uow:
        other = f.establishment(uow, number="7000000703", name_ar="مؤسسة الريان")
        f.user(uow, other, AGENT)
        accounts.work_on(uow, AGENT, shop["est"])
        uow.commit()
    call(users.suspend_agent, OWNER, AGENT)
    with pytest.raises(Unauthorized) as refused:
        renewal(shop["iqamas"][0], AGENT)
    assert refused.value.details == {"establishments": [{"number": "7000000703", "name": "مؤسسة الريان"}]}
    assert refused.value.message.endswith(
        "يمكنك العمل على منشأة أخرى من منشآتك بالأمر /est: «مؤسسة الريان» (7000000703)."
    )


def test_cli_user_list_and_remove(engine, shop):
    call(services.execute, AGENT, renewal(shop["iqamas"][0], AGENT), "k")
    listed = runner.invoke(app, ["user", "list", "--establishment", EST])
    assert listed.exit_code == 0, listed.stderr
    header, *rows = listed.stdout.splitlines()
    assert header.split() == ["معرّف", "تيليجرام", "الاسم", "الصفة", "الحالة", "آخر", "نشاط", "الخدمات"]
    assert [row.split()[:4] for row in rows] == [
        [str(OWNER), "—", "owner", "نشط"],
        [str(SECOND_OWNER), "—", "owner", "نشط"],
        [str(AGENT), "يوسف", "agent", "نشط"],
        [str(OTHER_AGENT), "—", "agent", "نشط"],
    ]
    assert rows[2].split()[4:] == ["2026-11-27", rows[2].split()[5], "renew_iqama"]
    removed = runner.invoke(app, ["user", "remove", "--establishment", EST, "--telegram-id", str(SECOND_OWNER)])
    assert removed.exit_code == 0, removed.stderr
    assert removed.stdout.strip() == f"أُزيل المستخدم {SECOND_OWNER} من المنشأة {EST}."
    assert str(SECOND_OWNER) not in runner.invoke(app, ["user", "list", "--establishment", EST]).stdout
    again = runner.invoke(app, ["user", "remove", "--establishment", EST, "--telegram-id", str(SECOND_OWNER)])
    assert again.exit_code == 1 and "لا يوجد مستخدم في منشأتك" in again.stderr
    with pytest.raises(Unauthorized) as refused:
        renewal(shop["iqamas"][1], SECOND_OWNER)
    assert refused.value.code == "user_removed"
    added = runner.invoke(
        app, ["user", "add", "--establishment", EST, "--telegram-id", str(SECOND_OWNER), "--role", "owner"]
    )
    assert added.exit_code == 0, added.stderr  # a removed user can be registered again
    assert renewal(shop["iqamas"][1], SECOND_OWNER).total == RENEWAL_12
