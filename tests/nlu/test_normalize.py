"""Matching-normalisation and its offset map."""

from nlu.normalize import normalize, normalize_with_offsets


def test_removes_diacritics_and_tatweel_and_unifies_letters():
    assert normalize("إِقَامَـــة") == "اقامه"
    assert normalize("أإآٱ ى ة ؤ ئ") == "اااا ي ه و ي"


def test_digits_of_every_form_become_ascii():
    assert normalize("٢١٨۰۹6") == "218096"


def test_latin_is_lower_cased():
    assert normalize("Renew IQAMA") == "renew iqama"


def test_span_maps_back_onto_original_text_including_trailing_marks():
    original = "جدّد لـمُحمّدٌ"
    normalized = normalize_with_offsets(original)
    start = normalized.text.index("محمد")
    begin, end = normalized.span(start, start + len("محمد"))
    assert original[begin:end] == "مُحمّدٌ"


def test_invisible_and_direction_characters_are_dropped():
    assert normalize("\u202e٢٦٦\u200f٣٩\u200b٢\u2066٣٣\u2069٢٠\ufeff") == "2663923320"
    assert normalize("مح\u200cمد\u200d") == "محمد"


def test_span_is_not_extended_over_a_trailing_direction_mark():
    original = "محمدٌ\u200f\u202c خان"
    normalized = normalize_with_offsets(original)
    assert original[slice(*normalized.span(0, 4))] == "محمدٌ"
