"""The REST channel's own answers (runtime/rest_channel.py): in the language the message is written in,
else the sender's /lang choice, else Arabic."""

from __future__ import annotations

from runtime.rest_channel import refusal
from nlu.limits import MAX_CHARACTERS_WITHOUT_IDENTIFIERS


def test_refusals_follow_the_language_of_the_message_then_the_stored_choice():
    [empty] = refusal("42", "  \u200f ")
    assert empty == {
        "recipient_id": "42",
        "text": "رسالتك فارغة. اكتب طلبك في سطر، مثل: جدد اقامة 2XXXXXXXXX سنة، أو اكتب «مساعدة».",
    }
    [english] = refusal("42", "renew " + "x" * (MAX_CHARACTERS_WITHOUT_IDENTIFIERS + 10))
    assert english["text"] == (
        "Your message is too long and nothing was done. Write one request in a short line "
        f"(up to {MAX_CHARACTERS_WITHOUT_IDENTIFIERS} characters, iqama numbers aside)."
    )
    [control] = refusal("42", "/restart", stored="en")
    assert control["text"].startswith("That is not a request I know, so nothing was done.")
    [control] = refusal("42", "/restart")
    assert control["text"].startswith("هذا ليس طلبًا أعرفه")
    assert refusal("42", "جدد اقامة 2180967925 سنة") is None
