"""One Telegram account, several establishments (SPEC 10.4): which it holds a role in, and which it works on.

An account is a user of each establishment it holds a role in (one `users` row each, with its own role,
services and status). It works on one at a time: the one it chose (`accounts.current_establishment_id`:
`/est`, «اشتغل على مؤسسة النور», or the establishment of the code it last activated), else, with a single
establishment, that one. Every service resolves the actor in that establishment only
(residency.services.base.resolve_actor); a request naming a resident of another of its establishments is
a NotFound whose details name that one (`switch_to`), and a quote made under one establishment is refused
under another (`other_establishment`).

    establishments_of(uow, telegram_id) -> list[Membership]     # numbered 1, 2 ... as listed
    choose_establishment(uow, telegram_id, "2" | "7000000001" | "مؤسسة النور") -> Membership   # commits
    current_establishment(uow, telegram_id) -> Membership
"""

from __future__ import annotations

from dataclasses import dataclass

from replies import _
from residency import identifiers
from residency.db import UnitOfWork
from residency.errors import NotFound, Refusal, Unauthorized
from residency.models import Account, User
from residency.names import name_matches
from residency.services.base import NOT_ACTIVATED, current_user, establishment_ref, forget_actors, resolve_actor


@dataclass(frozen=True)
class Membership:
    """One establishment of the account: its place in the list (1, 2 ...), number, name, the account's role
    and status there (active or suspended), and whether it is the one the account works on."""

    position: int
    establishment_number: str
    establishment_name: str
    role: str
    status: str
    current: bool


def _memberships(uow: UnitOfWork, telegram_id: int) -> list[User]:
    """The account's user rows not removed, oldest first; Unauthorized not_activated when there are none."""
    rows = [row for row in uow.repo.memberships(int(telegram_id)) if row.status != "removed"]
    if not rows:
        raise Unauthorized("not_activated", _(NOT_ACTIVATED))
    return rows


def _current_id(uow: UnitOfWork, telegram_id: int) -> int | None:
    """The establishment the account works on, None when it must choose first."""
    try:
        return current_user(uow, telegram_id).establishment_id
    except Unauthorized:
        return None


def _views(uow: UnitOfWork, telegram_id: int) -> list[Membership]:
    current = _current_id(uow, telegram_id)
    return [
        Membership(
            position,
            row.establishment.number,
            row.establishment.name_ar,
            row.role,
            row.status,
            row.establishment_id == current,
        )
        for position, row in enumerate(_memberships(uow, telegram_id), start=1)
    ]


def establishments_of(uow: UnitOfWork, telegram_id: int) -> list[Membership]:
    """The establishments the account holds a role in (not those it was removed from), oldest first."""
    return _views(uow, telegram_id)


def current_establishment(uow: UnitOfWork, telegram_id: int) -> Membership:
    """The establishment the account works on (its status there may be suspended); Unauthorized
    not_activated, or choose_establishment when it holds several and has chosen none."""
    user = current_user(uow, telegram_id)
    return next(view for view in _views(uow, telegram_id) if view.establishment_number == user.establishment.number)


def choose_establishment(uow: UnitOfWork, telegram_id: int, choice: str | int) -> Membership:
    """Work on the establishment `choice` names, and commit: its place in `establishments_of` (1, 2 ...), its
    unified number, or its name written loosely («مؤسسة النور», «النور»; residency.names.name_matches).

    Errors: Unauthorized not_activated; NotFound unknown_establishment_choice (details `establishments`:
    [{number, name}] to choose from); Refusal ambiguous_establishment (the name fits several: details
    `establishments`, those it fits); Unauthorized user_suspended for one where the account is suspended
    (nothing changes)."""
    rows = _memberships(uow, telegram_id)
    chosen = _pick(rows, str(choice))
    if chosen.status != "active":
        resolve_actor(uow, telegram_id, chosen.establishment_id)  # refuses with the reason
    work_on(uow, telegram_id, chosen.establishment_id)
    uow.commit()
    return current_establishment(uow, telegram_id)


def _pick(rows: list[User], choice: str) -> User:
    text = identifiers.normalize_digits(choice).strip()
    if text.isdigit() and 1 <= int(text) <= len(rows):
        return rows[int(text) - 1]
    found = [row for row in rows if row.establishment.number == text]
    if not found and not text.isdigit():
        found = [row for row in rows if name_matches(text, row.establishment.name_ar)]
    if len(found) == 1:
        return found[0]
    refs = [establishment_ref(row.establishment) for row in (found or rows)]
    names = _(", ").join(f"{ref['number']} «{ref['name']}»" for ref in refs)
    if found:
        raise Refusal(
            "ambiguous_establishment",
            _("Several of your establishments fit «{choice}»: {names}. Choose one by its number.").format(
                choice=choice, names=names
            ),
            establishments=refs,
        )
    raise NotFound(
        "unknown_establishment_choice",
        _("None of your establishments fits «{choice}». Your establishments: {names}.").format(
            choice=choice, names=names
        ),
        establishments=refs,
    )


def work_on(uow: UnitOfWork, telegram_id: int, establishment_id: int) -> None:
    """Make `establishment_id` the one the account works on (not committed)."""
    account = uow.repo.account(int(telegram_id))
    if account is None:
        uow.repo.add(Account(telegram_id=int(telegram_id), current_establishment_id=establishment_id))
    else:
        account.current_establishment_id = establishment_id
    uow.repo.flush()
    forget_actors(uow)


__all__ = ["Membership", "choose_establishment", "current_establishment", "establishments_of", "work_on"]
