"""Nationalities from the country library (pycountry) with the demonyms beside it as data
(residency/nationalities.yml): every way of writing a country finds it, and it is stored as one canonical
Arabic name."""

from __future__ import annotations

import pytest

from residency import nationalities
from residency.names import is_arabic


@pytest.mark.parametrize(
    "written",
    ["IN", "in", "IND", "India", "Republic of India", "الهند", "الهنـد", "هندي", "هندية", "Indian", " INDIAN "],
)
def test_every_form_of_india_is_stored_as_its_arabic_name(written):
    assert nationalities.canonical(written) == "الهند"
    assert nationalities.find(written).alpha_3 == "IND"


@pytest.mark.parametrize(
    "written,stored",
    [
        ("PK", "باكستان"),
        ("باكستاني", "باكستان"),
        ("BGD", "بنغلاديش"),  # the usual short name (the library writes «بنغلادش»)
        ("بنغلادش", "بنغلاديش"),
        ("بنجلاديشية", "بنغلاديش"),
        ("Philippines", "الفلبين"),  # the library's «الفلبّين», its vowel marks left out
        ("Filipina", "الفلبين"),
        ("السّودان", "السودان"),
        ("Sudanese", "السودان"),
        ("جنوب سودانية", "جنوب السودان"),
        ("Syrian Arab Republic", "سوريا"),  # the library's Arabic is the long official form
        ("الجمهورية العربية السورية", "سوريا"),
        ("TUR", "تركيا"),  # the library has no Arabic name for Türkiye
        ("Türkiye", "تركيا"),
        ("Turkey", "تركيا"),
        ("Viet Nam", "فيتنام"),
        ("كورية جنوبية", "كوريا الجنوبية"),
        ("Egyptian", "مصر"),
        ("إثيوبيا", "إثيوبيا"),
        ("اثيوبي", "إثيوبيا"),
        ("Kenya", "كينيا"),  # no demonym in the data: the library's names and codes still work
        ("KE", "كينيا"),
    ],
)
def test_codes_names_and_demonyms_give_one_canonical_form(written, stored):
    assert nationalities.canonical(written) == stored


@pytest.mark.parametrize("written", ["المريخ", "Martian", "XX", "", None, "2", "هندي باكستاني"])
def test_anything_else_is_no_country(written):
    assert nationalities.find(written) is None and nationalities.canonical(written) is None


def test_every_country_of_the_library_has_an_arabic_name_that_fits_the_column():
    countries = nationalities.countries()
    assert len(countries) == 249
    assert [c.alpha_3 for c in countries if not is_arabic(c.ar)] == []
    assert max(len(c.ar) for c in countries) <= 60  # models.Resident.nationality
    assert len({c.ar for c in countries}) == 249  # one canonical name names one country


def test_the_passport_zones_codes_name_the_same_country():
    assert nationalities.same_country("الهند", "IND") and nationalities.same_country("IN", "IND")
    assert nationalities.same_country("ألمانيا", "D")  # ICAO 9303: Germany is D in a zone
    assert nationalities.same_country("بريطاني", "GBD") and nationalities.same_country("UK", "GBR")
    assert not nationalities.same_country("باكستان", "IND")
    assert not nationalities.same_country(None, "IND") and not nationalities.same_country("المريخ", "MAR")
