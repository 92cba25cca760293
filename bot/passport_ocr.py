"""Reading a passport photo's machine-readable zone locally: Pillow + numpy preprocessing, Tesseract OCR.

`read_mrz(image_bytes) -> str` returns the two TD3 lines ("LINE1\\nLINE2", 44 characters each) or ""
when no zone could be read. Each variant below is tried in turn until one gives two lines whose check
digits all verify (residency.passport_mrz, pure); failing that, the read closest to a zone is returned
when at most 2 of its 5 check digits fail (the action answers that they fail), else "". Variants: the bottom band of the deskewed grayscale
image, Otsu-thresholded; the same band contrast-stretched; the whole image; then the image turned
180, 90 and 270 degrees. Deskew: the angle (within +-6 degrees) whose row profile of dark pixels is
sharpest. Tesseract (Debian's tesseract-ocr, its CLI: English data, no dictionary, one thread) reads one block with the
character whitelist A-Z 0-9 «<». Nothing is downloaded: the engine and its data are system packages.
"""
from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from bot.mrz_repair import best_zone, junk_score

logger = logging.getLogger(__name__)

WHITELIST = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<"
TESSERACT_OPTIONS = ("--oem", "1", "--psm", "6", "-c", f"tessedit_char_whitelist={WHITELIST}",
                     "-c", "load_system_dawg=0", "-c", "load_freq_dawg=0")
TESSERACT_TIMEOUT_SECONDS = 10
MAX_SIDE = 2000  # larger photos are scaled down first
MAX_FAILED_CHECKS = 2  # of 5: an unverified reading with more failing is not a zone at all
BAND_WIDTH = 1400  # the band is scaled to this width (characters about 30 pixels high)


def _grayscale(image_bytes: bytes) -> Image.Image | None:
    try:
        image = Image.open(io.BytesIO(image_bytes))
        image = ImageOps.exif_transpose(image).convert("L")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return None
    image.thumbnail((MAX_SIDE, MAX_SIDE))
    return image


def _otsu(gray: np.ndarray) -> int:
    histogram = np.bincount(gray.ravel(), minlength=256).astype(float)
    weights = np.cumsum(histogram)
    means = np.cumsum(histogram * np.arange(256))
    total, total_mean = weights[-1], means[-1]
    between = (total_mean * weights - means * total) ** 2 / np.maximum(weights * (total - weights), 1)
    return int(np.argmax(between))


def _binary(image: Image.Image) -> Image.Image:
    gray = np.asarray(ImageOps.autocontrast(image, cutoff=1))
    return Image.fromarray(np.where(gray > _otsu(gray), 255, 0).astype(np.uint8))


def deskew(image: Image.Image) -> Image.Image:
    """The image turned by the small angle that makes its text rows horizontal."""
    small = image.copy()
    small.thumbnail((500, 500))
    dark = ImageOps.invert(_binary(small))
    best, best_score = 0.0, -1.0
    for angle in np.arange(-6.0, 6.01, 0.5):
        rows = np.asarray(dark.rotate(angle, resample=Image.BILINEAR)).sum(axis=1, dtype=float)
        score = float(np.sum(np.diff(rows) ** 2))
        if score > best_score:
            best, best_score = float(angle), score
    if not best:
        return image
    # The corners are filled with the page's own median grey, not white: Otsu must split ink from paper.
    return image.rotate(best, resample=Image.BICUBIC, expand=True, fillcolor=int(np.median(np.asarray(small))))


def _scaled(image: Image.Image) -> Image.Image:
    factor = BAND_WIDTH / image.width
    return image.resize((BAND_WIDTH, max(1, round(image.height * factor))), Image.LANCZOS)


def variants(image: Image.Image):
    """The images to read, best first (see the module docstring)."""
    upright = deskew(image)
    band = _scaled(upright.crop((0, int(upright.height * 0.62), upright.width, upright.height)))
    yield _binary(band.filter(ImageFilter.MedianFilter(3)))
    yield ImageOps.autocontrast(band, cutoff=2)
    yield _binary(_scaled(upright))
    for turn in (180, 90, 270):
        turned = deskew(image.rotate(turn, expand=True, fillcolor=int(np.median(np.asarray(image)))))
        yield _binary(_scaled(turned.crop((0, int(turned.height * 0.62), turned.width, turned.height))))


def tesseract_path() -> str:
    """The tesseract executable (Debian's tesseract-ocr package), or "" when it is not installed."""
    return shutil.which("tesseract") or ""


def ocr(image: Image.Image) -> list[str]:
    """Two readings of one image from Tesseract's character boxes (lines laid on the zone's
    character grid, and the characters as read), each as text; [] when Tesseract fails."""
    png = io.BytesIO()
    image.save(png, format="PNG")
    try:
        done = subprocess.run([tesseract_path() or "tesseract", "stdin", "stdout", "-l", "eng", *TESSERACT_OPTIONS,
                               "makebox"],
                              input=png.getvalue(), capture_output=True, timeout=TESSERACT_TIMEOUT_SECONDS,
                              check=True, env={**os.environ, "OMP_THREAD_LIMIT": "1"})
    except (OSError, subprocess.SubprocessError) as error:
        logger.warning("Tesseract failed on a passport photo: %s", error)
        return []
    boxes = []
    for row in done.stdout.decode("utf-8", errors="replace").splitlines():
        parts = row.split()
        if len(parts) >= 5 and len(parts[0]) == 1:
            x1, y1, x2, y2 = (int(v) for v in parts[1:5])
            boxes.append((parts[0], x1, image.height - y2, x2, image.height - y1))
    lines = box_lines(boxes)
    return ["\n".join(cells_to_lines(lines, np.asarray(image) < 128)),
            "\n".join("".join(box[0] for box in line) for line in lines)]


def box_lines(boxes: list[tuple[str, int, int, int, int]]) -> list[list[tuple[str, int, int, int, int]]]:
    """Boxes (char, left, top, right, bottom) in reading order grouped into lines: a box that starts
    well left of the previous one and lower than its middle begins a new line."""
    lines: list[list] = [[]]
    for box in boxes:
        previous = lines[-1][-1] if lines[-1] else None
        if previous and box[1] < previous[1] - 2 * (previous[3] - previous[1]) and box[2] > (previous[2] + previous[4]) / 2:
            lines.append([])
        lines[-1].append(box)
    return [line for line in lines if len(line) >= 20]


def cells_to_lines(lines: list[list[tuple[str, int, int, int, int]]], dark: np.ndarray) -> list[str]:
    """Lines of a monospaced zone from character boxes (char, left, top, right, bottom): a gap of a
    whole character pitch is a «<» Tesseract skipped, and a K/S/E/C/X box without a vertical stroke
    (no column of its box is half dark) is a «<» read as a letter, once per pitch it spans."""
    zone_like = [line for line in lines if len(line) >= 30] or lines
    if not zone_like:
        return []
    widest = max(zone_like, key=lambda line: line[-1][3] - line[0][1])
    pitch = ((widest[-1][1] + widest[-1][3]) - (widest[0][1] + widest[0][3])) / 2 / 43
    if pitch <= 0:
        return []
    texts = []
    for line in lines:
        origin = (line[0][1] + line[0][3]) / 2
        cells = ["<"] * 44
        for char, left, top, right, bottom in line:
            first = round(((left + right) / 2 - origin) / pitch - (right - left) / pitch / 2 + 0.5)
            span = max(1, round((right - left) / pitch))
            stem = dark[top:bottom, left:right].mean(axis=0).max() if bottom > top and right > left else 0
            filler = char in "KSECX<" and stem < 0.5
            for cell in range(first, first + span):
                if 0 <= cell < 44:
                    cells[cell] = "<" if filler else char
        texts.append("".join(cells))
    return texts


def read_mrz(image_bytes: bytes) -> str:
    """The zone's two lines joined by a newline, or "" (see the module docstring)."""
    image = _grayscale(image_bytes)
    if image is None:
        return ""
    best: tuple[int, str] | None = None
    for variant in variants(image):
        zones = [zone for zone in map(best_zone, ocr(variant)) if zone is not None]
        for first, second, failed in sorted(zones, key=lambda z: (z[2], junk_score(z[0]))):
            if failed == 0:
                return f"{first}\n{second}"
            if best is None or failed < best[0]:
                best = (failed, f"{first}\n{second}")
    # Unverified, it is still a zone when most of its five check digits hold (a misread or tampered
    # zone; the action says its check digits fail); worse is noise (the photo is unreadable).
    return best[1] if best and best[0] <= MAX_FAILED_CHECKS else ""
