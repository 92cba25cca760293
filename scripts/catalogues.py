"""The reply catalogues (replies/locale/<lang>/LC_MESSAGES/muqeem.po), kept in step with the code.

    python scripts/catalogues.py          # extract the ids, update ar.po and en.po (translations kept)
    python scripts/catalogues.py --check  # exit 1 if either file is stale or an Arabic text is missing

Ids are extracted from `_()`, `N_()`, `ngettext()` and `pgettext()` calls in actions/, frontends/, runtime/,
residency/ and replies/. English is the ids themselves (both plural forms for ngettext); Arabic is written by hand.
Arabic files in replies/parts/*.po (translations written beside a change) are merged into ar.po;
`--fold` then removes them.
"""

from __future__ import annotations

import argparse
import io
import sys
from datetime import datetime, timezone
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("actions", "frontends", "runtime", "residency", "replies")
KEYWORDS = {"_": None, "N_": None, "ngettext": (1, 2), "pgettext": ((1, "c"), 2)}
LOCALE = ROOT / "replies" / "locale"
PARTS = ROOT / "replies" / "parts"
PROJECT = "muqeem"
HEADER_DATE = datetime(2026, 12, 1, tzinfo=timezone.utc)


def po_path(language: str) -> Path:
    return LOCALE / language / "LC_MESSAGES" / "muqeem.po"


def template() -> Catalog:
    catalog = Catalog(project=PROJECT, fuzzy=False)
    for folder in SOURCES:
        for filename, lineno, message, comments, context in extract_from_dir(
            ROOT / folder, method_map=[("**.py", "python")], keywords=KEYWORDS, strip_comment_tags=True
        ):
            catalog.add(message, None, [(f"{folder}/{filename}", lineno)], context=context)
    return catalog


def _read(path: Path, language: str) -> Catalog:
    if not path.exists():
        return Catalog(locale=language, project=PROJECT, fuzzy=False)
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def _text(catalog: Catalog) -> bytes:
    """The .po file's bytes; the header is fixed so that an unchanged catalogue writes the same bytes."""
    catalog.creation_date = catalog.revision_date = HEADER_DATE
    catalog.header_comment = f"# {catalog.locale.english_name} replies of muqeem. Generated ids, hand-written texts."
    catalog.version, catalog.copyright_holder, catalog.msgid_bugs_address = "2", "muqeem", ""
    catalog.last_translator, catalog.language_team = "muqeem", "muqeem"
    out = io.BytesIO()
    write_po(out, catalog, width=0, omit_header=False, sort_output=True, no_location=True)
    return out.getvalue()


def arabic(ids: Catalog) -> Catalog:
    catalog = _read(po_path("ar"), "ar")
    for part in sorted(PARTS.glob("*.po")):
        for message in _read(part, "ar"):
            if message.id and _filled(message.string):
                # Catalog's item assignment keeps an existing (empty) translation: replace it instead.
                catalog.delete(message.id, context=message.context)
                catalog.add(message.id, message.string, context=message.context)
    catalog.update(ids, no_fuzzy_matching=True, update_header_comment=False)
    catalog.obsolete.clear()
    return catalog


def english(ids: Catalog) -> Catalog:
    catalog = Catalog(locale="en", project=PROJECT, fuzzy=False)
    for message in ids:
        if message.id:
            catalog.add(message.id, message.id, context=message.context)
    return catalog


def _filled(string: str | tuple | None) -> bool:
    return all(string) if isinstance(string, (tuple, list)) else bool(string)


def missing_arabic(catalog: Catalog) -> list[str]:
    """Ids without an Arabic text gettext will use: empty, or marked fuzzy (compiling leaves those out, and
    the reply comes out in English)."""
    return [str(message.id) for message in catalog if message.id and (message.fuzzy or not _filled(message.string))]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale or incomplete catalogues")
    parser.add_argument("--fold", action="store_true", help="remove replies/parts/*.po once merged")
    args = parser.parse_args()
    ids = template()
    wanted = {"ar": _text(arabic(ids)), "en": _text(english(ids))}
    stale = [lang for lang, text in wanted.items() if not po_path(lang).exists() or po_path(lang).read_bytes() != text]
    missing = missing_arabic(read_po(io.BytesIO(wanted["ar"]), locale="ar"))
    if args.check:
        for lang in stale:
            print(f"{po_path(lang).relative_to(ROOT)} is stale: run python scripts/catalogues.py", file=sys.stderr)
        for message_id in missing:
            print(f"no Arabic text for {message_id!r}", file=sys.stderr)
        return 1 if stale or missing else 0
    for lang, text in wanted.items():
        po_path(lang).parent.mkdir(parents=True, exist_ok=True)
        po_path(lang).write_bytes(text)
    for part in PARTS.glob("*.po") if args.fold else ():
        part.unlink()
    for message_id in missing:
        print(f"no Arabic text yet for {message_id!r}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
