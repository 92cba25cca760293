"""nlu.eligibility_cues: a service asked about as "can it be done?" is an eligibility check; a request
(softened or not), a how-to question and a message of another intent are left as the classifier said."""

import pytest
from rasa.shared.nlu.training_data.message import Message

from nlu.eligibility_cues import (
    EligibilityCue,
    about_elsewhere,
    asks_only_whether_possible,
    asks_whether_possible,
    request_follows_question,
)


@pytest.mark.parametrize(
    "text",
    [
        "اقدر اجدد اقامة 2842684652؟",
        "فيني جدد اقامة 2842684652 هلق؟",
        "ينفع نلغي الخروج والعودة حق 2382882948؟",
        "في مانع نحول خدماته لمؤسسة 7972997527؟",
        "بدي اعرف اذا بقدر ألغي الخروج النهائي ل2685995280",
        "وش شروط الخروج النهائي للعامل 2711471041",
        "تحقق من أهلية 2281590139 لنقل الكفالة",
        "العامل 2281590139 يمديه ياخذ خروج نهائي وعليه قرض؟",
        "can I renew 2180967925?",
        "is 2954647646 eligible for a final exit?",
        "does 2625276015 qualify for an extension of his visa?",
    ],
)
def test_a_question_of_whether_it_is_possible(text):
    assert asks_whether_possible(text)


@pytest.mark.parametrize(
    "text",
    [
        "جدد اقامة 2842684652 سنة",
        "ممكن تجدد اقامة 2842684652 سنة",
        "هل يمكن إصدار خروج وعودة للعامل 2207779949 لمدة ثلاثة أشهر؟",
        "السواق مريض في بلده وما يقدر يرجع، ابي امدد تاشيرته شهر",
        "how can I cancel a final exit?",
        "renew iqama 2180967925 for a year",
    ],
)
def test_a_request_is_not_a_question_of_whether(text):
    assert not asks_whether_possible(text)


def _classified(text: str, intent: str) -> Message:
    ranking = [{"name": intent, "confidence": 0.7}, {"name": "check_eligibility", "confidence": 0.2}]
    return Message(data={"text": text, "intent": {"name": intent, "confidence": 0.7}, "intent_ranking": ranking})


def test_a_service_intent_asked_about_becomes_check_eligibility_with_its_confidence():
    [message] = EligibilityCue().process([_classified("اقدر اجدد اقامة 2842684652؟", "renew_iqama")])
    assert message.get("intent") == {"name": "check_eligibility", "confidence": 0.7}
    assert [r["name"] for r in message.get("intent_ranking")] == ["check_eligibility", "renew_iqama"]


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("جدد اقامة 2842684652 سنة", "renew_iqama"),  # a request
        ("اقدر اعرف وش تأشيرات 2095841165؟", "inquire_visa"),  # a cue, but not a service intent
    ],
)
def test_anything_else_is_left_as_classified(text, intent):
    [message] = EligibilityCue().process([_classified(text, intent)])
    assert message.get("intent") == {"name": intent, "confidence": 0.7}


@pytest.mark.parametrize(
    "text",
    [
        "العامل 2842684652 برا المملكة ينفع اجدد اقامته وهو برا؟ جددها ٦ اشهر",
        "هل مسموح اجدد اقامة السايق 2842684652 قبل ما تخلص؟ جددها سنه",
        "ينفع نمدد له وهو في بلده؟ طيب مدد له شهرين",
        "can I renew 2180967925 early? pls do it for 1 yr",
    ],
)
def test_a_question_followed_by_its_request_is_the_request(text):
    assert asks_whether_possible(text) and request_follows_question(text)
    assert not asks_only_whether_possible(text)
    [message] = EligibilityCue().process([_classified(text, "renew_iqama")])
    assert message.get("intent")["name"] == "renew_iqama"


@pytest.mark.parametrize(
    "text",
    [
        "العامل 2453331478 يقدر ياخذ خروج وعودة؟ جوازه قرب يخلص",  # context after the question, no request
        "اقدر اطلع له خروج نهائي؟ ابي اعرف بس",  # a wish to know is not a request
    ],
)
def test_context_or_a_wish_to_know_after_the_question_keeps_the_check(text):
    assert not request_follows_question(text)


def test_a_check_the_classifier_chose_for_a_question_and_its_request_becomes_the_service():
    text = "ينفع اجدد اقامة 2842684652 وهو برا؟ جددها سنه"
    ranking = [{"name": "check_eligibility", "confidence": 0.6}, {"name": "renew_iqama", "confidence": 0.3}]
    msg = Message(data={"text": text, "intent": ranking[0], "intent_ranking": ranking})
    [message] = EligibilityCue().process([msg])
    assert message.get("intent") == {"name": "renew_iqama", "confidence": 0.6}


@pytest.mark.parametrize(
    "text",
    [
        "كم رسوم الاقامة في الكويت؟",
        "ينفع اطلع تاشيرة استقدام من مساند؟",
        "زوجي عسكري هل يحق له يسافر؟",
        "can I get a Musaned recruitment visa?",
    ],
)
def test_questions_about_other_countries_or_platforms_are_not_checks(text):
    assert about_elsewhere(text) and not asks_only_whether_possible(text)
    [message] = EligibilityCue().process([_classified(text, "issue_exit_reentry")])
    assert message.get("intent")["name"] == "issue_exit_reentry"


def test_a_worker_abroad_in_another_country_is_still_ours():
    assert asks_only_whether_possible("العامل 2842684652 في الكويت الحين، ينفع نمدد له العودة؟")
