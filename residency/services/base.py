"""The service framework: actors, quotes, receipts, and exactly-once execution.

Every service of SPEC section 4 is a `Service` subclass with two methods:

- `quote(ctx, **inputs) -> Quote` checks every rule (authorisation and subscription are checked before it
  by the framework) and returns the fee breakdown and the effects, or raises a typed error.
- `apply(ctx, quote, transaction) -> dict` changes state; it runs inside `execute`, after the framework
  has re-quoted under row locks, checked that nothing changed, and charged the payer.

A rule that blocks a service is reported with `ctx.refuse(error)`, never a bare `raise`: in the normal mode
it raises at once (a quote stops at the first refusal), in the collecting mode of the eligibility check
(`ServiceContext(..., collect=True)`) it records the error and returns, so that the service goes on to its
next rule and the same rule code serves the quote and the check. Errors after which nothing can be
evaluated (an unknown resident or visa, an invalid input) are raised as before.

Callers use the module-level `quote()` and `execute()` in `residency.services`.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, field
from datetime import date
from collections.abc import Callable
from typing import Any, ClassVar

from replies import N_, _
from residency import calendar, fees, identifiers
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal, ResidencyError, Unauthorized
from residency.fees import FeeLine
from residency.models import Establishment, Resident, Transaction, User, Visa
from residency.rules import domestic_occupations

# The inquiries and reports an owner may grant to an agent; with the registered services (`SERVICES`), every
# service an owner has: residency.services.ALL_SERVICES.
INQUIRIES = (
    "inquire_resident",
    "inquire_resident_by_name",
    "inquire_driving_license",
    "inquire_visa",
    "report_expiring_iqamas",
    "report_residents_abroad",
    "forecast_costs",
    "transaction_history",
    "account_status",
)


@dataclass(frozen=True)
class Actor:
    """The user acting, resolved from its Telegram id (never from anything the conversation claims), in
    the establishment the account works on."""

    user_id: int
    telegram_id: int
    establishment_id: int
    establishment_number: str
    role: str
    services: frozenset[str]
    establishment_name: str = ""

    def may(self, service: str) -> bool:
        return self.role == "owner" or service in self.services


# An id (N_): translate it with _() where the reply is made.
NOT_ACTIVATED = N_(
    "Your account is not activated with any establishment. Ask the establishment's owner or the system "
    "administrator for an activation code, then send: /start CODE"
)
# Why a user who is not active is refused (ids), by its status.
NOT_ACTIVE = {
    "suspended": N_(
        "Your access to «{establishment}» is suspended by its owner, so nothing was done. Ask the owner to "
        "reactivate it."
    ),
    "removed": N_(
        "Your access to «{establishment}» was removed by its owner, so nothing was done. Ask the owner for a "
        "new activation code if you should work for it again."
    ),
}
OTHER_ESTABLISHMENTS = N_("You can work on another of your establishments with /est: {establishments}.")


def establishment_ref(est: Establishment) -> dict[str, str]:
    """An establishment as errors and views name it: its unified number and name."""
    return {"number": est.number, "name": est.name_ar}


def _names(refs: list[dict[str, str]]) -> str:
    return _(", ").join(f"«{ref['name']}» ({ref['number']})" for ref in refs)


def current_user(uow: UnitOfWork, telegram_id: int) -> User:
    """The account's user row in the establishment it works on: the one it chose (`accounts`), else its
    only one not removed, whatever the row's status. Unauthorized `not_activated` when the account holds
    no role anywhere, `choose_establishment` (details `establishments`: [{number, name}]) when it holds
    several and has chosen none."""
    rows = uow.repo.memberships(int(telegram_id))
    if not rows:
        raise Unauthorized("not_activated", _(NOT_ACTIVATED))
    account = uow.repo.account(int(telegram_id))
    chosen = account.current_establishment_id if account is not None else None
    user = next((row for row in rows if row.establishment_id == chosen), None)
    if user is not None:
        return user
    live = [row for row in rows if row.status != "removed"]
    if len(live) > 1:
        refs = [establishment_ref(row.establishment) for row in live]
        raise Unauthorized(
            "choose_establishment",
            _(
                "Your account works for several establishments: {establishments}. Choose the one to work on with /est."
            ).format(establishments=_names(refs)),
            establishments=refs,
        )
    return live[0] if live else rows[-1]


def resolve_actor(uow: UnitOfWork, telegram_id: int, establishment_id: int | None = None) -> Actor:
    """The activated user behind a Telegram id, in the establishment the account works on (`current_user`)
    or, given `establishment_id`, in that one (an approval's or a transfer's: the establishment a
    notification's button names; callers check first that the account holds a role there). Looked up
    once per unit of work.

    Unauthorized: `not_activated`, `choose_establishment` (see `current_user`), and `user_suspended` /
    `user_removed` for a user its owner suspended or removed, with the account's other active
    establishments in the details (`establishments`: [{number, name}], the way to switch)."""
    key = ("actor", int(telegram_id), establishment_id)
    if key not in uow.memo:
        if establishment_id is None:
            uow.memo[key] = _load_actor(uow, int(telegram_id))
        else:
            uow.memo[key] = _actor_in(uow, int(telegram_id), establishment_id)
    return uow.memo[key]


def forget_actors(uow: UnitOfWork) -> None:
    """Drop the actors looked up in this unit of work (the account's establishment or a user changed)."""
    for key in [key for key in uow.memo if key[0] == "actor"]:
        del uow.memo[key]


def _load_actor(uow: UnitOfWork, telegram_id: int) -> Actor:
    """The actor in the establishment the account works on."""
    return _actor(uow, current_user(uow, telegram_id))


def _actor_in(uow: UnitOfWork, telegram_id: int, establishment_id: int) -> Actor:
    """The actor in `establishment_id`."""
    user = uow.repo.user_in(establishment_id, telegram_id)
    if user is None:
        raise Unauthorized("not_activated", _(NOT_ACTIVATED))
    return _actor(uow, user)


def _actor(uow: UnitOfWork, user: User) -> Actor:
    """The actor of an active user row; a suspended or removed one is refused with the reason."""
    if user.status != "active":
        _refuse_inactive(uow, user)
    est = user.establishment
    return Actor(
        user_id=user.id,
        telegram_id=user.telegram_id,
        establishment_id=est.id,
        establishment_number=est.number,
        role=user.role,
        services=frozenset(user.service_set),
        establishment_name=est.name_ar,
    )


def _refuse_inactive(uow: UnitOfWork, user: User) -> None:
    others = [
        establishment_ref(row.establishment)
        for row in uow.repo.memberships(user.telegram_id)
        if row.status == "active" and row.id != user.id
    ]
    message = _(NOT_ACTIVE[user.status]).format(establishment=user.establishment.name_ar)
    if others:
        message += " " + _(OTHER_ESTABLISHMENTS).format(establishments=_names(others))
    raise Unauthorized(f"user_{user.status}", message, establishments=others)


# Open even when the subscription has lapsed: a manager must be able to see why nothing else works.
OPEN_WITHOUT_SUBSCRIPTION = frozenset({"account_status"})


def authorise(uow: UnitOfWork, telegram_id: int, service: str, establishment_id: int | None = None) -> Actor:
    """Actor (see `resolve_actor`) with permission for `service` whose establishment's subscription is active."""
    actor = resolve_actor(uow, telegram_id, establishment_id)
    if not actor.may(service):
        raise Unauthorized(
            "not_permitted",
            _("You do not have permission for this service. Ask the establishment's owner to grant it to you."),
            service=service,
        )
    est = uow.repo.establishment(actor.establishment_id)
    if est.subscription_until < calendar.today() and service not in OPEN_WITHOUT_SUBSCRIPTION:
        raise Refusal(
            "subscription_expired",
            _(
                "The establishment's subscription expired on {date}. Renew the subscription first, then repeat the request."
            ).format(date=calendar.format_date(est.subscription_until)),
        )
    return actor


def refuse_other_establishment(actor: Actor, number: str | None, name: str | None) -> None:
    """A quote (or a stored request) made for establishment `number` is carried out only while the account
    works on that establishment: Refusal `other_establishment` otherwise, naming it in the details
    (`establishment_number`, `establishment_name`) so that the chat can offer to switch. None: a quote
    stored before quotes named their establishment (its resident is looked up in the current one)."""
    if number is None or number == actor.establishment_number:
        return
    raise Refusal(
        "other_establishment",
        _(
            "This request was prepared for «{quoted}», and you are now working on «{current}», so nothing was done "
            "and nothing was charged. Switch back to «{quoted}» with /est to confirm it, or make the request again."
        ).format(quoted=name or number, current=actor.establishment_name),
        establishment_number=number,
        establishment_name=name,
    )


def refuse_stored_elsewhere(uow: UnitOfWork, actor: Actor, establishment_id: int) -> None:
    """A stored request (a bulk quote) of another establishment than the one the account works on:
    Refusal `other_establishment` (`refuse_other_establishment`) when the account is an active user there;
    otherwise nothing, and the caller answers exactly as for an unknown request."""
    user = uow.repo.user_in(establishment_id, actor.telegram_id)
    if user is not None and user.status == "active":
        refuse_other_establishment(actor, user.establishment.number, user.establishment.name_ar)


@dataclass
class Quote:
    """What a service will cost and do; `inputs` are normalised and enough to quote again.

    `total` is the total as quoted: the sum of the lines, unless a stored quote (`from_dict`) states
    another, which `same_terms` then refuses like any other changed term."""

    service: str
    inputs: dict[str, Any]
    lines: list[FeeLine]
    effects: dict[str, Any] = field(default_factory=dict)
    resident_iqama: str | None = None
    resident_name: str | None = None
    resident_name_en: str | None = None  # the Latin name, shown in English replies
    payer_number: str | None = None
    total: int | None = None
    # The establishment the quote was made for (the actor's): it executes only there
    # (`refuse_other_establishment`), and the chat names it at the head of the quote.
    establishment_number: str | None = None
    establishment_name: str | None = None

    def __post_init__(self) -> None:
        if self.total is None:
            self.total = sum(line.amount for line in self.lines)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Quote":
        data = dict(data)
        data["lines"] = [FeeLine(**line) for line in data.get("lines", [])]
        data["inputs"] = current_inputs(data.get("service"), data.get("inputs") or {})
        return cls(**data)

    def same_terms(self, other: "Quote") -> bool:
        """Same service, inputs, fees, total and effects; the wording (fee labels, the effects' note) is left
        out: it is in the reply language, which may differ between the quote and the confirmation."""
        return (self.service, self.inputs, _terms(self.lines), self.total, _facts(self.effects)) == (
            other.service,
            other.inputs,
            _terms(other.lines),
            other.total,
            _facts(other.effects),
        )


def current_inputs(service: str | None, inputs: dict[str, Any]) -> dict[str, Any]:
    """A stored quote's inputs under their current names (`Service.former_inputs`: a quote kept in a
    slot or a database row before an input was renamed is confirmed as it was shown)."""
    handler = SERVICES.get(service or "")
    former = handler.former_inputs if handler is not None else {}
    if not any(old in inputs for old in former):
        return dict(inputs)
    return {former.get(key, key): value for key, value in inputs.items()}


def _terms(lines: list[FeeLine]) -> list[tuple[str, int]]:
    return [(line.code, line.amount) for line in lines]


def _facts(effects: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in effects.items() if key != "note"}


@dataclass
class Eligibility:
    """The answer of the eligibility check (`residency.services.check`): every rule that blocks
    `service` (each a typed error with its code and an Arabic message saying what to do), and, when
    nothing blocks, the quote of what it would cost (None otherwise). Nothing is charged or written."""

    service: str
    blockers: list[ResidencyError] = field(default_factory=list)
    quote: Quote | None = None

    @property
    def possible(self) -> bool:
        return not self.blockers

    @property
    def codes(self) -> list[str]:
        return [error.code for error in self.blockers]


@dataclass(frozen=True)
class Receipt:
    """The outcome of an execution; `replayed` is True when the key had already been executed (the
    receipt is then the first execution's, field for field).

    `receipt_number` is what the user is shown as "رقم العملية": the establishment's own running number
    of its transactions. `transaction_id` is the global row id (other establishments' work counts in it),
    kept for references inside the system, never for display.
    """

    transaction_id: int
    service: str
    total: int
    balance_after: int | None
    result: dict[str, Any]
    replayed: bool = False
    receipt_number: int | None = None


class ServiceContext:
    """What a service sees: the unit of work, the actor, today, whether to lock rows (execute), and whether
    refusals are collected (the eligibility check) instead of raised (see `refuse`)."""

    def __init__(
        self, uow: UnitOfWork, actor: Actor, for_update: bool = False, collect: bool = False, check_balance: bool = True
    ) -> None:
        self.uow = uow
        self.repo = uow.repo
        self.actor = actor
        self.for_update = for_update
        self.collect = collect
        # False in a bulk quote: the balance is checked once, against the total (residency.services.bulk).
        self.check_balance = check_balance
        self.blockers: list[ResidencyError] = []
        self.today: date = calendar.today()
        self._establishment: Establishment | None = None

    def refuse(self, error: ResidencyError) -> None:
        """A rule blocks the service: raise `error` at once, or, when collecting (the eligibility check),
        record it and return so that the service evaluates its next rule."""
        if not self.collect:
            raise error
        self.blockers.append(error)

    @property
    def establishment(self) -> Establishment:
        if self.for_update:
            return self.repo.establishment(self.actor.establishment_id)
        if self._establishment is None:  # read once per context (a bulk quote quotes many residents)
            self._establishment = self.repo.establishment(self.actor.establishment_id)
        return self._establishment

    def resident(self, iqama_text: str) -> Resident:
        """The actor's establishment's resident by iqama number (validated), else NotFound (`not_found`)."""
        iqama = identifiers.parse_iqama(str(iqama_text))
        resident = self.repo.resident_by_iqama(self.actor.establishment_id, iqama, lock=self.for_update)
        if resident is None:
            raise self.not_found("unknown_resident", unknown_resident_message(iqama), iqama=iqama)
        return resident

    def not_found(
        self, code: str, message: str, iqama: str | None = None, border: str | None = None, visa: str | None = None
    ) -> NotFound:
        """NotFound for a resident (by iqama or border number) or visa the actor's establishment does not
        have. When another establishment where the account is an active user has it, the error says so and
        names that one in its details (`switch_to`: {number, name}), so that the chat can ask to switch; an
        establishment where the account holds no role is never named (exactly like an unknown number)."""
        others = [
            row.establishment_id
            for row in self.repo.memberships(self.actor.telegram_id)
            if row.status == "active" and row.establishment_id != self.actor.establishment_id
        ]
        if not others:
            return NotFound(code, message)
        if visa is not None:
            holder = self.repo.establishment_holding_visa(others, visa)
        else:
            holder = self.repo.establishment_holding_resident(others, iqama=iqama, border=border)
        if holder is None:
            return NotFound(code, message)
        switch = _("It belongs to your establishment «{name}» ({number}): switch to it with /est to act for it.")
        return NotFound(
            code,
            message + " " + switch.format(name=holder.name_ar, number=holder.number),
            switch_to=establishment_ref(holder),
        )

    def resident_and_visa(self, number_text: str, kind: str) -> tuple[Resident, Visa | None]:
        """From an iqama number (its latest visa of `kind`) or a visa number (that visa).

        When executing, the resident row is locked BEFORE its visas are read -- the order every service
        and border event uses, so that two of them never wait on each other -- and both are re-read
        under the lock.
        """
        id_kind, number = identifiers.parse_iqama_or_visa(str(number_text))
        by_visa_number = id_kind == identifiers.IdKind.VISA
        if by_visa_number:
            visa = self.repo.visa_by_number(self.actor.establishment_id, number)
            if visa is None or visa.kind != kind:
                raise self.not_found("unknown_visa", _(NO_VISA_WITH_NUMBER[kind]).format(number=number), visa=number)
            resident = visa.resident
        else:
            resident = self.resident(number)
        if self.for_update:
            self.repo.refresh(resident, lock=True)
        if by_visa_number:
            if self.for_update:
                self.repo.refresh(visa)
        else:
            visa = next((v for v in self.repo.visas_of(resident.id) if v.kind == kind), None)
        return resident, visa

    def active_visa(self, resident: Resident, kind: str) -> Visa | None:
        """The resident's active visa of `kind` (issued and not expired, or used), newest first."""
        return next((v for v in self.repo.visas_of(resident.id) if v.kind == kind and is_active(v, self.today)), None)

    def require_balance(self, payer: Establishment, total: int) -> None:
        if payer.balance < total:
            missing = total - payer.balance
            self.refuse(
                Refusal("insufficient_balance", insufficient_balance_message(payer.balance, total), missing=missing)
            )

    def priced_quote(
        self,
        service: str,
        resident: Resident,
        inputs: dict[str, Any],
        lines: list[FeeLine],
        effects: dict[str, Any],
        payer: Establishment | None = None,
    ) -> Quote:
        """The quote of `service` for `resident`, paid by `payer` (default: the actor's establishment);
        refuses `insufficient_balance` when the payer's balance does not cover a positive total."""
        quoted = Quote(
            service=service,
            inputs=inputs,
            lines=lines,
            effects=effects,
            resident_iqama=resident.iqama_number or None,  # a new arrival has no iqama yet
            resident_name=resident.name_ar,
            resident_name_en=resident.name_en or None,
            payer_number=payer.number if payer is not None else self.actor.establishment_number,
            establishment_number=self.actor.establishment_number,
            establishment_name=self.actor.establishment_name,
        )
        if quoted.total > 0 and self.check_balance:
            self.require_balance(payer or self.establishment, quoted.total)
        return quoted

    def owner_operated_cover(self, resident: Resident) -> int:
        """The size of the owner-operated exemption when it covers `resident`'s levy, else 0."""
        return owner_operated_cover(self.uow, self.establishment).get(resident.id, 0)

    def quoted_resident(self, quote: Quote, transaction) -> Resident:
        """In `apply`: the resident the quote names by iqama number, recorded as the transaction's resident."""
        resident = self.resident(quote.inputs["iqama_number"])
        transaction.resident_id = resident.id
        return resident


def owner_operated_cover(uow: UnitOfWork, est: Establishment) -> dict[int, int]:
    """{resident id: the exemption's size} of the workers the owner-operated exemption covers
    (fees.owner_operated_exemption): the establishment's first that many by hire date, domestic workers
    aside (they pay no levy anyway); {} when it has none."""
    size = fees.owner_operated_exemption(est.saudi_count, est.expat_count) if est.owner_operated else 0
    return dict.fromkeys(uow.repo.first_workers(est.id, size, domestic_occupations()), size) if size else {}


# Label tables of ids (N_): callers translate a value with _() when they make the reply.
VISA_KIND_LABELS = {"exit_reentry": N_("exit/re-entry"), "final_exit": N_("final exit")}
ENTRY_TYPE_LABELS = {"single": N_("single"), "multiple": N_("multiple")}
NO_VISA_WITH_NUMBER = {
    "exit_reentry": N_("Your establishment has no exit/re-entry visa numbered {number}. Check the number."),
    "final_exit": N_("Your establishment has no final exit visa numbered {number}. Check the number."),
}


def visa_status(visa: Visa, today: date) -> str:
    """The visa's status today: an issued visa past its date is expired even before a job marks it."""
    if visa.status == "issued" and visa.valid_until < today:
        return "expired"
    return visa.status


def is_active(visa: Visa, today: date) -> bool:
    """Issued and not yet expired, or used (the resident is abroad on it)."""
    return visa_status(visa, today) in ("issued", "used")


def insufficient_balance_message(balance: int, total: int) -> str:
    return _(
        "The establishment's balance of {balance} SAR does not cover the fees of {total} SAR; "
        "{missing} SAR are missing. Top up the balance (SADAD), then repeat the request."
    ).format(balance=balance, total=total, missing=total - balance)


def unknown_resident_message(iqama: str) -> str:
    return _(
        "Your establishment has no resident with iqama number {iqama}. Check the number or search by name."
    ).format(iqama=iqama)


def new_visa_number(uow: UnitOfWork) -> str:
    """A fresh 10-digit visa number starting with 6."""
    while True:
        number = "6" + "".join(secrets.choice("0123456789") for _ in range(9))
        if not uow.repo.visa_number_in_use(number):
            return number


def parse_period_months(value: Any, allowed: list[int]) -> int:
    """An iqama period in whole months, one of `allowed` (3, 6, 9, 12); anything else -- zero, negative,
    days, unreadable, or absurd like P99999Y -- is InvalidInput bad_period naming the allowed periods."""
    try:
        duration = calendar.Duration.parse(value)
    except InvalidInput:
        duration = None
    months = duration.months if duration is not None and duration.months else None
    if months not in allowed:
        choices = _(", ").join(str(m) for m in allowed)
        raise InvalidInput(
            "bad_period",
            _("An iqama period is {choices} months only. Choose one of them.").format(choices=choices),
            allowed=allowed,
        )
    return months


def raise_refusal(error: Exception) -> None:
    """The default `refuse` of the rule checks shared outside a service (a refusal raised at once;
    `ServiceContext.refuse` in a service, which collects them for the eligibility check)."""
    raise error


class Service:
    """Base class of every service; subclasses set `name` and implement `quote` and `apply`.

    What the dialogue needs of a service is declared on its class, once; actions/services.py (the slots a
    request reads, the visa kinds) and scripts/gen_rules.py (the services, and a check of domain.yml's
    forms) read these declarations, and tests/dialogue/test_service_declarations.py checks them against
    domain.yml and the quote's signature:

    - `inputs`: the dialogue's slots (domain.yml) a request of the service is made of, in the order its
      form asks for them (the form's required_slots). Each slot fills the quote parameter of the same
      name, with two exceptions, each declared with its own attribute:
      - `visa_kind`, set for a service that takes "an iqama or a visa number" (the kind of visa the
        number may name): it declares both slots, iqama_number and visa_number, and its quote takes ONE
        parameter, `number` (NUMBER), filled with the visa number when the request gives one, else the
        iqama number. One parameter is the clearest: the domain tells the two apart by their first digit
        (identifiers.parse_iqama_or_visa), and a service never has to choose between two numbers given.
      - `parameters`, {slot: quote parameter} where the parameter says more than the dialogue's generic
        slot: update_passport's new passport expiry comes from the `date` slot and stays
        `passport_expiry` as a parameter and in stored quotes (it says which date it is).
    - `former_inputs`: {old name: current name} of inputs renamed since quotes were stored with them (in
      the pending_quote slot, bulk_quotes and approvals rows): `Quote.from_dict` reads them under the
      current name, so such a quote is confirmed as it was shown.
    - `check_defaults` (below), keyed by quote parameter.
    - `agent_needs_approval`: once an establishment has turned approvals on, an agent's request for this
      service waits for an owner whatever its fee (SPEC 9.3: final exits and sponsorship transfers).

    - `label`, `button`, `questions`, `iqama_periods` and `fee_rule()` (below): the words for it.
    """

    name: ClassVar[str]
    # How histories, activity, approvals and receipts name it (an id, N_; residency/presentation/texts.py
    # SERVICE_LABELS holds it with the labels of what is not a service of its own).
    label: ClassVar[str]
    inputs: ClassVar[tuple[str, ...]] = ()
    visa_kind: ClassVar[str | None] = None
    parameters: ClassVar[dict[str, str]] = {}
    former_inputs: ClassVar[dict[str, str]] = {}
    # Inputs the eligibility check supplies when the user did not give them (see each service); None means
    # "not given": the service then skips the rules that need that input, in the collecting mode only.
    check_defaults: ClassVar[dict[str, Any]] = {}
    agent_needs_approval: ClassVar[bool] = False
    # The dialogue's words for the service (ids, N_, translated where shown): the button that offers it under
    # a resident's short card (None: not offered there), and its questions that differ from the generic ones
    # ({slot: question}); `iqama_periods`: its `duration` is an iqama period (rules.yml
    # iqama.allowed_periods_months), checked as one by its form and asked with the periods as buttons.
    button: ClassVar[str | None] = None
    questions: ClassVar[dict[str, str]] = {}
    iqama_periods: ClassVar[bool] = False

    def fee_rule(self) -> str:  # pragma: no cover - abstract
        """The service's fees in words, from rules.yml (the answer to "كم الرسوم؟" in the middle of its form)."""
        raise NotImplementedError

    def parameter(self, slot: str) -> str:
        """The quote parameter that `slot` (one of `inputs`) fills."""
        if self.visa_kind is not None and slot in NUMBER_SLOTS:
            return NUMBER
        return self.parameters.get(slot, slot)

    def quote_inputs(self, slot: Callable[[str], Any]) -> dict[str, Any]:
        """The keyword inputs of `quote` read from the dialogue: `slot(name)` is the value of a slot."""
        inputs: dict[str, Any] = {}
        for name in self.inputs:
            if self.parameter(name) == NUMBER:
                inputs[NUMBER] = slot("visa_number") or slot("iqama_number")
            else:
                inputs[self.parameter(name)] = slot(name)
        return inputs

    def quote(self, ctx: ServiceContext, **inputs: Any) -> Quote:  # pragma: no cover - abstract
        raise NotImplementedError

    def apply(self, ctx: ServiceContext, quote: Quote, transaction) -> dict[str, Any]:  # pragma: no cover
        raise NotImplementedError


# The quote parameter of the services that take "an iqama or a visa number" (`Service.visa_kind`), and
# the two slots it is read from, the visa number first.
NUMBER = "number"
NUMBER_SLOTS = ("visa_number", "iqama_number")


SERVICES: dict[str, Service] = {}


def register(service_class: type[Service]) -> type[Service]:
    """Class decorator: make a service reachable by its intent name."""
    SERVICES[service_class.name] = service_class()
    return service_class


def charge(uow: UnitOfWork, payer, transaction: Transaction, total: int) -> None:
    """Debit `total` from the payer with a ledger entry, or refuse saying how much is missing."""
    if total == 0:
        return
    if not uow.repo.debit(payer.id, total):
        uow.repo.refresh(payer)
        raise Refusal(
            "insufficient_balance",
            insufficient_balance_message(payer.balance, total),
            missing=total - payer.balance,
        )
    uow.repo.record_ledger(payer, transaction, -total, transaction.service)
