"""CSV import of residents: good rows import, each bad row is reported by line number and imports nothing;
an occupation is never a reason to reject a row (canonical when known, as written and a warning otherwise)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from residency.administration import csv_import
from residency.administration.csv_import import COLUMNS, import_residents
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal
from residency.models import DrivingLicence, Resident
from residency.names import name_key_for
from tests.domain import factories as f

HEADER = ",".join(COLUMNS)
SAMPLE = Path(__file__).resolve().parents[2] / "docs" / "sample_residents.csv"
GOOD, OTHER, ARABIC_DIGITS, TAKEN, ASTRONAUT = (f.valid_iqama(seed) for seed in (101, 102, 103, 104, 105))


def row(
    iqama,
    name_ar="محمد رحيم الدين",
    nationality="الهند",
    name_en="Mohammed Rahim Uddin",
    occupation="فني كهرباء",
    location="inside",
    dependants="0",
    birth="1988-04-12",
    iqama_expiry="2027-06-30",
    licence=("", "", ""),
):
    return ",".join(
        [
            iqama,
            name_ar,
            name_en,
            nationality,
            occupation,
            birth,
            "M4821937",
            "2031-05-09",
            iqama_expiry,
            location,
            dependants,
            "2019-09-01",
            *licence,
        ]
    )


@pytest.fixture
def numbers(engine):
    """The importing establishment and another one that already has resident TAKEN."""
    with UnitOfWork(engine) as uow:
        est = f.establishment(uow, number="7000000101", expat_count=1)
        other = f.establishment(uow, number="7000000202")
        f.resident(uow, other, iqama_number=TAKEN)
        uow.commit()
        return est.number, other.number


def run(data: bytes | Path, number: str):
    with UnitOfWork() as uow:
        return import_residents(uow, number, data)


def residents_of(number: str) -> dict[str, Resident]:
    with UnitOfWork() as uow:
        found = uow.session.execute(select(Resident).where(Resident.establishment.has(number=number))).scalars().all()
        for r in found:
            r.licence
        uow.session.expunge_all()
        return {r.iqama_number: r for r in found}


def test_mixed_file_reports_bad_rows_by_line_and_imports_the_rest(numbers):
    number, _ = numbers
    bad_check = GOOD[:-1] + str((int(GOOD[-1]) + 1) % 10)
    lines = [
        HEADER,
        row(GOOD, licence=("خاصة", GOOD, "2028-01-31")),  # 2
        row(bad_check),  # 3
        row(
            "٢" + ARABIC_DIGITS[1:],
            name_ar="نيروشا بيريرا",
            name_en="Nirosha Perera",
            occupation="عاملة منزليه",
            location="خارج",
            dependants="٢",
        ),  # 4
        row(GOOD, name_ar="شخص آخر", name_en="Someone Else"),  # 5: duplicate of line 2
        row(TAKEN),  # 6: another establishment's resident
        row(ASTRONAUT, occupation="رائد فضاء"),  # 7: imported as written, with a warning
        row(OTHER, iqama_expiry="2027-02-30"),  # 8
        ",".join(row(OTHER).split(",")[:-2]),  # 9: two columns short
        row(OTHER, location="بالخارج"),  # 10
        row(OTHER, licence=("خاصة", "", "2028-01-31")),  # 11
        "",  # 12: blank lines are skipped
        row(OTHER, name_ar="Mohammed"),  # 13
        row(OTHER, birth="2030-01-01"),  # 14
        row(OTHER, dependants="two"),  # 15
        row(OTHER),  # 16: good
    ]
    data = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")
    result = run(data, number)

    assert result.imported == 4
    reasons = {e.line: e.reason for e in result.rejected}
    assert sorted(reasons) == [3, 5, 6, 8, 9, 10, 11, 13, 14, 15]
    assert [(w.line, w.reason) for w in result.warnings] == [
        (7, "المهنة «رائد فضاء» ليست في تصنيف المهن (not in the classification)؛ خُزّنت كما كُتبت")
    ]
    assert "رقم التحقق" in reasons[3]
    assert "مكرر في الملف" in reasons[5] and "السطر 2" in reasons[5]
    assert "مسجّل من قبل" in reasons[6]
    assert "iqama_expiry" in reasons[8] and "2027-02-30" in reasons[8]
    assert "عدد الأعمدة 13" in reasons[9]
    assert "الموقع" in reasons[10]
    assert "license_number" in reasons[11]
    assert "الاسم العربي" in reasons[13]
    assert "الميلاد" in reasons[14]
    assert "المرافقين" in reasons[15]

    imported = residents_of(number)
    assert set(imported) == {GOOD, ARABIC_DIGITS, OTHER, ASTRONAUT}
    assert imported[ASTRONAUT].occupation == "رائد فضاء"
    first = imported[GOOD]
    assert (first.name_ar, first.occupation, first.passport_expiry) == (
        "محمد رحيم الدين",
        "فني كهرباء",
        date(2031, 5, 9),
    )
    assert first.name_key == name_key_for(first.name_ar, first.name_en)
    assert (first.licence.licence_type, first.licence.number, first.licence.expiry) == ("خاصة", GOOD, date(2028, 1, 31))
    second = imported[ARABIC_DIGITS]
    assert (second.occupation, second.location, second.dependants, second.licence) == (
        "عاملة منزلية",
        "outside",
        2,
        None,
    )
    with UnitOfWork() as uow:
        assert uow.repo.establishment_by_number(number).expat_count == 4
        assert uow.repo.resident_by_iqama_any(TAKEN).establishment.number == numbers[1]


def test_header_in_another_order_imports(numbers):
    number, _ = numbers
    columns = list(reversed(COLUMNS))
    values = dict(zip(COLUMNS, row(GOOD).split(",")))
    data = (",".join(columns) + "\n" + ",".join(values[c] for c in columns) + "\n").encode()
    assert run(data, number).imported == 1
    assert residents_of(number)[GOOD].occupation == "فني كهرباء"


@pytest.mark.parametrize(
    "data, code",
    [
        (HEADER.replace("hire_date,", "").encode() + b"\n", "csv_bad_header"),
        ((HEADER + ",salary\n").encode(), "csv_bad_header"),
        (b"", "csv_empty"),
        ((HEADER + "\n" + row(GOOD) + "\n").encode("cp1256"), "csv_not_utf8"),
        ((HEADER + '\n"unterminated,' + "\n").encode(), "csv_unreadable"),
    ],
)
def test_unusable_files_import_nothing(numbers, data, code):
    with pytest.raises(InvalidInput) as err:
        run(data, numbers[0])
    assert err.value.code == code and err.value.message
    assert residents_of(numbers[0]) == {}


def test_missing_file_and_unknown_establishment(numbers, tmp_path):
    with pytest.raises(InvalidInput) as err:
        run(tmp_path / "nothing.csv", numbers[0])
    assert err.value.code == "csv_unreadable"
    with pytest.raises(NotFound):
        run(SAMPLE, "7999999999")


def test_sample_file_imports_cleanly_and_twice_is_refused(numbers):
    number, _ = numbers
    first = run(SAMPLE, number)
    assert (first.imported, first.rejected) == (5, [])
    with UnitOfWork() as uow:
        assert len(uow.session.execute(select(DrivingLicence.id)).all()) == 1
    again = run(SAMPLE, number)
    assert again.imported == 0 and [e.line for e in again.rejected] == [2, 3, 4, 5, 6]


def test_expat_count_never_lowered(numbers, engine):
    number, _ = numbers
    with UnitOfWork(engine) as uow:
        uow.repo.establishment_by_number(number).expat_count = 40
        uow.commit()
    run(SAMPLE, number)
    with UnitOfWork(engine) as uow:
        assert uow.repo.establishment_by_number(number).expat_count == 40


def test_iqama_taken_after_the_check_imports_nothing(numbers, monkeypatch):
    """A concurrent writer taking an iqama between the check and the insert (simulated by skipping the
    check) makes the whole import refuse, with nothing written."""
    monkeypatch.setattr(csv_import, "_iqamas_in_database", lambda uow, iqamas: set())
    data = (HEADER + "\n" + row(GOOD) + "\n" + row(TAKEN) + "\n").encode()
    with pytest.raises(Refusal) as err:
        run(data, numbers[0])
    assert err.value.code == "import_conflict"
    assert residents_of(numbers[0]) == {}


def test_invisible_and_direction_characters_are_stripped_from_every_field(numbers):
    """A name exported with RIGHT-TO-LEFT OVERRIDE, an RLM in the iqama number, a zero-width space in
    the nationality: stored without them (they would reverse report lines or split numbers)."""
    number, _ = numbers
    fields = row(
        GOOD[:4] + "\u200f" + GOOD[4:],
        name_ar="\u202eمحمد رحيم\u200b الدين",
        name_en="Mohammed\u202c Rahim",
        location="\u200einside",
        licence=("\u202bخاصة", GOOD[:5] + "\u200b" + GOOD[5:], "2028-01-31\u200f"),
    ).split(",")
    fields[3] = "الهند\u200b"  # nationality
    header = ",".join(COLUMNS).replace("name_ar", "\ufeffname_ar\u200f")
    result = run((header + "\n" + ",".join(fields) + "\n").encode(), number)
    assert (result.imported, result.rejected) == (1, [])
    stored = residents_of(number)[GOOD]
    assert (stored.name_ar, stored.name_en, stored.nationality, stored.location) == (
        "محمد رحيم الدين",
        "Mohammed Rahim",
        "الهند",
        "inside",
    )
    assert (stored.licence.licence_type, stored.licence.number) == ("خاصة", GOOD)
    assert stored.name_key == name_key_for("محمد رحيم الدين", "Mohammed Rahim")


def test_occupations_are_never_a_reason_to_reject(numbers):
    """Aliases are stored in their canonical title; unknown occupations as written, each a warning
    with its line number; the summary counts the warnings."""
    number, _ = numbers
    iqamas = [f.valid_iqama(seed) for seed in range(201, 209)]
    written = [
        "عامل بناء",
        "كهربائي",
        "سواق خاص",
        "خدامة",
        "المهندس المدنى",
        "مشغل طائرة درون",
        "رائد فضاء",
        "فني كهرباء",
    ]
    lines = [HEADER] + [row(iqama, occupation=occupation) for iqama, occupation in zip(iqamas, written)]
    result = run(("\n".join(lines) + "\n").encode("utf-8"), number)
    assert (result.imported, result.rejected) == (8, [])
    assert [w.line for w in result.warnings] == [7, 8]
    assert all("not in the classification" in w.reason for w in result.warnings)
    assert "مشغل طائرة درون" in result.warnings[0].reason and "رائد فضاء" in result.warnings[1].reason
    assert result.summary() == "استُورد 8 ورُفض 0 مع 2 تنبيه (imported 8, rejected 0, warnings 2)"
    stored = {iqama: r.occupation for iqama, r in residents_of(number).items()}
    assert [stored[i] for i in iqamas] == [
        "عامل بناء",
        "فني كهرباء",
        "سائق خاص",
        "عاملة منزلية",
        "مهندس مدني",
        "مشغل طائرة درون",
        "رائد فضاء",
        "فني كهرباء",
    ]


def test_a_warning_is_not_given_for_a_rejected_row(numbers):
    number, _ = numbers
    lines = [HEADER, row(GOOD, occupation="رائد فضاء", birth="2030-01-01")]
    result = run(("\n".join(lines) + "\n").encode("utf-8"), number)
    assert (result.imported, [e.line for e in result.rejected], result.warnings) == (0, [2], [])


def test_the_reasons_are_in_the_reply_language(numbers):
    from replies import language

    number, _other = numbers
    lines = [HEADER, row(GOOD, location="north"), row(OTHER) + ",extra", row(ASTRONAUT, occupation="رائد فضاء")]
    with language("en"):
        result = run(("\n".join(lines) + "\n").encode("utf-8"), number)
        summary = result.summary()
        with pytest.raises(InvalidInput) as bad_header:
            run(b"iqama_number,name\n", number)
    assert [(e.line, e.reason) for e in result.rejected] == [
        (2, "The location «north» is wrong; it is inside or outside"),
        (3, "16 columns where 15 are needed"),
    ]
    assert [w.reason for w in result.warnings] == [
        "The occupation «رائد فضاء» is not in the classification; stored as written"
    ]
    assert summary == "Imported 1, rejected 2, warnings 1"
    assert bad_header.value.message.startswith("The header row is wrong (missing columns: name_ar, name_en,")
    assert "; unknown columns: name). The columns needed: iqama_number,name_ar," in bad_header.value.message


def test_values_out_of_their_columns_bounds_reject_their_row_and_the_good_rows_import(numbers):
    """SPEC 10.5 on SQLite and PostgreSQL alike: a name longer than its column, a 20-digit dependants count,
    a date outside 1900-2100 each reject their own row (line and reason); the rows at the bounds import."""
    number, _ = numbers
    iqamas = [f.valid_iqama(seed) for seed in range(301, 315)]
    lines = [
        HEADER,
        row(iqamas[0], name_ar="م" * 300),  # 2
        row(iqamas[1], name_en="M" * 300),  # 3
        row(iqamas[2], dependants="99999999999999999999"),  # 4
        row(iqamas[3], dependants="31"),  # 5
        row(iqamas[4], iqama_expiry="9999-12-31"),  # 6
        row(iqamas[5], birth="1899-12-31"),  # 7
        row(iqamas[6], iqama_expiry="2101-01-01"),  # 8
        row(iqamas[7], licence=("خ" * 41, "123", "2028-01-31")),  # 9
        row(iqamas[8], licence=("خاصة", "1" * 21, "2028-01-31")),  # 10
        row(iqamas[9], occupation="ع" * 101),  # 11
        # At the bounds: imported.
        row(iqamas[10], name_ar="م" * 200, name_en="M" * 200, dependants="30"),  # 12
        row(iqamas[11], birth="1900-01-01", iqama_expiry="2100-12-31", licence=("خ" * 40, "1" * 20, "2100-12-31")),
        row(iqamas[12], occupation="ع" * 100),  # 14: imported as written, with a warning
        row(iqamas[13]),  # 15
    ]
    result = run(("\n".join(lines) + "\n").encode("utf-8"), number)
    out_of_range = "خارج السنوات التي يقبلها النظام (من 1900 إلى 2100). تحقق من التاريخ واكتبه من جديد، مثل 2026-11-27."
    assert [(e.line, e.reason) for e in result.rejected] == [
        (2, "عدد أحرف القيمة في العمود name_ar هو 300، وأقصى ما يتسع له العمود 200"),
        (3, "عدد أحرف القيمة في العمود name_en هو 300، وأقصى ما يتسع له العمود 200"),
        (4, "عدد المرافقين «99999999999999999999» ليس عددًا صحيحًا من 0 إلى 30"),
        (5, "عدد المرافقين «31» ليس عددًا صحيحًا من 0 إلى 30"),
        (6, f"تاريخ غير صحيح في العمود iqama_expiry: «9999-12-31». التاريخ 9999-12-31 {out_of_range}"),
        (7, f"تاريخ غير صحيح في العمود birth_date: «1899-12-31». التاريخ 1899-12-31 {out_of_range}"),
        (8, f"تاريخ غير صحيح في العمود iqama_expiry: «2101-01-01». التاريخ 2101-01-01 {out_of_range}"),
        (9, "عدد أحرف القيمة في العمود license_type هو 41، وأقصى ما يتسع له العمود 40"),
        (10, "عدد أحرف القيمة في العمود license_number هو 21، وأقصى ما يتسع له العمود 20"),
        (11, "عدد أحرف القيمة في العمود occupation هو 101، وأقصى ما يتسع له العمود 100"),
    ]
    assert (result.imported, [w.line for w in result.warnings]) == (4, [14])
    stored = residents_of(number)
    assert sorted(stored) == sorted(iqamas[10:])
    at_bounds = stored[iqamas[10]]
    assert (len(at_bounds.name_ar), len(at_bounds.name_en), at_bounds.dependants) == (200, 200, 30)
    assert (stored[iqamas[11]].birth_date, stored[iqamas[11]].iqama_expiry) == (date(1900, 1, 1), date(2100, 12, 31))
    assert stored[iqamas[12]].occupation == "ع" * 100


def test_a_name_whose_search_key_would_outgrow_its_column_is_stored_with_the_key_cut(numbers):
    """NFKC turns one presentation-form ligature (U+FDFA) into 18 letters: 200 of them would make a search
    key of 3600 characters in a column of 400 (PostgreSQL refuses it, aborting the import)."""
    number, _ = numbers
    name = "محمد " + "\ufdfa" * 195
    result = run((HEADER + "\n" + row(GOOD, name_ar=name) + "\n").encode("utf-8"), number)
    assert (result.imported, result.rejected) == (1, [])
    stored = residents_of(number)[GOOD]
    assert stored.name_ar == name and len(stored.name_key) == 400 and stored.name_key.startswith("محمد صلي")


def test_the_nationality_is_stored_in_one_canonical_form_and_an_unknown_country_rejects_its_row(numbers):
    """SPEC 10.5: an ISO 3166 alpha-2 or alpha-3 code, the Arabic or English name, or a demonym -> the
    country's Arabic name (residency.nationalities)."""
    number, _ = numbers
    written = ["IN", "pak", "Bangladesh", "فلبينية", "Sudanese", "مصر", "TR", "المريخ"]
    iqamas = [f.valid_iqama(seed) for seed in range(401, 401 + len(written))]
    lines = [HEADER] + [row(iqama, nationality=nationality) for iqama, nationality in zip(iqamas, written)]
    result = run(("\n".join(lines) + "\n").encode("utf-8"), number)
    assert [(e.line, e.reason) for e in result.rejected] == [
        (
            9,
            "الجنسية «المريخ» ليست دولة أعرفها: اكتب رمزها الدولي (مثل IN أو IND)، أو اسم الدولة بالعربية أو "
            "بالإنجليزية",
        )
    ]
    stored = residents_of(number)
    assert [stored[iqama].nationality for iqama in iqamas[:-1]] == [
        "الهند",
        "باكستان",
        "بنغلاديش",
        "الفلبين",
        "السودان",
        "مصر",
        "تركيا",
    ]
