"""An establishment's users, managed by its owners from chat (SPEC 10.4) and by the administrator's CLI.

Owners only (an agent, or an owner acting for another establishment, is refused: Unauthorized
`owner_only`), for the establishment the account works on:

    add_agent(uow, telegram_id, services, name=None) -> Invitation        # a one-time activation code
    list_users(uow, telegram_id) -> list[UserView]                        # role, services, status, last activity
    set_agent_services(uow, telegram_id, agent, services) -> UserView
    suspend_agent(uow, telegram_id, agent) -> UserChange                  # its pending approvals lapse
    reactivate_agent(uow, telegram_id, agent) -> UserView
    remove_agent(uow, telegram_id, agent) -> UserChange                   # its pending approvals lapse

`agent` is the agent's Telegram id or its display name written loosely (residency.activity.find_user:
NotFound unknown_user, Refusal ambiguous_user); an owner is not an agent (Refusal not_an_agent). Services
are service names of residency.services.ALL_SERVICES (residency.activation.parse_services: InvalidInput
unknown_service, agent_needs_services). How owners call an agent: the display name given when it is added
(`name`, optional, at most 100 characters: InvalidInput name_too_long), else its Telegram id.

A suspended agent is refused every request with the reason until an owner reactivates it; a removed one
likewise, for good (a new code brings it back). The row of a removed user stays: its transactions and
activity name it. Each change commits with its line in the activity log, and a suspension or removal
lapses the agent's pending approvals in the same transaction (the agent and the other owners are told
through the notification outbox).

The administrator (CLI): `establishment_users`, `remove_user` (any user, an owner too).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from replies import _
from residency import activity, queries
from residency.activation import new_code, parse_services
from residency.activity import find_user
from residency.db import UnitOfWork
from residency.errors import Refusal, Unauthorized
from residency.establishments import find_establishment
from residency.models import User, service_names
from residency.services.approvals import lapse_for_maker
from residency.services.base import Actor, resolve_actor


@dataclass(frozen=True)
class UserView:
    """A user as the owners see it: Telegram id, display name (None: none given), role, the services of an
    agent (sorted; () for an owner: every service), status (active, suspended, removed) and the time of its
    latest line in the activity log (None: nothing yet)."""

    telegram_id: int
    name: str | None
    role: str
    services: tuple[str, ...]
    status: str
    last_activity: datetime | None


@dataclass(frozen=True)
class Invitation:
    """A new agent's one-time activation code (to hand over: `/start CODE`), with what it grants."""

    code: str
    services: tuple[str, ...]
    name: str | None
    expires_at: datetime


@dataclass(frozen=True)
class UserChange:
    """A suspension or removal: the user as it is now and the numbers of its requests that lapsed."""

    user: UserView
    lapsed_approvals: tuple[int, ...]


def _owner(uow: UnitOfWork, telegram_id: int) -> Actor:
    actor = resolve_actor(uow, telegram_id)
    if actor.role != "owner":
        raise Unauthorized(
            "owner_only", _("Only the establishment's owner may add, change, suspend or remove its users.")
        )
    return actor


def _agent(uow: UnitOfWork, actor: Actor, agent: str | int) -> User:
    user = find_user(uow, actor.establishment_id, agent, removed=False)
    if user.role != "agent":
        raise Refusal(
            "not_an_agent",
            _("«{name}» is an owner of the establishment; only agents are changed, suspended or removed here.").format(
                name=activity.user_name(user)
            ),
        )
    return user


def _view(user: User, last: dict[int, datetime]) -> UserView:
    moment = last.get(user.id)
    if moment is not None and moment.tzinfo is None:  # SQLite gives back naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    services = tuple(sorted(user.service_set)) if user.role == "agent" else ()
    return UserView(user.telegram_id, user.display_name, user.role, services, user.status, moment)


def _views(uow: UnitOfWork, establishment_id: int) -> list[UserView]:
    last = queries.last_activity(uow, establishment_id)
    return [_view(user, last) for user in uow.repo.users_of(establishment_id) if user.status != "removed"]


def add_agent(uow: UnitOfWork, telegram_id: int, services, name: str | None = None) -> Invitation:
    """A one-time activation code for a new agent with these services (the codes of residency.activation:
    stored hashed, expiring after rules.yml activation.code_valid_hours, single use); commits."""
    actor = _owner(uow, telegram_id)
    code, row = new_code(uow, actor.establishment_id, "agent", services, name, actor.user_id)
    uow.commit()
    return Invitation(code, tuple(sorted(service_names(row.services))), row.display_name, row.expires_at)


def list_users(uow: UnitOfWork, telegram_id: int) -> list[UserView]:
    """The establishment's users (not those removed), in the order they were added."""
    return _views(uow, _owner(uow, telegram_id).establishment_id)


def find_agent(uow: UnitOfWork, telegram_id: int, agent: str | int) -> UserView:
    """The agent `agent` names (a Telegram id or a display name written loosely), as the owners see it;
    the errors of `_agent` otherwise."""
    actor = _owner(uow, telegram_id)
    return _view(_agent(uow, actor, agent), queries.last_activity(uow, actor.establishment_id))


def set_agent_services(uow: UnitOfWork, telegram_id: int, agent: str | int, services) -> UserView:
    """Give the agent exactly these services (its next request is authorised against them); commits."""
    actor = _owner(uow, telegram_id)
    user = _agent(uow, actor, agent)
    user.services = parse_services("agent", services)
    activity.record_user_change(
        uow, actor.establishment_id, "services_changed", actor.user_id, user, services=sorted(user.service_set)
    )
    uow.commit()
    return _view(user, queries.last_activity(uow, actor.establishment_id))


def suspend_agent(uow: UnitOfWork, telegram_id: int, agent: str | int) -> UserChange:
    """Suspend the agent (Refusal already_suspended when it is); its pending approvals lapse; commits."""
    actor = _owner(uow, telegram_id)
    user = _agent(uow, actor, agent)
    if user.status == "suspended":
        raise Refusal(
            "already_suspended",
            _("«{name}» is suspended already.").format(name=activity.user_name(user)),
        )
    return _take_away(uow, actor.establishment_id, actor.user_id, user, "suspended")


def reactivate_agent(uow: UnitOfWork, telegram_id: int, agent: str | int) -> UserView:
    """Let a suspended agent work again with the services it had (Refusal not_suspended otherwise); commits."""
    actor = _owner(uow, telegram_id)
    user = _agent(uow, actor, agent)
    if user.status != "suspended":
        raise Refusal("not_suspended", _("«{name}» is not suspended.").format(name=activity.user_name(user)))
    user.status = "active"
    activity.record_user_change(uow, actor.establishment_id, "reactivated", actor.user_id, user)
    uow.commit()
    return _view(user, queries.last_activity(uow, actor.establishment_id))


def remove_agent(uow: UnitOfWork, telegram_id: int, agent: str | int) -> UserChange:
    """Remove the agent (suspended or not); its pending approvals lapse; commits."""
    actor = _owner(uow, telegram_id)
    return _take_away(uow, actor.establishment_id, actor.user_id, _agent(uow, actor, agent), "removed")


def _take_away(uow: UnitOfWork, establishment_id: int, by_user_id: int | None, user: User, status: str) -> UserChange:
    """Suspend or remove `user`: its status, its pending approvals lapsed, its activity line; commits."""
    user.status = status
    lapsed = lapse_for_maker(uow, user, status, by_user_id)
    activity.record_user_change(uow, establishment_id, status, by_user_id, user, lapsed_approvals=lapsed)
    uow.commit()
    return UserChange(_view(user, queries.last_activity(uow, establishment_id)), tuple(lapsed))


def establishment_users(uow: UnitOfWork, establishment_number: str) -> list[UserView]:
    """The establishment's users (not those removed): the administrator's `muqeem user list`."""
    return _views(uow, find_establishment(uow, establishment_number).id)


def remove_user(uow: UnitOfWork, establishment_number: str, telegram_id: int) -> UserChange:
    """The administrator removes a user of the establishment, an owner too (`muqeem user remove`); NotFound
    unknown_user when the account is not one."""
    est = find_establishment(uow, establishment_number)
    user = find_user(uow, est.id, int(telegram_id), removed=False)
    return _take_away(uow, est.id, None, user, "removed")


__all__ = [
    "Invitation",
    "UserChange",
    "UserView",
    "add_agent",
    "establishment_users",
    "list_users",
    "reactivate_agent",
    "remove_agent",
    "remove_user",
    "set_agent_services",
    "suspend_agent",
]
