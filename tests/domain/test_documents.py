"""Verifiable documents (SPEC 9.3): a receipt PDF read back (Arabic text in logical order, the amounts), its
QR decoded back to the signed code and verified; tampered, truncated and foreign-secret codes refused;
another establishment's resident NotFound; visa and resident report documents; `muqeem document verify`."""

from __future__ import annotations

import io
from datetime import date
import unicodedata

import pytest
from typer.testing import CliRunner

from residency import services

from residency.presentation import documents
from residency.administration.cli import app
from residency.db import UnitOfWork
from residency.presentation.documents import encode_code, render_document, verify_code
from residency.errors import NotFound
from residency.models import Transaction
from tests.domain import factories as f
from tests.domain.visa_helpers import OWNER

runner = CliRunner()
SECRET = "test-document-secret"


@pytest.fixture(autouse=True)
def secret(monkeypatch):
    monkeypatch.setenv("MUQEEM_DOCUMENT_SECRET", SECRET)


@pytest.fixture
def receipt(engine, world):
    """An executed single exit/re-entry visa of the world's resident: its receipt, quote and visa number."""
    with UnitOfWork(engine) as uow:
        q = services.quote(
            uow, OWNER, "issue_exit_reentry", iqama_number=world["iqama"], visa_type="single", duration="P1M"
        )
    with UnitOfWork(engine) as uow:
        r = services.execute(uow, OWNER, q, "doc-test-1")
    return r, q


def render(engine, kind, **numbers):
    with UnitOfWork(engine) as uow:
        return render_document(uow, OWNER, kind, **numbers)


def pdf_text(pdf: bytes) -> str:
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
    return unicodedata.normalize("NFKC", text)


def without_brackets(text: str) -> str:
    return " ".join(text.replace("(", " ").replace(")", " ").split())


def qr_codes(pdf: bytes) -> list[str]:
    """Every QR code on the PDF's images, decoded by zxing-cpp."""
    import zxingcpp
    from PIL import Image
    from pypdf import PdfReader

    found = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        for image in page.images:
            picture = Image.open(io.BytesIO(image.data)).convert("L")
            found += [r.text for r in zxingcpp.read_barcodes(picture) if r.format == zxingcpp.BarcodeFormat.QRCode]
    return found


def test_receipt_pdf_text_qr_and_verification(engine, world, receipt):
    r, q = receipt
    doc = render(engine, "receipt", receipt_number=r.receipt_number)
    assert doc.pdf.startswith(b"%PDF") and doc.filename.endswith(".pdf")
    text = pdf_text(doc.pdf)
    # Arabic words come back in logical order (shaped glyphs map back to their letters).
    for words in (
        "إيصال عملية",
        "رقم العملية",
        "إصدار تأشيرة خروج وعودة",
        "مؤسسة الاختبار للمقاولات",
        "محمد عبدالله خان",
        "الإجمالي",
        "ريال",
        "جمادى الآخرة",
        "1448",
    ):
        assert words in text, (words, text)
    assert world["iqama"] in text
    assert "2026-11-27" in text  # the issue date (MUQEEM_TODAY), Gregorian with the Hijri beside
    # The brackets of a fee label come out of the PDF mirrored and moved (visual order); its words do not.
    for line in q.lines:
        assert without_brackets(line.label) in without_brackets(text) and f"{line.amount} " in text
    assert str(q.total) in text and q.total > 0
    # what the transaction did: the visa's number and its return-before date (issue 20: the receipt lacked them)
    assert "رقم التأشيرة" in text and r.result["visa_number"] in text
    assert "العودة قبل" in text and q.effects["return_before"] in text

    assert qr_codes(doc.pdf) == [doc.code]
    assert len(doc.code) < 120
    verdict = verify_code(doc.code)
    assert verdict.genuine and verdict.reason is None
    with UnitOfWork(engine) as uow:
        number = uow.repo.establishment(world["est"]).number
    assert (
        verdict.states
        == doc.states
        == {
            "type": "receipt",
            "establishment": number,
            "receipt_number": r.receipt_number,
            "resident": world["iqama"],
            "service": "issue_exit_reentry",
            "total": q.total,
            "issued": "2026-11-27",
            "date": "2026-11-27",  # the execution's date: the system's today (MUQEEM_TODAY), not the wall clock
        }
    )


def test_latest_receipt_of_a_resident(engine, world, receipt):
    r, _ = receipt
    doc = render(engine, "receipt", iqama_number=world["iqama"])
    assert doc.states["receipt_number"] == r.receipt_number


def test_tampered_codes_are_refused(engine, world, receipt, monkeypatch):
    code = render(engine, "receipt", receipt_number=receipt[0].receipt_number).code
    assert verify_code(code).genuine

    # Any single character changed, anywhere.
    for i in range(len(code)):
        other = "7" if code[i] != "7" else "8"
        altered = code[:i] + other + code[i + 1 :]
        verdict = verify_code(altered)
        assert not verdict.genuine and verdict.states == {}, altered
    # Truncated, padded, empty, garbage.
    for bad in (code[:-1], code[:-5], code.rsplit(".", 1)[0], code + "A", "", "hello", code.lower()):
        assert not verify_code(bad).genuine, bad

    # A changed amount re-encoded, with the old signature or a signature of another secret.
    states = dict(verify_code(code).states, total=1)
    body = encode_code(states).rsplit(".", 1)[0]
    assert verify_code(f"{body}.{code.rsplit('.', 1)[1]}").reason == "bad_signature"
    assert verify_code(encode_code(states, secret=b"guessed")).reason == "bad_signature"

    # A genuine code of another deployment (another secret) fails here, and ours fails there.
    monkeypatch.setenv("MUQEEM_DOCUMENT_SECRET", "another-secret")
    assert verify_code(code).reason == "bad_signature"
    assert verify_code(encode_code(states)).genuine


def test_another_establishments_resident_is_not_found(engine, world, receipt):
    with UnitOfWork(engine) as uow:
        other = uow.repo.establishment_by_number("7999999990")
        f.user(uow, other, 702)
        uow.commit()
    for kind in ("receipt", "visa", "resident_report"):
        with pytest.raises(NotFound):
            render(engine, kind, iqama_number=world["foreign"])
    # Our receipt and visa are unknown to the other establishment's owner.
    with UnitOfWork(engine) as uow, pytest.raises(NotFound):
        render_document(uow, 702, "receipt", receipt_number=receipt[0].receipt_number)
    visa_number = receipt[0].result["visa_number"]
    with UnitOfWork(engine) as uow, pytest.raises(NotFound):
        render_document(uow, 702, "visa", visa_number=visa_number)
    with pytest.raises(NotFound):
        render(engine, "receipt", receipt_number=999)


def test_visa_and_resident_report(engine, world, receipt):
    visa_number = receipt[0].result["visa_number"]
    doc = render(engine, "visa", visa_number=visa_number)
    assert render(engine, "visa", iqama_number=world["iqama"]).states == doc.states
    assert verify_code(doc.code).states == doc.states
    assert doc.states["visa_kind"] == "exit_reentry" and doc.states["entry_type"] == "single"
    text = pdf_text(doc.pdf)
    assert visa_number in text and "خروج وعودة" in text and "العودة قبل" in text
    assert qr_codes(doc.pdf) == [doc.code]

    report = render(engine, "resident_report", iqama_number=world["iqama"])
    assert verify_code(report.code).states == report.states
    assert report.states["iqama_expiry"] == "2027-12-31" and report.states["passport_expiry"] == "2029-01-01"
    text = pdf_text(report.pdf)
    for words in ("بطاقة مقيم", "محمد عبدالله خان", "باكستان", "محاسب", "داخل المملكة", visa_number, "1449"):
        assert words in text, (words, text)


def test_the_transaction_date_follows_the_systems_today(engine, world, receipt, monkeypatch):
    """Issue 24: a receipt's transaction date came from the wall clock while MUQEEM_TODAY fixed the rest (a
    receipt dated after the document carrying it). Executed on 2026-11-27, shown so the next day too."""
    r, _q = receipt
    monkeypatch.setenv("MUQEEM_TODAY", "2026-11-28")
    doc = render(engine, "receipt", receipt_number=r.receipt_number)
    assert (doc.states["date"], doc.states["issued"]) == ("2026-11-27", "2026-11-28")
    lines = pdf_text(doc.pdf).splitlines()
    assert [line.strip() for line in lines if "2026-11-2" in line] == [  # visual order, as the PDF reads back
        "هـ)1448  جمادى الآخرة17( \u200e م2026-11-27\u200e :تاريخ العملية",
        "هـ)1448  جمادى الآخرة18( \u200e م2026-11-28\u200e :تاريخ إصدار الوثيقة",
    ]
    with UnitOfWork(engine) as uow:
        stamped = uow.session.get(Transaction, r.transaction_id).created_at
    assert documents._local_date(stamped) == date(2026, 11, 27)


def test_default_secret_warns_once_and_never_logs_it(monkeypatch, caplog):
    monkeypatch.delenv("MUQEEM_DOCUMENT_SECRET")
    monkeypatch.setattr(documents, "_warned_default_secret", False)
    states = {
        "type": "resident_report",
        "establishment": "7000000001",
        "iqama_number": "2000000008",
        "iqama_expiry": None,
        "passport_number": "AB1",
        "passport_expiry": "2029-01-01",
        "issued": "2026-11-27",
    }
    with caplog.at_level("WARNING", logger="residency.presentation.documents"):
        code = encode_code(states)
        assert encode_code(states) == code
    warnings = [rec for rec in caplog.records if "MUQEEM_DOCUMENT_SECRET" in rec.getMessage()]
    assert len(warnings) == 1
    assert documents.DEVELOPMENT_SECRET not in caplog.text
    # Nothing is genuine without the secret itself: the development default is public.
    assert verify_code(code) == documents.Verification(False, reason="no_secret")
    monkeypatch.setenv("MUQEEM_DOCUMENT_SECRET", documents.DEVELOPMENT_SECRET)
    assert verify_code(code).states == states  # a deployment that chose that secret (never do) verifies it


def test_cli_verify_genuine_and_forged(engine, world, receipt):
    code = render(engine, "receipt", receipt_number=receipt[0].receipt_number).code
    result = runner.invoke(app, ["document", "verify", code])
    assert result.exit_code == 0, result.output
    assert "Genuine" in result.output and "صحيحة" in result.output
    assert "رقم العملية / Receipt number" in result.output and world["iqama"] in result.output
    assert "إصدار تأشيرة خروج وعودة" in result.output and "1448" in result.output

    forged = code[:10] + ("1" if code[10] != "1" else "2") + code[11:]
    result = runner.invoke(app, ["document", "verify", forged])
    assert result.exit_code == 1
    assert "NOT genuine" in result.output and "غير صحيحة" in result.output
    assert world["iqama"] not in result.output


def test_cli_without_the_secret_cannot_verify_and_calls_nothing_genuine(engine, world, receipt, monkeypatch):
    """Issue 24: without MUQEEM_DOCUMENT_SECRET a code forged with the public development secret was
    reported «Genuine document»."""
    doc = render(engine, "receipt", receipt_number=receipt[0].receipt_number)
    monkeypatch.delenv("MUQEEM_DOCUMENT_SECRET")
    forged = encode_code(dict(doc.states, total=1), secret=documents.DEVELOPMENT_SECRET.encode())
    for candidate in (doc.code, forged):
        result = runner.invoke(app, ["document", "verify", candidate])
        assert (result.exit_code, result.stdout) == (3, "")
        assert result.stderr == (
            "لا يمكن التحقق: المتغير MUQEEM_DOCUMENT_SECRET غير مضبوط هنا، ولا يميّز الوثيقة الصحيحة من المزوّرة إلا "
            "السر الذي وُقّعت به الوثائق. اضبطه كما هو في بيئة التشغيل ثم أعد التحقق.\n"
            "CANNOT verify: no_secret\n"
        )


def test_documents_stay_arabic_for_an_english_user_whose_errors_are_english(engine, world, receipt):
    from replies import language
    from residency.errors import InvalidInput

    r, _q = receipt
    with language("en"):
        doc = render(engine, "receipt", receipt_number=r.receipt_number)
        report = render(engine, "resident_report", iqama_number=world["iqama"])
        with pytest.raises(NotFound) as unknown:
            render(engine, "receipt", receipt_number=999)
        with pytest.raises(InvalidInput) as missing:
            render(engine, "visa")
        assert documents.STATE_LABELS["receipt_number"] == ("رقم العملية", "Receipt number")
        assert documents.describe_state("issued", "2026-11-27") == "2026-11-27 (17 Jumada al-Akhirah 1448 AH)"
    text = pdf_text(doc.pdf)
    for words in ("إيصال عملية", "Receipt", "رقم العملية", "الإجمالي", "ريال", "جمادى الآخرة", "للتحقق من صحة الوثيقة"):
        assert words in text, (words, text)
    assert "Receipt number" not in text and "riyals" not in text
    assert "داخل المملكة" in pdf_text(report.pdf) and "Inside the Kingdom" not in pdf_text(report.pdf)
    assert unknown.value.message == "Your establishment has no transaction with number 999. Check the number."
    assert missing.value.message == "Give the visa number or the iqama number to issue the document."
