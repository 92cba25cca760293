"""PersonNameExtractor: names after clitics, alone, with connectors; common words are not names."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.person_names import PersonNameExtractor, find_person_names, trim_edge_words


def names(text):
    return [(e["text"], e["start"], e["end"]) for e in find_person_names(text)]


@pytest.mark.parametrize(
    "text,expected",
    [
        ("ابي خروج وعودة متعددة لمحمد ٣ شهور", [("محمد", 23, 27)]),
        ("راجيش كومار", [("راجيش كومار", 0, 11)]),
        ("دور لي على محمد عبدالله", [("محمد عبدالله", 11, 23)]),
        ("ابحث عن مقيم اسمه رحيم الدين", [("رحيم الدين", 18, 28)]),
        ("جدد اقامة لعبد القيوم يوسفزي سنة", [("عبد القيوم يوسفزي", 11, 28)]),
        ("عامل اسمه أحمد بن سعيد", [("أحمد بن سعيد", 10, 22)]),
        ("سيف الإسلام", [("سيف الإسلام", 0, 11)]),
        ("renew iqama for Mohammed Rahim Uddin", [("Mohammed Rahim Uddin", 16, 36)]),
        ("مُحَمَّد خان", [("مُحَمَّد خان", 0, 12)]),
    ],
)
def test_finds_names_with_spans_in_the_users_text(text, expected):
    assert names(text) == expected


@pytest.mark.parametrize(
    "text", ["جواز صالح لمدة سنة", "كم رصيدنا", "استعلام على الاقامة", "ابو", "الدين", "مالك المنشأة"]
)
def test_common_words_and_lone_connectors_are_not_names(text):
    assert names(text) == []


def test_the_preposition_ala_is_not_the_name_ali():
    assert names("استعلام على علي حسن") == [("علي حسن", 12, 19)]


def test_replaces_overlapping_crf_names_and_keeps_the_others():
    message = Message(data={"text": "جدد اقامة لمحمد خان وزوليخا"})
    crf = {"entity": "person_name", "value": "خان", "start": 16, "end": 19, "extractor": "CRFEntityExtractor"}
    other = {"entity": "person_name", "value": "زوليخا", "start": 21, "end": 27, "extractor": "CRFEntityExtractor"}
    message.set("entities", [crf, other])
    PersonNameExtractor().process([message])
    assert [(e["value"], e["extractor"]) for e in message.get("entities")] == [
        ("محمد خان", "PersonNameExtractor"),
        ("زوليخا", "CRFEntityExtractor"),
    ]


def test_the_article_does_not_turn_a_given_name_into_a_place():
    assert names("كيف الجو في الرياض") == []


def crf(text, name):
    start = text.index(name)
    return {"entity": "person_name", "value": name, "start": start, "end": start + len(name), "extractor": "CRF"}


def processed(text, *crf_names):
    message = Message(data={"text": text})
    message.set("entities", [crf(text, n) for n in crf_names])
    PersonNameExtractor().process([message])
    return [e["value"] for e in message.get("entities")]


def test_a_run_is_widened_by_the_crf_name_it_overlaps():
    assert processed("فتشلي عن جوزيف ماثيو", "جوزيف ماثيو") == ["جوزيف ماثيو"]
    assert processed("جدد اقامة لمحمد خان", "خان") == ["محمد خان"]


def test_a_lone_listed_word_inside_a_sentence_is_left_to_crf():
    assert processed("نهارك سعيد") == []
    assert processed("ابي خروج وعودة متعددة لمحمد ٣ شهور") == ["محمد"]  # after «ل»: strong
    assert processed("محمد") == ["محمد"]  # the whole message


def test_names_with_direction_characters_are_found_and_their_values_are_clean():
    text = "جدد اقامة لمح\u200fمد \u202eخان\u202c و\u202eزوليخا"
    message = Message(data={"text": text})
    message.set("entities", [crf(text, "\u202eزوليخا")])
    PersonNameExtractor().process([message])
    by_extractor = {e["extractor"]: e for e in message.get("entities")}
    listed = by_extractor["PersonNameExtractor"]
    assert listed["value"] == "محمد خان"
    assert text[listed["start"] : listed["end"]] == "مح\u200fمد \u202eخان"
    assert by_extractor["CRF"]["value"] == "زوليخا"


def test_a_whole_message_name_with_a_leading_mark_is_still_whole():
    assert processed("\u200fراجيش") == ["راجيش"]


@pytest.mark.parametrize(
    "text,name",
    [
        ("ابحث عن محمد", "محمد"),
        ("دور لي على محمد", "محمد"),
        ("فين راجيش", "راجيش"),
        ("وين سانتوش", "سانتوش"),
        ("ابحث عن العامل سانتوش", "سانتوش"),
        ("search for Juan", "Juan"),
        ("find Ali", "Ali"),
        ("where is Ravi", "Ravi"),
        ("دورلي على ديفيد", "ديفيد"),
    ],
)
def test_a_single_name_after_a_search_cue_is_a_name_without_crf(text, name):
    assert processed(text) == [name]


def test_a_single_name_without_a_cue_inside_a_sentence_is_still_left_to_crf():
    assert processed("نهارك سعيد يا شيخ") == []
    assert processed("الخدمة تمت وسانتوش مبسوط") == []


@pytest.mark.parametrize(
    "name",
    ["بيشنو", "ديبندرا", "عبدالكريم", "ريزال", "Bishnu", "Tesfaye", "Wanjiru", "Budi", "Reyes", "Rizal", "Arjun"],
)
def test_the_list_covers_names_of_the_nationalities_that_work_in_the_kingdom(name):
    assert processed(f"ابحث عن {name}") == [name]


@pytest.mark.parametrize(
    "text, span, name",
    [
        ("change occupation of rajesh to accountant", "rajesh to", "rajesh"),
        ("renew iqama for juan pls", "for juan pls", "juan"),
        ("غير مهنة راجيش الى محاسب", "راجيش الى", "راجيش"),
        ("change occupation of rajesh kumar as accountant", "rajesh kumar", "rajesh kumar"),
    ],
)
def test_words_that_only_join_a_name_to_the_sentence_leave_its_span(text, span, name):
    start = text.index(span)
    entity = {"start": start, "end": start + len(span), "value": span}
    trim_edge_words(text, entity)
    assert entity["value"] == name == text[entity["start"] : entity["end"]]
