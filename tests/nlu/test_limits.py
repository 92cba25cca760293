"""message_too_long: long chatter is refused, long lists of identifiers are not."""

import pytest

from nlu.limits import (
    MAX_CHARACTERS,
    MAX_CHARACTERS_WITHOUT_IDENTIFIERS,
    counted_characters,
    message_too_long,
)
from nlu.numbers import ten_digit_numbers

REQUEST = "جدد اقامة 2663923320 سنة"


def test_the_reported_message_is_too_long():
    text = REQUEST + " محمد" * 400
    assert len(text) == 2024
    assert message_too_long(text)


@pytest.mark.parametrize(
    "text",
    [
        REQUEST,
        "",
        "ابي خروج وعودة مُتعدّدة لـ٢١٨ ٠٩٦ ٧٩٢٥ ٣ شهور",
        "كلمة " * 100,  # 400 letters: long but under the limit
    ],
)
def test_ordinary_messages_pass(text):
    assert not message_too_long(text)


@pytest.mark.parametrize(
    "separator",
    ["\n", "، ", ", ", " و ", " - ", " ", "\u200f\n"],
)
def test_a_bulk_request_of_many_iqama_numbers_passes(separator):
    numbers = [str(2663923320 + 7 * i) for i in range(280)]
    text = "جدد اقامات هؤلاء سنة:\n" + separator.join(numbers)
    assert MAX_CHARACTERS_WITHOUT_IDENTIFIERS < len(text) <= MAX_CHARACTERS
    assert not message_too_long(text)


def test_identifiers_in_every_digit_form_and_with_spaces_do_not_count():
    arabic = "٢٦٦٣٩٢٣٣٢٠"
    persian = "۲۶۶۳۹۲۳۳۲۰"
    spaced = "2663 923 320"
    dashed = "266-392-3320"
    marked = "266392\u200b3320"
    text = "جدد " + " ".join([arabic, persian, spaced, dashed, marked] * 60)
    assert len(ten_digit_numbers(text)) == 300
    assert counted_characters(text) == 3  # "جدد"
    assert not message_too_long(text)


def test_the_limits_themselves():
    letters = "ب" * MAX_CHARACTERS_WITHOUT_IDENTIFIERS
    assert not message_too_long(letters)
    assert message_too_long(letters + "ب")
    # Spaces and punctuation do not count; other numbers and emoji do.
    assert not message_too_long(letters + " ،.!؟" * 100)
    assert message_too_long(letters + "1")
    assert message_too_long(letters + "👍")
    # Whatever the text, more than MAX_CHARACTERS is too long.
    only_numbers = "\n".join(["2663923320"] * 400)
    assert len(only_numbers) > MAX_CHARACTERS and message_too_long(only_numbers)
    assert not message_too_long(" " * MAX_CHARACTERS) and message_too_long(" " * (MAX_CHARACTERS + 1))


def test_numbers_that_are_not_ten_digits_count():
    assert message_too_long(REQUEST + " 12345678901" * 60)  # eleven digits: not an identifier
    assert counted_characters("رقم 26639233201") == 3 + 11


def test_a_huge_message_is_answered_quickly():
    import time

    text = "محمد " * 1_000_000
    began = time.perf_counter()
    assert message_too_long(text)
    assert time.perf_counter() - began < 0.05
