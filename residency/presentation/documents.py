"""Verifiable documents (SPEC 9.3 "Documents"), domain side: a PDF receipt, visa paper or resident report,
Arabic shaped and right-to-left, carrying a QR code of a signed verification code.

    with UnitOfWork() as uow:
        doc = render_document(uow, telegram_id, "receipt", receipt_number=12)
    doc.filename, doc.pdf, doc.code, doc.states
    verify_code(doc.code)  # -> Verification(genuine=True, states=doc.states, reason=None)

Authorisation is the inquiries' (a receipt needs `transaction_history`, a visa `inquire_visa`, a resident
report `inquire_resident`), and only the sender's own establishment is read: another establishment's
resident, visa or receipt is NotFound exactly like an unknown one.

The verification code (all of it in the QR alphanumeric character set, so the QR stays small):

    MQ1.<type>.<field>.<field>....<signature>

`type` is R (receipt), V (visa) or P (resident report); the fields, by type, are in `FIELDS` (dates as
YYYYMMDD, "-" for none, services and visa kinds upper-cased with "-" for "_"); the signature is the first
16 bytes of HMAC-SHA256 over everything before the last "." (version and type included), base32 without
padding (26 characters), keyed with MUQEEM_DOCUMENT_SECRET (a development default when unset, with a
warning logged once; the secret is never logged). Names are not in the code (it stays compact and
ASCII); the identifiers, dates and amounts are.

Verification needs the secret itself: without MUQEEM_DOCUMENT_SECRET nothing is called genuine
(reason `no_secret`), since the development default is public and anyone could have signed with it.

A receipt's transaction date is the transaction's own (stamped with the system's "today", calendar.now,
so MUQEEM_TODAY holds for it as for the document's issue date).

Every document is written in Arabic whatever the reply language (official papers stay Arabic, with an
English title under the Arabic one); its texts come from the reply catalogue, rendered under
`language("ar")`. The errors of `render_document` are in the reply language.

The PDF font is Amiri (SIL Open Font License 1.1, residency/fonts/Amiri-OFL.txt), shipped in
residency/fonts; fpdf2 shapes it with HarfBuzz (uharfbuzz) and lays it out right to left.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import io
import logging
import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from replies import N_, _, language
from residency import calendar, identifiers, queries
from residency.db import UnitOfWork
from residency.errors import InvalidInput, NotFound
from residency.models import Resident, Visa
from residency.services.base import (
    ENTRY_TYPE_LABELS,
    VISA_KIND_LABELS,
    ServiceContext,
    authorise,
    visa_status,
)
from residency.presentation.texts import LOCATION_LABELS, SERVICE_LABELS, VISA_STATUS_LABELS

log = logging.getLogger(__name__)

SECRET_ENV = "MUQEEM_DOCUMENT_SECRET"
# Development only: anyone who reads this source can sign with it. Set MUQEEM_DOCUMENT_SECRET in production.
DEVELOPMENT_SECRET = "muqeem-development-document-secret-do-not-use-in-production"
VERSION = "MQ1"
SIGNATURE_BYTES = 16
SIGNATURE_CHARS = 26  # base32 of 16 bytes, unpadded

DOCUMENT_TYPES = ("receipt", "visa", "resident_report")
TYPE_LETTERS = {"receipt": "R", "visa": "V", "resident_report": "P"}
TYPES_BY_LETTER = {letter: kind for kind, letter in TYPE_LETTERS.items()}
# Service needed for each document: the inquiry that shows the same facts.
PERMISSIONS = {"receipt": "transaction_history", "visa": "inquire_visa", "resident_report": "inquire_resident"}

# The fields of each type, in code order; "issued" (the document's issue date) is always last.
FIELDS: dict[str, tuple[str, ...]] = {
    "receipt": ("establishment", "receipt_number", "resident", "service", "date", "total", "issued"),
    "visa": (
        "establishment",
        "visa_number",
        "iqama_number",
        "visa_kind",
        "entry_type",
        "visa_issued_on",
        "valid_until",
        "issued",
    ),
    "resident_report": (
        "establishment",
        "iqama_number",
        "iqama_expiry",
        "passport_number",
        "passport_expiry",
        "issued",
    ),
}
DATE_FIELDS = frozenset({"date", "issued", "visa_issued_on", "valid_until", "iqama_expiry", "passport_expiry"})
INT_FIELDS = frozenset({"receipt_number", "total"})
LOWER_FIELDS = frozenset({"service", "visa_kind", "entry_type"})  # lower_snake in states, UPPER-DASH in the code


class _Bilingual(Mapping):
    """Catalogue ids looked up as (Arabic, English) pairs, for the CLI that prints both."""

    def __init__(self, ids: dict[str, str]) -> None:
        self.ids = ids

    def __getitem__(self, key: str) -> tuple[str, str]:
        message = self.ids[key]
        with language("ar"):
            arabic = _(message)
        with language("en"):
            return arabic, _(message)

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids)

    def __len__(self) -> int:
        return len(self.ids)


# Labels of the states (catalogue ids); STATE_LABELS[name] is the (Arabic, English) pair the CLI prints.
STATE_LABEL_IDS: dict[str, str] = {
    "type": N_("Document type"),
    "establishment": N_("Establishment number"),
    "receipt_number": N_("Receipt number"),
    "resident": N_("Iqama or border number"),
    "iqama_number": N_("Iqama number"),
    "service": N_("Service"),
    "date": N_("Transaction date"),
    "total": N_("Total (SAR)"),
    "visa_number": N_("Visa number"),
    "visa_kind": N_("Visa kind"),
    "entry_type": N_("Entry type"),
    "visa_issued_on": N_("Visa issued on"),
    "valid_until": N_("Valid until"),
    "iqama_expiry": N_("Iqama expiry"),
    "passport_number": N_("Passport number"),
    "passport_expiry": N_("Passport expiry"),
    "issued": N_("Document issued on"),
}
STATE_LABELS = _Bilingual(STATE_LABEL_IDS)
# The documents' titles (catalogue ids): the Arabic title, with the id itself as the English one under it.
TYPE_TITLES = {
    "receipt": N_("Receipt"),
    "visa": N_("Visa paper"),
    "resident_report": N_("Resident report"),
}
TYPE_LABELS = _Bilingual(TYPE_TITLES)

_FIELD_VALUE = re.compile(r"[A-Z0-9-]+")
_CODE = re.compile(r"[A-Z0-9.-]+")
_NUMBER_WITH_SEPARATORS = re.compile(r"\d+(?:[-/:.]\d+)+")
LRM = "\u200e"
FONT_PATH = Path(__file__).resolve().parent / "fonts" / "Amiri-Regular.ttf"

_warned_default_secret = False


@dataclass(frozen=True)
class Document:
    filename: str
    pdf: bytes
    code: str
    states: dict[str, Any]


@dataclass(frozen=True)
class Verification:
    genuine: bool
    states: dict[str, Any] = field(default_factory=dict)  # empty unless genuine
    # no_secret | malformed | unknown_version | unknown_type | bad_signature (None if genuine)
    reason: str | None = None


# --- the code ------------------------------------------------------------------------------------------


def _secret() -> bytes:
    global _warned_default_secret
    secret = os.environ.get(SECRET_ENV)
    if secret:
        return secret.encode("utf-8")
    if not _warned_default_secret:
        _warned_default_secret = True
        log.warning("%s is not set: documents are signed with the development default secret", SECRET_ENV)
    return DEVELOPMENT_SECRET.encode("utf-8")


def _signature(body: str, secret: bytes | None = None) -> str:
    digest = hmac.new(secret if secret is not None else _secret(), body.encode("ascii"), hashlib.sha256).digest()
    return base64.b32encode(digest[:SIGNATURE_BYTES]).decode("ascii").rstrip("=")


def _encode_value(name: str, value: Any) -> str:
    if value is None or value == "":
        return "-"
    if name in DATE_FIELDS:
        return date.fromisoformat(value).strftime("%Y%m%d")
    text = str(value)
    if name in LOWER_FIELDS:
        text = text.replace("_", "-")
    text = text.upper()
    if not _FIELD_VALUE.fullmatch(text) or text == "-":
        raise ValueError(f"{name} cannot be put in a document code: {value!r}")
    return text


def _decode_value(name: str, text: str) -> Any:
    if not _FIELD_VALUE.fullmatch(text):
        raise ValueError(name)
    if text == "-":
        return None
    if name in DATE_FIELDS:
        return datetime.strptime(text, "%Y%m%d").date().isoformat()
    if name in INT_FIELDS:
        if not text.isdigit():
            raise ValueError(name)
        return int(text)
    if name in LOWER_FIELDS:
        return text.lower().replace("-", "_")
    return text


def encode_code(states: dict[str, Any], secret: bytes | None = None) -> str:
    """The signed code of `states` (a dict with `type` and that type's FIELDS; dates ISO strings)."""
    kind = states["type"]
    body = ".".join([VERSION, TYPE_LETTERS[kind]] + [_encode_value(n, states.get(n)) for n in FIELDS[kind]])
    return f"{body}.{_signature(body, secret)}"


def verify_code(code: str) -> Verification:
    """Whether `code` was signed with this deployment's secret, and what it states (empty when not); never
    genuine without MUQEEM_DOCUMENT_SECRET (reason no_secret)."""
    if not os.environ.get(SECRET_ENV):
        return Verification(False, reason="no_secret")
    code = (code or "").strip()
    if not _CODE.fullmatch(code):
        return Verification(False, reason="malformed")
    body, _, signature = code.rpartition(".")
    parts = body.split(".")
    if len(parts) < 2:
        return Verification(False, reason="malformed")
    if parts[0] != VERSION:
        return Verification(False, reason="unknown_version")
    kind = TYPES_BY_LETTER.get(parts[1])
    if kind is None:
        return Verification(False, reason="unknown_type")
    if len(parts) != 2 + len(FIELDS[kind]) or len(signature) != SIGNATURE_CHARS:
        return Verification(False, reason="malformed")
    if not hmac.compare_digest(signature, _signature(body)):
        return Verification(False, reason="bad_signature")
    try:
        states = {"type": kind, **{n: _decode_value(n, v) for n, v in zip(FIELDS[kind], parts[2:])}}
    except ValueError:  # signed by us, so only a change of format could get here
        return Verification(False, reason="malformed")
    return Verification(True, states=states)


# Why a code is not genuine (catalogue ids: translate with `_()`).
REASONS = {
    "malformed": N_("the code is incomplete or damaged"),
    "unknown_version": N_("the code's version is unknown"),
    "unknown_type": N_("the document type is unknown"),
    "bad_signature": N_("the signature is wrong: the document is forged or altered"),
}


def describe_state(name: str, value: Any) -> str:
    """A state's value as shown to a person, in the reply language (labels of services and visa kinds,
    dates with Hijri); a document's type in Arabic and English."""
    if value is None:
        return "—"
    if name == "type":
        return " / ".join(TYPE_LABELS[value])
    if name == "service":
        return f"{_(SERVICE_LABELS.get(value, value))} ({value})"
    if name == "visa_kind":
        return f"{_(VISA_KIND_LABELS.get(value, value))} ({value})"
    if name == "entry_type":
        return f"{_(ENTRY_TYPE_LABELS.get(value, value))} ({value})"
    if name in DATE_FIELDS:
        return calendar.format_date(date.fromisoformat(value))
    return str(value)


# --- the documents ---------------------------------------------------------------------------------------


def _local_date(moment: datetime) -> date:
    if moment.tzinfo is None:  # SQLite gives naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(calendar.RIYADH).date()


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _no_number(message: str) -> InvalidInput:
    return InvalidInput("missing_number", _(message))


def render_document(
    uow: UnitOfWork,
    telegram_id: int,
    document_type: str,
    *,
    iqama_number: str | None = None,
    visa_number: str | None = None,
    receipt_number: int | str | None = None,
) -> Document:
    """The PDF of `document_type` for the sender's establishment:

    - receipt: the transaction with that `receipt_number`, else the latest transaction of `iqama_number`,
      else the latest transaction of the establishment (an agent's: its own latest);
    - visa: the visa `visa_number`, else the latest visa of `iqama_number`;
    - resident_report: the card of `iqama_number` with its visas.
    NotFound for anything not of the sender's establishment; InvalidInput for a missing number or type.
    """
    if document_type not in DOCUMENT_TYPES:
        raise InvalidInput(
            "unknown_document_type",
            _("Unknown document type. The types are: receipt, visa, resident report."),
            allowed=list(DOCUMENT_TYPES),
        )
    ctx = ServiceContext(uow, authorise(uow, telegram_id, PERMISSIONS[document_type]))
    est = ctx.establishment
    today = ctx.today
    if document_type == "receipt":
        return _receipt(ctx, est, today, iqama_number, receipt_number)
    if document_type == "visa":
        return _visa(ctx, est, today, iqama_number, visa_number)
    return _resident_report(ctx, est, today, iqama_number)


def _receipt(ctx: ServiceContext, est, today: date, iqama_number, receipt_number) -> Document:
    uow = ctx.uow
    if receipt_number not in (None, ""):
        digits = identifiers.normalize_digits(str(receipt_number)).strip()
        if not digits.isdigit():
            raise InvalidInput("bad_receipt_number", _("A receipt number is digits only, e.g. 12."))
        transaction = queries.transaction_by_receipt(uow, est.id, int(digits))
        if transaction is None:
            raise NotFound(
                "unknown_receipt",
                _("Your establishment has no transaction with number {number}. Check the number.").format(
                    number=int(digits)
                ),
            )
    elif iqama_number:
        resident = ctx.resident(iqama_number)
        transaction = queries.latest_transaction_of(uow, est.id, resident.id)
        if transaction is None:
            raise NotFound(
                "no_transactions",
                _("Your establishment has no transactions for resident {iqama}.").format(iqama=resident.iqama_number),
            )
    else:
        agent = ctx.actor.user_id if ctx.actor.role == "agent" else None
        transaction = queries.latest_transaction(uow, est.id, user_id=agent)
        if transaction is None:
            raise NotFound("no_transactions", _("No transaction has been carried out yet, so there is no receipt."))
    resident = uow.repo.resident(transaction.resident_id) if transaction.resident_id else None
    inputs, result = transaction.inputs or {}, transaction.result or {}
    number = (
        (resident.iqama_number or resident.border_number if resident else None)
        or result.get("iqama_number")
        or inputs.get("iqama_number")
        or result.get("border_number")
        or inputs.get("border_number")
    )
    done_on = _local_date(transaction.created_at)
    states = {
        "type": "receipt",
        "establishment": est.number,
        "receipt_number": transaction.receipt_number,
        "resident": number,
        "service": transaction.service,
        "date": done_on.isoformat(),
        "total": int(transaction.total),
        "issued": today.isoformat(),
    }
    code = encode_code(states)
    with language("ar"):
        pdf = _Pdf(TYPE_TITLES["receipt"])
        pdf.establishment(est)
        pdf.fact(_("Receipt number"), str(transaction.receipt_number or "—"))
        pdf.fact(_("Service"), _(SERVICE_LABELS.get(transaction.service, transaction.service)))
        if resident is not None:
            pdf.fact(_("Resident"), resident.name_ar)
        pdf.fact(_("Iqama number") if resident is None or resident.iqama_number else _("Border number"), number or "—")
        pdf.fact(_("Transaction date"), calendar.format_date(done_on))
        for key, label in RESULT_FACTS.items():  # what the transaction changed (a renewal's new expiry ...)
            if result.get(key):
                value = str(result[key])
                pdf.fact(_(label), calendar.format_date(date.fromisoformat(value)) if key in RESULT_DATES else value)
        pdf.heading(_("Fees"))
        for line in transaction.fee_lines or []:
            pdf.fact(str(line.get("label") or line.get("code")), _riyals(line["amount"]))
        pdf.fact(_("Total"), _riyals(transaction.total), bold=True)
        filename = f"receipt-{est.number}-{transaction.receipt_number or transaction.id}.pdf"
        return pdf.finish(filename, code, states, today)


# The facts of a transaction's result a receipt states (ids), and those that are dates.
RESULT_FACTS = {
    "new_expiry": N_("New iqama expiry"),
    "visa_number": N_("Visa number"),
    "return_before": N_("Return before"),
    "leave_before": N_("Leave before"),
    "occupation": N_("New occupation"),
    "passport_number": N_("New passport number"),
}
RESULT_DATES = frozenset({"new_expiry", "return_before", "leave_before"})


def _riyals(amount) -> str:
    return _("{amount} riyals").format(amount=int(amount))


def _visa(ctx: ServiceContext, est, today: date, iqama_number, visa_number) -> Document:
    if visa_number:
        number = identifiers.parse_visa_number(str(visa_number))
        visa = ctx.repo.visa_by_number(est.id, number)
        if visa is None:
            raise ctx.not_found(
                "unknown_visa",
                _("Your establishment has no visa with number {number}. Check the number.").format(number=number),
                visa=number,
            )
    elif iqama_number:
        resident = ctx.resident(iqama_number)
        visa = next(iter(ctx.repo.visas_of(resident.id)), None)  # newest first
        if visa is None:
            raise NotFound("no_visa", _("Resident {iqama} has no visas.").format(iqama=resident.iqama_number))
    else:
        raise _no_number(N_("Give the visa number or the iqama number to issue the document."))
    resident: Resident = visa.resident
    states = {
        "type": "visa",
        "establishment": est.number,
        "visa_number": visa.number,
        "iqama_number": resident.iqama_number,
        "visa_kind": visa.kind,
        "entry_type": visa.entry_type,
        "visa_issued_on": visa.issued_on.isoformat(),
        "valid_until": visa.valid_until.isoformat(),
        "issued": today.isoformat(),
    }
    code = encode_code(states)
    with language("ar"):
        kind = _(VISA_KIND_LABELS.get(visa.kind, visa.kind))
        pdf = _Pdf(N_("Exit/re-entry visa") if visa.kind == "exit_reentry" else N_("Final exit visa"))
        pdf.establishment(est)
        _resident_facts(pdf, resident)
        pdf.heading(_("Visa"))
        pdf.fact(_("Visa number"), visa.number)
        pdf.fact(_("Type"), kind + (f" ({_(ENTRY_TYPE_LABELS[visa.entry_type])})" if visa.entry_type else ""))
        pdf.fact(_("Status"), _(VISA_STATUS_LABELS.get(visa_status(visa, today), visa.status)))
        pdf.fact(_("Issued on"), calendar.format_date(visa.issued_on))
        pdf.fact(
            _("Return before") if visa.kind == "exit_reentry" else _("Leave before"),
            calendar.format_date(visa.valid_until),
        )
        return pdf.finish(f"visa-{visa.number}.pdf", code, states, today)


def _resident_report(ctx: ServiceContext, est, today: date, iqama_number) -> Document:
    if not iqama_number:
        raise _no_number(N_("Give the iqama number to issue the document."))
    resident = ctx.resident(iqama_number)
    states = {
        "type": "resident_report",
        "establishment": est.number,
        "iqama_number": resident.iqama_number,
        "iqama_expiry": _iso(resident.iqama_expiry),
        "passport_number": re.sub(r"[^A-Z0-9]", "", resident.passport_number.upper()) or None,
        "passport_expiry": _iso(resident.passport_expiry),
        "issued": today.isoformat(),
    }
    code = encode_code(states)
    visas: list[Visa] = ctx.repo.visas_of(resident.id)
    with language("ar"):
        pdf = _Pdf(TYPE_TITLES["resident_report"])
        pdf.establishment(est)
        _resident_facts(pdf, resident)
        pdf.fact(_("Nationality"), resident.nationality)
        pdf.fact(_("Occupation"), resident.occupation)
        pdf.fact(_("Iqama expiry"), calendar.format_date(resident.iqama_expiry) if resident.iqama_expiry else "—")
        pdf.fact(_("Passport number"), resident.passport_number)
        pdf.fact(_("Passport expiry"), calendar.format_date(resident.passport_expiry))
        pdf.fact(_("Location"), _(LOCATION_LABELS.get(resident.location, resident.location)))
        pdf.fact(_("Dependants on the iqama"), str(resident.dependants))
        pdf.heading(_("Visas"))
        if not visas:
            pdf.fact(_("Visas"), _("no visas"))
        for visa in visas[:10]:
            kind = _(VISA_KIND_LABELS.get(visa.kind, visa.kind))
            pdf.fact(
                f"{kind} {visa.number}",
                _("{status}, from {start} to {end}").format(
                    status=_(VISA_STATUS_LABELS.get(visa_status(visa, today), visa.status)),
                    start=visa.issued_on.isoformat(),
                    end=visa.valid_until.isoformat(),
                ),
            )
        return pdf.finish(f"resident-{resident.iqama_number}.pdf", code, states, today)


def _resident_facts(pdf: _Pdf, resident: Resident) -> None:
    pdf.fact(_("Resident"), resident.name_ar)
    if resident.name_en:
        pdf.fact(_("Name in English"), resident.name_en)
    pdf.fact(_("Iqama number"), resident.iqama_number or resident.border_number or "—")


class _Pdf:
    """One A4 page, right to left, Amiri shaped by HarfBuzz; `title` is a catalogue id: the page has it in
    the reply language (Arabic: documents are rendered under `language("ar")`) with the English id under it."""

    def __init__(self, title: str) -> None:
        from fpdf import FPDF

        title_translated, title_en = _(title), title
        self.pdf = pdf = FPDF(format="A4")
        pdf.set_title(title_en)
        pdf.set_creator("muqeem")
        pdf.set_auto_page_break(True, margin=15)
        pdf.add_page()
        pdf.add_font("Amiri", fname=str(FONT_PATH))
        # Every OpenType feature but Amiri's contextual alternates ("calt": calligraphic variants such as its
        # stacked mim-mim, glyphs with no Unicode of their own that text extraction turns into control
        # characters); joining forms, ligatures and marks stay on.
        pdf.set_text_shaping(
            use_shaping_engine=True, features={"calt": False}, direction="rtl", script="arab", language="ara"
        )
        pdf.set_font("Amiri", size=20)
        self._line(title_translated, height=12)
        pdf.set_font("Amiri", size=11)
        self._line(title_en, height=7)
        pdf.ln(3)

    def _line(self, text: str, height: float = 8) -> None:
        # fpdf2's bidi (2.8) reverses "2026-11-27" in a right-to-left line (rule W4 is not applied to it):
        # left-to-right marks around such a number keep it in reading order.
        text = _NUMBER_WITH_SEPARATORS.sub(lambda m: f"{LRM}{m.group()}{LRM}", text)
        self.pdf.multi_cell(0, height, text, align="R", new_x="LMARGIN", new_y="NEXT")

    def establishment(self, est) -> None:
        self.fact(_("Establishment"), est.name_ar)
        self.fact(_("Establishment number"), est.number)

    def heading(self, text: str) -> None:
        self.pdf.ln(2)
        self.pdf.set_font("Amiri", size=14)
        self._line(text, height=9)
        self.pdf.set_font("Amiri", size=12)

    def fact(self, label: str, value: str, bold: bool = False) -> None:
        self.pdf.set_font("Amiri", size=13 if bold else 12)
        self._line(f"{label}: {value}")

    def finish(self, filename: str, code: str, states: dict[str, Any], today: date) -> Document:
        import segno

        pdf = self.pdf
        self.fact(_("Document issued on"), calendar.format_date(today))
        pdf.ln(4)
        png = io.BytesIO()
        segno.make(code, error="m", micro=False).save(png, kind="png", scale=6, border=4)
        png.seek(0)
        size = 45
        pdf.image(png, x=pdf.w - pdf.r_margin - size, w=size, h=size)
        pdf.set_font("Amiri", size=10)
        self._line(
            _("To check that the document is genuine: muqeem document verify and the verification code"), height=6
        )
        pdf.set_text_shaping(False)
        pdf.set_font("Amiri", size=8)
        pdf.multi_cell(0, 5, code, align="R", new_x="LMARGIN", new_y="NEXT")
        return Document(filename=filename, pdf=bytes(pdf.output()), code=code, states=states)


__all__ = [
    "DOCUMENT_TYPES",
    "Document",
    "Verification",
    "describe_state",
    "encode_code",
    "render_document",
    "verify_code",
]
