"""Inquiries of SPEC section 4: a resident's card, tolerant name search, driving licence and visas.

Every function takes the unit of work and the sender's Telegram id, authorises the sender for the intent,
and reads only the sender's own establishment: another establishment's resident or visa is answered exactly
like an unknown number. Nothing here writes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass
from datetime import date, timedelta

from replies import _
from residency import calendar, identifiers, queries
from residency.db import UnitOfWork
from residency.models import Resident, Visa
from residency.names import LayeredNameIndex, NameIndex, normalize_name
from residency.rules import RULES
from residency.services.base import ServiceContext, authorise, is_active, visa_status

# How many visas an inquiry by iqama number lists (rules.yml display.visas_listed).
VISAS_LISTED = int(RULES["display"]["visas_listed"])


@dataclass(frozen=True, slots=True)
class VisaInfo:
    number: str
    kind: str  # exit_reentry | final_exit
    entry_type: str | None  # single | multiple (exit/re-entry only)
    status: str  # today's status (base.visa_status): issued, used, returned, cancelled, expired
    issued_on: date
    valid_until: date  # return-before (exit/re-entry) or leave-before (final exit)
    iqama_number: str
    name_ar: str
    name_en: str = ""


@dataclass(frozen=True, slots=True)
class ResidentCard:
    iqama_number: str
    name_ar: str
    name_en: str
    nationality: str
    occupation: str
    iqama_expiry: date | None
    iqama_days_left: int | None
    passport_number: str
    passport_expiry: date
    passport_days_left: int
    location: str  # inside | outside
    dependants: int
    active_visas: list[VisaInfo]


# A resident's iqama within this many days of expiry (or expired) puts its renewal first; a passport
# within this many days puts the passport update among the likely services.
RENEWAL_FIRST_DAYS = 90
PASSPORT_SOON_DAYS = 180


def likely_services(card: ResidentCard, limit: int = 4) -> list[str]:
    """The services a manager most likely wants for this resident now (service intent names, most likely
    first), offered as buttons under a bare iqama number: what the resident's state allows, soonest need first."""
    visas = {(v.kind, v.status) for v in card.active_visas}
    if card.iqama_expiry is None:
        return ["issue_iqama"]
    services: list[str] = []
    renew_soon = card.iqama_days_left is not None and card.iqama_days_left <= RENEWAL_FIRST_DAYS
    if card.location == "outside":
        services += ["extend_exit_reentry", "renew_iqama"]
    elif ("final_exit", "issued") in visas:
        services += ["cancel_final_exit"]
    elif ("exit_reentry", "issued") in visas:
        services += ["cancel_exit_reentry"] + (["renew_iqama"] if renew_soon else [])  # extending: abroad only
    else:
        services += (["renew_iqama"] if renew_soon else []) + ["issue_exit_reentry", "issue_final_exit"]
        services += [] if renew_soon else ["renew_iqama"]
    if card.passport_days_left <= PASSPORT_SOON_DAYS:
        services.insert(1, "update_passport")
    if card.location != "outside":
        services.append("change_occupation")
    return list(dict.fromkeys(services))[:limit]


@dataclass(frozen=True, slots=True)
class NameMatch:
    iqama_number: str
    name_ar: str
    name_en: str
    nationality: str
    occupation: str
    score: float  # 0-100, higher is closer


@dataclass(frozen=True, slots=True)
class LicenceInfo:
    iqama_number: str
    name_ar: str
    licence_type: str
    number: str
    expiry: date
    days_left: int
    name_en: str = ""


def _visa_info(visa: Visa, resident: Resident, today: date) -> VisaInfo:
    return VisaInfo(
        number=visa.number,
        kind=visa.kind,
        entry_type=visa.entry_type,
        status=visa_status(visa, today),
        issued_on=visa.issued_on,
        valid_until=visa.valid_until,
        iqama_number=resident.iqama_number,
        name_ar=resident.name_ar,
        name_en=resident.name_en or "",
    )


def resident_card(uow: UnitOfWork, telegram_id: int, iqama_text: str) -> ResidentCard:
    """The card of the sender's establishment's resident with this iqama number (NotFound otherwise)."""
    ctx = ServiceContext(uow, authorise(uow, telegram_id, "inquire_resident"))
    resident = ctx.resident(iqama_text)
    today = ctx.today
    active = [_visa_info(v, resident, today) for v in uow.repo.visas_of(resident.id) if is_active(v, today)]
    return ResidentCard(
        iqama_number=resident.iqama_number,
        name_ar=resident.name_ar,
        name_en=resident.name_en,
        nationality=resident.nationality,
        occupation=resident.occupation,
        iqama_expiry=resident.iqama_expiry,
        iqama_days_left=calendar.days_until(resident.iqama_expiry, today) if resident.iqama_expiry else None,
        passport_number=resident.passport_number,
        passport_expiry=resident.passport_expiry,
        passport_days_left=calendar.days_until(resident.passport_expiry, today),
        location=resident.location,
        dependants=resident.dependants,
        active_visas=active,
    )


def driving_licence(uow: UnitOfWork, telegram_id: int, iqama_text: str) -> LicenceInfo | None:
    """The resident's driving licence, or None when none is recorded (the resident must exist)."""
    ctx = ServiceContext(uow, authorise(uow, telegram_id, "inquire_driving_license"))
    resident = ctx.resident(iqama_text)
    licence = resident.licence
    if licence is None:
        return None
    return LicenceInfo(
        iqama_number=resident.iqama_number,
        name_ar=resident.name_ar,
        licence_type=licence.licence_type,
        number=licence.number,
        expiry=licence.expiry,
        days_left=calendar.days_until(licence.expiry, ctx.today),
        name_en=resident.name_en or "",
    )


def visas_of_resident(uow: UnitOfWork, telegram_id: int, iqama_text: str) -> list[VisaInfo]:
    """The resident's current visas first, then the latest others; at most VISAS_LISTED, newest first."""
    ctx = ServiceContext(uow, authorise(uow, telegram_id, "inquire_visa"))
    resident = ctx.resident(iqama_text)
    visas = uow.repo.visas_of(resident.id)  # newest first
    ordered = sorted(visas, key=lambda v: not is_active(v, ctx.today))  # stable: keeps newest first
    return [_visa_info(v, resident, ctx.today) for v in ordered[:VISAS_LISTED]]


def visa_by_number(uow: UnitOfWork, telegram_id: int, visa_text: str) -> VisaInfo:
    """One of the sender's establishment's visas by its number (NotFound otherwise)."""
    ctx = ServiceContext(uow, authorise(uow, telegram_id, "inquire_visa"))
    number = identifiers.parse_visa_number(str(visa_text))
    visa = uow.repo.visa_by_number(ctx.actor.establishment_id, number)
    if visa is None:
        raise ctx.not_found(
            "unknown_visa",
            _("Your establishment has no visa numbered {number}. Check the number.").format(number=number),
            visa=number,
        )
    return _visa_info(visa, visa.resident, ctx.today)


# --- name search ---------------------------------------------------------------------------------------


class NameIndexCache:
    """Per-establishment name indexes kept in this process and kept current cheaply.

    The version is the establishment's latest `Resident.updated_at`, one look-up in the
    (establishment_id, updated_at) index (counting 100,000 rows instead costs 8-27 ms). When it moved, only
    the residents changed since (with a look-back margin for late commits and clock skew between servers)
    are read and layered over the cached index; past `MAX_CHANGES` changed residents the index is rebuilt.
    A resident leaving (transfer, deletion) is harmless: search results are re-read with the establishment
    filter. Bounded: the least recently used establishment's index goes first.
    """

    MAX_CHANGES = 5_000
    # Re-read residents changed this long before the cached version too: a transaction stamped earlier but
    # committed later, or a server whose clock lags a little, is not missed.
    LOOK_BACK = timedelta(seconds=2)

    def __init__(self, max_establishments: int = 64) -> None:
        self._indexes: OrderedDict[tuple[str, int], tuple[object, LayeredNameIndex]] = OrderedDict()
        self._lock = threading.Lock()
        self._max = max_establishments

    def clear(self) -> None:
        with self._lock:
            self._indexes.clear()

    @staticmethod
    def _names(uow: UnitOfWork, establishment_id: int, changed_since=None) -> list[tuple[int, str]]:
        return queries.resident_names(uow, establishment_id, changed_since)

    def get(self, uow: UnitOfWork, establishment_id: int) -> LayeredNameIndex:
        key = (queries.database_key(uow), establishment_id)
        version = queries.names_version(uow, establishment_id)
        with self._lock:
            cached_version, index = self._indexes.get(key, (None, None))
        if index is None or cached_version is None or version is None:
            index = LayeredNameIndex(NameIndex(self._names(uow, establishment_id)))
        elif version != cached_version:
            index = index.with_changes(self._names(uow, establishment_id, cached_version - self.LOOK_BACK))
            if len(index.changes) > self.MAX_CHANGES:
                index = LayeredNameIndex(NameIndex(self._names(uow, establishment_id)))
        with self._lock:
            self._indexes[key] = (version, index)
            self._indexes.move_to_end(key)
            while len(self._indexes) > self._max:
                self._indexes.popitem(last=False)
        return index


NAME_INDEX = NameIndexCache()


def _ranked_residents(
    uow: UnitOfWork, telegram_id: int, name_text: str, limit: int
) -> tuple[list, list[tuple[int, float]]]:
    """(the sender's establishment's residents among the best `limit` names, those (resident id, score) pairs)."""
    actor = authorise(uow, telegram_id, "inquire_resident_by_name")
    if not normalize_name(name_text):
        return [], []
    index = NAME_INDEX.get(uow, actor.establishment_id)
    ranked = index.search(name_text, limit=limit, min_score=RULES["search"]["min_score"])
    if not ranked:
        return [], []
    # Re-read the few winners: current names, and never a resident that has left this establishment.
    rows = queries.residents_among(uow, actor.establishment_id, [resident_id for resident_id, _ in ranked])
    return rows, ranked


def _matches(rows, ranked) -> list[NameMatch]:
    by_id = {r.id: r for r in rows}
    return [
        NameMatch(r.iqama_number, r.name_ar, r.name_en, r.nationality, r.occupation, round(score, 1))
        for resident_id, score in ranked
        if (r := by_id.get(resident_id)) is not None
    ]


def search_residents(uow: UnitOfWork, telegram_id: int, name_text: str, limit: int | None = None) -> list[NameMatch]:
    """Residents (with an iqama) whose name is closest to `name_text`, best first; at most rules.yml
    search.max_matches, only those scoring at least search.min_score (an empty list when none does).
    An Arabic query is matched against the Arabic names, a Latin one against the Latin names."""
    rules = RULES["search"]
    limit = rules["max_matches"] if not limit or limit < 1 else min(limit, rules["max_matches"])
    return _matches(*_ranked_residents(uow, telegram_id, name_text, limit))


@dataclass(frozen=True, slots=True)
class NameSearchPage:
    """One page of a name search ("ابحث عن محمد"): at most search.max_matches names."""

    query: str
    matches: list[NameMatch]
    page: int  # 1-based
    found: int  # names matching, counted up to search.narrow_above + 1
    many: bool  # more than search.narrow_above match: the query should be narrowed, not paged through

    @property
    def first(self) -> int:
        """The position (1-based) of this page's first match among all matches."""
        return (self.page - 1) * int(RULES["search"]["max_matches"]) + 1

    @property
    def more(self) -> bool:
        """A next page exists and is worth offering (the matches are few enough to page through)."""
        return not self.many and self.first - 1 + len(self.matches) < self.found


def search_residents_page(uow: UnitOfWork, telegram_id: int, name_text: str, page: int = 1) -> NameSearchPage:
    """Page `page` of the residents matching `name_text` (ranked as `search_residents`), with how many
    match in all: up to search.narrow_above they can be paged through; past it only the first page is
    shown and the sender is asked to narrow the name down (a family name, or the iqama number)."""
    rules = RULES["search"]
    per_page, narrow_above = int(rules["max_matches"]), int(rules["narrow_above"])
    rows, ranked = _ranked_residents(uow, telegram_id, name_text, narrow_above + 1)
    matches = _matches(rows, ranked)
    many = len(matches) > narrow_above
    pages = max(1, -(-min(len(matches), narrow_above) // per_page))
    page = 1 if many else min(max(1, int(page or 1)), pages)
    start = (page - 1) * per_page
    return NameSearchPage(name_text, matches[start : start + per_page], page, len(matches), many)
