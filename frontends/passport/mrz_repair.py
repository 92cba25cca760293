"""Turning Tesseract's reading of a passport zone into the two 44-character TD3 lines.

OCR of OCR-B text makes a few kinds of mistakes, all repaired here from the zone's fixed layout:
- the filler «<» read as K, S, E or C, and runs of «<» read one or two characters short or long;
- letters for digits in the date and check-digit positions (O for 0, I for 1, ...), and digits for
  letters in the nationality field;
- one extra or missing character in the first 28 characters of line 2.
Line 2 has check digits: every repair of it is tried and the first that verifies all of them wins
(residency.passport_mrz.failed_check_digits), so a repair never invents a number. Line 1 has none: it
is rebuilt as «P<» + issuing state + the name words (junk single letters dropped), padded with «<»;
the resident is then matched on those words with a tolerance (residency.passport_photo).
"""

from __future__ import annotations

import itertools
import re

from residency.passport_mrz import LINE_LENGTH, failed_check_digits

FILLER_LOOKALIKES = "KSEC"
_TO_DIGIT = str.maketrans("OQDUIL|ZSBGT", "000011125867")
_TO_LETTER = str.maketrans("0125867", "OIZSBGT")
_AMBIGUOUS = {"0": "O", "O": "0", "1": "I", "I": "1", "5": "S", "S": "5", "8": "B", "B": "8", "2": "Z", "Z": "2"}
_DIGIT_POSITIONS = (9, *range(13, 20), *range(21, 28), 43)
_ALPHABET = re.compile(r"[^A-Z0-9<]")
_USUAL_NUMBER = re.compile(r"[A-Z]{0,2}[0-9]{6,9}<*")


def clean(line: str) -> str:
    return _ALPHABET.sub("", line.upper())


def _fixed(second: str) -> str:
    """44 characters with digits forced where only digits may stand and letters in the nationality."""
    chars = list(second[:LINE_LENGTH].ljust(LINE_LENGTH, "<"))
    for position in _DIGIT_POSITIONS:
        chars[position] = chars[position].translate(_TO_DIGIT)
    for position in range(10, 13):
        chars[position] = chars[position].translate(_TO_LETTER)
    if chars[42] not in "<0123456789":
        chars[42] = chars[42].translate(_TO_DIGIT)
    if chars[20] not in "MFX<":
        chars[20] = "<"
    return "".join(chars)


def _shapes(raw: str):
    """Line 2 candidates of 44 characters: as read, the optional data as filler, one character
    dropped from or «<» added to the fixed fields."""
    heads = {raw[:28]}
    if len(raw) > LINE_LENGTH:
        heads |= {raw[:i] + raw[i + 1 : 29] for i in range(29)}
    if len(raw) < LINE_LENGTH:
        heads |= {(raw[:i] + "<" + raw[i:27])[:28] for i in range(28)}
    tail = raw[-2:]
    middle = raw[28:-2] if len(raw) > 30 else ""
    middles = {middle[:14].ljust(14, "<")}
    if set(middle) <= set("<" + FILLER_LOOKALIKES):
        middles.add("<" * 14)
    else:
        middles.add(re.sub(f"[{FILLER_LOOKALIKES}]", "<", middle)[:14].ljust(14, "<"))
    for head in sorted(heads):
        for middle in sorted(middles):
            yield _fixed((head + "<" * 28)[:28] + middle + tail)
    yield _fixed(raw)


def _document_number_variants(second: str):
    """The line as read, then with the document number's ambiguous characters (0/O, 1/I, 5/S, 8/B, 2/Z)
    swapped so that it takes the usual shape (up to 2 letters, then digits), fewest swaps first. Only
    such shapes are tried: a check digit is one in ten, so a freer search would accept wrong numbers."""
    yield second
    positions = [i for i in range(9) if second[i] in _AMBIGUOUS][:4]
    tried = []
    for swaps in itertools.product((False, True), repeat=len(positions)):
        chars = list(second)
        for position, swap in zip(positions, swaps):
            if swap:
                chars[position] = _AMBIGUOUS[chars[position]]
        number = "".join(chars[:9])
        if any(swaps) and _USUAL_NUMBER.fullmatch(number):
            tried.append((sum(swaps), "".join(chars)))
    for _, candidate in sorted(tried):
        yield candidate


def repair_second(raw: str) -> tuple[str, int]:
    """The best line 2 and how many of its check digits fail (0: verified)."""
    raw = clean(raw)
    best = (_fixed(raw), len(failed_check_digits(_fixed(raw))))
    for shape in _shapes(raw):
        for swapped, candidate in enumerate(_document_number_variants(shape)):
            failed = len(failed_check_digits(candidate))
            if failed == 0:
                return candidate, 0
            if failed < best[1] and not swapped:  # unverified: the number as read, never a guess
                best = (candidate, failed)
    return best


def repair_first(raw: str) -> str:
    """Line 1 rebuilt from its readable parts (see the module docstring)."""
    raw = clean(raw)
    state = raw[2:5].translate(_TO_LETTER) if len(raw) >= 5 else "<<<"
    runs = re.split(r"(<+)", raw[5:])
    words: list[list[str]] = [[]]  # names before and after the surname separator
    for index, piece in enumerate(runs):
        if not piece:
            continue
        if piece.startswith("<"):
            if len(piece) >= 2 and words[-1] and len(words) == 1 and index < len(runs) - 2:
                words.append([])
            continue
        lookalikes = sum(char in FILLER_LOOKALIKES for char in piece)
        if lookalikes == len(piece) or (len(piece) >= 4 and lookalikes >= 0.75 * len(piece)):
            continue  # fillers read as letters
        words[-1].append(piece)
    names = "<".join(words[0]) + ("<<" + "<".join(words[1]) if len(words) > 1 and words[1] else "")
    return ("P<" + state + names)[:LINE_LENGTH].ljust(LINE_LENGTH, "<")


def best_zone(text: str) -> tuple[str, str, int] | None:
    """(line 1, line 2, failed check digits) from OCR text, or None when no two zone-like lines."""
    lines = [clean(line) for line in text.splitlines()]
    lines = [line for line in lines if len(line) >= 30]
    if len(lines) < 2:
        return None
    best = None
    for first, second in itertools.pairwise(lines):
        repaired, failed = repair_second(second)
        score = (failed, not first.startswith("P"))
        if best is None or score < best[0]:
            best = (score, repair_first(first), repaired, failed)
    return best[1], best[2], best[3]


_JUNK = re.compile(f"(?<=<)[{FILLER_LOOKALIKES}X]|[{FILLER_LOOKALIKES}X](?=<)")


def junk_score(first: str) -> int:
    """How many letters of line 1 touch a «<» while looking like one (fewer: the better reading)."""
    return len(_JUNK.findall(first))
