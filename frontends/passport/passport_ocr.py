"""Reading a passport photo's machine-readable zone locally: Pillow + numpy preprocessing, Tesseract OCR.

`read_mrz(image_bytes) -> str` returns the two TD3 lines ("LINE1\\nLINE2", 44 characters each) or ""
when no zone could be read. Each variant below is tried in turn until one gives a line 2 whose check
digits all verify (residency.passport_mrz, pure); failing that, the reading closest to a zone is
returned when at most 2 of its 5 check digits fail (the action answers that they fail), else "".

The variants (frontends/passport/ocr_images.py): the zone located on the deskewed page, the bottom band, the page
turned, the whole page. Tesseract (Debian's tesseract-ocr, its CLI: English
data, no dictionary, one thread) reads one block with the character whitelist A-Z 0-9 «<»; its
character boxes give three readings (frontends/passport/mrz_repair.py makes the lines of them). Nothing is
downloaded: the engine and its data are system packages.
"""

from __future__ import annotations

import io
import itertools
import logging
import os
import shutil
import subprocess

import numpy as np
from PIL import Image

from frontends.passport.mrz_repair import best_zone, junk_score
from frontends.passport.ocr_images import grayscale, variants

logger = logging.getLogger(__name__)

WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
TESSERACT_OPTIONS = (
    "--oem",
    "1",
    "--psm",
    "6",
    "-c",
    f"tessedit_char_whitelist={WHITELIST}",
    "-c",
    "load_system_dawg=0",
    "-c",
    "load_freq_dawg=0",
)
TESSERACT_TIMEOUT_SECONDS = 10
MAX_FAILED_CHECKS = 2  # of 5: an unverified reading with more failing is not a zone at all


def tesseract_path() -> str:
    """The tesseract executable (Debian's tesseract-ocr package), or "" when it is not installed."""
    return shutil.which("tesseract") or ""


def ocr(image: Image.Image) -> list[str]:
    """Three readings of one image from Tesseract's character boxes, each as text: the characters as
    read with fillers read as letters put back (best for line 1), the lines laid on the zone's
    character grid (best for line 2), and the characters as read; [] when Tesseract fails."""
    png = io.BytesIO()
    image.save(png, format="PNG")
    try:
        done = subprocess.run(
            [tesseract_path() or "tesseract", "stdin", "stdout", "-l", "eng", *TESSERACT_OPTIONS, "makebox"],
            input=png.getvalue(),
            capture_output=True,
            timeout=TESSERACT_TIMEOUT_SECONDS,
            check=True,
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
        )
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("Tesseract failed on a passport photo: %s", error)
        return []
    boxes = []
    for row in done.stdout.decode("utf-8", errors="replace").splitlines():
        parts = row.split()
        if len(parts) >= 5 and len(parts[0]) == 1:
            x1, y1, x2, y2 = (int(v) for v in parts[1:5])
            boxes.append((parts[0], x1, image.height - y2, x2, image.height - y1))
    lines, dark = box_lines(boxes), np.asarray(image) < 128
    fillers = [_fillers(line, dark) for line in lines]
    return [
        "\n".join("".join("<" if f else box[0] for box, f in zip(line, flags)) for line, flags in zip(lines, fillers)),
        "\n".join(cells_to_lines(lines, fillers)),
        "\n".join("".join(box[0] for box in line) for line in lines),
    ]


def _fillers(line: list[tuple[str, int, int, int, int]], dark: np.ndarray) -> list[bool]:
    """Per box: a «<» (as read, or a K/S/E/C/X lower than the line's letters and without a vertical
    stroke: no column of its box half dark)."""
    letter_height = float(np.median([bottom - top for _, _, top, _, bottom in line]))
    flags = []
    for char, left, top, right, bottom in line:
        stem = dark[top:bottom, left:right].mean(axis=0).max() if bottom > top and right > left else 0
        flags.append(char == "<" or (char in "KSECX" and stem < 0.5 and bottom - top < 0.93 * letter_height))
    return flags


def box_lines(boxes: list[tuple[str, int, int, int, int]]) -> list[list[tuple[str, int, int, int, int]]]:
    """Boxes (char, left, top, right, bottom) in reading order grouped into lines: a box that starts
    well left of the previous one and lower than its middle begins a new line."""
    lines: list[list] = [[]]
    for box in boxes:
        previous = lines[-1][-1] if lines[-1] else None
        if (
            previous
            and box[1] < previous[1] - 2 * (previous[3] - previous[1])
            and box[2] > (previous[2] + previous[4]) / 2
        ):
            lines.append([])
        lines[-1].append(box)
    return [line for line in lines if len(line) >= 20]


def _pitch(lines: list[list[tuple[str, int, int, int, int]]]) -> float:
    """The zone's character pitch: the median distance between neighbouring boxes' centres, among
    those about one character apart (a wide box of several fillers would skew a simple average)."""
    rough = max(line[-1][3] - line[0][1] for line in lines) / 44
    steps = [(b[1] + b[3] - a[1] - a[3]) / 2 for line in lines for a, b in itertools.pairwise(line)]
    steps = [step for step in steps if 0.7 * rough <= step <= 1.3 * rough]
    return float(np.median(steps)) if steps else 0.0


def cells_to_lines(lines: list[list[tuple[str, int, int, int, int]]], fillers: list[list[bool]]) -> list[str]:
    """Lines of a monospaced zone from character boxes (char, left, top, right, bottom) and which of
    them are fillers (`_fillers`): a cell no box covers is a «<» Tesseract skipped, a filler box is a
    «<» once per pitch it spans. Letters are laid after the fillers, so a wide filler box never hides
    a neighbour."""
    zone_like = [line for line in lines if len(line) >= 30] or lines
    if not zone_like:
        return []
    pitch = _pitch(zone_like)
    if pitch <= 0:
        return []
    texts = []
    for line, flags in zip(lines, fillers):
        origin = (line[0][1] + line[0][3]) / 2
        cells = ["<"] * 44
        placed = []
        for (char, left, _, right, _), filler in zip(line, flags):
            span = max(1, round((right - left) / pitch))
            first = round(((left + right) / 2 - origin) / pitch - (span - 1) / 2)  # by its centre
            placed.append((filler, first, span, char))
        for filler, first, span, char in sorted(placed, key=lambda p: not p[0]):  # fillers first
            for cell in range(first, first + (span if filler else 1)):
                if 0 <= cell < 44:
                    cells[cell] = "<" if filler else char
        texts.append("".join(cells))
    return texts


def read_mrz(image_bytes: bytes) -> str:
    """The zone's two lines joined by a newline, or "" (see the module docstring)."""
    image = grayscale(image_bytes)
    if image is None:
        return ""
    best: tuple[int, str] | None = None
    for variant in variants(image):
        # Line 2 from whichever reading verifies; line 1 (no check digit) from the grid reading unless
        # the other one looks cleaner.
        zones = [zone for zone in map(best_zone, ocr(variant)) if zone is not None]
        verified = [second for _, second, failed in zones if failed == 0]
        if verified:
            first = min((z[0] for z in zones), key=junk_score)
            return f"{first}\n{verified[0]}"
        for first, second, failed in zones:
            if best is None or failed < best[0]:
                best = (failed, f"{first}\n{second}")
    # Unverified, it is still a zone when most of its five check digits hold (a misread or tampered
    # zone; the action says its check digits fail); worse is noise (the photo is unreadable).
    return best[1] if best and best[0] <= MAX_FAILED_CHECKS else ""
