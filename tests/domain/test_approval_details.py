"""Approvals that show what is approved (SPEC 10.4): the request sent to the owners and the pending list name
the worker (name and iqama number), the service, the inputs and the amount, and who asked. Real database,
SQLite and PostgreSQL."""

from datetime import date

import pytest
from sqlalchemy import select

from residency import services
from residency.db import UnitOfWork
from residency.models import Notification
from residency.services import approvals
from residency.services.bulk import quote_bulk
from residency.presentation.texts import describe_request
from tests.domain import factories as f

OWNER, AGENT = 1201, 1202
RENEWAL_12 = 650 + 12 * 800


@pytest.fixture
def shop(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, balance=200_000, approval_above=5_000)
        f.user(uow, est, OWNER)
        f.user(uow, est, AGENT, "agent", "renew_iqama,issue_exit_reentry").display_name = "يوسف"
        names = ["كريم يوسف", "سالم علي", "راجو كومار", "أنيل شارما", "محمد رحيم", "جون سميث", "علي حسن"]
        residents = [f.resident(uow, est, name_ar=name, iqama_expiry=date(2027, 6, 1)) for name in names]
        uow.commit()
        return {"iqamas": [r.iqama_number for r in residents], "names": names}


def submit(quoted, key="agent:1"):
    with UnitOfWork() as uow:
        return approvals.submit(uow, AGENT, key, quoted.service, quoted.total, quote=quoted)


def test_the_owner_is_asked_with_the_worker_the_service_the_inputs_and_the_amount(engine, shop):
    iqama = shop["iqamas"][0]
    with UnitOfWork() as uow:
        quoted = services.quote(uow, AGENT, "renew_iqama", iqama_number=iqama, duration="P12M")
    view = submit(quoted)
    assert (view.maker_name, view.residents, view.inputs, view.total) == (
        "يوسف",
        ((iqama, "كريم يوسف"),),
        {"duration": "P12M"},
        RENEWAL_12,
    )
    with UnitOfWork() as uow:
        notice = uow.session.scalars(select(Notification.text).where(Notification.telegram_id == OWNER)).one()
    assert notice == (
        f"طلب بانتظار موافقتك (رقم {view.id}) من «يوسف»:\n"
        f"تجديد إقامة — \u2068كريم يوسف\u2069 (إقامة {iqama})\n"
        "التفاصيل: سنة (12 شهرًا)\n"
        "الإجمالي: 10250 ريال. تنقضي المهلة بعد 72 ساعة. هل توافق؟"
    )
    with UnitOfWork() as uow:
        [waiting] = approvals.pending(uow, OWNER)
        [own] = approvals.pending(uow, AGENT)
    shown = [(v.id, v.maker_name, v.residents, v.inputs, v.total) for v in (waiting, own, view)]
    assert shown[0] == shown[1] == shown[2]


def test_a_visa_request_shows_its_type_and_duration(engine, shop):
    with UnitOfWork() as uow:
        quoted = services.quote(
            uow, AGENT, "issue_exit_reentry", iqama_number=shop["iqamas"][1], visa_type="multiple", duration="P6M"
        )
    view = submit(quoted)
    assert view.inputs == {"visa_type": "multiple", "duration": "P6M"}
    assert describe_request(view).splitlines()[1] == "التفاصيل: خروج وعودة متعددة، 6 أشهر"
    assert view.total == 500 + 3 * 200


def test_a_bulk_request_names_its_residents(engine, shop):
    with UnitOfWork() as uow:
        offer = quote_bulk(uow, AGENT, "renew_iqama", iqama_numbers=shop["iqamas"], duration="P12M")
    with UnitOfWork() as uow:
        view = approvals.submit(
            uow, AGENT, "agent:bulk", "renew_iqama", offer.total, bulk_quote_id=offer.id, count=len(offer.ready)
        )
    assert view.residents == tuple(zip(shop["iqamas"], shop["names"]))
    assert (view.inputs, view.total, view.count) == ({"duration": "P12M"}, 7 * RENEWAL_12, 7)
    lines = describe_request(view).splitlines()
    assert lines[0] == "تجديد إقامة لـ7 مقيمين:"
    assert lines[1:6] == [
        f"• \u2068{name}\u2069 (إقامة {iqama})" for iqama, name in zip(shop["iqamas"][:5], shop["names"][:5])
    ]
    assert lines[6:] == ["… و2 غيرهم.", "التفاصيل: سنة (12 شهرًا)"]
