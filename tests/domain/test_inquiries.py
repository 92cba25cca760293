"""Inquiries: resident card, name search, driving licence, visas; authorisation and isolation, on the real
database (today is 2026-11-27)."""

from datetime import date

import pytest

from residency import inquiries

from residency.presentation import texts
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal, Unauthorized
from residency.names import name_key_for
from tests.domain import factories as f

OWNER, AGENT, STRANGER, OTHER_OWNER = 601, 602, 603, 604


def person(uow, est, name_ar, name_en, **kw):
    return f.resident(uow, est, name_ar=name_ar, name_en=name_en, name_key=name_key_for(name_ar, name_en), **kw)


@pytest.fixture
def world(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow)
        f.user(uow, est, OWNER)
        f.user(uow, est, AGENT, role="agent", services="renew_iqama")
        khan = person(
            uow,
            est,
            "محمد عبد الله خان",
            "MOHAMMED ABDULLAH KHAN",
            iqama_expiry=date(2026, 12, 7),
            passport_expiry=date(2027, 11, 27),
            dependants=2,
        )
        f.licence(uow, khan, licence_type="خاصة", number="4455667788", expiry=date(2027, 1, 6))
        old = f.visa(uow, khan, issued_on=date(2025, 1, 1), valid_until=date(2025, 3, 1), status="returned")
        current = f.visa(uow, khan, entry_type="multiple", issued_on=date(2026, 11, 1), valid_until=date(2027, 2, 1))
        fatima = person(uow, est, "فاطمة إبراهيم السيد", "FATIMA IBRAHIM ELSAYED", nationality="مصر")
        person(uow, est, "مصطفى عمران قريشي", "MUSTAFA IMRAN QURESHI")
        person(uow, est, "عبد الرحمن يوسف", "ABDULRAHMAN YOUSEF")
        other = f.establishment(uow, name_ar="منشأة أخرى")
        f.user(uow, other, OTHER_OWNER)
        foreign = person(uow, other, "محمد عبد الله خان", "MOHAMMED ABDULLAH KHAN")
        foreign_visa = f.visa(uow, foreign)
        uow.commit()
        return {
            "khan": khan.iqama_number,
            "fatima": fatima.iqama_number,
            "foreign": foreign.iqama_number,
            "old_visa": old.number,
            "current_visa": current.number,
            "foreign_visa": foreign_visa.number,
        }


def call(engine, fn, *args, who=OWNER, **kw):
    with UnitOfWork(engine) as uow:
        return fn(uow, who, *args, **kw)


def test_resident_card_shows_the_resident_with_days_left_and_active_visas(engine, world):
    card = call(engine, inquiries.resident_card, world["khan"])
    assert (card.iqama_number, card.name_ar, card.name_en) == (
        world["khan"],
        "محمد عبد الله خان",
        "MOHAMMED ABDULLAH KHAN",
    )
    assert card.iqama_expiry == date(2026, 12, 7) and card.iqama_days_left == 10
    assert card.passport_days_left == 365
    assert card.location == "inside" and card.dependants == 2
    assert [v.number for v in card.active_visas] == [world["current_visa"]]
    assert card.active_visas[0].status == "issued"


def test_resident_card_accepts_arabic_digits(engine, world):
    arabic = world["khan"].translate(str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩"))
    assert call(engine, inquiries.resident_card, arabic).iqama_number == world["khan"]


def test_other_establishments_resident_is_answered_like_an_unknown_number(engine, world):
    unknown = f.valid_iqama(seed=424242)
    with pytest.raises(NotFound) as foreign:
        call(engine, inquiries.resident_card, world["foreign"])
    with pytest.raises(NotFound) as missing:
        call(engine, inquiries.resident_card, unknown)
    assert foreign.value.code == missing.value.code == "unknown_resident"
    assert foreign.value.message == missing.value.message.replace(unknown, world["foreign"])
    for fn in (inquiries.driving_licence, inquiries.visas_of_resident):
        with pytest.raises(NotFound) as again:
            call(engine, fn, world["foreign"])
        assert again.value.code == "unknown_resident"


def test_wrong_check_digit_is_refused_before_any_look_up(engine, world):
    broken = world["khan"][:-1] + str((int(world["khan"][-1]) + 1) % 10)
    with pytest.raises(InvalidInput) as err:
        call(engine, inquiries.resident_card, broken)
    assert err.value.code == "bad_check_digit"


@pytest.mark.parametrize(
    "fn,args",
    [
        (inquiries.resident_card, ("khan",)),
        (inquiries.search_residents, ("محمد",)),
        (inquiries.driving_licence, ("khan",)),
        (inquiries.visas_of_resident, ("khan",)),
        (inquiries.visa_by_number, ("current_visa",)),
    ],
)
def test_stranger_and_agent_without_the_grant_are_refused(engine, world, fn, args):
    args = tuple(world.get(a, a) for a in args)
    with pytest.raises(Unauthorized) as stranger:
        call(engine, fn, *args, who=STRANGER)
    assert stranger.value.code == "not_activated"
    with pytest.raises(Unauthorized) as agent:
        call(engine, fn, *args, who=AGENT)
    assert agent.value.code == "not_permitted"


def test_agent_with_the_grant_may_inquire(engine, world):
    with UnitOfWork(engine) as uow:
        uow.repo.user_by_telegram_id(AGENT).services = "inquire_resident,inquire_visa"
        uow.commit()
    assert call(engine, inquiries.resident_card, world["khan"], who=AGENT).iqama_number == world["khan"]
    assert call(engine, inquiries.visa_by_number, world["current_visa"], who=AGENT).number == world["current_visa"]


def test_expired_subscription_is_refused(engine, world):
    with UnitOfWork(engine) as uow:
        uow.repo.user_by_telegram_id(OWNER).establishment.subscription_until = date(2026, 11, 1)
        uow.commit()
    with pytest.raises(Refusal) as err:
        call(engine, inquiries.resident_card, world["khan"])
    assert err.value.code == "subscription_expired"


# --- name search


@pytest.mark.parametrize(
    "query,expected_name",
    [
        ("محمد عبدالله خان", "محمد عبد الله خان"),  # "عبد الله" joined
        ("محمد عبد اللة", "محمد عبد الله خان"),  # taa marbuta for haa
        ("فاطمه ابراهيم", "فاطمة إبراهيم السيد"),  # taa marbuta, missing hamza
        ("مصطفي قريشي", "مصطفى عمران قريشي"),  # alef maqsura
        ("عمرن قريشي", "مصطفى عمران قريشي"),  # one letter missing
        ("عبدالرحمن يوسف", "عبد الرحمن يوسف"),
        ("Fatima Elsayed", "فاطمة إبراهيم السيد"),  # Latin name
        ("mohamed abdulla khan", "محمد عبد الله خان"),  # Latin with typos
    ],
)
def test_name_search_tolerates_spelling(engine, world, query, expected_name):
    matches = call(engine, inquiries.search_residents, query)
    assert matches and matches[0].name_ar == expected_name


def test_name_search_never_shows_another_establishments_resident(engine, world):
    matches = call(engine, inquiries.search_residents, "محمد عبد الله خان")
    assert [m.iqama_number for m in matches] == [world["khan"]]
    other = call(engine, inquiries.search_residents, "محمد عبد الله خان", who=OTHER_OWNER)
    assert [m.iqama_number for m in other] == [world["foreign"]]


def test_name_search_finds_nobody_for_an_unrelated_name(engine, world):
    assert call(engine, inquiries.search_residents, "جورج واشنطن") == []
    assert call(engine, inquiries.search_residents, "  ؟ ") == []


def test_name_search_returns_at_most_five_best_first(engine, world):
    with UnitOfWork(engine) as uow:
        est = uow.repo.user_by_telegram_id(OWNER).establishment
        for i in range(8):
            person(uow, est, f"خالد سعيد {i}", "KHALED SAEED")
        uow.commit()
    matches = call(engine, inquiries.search_residents, "خالد سعيد")
    assert len(matches) == 5
    assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
    assert len(call(engine, inquiries.search_residents, "خالد سعيد", limit=2)) == 2


@pytest.mark.parametrize("max_changes", [1, 5_000])  # 1: every change rebuilds the whole index
def test_name_search_sees_new_renamed_and_departed_residents(engine, world, monkeypatch, max_changes):
    monkeypatch.setattr(inquiries.NameIndexCache, "MAX_CHANGES", max_changes)
    assert call(engine, inquiries.search_residents, "سلمان فارسي") == []  # index now cached
    with UnitOfWork(engine) as uow:
        est = uow.repo.user_by_telegram_id(OWNER).establishment
        newcomer = person(uow, est, "سلمان الفارسي", "SALMAN ALFARSI")
        uow.commit()
        newcomer_iqama = newcomer.iqama_number
    assert [m.iqama_number for m in call(engine, inquiries.search_residents, "سلمان فارسي")] == [newcomer_iqama]

    with UnitOfWork(engine) as uow:
        fatima = uow.repo.resident_by_iqama_any(world["fatima"])
        fatima.name_ar, fatima.name_en = "نورة إبراهيم السيد", "NOURA IBRAHIM ELSAYED"
        fatima.name_key = name_key_for(fatima.name_ar, fatima.name_en)
        uow.commit()
    assert call(engine, inquiries.search_residents, "نوره السيد")[0].iqama_number == world["fatima"]
    assert world["fatima"] not in [m.iqama_number for m in call(engine, inquiries.search_residents, "فاطمة")]

    with UnitOfWork(engine) as uow:  # moves to the other establishment
        other_id = uow.repo.user_by_telegram_id(OTHER_OWNER).establishment_id
        uow.repo.resident_by_iqama_any(newcomer_iqama).establishment_id = other_id
        uow.commit()
    assert call(engine, inquiries.search_residents, "سلمان فارسي") == []


# --- driving licence and visas


def test_driving_licence_and_none_recorded(engine, world):
    licence = call(engine, inquiries.driving_licence, world["khan"])
    assert (licence.licence_type, licence.number, licence.expiry, licence.days_left) == (
        "خاصة",
        "4455667788",
        date(2027, 1, 6),
        40,
    )
    assert call(engine, inquiries.driving_licence, world["fatima"]) is None
    assert "لا توجد رخصة" in texts.render_licence(None, world["fatima"])


def test_visas_of_resident_lists_current_first_then_latest(engine, world):
    with UnitOfWork(engine) as uow:
        khan = uow.repo.resident_by_iqama_any(world["khan"])
        for year in (2021, 2022, 2023, 2024):
            f.visa(uow, khan, issued_on=date(year, 5, 1), valid_until=date(year, 6, 1), status="returned")
        expired = f.visa(uow, khan, issued_on=date(2026, 8, 1), valid_until=date(2026, 9, 1), status="issued")
        uow.commit()
        expired_number = expired.number
    visas = call(engine, inquiries.visas_of_resident, world["khan"])
    assert len(visas) == 5
    assert visas[0].number == world["current_visa"] and visas[0].status == "issued"
    assert visas[1].number == expired_number and visas[1].status == "expired"
    assert [v.issued_on for v in visas[1:]] == sorted((v.issued_on for v in visas[1:]), reverse=True)
    assert world["old_visa"] in [v.number for v in visas]


def test_visa_by_number_and_isolation(engine, world):
    visa = call(engine, inquiries.visa_by_number, world["current_visa"])
    assert (visa.kind, visa.entry_type, visa.status, visa.iqama_number, visa.valid_until) == (
        "exit_reentry",
        "multiple",
        "issued",
        world["khan"],
        date(2027, 2, 1),
    )
    with pytest.raises(NotFound) as foreign:
        call(engine, inquiries.visa_by_number, world["foreign_visa"])
    with pytest.raises(NotFound) as missing:
        call(engine, inquiries.visa_by_number, "6999999999")
    assert foreign.value.code == missing.value.code == "unknown_visa"
    with pytest.raises(InvalidInput) as not_visa:
        call(engine, inquiries.visa_by_number, world["khan"])
    assert not_visa.value.code == "wrong_kind"
