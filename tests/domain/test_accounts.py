"""One account, several establishments (SPEC 10.4): the account works on the establishment it chose (the
only one without a choice), acts for that one only, is told when a resident or visa is in another of its
establishments (never one where it holds no role), and a quote, a bulk quote or an approval never crosses
from one establishment to another. Real database, SQLite and PostgreSQL."""

from datetime import date

import pytest
from sqlalchemy import func, select

from residency import accounts, inquiries, services

from residency.presentation import documents
from residency.db import UnitOfWork
from residency.errors import NotFound, Refusal, Unauthorized
from residency.models import Notification, Transaction
from residency.reminders import queue_due_reminders
from residency.services import approvals
from residency.services.bulk import execute_bulk, quote_bulk
from tests.domain import factories as f

MULTI, AGENT, STRANGER_OWNER = 800, 801, 802
NOOR, FAJR, OTHER = "7000000501", "7000000502", "7000000503"
RENEWAL_12 = 650 + 12 * 800
FAJR_SERVICES = "renew_iqama,issue_iqama,cancel_exit_reentry,inquire_resident"


@pytest.fixture
def group(engine):
    """MULTI owns «مؤسسة النور للمقاولات» (NOOR) and is an agent of «مؤسسة الفجر» (FAJR, FAJR_SERVICES);
    OTHER is an establishment where it holds no role. A resident in each, a visa in NOOR."""
    with UnitOfWork(engine) as uow:
        noor = f.establishment(uow, number=NOOR, name_ar="مؤسسة النور للمقاولات", balance=50_000)
        fajr = f.establishment(uow, number=FAJR, name_ar="مؤسسة الفجر", balance=40_000)
        other = f.establishment(uow, number=OTHER, name_ar="مؤسسة الغير")
        f.user(uow, noor, MULTI)
        f.user(uow, fajr, MULTI, role="agent", services=FAJR_SERVICES)
        f.user(uow, noor, AGENT, role="agent", services="renew_iqama")
        f.user(uow, other, STRANGER_OWNER)
        in_noor = f.resident(uow, noor, iqama_expiry=date(2027, 6, 1))
        second_in_noor = f.resident(uow, noor, iqama_expiry=date(2027, 7, 1))
        in_fajr = f.resident(uow, fajr, iqama_expiry=date(2027, 6, 1))
        in_other = f.resident(uow, other, iqama_expiry=date(2027, 6, 1))
        arrival = f.resident(
            uow, noor, iqama_number=None, iqama_expiry=None, border_number="3000000123", arrival_date=date(2026, 11, 1)
        )
        visa = f.visa(uow, in_noor, number="6000000501")
        f.visa(uow, in_other, number="6000000503")
        uow.commit()
        return {
            "noor": noor.id,
            "fajr": fajr.id,
            "in_noor": in_noor.iqama_number,
            "second_in_noor": second_in_noor.iqama_number,
            "in_fajr": in_fajr.iqama_number,
            "in_other": in_other.iqama_number,
            "border": arrival.border_number,
            "visa": visa.number,
        }


def choose(engine, choice, who=MULTI):
    with UnitOfWork(engine) as uow:
        return accounts.choose_establishment(uow, who, choice)


def quote(engine, iqama, who=MULTI, service="renew_iqama", **inputs):
    """A renewal for 12 months (or `service` with `inputs`) of the resident `iqama`."""
    inputs = inputs if service != "renew_iqama" else {"duration": "P12M"}
    with UnitOfWork(engine) as uow:
        return services.quote(uow, who, service, iqama_number=iqama, **inputs)


def balances(engine, group):
    with UnitOfWork(engine) as uow:
        return uow.repo.establishment(group["noor"]).balance, uow.repo.establishment(group["fajr"]).balance


def transactions(engine):
    with UnitOfWork(engine) as uow:
        return uow.session.scalar(select(func.count()).select_from(Transaction))


# choosing --------------------------------------------------------------------------------------------------


def test_an_account_with_two_establishments_chooses_before_it_acts(engine, group):
    with UnitOfWork(engine) as uow, pytest.raises(Unauthorized) as err:
        services.resolve_actor(uow, MULTI)
    assert err.value.code == "choose_establishment"
    assert err.value.details == {
        "establishments": [{"number": NOOR, "name": "مؤسسة النور للمقاولات"}, {"number": FAJR, "name": "مؤسسة الفجر"}]
    }
    assert err.value.message == (
        "حسابك يعمل لأكثر من منشأة: «مؤسسة النور للمقاولات» (7000000501)، «مؤسسة الفجر» (7000000502). "
        "اختر المنشأة التي تعمل عليها بالأمر /est."
    )
    with UnitOfWork(engine) as uow:
        listed = accounts.establishments_of(uow, MULTI)
    assert [(m.position, m.establishment_number, m.role, m.status, m.current) for m in listed] == [
        (1, NOOR, "owner", "active", False),
        (2, FAJR, "agent", "active", False),
    ]
    with UnitOfWork(engine) as uow:  # an account of one establishment works on it without a choice
        assert accounts.current_establishment(uow, AGENT).establishment_number == NOOR


@pytest.mark.parametrize(
    "choice, number",
    [
        ("2", FAJR),
        ("١", NOOR),
        (NOOR, NOOR),
        ("مؤسسة الفجر", FAJR),
        ("الفجر", FAJR),
        ("مؤسسه النور", NOOR),
        ("نور", NOOR),
    ],
)
def test_an_establishment_is_chosen_by_its_place_number_or_name(engine, group, choice, number):
    chosen = choose(engine, choice)
    assert (chosen.establishment_number, chosen.current) == (number, True)
    with UnitOfWork(engine) as uow:
        assert services.resolve_actor(uow, MULTI).establishment_number == number
        assert accounts.current_establishment(uow, MULTI).establishment_number == number


def test_a_choice_that_fits_none_or_several_changes_nothing(engine, group):
    choose(engine, "1")
    for choice in ("3", "مؤسسة الشروق", OTHER):  # OTHER exists, but the account holds no role there
        with pytest.raises(NotFound) as err:
            choose(engine, choice)
        assert err.value.code == "unknown_establishment_choice"
        assert [ref["number"] for ref in err.value.details["establishments"]] == [NOOR, FAJR]
    with UnitOfWork(engine) as uow:
        f.user(uow, f.establishment(uow, number="7000000504", name_ar="مؤسسة النور للتجارة"), MULTI)
        uow.commit()
    with pytest.raises(Refusal) as err:
        choose(engine, "النور")
    assert err.value.code == "ambiguous_establishment"
    assert [ref["number"] for ref in err.value.details["establishments"]] == [NOOR, "7000000504"]
    with UnitOfWork(engine) as uow:
        assert services.resolve_actor(uow, MULTI).establishment_number == NOOR


def test_a_stranger_has_no_establishments(engine, group):
    with UnitOfWork(engine) as uow, pytest.raises(Unauthorized) as err:
        accounts.establishments_of(uow, 999)
    assert err.value.code == "not_activated"


# acting for the current establishment only -------------------------------------------------------------------


def test_the_role_and_services_are_those_of_the_current_establishment(engine, group):
    choose(engine, FAJR)
    assert quote(engine, group["in_fajr"]).total == RENEWAL_12
    with pytest.raises(Unauthorized) as err:  # an agent in FAJR: no final exits
        quote(engine, group["in_fajr"], service="issue_final_exit")
    assert err.value.code == "not_permitted"
    choose(engine, NOOR)
    assert quote(engine, group["second_in_noor"], service="issue_final_exit").service == "issue_final_exit"  # owner


def test_a_resident_of_another_of_its_establishments_asks_to_switch(engine, group):
    choose(engine, FAJR)
    with pytest.raises(NotFound) as err:
        quote(engine, group["in_noor"])
    assert err.value.code == "unknown_resident"
    assert err.value.details == {"switch_to": {"number": NOOR, "name": "مؤسسة النور للمقاولات"}}
    assert err.value.message == (
        f"لا يوجد مقيم برقم الإقامة {group['in_noor']} ضمن منشأتك. تحقق من الرقم أو ابحث بالاسم. "
        "وهو يتبع منشأتك «مؤسسة النور للمقاولات» (7000000501): انتقل إليها بالأمر /est لتنفيذ طلبه."
    )
    with UnitOfWork(engine) as uow, pytest.raises(NotFound) as err:
        services.quote(uow, MULTI, "cancel_exit_reentry", number=group["visa"])
    assert err.value.details == {"switch_to": {"number": NOOR, "name": "مؤسسة النور للمقاولات"}}
    with UnitOfWork(engine) as uow, pytest.raises(NotFound) as err:
        services.quote(uow, MULTI, "issue_iqama", border_number=group["border"], duration="P12M")
    assert (err.value.code, err.value.details) == (
        "unknown_border_number",
        {"switch_to": {"number": NOOR, "name": "مؤسسة النور للمقاولات"}},
    )
    with UnitOfWork(engine) as uow, pytest.raises(NotFound) as err:
        services.quote(uow, MULTI, "issue_iqama", border_number="3000000999", duration="P12M")
    assert err.value.details == {}


def test_an_establishment_where_the_account_has_no_role_stays_invisible(engine, group):
    choose(engine, NOOR)
    unknown = f.valid_iqama(4242)
    with pytest.raises(NotFound) as foreign:
        quote(engine, group["in_other"])
    with pytest.raises(NotFound) as nobody:
        quote(engine, unknown)
    assert (
        (foreign.value.code, foreign.value.details)
        == (nobody.value.code, nobody.value.details)
        == (
            "unknown_resident",
            {},
        )
    )
    assert foreign.value.message == nobody.value.message.replace(unknown, group["in_other"])
    with UnitOfWork(engine) as uow, pytest.raises(NotFound) as visa:
        services.quote(uow, MULTI, "cancel_exit_reentry", number="6000000503")
    assert (visa.value.code, visa.value.details) == ("unknown_visa", {})


# nothing crosses ---------------------------------------------------------------------------------------------


def test_a_quote_made_under_one_establishment_never_executes_under_another(engine, group):
    choose(engine, NOOR)
    quoted = quote(engine, group["in_noor"])
    assert (quoted.establishment_number, quoted.establishment_name) == (NOOR, "مؤسسة النور للمقاولات")
    choose(engine, FAJR)
    with UnitOfWork(engine) as uow, pytest.raises(Refusal) as err:
        services.execute(uow, MULTI, quoted, "multi:q1")
    assert err.value.code == "other_establishment"
    assert err.value.details == {"establishment_number": NOOR, "establishment_name": "مؤسسة النور للمقاولات"}
    assert err.value.message.startswith(
        "أُعدّ هذا الطلب لمنشأة «مؤسسة النور للمقاولات»، وأنت تعمل الآن على «مؤسسة الفجر»"
    )
    # A quote handed back without its establishment is looked up in the current one: not found there.
    anonymous = quoted.to_dict() | {"establishment_number": None, "establishment_name": None}
    with UnitOfWork(engine) as uow, pytest.raises(NotFound) as err:
        services.execute(uow, MULTI, anonymous, "multi:q2")
    assert err.value.details == {"switch_to": {"number": NOOR, "name": "مؤسسة النور للمقاولات"}}
    assert (balances(engine, group), transactions(engine)) == ((50_000, 40_000), 0)
    choose(engine, NOOR)
    with UnitOfWork(engine) as uow:
        receipt = services.execute(uow, MULTI, quoted, "multi:q1")
    assert (receipt.total, receipt.balance_after) == (RENEWAL_12, 50_000 - RENEWAL_12)
    assert balances(engine, group) == (50_000 - RENEWAL_12, 40_000)


def test_a_bulk_quote_never_executes_under_another_establishment(engine, group):
    choose(engine, NOOR)
    with UnitOfWork(engine) as uow:
        offer = quote_bulk(
            uow, MULTI, "renew_iqama", iqama_numbers=[group["in_noor"], group["second_in_noor"]], duration="P12M"
        )
    choose(engine, FAJR)
    with UnitOfWork(engine) as uow, pytest.raises(Refusal) as err:
        execute_bulk(uow, MULTI, offer.id, "multi:bulk")
    assert err.value.code == "other_establishment"
    with UnitOfWork(engine) as uow, pytest.raises(NotFound):  # an establishment where it has no role: unknown
        execute_bulk(uow, STRANGER_OWNER, offer.id, "other:bulk")
    assert (balances(engine, group), transactions(engine)) == ((50_000, 40_000), 0)
    choose(engine, NOOR)
    with UnitOfWork(engine) as uow:
        outcome = execute_bulk(uow, MULTI, offer.id, "multi:bulk")
    assert (len(outcome.done), outcome.charged) == (2, 2 * RENEWAL_12)


def test_an_owner_decides_an_approval_whatever_establishment_it_works_on(engine, group):
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(group["noor"]).approval_above = 5_000
        uow.commit()
    quoted = quote(engine, group["in_noor"], who=AGENT)
    with UnitOfWork(engine) as uow:
        waiting = approvals.submit(uow, AGENT, "agent:q1", quoted.service, quoted.total, quote=quoted)
    choose(engine, FAJR)  # the owner of NOOR works on FAJR, where it is an agent
    with UnitOfWork(engine) as uow, pytest.raises(NotFound) as err:
        approvals.decide(uow, STRANGER_OWNER, waiting.id, True)  # OTHER's owner: no such request
    assert err.value.code == "unknown_approval"
    with UnitOfWork(engine) as uow:
        decided = approvals.decide(uow, MULTI, waiting.id, True)
    assert (decided.status, decided.outcome["charged"]) == ("approved", RENEWAL_12)
    assert balances(engine, group) == (50_000 - RENEWAL_12, 40_000)
    with UnitOfWork(engine) as uow:
        assert services.resolve_actor(uow, MULTI).establishment_number == FAJR  # its choice is kept


def test_an_agent_submits_only_a_quote_of_the_establishment_it_works_on(engine, group):
    with UnitOfWork(engine) as uow:
        uow.repo.establishment(group["fajr"]).approval_above = 5_000
        uow.commit()
    choose(engine, NOOR)
    quoted = quote(engine, group["in_noor"])
    choose(engine, FAJR)
    with UnitOfWork(engine) as uow, pytest.raises(Refusal) as err:
        approvals.submit(uow, MULTI, "multi:q1", quoted.service, quoted.total, quote=quoted)
    assert err.value.code == "other_establishment"


def test_each_establishment_reminds_its_own_owners(engine, group):
    with UnitOfWork(engine) as uow:
        second = f.establishment(uow, number="7000000505", name_ar="مؤسسة الضحى")
        f.user(uow, second, MULTI)
        f.resident(uow, second, name_ar="سالم", iqama_expiry=date(2026, 12, 4))
        noor = uow.repo.establishment(group["noor"])
        f.resident(uow, noor, name_ar="كريم", iqama_expiry=date(2026, 12, 11))
        uow.commit()
    with UnitOfWork(engine) as uow:
        assert queue_due_reminders(uow) == 2
    with UnitOfWork(engine) as uow:
        texts = list(uow.session.scalars(select(Notification.text).where(Notification.telegram_id == MULTI)))
    assert len(texts) == 2
    noor_text = next(text for text in texts if "مؤسسة النور للمقاولات" in text)
    second_text = next(text for text in texts if "مؤسسة الضحى" in text)
    assert "كريم" in noor_text and "سالم" not in noor_text
    assert "سالم" in second_text and "كريم" not in second_text
    with UnitOfWork(engine) as uow:
        assert queue_due_reminders(uow) == 0  # once a day


# the isolation rules across an account's own establishments ------------------------------------------------

RESIDENT_SERVICES = [name for name in services.ALL_SERVICES if name in services.SERVICES and name != "issue_iqama"]
LOOK_UPS = {
    "resident_card": lambda uow, who, iqama: inquiries.resident_card(uow, who, iqama),
    "driving_licence": lambda uow, who, iqama: inquiries.driving_licence(uow, who, iqama),
    "visas_of_resident": lambda uow, who, iqama: inquiries.visas_of_resident(uow, who, iqama),
    "resident_report": lambda uow, who, iqama: documents.render_document(
        uow, who, "resident_report", iqama_number=iqama
    ),
}


@pytest.fixture
def two_owned(group):
    """MULTI owns NOOR and a second establishment, DUHA, with a resident, and works on NOOR."""
    with UnitOfWork() as uow:
        duha = f.establishment(uow, number="7000000506", name_ar="مؤسسة الضحى")
        f.user(uow, duha, MULTI)
        group["in_duha"] = f.resident(uow, duha, iqama_expiry=date(2027, 6, 1)).iqama_number
        accounts.work_on(uow, MULTI, group["noor"])
        uow.commit()
    return group


def eligibility_blocker(service, iqama):
    with UnitOfWork() as uow:
        [blocker] = services.check(uow, MULTI, service, iqama_number=iqama, number=iqama).blockers
    return blocker


@pytest.mark.parametrize("service", RESIDENT_SERVICES)
def test_every_service_names_the_accounts_other_establishment_and_no_other(engine, two_owned, service):
    own = eligibility_blocker(service, two_owned["in_duha"])
    assert (own.code, own.details) == (
        "unknown_resident",
        {"switch_to": {"number": "7000000506", "name": "مؤسسة الضحى"}},
    )
    unknown = f.valid_iqama(777)
    foreign, nobody = eligibility_blocker(service, two_owned["in_other"]), eligibility_blocker(service, unknown)
    assert (foreign.code, foreign.details) == (nobody.code, nobody.details) == ("unknown_resident", {})
    assert foreign.message == nobody.message.replace(unknown, two_owned["in_other"])


@pytest.mark.parametrize("look_up", LOOK_UPS)
def test_every_inquiry_names_the_accounts_other_establishment_and_no_other(engine, two_owned, look_up):
    for iqama, details in (
        (two_owned["in_duha"], {"switch_to": {"number": "7000000506", "name": "مؤسسة الضحى"}}),
        (two_owned["in_other"], {}),
    ):
        with UnitOfWork() as uow, pytest.raises(NotFound) as err:
            LOOK_UPS[look_up](uow, MULTI, iqama)
        assert (err.value.code, err.value.details) == ("unknown_resident", details)
