"""nlu.services: the `service` of an eligibility question valued by its intent name, whatever the
words; spans point into the user's text."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.services import ServiceNameMapper, find_service, service_named


@pytest.mark.parametrize(
    ("text", "service"),
    [
        ("اقدر اطلع خروج وعودة للعامل 2526018151؟", "issue_exit_reentry"),
        ("ينفع الغي الخروج والعودة حقت 2625276015؟", "cancel_exit_reentry"),
        ("هل يستوفي شروط إلغاء الخروج النهائي؟", "cancel_final_exit"),
        ("فيه شي يمنع خروج نهائي للعامل", "issue_final_exit"),
        ("الزول برة هسه، ممكن تتمدد تأشيرته شهر", "extend_exit_reentry"),
        ("هو الموظف ده ينفع نتنازل عنه لمؤسسة 7761222020", "transfer_sponsorship"),
        ("فيني غير مهنة ٢٥١١٨٤٨٧٣٧ لطباخ", "change_occupation"),
        ("اقدر احدث جواز 2711471041", "update_passport"),
        ("يصير اطلع اقامة لرقم الحدود 3338750049", "issue_iqama"),
        ("anything stopping a renewal for 2893288049?", "renew_iqama"),
        ("can I cancel the final exit of 2908301662", "cancel_final_exit"),
    ],
)
def test_each_service_is_named_by_its_words(text, service):
    assert service_named(text) == service


def test_the_span_points_into_the_original_text():
    text = "هل يمكن إصدار تأشيرة خروج وعودة للمقيم؟"
    service, start, end = find_service(text)
    assert service == "issue_exit_reentry" and text[start:end] in ("تأشيرة", "خروج وعودة")


def _message(text, intent, entities):
    return Message(data={"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": entities})


def test_mapper_values_unknown_spans_drops_non_services_and_fills_a_missing_one():
    mapper = ServiceNameMapper()
    learnt = {"entity": "service", "value": "renew_iqama", "start": 5, "end": 10}
    unseen = {"entity": "service", "value": "نطلع له خروج نهائي", "start": 11, "end": 29}
    noise = {"entity": "service", "value": "العامل", "start": 30, "end": 36}
    [message] = mapper.process([_message("x" * 40, "check_eligibility", [learnt, unseen, noise])])
    assert [(e["value"], e["start"]) for e in message.get("entities")] == [("renew_iqama", 5), ("issue_final_exit", 11)]
    [filled] = mapper.process([_message("ينفع اجدد له؟", "check_eligibility", [])])
    assert [(e["entity"], e["value"], e["text"]) for e in filled.get("entities")] == [
        ("service", "renew_iqama", "اجدد")
    ]
    [other] = mapper.process([_message("ينفع اجدد له؟", "renew_iqama", [dict(learnt)])])
    assert other.get("entities") == []  # a service request names its service by its intent
