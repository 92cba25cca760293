"""A passport photo's machine-readable zone -> the update_passport quote of the resident it belongs to.

`quote_from_mrz(uow, telegram_id, text)`: the user must be allowed update_passport (as for a typed
request); the zone is verified (residency.passport_mrz, every check digit), must not be expired, and
is matched to ONE resident of the user's establishment:
- the resident whose recorded passport number is the zone's document number, or
- the resident with the zone's birth date (YYMMDD), nationality (the recorded country's, in whatever form
  it was recorded: residency.nationalities) and Latin names (name_en, word order and one typo per word tolerated).
Residents of other establishments are never looked at, so one of them is answered exactly like no
resident at all. The quote is the ordinary `services.quote(..., "update_passport", ...)`, so every rule
of that service applies and its confirmation executes it exactly once. Nothing is written here.
"""

from __future__ import annotations

from datetime import date

from rapidfuzz import fuzz

from replies import N_, _
from residency import calendar, services
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound, Refusal
from residency.models import Resident
from residency.names import normalize_name
from residency.nationalities import same_country
from residency.passport_mrz import Mrz, parse_td3
from residency.services import Quote, authorise

SERVICE = "update_passport"
NAME_SCORE = 85  # rapidfuzz ratio of a name word to count as the same word (one typo in a long word)
MAX_STRAY_LETTERS = 2  # letters of the zone's names that no recorded word explains (OCR's stray K)

# Ids (N_), translated with _() where the error is raised.
EXPIRED = N_(
    "This passport expired on {expiry}, so it is not recorded for the resident. Send a photo of the new, valid "
    "passport's data page."
)
NO_MATCH = N_(
    "I read the passport ({number}) but found no resident of your establishment matching it by current "
    "passport number, nor by name, nationality and date of birth, so nothing was changed. Write the request "
    "with the iqama number, like: update passport 2XXXXXXXXX"
)
AMBIGUOUS = N_(
    "The passport ({number}) matches more than one resident of your establishment, so nothing was changed. "
    "Write the request with the intended resident's iqama number, like: update passport 2XXXXXXXXX"
)
NUMBER_SHAPE = N_(
    "The passport number in the photo ({number}) has a form the system does not accept yet (one or two Latin "
    "letters then digits, or digits only), so nothing was changed. Ask the system administrator, or write the "
    "request yourself: update passport 2XXXXXXXXX"
)
ALREADY_RECORDED = N_(
    "This passport ({number}, expiring {expiry}) is already recorded for the resident {name}, so there is no "
    "need to update it."
)


def quote_from_mrz(uow: UnitOfWork, telegram_id: int, text: str) -> Quote:
    """The update_passport quote for the passport whose zone is `text` (see the module docstring)."""
    actor = authorise(uow, telegram_id, SERVICE)
    mrz = parse_td3(text)
    today = calendar.today()
    if mrz.expiry <= today:
        raise Refusal("passport_expired", _(EXPIRED).format(expiry=calendar.format_date(mrz.expiry)))
    resident = match_resident(uow, actor.establishment_id, mrz)
    if resident.passport_number == mrz.document_number and resident.passport_expiry == mrz.expiry:
        raise Refusal(
            "passport_already_recorded",
            _(ALREADY_RECORDED).format(
                number=mrz.document_number, expiry=calendar.format_date(mrz.expiry), name=resident.name_ar
            ),
        )
    try:
        return services.quote(
            uow,
            telegram_id,
            SERVICE,
            iqama_number=resident.iqama_number,
            passport_number=mrz.document_number,
            passport_expiry=mrz.expiry,
        )
    except InvalidInput as error:
        if error.code != "bad_passport":
            raise
        # The number is printed as it is; only the shapes rules.yml accepts can be recorded.
        raise InvalidInput("passport_number_shape", _(NUMBER_SHAPE).format(number=mrz.document_number)) from None


def match_resident(uow: UnitOfWork, establishment_id: int, mrz: Mrz) -> Resident:
    """The one resident of the establishment the zone belongs to; NotFound / Refusal otherwise."""
    births = _birth_dates(mrz.birth_date)
    rows = uow.repo.residents_matching_passport(establishment_id, mrz.document_number, births)
    matches = [r for r in rows if r.passport_number == mrz.document_number or _same_person(r, mrz)]
    if not matches:
        raise NotFound("passport_no_match", _(NO_MATCH).format(number=mrz.document_number))
    if len(matches) > 1:
        raise Refusal("passport_ambiguous", _(AMBIGUOUS).format(number=mrz.document_number))
    return matches[0]


def _birth_dates(yymmdd: str) -> list[date]:
    """Both centuries' dates of a YYMMDD birth date (the zone does not say which)."""
    found = []
    for century in (1900, 2000):
        try:
            found.append(date(century + int(yymmdd[:2]), int(yymmdd[2:4]), int(yymmdd[4:6])))
        except ValueError:
            pass
    return found


def _same_person(resident: Resident, mrz: Mrz) -> bool:
    """Birth date (already selected), nationality and Latin names all agree."""
    if not same_country(resident.nationality, mrz.nationality):
        return False
    return names_match(resident.name_en or "", mrz.names)


def names_match(name_en: str, mrz_names: list[str]) -> bool:
    """Every word of the recorded Latin name pairs with its own zone word (ratio >= NAME_SCORE, or a
    prefix of the zone's last word, which the 39-character field may cut), and no zone word is left;
    or, when a separator was lost or a stray letter glued on («MARIAKLUISA»), every recorded word is
    found in the zone's letters run together with at most MAX_STRAY_LETTERS left over."""
    recorded = normalize_name(name_en).split()
    zone = normalize_name(" ".join(mrz_names)).split()
    if not recorded or not zone:
        return False
    return _word_by_word(recorded, zone) or _run_together(recorded, "".join(zone))


def _word_by_word(recorded: list[str], zone: list[str]) -> bool:
    if len(recorded) != len(zone):
        return False
    left = list(zone)
    for word in recorded:
        best = max(left, key=lambda z: fuzz.ratio(word, z))
        truncated = best == zone[-1] and len(best) >= 2 and word.startswith(best)
        if fuzz.ratio(word, best) < NAME_SCORE and not truncated:
            return False
        left.remove(best)
    return True


def _run_together(recorded: list[str], letters: str) -> bool:
    for word in sorted(recorded, key=len, reverse=True):
        if word not in letters:
            return False
        letters = letters.replace(word, " ", 1)
    return len(letters.replace(" ", "")) <= MAX_STRAY_LETTERS
