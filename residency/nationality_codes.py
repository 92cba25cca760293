"""ICAO 9303 three-letter codes of the nationalities an establishment records (Arabic or English
country name, as the CSV import stores them), for matching a passport's machine-readable zone.

`icao_code(text)` takes the recorded nationality in any spelling the names folding tolerates (hamza,
ة/ه, case) or the code itself; None for a country not listed here (such a resident can still be matched
by its recorded passport number).
"""

from __future__ import annotations

from functools import lru_cache

from residency.names import normalize_name

# code: names (Arabic first, then English)
COUNTRIES: dict[str, tuple[str, ...]] = {
    "IND": ("الهند", "هندي", "India", "Indian"),
    "PAK": ("باكستان", "باكستاني", "Pakistan", "Pakistani"),
    "BGD": ("بنغلاديش", "بنجلاديش", "بنغلاديشي", "Bangladesh", "Bangladeshi"),
    "EGY": ("مصر", "مصري", "Egypt", "Egyptian"),
    "PHL": ("الفلبين", "فلبيني", "Philippines", "Filipino"),
    "SDN": ("السودان", "سوداني", "Sudan", "Sudanese"),
    "YEM": ("اليمن", "يمني", "Yemen", "Yemeni"),
    "NPL": ("نيبال", "نيبالي", "Nepal", "Nepali"),
    "LKA": ("سريلانكا", "سريلانكي", "Sri Lanka", "Sri Lankan"),
    "IDN": ("إندونيسيا", "اندونيسي", "Indonesia", "Indonesian"),
    "JOR": ("الأردن", "أردني", "Jordan", "Jordanian"),
    "SYR": ("سوريا", "سوري", "Syria", "Syrian"),
    "LBN": ("لبنان", "لبناني", "Lebanon", "Lebanese"),
    "PSE": ("فلسطين", "فلسطيني", "Palestine", "Palestinian"),
    "IRQ": ("العراق", "عراقي", "Iraq", "Iraqi"),
    "MAR": ("المغرب", "مغربي", "Morocco", "Moroccan"),
    "TUN": ("تونس", "تونسي", "Tunisia", "Tunisian"),
    "DZA": ("الجزائر", "جزائري", "Algeria", "Algerian"),
    "LBY": ("ليبيا", "ليبي", "Libya", "Libyan"),
    "MRT": ("موريتانيا", "موريتاني", "Mauritania", "Mauritanian"),
    "SOM": ("الصومال", "صومالي", "Somalia", "Somali"),
    "ERI": ("إريتريا", "إرتيريا", "إريتري", "Eritrea", "Eritrean"),
    "ETH": ("إثيوبيا", "اثيوبي", "Ethiopia", "Ethiopian"),
    "KEN": ("كينيا", "كيني", "Kenya", "Kenyan"),
    "UGA": ("أوغندا", "أوغندي", "Uganda", "Ugandan"),
    "NGA": ("نيجيريا", "نيجيري", "Nigeria", "Nigerian"),
    "TCD": ("تشاد", "تشادي", "Chad", "Chadian"),
    "AFG": ("أفغانستان", "أفغاني", "Afghanistan", "Afghan"),
    "MMR": ("ميانمار", "بورما", "Myanmar", "Burmese"),
    "TUR": ("تركيا", "تركي", "Turkey", "Türkiye", "Turkish"),
    "CHN": ("الصين", "صيني", "China", "Chinese"),
    "VNM": ("فيتنام", "فيتنامي", "Vietnam", "Vietnamese"),
    "THA": ("تايلاند", "تايلندي", "Thailand", "Thai"),
    "GBR": ("المملكة المتحدة", "بريطانيا", "بريطاني", "United Kingdom", "British"),
    "USA": ("الولايات المتحدة", "أمريكا", "أمريكي", "United States", "American"),
    "CAN": ("كندا", "كندي", "Canada", "Canadian"),
}


@lru_cache(maxsize=1)
def _by_name() -> dict[str, str]:
    table = {}
    for code, names in COUNTRIES.items():
        table[normalize_name(code)] = code
        for name in names:
            table[normalize_name(name)] = code
    return table


def icao_code(nationality: str) -> str | None:
    """The ICAO code of a recorded nationality (see the module docstring), else None."""
    return _by_name().get(normalize_name(nationality or ""))
