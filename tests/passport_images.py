"""Synthetic passport data pages for the OCR tests and the bench: valid TD3 zones (the `mrz` package's
generator, an oracle independent of residency.passport_mrz) rendered in OCR-B (Debian's fonts-ocr-b)
under a page with a photo box, printed fields and a light guilloche, plus skewed, blurred,
low-contrast, JPEG, upside-down, small and on-a-table (the page a part of the picture) variants.
"""

from __future__ import annotations

import io
import math
import random
import subprocess
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from mrz.generator.td3 import TD3CodeGenerator
from PIL import Image, ImageDraw, ImageFilter, ImageFont

OCR_B_CANDIDATES = ("/usr/share/fonts/opentype/ocr-b/OCRB.otf",)


@lru_cache(maxsize=1)
def ocr_b_path() -> str:
    """The OCR-B font file (fonts-ocr-b), found where Debian puts it or through fc-list."""
    for path in OCR_B_CANDIDATES:
        if Path(path).exists():
            return path
    listing = subprocess.run(["fc-list", ":family=OCR B", "file"], check=False, capture_output=True, text=True).stdout
    files = sorted(line.split(":")[0] for line in listing.splitlines() if line.strip())
    if not files:
        raise FileNotFoundError("the OCR-B font is missing: apt-get install fonts-ocr-b (make setup does)")
    return files[0]


@dataclass(frozen=True)
class Passport:
    surname: str
    given_names: str
    number: str
    nationality: str  # ICAO code
    birth: str  # YYMMDD
    sex: str
    expiry: str  # YYMMDD
    optional: str = ""

    def lines(self) -> tuple[str, str]:
        code = TD3CodeGenerator(
            "P",
            self.nationality,
            self.surname,
            self.given_names,
            self.number,
            self.nationality,
            self.birth,
            self.sex,
            self.expiry,
            self.optional,
        )
        first, second = str(code).split("\n")
        return first, second

    def mrz(self) -> str:
        return "\n".join(self.lines())


def data_page(
    passport: Passport, width: int = 1100, seed: int = 1, lines: tuple[str, str] | None = None
) -> Image.Image:
    """A light passport data page, zone at the bottom (or the given `lines`, for a tampered zone)."""
    rng = random.Random(seed)
    height = int(width * 0.7)
    page = Image.new("L", (width, height), 236)
    draw = ImageDraw.Draw(page)
    for k in range(0, width, 9):  # guilloche: faint waves behind the text
        draw.line(
            [(x, height * 0.15 + 40 * math.sin((x + k * 7) / 60) + k * 0.4) for x in range(0, width, 12)],
            fill=212,
            width=1,
        )
    draw.rectangle((width * 0.05, height * 0.18, width * 0.3, height * 0.62), fill=170, outline=120)
    label = ImageFont.truetype("DejaVuSans.ttf", max(12, width // 55)) if _has_dejavu() else ImageFont.load_default()
    draw.text((width * 0.05, height * 0.05), f"PASSPORT  {passport.nationality}", fill=40, font=label)
    fields = [
        ("Surname", passport.surname),
        ("Given names", passport.given_names),
        ("Passport No", passport.number),
        ("Date of birth", passport.birth),
        ("Date of expiry", passport.expiry),
    ]
    for row, (name, value) in enumerate(fields):
        y = height * (0.2 + row * 0.085)
        draw.text((width * 0.35, y), name, fill=90, font=label)
        draw.text((width * 0.35, y + width // 50), value.upper(), fill=30, font=label)
    first, second = lines or passport.lines()
    font = ImageFont.truetype(ocr_b_path(), size=_mrz_font_size(width))
    for row, line in enumerate((first, second)):
        draw.text((width * 0.04, height * (0.76 + row * 0.1) + rng.randint(-1, 1)), line, fill=20, font=font)
    return page


def _has_dejavu() -> bool:
    try:
        ImageFont.truetype("DejaVuSans.ttf", 12)
        return True
    except OSError:
        return False


def _mrz_font_size(width: int) -> int:
    """The OCR-B size at which 44 characters span 92% of the page width."""
    probe = ImageFont.truetype(ocr_b_path(), size=100)
    return int(100 * width * 0.92 / probe.getlength("<" * 44))


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def jpeg(image: Image.Image, quality: int = 80) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, format="JPEG", quality=quality)
    return out.getvalue()


def skewed(image: Image.Image, degrees: float) -> Image.Image:
    return image.rotate(degrees, resample=Image.BICUBIC, expand=True, fillcolor=236)


def blurred(image: Image.Image, radius: float = 1.5) -> Image.Image:
    return image.filter(ImageFilter.GaussianBlur(radius))


def low_contrast(image: Image.Image, low: int = 120, high: int = 190) -> Image.Image:
    """Levels squeezed into [low, high]: dark ink becomes grey on a grey page."""
    return image.point(lambda v: low + (high - low) * v // 255)


def variant_set(passport: Passport, seed: int = 1) -> dict[str, bytes]:
    """The test variants of one page, by name, as encoded files."""
    page = data_page(passport, seed=seed)
    return {
        "clean": png(page),
        "jpeg_q70": jpeg(page, 70),
        "skew_+3": png(skewed(page, 3)),
        "skew_-4": png(skewed(page, -4)),
        "blur_1.2": png(blurred(page, 1.2)),
        "low_contrast": png(low_contrast(page)),
        "skew_2_blur_low": jpeg(low_contrast(blurred(skewed(page, 2), 1.0)), 75),
        "upside_down": png(page.rotate(180)),
        "small_700px": png(data_page(passport, width=700, seed=seed)),
        "scene_dark": jpeg(in_scene(skewed(page, 2), 90, (1600, 1300), (250, 300)), 85),
        "scene_light": jpeg(in_scene(skewed(page, 2), 200, (1500, 1500), (200, 150)), 85),
    }


def in_scene(page: Image.Image, background: int, size: tuple[int, int], at: tuple[int, int]) -> Image.Image:
    """The page photographed on a table: a smaller part of a larger picture."""
    scene = Image.new("L", size, background)
    scene.paste(page, at)
    return scene


PEOPLE = [
    Passport("UDDIN", "MOHAMMED RAHIM", "Z1234567", "IND", "880412", "M", "340509"),
    Passport("KHAN", "ABDUL SAMAD", "AK5521934", "PAK", "841103", "M", "310214"),
    Passport(
        "DELA CRUZ",
        "MARIA LUISA",
        "P4567890A",
        "PHL",
        "920715",
        "F",
        "330101",
        "",
    ),
    Passport("HOSSAIN", "MD JAHANGIR ALAM", "B09876543", "BGD", "790228", "M", "320830"),
]
