"""nlu.arabizi: which messages are Arabizi, how their words are spelt in Arabic letters, and the
tokenizer's Arabizi tokens (Arabic text, offsets into what the user wrote, numbers kept)."""

import pytest

from nlu.arabizi import is_arabizi, is_spelt_word, to_arabic
from nlu.normalize import normalize
from nlu.tokenizer import ArabicTokenizer
from tests.nlu.support import message


@pytest.mark.parametrize(
    ("word", "arabic"),
    [
        ("tajdeed", "تجديد"),
        ("5orooj", "خروج"),
        ("3awda", "عوده"),
        ("sana", "سنه"),
        ("shahrain", "شهرين"),
        ("jadded", "جدد"),
        ("mo7ammed", "محمد"),
        ("ta2sheerat", "تاشيرت"),
        ("kafala", "كفله"),
    ],
)
def test_words_are_spelt_in_arabic_letters(word, arabic):
    assert to_arabic(word) == arabic


@pytest.mark.parametrize(
    "text",
    ["tajdeed e8ama 2638205519 plz", "abgha ajadded eqamat 2526018151 sanah", "kam rasidna", "shokran 7abibi"],
)
def test_arabizi_messages(text):
    assert is_arabizi(normalize(text))


@pytest.mark.parametrize(
    "text",
    [
        "naql kafala of 2472209916 to establishment 7004518823",  # Arabic words in an English sentence
        "FE for 2526018151, he is leaving for good",
        "pls renew iqama 2180967925 1 yr",
        "iqama exp list",
        "ابي اجدد iqama لـ 2180967925",
        "2180967925",
    ],
)
def test_english_arabic_and_numbers_are_not_arabizi(text):
    assert not is_arabizi(normalize(text))


@pytest.mark.parametrize(("word", "spelt"), [("e8ama", True), ("2180967925", False), ("a1234567", False), ("6", False)])
def test_numbers_and_identifiers_stay_as_they_are(word, spelt):
    assert is_spelt_word(word) is spelt


def test_tokens_of_an_arabizi_message_are_arabic_with_original_offsets():
    text = "Tajdeed E8ama 2638205519 6 shhor"
    tokens = ArabicTokenizer({}).tokenize(message(text), "text")
    assert [(t.text, text[t.start : t.end]) for t in tokens] == [
        ("تجديد", "Tajdeed"),
        ("اقمه", "E8ama"),
        ("2638205519", "2638205519"),
        ("6", "6"),
        ("شهر", "shhor"),
    ]


def test_english_tokens_stay_latin_and_the_step_can_be_turned_off():
    assert [t.text for t in ArabicTokenizer({}).tokenize(message("pls renew 2638205519"), "text")] == [
        "pls",
        "renew",
        "2638205519",
    ]
    off = ArabicTokenizer({"spell_arabizi": False}).tokenize(message("tajdeed e8ama"), "text")
    assert [t.text for t in off] == ["tajdeed", "e8ama"]
