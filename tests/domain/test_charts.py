"""The expiring-iqamas chart and the CSV attachment: Arabic shaped and ordered, colours by urgency,
row limit, Excel-friendly CSV."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from scipy import ndimage

from residency.presentation.charts import (
    CALM_COLOUR,
    EXPIRED_COLOUR,
    MAX_CHART_ROWS,
    SOON_COLOUR,
    days_phrase,
    expiring_iqamas_chart,
    expiring_iqamas_figure,
    rows_to_csv,
    shape_for_display,
)

TODAY = date(2026, 11, 27)
PRESENTATION_FORMS_B = range(0xFE70, 0xFF00)


def rows_with(days: list[int]) -> list[tuple[str, date, int]]:
    names = ["محمد", "سالم لافي", "فاطمة الزهراء", "أحمد علي", "خالد", "عبدالله"]
    return [(names[i % len(names)], TODAY + timedelta(days=d), d) for i, d in enumerate(days)]


def ink_components(text: str) -> int:
    """Separate blobs of ink when matplotlib draws `text` with the chart's font."""
    fig = Figure(figsize=(3, 1), dpi=100)
    FigureCanvasAgg(fig)
    fig.text(0.5, 0.5, text, fontsize=28, ha="center", va="center", fontfamily="DejaVu Sans")
    fig.canvas.draw()
    grey = np.asarray(fig.canvas.buffer_rgba())[..., :3].mean(axis=2)
    return ndimage.label(grey < 128)[1]


def test_shaped_text_is_joined_presentation_forms_in_visual_order():
    assert shape_for_display("محمد") == "\ufeaa\ufee4\ufea4\ufee3"  # د ـمـ ـحـ مـ, right to left
    assert shape_for_display("لافي") == "\ufef2\ufed3\ufefb"  # lam-alef ligature first from the right
    # brackets are mirrored: drawn left to right, "(عاملة)" must still look bracketed
    assert shape_for_display("(عاملة)") == "(" + shape_for_display("عاملة") + ")"
    # a right-to-left mark opening a line (as replies carry) is applied, then removed
    assert shape_for_display("\u200fMuqeem يعمل") == shape_for_display("يعمل") + " Muqeem"


def test_shaped_word_is_drawn_connected_and_unshaped_is_not():
    # matplotlib 3.5 draws characters one by one: only the shaped word comes out as one joined stroke.
    assert ink_components(shape_for_display("محمد")) == 1
    assert ink_components("محمد") == 4


def test_chart_labels_and_title_are_shaped():
    rows = rows_with([-3, 5, 20])
    fig = expiring_iqamas_figure(rows, "إقامات تنتهي قريبًا")
    labels = [label.get_text() for label in fig.axes[0].get_yticklabels()]
    texts = labels + [fig._suptitle.get_text(), fig.axes[0].get_xlabel()]

    assert labels[0] == shape_for_display(f"محمد  {rows[0][1].isoformat()}")
    assert "\ufeaa\ufee4\ufea4\ufee3" in labels[0]
    assert "\ufefb" in labels[1]  # لا of لافي as the ligature
    for text in texts:
        assert any(ord(ch) in PRESENTATION_FORMS_B for ch in text), text


def _pixels_of(png: bytes, colour: str) -> int:
    image = np.asarray(Image.open(io.BytesIO(png)).convert("RGB")).astype(int)
    target = np.array([int(colour[i : i + 2], 16) for i in (1, 3, 5)])
    return int((np.abs(image - target).sum(axis=2) <= 6).sum())


def test_chart_png_size_and_urgency_colours():
    png = expiring_iqamas_chart(rows_with([-3, 0, 7, 8, 30]), "تقرير")
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size[0] == 800
    grey = np.asarray(image.convert("L"))
    assert (grey < 250).mean() > 0.05  # not blank

    bigger = Image.open(io.BytesIO(expiring_iqamas_chart(rows_with([1] * 10), "تقرير")))
    assert bigger.size[1] - image.size[1] == 5 * 34  # each row adds the same height

    # Every colour has a legend swatch; a bar adds at least as many pixels again.
    calm_only = expiring_iqamas_chart(rows_with([10, 40]), "تقرير")
    swatch = _pixels_of(calm_only, EXPIRED_COLOUR)
    assert 0 < swatch == _pixels_of(calm_only, SOON_COLOUR)
    for colour in (EXPIRED_COLOUR, SOON_COLOUR, CALM_COLOUR):
        assert _pixels_of(png, colour) > 2 * swatch, colour


def test_chart_draws_at_most_40_rows_and_says_so():
    rows = rows_with(list(range(45)))
    fig = expiring_iqamas_figure(rows, "تقرير")
    assert len(fig.axes[0].get_yticklabels()) == MAX_CHART_ROWS
    note = fig.axes[0].get_xlabel()
    assert "40" in note and "45" in note and "CSV" in note

    short = expiring_iqamas_figure(rows_with([1, 2]), "تقرير").axes[0].get_xlabel()
    assert "45" not in short and "CSV" not in short


def test_chart_without_rows_is_refused():
    with pytest.raises(ValueError):
        expiring_iqamas_chart([], "تقرير")


def test_days_phrase_agrees_with_the_number():
    assert [days_phrase(n) for n in (1, 2, 3, 10, 11, 30)] == [
        "يوم واحد",
        "يومان",
        "3 أيام",
        "10 أيام",
        "11 يومًا",
        "30 يومًا",
    ]


def test_csv_has_bom_iso_dates_arabic_and_no_formulas():
    data = rows_to_csv(
        [("محمد عبدالله", date(2026, 12, 1), -3), ('=HYPERLINK("x")', None, 12)],
        ["الاسم", "انتهاء الإقامة", "الأيام المتبقية"],
    )
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows == [
        ["الاسم", "انتهاء الإقامة", "الأيام المتبقية"],
        ["محمد عبدالله", "2026-12-01", "-3"],
        ['\'=HYPERLINK("x")', "", "12"],
    ]


def test_english_chart_has_english_labels_left_to_right_and_shaped_names():
    from replies import language
    from residency.presentation.charts import cost_forecast_figure

    rows = rows_with([-2, 0, 5, 100])
    with language("en"):
        assert [days_phrase(n) for n in (1, 2, 11)] == ["1 day", "2 days", "11 days"]
        fig = expiring_iqamas_figure(rows, "Iqamas expiring soon")
        forecast = cost_forecast_figure([("December 2026", 650, 800, 0, 0)], "Forecast")
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.texts] == ["Expired 2 days ago", "Expiring today", "5 days left", "100 days left"]
    assert ax.get_xlabel() == "Days left until the iqama expires"
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["Expired", "Within 7 days", "In more than 7 days"]
    assert fig._suptitle.get_text() == "Iqamas expiring soon"
    # the Arabic name is shaped, in a left-to-right line: name first, then the date
    assert ax.get_yticklabels()[0].get_text() == "\ufeaa\ufee4\ufea4\ufee3  " + rows[0][1].isoformat()
    legend = [t.get_text() for t in forecast.axes[0].get_legend().get_texts()]
    assert legend == ["Iqama fees", "Expat levy on workers"]
    assert forecast.axes[0].get_ylabel() == "Saudi riyals"
    # Arabic is the default: the same chart in Arabic, shaped
    arabic = expiring_iqamas_figure(rows, "تقرير").axes[0]
    assert arabic.texts[0].get_text() == shape_for_display("انتهت منذ يومين")  # the genitive after منذ
    assert arabic.texts[1].get_text() == shape_for_display("تنتهي اليوم")


def test_terminal_shaping_takes_isolated_names_and_new_emoji():
    """`make run` crashed on the first card: python-bidi 0.6 rejects the isolates around names ("FSI not
    allowed here") and has no bidi class for 🪪 (Unicode 14)."""
    from residency.text_safety import isolate

    shown = shape_for_display("مقيم> 🪪 بطاقة المقيم " + isolate("محمد خان") + " Rajesh")
    assert shown == "Rajesh " + shape_for_display("محمد خان") + " " + shape_for_display(
        "بطاقة المقيم"
    ) + " 🪪 <" + shape_for_display("مقيم")
    assert (
        shape_for_display("Muqeem> 🪪 card of " + isolate("Mohammed Khan"), rtl=False)
        == "Muqeem> 🪪 card of Mohammed Khan"
    )
