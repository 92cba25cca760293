"""Right-to-left marks, splitting under Telegram's limit, keyboard layout."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from frontends.telegram_bot.render import (
    MESSAGE_LIMIT,
    RLM,
    inline_keyboard,
    needs_rtl_mark,
    rtl_text,
    split_message,
    utf16_len,
)


def test_lines_starting_left_to_right_get_a_mark_and_arabic_lines_do_not():
    text = "Iqama 2180967925\n2180967925 محمد\n٣ أشهر\n- Ahmed Khan\nمحمد Khan\n(ملاحظة) note\n\n   "
    assert rtl_text(text).split("\n") == [
        f"{RLM}Iqama 2180967925",
        f"{RLM}2180967925 محمد",
        f"{RLM}٣ أشهر",
        f"{RLM}- Ahmed Khan",
        "محمد Khan",
        "(ملاحظة) note",
        "",
        "   ",
    ]


def test_a_line_already_marked_is_not_marked_twice():
    assert rtl_text(f"{RLM}Iqama") == f"{RLM}Iqama"


def test_short_text_is_one_message():
    assert split_message("مرحبا\nHello") == [f"مرحبا\n{RLM}Hello"]


def test_blank_text_gives_no_message():
    assert split_message("\n \n") == []


def test_long_text_splits_at_line_boundaries():
    lines = [f"سطر {n} " + "ا" * 90 for n in range(100)]  # ~9,800 characters
    messages = split_message("\n".join(lines))
    assert len(messages) == 3
    assert all(utf16_len(m) <= MESSAGE_LIMIT for m in messages)
    assert [line for m in messages for line in m.split("\n")] == lines  # no line was cut


def test_a_single_line_longer_than_a_message_breaks_at_spaces():
    words = ["Passport"] + ["كلمة"] * 2000
    messages = split_message(" ".join(words))
    assert len(messages) == 3
    assert all(utf16_len(m) <= MESSAGE_LIMIT for m in messages)
    assert " ".join(m.replace(RLM, "") for m in messages).split(" ") == words


def test_emoji_count_twice_toward_the_limit():
    messages = split_message("😀" * 3000)  # 6,000 UTF-16 units, no spaces
    assert len(messages) == 2
    assert all(utf16_len(m) <= MESSAGE_LIMIT for m in messages)
    assert "".join(messages) == "😀" * 3000


_text = st.text(alphabet=st.sampled_from(list("abcXYZ019 ٠١ابجد\n😀.-")), max_size=600)


@settings(max_examples=200, deadline=None)
@given(text=_text, limit=st.integers(min_value=8, max_value=120))
def test_split_keeps_every_visible_character_in_order_and_respects_the_limit(text, limit):
    messages = split_message(text, limit)
    assert all(0 < utf16_len(m) <= limit for m in messages)
    assert all(not needs_rtl_mark(line) for m in messages for line in m.split("\n"))
    visible = "".join(text.split())
    assert "".join("".join(messages).replace(RLM, "").split()) == visible


def test_few_short_buttons_share_a_row_and_long_ones_get_their_own():
    confirm = inline_keyboard([("تأكيد", "a1"), ("إلغاء", "a2")]).inline_keyboard
    assert [[b.text for b in row] for row in confirm] == [["تأكيد", "إلغاء"]]
    names = inline_keyboard([("محمد عبدالله خان العتيبي", "b1"), ("أحمد", "b2")]).inline_keyboard
    assert [[b.callback_data for b in row] for row in names] == [["b1"], ["b2"]]


def test_english_replies_are_left_to_right_without_marks():
    from replies import language

    with language("en"):
        assert split_message("Iqama 2180967925\n- 3 months") == ["Iqama 2180967925\n- 3 months"]
    assert split_message("Iqama 2180967925") == [f"{RLM}Iqama 2180967925"]
