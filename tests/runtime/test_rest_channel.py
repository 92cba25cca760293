"""The REST channel's own answers (runtime/rest_channel.py): in the language the message is written in,
else the sender's /lang choice, else Arabic."""

from __future__ import annotations

from runtime.rest_channel import NUMBERS_PER_MESSAGE, refusal
from nlu.limits import MAX_CHARACTERS_WITHOUT_IDENTIFIERS
from tests.domain.factories import valid_iqama

TOO_LONG_EN = (
    "Your message is too long and nothing was done. A message holds up to 4096 characters in all, and up to 600 of "
    "them besides ten-digit numbers (iqama, visa, border), spaces and punctuation. Write one request in a short line."
)


def test_refusals_follow_the_language_of_the_message_then_the_stored_choice():
    [empty] = refusal("42", "  \u200f ")
    assert empty == {
        "recipient_id": "42",
        "text": "رسالتك فارغة. اكتب طلبك في سطر، مثل: جدد اقامة 2XXXXXXXXX سنة، أو اكتب «مساعدة».",
    }
    [english] = refusal("42", "renew " + "x" * (MAX_CHARACTERS_WITHOUT_IDENTIFIERS + 10))
    assert english["text"] == TOO_LONG_EN
    [control] = refusal("42", "/restart", stored="en")
    assert control["text"].startswith("That is not a request I know, so nothing was done.")
    [control] = refusal("42", "/restart")
    assert control["text"].startswith("هذا ليس طلبًا أعرفه")
    assert refusal("42", "جدد اقامة 2180967925 سنة") is None


def test_the_length_limit_is_stated_as_enforced_characters_in_all():
    """Issue 24: the answer spoke of 600 characters, iqama numbers aside, while 4096 characters in all is the cap."""
    [words] = refusal("42", "renew " + "word " * 1000)  # over 4096 in all, no numbers
    [arabic] = refusal("42", "جدد " + "كلمة " * 200)  # 600 letters besides numbers, under 4096 in all
    assert words["text"] == TOO_LONG_EN
    assert arabic["text"] == (
        "رسالتك طويلة جدًا ولم يُنفَّذ شيء. تتسع الرسالة لما لا يزيد على 4096 من الأحرف إجمالًا، منها 600 على "
        "الأكثر غير الأرقام ذات الخانات العشر (الإقامة والتأشيرة والحدود) والمسافات وعلامات الترقيم. اكتب طلبًا "
        "واحدًا في سطر قصير."
    )


def test_a_list_of_numbers_the_limit_cuts_short_is_told_how_to_reach_more_residents():
    """1000 iqama numbers (the documented bulk size) do not fit in one message: the answer says what does."""
    numbers = [valid_iqama(seed) for seed in range(1000)]
    [arabic] = refusal("42", "جدد " + " ".join(numbers) + " سنة")
    [english] = refusal("42", "renew " + "\n".join(numbers) + " for a year")
    assert arabic["text"] == (
        "عدد أحرف رسالتك يزيد على 4096 إجمالًا، فلم يُنفَّذ شيء: لا تتسع الرسالة الواحدة لأكثر من 372 من أرقام "
        "الإقامة. لتشمل مقيمين أكثر في طلب واحد، اذكر مجموعة بدل الأرقام، مثل: «جدد الإقامات التي تنتهي خلال 60 "
        "يومًا» أو «جدد الإقامات المنتهية» أو «جدد كل الإقامات» (حتى 1000 مقيم)، أو أرسل الأرقام على عدة رسائل."
    )
    assert english["text"] == (
        "Your message is longer than 4096 characters in all, so nothing was done: one message holds at most 372 "
        "iqama numbers. To reach more residents in one request, name a group instead of the numbers, like «renew "
        "the iqamas expiring within 60 days», «renew the expired iqamas» or «renew all iqamas» (up to 1000 "
        "residents), or send the numbers over several messages."
    )
    # The stated figure holds: that many numbers, one space apart, pass; one more does not.
    assert NUMBERS_PER_MESSAGE == 372
    assert refusal("42", " ".join(numbers[:NUMBERS_PER_MESSAGE])) is None
    assert refusal("42", " ".join(numbers[: NUMBERS_PER_MESSAGE + 1])) is not None
