"""A passport's machine-readable zone: every check digit verified (residency.passport_mrz), the resident
matched within the user's establishment and the update_passport quote executed once
(residency.passport_photo). Zones are made by the `mrz` package, an independent implementation."""

from __future__ import annotations

from datetime import date

import pytest
from mrz.generator.td3 import TD3CodeGenerator
from sqlalchemy import func, select

from residency import services
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal, Unauthorized
from residency.models import Resident, Transaction
from residency.administration.csv_import import COLUMNS, import_residents
from residency.nationalities import same_country
from residency.passport_mrz import char_value, check_digit, parse_td3
from residency.passport_photo import names_match, quote_from_mrz
from tests.domain import factories as f

OWNER, AGENT, OTHER_OWNER, STRANGER = 811, 812, 813, 814


def zone(
    surname="KHAN",
    given="ABDUL SAMAD",
    number="AK5521934",
    nationality="PAK",
    birth="841103",
    expiry="310214",
    optional="",
) -> str:
    return str(TD3CodeGenerator("P", nationality, surname, given, number, nationality, birth, "M", expiry, optional))


@pytest.fixture
def people(engine):
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, balance=5_000)
        f.user(uow, est, OWNER)
        f.user(uow, est, AGENT, role="agent", services="renew_iqama")
        khan = f.resident(
            uow,
            est,
            name_en="Abdul Samad Khan",
            nationality="باكستان",
            birth_date=date(1984, 11, 3),
            passport_number="AK1111111",
            passport_expiry=date(2026, 12, 20),
        )
        uddin = f.resident(
            uow,
            est,
            name_en="Mohammed Rahim Uddin",
            nationality="الهند",
            birth_date=date(1988, 4, 12),
            passport_number="Z1234567",
            passport_expiry=date(2027, 1, 5),
        )
        other = f.establishment(uow, number="7999999990")
        f.user(uow, other, OTHER_OWNER)
        stranger_resident = f.resident(
            uow,
            other,
            name_en="Sami Haddad",
            nationality="الأردن",
            birth_date=date(1991, 2, 2),
            passport_number="J7654321",
            passport_expiry=date(2027, 2, 1),
        )
        uow.commit()
        return {"khan": khan.iqama_number, "uddin": uddin.iqama_number, "foreign": stranger_resident.iqama_number}


def quote(engine, telegram_id, text):
    with UnitOfWork(engine) as uow:
        return quote_from_mrz(uow, telegram_id, text)


def test_check_digits_agree_with_the_icao_specimen():
    # ICAO 9303 part 4 specimen (Utopia): every check digit of the published zone.
    first = "P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
    second = "L898902C36UTO7408122F1204159ZE184226B<<<<<10"
    assert [check_digit("L898902C3"), check_digit("740812"), check_digit("120415"), check_digit("ZE184226B<<<<<")] == [
        "6",
        "2",
        "9",
        "1",
    ]
    parsed = parse_td3(f"{first}\n{second}")
    assert (parsed.surname, parsed.given_names, parsed.document_number, parsed.nationality) == (
        "ERIKSSON",
        "ANNA MARIA",
        "L898902C3",
        "UTO",
    )
    assert (parsed.birth_date, parsed.expiry, parsed.optional_data) == ("740812", date(2012, 4, 15), "ZE184226B")


def test_every_one_character_change_of_line_two_fails_a_check_digit():
    first, second = zone(optional="1234567").split("\n")
    failures = 0
    for position in range(44):
        for replacement in "07A<":
            # Sex and nationality carry no check digit; a change by a multiple of 10 in value (0, «<», A, K,
            # U are all 0 modulo 10) is invisible to ICAO's weighted sum by design.
            if position in (20, 10, 11, 12) or (char_value(second[position]) - char_value(replacement)) % 10 == 0:
                continue
            changed = second[:position] + replacement + second[position + 1 :]
            with pytest.raises(InvalidInput) as error:
                parse_td3(f"{first}\n{changed}")
            assert error.value.code in ("mrz_check_digits", "mrz_unreadable")
            failures += 1
    assert failures == 126


def test_a_forged_number_names_the_fields_that_fail():
    first, second = zone().split("\n")
    forged = "AK5521935" + second[9:]
    with pytest.raises(InvalidInput) as error:
        parse_td3(f"{first}\n{forged}")
    assert error.value.code == "mrz_check_digits"
    assert error.value.details["fields"] == ["document_number", "composite"]
    assert "رقم الجواز، رقم التحقق الكلي" in error.value.message


@pytest.mark.parametrize("text", ["", "P<PAK", "hello\nworld", "X" * 88, "I<UTO" + "<" * 83])
def test_what_is_not_a_passport_zone_is_unreadable(text):
    with pytest.raises(InvalidInput) as error:
        parse_td3(text)
    assert error.value.code == "mrz_unreadable"


def test_names_and_nationalities_match_tolerantly():
    assert names_match("Abdul Samad Khan", ["KHAN", "ABDUL", "SAMAD"])
    assert names_match("Mohammed Rahim Uddin", ["UDDIN", "MOHAMMAD", "RAHIM"])  # one letter differs
    assert not names_match("Mohammed Rahim Uddin", ["UDDIN", "MOHAMMED"])
    assert not names_match("", ["KHAN"])
    # a lost separator or a stray letter the OCR glued on (no check digit guards line 1)
    assert names_match("Maria Luisa Dela Cruz", ["DELA", "CRUZ", "MARIAKLUISA"])
    assert names_match("Abdul Samad Khan", ["KHANABDUL", "SAMAD"])
    assert not names_match("Maria Luisa", ["DELA", "CRUZ", "MARIA", "LUISA"])  # 8 letters unexplained
    assert not names_match("Maria Luisa Santos", ["DELA", "CRUZ", "MARIAKLUISA"])
    assert [same_country(recorded, zone) for recorded, zone in (("باكستان", "PAK"), ("Philippines", "PHL"))] == [
        True,
        True,
    ]
    assert [same_country(recorded, "IND") for recorded in ("المريخ", "", None, "باكستان")] == [False] * 4


def test_matched_by_names_nationality_and_birth_date_then_quoted_and_executed_once(engine, people):
    offered = quote(engine, OWNER, zone())  # a new number: matched by the person
    assert offered.service == "update_passport"
    assert offered.resident_iqama == people["khan"]
    assert offered.inputs == {
        "iqama_number": people["khan"],
        "passport_number": "AK5521934",
        "passport_expiry": "2031-02-14",
    }
    assert offered.total == 0
    for _ in range(2):  # a second confirmation replays the first receipt
        with UnitOfWork(engine) as uow:
            receipt = services.execute(uow, OWNER, offered, "photo:1")
    assert receipt.replayed
    with UnitOfWork(engine) as uow:
        row = uow.session.execute(select(Resident).where(Resident.iqama_number == people["khan"])).scalar_one()
        assert (row.passport_number, row.passport_expiry) == ("AK5521934", date(2031, 2, 14))
        assert uow.session.execute(select(func.count()).select_from(Transaction)).scalar_one() == 1


def test_matched_by_the_recorded_passport_number(engine, people):
    # Same number renewed (another name spelling, another birth date in the zone): the number decides.
    offered = quote(
        engine,
        OWNER,
        zone(surname="UDIN", given="M RAHIM", number="Z1234567", nationality="IND", birth="880413", expiry="350101"),
    )
    assert offered.resident_iqama == people["uddin"]
    assert offered.inputs["passport_expiry"] == "2035-01-01"


def test_no_match_another_establishments_resident_and_a_stranger(engine, people):
    with pytest.raises(NotFound) as unknown:
        quote(engine, OWNER, zone(surname="NOBODY", given="AT ALL", number="N9999999", birth="700101"))
    foreign = zone(surname="HADDAD", given="SAMI", number="J7654321", nationality="JOR", birth="910202")
    with pytest.raises(NotFound) as other:
        quote(engine, OWNER, foreign)
    assert unknown.value.code == other.value.code == "passport_no_match"
    assert other.value.message == unknown.value.message.replace("N9999999", "J7654321")
    assert quote(engine, OTHER_OWNER, foreign).resident_iqama == people["foreign"]  # its own owner: found
    with pytest.raises(Unauthorized):
        quote(engine, STRANGER, zone())
    with pytest.raises(Unauthorized):
        quote(engine, AGENT, zone())  # an agent without update_passport


def test_expired_passport_and_one_already_recorded_change_nothing(engine, people):
    with pytest.raises(Refusal) as expired:
        quote(engine, OWNER, zone(expiry="261126"))  # the day before today (2026-11-27)
    assert expired.value.code == "passport_expired"
    assert "منتهي" in expired.value.message
    recorded = zone(
        surname="UDDIN", given="MOHAMMED RAHIM", number="Z1234567", nationality="IND", birth="880412", expiry="270105"
    )
    with pytest.raises(Refusal) as same:
        quote(engine, OWNER, recorded)
    assert same.value.code == "passport_already_recorded"
    with UnitOfWork(engine) as uow:
        assert uow.session.execute(select(func.count()).select_from(Transaction)).scalar_one() == 0


def test_a_photo_matching_two_residents_is_refused(engine, people):
    with UnitOfWork(engine) as uow:
        est = uow.session.execute(
            select(Resident.establishment_id).where(Resident.iqama_number == people["khan"])
        ).scalar_one()
        twin = f.resident(
            uow,
            uow.repo.establishment(est),
            name_en="Abdul Samad Khan",
            nationality="Pakistan",
            birth_date=date(1984, 11, 3),
            passport_number="AK2222222",
        )
        uow.commit()
        assert twin.iqama_number
    with pytest.raises(Refusal) as ambiguous:
        quote(engine, OWNER, zone())
    assert ambiguous.value.code == "passport_ambiguous"


def test_a_number_of_a_shape_the_rules_refuse_is_said_so(engine, people):
    # ICAO's own specimen number shape (letters inside): read and verified, but not a recordable number
    with pytest.raises(InvalidInput) as error:
        quote(engine, OWNER, zone(number="L898902C3"))
    assert error.value.code == "passport_number_shape"
    assert "L898902C3" in error.value.message


@pytest.mark.parametrize("written", ["IN", "IND", "India", "هندي"])
def test_a_resident_imported_with_an_iso_code_is_found_by_the_zones_nationality(engine, people, written):
    """Issue 24: a resident imported with nationality IN (stored as written then) was not found by a
    passport whose zone says IND. Imported now in its canonical form, matched by name, country and birth."""
    with UnitOfWork(engine) as uow:
        number = uow.repo.establishment(uow.repo.user_by_telegram_id(OWNER).establishment_id).number
    iqama = f.valid_iqama(901)
    values = {
        "iqama_number": iqama,
        "name_ar": "راجيش كومار",
        "name_en": "Rajesh Kumar",
        "nationality": written,
        "occupation": "نجار",
        "birth_date": "1990-06-15",
        "passport_number": "M1234567",
        "passport_expiry": "2027-03-01",
        "iqama_expiry": "2027-06-30",
        "location": "inside",
    }
    csv = ",".join(COLUMNS) + "\n" + ",".join(values.get(column, "") for column in COLUMNS) + "\n"
    with UnitOfWork(engine) as uow:
        assert import_residents(uow, number, csv.encode("utf-8")).imported == 1
    renewed = zone(surname="KUMAR", given="RAJESH", number="W7654321", nationality="IND", birth="900615")
    offered = quote(engine, OWNER, renewed)
    assert (offered.resident_iqama, offered.inputs["passport_number"]) == (iqama, "W7654321")
    with UnitOfWork(engine) as uow:
        assert uow.repo.resident_by_iqama_any(iqama).nationality == "الهند"


def test_a_row_recorded_before_with_a_code_or_another_spelling_is_matched_too(engine, people):
    """Rows stored as written before imports were canonical (IN, Germany's D, an English name) match."""
    with UnitOfWork(engine) as uow:
        uow.session.execute(
            select(Resident).where(Resident.iqama_number == people["uddin"])
        ).scalar_one().nationality = "IN"
        uow.commit()
    renewed = zone(surname="UDDIN", given="MOHAMMED RAHIM", number="Z7777777", nationality="IND", birth="880412")
    assert quote(engine, OWNER, renewed).resident_iqama == people["uddin"]
    with pytest.raises(NotFound):  # the same person with another country in the zone is nobody here
        quote(engine, OWNER, renewed.replace("IND", "BGD"))
