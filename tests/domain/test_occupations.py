"""The occupation classification (residency/occupations.yml): its shape, and tolerant matching."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from residency import occupations

from residency.administration import seed
from residency.errors import InvalidInput
from residency.occupations import load_raw, normalize_occupation, resolve
from residency.rules import domestic_occupations
from residency.rules import occupations as rule_occupations

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {"code", "ar", "en", "ar_aliases", "en_aliases", "domestic", "saudi_only"}
# Every occupation the code, the demo seed, the sample file and the tests used before the classification.
PREVIOUS = [
    "سائق خاص",
    "عاملة منزلية",
    "عامل منزلي",
    "طباخ منزلي",
    "حارس منزل",
    "مربية أطفال",
    "مزارع منزلي",
    "محاسب",
    "مدقق حسابات",
    "مهندس مدني",
    "مهندس كهربائي",
    "مهندس ميكانيكي",
    "مهندس معماري",
    "مهندس برمجيات",
    "مبرمج",
    "فني شبكات",
    "محلل نظم",
    "فني كهرباء",
    "فني تكييف",
    "فني صيانة",
    "ميكانيكي سيارات",
    "كهربائي سيارات",
    "سباك",
    "نجار",
    "حداد",
    "لحام",
    "دهان",
    "بناء",
    "مليس",
    "عامل",
    "عامل نظافة",
    "حارس أمن",
    "سائق شاحنة",
    "سائق حافلة",
    "سائق معدات ثقيلة",
    "سائق توصيل",
    "طباخ",
    "مشرف",
    "مشرف موقع",
    "مدير مشروع",
    "مدير مبيعات",
    "مندوب مبيعات",
    "بائع",
    "كاشير",
    "أمين مستودع",
    "سكرتير",
    "مترجم",
    "أخصائي موارد بشرية",
    "ممرض",
    "طبيب",
    "صيدلي",
    "معلم",
    "حلاق",
    "خياط",
    "مزارع",
    "راعي أغنام",
]
PREVIOUS_DOMESTIC = {"سائق خاص", "عاملة منزلية", "عامل منزلي", "طباخ منزلي", "حارس منزل", "مربية أطفال", "مزارع منزلي"}


def test_every_entry_has_its_fields_and_a_four_digit_isco_code():
    entries = load_raw()
    assert len(entries) >= 300
    for entry in entries:
        assert set(entry) == FIELDS, entry
        assert re.fullmatch(r"[1-9]\d{3}", entry["code"]), entry
        assert re.search("[\u0621-\u064a]", entry["ar"]) and entry["en"].isascii(), entry
        assert all(isinstance(a, str) and a.strip() for a in entry["ar_aliases"] + entry["en_aliases"]), entry
        assert all(a.isascii() for a in entry["en_aliases"]), entry
        assert isinstance(entry["domestic"], bool) and isinstance(entry["saudi_only"], bool), entry
        assert not (entry["domestic"] and entry["saudi_only"]), entry


def test_titles_and_aliases_are_unique_after_normalisation():
    owner: dict[str, str] = {}
    for entry in load_raw():
        own: set[str] = set()
        for name in [entry["ar"], entry["en"], *entry["ar_aliases"], *entry["en_aliases"]]:
            key = normalize_occupation(name)
            assert key, name
            assert owner.setdefault(key, entry["ar"]) == entry["ar"], f"{name!r}: {entry['ar']} and {owner[key]}"
            own.add(key)


def test_everything_used_before_is_in_the_classification():
    titles = set(rule_occupations())
    assert set(PREVIOUS) <= titles
    assert PREVIOUS_DOMESTIC <= domestic_occupations()
    demo = set(seed.FEMALE_DOMESTIC + seed.MALE_DOMESTIC + seed.CONTRACTING + seed.MAINTENANCE) | seed.DRIVING
    assert demo <= titles
    sample = (ROOT / "docs" / "sample_residents.csv").read_text(encoding="utf-8-sig").splitlines()
    column = sample[0].split(",").index("occupation")
    assert {line.split(",")[column] for line in sample[1:] if line} <= titles


def test_rules_yml_no_longer_lists_occupations():
    rules = yaml.safe_load((ROOT / "residency" / "rules.yml").read_text(encoding="utf-8"))
    assert "occupations" not in rules and "domestic_occupations" not in rules


def test_domestic_and_saudi_only_flags():
    entries = {e.ar: e for e in occupations.classification().entries}
    assert domestic_occupations() == {t for t, e in entries.items() if e.domestic}
    assert {"مدبرة منزل", "ممرض منزلي"} <= domestic_occupations()
    reserved = {t for t, e in entries.items() if e.saudi_only}
    assert {
        "مدير موارد بشرية",
        "أخصائي موارد بشرية",
        "موظف استقبال",
        "كاشير",
        "حارس أمن",
        "مخلص جمركي",
        "أخصائي توظيف",
    } <= reserved
    assert "محاسب" not in reserved


@pytest.mark.parametrize(
    "written, title",
    [
        ("عامل بناء", "عامل بناء"),
        ("عامل مبانى", "عامل بناء"),
        ("كهربائي", "فني كهرباء"),
        ("كهربجي", "فني كهرباء"),
        ("الكهربائى", "فني كهرباء"),
        ("سواق خاص", "سائق خاص"),
        ("سايق خاص", "سائق خاص"),
        ("خدامة", "عاملة منزلية"),
        ("عاملة منزليه", "عاملة منزلية"),
        ("المهندس المدنى", "مهندس مدني"),
        ("نقاش", "دهان"),
        ("Electrician", "فني كهرباء"),
        ("civil engineer", "مهندس مدني"),
        ("محاسيب", "محاسب"),  # a clear typo
        ("نجاار", "نجار"),
    ],
)
def test_titles_aliases_and_clear_typos_resolve_to_the_canonical_title(written, title):
    assert resolve(written).ar == title


@pytest.mark.parametrize(
    "written, code, first",
    [
        ("مهندس", "ambiguous_occupation", ["مهندس مدني", "مهندس كهربائي", "مهندس ميكانيكي"]),
        ("سائق", "ambiguous_occupation", ["سائق خاص", "سائق شاحنة", "سائق حافلة"]),
        ("سباك صحى بلاط", "unknown_occupation", None),
    ],
)
def test_unsure_matches_raise_with_up_to_five_suggestions(written, code, first):
    with pytest.raises(InvalidInput) as err:
        resolve(written)
    assert err.value.code == code
    suggestions = err.value.details["suggestions"]
    assert 1 <= len(suggestions) <= 5 and set(suggestions) <= set(rule_occupations())
    if first:
        assert suggestions[:3] == first
    assert all(s in err.value.message for s in suggestions)


def test_nothing_close_is_unknown_without_suggestions():
    with pytest.raises(InvalidInput) as err:
        resolve("رائد فضاء")
    assert err.value.code == "unknown_occupation" and err.value.details["suggestions"] == []
    assert err.value.message == (
        "المهنة «رائد فضاء» ليست في تصنيف المهن. اكتب المسمى المهني كما في التصنيف، مثل: "
        "فني كهرباء أو سائق شاحنة أو محاسب."
    )


def test_answers_in_english_name_the_english_titles():
    from replies import language

    with language("en"), pytest.raises(InvalidInput) as unknown:
        resolve("astronaut")
    assert unknown.value.message == (
        "The occupation «astronaut» is not in the classification of occupations. Write the job title as the "
        "classification names it, e.g. Electrician or Heavy truck driver or Accountant."
    )
    with language("en"), pytest.raises(InvalidInput) as ambiguous:
        resolve("سائق")
    assert ambiguous.value.details["suggestions"][:2] == ["سائق خاص", "سائق شاحنة"]  # stored titles stay Arabic
    assert ambiguous.value.message.startswith(
        "The occupation «سائق» could be more than one occupation of the classification. Choose the one you mean: "
        "Private driver, Heavy truck driver, "
    )
    assert ambiguous.value.message.endswith(", or write the full title.")
