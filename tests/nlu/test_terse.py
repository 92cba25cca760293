"""Terse messages (issue 13): bare values are inform, durations with the article and rhythms, the
service span of an eligibility question includes its verb."""

import pytest

from nlu.bare_values import BareValueIntent, is_bare_values
from nlu.durations import find_durations
from nlu.services import ServiceNameMapper, widen_to_verb
from tests.nlu.support import message


def _entity(kind, text, word, extractor="IdentifierExtractor"):
    start = text.index(word)
    return {"entity": kind, "start": start, "end": start + len(word), "value": word, "extractor": extractor}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("راجيش", [("person_name", "راجيش")]),
        ("2057237741", [("iqama_number", "2057237741")]),
        ("رقم 2057237741 لو سمحت", [("iqama_number", "2057237741")]),
        ("2057237741 و 2095841165", [("iqama_number", "2057237741"), ("iqama_number", "2095841165")]),
        ("٣ شهور؟", [("duration", "٣ شهور")]),
    ],
)
def test_messages_made_of_values_are_bare(text, words):
    assert is_bare_values(text, [_entity(kind, text, word) for kind, word in words])


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("تأشيرات 2095841165", [("iqama_number", "2095841165")]),
        ("جدد 2057237741", [("iqama_number", "2057237741")]),
        ("شكرا", []),
    ],
)
def test_a_keyword_beside_the_value_is_not_bare(text, words):
    assert not is_bare_values(text, [_entity(kind, text, word) for kind, word in words])


def test_crf_guesses_and_requests_do_not_count_as_values():
    assert not is_bare_values("هلا", [_entity("person_name", "هلا", "هلا", "CRFEntityExtractor")])
    assert not is_bare_values("الفاتورة", [_entity("document_type", "الفاتورة", "الفاتورة", "DocumentTypeExtractor")])


def test_bare_value_intent_overrides_the_classifier():
    text = "راجيش"
    msg = message(text, [_entity("person_name", text, text, "PersonNameExtractor")], intent="nlu_fallback")
    msg.set("intent_ranking", [{"name": "out_of_scope", "confidence": 0.4}, {"name": "inform", "confidence": 0.3}])
    BareValueIntent().process([msg])
    assert msg.get("intent") == {"name": "inform", "confidence": 1.0}
    assert [r["name"] for r in msg.get("intent_ranking")] == ["inform", "out_of_scope"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("كام في الست شهور الجايين؟", [("الست شهور", "P6M")]),
        ("كم بتكلفنا الاقامات الثلاث شهور الجاية", [("الثلاث شهور", "P3M")]),
        ("خلال الـ٣ شهور", [("الـ٣ شهور", "P3M")]),
        ("a month by month cost projection for the coming year", [("year", "P12M")]),
        ("التكاليف شهر بشهر", []),
        ("الشهر الجاي", []),
    ],
)
def test_durations_with_the_article_and_rhythms(text, expected):
    assert [(e["text"], e["value"]) for e in find_durations(text)] == expected


@pytest.mark.parametrize(
    ("text", "noun", "span"),
    [
        ("فيني غير مهنة ٢٥١١٨٤٨٧٣٧ لـ طباخ؟", "مهنة", "غير مهنة"),
        ("العامل يقدر ياخذ خروج وعودة متعددة؟", "خروج وعودة", "ياخذ خروج وعودة"),
        ("يقدر خروج وعودة؟", "خروج وعودة", "خروج وعودة"),  # a modal verb stays out
    ],
)
def test_service_span_takes_its_verb(text, noun, span):
    start = text.index(noun)
    assert text[widen_to_verb(text, start) : start + len(noun)] == span
    msg = message(
        text, [{"entity": "service", "start": start, "end": start + len(noun), "value": "x"}], "check_eligibility"
    )
    ServiceNameMapper().process([msg])
    assert [text[e["start"] : e["end"]] for e in msg.get("entities") if e["entity"] == "service"] == [span]
