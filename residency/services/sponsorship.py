"""Sponsorship transfer, a two-party service.

1. The current establishment requests it (`transfer_sponsorship`, free for it): a pending
   `TransferRequest` is recorded and the receiving establishment's owners are notified with
   accept/decline buttons (a `Notification` row that the bot sends).
2. A receiving owner answers with `respond_transfer`: on acceptance every rule is checked again, the
   receiving establishment pays the fee (2000 / 4000 / 6000 by the resident's transfer count) and the
   resident moves, in one transaction; on refusal nothing moves. The requester is told either way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from replies import N_, _, language
from residency import activity, calendar, fees, identifiers
from residency.rules import RULES
from residency.db import UnitOfWork
from residency.errors import NotFound, Refusal, Unauthorized
from residency.fees import transfer_fee
from residency.models import Notification, Resident, TransferRequest, utcnow
from residency.services.base import charge, raise_refusal, register
from residency.services.base import Quote, Service, ServiceContext, authorise, is_active

# Button payloads of the notification; the bot handles them itself (they never reach Rasa).
ACCEPT_PAYLOAD = "transfer:accept:{id}"
DECLINE_PAYLOAD = "transfer:decline:{id}"


def check_transferable(resident: Resident, today, refuse=raise_refusal) -> None:
    """Resident inside, iqama valid, no active visa (checked at request and again at acceptance); each
    refusal is passed to `refuse` (raised by default, `ctx.refuse` in the service)."""
    if resident.location != "inside":
        refuse(
            Refusal(
                "resident_outside",
                _("The resident is outside the Kingdom; services are transferred only while the resident is inside."),
            )
        )
    if resident.iqama_expiry is None or resident.iqama_expiry < today:
        refuse(
            Refusal("iqama_expired", _("The resident's iqama has expired; renew it first, then ask for the transfer."))
        )
    active = next((visa for visa in resident.visas if is_active(visa, today)), None)
    if active is not None:
        refuse(
            Refusal(
                "active_visa",
                _("The resident has valid visa {number}; cancel it first, then ask for the transfer.").format(
                    number=active.number
                ),
            )
        )


@register
class TransferSponsorship(Service):
    """Request a transfer (see the module docstring). The eligibility check without a target
    establishment (None) evaluates the resident's rules and skips the target's."""

    name = "transfer_sponsorship"
    label = N_("Sponsorship transfer (request)")
    agent_needs_approval = True
    inputs = ("iqama_number", "establishment_number")

    def fee_rule(self) -> str:
        return _(
            "Paid by the receiving establishment when it accepts: {fees} SAR for the first, the second, and "
            "the third and later transfers; nothing for your establishment."
        ).format(fees=fees.joined(RULES["sponsorship_transfer"]["fees"]))

    check_defaults = {"establishment_number": None}

    def quote(self, ctx: ServiceContext, iqama_number: str, establishment_number: str | None) -> Quote:
        resident = ctx.resident(iqama_number)
        target = None
        if establishment_number is not None or not ctx.collect:
            target_number = identifiers.parse_establishment_number(str(establishment_number))
            target = ctx.repo.establishment_by_number(target_number)
            if target is None:
                raise NotFound(
                    "unknown_establishment",
                    _("There is no establishment with unified number {number}. Check the number.").format(
                        number=target_number
                    ),
                )
            if target.id == ctx.actor.establishment_id:
                ctx.refuse(
                    Refusal(
                        "same_establishment",
                        _(
                            "The resident is already sponsored by your establishment; enter the receiving "
                            "establishment's number."
                        ),
                    )
                )
        check_transferable(resident, ctx.today, ctx.refuse)
        if ctx.repo.pending_transfer_for(resident.id) is not None:
            ctx.refuse(
                Refusal(
                    "transfer_pending",
                    _("A transfer request for this resident is waiting for the receiving establishment's answer."),
                )
            )
        if target is not None and not ctx.repo.owners(target.id):
            ctx.refuse(
                Refusal(
                    "target_has_no_owner",
                    _(
                        "The receiving establishment has no activated user in the assistant, so it cannot accept "
                        "the request for now."
                    ),
                )
            )
        return ctx.priced_quote(
            self.name,
            resident,
            inputs={"iqama_number": resident.iqama_number, "establishment_number": target.number if target else None},
            lines=[],
            effects={
                "target_number": target.number if target else None,
                "target_name": target.name_ar if target else None,
                "target_fee": transfer_fee(resident.transfer_count),
            },
            payer=target,
        )

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:
        resident = ctx.quoted_resident(quote, transaction)
        target = ctx.repo.establishment_by_number(quote.inputs["establishment_number"])
        request = TransferRequest(
            resident_id=resident.id,
            from_establishment_id=ctx.actor.establishment_id,
            to_establishment_id=target.id,
            requested_by_user_id=ctx.actor.user_id,
            fee=quote.effects["target_fee"],
            request_transaction_id=transaction.id,
        )
        ctx.repo.add(request)
        for owner in ctx.repo.owners(target.id):
            with language(getattr(owner, "language", None)):  # in the owner's language
                text = _(
                    "Transfer request from «{source}» to your establishment:\n"
                    "Resident: {name}\n"
                    "Occupation: {occupation}\n"
                    "Fee for your establishment on acceptance: {fee} SAR\n"
                    "Do you accept the request?"
                ).format(
                    source=ctx.establishment.name_ar,
                    name=resident.name_ar,
                    occupation=resident.occupation,
                    fee=request.fee,
                )
                buttons = [
                    {"title": _("Accept"), "payload": ACCEPT_PAYLOAD.format(id=request.id)},
                    {"title": _("Decline"), "payload": DECLINE_PAYLOAD.format(id=request.id)},
                ]
            ctx.repo.add(Notification(telegram_id=owner.telegram_id, text=text, buttons=buttons))
        return {"request_id": request.id, "target_number": target.number, "status": "pending"}


ACCEPTED = N_("The establishment «{establishment}» accepted the transfer request for resident {name}.")
DECLINED = N_("The establishment «{establishment}» declined the transfer request for resident {name}.")


@dataclass(frozen=True)
class TransferDecision:
    request_id: int
    status: str
    fee_charged: int
    resident_name: str
    balance_after: int
    replayed: bool = False
    # The receiving establishment's receipt number of the decision ("رقم العملية").
    receipt_number: int | None = None


def respond_transfer(uow: UnitOfWork, telegram_id: int, request_id: int, accept: bool) -> TransferDecision:
    """The receiving owner accepts (pay and move, atomically) or declines a pending transfer.

    Answering an already decided request changes nothing and reports its outcome (a double tap).
    """
    request = uow.repo.transfer_request(int(request_id), lock=True)
    if request is None or uow.repo.user_in(request.to_establishment_id, telegram_id) is None:
        authorise(uow, telegram_id, "transfer_sponsorship")  # a stranger, or a user without the service, is told so
        raise NotFound("unknown_transfer", _("Your establishment has no transfer request with this number."))
    # As the account's user in the receiving establishment, whichever establishment it works on.
    actor = authorise(uow, telegram_id, "transfer_sponsorship", request.to_establishment_id)
    if actor.role != "owner":
        raise Unauthorized("owner_only", _("Only the establishment's owner may accept or decline a transfer."))
    target = uow.repo.establishment(actor.establishment_id, lock=True)
    if request.status != "pending":
        decided = uow.repo.transaction(request.decision_transaction_id) if request.decision_transaction_id else None
        return TransferDecision(
            request.id,
            request.status,
            request.fee if request.status == "accepted" else 0,
            request.resident.name_ar,
            target.balance,
            replayed=True,
            receipt_number=decided.receipt_number if decided is not None else None,
        )
    resident = request.resident
    source = uow.repo.establishment(request.from_establishment_id, lock=True)
    transaction = uow.repo.open_transaction(
        f"transfer:{request.id}:decision",
        target.id,
        "transfer_sponsorship_accept" if accept else "transfer_sponsorship_decline",
        {"request_id": request.id, "accept": accept},
        user_id=actor.user_id,
        resident_id=resident.id,
    )
    if accept:
        if resident.establishment_id != source.id:
            raise Refusal(
                "resident_moved",
                _("The resident is no longer sponsored by the requesting establishment; the request is void."),
            )
        check_transferable(resident, calendar.today())
        fee = transfer_fee(resident.transfer_count)
        transaction.fee_lines = [{"code": "transfer_fee", "label": _("Sponsorship transfer fee"), "amount": fee}]
        transaction.total = fee
        charge(uow, target, transaction, fee)
        resident.establishment_id = target.id
        resident.transfer_count += 1
        source.expat_count = max(source.expat_count - 1, 0)
        target.expat_count += 1
        request.fee = fee
    request.status = "accepted" if accept else "declined"
    request.decided_at = utcnow()
    request.decision_transaction_id = transaction.id
    transaction.result = {"request_id": request.id, "status": request.status}
    requester = uow.repo.user(request.requested_by_user_id) if request.requested_by_user_id else None
    if requester is not None:
        with language(getattr(requester, "language", None)):  # in the requester's language
            outcome = ACCEPTED if accept else DECLINED
            text = _(outcome).format(establishment=target.name_ar, name=resident.name_ar)
        uow.repo.add(Notification(telegram_id=requester.telegram_id, text=text, buttons=[]))
    uow.repo.close_transaction(transaction, target)
    activity.record_execution(uow, transaction)
    decision = TransferDecision(
        request.id,
        request.status,
        transaction.total,
        resident.name_ar,
        target.balance,
        receipt_number=transaction.receipt_number,
    )
    uow.commit()
    return decision
