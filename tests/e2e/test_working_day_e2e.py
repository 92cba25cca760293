"""A working day of an HR manager, end to end over Rasa's REST channel (SPEC 10.2, 10.3, 10.6; issue 20).

The conversations of tests/e2e/working_day.yml (written after the kinds of ../shared/eval/dialogues_sample.yml:
follow-ups, corrections, questions at the confirm step, names for numbers, documents in context, counts,
manners, both languages) are played turn by turn, each conversation by its own Telegram user and with
workers of its own, and each turn's expectations are checked against the replies and the database. The
share of turns answered right must be at least 97%; every wrong turn is listed, and the share is written
to results/working_day.md.

Expectations of a turn (all must hold):
- quote: N          the reply offers a quote of N (its total, with the confirm button); nothing executed
- free: true        the reply offers a quote without fees (with the confirm button); nothing executed
- for: Wk           the reply names worker Wk (iqama or border number, or name)
- executed: S       exactly one transaction of service S this turn (total: N, and of `for` when given)
- charged: 0        no transaction this turn
- confirm: false    no confirm button in the reply (true: there is one)
- document: K       a PDF of kind K (receipt, visa, resident) is sent (of `for`'s worker when given)
- listed: N         the reply lists N lines starting with "•"
- language: en|ar   the reply is in that language
- contains / any_of / absent: words that must / may / must not appear (case-insensitive)
- no_button: T       no button whose title contains T
Placeholders in a message: <Wk> its iqama number, <Wk name> its Arabic name, <Wk en> its Latin name,
<Wk border> a newcomer's border number.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from sqlalchemy import select

from residency.db import UnitOfWork
from residency.models import Resident, Transaction, Visa
from tests.conftest import TODAY
from tests.domain import factories as f

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parents[2]
DIALOGUES = yaml.safe_load((Path(__file__).with_name("working_day.yml")).read_text(encoding="utf-8"))["dialogues"]
RESULTS = ROOT / "results" / "working_day.md"
FIRST_USER = 700
BAR = 0.97
ARABIC_LETTER = re.compile("[\u0621-\u064a]")
ARABIC_REPLY_WORDS = ("ريال", "الإجمالي", "تم ", "هل تؤكد", "رقم الإقامة", "أرسل")
# Given names and family names of the name list (nlu/person_names.txt), in both scripts.
FIRST_NAMES = [
    ("راجيش", "Rajesh"), ("سانجاي", "Sanjay"), ("فيكرام", "Vikram"), ("براشانت", "Prashant"),
    ("كولديب", "Kuldeep"), ("زاهد", "Zahid"), ("نواز", "Nawaz"), ("صفدر", "Safdar"), ("شوكت", "Shaukat"),
    ("طارق", "Tariq"), ("عمران", "Imran"), ("جوزيف", "Joseph"), ("ماثيو", "Mathew"), ("روبرتو", "Roberto"),
    ("سليمان", "Suleiman"), ("غلام", "Ghulam"), ("كريم", "Karim"), ("يوسف", "Yousef"), ("بلال", "Bilal"),
    ("جمال", "Jamal"), ("سلمان", "Salman"), ("رفيق", "Rafiq"), ("ساجد", "Sajid"), ("ناصر", "Nasir"),
]  # fmt: skip
FAMILY_NAMES = [
    ("شارما", "Sharma"), ("تيواري", "Tiwari"), ("تشودري", "Chaudhry"), ("كومار", "Kumar"), ("سينغ", "Singh"),
    ("قريشي", "Qureshi"), ("باتيل", "Patel"), ("ياداف", "Yadav"), ("نايار", "Nair"), ("مينون", "Menon"),
    ("ريدي", "Reddy"),
]  # fmt: skip
_NAMES = itertools.product(FAMILY_NAMES, FIRST_NAMES)
_SERIAL = itertools.count(9000)


@dataclass
class Worker:
    iqama: str | None
    name_ar: str
    name_en: str
    border: str | None = None


@dataclass
class Day:
    """The establishment of the day, and what the turns got right."""

    establishment_id: int
    right: int = 0
    wrong: list[str] = field(default_factory=list)


def _worker(uow, est, kind: str) -> Worker:
    (family_ar, family_en), (first_ar, first_en) = next(_NAMES)
    name_ar, name_en = f"{first_ar} {family_ar}", f"{first_en} {family_en}"
    today = date.fromisoformat(TODAY)
    common = dict(name_ar=name_ar, name_en=name_en, name_key=f"{name_ar} {name_en.lower()}")
    if kind == "newcomer":
        border = f"3{next(_SERIAL):09d}"
        f.resident(uow, est, iqama_number=None, border_number=border, arrival_date=today - timedelta(days=7),
                   iqama_expiry=None, **common)  # fmt: skip
        return Worker(None, name_ar, name_en, border)
    values = {
        "regular": {},
        "domestic": {"occupation": "سائق خاص"},
        "dependants": {"dependants": 2},
        "expiring": {"iqama_expiry": today + timedelta(days=8)},
        "lapsed": {"iqama_expiry": today - timedelta(days=2)},
        "abroad": {"location": "outside"},
        "visa": {},
    }[kind.split("+")[0]]
    resident = f.resident(uow, est, **common, **values)
    if kind in ("visa", "abroad"):
        f.visa(uow, resident, issued_on=today - timedelta(days=7), valid_until=today + timedelta(days=54),
               status="used" if kind == "abroad" else "issued")  # fmt: skip
    return Worker(resident.iqama_number, name_ar, name_en)


@pytest.fixture(scope="module")
def day(stack):
    with UnitOfWork(stack.engine) as uow:
        est = f.establishment(uow, number="7000000700", name_ar="مؤسسة يوم العمل", balance=5_000_000,
                              saudi_count=2, expat_count=10)  # fmt: skip
        for index, _dialogue in enumerate(DIALOGUES):
            f.user(uow, est, FIRST_USER + index)
        receiving = f.establishment(uow, number="7000000701", name_ar="مؤسسة الاستقبال")  # transfers' target
        f.user(uow, receiving, FIRST_USER - 1)
        uow.commit()
        return Day(est.id)


def say(stack, sender: int, message: str) -> list[dict]:
    response = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook", json={"sender": str(sender), "message": message}, timeout=120
    )
    response.raise_for_status()
    return response.json()


def _transactions(stack, establishment_id: int) -> list[tuple]:
    with UnitOfWork(stack.engine) as uow:
        return list(
            uow.session.execute(
                select(Transaction.id, Transaction.service, Transaction.total, Resident.iqama_number,
                       Transaction.receipt_number)
                .outerjoin(Resident, Transaction.resident_id == Resident.id)
                .where(Transaction.establishment_id == establishment_id)
                .order_by(Transaction.id)
            ).all()
        )  # fmt: skip


def _visa_holder(stack, visa_number: str) -> str | None:
    with UnitOfWork(stack.engine) as uow:
        return uow.session.execute(
            select(Resident.iqama_number).join(Visa, Visa.resident_id == Resident.id).where(Visa.number == visa_number)
        ).scalar_one_or_none()


def _expand(text: str, workers: dict[str, Worker]) -> str:
    for key, worker in workers.items():
        text = text.replace(f"<{key} name>", worker.name_ar).replace(f"<{key} en>", worker.name_en)
        text = text.replace(f"<{key} border>", worker.border or "").replace(f"<{key}>", worker.iqama or "")
    return text


def _confirm_button(reply: list[dict]) -> bool:
    return any(b["payload"].startswith("/affirm") for r in reply for b in r.get("buttons") or [])


def _problems(stack, day: Day, expect: dict, reply: list[dict], new: list[tuple], workers) -> list[str]:
    """What in the reply or the database is not as expected (empty: the turn is right)."""
    text = "\n".join(r.get("text") or "" for r in reply)
    lowered = text.lower()
    problems = []
    who = workers[expect["for"]] if "for" in expect else None
    if "quote" in expect or expect.get("free"):
        total = expect.get("quote")
        if not _confirm_button(reply):
            problems.append("no confirm button")
        if total is not None and not re.search(rf"(الإجمالي|Total): {total} (ريال|SAR)", text):
            problems.append(f"no total {total}")
        if new:
            problems.append(f"executed {new}")
    named = who is not None and any(mark and mark in text for mark in (who.iqama, who.border, who.name_ar, who.name_en))
    if who is not None and not named and "executed" not in expect and "document" not in expect:
        problems.append(f"does not name {who.iqama or who.border}")
    if "executed" in expect:
        done = [t for t in new if t[1] == expect["executed"]]
        if len(new) != 1 or len(done) != 1:
            problems.append(f"executed {new}, expected one {expect['executed']}")
        elif "total" in expect and done[0][2] != expect["total"]:
            problems.append(f"charged {done[0][2]}, expected {expect['total']}")
        elif who is not None and done[0][3] != who.iqama:
            problems.append(f"executed for {done[0][3]}, expected {who.iqama}")
    if expect.get("charged") == 0 and new:
        problems.append(f"charged {new}")
    if expect.get("confirm") is False and _confirm_button(reply):
        problems.append("offers a confirmation")
    if expect.get("confirm") is True and not _confirm_button(reply):
        problems.append("no confirm button")
    if "document" in expect:
        files = [r["custom"]["filename"] for r in reply if (r.get("custom") or {}).get("document_base64")]
        kind = {"receipt": "receipt-", "visa": "visa-", "resident": "resident-"}[expect["document"]]
        pdfs = [name for name in files if name.startswith(kind) and name.endswith(".pdf")]
        if not pdfs:
            problems.append(f"no {expect['document']} PDF (files: {files})")
        elif who is not None and not _document_of(stack, day, pdfs[0], who):
            problems.append(f"{pdfs[0]} is not {who.iqama}'s")
    if "listed" in expect and sum(line.lstrip().startswith("•") for line in text.splitlines()) != expect["listed"]:
        problems.append(f"listed {sum(line.lstrip().startswith('•') for line in text.splitlines())}")
    if expect.get("language") == "en" and any(word in text for word in ARABIC_REPLY_WORDS):
        problems.append("Arabic words in an English reply")
    if expect.get("language") == "ar" and not ARABIC_LETTER.search(text):
        problems.append("not in Arabic")
    for word in _listed(expect.get("contains")):
        if _expand(word, workers).lower() not in lowered:
            problems.append(f"lacks {word!r}")
    if expect.get("any_of") and not any(_expand(w, workers).lower() in lowered for w in expect["any_of"]):
        problems.append(f"lacks all of {expect['any_of']}")
    titles = [b["title"] for r in reply for b in r.get("buttons") or []]
    for title in _listed(expect.get("no_button")):
        if any(title in shown for shown in titles):
            problems.append(f"offers the button {title!r}")
    for word in _listed(expect.get("absent")):
        if _expand(word, workers).lower() in lowered:
            problems.append(f"has {word!r}")
    if not reply:
        problems.append("no answer")
    return problems


def _listed(value) -> list[str]:
    return [] if value is None else [value] if isinstance(value, str) else list(value)


def _document_of(stack, day: Day, filename: str, who: Worker) -> bool:
    if filename.startswith("resident-"):
        return filename == f"resident-{who.iqama}.pdf"
    if filename.startswith("visa-"):
        return _visa_holder(stack, filename[len("visa-") : -len(".pdf")]) == who.iqama
    number = int(filename.rsplit("-", 1)[-1][: -len(".pdf")])
    latest = [t for t in _transactions(stack, day.establishment_id) if t[3] == who.iqama]
    return bool(latest) and latest[-1][4] == number


@pytest.mark.parametrize("index", range(len(DIALOGUES)), ids=[d["name"] for d in DIALOGUES])
def test_a_conversation_of_the_working_day(stack, day, index):
    dialogue = DIALOGUES[index]
    with UnitOfWork(stack.engine) as uow:
        est = uow.repo.establishment(day.establishment_id)
        workers = {key: _worker(uow, est, kind) for key, kind in (dialogue.get("workers") or {}).items()}
        uow.commit()
    sender = FIRST_USER + index
    for number, turn in enumerate(dialogue["turns"], start=1):
        before = _transactions(stack, day.establishment_id)
        reply = say(stack, sender, _expand(turn["say"], workers))
        new = _transactions(stack, day.establishment_id)[len(before) :]
        problems = _problems(stack, day, turn.get("expect") or {}, reply, new, workers)
        if problems:
            said = " | ".join((r.get("text") or "").replace("\n", " ")[:160] for r in reply)
            day.wrong.append(f"{dialogue['name']} #{number} «{turn['say']}»: {'; '.join(problems)} — {said}")
        else:
            day.right += 1


def test_the_day_is_answered_right(day):
    turns = day.right + len(day.wrong)
    share = day.right / turns if turns else 0.0
    RESULTS.write_text(
        "# A working day over the REST channel (tests/e2e/test_working_day_e2e.py)\n\n"
        f"{len(DIALOGUES)} conversations, {turns} turns: {day.right} right, {len(day.wrong)} wrong "
        f"({share:.1%} right; bar {BAR:.0%}).\n\n" + "".join(f"- {line}\n" for line in day.wrong),
        encoding="utf-8",
    )
    assert turns >= 150
    assert share >= BAR, "\n".join(day.wrong)
