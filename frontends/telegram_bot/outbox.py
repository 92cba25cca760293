"""The bot's side of the domain's outbox and of the buttons the bot answers itself (no Rasa).

- The domain queues messages for Telegram users as `Notification` rows (sponsorship transfer requests
  and outcomes, reminders). The bot sends unsent rows and marks each one sent right after sending:
  a crash between the two sends that one row again (at least once, never lost).
- A transfer request's buttons carry `transfer:accept:<id>` / `transfer:decline:<id>`: the receiving
  owner's answer is executed here by `residency.services.sponsorship.respond_transfer` (a double tap
  is reported, not executed twice).

Blocking database calls: run them in a thread.
"""

from __future__ import annotations

import asyncio
import logging
import re
from dataclasses import dataclass
from typing import Any, Optional

from telegram.error import BadRequest, Forbidden, TelegramError
from telegram.ext import Application

from frontends.telegram_bot.sending import send_text
from replies import N_, _
from residency.db import UnitOfWork
from residency.reminders import mark_notification_sent, pending_notifications
from residency.services.sponsorship import respond_transfer

_TRANSFER_PAYLOAD = re.compile(r"^transfer:(accept|decline):(\d+)$")

ALREADY_ACCEPTED = N_("The request to transfer resident {name}'s services was already accepted; nothing changed.")
ALREADY_DECLINED = N_("The request to transfer resident {name}'s services was already declined; nothing changed.")
TRANSFER_ACCEPTED = N_(
    "Resident {name}'s services were transferred to your establishment.\n"
    "Fee charged: {fee} SAR. Balance now: {balance} SAR."
)
TRANSFER_DECLINED = N_("The request to transfer resident {name}'s services was declined; nothing was charged.")


@dataclass(frozen=True)
class OutgoingNotification:
    id: int
    telegram_id: int
    text: str
    buttons: list[dict[str, Any]]


def unsent_notifications(limit: int = 50) -> list[OutgoingNotification]:
    """The oldest notifications not sent yet."""
    with UnitOfWork() as uow:
        return [
            OutgoingNotification(n.id, n.telegram_id, n.text, list(n.buttons or ()))
            for n in pending_notifications(uow, limit)
        ]


def mark_sent(notification_id: int) -> None:
    """Record that the notification went out (or can never be delivered)."""
    with UnitOfWork() as uow:
        mark_notification_sent(uow, notification_id)


def is_domain_payload(payload: str) -> bool:
    """True for button payloads the bot executes itself instead of forwarding to Rasa."""
    return _TRANSFER_PAYLOAD.match(payload) is not None


def answer_domain_payload(telegram_id: int, payload: str) -> Optional[str]:
    """Execute a domain button (a transfer decision) and return the answer (in the current reply
    language); None if not one.

    Raises residency.errors.ResidencyError with its message when the decision is refused.
    """
    match = _TRANSFER_PAYLOAD.match(payload)
    if match is None:
        return None
    accept = match.group(1) == "accept"
    with UnitOfWork() as uow:
        decision = respond_transfer(uow, telegram_id, int(match.group(2)), accept)
    if decision.replayed:
        answered = ALREADY_ACCEPTED if decision.status == "accepted" else ALREADY_DECLINED
        return _(answered).format(name=decision.resident_name)
    if decision.status == "accepted":
        return _(TRANSFER_ACCEPTED).format(
            name=decision.resident_name, fee=decision.fee_charged, balance=decision.balance_after
        )
    return _(TRANSFER_DECLINED).format(name=decision.resident_name)


logger = logging.getLogger(__name__)
OUTBOX_INTERVAL_SECONDS = 5.0


async def relay_outbox_once(application: Application) -> int:
    """Send the unsent notifications; returns how many were sent. Never raises."""
    try:
        pending = await asyncio.to_thread(unsent_notifications)
    except Exception:
        logger.exception("Cannot read the notification outbox")
        return 0
    sent = 0
    for notification in pending:
        try:
            await send_text(
                application,
                notification.telegram_id,
                notification.text,
                notification.buttons,
                user_id=notification.telegram_id,
            )
        except (Forbidden, BadRequest) as error:  # blocked the bot, never started it, ...
            logger.warning("Notification %s cannot be delivered, dropped: %s", notification.id, error)
        except TelegramError as error:  # network trouble: retried on the next round
            logger.warning("Notification %s not sent yet: %s", notification.id, error)
            break
        else:
            sent += 1
        try:
            await asyncio.to_thread(mark_sent, notification.id)
        except Exception:
            logger.exception("Cannot mark notification %s as sent", notification.id)
            break
    return sent


async def relay_outbox(application: Application, interval: float = OUTBOX_INTERVAL_SECONDS) -> None:
    """Background task: relay the outbox every `interval` seconds while the application runs."""
    while True:
        await relay_outbox_once(application)
        await asyncio.sleep(interval)
