"""Short callback ids for inline buttons, and the one-press-per-keyboard rule.

Telegram allows 64 bytes of callback data and a Rasa payload such as
`/inform{"person_name": "محمد عبدالله"}` easily exceeds it, and callback data comes back from the
client, so it must not be trusted as a payload. Each button therefore carries a random short id
(secrets.token_urlsafe(8): 11 ASCII characters); the payload stays here, on the server.

The store is in memory and bounded: a restart, or a keyboard pushed out by newer ones, makes old
buttons unknown, and the bot then tells the user to write the request again.
A keyboard accepts one press: the first press claims it, any later press of any of its buttons
(a double tap) is reported as already received and forwards nothing.
"""

from __future__ import annotations

import enum
import secrets
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Optional


class ClaimStatus(enum.Enum):
    ACCEPTED = "accepted"
    ALREADY_USED = "already_used"
    UNKNOWN = "unknown"  # expired, evicted, forged, or issued before a restart
    NOT_YOURS = "not_yours"  # pressed by someone other than the user the keyboard was sent to


@dataclass(frozen=True)
class Claim:
    status: ClaimStatus
    title: str = ""
    payload: str = ""


@dataclass
class _Keyboard:
    buttons: dict[str, tuple[str, str]]  # callback id -> (title, payload)
    user_id: Optional[int]
    used: bool = field(default=False)


class CallbackStore:
    """Maps short callback ids to button payloads, grouped by keyboard; bounded in keyboards."""

    def __init__(self, max_keyboards: int = 10_000) -> None:
        self._max_keyboards = max_keyboards
        self._keyboards: OrderedDict[str, _Keyboard] = OrderedDict()
        self._keyboard_of: dict[str, str] = {}  # callback id -> keyboard id

    def register(self, buttons: Sequence[tuple[str, str]], user_id: Optional[int] = None) -> list[tuple[str, str]]:
        """Store (title, payload) pairs as one keyboard; returns (title, callback id) pairs.

        `user_id`, when given, is the only user whose press is accepted.
        """
        keyboard_id = self._new_id()
        ids = [self._new_id() for _ in buttons]
        self._keyboards[keyboard_id] = _Keyboard(
            buttons={cid: (title, payload) for cid, (title, payload) in zip(ids, buttons)},
            user_id=user_id,
        )
        for cid in ids:
            self._keyboard_of[cid] = keyboard_id
        while len(self._keyboards) > self._max_keyboards:
            _, evicted = self._keyboards.popitem(last=False)
            for cid in evicted.buttons:
                del self._keyboard_of[cid]
        return [(title, cid) for cid, (title, _) in zip(ids, buttons)]

    def claim(self, callback_id: str, user_id: int) -> Claim:
        """The press of a button: accepted once per keyboard, then reported as already used."""
        keyboard_id = self._keyboard_of.get(callback_id)
        if keyboard_id is None:
            return Claim(ClaimStatus.UNKNOWN)
        keyboard = self._keyboards[keyboard_id]
        if keyboard.user_id is not None and keyboard.user_id != user_id:
            return Claim(ClaimStatus.NOT_YOURS)
        if keyboard.used:
            return Claim(ClaimStatus.ALREADY_USED)
        keyboard.used = True
        title, payload = keyboard.buttons[callback_id]
        return Claim(ClaimStatus.ACCEPTED, title=title, payload=payload)

    def __len__(self) -> int:
        return len(self._keyboards)

    def _new_id(self) -> str:
        while True:
            candidate = secrets.token_urlsafe(8)
            if candidate not in self._keyboard_of and candidate not in self._keyboards:
                return candidate
