"""The demo data of `muqeem demo seed`: two establishments, their owners, and residents covering every
situation the assistant handles, so that a new user can chat at once.

- 7001234567 «مؤسسة الريادة للمقاولات»: 60 residents of ten nationalities (expired and expiring iqamas, a
  late-renewal offender, new arrivals without an iqama, residents abroad on exit/re-entry visas (one
  overdue), unused visas, a final exit, dependants, driving licences, a passport about to expire),
  owner = MUQEEM_DEMO_TELEGRAM_ID (default 1000001).
- 7009876543 «شركة الأفق للتشغيل والصيانة»: 10 residents, owner 1000002, Saudi majority (lower levy); it
  shows that one establishment never sees another's residents and is the sponsorship-transfer target.

Everything is deterministic (fixed random seed) and dated relative to `calendar.today()`. The seed is
the administrator: it writes models directly, in one unit of work, without transactions.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from residency import calendar, nationalities
from residency.db import UnitOfWork
from residency.errors import Refusal
from residency.establishments import DEFAULT_SUBSCRIPTION_MONTHS
from residency.identifiers import luhn_valid
from residency.models import DrivingLicence, Establishment, Resident, User, Visa
from residency.names import name_key_for
from residency.rules import RULES

RANDOM_SEED = 20261127
DEMO_TELEGRAM_ID_ENV = "MUQEEM_DEMO_TELEGRAM_ID"
DEFAULT_DEMO_TELEGRAM_ID = 1000001
SECOND_OWNER_TELEGRAM_ID = 1000002

MAIN = dict(
    number="7001234567",
    name_ar="مؤسسة الريادة للمقاولات",
    plan="comprehensive",
    balance=250_000,
    saudi_count=12,
    expat_count=60,
)
SECOND = dict(
    number="7009876543",
    name_ar="شركة الأفق للتشغيل والصيانة",
    plan="transactions",
    balance=80_000,
    saudi_count=15,
    expat_count=10,
)


def _letters_digits(letters: str, count: int, digits: int):
    def make(rng: random.Random) -> str:
        prefix = "".join(rng.choice(letters) for _ in range(count))
        return prefix + "".join(rng.choice("0123456789") for _ in range(digits))

    return make


# A passport-number shape per nationality (ISO 3166 alpha-2; shapes the parser accepts). The nationality is
# stored in its canonical form, the country's Arabic name (residency.nationalities), as an import stores it.
PASSPORT_SHAPES = {
    "IN": _letters_digits("JKLMNPRTUVWZ", 1, 7),
    "PK": _letters_digits("ABCDFGKLM", 2, 7),
    "BD": _letters_digits("ABE", 1, 8),
    "EG": _letters_digits("A", 1, 8),
    "PH": _letters_digits("EP", 2, 7),
    "SD": _letters_digits("P", 1, 8),
    "YE": _letters_digits("", 0, 8),
    "NP": _letters_digits("PA", 2, 7),
    "LK": _letters_digits("N", 1, 7),
    "ID": _letters_digits("BC", 1, 7),
}

# (Arabic name, Latin name, nationality, female). The last ten work for the second establishment.
PEOPLE = [
    ("محمد رحيم الدين", "Mohammed Rahim Uddin", "IN", False),
    ("شاهد أحمد أنصاري", "Shahid Ahmed Ansari", "IN", False),
    ("راجيش كومار", "Rajesh Kumar", "IN", False),
    ("سوريش بابو ناير", "Suresh Babu Nair", "IN", False),
    ("عبد الرحمن كويا", "Abdul Rahman Koya", "IN", False),
    ("أنيل كومار شارما", "Anil Kumar Sharma", "IN", False),
    ("سيد عمران علي", "Syed Imran Ali", "IN", False),
    ("جوزيف ماثيو", "Joseph Mathew", "IN", False),
    ("محمد عمران خان", "Muhammad Imran Khan", "PK", False),
    ("عبد الغفور بلوش", "Abdul Ghafoor Baloch", "PK", False),
    ("ذو الفقار علي شاه", "Zulfiqar Ali Shah", "PK", False),
    ("طارق محمود", "Tariq Mahmood", "PK", False),
    ("محمد نعيم أختر", "Muhammad Naeem Akhtar", "PK", False),
    ("شوكت حسين", "Shaukat Hussain", "PK", False),
    ("عبد القيوم يوسفزي", "Abdul Qayyum Yousafzai", "PK", False),
    ("محمد رفيق الإسلام", "Mohammad Rafiqul Islam", "BD", False),
    ("عبد الكريم مياه", "Abdul Karim Miah", "BD", False),
    ("شاه جلال أحمد", "Shah Jalal Ahmed", "BD", False),
    ("محمد نور الأمين", "Mohammad Nurul Amin", "BD", False),
    ("مجيب الرحمن", "Mujibur Rahman", "BD", False),
    ("كمال حسين", "Kamal Hossain", "BD", False),
    ("سيف الإسلام", "Saiful Islam", "BD", False),
    ("أحمد محمود عبد العزيز", "Ahmed Mahmoud Abdelaziz", "EG", False),
    ("محمد السيد إبراهيم", "Mohamed Elsayed Ibrahim", "EG", False),
    ("مصطفى كمال عبد الفتاح", "Mostafa Kamal Abdelfattah", "EG", False),
    ("هاني سمير جرجس", "Hany Samir Girgis", "EG", False),
    ("عمرو عبد الحميد حسن", "Amr Abdelhamid Hassan", "EG", False),
    ("ياسر عبد الله منصور", "Yasser Abdalla Mansour", "EG", False),
    ("ماريا كريستينا سانتوس", "Maria Cristina Santos", "PH", True),
    ("جوسلين ديلا كروز", "Jocelyn Dela Cruz", "PH", True),
    ("روزالي باوتيستا", "Rosalie Bautista", "PH", True),
    ("أنجيليكا راموس", "Angelica Ramos", "PH", True),
    ("خوسيه رييس غارسيا", "Jose Reyes Garcia", "PH", False),
    ("مارك أنتوني فرنانديز", "Mark Anthony Fernandez", "PH", False),
    ("عثمان عبد الرحيم أحمد", "Osman Abdelrahim Ahmed", "SD", False),
    ("الطيب محمد الحسن", "Altayeb Mohamed Alhassan", "SD", False),
    ("مجدي عوض الكريم", "Magdi Awad Alkarim", "SD", False),
    ("حسن إدريس آدم", "Hassan Idris Adam", "SD", False),
    ("صلاح الدين بابكر", "Salah Eldin Babiker", "SD", False),
    ("عبد الله صالح العمري", "Abdullah Saleh Alamri", "YE", False),
    ("فؤاد أحمد الحكيمي", "Fuad Ahmed Alhakimi", "YE", False),
    ("ناصر علي باوزير", "Nasser Ali Bawazir", "YE", False),
    ("أمين سعيد الشرعبي", "Ameen Saeed Alsharabi", "YE", False),
    ("خالد حسين بامطرف", "Khaled Hussein Bamatraf", "YE", False),
    ("رام بهادور تامانغ", "Ram Bahadur Tamang", "NP", False),
    ("بيشنو براساد شريستا", "Bishnu Prasad Shrestha", "NP", False),
    ("هاري كريشنا ثابا", "Hari Krishna Thapa", "NP", False),
    ("سانتوش غورونغ", "Santosh Gurung", "NP", False),
    ("نيروشا بيريرا", "Nirosha Perera", "LK", True),
    ("تشاميلا فرناندو", "Chamila Fernando", "LK", True),
    ("ديلروكشي سيلفا", "Dilrukshi Silva", "LK", True),
    ("محمد رزان", "Mohamed Rizan", "LK", False),
    ("كاسون جاياسوريا", "Kasun Jayasuriya", "LK", False),
    ("سيتي نور حياتي", "Siti Nur Hayati", "ID", True),
    ("ديوي لستاري", "Dewi Lestari", "ID", True),
    ("سري واهيوني", "Sri Wahyuni", "ID", True),
    ("أغوس سابوترا", "Agus Saputra", "ID", False),
    ("بودي سانتوسو", "Budi Santoso", "ID", False),
    ("ثوماس فارغيز", "Thomas Varghese", "IN", False),
    ("غلام مصطفى", "Ghulam Mustafa", "PK", False),
    # Second establishment.
    ("محمد أشرف باتيل", "Mohammed Ashraf Patel", "IN", False),
    ("وقاص أحمد", "Waqas Ahmed", "PK", False),
    ("عبد الحليم سركار", "Abdul Halim Sarker", "BD", False),
    ("محمود فتحي الشافعي", "Mahmoud Fathy Elshafei", "EG", False),
    ("شريف عادل نصر", "Sherif Adel Nasr", "EG", False),
    ("عبد المنعم الفاضل", "Abdelmoneim Alfadil", "SD", False),
    ("محمد عبده القاضي", "Mohammed Abdo Alqadi", "YE", False),
    ("ديباك راي", "Deepak Rai", "NP", False),
    ("رونالدو مندوزا", "Ronaldo Mendoza", "PH", False),
    ("أنوار الحق", "Anwarul Haque", "BD", False),
]
MAIN_RESIDENTS = 60

FEMALE_DOMESTIC = ["عاملة منزلية"] * 7 + ["مربية أطفال"] * 3
MALE_DOMESTIC = ["سائق خاص", "سائق خاص", "سائق خاص", "طباخ منزلي", "حارس منزل"]
CONTRACTING = [
    "بناء",
    "بناء",
    "نجار",
    "حداد",
    "لحام",
    "سباك",
    "دهان",
    "مليس",
    "عامل",
    "عامل",
    "فني كهرباء",
    "فني تكييف",
    "مهندس مدني",
    "مهندس كهربائي",
    "مشرف موقع",
    "مدير مشروع",
    "محاسب",
    "أمين مستودع",
    "سائق معدات ثقيلة",
    "سائق شاحنة",
    "طباخ",
    "حارس أمن",
]
MAINTENANCE = [
    "فني صيانة",
    "فني تكييف",
    "فني كهرباء",
    "سباك",
    "عامل نظافة",
    "حارس أمن",
    "مشرف",
    "فني شبكات",
    "مهندس ميكانيكي",
    "كهربائي سيارات",
]
DRIVING = {"سائق خاص", "سائق معدات ثقيلة", "سائق شاحنة", "سائق حافلة", "سائق توصيل"}
LICENCE_TYPES = {"سائق معدات ثقيلة": "معدات ثقيلة", "سائق شاحنة": "نقل ثقيل", "سائق حافلة": "نقل عام"}

# The main establishment's special cases, in the order they are given to the shuffled people;
# everybody after them is an ordinary resident. Day offsets are from today.
EXPIRED = [(-20, 1), (-45, 0), (-2, 0)]  # (iqama expiry, late-renewal offences so far)
EXPIRING = [3, 7, 14, 21, 30]
ARRIVALS = [20, 50, 120]  # days since arrival; the last is past the 90-day limit (late-issue fine)
# (days since issue, months, entry type, days after issue the resident left)
ABROAD = [
    (30, 2, "single", 4),
    (60, 4, "multiple", 10),
    (56, 2, "single", 6),  # return-before within the week: reminder
    (75, 2, "single", 5),  # overdue: the return-before date has passed
    (20, 6, "multiple", 5),
]
UNUSED = [(50, 2, "single"), (3, 3, "multiple")]  # the first is near its return-before date
FINAL_EXIT_DAYS_AGO = 10


@dataclass
class SeedSummary:
    """What was seeded, for the CLI to print."""

    establishments: list[tuple[str, str, int]] = field(default_factory=list)  # number, name, residents
    owners: list[tuple[str, int]] = field(default_factory=list)  # establishment number, telegram id
    counts: dict[str, int] = field(default_factory=dict)
    samples: list[tuple[str, str]] = field(default_factory=list)  # iqama number, what it shows


def demo_telegram_id() -> int:
    """MUQEEM_DEMO_TELEGRAM_ID, else 1000001: the demo owner's Telegram id."""
    return int(os.environ.get(DEMO_TELEGRAM_ID_ENV) or DEFAULT_DEMO_TELEGRAM_ID)


def database_is_empty(uow: UnitOfWork) -> bool:
    """True when no establishment exists yet."""
    return not uow.repo.any_establishment()


class _Numbers:
    """Deterministic unique numbers (iqama, border, visa) that are also not in the database."""

    def __init__(self, uow: UnitOfWork, rng: random.Random) -> None:
        self.uow, self.rng, self.used = uow, rng, set()

    def _digits(self, n: int) -> str:
        return "".join(self.rng.choice("0123456789") for _ in range(n))

    def _fresh(self, make, in_use) -> str:
        while True:
            number = make()
            if number in self.used:
                continue
            if not in_use(number):
                self.used.add(number)
                return number

    def iqama(self) -> str:
        def make() -> str:
            body = "2" + self._digits(8)
            return next(body + d for d in "0123456789" if luhn_valid(body + d))

        return self._fresh(make, self.uow.repo.iqama_in_use)

    def border(self) -> str:
        return self._fresh(lambda: self.rng.choice("34") + self._digits(9), self.uow.repo.border_in_use)

    def visa(self) -> str:
        return self._fresh(lambda: "6" + self._digits(9), self.uow.repo.visa_number_in_use)


class _Builder:
    def __init__(self, uow: UnitOfWork, rng: random.Random, today: date) -> None:
        self.uow, self.rng, self.today = uow, rng, today
        self.numbers = _Numbers(uow, rng)

    def days(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    def resident(self, est: Establishment, person: tuple, occupation: str, **overrides) -> Resident:
        name_ar, name_en, nationality, _female = person
        country, passport = nationalities.canonical(nationality), PASSPORT_SHAPES[nationality]
        rng = self.rng
        birth = self.days(-rng.randint(25 * 365, 55 * 365))
        values = dict(
            iqama_number=self.numbers.iqama(),
            name_ar=name_ar,
            name_en=name_en,
            name_key=name_key_for(name_ar, name_en),
            nationality=country,
            occupation=occupation,
            birth_date=birth,
            passport_number=passport(rng),
            passport_expiry=self.days(rng.randint(400, 3000)),
            iqama_expiry=self.days(rng.randint(31, 360)),
            location="inside",
            dependants=0,
            transfer_count=0,
            hire_date=self.days(-rng.randint(60, 2500)),
            late_renewal_offences=0,
        )
        values.update(overrides)
        resident = Resident(establishment_id=est.id, **values)
        self.uow.repo.add(resident, flush=False)
        return resident

    def visa(self, resident: Resident, kind: str, issued_days_ago: int, valid_until: date, **kw) -> Visa:
        visa = Visa(
            number=self.numbers.visa(),
            kind=kind,
            issued_on=self.days(-issued_days_ago),
            valid_until=valid_until,
            **kw,
        )
        resident.visas.append(visa)
        return visa

    def exit_reentry(self, resident: Resident, days_ago: int, months: int, entry_type: str, **kw) -> Visa:
        issued = self.days(-days_ago)
        return self.visa(
            resident, "exit_reentry", days_ago, calendar.add_months(issued, months), entry_type=entry_type, **kw
        )

    def licence(self, resident: Resident, expiry: date) -> None:
        licence_type = LICENCE_TYPES.get(resident.occupation, "خاصة")
        resident.licence = DrivingLicence(licence_type=licence_type, number=resident.iqama_number, expiry=expiry)


def _occupations(rng: random.Random, people: list[tuple]) -> list[str]:
    """An occupation per person: women domestic ones, a few men domestic ones, the rest contracting."""
    female, male_domestic = iter(FEMALE_DOMESTIC), iter(MALE_DOMESTIC)
    result = []
    for person in people:
        if person[3]:
            result.append(next(female))
        else:
            result.append(next(male_domestic, None) or rng.choice(CONTRACTING))
    return result


def _establishment(uow: UnitOfWork, values: dict, today: date, owner_id: int) -> Establishment:
    if uow.repo.establishment_by_number(values["number"]) is not None:
        raise Refusal(
            "demo_exists",
            f"بيانات العرض موجودة من قبل (المنشأة {values['number']}). استخدم --if-empty، أو ابدأ بقاعدة بيانات جديدة.",
        )
    if uow.repo.user_by_telegram_id(owner_id) is not None:
        raise Refusal("already_user", f"الحساب {owner_id} مستخدم لمنشأة أخرى؛ اختر معرّفًا آخر ({DEMO_TELEGRAM_ID_ENV}).")
    est = Establishment(subscription_until=calendar.add_months(today, DEFAULT_SUBSCRIPTION_MONTHS), **values)
    uow.repo.add(est)
    uow.repo.add(User(establishment_id=est.id, telegram_id=owner_id, role="owner", services=""))
    return est


def _seed_main(b: _Builder, est: Establishment, people: list[tuple]) -> dict[str, list[Resident]]:
    rng, days = b.rng, b.days
    occupations = _occupations(rng, people)
    pairs = iter(zip(people, occupations))
    groups: dict[str, list[Resident]] = {
        k: [] for k in ("expired", "expiring", "arrival", "abroad", "unused", "final", "ordinary")
    }

    for offset, offences in EXPIRED:
        person, job = next(pairs)
        groups["expired"].append(
            b.resident(est, person, job, iqama_expiry=days(offset), late_renewal_offences=offences)
        )
    for offset in EXPIRING:
        person, job = next(pairs)
        groups["expiring"].append(b.resident(est, person, job, iqama_expiry=days(offset)))
    for days_ago in ARRIVALS:
        person, job = next(pairs)
        arrived = days(-days_ago)
        groups["arrival"].append(
            b.resident(
                est,
                person,
                job,
                iqama_number=None,
                iqama_expiry=None,
                border_number=b.numbers.border(),
                arrival_date=arrived,
                hire_date=arrived,
            )
        )
    for days_ago, months, entry_type, left_after in ABROAD:
        person, job = next(pairs)
        resident = b.resident(est, person, job, location="outside", iqama_expiry=days(rng.randint(200, 330)))
        b.exit_reentry(resident, days_ago, months, entry_type, status="used", departed_on=days(left_after - days_ago))
        groups["abroad"].append(resident)
    for days_ago, months, entry_type in UNUSED:
        person, job = next(pairs)
        resident = b.resident(est, person, job, iqama_expiry=days(rng.randint(200, 330)))
        b.exit_reentry(resident, days_ago, months, entry_type, status="issued")
        groups["unused"].append(resident)
    person, job = next(pairs)
    resident = b.resident(est, person, job)
    b.visa(
        resident,
        "final_exit",
        FINAL_EXIT_DAYS_AGO,
        days(int(RULES["final_exit"]["valid_days"]) - FINAL_EXIT_DAYS_AGO),
        status="issued",
    )
    groups["final"].append(resident)

    for person, job in pairs:
        groups["ordinary"].append(b.resident(est, person, job))
    ordinary = groups["ordinary"]
    # A past trip (returned), a passport too close to expiry for an exit/re-entry, earlier transfers.
    returned = ordinary[0]
    b.exit_reentry(returned, 200, 2, "single", status="returned", departed_on=days(-195), returned_on=days(-150))
    ordinary[1].passport_expiry = days(60)
    for resident in ordinary[2:5]:
        resident.transfer_count = rng.randint(1, 2)
    for resident in rng.sample([r for r in ordinary if r.occupation not in FEMALE_DOMESTIC + MALE_DOMESTIC], 8):
        resident.dependants = rng.randint(1, 4)

    with_iqama = [r for group in groups.values() for r in group if r.iqama_number]
    drivers = [r for r in with_iqama if r.occupation in DRIVING]
    others = [r for r in with_iqama if r.occupation not in DRIVING and r in ordinary + groups["expiring"]]
    licensed = drivers + rng.sample(others, 5)
    expiries = [days(-15), days(10), days(25)] + [days(rng.randint(90, 1500)) for _ in licensed[3:]]
    for resident, expiry in zip(licensed, expiries):
        b.licence(resident, expiry)
    return groups


def _seed_second(b: _Builder, est: Establishment, people: list[tuple]) -> None:
    for index, person in enumerate(people):
        overrides = {"iqama_expiry": b.days(12)} if index == 0 else {}
        b.resident(est, person, MAINTENANCE[index % len(MAINTENANCE)], **overrides)


def seed_demo(uow: UnitOfWork, owner_telegram_id: int | None = None) -> SeedSummary:
    """Write the demo establishments, owners and residents in one transaction and commit."""
    today = calendar.today()
    rng = random.Random(RANDOM_SEED)
    owner_id = owner_telegram_id or demo_telegram_id()
    main = _establishment(uow, MAIN, today, owner_id)
    second = _establishment(uow, SECOND, today, SECOND_OWNER_TELEGRAM_ID)
    builder = _Builder(uow, rng, today)
    main_people = PEOPLE[:MAIN_RESIDENTS]
    rng.shuffle(main_people)
    groups = _seed_main(builder, main, main_people)
    _seed_second(builder, second, PEOPLE[MAIN_RESIDENTS:])
    uow.repo.flush()

    residents = [r for group in groups.values() for r in group]
    summary = SeedSummary(
        establishments=[
            (main.number, main.name_ar, len(residents)),
            (second.number, second.name_ar, len(PEOPLE) - MAIN_RESIDENTS),
        ],
        owners=[(main.number, owner_id), (second.number, SECOND_OWNER_TELEGRAM_ID)],
        counts={
            "residents": len(residents),
            "nationalities": len({r.nationality for r in residents}),
            "expired_iqamas": len(groups["expired"]),
            "expiring_30_days": len(groups["expiring"]),
            "new_arrivals": len(groups["arrival"]),
            "abroad": len(groups["abroad"]),
            "visas": sum(len(r.visas) for r in residents),
            "driving_licences": sum(1 for r in residents if r.licence),
        },
        samples=[
            (groups["expiring"][0].iqama_number, "إقامة تنتهي خلال أيام / iqama expiring"),
            (groups["ordinary"][-1].iqama_number, "مقيم داخل المملكة / resident inside"),
            (groups["abroad"][0].iqama_number, "خارج المملكة بتأشيرة خروج وعودة / abroad on exit/re-entry"),
        ],
    )
    uow.commit()
    return summary
