"""ResidentGroupExtractor: the group of a bulk service request, with the span of the whole phrase."""

import pytest

from nlu.resident_groups import find_resident_group


@pytest.mark.parametrize(
    "text, value, span",
    [
        ("جدد كل الاقامات اللي تخلص هالشهر سنة", "expiring", "اللي تخلص هالشهر"),
        ("الناس اللي اقامتهم هتخلص الشهر ده جددلهم سنة", "expiring", "اللي اقامتهم هتخلص الشهر ده"),
        ("جدد الإقامات اللي بتخلص خلال 60 يوم", "expiring", "اللي بتخلص خلال 60 يوم"),
        ("renew all expiring iqamas for a year", "expiring", "all expiring iqamas"),
        ("جدد الإقامات المنتهية سنة", "expired", "الإقامات المنتهية"),
        ("جددوا للشباب اللي اقاماتهم خلصت", "expired", "اللي اقاماتهم خلصت"),
        ("renew the expired iqamas for 12 months", "expired", "the expired iqamas"),
        ("المقيمين خارج المملكة تجدد اقاماتهم ستة أشهر", "abroad", "المقيمين خارج المملكة"),
        ("مدد تأشيرات اللي برا شهر", "abroad", "اللي برا"),
        ("طلعلي خروج وعودة لـ كل الشباب ٣ اسابيع", "all", "كل الشباب"),
        ("renew every worker for a year", "all", "every worker"),
    ],
)
def test_the_group_and_the_phrase_naming_it(text, value, span):
    found, start, end = find_resident_group(text)
    assert (found, text[start:end]) == (value, span)


@pytest.mark.parametrize(
    "text", ["جدد اقامة 2663923320 سنة", "جدد اقامة محمد اللي في المستودع", "renew 2663923320 for a year"]
)
def test_no_group_in_a_request_about_one_resident(text):
    assert find_resident_group(text) is None


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("jadded kil el e8amat elly t5alas", "expiring"),
        ("jaded el e8amat elli 5alsa", "expired"),
        ("madded lel 3omal elli bara", "abroad"),
        ("extend re entry of staff travelling now", "abroad"),
    ],
)
def test_groups_in_arabizi_and_english(text, group):
    assert find_resident_group(text)[0] == group
