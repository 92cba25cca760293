"""nlu.document_types: the document a request asks for, on document requests only."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.document_types import DocumentTypeExtractor, find_document_type


@pytest.mark.parametrize(
    ("text", "value", "span"),
    [
        ("ابي الايصال حق آخر عملية", "receipt", "الايصال"),
        ("ممكن إثبات الدفع للعملية؟", "receipt", "إثبات الدفع"),
        ("send me the receipt", "receipt", "receipt"),
        ("جيب لي ورقة الخروج النهائي تبع 2711471041", "visa", "ورقة الخروج النهائي"),
        ("اطبع لي التأشيرة 6012345674", "visa", "التأشيرة"),
        ("ابغى كشف بيانات المقيم 2397626009", "resident_report", "كشف بيانات المقيم"),
        ("resident report for 2526018151", "resident_report", "resident report"),
    ],
)
def test_documents_are_named_by_their_words(text, value, span):
    found, start, end = find_document_type(text)
    assert (found, text[start:end]) == (value, span)


def test_only_a_document_request_gets_the_entity():
    extractor = DocumentTypeExtractor()
    asked, renewal = extractor.process(
        [
            Message(data={"text": "ارسل التأشيرة", "intent": {"name": "request_document"}, "entities": []}),
            Message(data={"text": "ابي تأشيرة خروج وعودة", "intent": {"name": "issue_exit_reentry"}, "entities": []}),
        ]
    )
    assert [(e["entity"], e["value"]) for e in asked.get("entities")] == [("document_type", "visa")]
    assert renewal.get("entities") == []
