"""Nationalities from a maintained country library: ISO 3166 countries from pycountry (alpha-2 and alpha-3
codes, English names, Arabic names from its translations), with what it does not have kept as data beside
it in residency/nationalities.yml (demonyms, the usual Arabic short names, other spellings, the passport
zone's own codes).

The canonical stored form of a nationality (SPEC 10.5) is the country's Arabic name, `Country.ar`: the
library's Arabic name without its vowel marks («السّودان» -> «السودان»), or the usual short name the data
file gives where the library's is an official long form, an inverted «X، Y» translation, an old name or
missing («الجمهورية العربية السورية» -> «سوريا», Türkiye -> «تركيا»). Arabic, because the establishment's
records are Arabic (the demo data; documents show it as stored, English replies the country's English
name, residency/presentation/texts.py shown_nationality).

`find(text)` is the country an ISO code, an Arabic or English name (the library's name, common and
official names, the data file's), a demonym (هندي، هندية، Indian) or a passport zone's code names, in any
spelling the names folding tolerates (hamza, ة/ه, vowel marks, case); None for anything else.
`canonical(text)` is its stored form; `same_country(recorded, zone_code)` matches a recorded nationality
(stored in any of those forms, old rows too) with a passport zone's nationality code (IND, D for Germany).
"""

from __future__ import annotations

import gettext
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import pycountry
import yaml

from residency.names import normalize_name

DATA_PATH = Path(__file__).with_name("nationalities.yml")
FEMININE_ENDING = "ة"  # taa marbuta: هندي -> هندية
NISBA_ENDING = "ي"  # yaa of the nisba adjective


@dataclass(frozen=True)
class Country:
    alpha_2: str
    alpha_3: str
    name: str  # English (the library's)
    ar: str  # Arabic: the canonical stored form


def _without_marks(text: str) -> str:
    return "".join(char for char in text if unicodedata.category(char) != "Mn")


def _feminine(demonym: str) -> str:
    """The feminine of an Arabic nisba demonym: each word in ي takes ة ("كوري جنوبي" -> "كورية جنوبية")."""
    return " ".join(word + FEMININE_ENDING if word.endswith(NISBA_ENDING) else word for word in demonym.split())


def _names(country, extra: dict, arabic: gettext.NullTranslations) -> list[str]:
    """Every name `country` is found by: codes, the library's names (English and Arabic), the data's."""
    english = [getattr(country, key, None) for key in ("name", "common_name", "official_name")]
    library = [name for name in english if name]
    demonyms = extra.get("demonyms", [])
    return [
        country.alpha_2,
        country.alpha_3,
        *library,
        *(arabic.gettext(name) for name in library),
        *extra.get("also", []),
        *extra.get("icao", []),
        *([extra["ar"]] if "ar" in extra else []),
        *demonyms,
        *(_feminine(d) for d in demonyms if d.endswith(NISBA_ENDING)),
    ]


@lru_cache(maxsize=1)
def _table() -> dict[str, Country]:
    """Normalised name -> Country; ValueError when one name would name two countries."""
    data = yaml.safe_load(DATA_PATH.read_text(encoding="utf-8"))
    arabic = gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["ar"])
    table: dict[str, Country] = {}
    for country in pycountry.countries:
        extra = data.get(country.alpha_3, {})
        found = Country(
            country.alpha_2,
            country.alpha_3,
            country.name,
            extra.get("ar") or _without_marks(arabic.gettext(country.name)),
        )
        for name in _names(country, extra, arabic):
            key = normalize_name(name)
            if table.setdefault(key, found) != found:
                raise ValueError(f"{name!r} names both {table[key].alpha_3} and {found.alpha_3}")
    return table


def countries() -> list[Country]:
    """Every country of the library, once each, by alpha-3 code."""
    return sorted(set(_table().values()), key=lambda country: country.alpha_3)


def find(text: str | None) -> Country | None:
    """The country `text` names (see the module docstring), else None."""
    return _table().get(normalize_name(text or ""))


def canonical(text: str | None) -> str | None:
    """The stored form (the Arabic name) of the nationality `text` names, else None."""
    country = find(text)
    return country.ar if country else None


def same_country(recorded: str | None, zone_code: str) -> bool:
    """Whether a recorded nationality and a passport zone's nationality code name the same country."""
    country = find(recorded)
    return country is not None and country == find(zone_code)
