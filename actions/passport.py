"""A passport photo's machine-readable zone, sent by a front end as `/passport_photo{"mrz": "L1\\nL2"}`
(frontends/telegram_bot/app.py for Telegram, `/photo PATH` in frontends/terminal/chat.py; the front end runs the OCR), becomes the
update_passport quote of the resident it belongs to, offered with the usual confirm/cancel buttons.

The zone is verified again here (every check digit: a payload is never trusted) and matched in the
domain (residency.passport_photo). "تأكيد" then runs the ordinary `action_confirm_step`, so the update
is executed exactly once. Every failure (unreadable photo, check digits, expired passport, no resident
of the user's establishment) is answered with the domain's message (in the reply language) and changes nothing; an
open request is closed either way: the photo is a request of its own.
"""

from __future__ import annotations

from rasa_sdk import Tracker
from rasa_sdk.events import ActiveLoop, EventType

from actions.common import DomainAction, reset_request, telegram_id, unit_of_work
from actions.services import offer
from replies import N_, _
from residency.passport_mrz import UNREADABLE
from residency.passport_photo import quote_from_mrz

MRZ_ENTITY = "mrz"
ASK_FOR_PHOTO = N_(
    "Send a photo of the new passport's data page (the page with the photo and the two lines under it), and I "
    "will read the passport number and expiry date and offer to update the resident. Or write: update passport "
    "2XXXXXXXXX"
)


def zone_text(tracker: Tracker) -> str | None:
    """The zone the front end read (None: the intent came without one, e.g. typed words)."""
    for entity in tracker.latest_message.get("entities") or []:
        if entity.get("entity") == MRZ_ENTITY:
            return str(entity.get("value") or "")
    return None


class ActionPassportPhoto(DomainAction):
    """`passport_photo`: quote the passport update the photo's zone asks for, or say why not."""

    def name(self) -> str:
        return "action_passport_photo"

    def perform(self, dispatcher, tracker, domain) -> list[EventType]:
        zone = zone_text(tracker)
        closing = [ActiveLoop(None), *reset_request()]
        if zone is None:
            dispatcher.utter_message(text=_(ASK_FOR_PHOTO))
            return closing
        if not zone.strip():
            dispatcher.utter_message(text=_(UNREADABLE))
            return closing
        with unit_of_work() as uow:
            quote = quote_from_mrz(uow, telegram_id(tracker), zone)
        return closing + offer(dispatcher, quote)

    def on_error(self, tracker: Tracker) -> list[EventType]:
        return [ActiveLoop(None), *reset_request()]
