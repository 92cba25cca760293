"""Service entry points: `quote` (check every rule, price it) and `execute` (exactly once, atomically).

    with UnitOfWork() as uow:
        q = quote(uow, telegram_id, "renew_iqama", iqama_number="2158813994", duration="P12M")
    with UnitOfWork() as uow:
        receipt = execute(uow, telegram_id, q, idempotency_key="...")

`execute` re-checks everything under row locks, refuses with `QuoteChanged` (its `quote` detail: the
current terms) if the terms moved since the quote -- or if the quote given states terms its lines do not
make, such as an altered total -- charges the payer, applies the change and records the transaction, its ledger entry and its line of the
activity log (residency.activity) in ONE database transaction. Executing the same idempotency key again -- later or at the same moment -- returns the first
receipt and charges nothing. A receipt's `receipt_number` is the establishment's own running number of the
transaction ("رقم العملية"); `transaction_id` is the global row id, not for display.
"""

from __future__ import annotations

import inspect
from dataclasses import replace
from typing import Any

from sqlalchemy.exc import IntegrityError

from replies import _
from residency import activity
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, QuoteChanged, Refusal, ResidencyError
from residency.models import Transaction

# Importing the service modules registers them (residency.services.base.register).
from residency.services import iqama, resident_changes, sponsorship, visas  # noqa: F401
from residency.services.base import (
    INQUIRIES,
    SERVICES,
    Actor,
    Eligibility,
    NUMBER,
    FeeLine,
    Quote,
    Receipt,
    Service,
    ServiceContext,
    authorise,
    charge,
    refuse_other_establishment,
    register,
    resolve_actor,
)

# Every service an owner has and may grant to an agent: the registered services, then the inquiries and reports.
ALL_SERVICES = (*SERVICES, *INQUIRIES)
# Every input a service's request is made of (the dialogue's slots, named as the entities that fill them),
# in the order the services declare them.
INPUT_SLOTS = tuple(dict.fromkeys(slot for service in SERVICES.values() for slot in service.inputs))


def service_handler(name: str) -> Service:
    try:
        return SERVICES[name]
    except KeyError:
        raise NotFound("unknown_service", _("This service is not available.")) from None


def quote(uow: UnitOfWork, telegram_id: int, service: str, **inputs: Any) -> Quote:
    """Check every rule of `service` for this user and price it; raises a typed error otherwise."""
    actor = authorise(uow, telegram_id, service)
    return service_handler(service).quote(ServiceContext(uow, actor), **inputs)


def check(uow: UnitOfWork, telegram_id: int, service: str, **inputs: Any) -> Eligibility:
    """The eligibility check (SPEC 9.3): EVERY rule of `service` that blocks it, or the quote of what it
    would cost. Charges nothing, writes nothing, asks for no confirmation.

    The service's own `quote` runs in the collecting mode of `ServiceContext` (the same rule code as a
    quote): each refusal is recorded and the next rule evaluated; an error after which nothing can be
    evaluated (not activated, not permitted, unknown service, resident or visa, an invalid input) ends
    the check and is listed after the refusals already recorded (usually alone). An expired
    subscription is a blocker and the service's rules are still evaluated. Any blocker: `quote` None.

    Inputs the user did not give (None or absent) take the service's `check_defaults`:
    - issue_iqama, renew_iqama: a duration of 12 months (the only period open to every occupation);
    - issue_exit_reentry: a single visa of 1 month (the shortest whole-month duration, the base fee);
    - extend_exit_reentry: 1 extra month;
    - change_occupation (occupation), transfer_sponsorship (target establishment), update_passport (new
      passport number and expiry): not given, the rules that need them are skipped and the others
      evaluated (the fee of a change of occupation is still quoted).
    Inputs the service does not take are ignored. The resident's (or visa's, or border) number is
    needed: without it the single blocker is InvalidInput `missing_number`.
    """
    try:
        blockers: list[ResidencyError] = []
        try:
            actor = authorise(uow, telegram_id, service)
        except Refusal as err:  # subscription_expired: the user's permission was checked before it
            blockers.append(err)
            actor = resolve_actor(uow, telegram_id)
        handler = service_handler(service)
        params = list(inspect.signature(handler.quote).parameters.values())[1:]  # after ctx
        given = {**handler.check_defaults, **{k: v for k, v in inputs.items() if v is not None}}
        # Inputs the service does not take (another service's slots) are ignored.
        args = {p.name: given[p.name] for p in params if p.name in given}
        required = [p.name for p in params if p.default is inspect.Parameter.empty]
        if any(name not in args for name in required):
            return Eligibility(
                service,
                blockers
                + [
                    InvalidInput(
                        "missing_number",
                        _(
                            "Give the iqama number (or the visa or border number) to check whether the service is possible."
                        ),
                    )
                ],
            )
        ctx = ServiceContext(uow, actor, collect=True)
        ctx.blockers = blockers
        try:
            quoted = handler.quote(ctx, **args)
        except ResidencyError as err:
            return Eligibility(service, ctx.blockers + [err])
        if ctx.blockers:
            return Eligibility(service, ctx.blockers)
        return Eligibility(service, [], quoted)
    except ResidencyError as err:
        return Eligibility(service, [err])


def execute(
    uow: UnitOfWork,
    telegram_id: int,
    quoted: Quote | dict,
    idempotency_key: str,
    establishment_id: int | None = None,
) -> Receipt:
    """Execute a confirmed quote exactly once under `idempotency_key` (see module docstring), as the
    account's user in the establishment it works on (or in `establishment_id`: an approved request runs in
    its own establishment). A quote made for another establishment is refused (`other_establishment`).

    Every duplicate of a key -- a later call, or one running at the same moment -- gets the first
    execution's receipt (`replayed=True`) and is charged nothing:
    - a later call finds the stored transaction at once;
    - a concurrent one claims the key first (the transaction row is written before any rule is checked
      again or any row is locked), so it waits on the first execution's uncommitted row and, when that
      commits, fails on the key's unique index; it then rolls back and reads the stored receipt in a
      fresh database transaction. If the first execution fails instead, its row disappears and the
      waiting one simply goes ahead.
    """
    if isinstance(quoted, dict):
        quoted = Quote.from_dict(quoted)
    actor = authorise(uow, telegram_id, quoted.service, establishment_id)
    refuse_other_establishment(actor, quoted.establishment_number, quoted.establishment_name)
    prior = _prior_receipt(uow, actor, idempotency_key)
    if prior is not None:
        return prior
    service = service_handler(quoted.service)
    try:
        return _execute_once(uow, actor, service, quoted, idempotency_key)
    except IntegrityError:
        # A concurrent execution with the same key committed first.
        uow.rollback()
        prior = _prior_receipt(uow, actor, idempotency_key)
        if prior is None:
            raise
        return prior


def prior_receipt(
    uow: UnitOfWork, telegram_id: int, idempotency_key: str, establishment_id: int | None = None
) -> Receipt | None:
    """The receipt of an earlier execution under `idempotency_key` by the actor's establishment (see
    `resolve_actor` for `establishment_id`), if any."""
    return _prior_receipt(uow, resolve_actor(uow, telegram_id, establishment_id), idempotency_key)


def _execute_once(uow: UnitOfWork, actor: Actor, service: Service, quoted: Quote, key: str) -> Receipt:
    try:
        # Claim the key before anything else (see `execute`): a same-key execution waits here.
        transaction = uow.repo.open_transaction(
            key, actor.establishment_id, quoted.service, quoted.inputs, user_id=actor.user_id
        )
        ctx = ServiceContext(uow, actor, for_update=True)
        fresh = service.quote(ctx, **quoted.inputs)
        if not fresh.same_terms(quoted):
            raise QuoteChanged(
                "quote_changed",
                _(
                    "The request's details or fees changed after they were shown, so nothing was done and nothing "
                    "was charged."
                ),
                quote=fresh.to_dict(),
            )
        transaction.inputs = fresh.inputs
        transaction.fee_lines = [line.__dict__ for line in fresh.lines]
        transaction.total = fresh.total
        payer = ctx.establishment
        charge(uow, payer, transaction, fresh.total)
        transaction.result = service.apply(ctx, fresh, transaction)
        uow.repo.close_transaction(transaction, payer)
        activity.record_execution(uow, transaction)
        receipt = _receipt(transaction)
        uow.commit()
        return receipt
    except BaseException:
        # Release the claimed key at once (a waiting duplicate goes ahead), whatever the caller does next.
        uow.rollback()
        raise


def _receipt(transaction: Transaction, replayed: bool = False) -> Receipt:
    return Receipt(
        transaction.id,
        transaction.service,
        transaction.total,
        transaction.balance_after,
        dict(transaction.result or {}),
        replayed=replayed,
        receipt_number=transaction.receipt_number,
    )


def _prior_receipt(uow: UnitOfWork, actor: Actor, key: str) -> Receipt | None:
    prior = uow.repo.transaction_by_key(key)
    if prior is None:
        return None
    if prior.establishment_id != actor.establishment_id:
        raise NotFound("unknown_request", _("This request does not exist."))
    receipt = _receipt(prior, replayed=True)
    if receipt.balance_after is None:  # a row from before balance_after was recorded
        establishment = uow.repo.establishment(actor.establishment_id)
        receipt = replace(receipt, balance_after=establishment.balance)
    return receipt


__all__ = [
    "ALL_SERVICES",
    "SERVICES",
    "Actor",
    "Eligibility",
    "FeeLine",
    "NUMBER",
    "Quote",
    "Receipt",
    "check",
    "execute",
    "quote",
    "register",
    "resolve_actor",
]
