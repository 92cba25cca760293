"""Domain speed on a big establishment (SPEC section 8): resident look-up, name search and the expiring-iqamas
report on 100,000 residents, on SQLite and on PostgreSQL.

Builds the establishment in a fresh SQLite file under var/bench and in a fresh PostgreSQL database
(muqeem_bench_<pid> on 127.0.0.1:5432, dropped at the end), migrated like production, then times each call
through the public domain functions (p50/p95 over many runs after a warm-up). Name search is timed twice:
with its per-establishment index rebuilt on every query ("before": what loading the names per query costs)
and with the cached index ("after"). Writes results/bench_domain.md and results/bench_domain.json.

    .venv/bin/python scripts/bench_domain.py [--residents 100000] [--runs 200] [--skip-postgres]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import statistics
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))
os.environ.setdefault("MUQEEM_TODAY", "2026-11-27")
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")

from sqlalchemy import insert, text, update  # noqa: E402

from residency import calendar, names  # noqa: E402
from bench_databases import scratch_postgres, scratch_sqlite  # noqa: E402
from residency.db import UnitOfWork, get_engine  # noqa: E402
from residency.identifiers import luhn_valid  # noqa: E402
from residency.inquiries import resident_card, search_residents  # noqa: E402
from residency.migrate import upgrade  # noqa: E402
from residency.models import Establishment, Resident, User  # noqa: E402
from residency.reports import expiring_iqamas  # noqa: E402
from residency.rules import occupations  # noqa: E402

RESULTS_DIR = REPO_ROOT / "results"
OWNER_TELEGRAM_ID = 900_000_001
ESTABLISHMENT_NUMBER = "7000000001"
CHUNK = 5_000
TARGET_MS = {"resident_card": 20, "search_residents": 20, "expiring_iqamas": 300}

# (Arabic, Latin) given names and family names by nationality, as they appear on Saudi iqamas.
NAME_POOLS: dict[str, tuple[list[tuple[str, str]], list[tuple[str, str]]]] = {
    "باكستان": (
        [
            ("محمد", "Muhammad"),
            ("أحمد", "Ahmed"),
            ("علي", "Ali"),
            ("عمران", "Imran"),
            ("عثمان", "Usman"),
            ("بلال", "Bilal"),
            ("فيصل", "Faisal"),
            ("شهباز", "Shahbaz"),
            ("عرفان", "Irfan"),
            ("زاهد", "Zahid"),
            ("طارق", "Tariq"),
            ("ناصر", "Nasir"),
            ("آصف", "Asif"),
            ("وقاص", "Waqas"),
            ("حسن", "Hassan"),
            ("عبد الرحمن", "Abdul Rehman"),
            ("عبد الله", "Abdullah"),
            ("ساجد", "Sajid"),
            ("نويد", "Naveed"),
        ],
        [
            ("خان", "Khan"),
            ("حسين", "Hussain"),
            ("شاه", "Shah"),
            ("بت", "Butt"),
            ("ملك", "Malik"),
            ("قريشي", "Qureshi"),
            ("تشودري", "Chaudhry"),
            ("أعوان", "Awan"),
            ("راجبوت", "Rajput"),
            ("ميرزا", "Mirza"),
        ],
    ),
    "الهند": (
        [
            ("راجيش", "Rajesh"),
            ("سانجاي", "Sanjay"),
            ("سوريش", "Suresh"),
            ("أنيل", "Anil"),
            ("محمد", "Mohammed"),
            ("عبد القادر", "Abdul Kader"),
            ("شفيق", "Shafeeq"),
            ("أشرف", "Ashraf"),
            ("فيجاي", "Vijay"),
            ("رافي", "Ravi"),
            ("مانوج", "Manoj"),
            ("سونيل", "Sunil"),
            ("ديباك", "Deepak"),
            ("جوزيف", "Joseph"),
            ("توماس", "Thomas"),
        ],
        [
            ("كومار", "Kumar"),
            ("ناير", "Nair"),
            ("بيلاي", "Pillai"),
            ("شارما", "Sharma"),
            ("سينغ", "Singh"),
            ("فارغيز", "Varghese"),
            ("ماثيو", "Mathew"),
            ("ريدي", "Reddy"),
            ("باتيل", "Patel"),
            ("إبراهيم", "Ibrahim"),
        ],
    ),
    "بنغلاديش": (
        [
            ("محمد", "Md"),
            ("رحيم", "Rahim"),
            ("كريم", "Karim"),
            ("جمال", "Jamal"),
            ("كمال", "Kamal"),
            ("نور الإسلام", "Nurul Islam"),
            ("شاهين", "Shaheen"),
            ("ساكب", "Sakib"),
            ("رفيق", "Rafiq"),
            ("منير", "Monir"),
        ],
        [
            ("حسين", "Hossain"),
            ("الدين", "Uddin"),
            ("إسلام", "Islam"),
            ("رحمن", "Rahman"),
            ("ميا", "Mia"),
            ("علم", "Alam"),
            ("أحمد", "Ahmed"),
            ("سركار", "Sarker"),
            ("بيسواس", "Biswas"),
            ("شودري", "Chowdhury"),
        ],
    ),
    "مصر": (
        [
            ("محمد", "Mohamed"),
            ("أحمد", "Ahmed"),
            ("محمود", "Mahmoud"),
            ("مصطفى", "Mostafa"),
            ("إبراهيم", "Ibrahim"),
            ("عبد الرحمن", "Abdelrahman"),
            ("عمرو", "Amr"),
            ("حسام", "Hossam"),
            ("كريم", "Karim"),
            ("طارق", "Tarek"),
            ("يوسف", "Youssef"),
            ("خالد", "Khaled"),
            ("إسلام", "Eslam"),
            ("شريف", "Sherif"),
            ("أسامة", "Osama"),
            ("هشام", "Hesham"),
        ],
        [
            ("السيد", "Elsayed"),
            ("عبد العزيز", "Abdelaziz"),
            ("حسن", "Hassan"),
            ("إسماعيل", "Ismail"),
            ("فتحي", "Fathy"),
            ("الشافعي", "Elshafei"),
            ("منصور", "Mansour"),
            ("سليمان", "Soliman"),
            ("عبد الحميد", "Abdelhamid"),
            ("الجمال", "Elgamal"),
        ],
    ),
    "الفلبين": (
        [
            ("جون", "John"),
            ("مارك", "Mark"),
            ("جوزيف", "Joseph"),
            ("مايكل", "Michael"),
            ("رونالد", "Ronald"),
            ("جيرالد", "Gerald"),
            ("ماريا", "Maria"),
            ("روزالي", "Rosalie"),
            ("جينالين", "Jenalyn"),
            ("أرنولد", "Arnold"),
        ],
        [
            ("سانتوس", "Santos"),
            ("رييس", "Reyes"),
            ("كروز", "Cruz"),
            ("باوتيستا", "Bautista"),
            ("أوكامبو", "Ocampo"),
            ("غارسيا", "Garcia"),
            ("مندوزا", "Mendoza"),
            ("توريس", "Torres"),
            ("فلوريس", "Flores"),
            ("راموس", "Ramos"),
        ],
    ),
    "اليمن": (
        [
            ("علي", "Ali"),
            ("صالح", "Saleh"),
            ("عبد الله", "Abdullah"),
            ("ناصر", "Nasser"),
            ("فؤاد", "Fuad"),
            ("عادل", "Adel"),
            ("وليد", "Waleed"),
            ("هائل", "Hayel"),
            ("مراد", "Murad"),
            ("عبده", "Abdo"),
        ],
        [
            ("الحميري", "Al-Humairi"),
            ("العمري", "Al-Omari"),
            ("الصبري", "Al-Sabri"),
            ("المقطري", "Al-Maqtari"),
            ("الشرعبي", "Al-Sharabi"),
            ("اليافعي", "Al-Yafei"),
            ("الحداد", "Al-Haddad"),
            ("باعلوي", "Ba-Alawi"),
        ],
    ),
    "السودان": (
        [
            ("عثمان", "Osman"),
            ("الطيب", "Eltayeb"),
            ("عوض", "Awad"),
            ("حمد", "Hamad"),
            ("مأمون", "Mamoun"),
            ("الصادق", "Elsadig"),
            ("مجدي", "Magdi"),
            ("عصام", "Essam"),
            ("مصطفى", "Mustafa"),
        ],
        [
            ("عبد الرحيم", "Abdelrahim"),
            ("الأمين", "Elamin"),
            ("محجوب", "Mahjoub"),
            ("بابكر", "Babiker"),
            ("الفكي", "Elfaki"),
            ("إدريس", "Idris"),
        ],
    ),
    "نيبال": (
        [
            ("رام", "Ram"),
            ("بيشنو", "Bishnu"),
            ("كريشنا", "Krishna"),
            ("هاري", "Hari"),
            ("سوريا", "Surya"),
            ("ديل", "Dil"),
        ],
        [
            ("تامانغ", "Tamang"),
            ("غورونغ", "Gurung"),
            ("ثابا", "Thapa"),
            ("راي", "Rai"),
            ("شريستا", "Shrestha"),
            ("ماغار", "Magar"),
        ],
    ),
    "إندونيسيا": (
        [("أجوس", "Agus"), ("بودي", "Budi"), ("سيتي", "Siti"), ("نور", "Nur"), ("ديوي", "Dewi"), ("إيكو", "Eko")],
        [
            ("سانتوسو", "Santoso"),
            ("سوسانتو", "Susanto"),
            ("هداية", "Hidayat"),
            ("ويجايا", "Wijaya"),
            ("سابوترا", "Saputra"),
        ],
    ),
}
NATIONALITY_WEIGHTS = {
    "باكستان": 22,
    "الهند": 24,
    "بنغلاديش": 18,
    "مصر": 14,
    "الفلبين": 8,
    "اليمن": 6,
    "السودان": 4,
    "نيبال": 3,
    "إندونيسيا": 1,
}
# Queries as managers type them: missing hamzas, taa marbuta as haa, "عبد الله" joined, one typo, Latin.
SEARCH_QUERIES = [
    "محمد عبدالله خان",
    "احمد حسين",
    "ابراهيم السيد",
    "مصطفي سليمان",
    "عبد الرحمن ملك",
    "اسامه منصور",
    "عمرن قريشي",
    "رجيش كومار",
    "Mohamed Elsayed",
    "Rajesh Kumr",
    "john santos",
    "نور الاسلام رحمن",
]


def iqama_numbers(count: int, seed: int) -> list[str]:
    """`count` distinct valid iqama numbers."""
    rng = random.Random(seed)
    seen: set[str] = set()
    while len(seen) < count:
        body = "2" + f"{rng.randrange(10**8):08d}"
        for last in "0123456789":
            if luhn_valid(body + last):
                seen.add(body + last)
                break
    return sorted(seen, key=lambda _: rng.random())


def resident_rows(establishment_id: int, count: int, today: date, seed: int = 7) -> list[dict]:
    """Realistic residents: names by nationality, iqamas expiring through the coming year, ~2% lapsed."""
    rng = random.Random(seed)
    nationalities = list(NATIONALITY_WEIGHTS)
    weights = list(NATIONALITY_WEIGHTS.values())
    jobs = occupations()
    rows = []
    for number in iqama_numbers(count, seed):
        nationality = rng.choices(nationalities, weights)[0]
        given, family = NAME_POOLS[nationality]
        (first_ar, first_en), (father_ar, father_en) = rng.choice(given), rng.choice(given)
        last_ar, last_en = rng.choice(family)
        name_ar, name_en = f"{first_ar} {father_ar} {last_ar}", f"{first_en} {father_en} {last_en}".upper()
        lapsed = rng.random() < 0.02
        expiry = today + timedelta(days=rng.randint(-90, -1) if lapsed else rng.randint(1, 365))
        rows.append(
            dict(
                establishment_id=establishment_id,
                iqama_number=number,
                name_ar=name_ar,
                name_en=name_en,
                name_key=names.name_key_for(name_ar, name_en),
                nationality=nationality,
                occupation=rng.choice(jobs),
                birth_date=date(rng.randint(1965, 2002), rng.randint(1, 12), rng.randint(1, 28)),
                passport_number=f"{rng.choice('ABCEHKLMNPRSTUZ')}{rng.randrange(10**7):07d}",
                passport_expiry=today + timedelta(days=rng.randint(200, 3000)),
                iqama_expiry=expiry,
                location="outside" if rng.random() < 0.03 else "inside",
                dependants=rng.choice([0, 0, 0, 1, 2, 3]),
                hire_date=date(rng.randint(2008, 2026), rng.randint(1, 12), 1),
                # Last changed some time in the past year, as in a live establishment.
                updated_at=datetime.now(timezone.utc)
                - timedelta(days=rng.randint(1, 365), seconds=rng.randint(0, 86_399)),
            )
        )
    return rows


def build(url: str, residents: int) -> float:
    """Migrate `url` and fill it with one establishment of `residents` residents; seconds taken."""
    started = time.perf_counter()
    upgrade(url)
    engine = get_engine(url)
    with UnitOfWork(engine) as uow:
        est = Establishment(
            number=ESTABLISHMENT_NUMBER,
            name_ar="شركة المقاولات الكبرى",
            plan="comprehensive",
            subscription_until=date(2027, 12, 31),
            balance=1_000_000,
            saudi_count=30_000,
            expat_count=residents,
        )
        uow.repo.add(est)
        uow.repo.add(User(establishment_id=est.id, telegram_id=OWNER_TELEGRAM_ID, role="owner"))
        rows = resident_rows(est.id, residents, calendar.today())
        for start in range(0, len(rows), CHUNK):
            uow.session.execute(insert(Resident), rows[start : start + CHUNK])
        uow.commit()
    with engine.connect() as conn:
        conn.execute(text("ANALYZE"))
        conn.commit()
    return time.perf_counter() - started


def timings(call, runs: int, warmup: int = 5, own_clock: bool = False) -> dict[str, float]:
    """p50/p95/max in milliseconds of `call()` over `runs` runs after `warmup` untimed ones; with
    `own_clock` the call returns the seconds to count (it does untimed preparation first)."""
    for _ in range(warmup):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        seconds = call()
        samples.append((seconds if own_clock else time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 2),
        "p95_ms": round(samples[min(len(samples) - 1, int(len(samples) * 0.95))], 2),
        "max_ms": round(samples[-1], 2),
        "runs": runs,
    }


def measure(url: str, runs: int) -> dict[str, dict]:
    """Time the three calls through a fresh unit of work each, as the action server makes them."""
    engine = get_engine(url)
    with engine.connect() as conn:
        iqamas = [row[0] for row in conn.execute(text("SELECT iqama_number FROM residents LIMIT 500"))]
    picks = iter(random.Random(1).choices(iqamas, k=runs * 10))
    queries = iter(SEARCH_QUERIES * runs * 2)

    def look_up():
        with UnitOfWork(engine) as uow:
            resident_card(uow, OWNER_TELEGRAM_ID, next(picks))

    def search(rebuild: bool = False):
        if rebuild:
            from residency.inquiries import NAME_INDEX

            NAME_INDEX.clear()
        with UnitOfWork(engine) as uow:
            matches = search_residents(uow, OWNER_TELEGRAM_ID, next(queries))
        assert matches, "a benchmark query found nobody"

    def touch_one_resident():
        with UnitOfWork(engine) as uow:
            uow.session.execute(
                update(Resident).where(Resident.iqama_number == next(picks)).values(dependants=Resident.dependants)
            )
            uow.commit()

    def search_after_change():
        touch_one_resident()  # a renewal or rename elsewhere moved the establishment's version
        started = time.perf_counter()
        search()
        return time.perf_counter() - started

    def report():
        with UnitOfWork(engine) as uow:
            rows = expiring_iqamas(uow, OWNER_TELEGRAM_ID)
        assert rows

    with UnitOfWork(engine) as uow:
        report_rows = len(expiring_iqamas(uow, OWNER_TELEGRAM_ID))
    return {
        "resident_card": timings(look_up, runs),
        "search_residents (index rebuilt per query: before)": timings(lambda: search(True), max(5, runs // 20), 1),
        "search_residents": timings(search, runs),
        "search_residents (a resident changed before each query)": timings(
            search_after_change, runs // 2, own_clock=True
        ),
        "expiring_iqamas": {**timings(report, max(20, runs // 4)), "rows": report_rows},
    }


def run(scratch, residents: int, runs: int) -> dict:
    with scratch("bench") as url:
        seconds = build(url, residents)
        return {"build_s": round(seconds, 1), **measure(url, runs)}


def markdown(results: dict, residents: int) -> str:
    lines = [
        f"# Domain benchmark: {residents:,}-resident establishment",
        "",
        f"Generated by `scripts/bench_domain.py` on {results['machine']} (load average before the run: "
        f"{results['load_average']}); {residents:,} residents in one establishment; each call runs in its own "
        "unit of work (as the action server does), including authorisation. Times in ms.",
        'Name search "before" rebuilds the per-establishment name index on every query (what loading the '
        'names per query costs); "after" (the shipped path) uses the cached index and only checks its version; '
        "with a resident changed before each query, the changed residents are read and layered over the cached index.",
        "",
        "| database | call | p50 | p95 | max | runs | target p50 | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for database in ("sqlite", "postgresql"):
        if database not in results:
            continue
        for call, stats in results[database].items():
            if not isinstance(stats, dict):
                continue
            target = TARGET_MS.get(call)
            met = "" if target is None else ("yes" if stats["p50_ms"] < target else "NO")
            label = call + (f" ({stats['rows']:,} rows)" if "rows" in stats else "")
            lines.append(
                f"| {database} | {label} | {stats['p50_ms']} | {stats['p95_ms']} | {stats['max_ms']} | "
                f"{stats['runs']} | {target or ''} | {met} |"
            )
    for database in ("sqlite", "postgresql"):
        if database in results:
            lines.append(
                f"\nBuilding the {database} database (migrate + bulk insert): {results[database]['build_s']} s."
            )
    return "\n".join(lines) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--residents", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--skip-postgres", action="store_true")
    args = parser.parse_args()

    results: dict = {
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_average": " ".join(f"{x:.1f}" for x in os.getloadavg()),
    }
    print(f"SQLite: building {args.residents:,} residents ...", flush=True)
    results["sqlite"] = run(scratch_sqlite, args.residents, args.runs)
    if not args.skip_postgres:
        print(f"PostgreSQL: building {args.residents:,} residents ...", flush=True)
        results["postgresql"] = run(scratch_postgres, args.residents, args.runs)

    RESULTS_DIR.mkdir(exist_ok=True)
    (RESULTS_DIR / "bench_domain.json").write_text(json.dumps(results, ensure_ascii=False, indent=2) + "\n")
    report = markdown(results, args.residents)
    (RESULTS_DIR / "bench_domain.md").write_text(report, encoding="utf-8")
    print(report)
    failed = [
        f"{db} {call}"
        for db in ("sqlite", "postgresql")
        for call, target in TARGET_MS.items()
        if db in results and results[db][call]["p50_ms"] >= target
    ]
    if failed:
        print("targets missed: " + ", ".join(failed), file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
