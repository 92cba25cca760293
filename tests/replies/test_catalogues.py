"""The reply catalogues are complete and in step with the code, and every reply text lives in them."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

import pytest

from replies import _, language, ngettext, reply_language, written_language

ROOT = Path(__file__).resolve().parents[2]
ARABIC = re.compile("[\u0600-\u06ff]")
# Data, not replies: the words the NLU matches, the demo's residents, names and nationality tables
# used for matching, the occupation titles (residency/occupations.yml holds their Arabic titles).
DATA_FILES = {
    "residency/administration/seed.py",
    "residency/nationalities.py",
    "residency/names.py",
    "actions/keywords.py",
    "residency/input_words.py",
}


def arabic_literals(path: Path) -> list[tuple[int, str]]:
    """Arabic string constants of a module, docstrings excepted."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docstrings.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and ARABIC.search(node.value)
    ]


def test_catalogues_are_in_step_with_the_code_and_every_id_has_arabic():
    run = subprocess.run([sys.executable, "scripts/catalogues.py", "--check"], cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


@pytest.mark.parametrize("folder", ["actions", "frontends", "runtime", "residency", "replies"])
def test_no_arabic_reply_text_outside_the_catalogues(folder):
    found = [
        f"{path.relative_to(ROOT)}:{line}: {text[:40]}"
        for path in sorted((ROOT / folder).rglob("*.py"))
        if str(path.relative_to(ROOT)) not in DATA_FILES
        for line, text in arabic_literals(path)
    ]
    assert found == []


def test_arabic_counts_take_the_right_plural_form():
    forms = "{n} month", "{n} months"
    with language("ar"):
        words = [ngettext(*forms, n).format(n=n) for n in (1, 2, 3, 10, 11, 99, 100)]
    with language("en"):
        english = [ngettext(*forms, n).format(n=n) for n in (1, 2, 11)]
    assert words == ["شهر واحد", "شهران", "3 أشهر", "10 أشهر", "11 شهرًا", "99 شهرًا", "100 شهر"]
    assert english == ["1 month", "2 months", "11 months"]


def test_arabic_is_the_default_and_english_is_chosen_by_the_user_or_the_message():
    assert _("Sorry, the database cannot be reached right now and nothing was done. Try again in a moment.").startswith(
        "عذرًا"
    )
    assert written_language("renew 2180967925 for a year") == "en"
    assert written_language("جدد اقامة Juan سنة") == "ar"
    assert written_language("2180967925") is None
    assert written_language('/affirm{"quote_id": "q1"}') is None
    assert reply_language(None, ["2180967925", "renew iqama", "جدد"]) == "en"
    assert reply_language("ar", ["renew iqama"]) == "ar"
    assert reply_language(None, []) == "ar"


def test_ok_a_number_or_an_emoji_keep_the_conversations_language():
    for neutral in ("ok", "OK", "Okay 👍", "hmm", "k", "👍", "3", "pdf"):
        assert written_language(neutral) is None, neutral
        assert reply_language(None, [neutral, "جدد اقامته سنة"]) == "ar"
    assert written_language("ok thanks") == "en"


@pytest.mark.parametrize(
    ("days", "arabic"),
    [
        (1, "الإقامات المنتهية أو التي تنتهي خلال يوم واحد"),
        (2, "الإقامات المنتهية أو التي تنتهي خلال يومين"),
        (7, "الإقامات المنتهية أو التي تنتهي خلال 7 أيام"),
        (30, "الإقامات المنتهية أو التي تنتهي خلال 30 يومًا"),
        (100, "الإقامات المنتهية أو التي تنتهي خلال 100 يوم"),
    ],
)
def test_a_count_inside_a_sentence_takes_its_arabic_form(days, arabic):
    forms = "Iqamas expired or expiring within {days} day", "Iqamas expired or expiring within {days} days"
    with language("ar"):
        assert ngettext(*forms, days).format(days=days) == arabic
    with language("en"):
        assert ngettext(*forms, days).format(days=days) == f"Iqamas expired or expiring within {days} day" + (
            "" if days == 1 else "s"
        )
