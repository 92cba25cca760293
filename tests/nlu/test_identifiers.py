"""IdentifierExtractor: digit forms, spaced/dashed numbers, classification, authority over CRF."""

import pytest

from nlu.identifiers import IdentifierExtractor, find_identifiers
from tests.nlu.support import found, message


def extract(text, entities=None):
    msg = message(text, entities)
    IdentifierExtractor().process([msg])
    return found(msg)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("جدد اقامة ٢١٨٠٩٦٧٩٢٥ سنة", [("iqama_number", "2180967925", "٢١٨٠٩٦٧٩٢٥")]),
        ("اقامة ۲۱۸۰۹۶۷۹۲۵", [("iqama_number", "2180967925", "۲۱۸۰۹۶۷۹۲۵")]),
        ("اقامة ٢١٨٠96٧٩٢٥", [("iqama_number", "2180967925", "٢١٨٠96٧٩٢٥")]),
        ("رقم ٢١٨ ٠٩٦ ٧٩٢٥ لو سمحت", [("iqama_number", "2180967925", "٢١٨ ٠٩٦ ٧٩٢٥")]),
        ("رقم 2180-967-925 شهرين", [("iqama_number", "2180967925", "2180-967-925")]),
        (
            "حدود ٤٧٧١٨٨٣٥٧٩ و 3097658280",
            [("border_number", "4771883579", "٤٧٧١٨٨٣٥٧٩"), ("border_number", "3097658280", "3097658280")],
        ),
        ("الغي التاشيرة 6660856517", [("visa_number", "6660856517", "6660856517")]),
        ("لمنشأة ٧٠١٨٨٩٥٧٥٥", [("establishment_number", "7018895755", "٧٠١٨٨٩٥٧٥٥")]),
        ("رقمي 0501234567", []),
        ("رقم 218096792", []),
    ],
)
def test_ten_digit_identifiers(text, expected):
    assert extract(text) == expected


def test_wrong_check_digit_is_still_extracted():
    # 2180967920 fails the Luhn check; the dialogue, not the NLU, says it is not valid.
    assert extract("اقامة 2180967920") == [("iqama_number", "2180967920", "2180967920")]


def test_national_id_is_emitted_as_iqama_number_for_the_dialogue_to_refuse():
    assert extract("هويتي 1000000008") == [("iqama_number", "1000000008", "1000000008")]


def test_lam_prefix_and_two_numbers():
    assert extract("نقل ل٢١٨٠٩٦٧٩٢٥ الى 7018895755") == [
        ("iqama_number", "2180967925", "٢١٨٠٩٦٧٩٢٥"),
        ("establishment_number", "7018895755", "7018895755"),
    ]


@pytest.mark.parametrize(
    "text, expected",
    [
        ("جوازه الجديد A12345678", [("passport_number", "A12345678", "A12345678")]),
        ("new passport ab١٢٣٤٥٦٧", [("passport_number", "AB1234567", "ab١٢٣٤٥٦٧")]),
        ("رقم الجواز ١٢٣٤٥٦٧٨", [("passport_number", "12345678", "١٢٣٤٥٦٧٨")]),
        ("رقم الطلب 12345678", []),
        ("جوازه ينتهي 1/5/2031", []),
    ],
)
def test_passport_numbers(text, expected):
    assert extract(text) == expected


def test_authoritative_over_earlier_extractors():
    crf = [
        {"entity": "iqama_number", "start": 0, "end": 4, "value": "جدد"},
        {"entity": "person_name", "start": 10, "end": 20, "value": "٢١٨٠٩٦٧٩٢٥"},
        {"entity": "person_name", "start": 21, "end": 25, "value": "محمد"},
    ]
    assert extract("جدد اقامة ٢١٨٠٩٦٧٩٢٥ محمد", crf) == [
        ("iqama_number", "2180967925", "٢١٨٠٩٦٧٩٢٥"),
        ("person_name", "محمد", "محمد"),
    ]


def test_offsets_point_into_the_original_text():
    text = "اقامة:  ٢١٨-٠٩٦-٧٩٢٥!"
    (entity,) = find_identifiers(text)
    assert text[entity["start"] : entity["end"]] == "٢١٨-٠٩٦-٧٩٢٥"


@pytest.mark.parametrize("control", ["\u200f", "\u202e", "\u200b", "\u200e", "\u2066", "\ufeff", "\u200c", "\u061c"])
def test_invisible_and_direction_characters_inside_a_number_are_ignored(control):
    number = "266392" + control + "3320"
    text = f"جدد اقامة {number} سنة"
    (entity,) = find_identifiers(text)
    assert (entity["entity"], entity["value"]) == ("iqama_number", "2663923320")
    # The span points into the text as the user wrote it, mark included.
    assert text[entity["start"] : entity["end"]] == number == entity["text"]


def test_marks_around_and_between_groups_of_a_number():
    text = "\u200fرقم \u202b٢١٨\u200f ٠٩٦ \u200b٧٩٢٥\u202c و A1234\u200b567"
    assert extract(text) == [
        ("iqama_number", "2180967925", "٢١٨\u200f ٠٩٦ \u200b٧٩٢٥"),
        ("passport_number", "A1234567", "A1234\u200b567"),
    ]
