"""Preparing a passport photo for OCR (Pillow + numpy; frontends/passport/passport_ocr.py reads the results).

`grayscale(bytes)` decodes any image Pillow reads (EXIF rotation applied, at most MAX_SIDE pixels);
`variants(image)` yields the images to read, best first:
1. the zone located on the deskewed page (`locate_zone`: the pair of text rows with the most ink
   transitions, the zone's two lines of 44 characters; deskewed again on its own), Otsu-thresholded;
2. the bottom band of the page (the zone's place on a data page that fills the photo), median-filtered
   and thresholded, then contrast-stretched;
3. the same of the page turned 180 degrees (first when the top of the page holds more text energy
   than its bottom: an upside-down page), the whole page, the page turned 90 and 270 degrees.
Deskew: the angle (within +-6 degrees) whose row profile of dark pixels is sharpest.
"""

from __future__ import annotations

import io
import itertools

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

MAX_SIDE = 2000  # larger photos are scaled down first
MAX_PIXELS = 60_000_000  # a 48-megapixel phone photo passes; a decompression bomb does not
BAND_WIDTH = 1400  # a band is scaled to this width (characters about 30 pixels high)


def grayscale(image_bytes: bytes) -> Image.Image | None:
    """The photo in shades of grey, upright by its EXIF tag, at most MAX_SIDE pixels a side; None for
    what is not an image, or one of more than MAX_PIXELS (a decompression bomb within 10 MB)."""
    try:
        image = Image.open(io.BytesIO(image_bytes))
        if image.width * image.height > MAX_PIXELS:
            return None
        image.draft("L", (MAX_SIDE, MAX_SIDE))  # a JPEG is decoded at a reduced scale, fast and small
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


def _text_energy(image: Image.Image) -> float:
    """How much the rows of dark pixels change from row to row: high where long text lines are."""
    rows = np.asarray(ImageOps.invert(_binary(image))).sum(axis=1, dtype=float)
    return float(np.sum(np.diff(rows) ** 2))


def _band(image: Image.Image) -> Image.Image:
    return _scaled(image.crop((0, int(image.height * 0.62), image.width, image.height)))


def locate_zone(page: Image.Image) -> Image.Image | None:
    """The zone's two lines cut from an upright page: rows are grouped into text lines (runs of rows
    with many ink transitions), and the pair of neighbouring lines of similar height with the most
    transitions (the lowest on a tie) is the zone; None when no such pair is found."""
    small = page.copy()
    small.thumbnail((900, 900))
    dark = np.asarray(_binary(small)) < 128
    transitions = np.abs(np.diff(dark.astype(np.int8), axis=1)).sum(axis=1)
    busy = transitions > 0.45 * transitions.max() if transitions.max() else transitions > 0
    runs, start = [], None
    for row, flag in enumerate([*busy, False]):
        if flag and start is None:
            start = row
        elif not flag and start is not None:
            if row - start >= 4:
                runs.append((start, row, int(transitions[start:row].sum())))
            start = None
    pairs = [
        (a, b)
        for a, b in itertools.pairwise(runs)
        if b[0] - a[1] < 1.5 * (a[1] - a[0]) and 0.6 < (b[1] - b[0]) / (a[1] - a[0]) < 1.6
    ]
    if not pairs:
        return None
    (top, _, _), (_, bottom, _) = max(pairs, key=lambda p: (p[0][2] + p[1][2], p[1][1]))
    height = bottom - top
    share = dark[top:bottom].mean(axis=0)
    columns = np.flatnonzero((share > 0.02) & (share < 0.8))  # ink, not a dark background
    if columns.size == 0:
        return None
    scale = page.width / small.width
    left, right = max(0, columns[0] - height // 2), min(small.width, columns[-1] + height // 2)
    box = (
        left * scale,
        max(0, top - height // 2) * scale,
        right * scale,
        min(small.height, bottom + height // 2) * scale,
    )
    return deskew(page.crop(tuple(int(v) for v in box)))


def variants(image: Image.Image):
    """The images to read, best first (see the module docstring). A page whose top holds more text
    energy than its bottom is probably upside down: then the 180-degree turn is read first."""
    upright = deskew(image)
    paper = int(np.median(np.asarray(image)))
    small = upright.copy()
    small.thumbnail((500, 500))
    top = _text_energy(small.crop((0, 0, small.width, int(small.height * 0.38))))
    bottom = _text_energy(small.crop((0, int(small.height * 0.62), small.width, small.height)))
    upside_down = top > 1.5 * bottom
    first = deskew(image.rotate(180, expand=True, fillcolor=paper)) if upside_down else upright
    zone = locate_zone(first)
    if zone is not None:
        yield _binary(_scaled(zone))
    band = _band(first)
    yield _binary(band.filter(ImageFilter.MedianFilter(3)))
    yield ImageOps.autocontrast(band, cutoff=2)
    # Computed only when the first readings failed (a generator runs up to the image asked for).
    second = upright if upside_down else deskew(image.rotate(180, expand=True, fillcolor=paper))
    yield _binary(_band(second))
    yield _binary(_scaled(first))
    for turn in (90, 270):
        yield _binary(_band(deskew(image.rotate(turn, expand=True, fillcolor=paper))))
