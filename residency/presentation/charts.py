"""Report attachments: the expiring-iqamas bar chart (PNG) and CSV files that Excel opens in Arabic.

matplotlib 3.5 draws characters one by one, left to right, without Arabic shaping, so every Arabic
string is first reshaped (joined letter forms, lam-alef ligatures) and reordered into visual order
(`shape_for_display`). The texts come from the reply catalogue: an English chart has English titles and
labels in left-to-right lines (only the Arabic names in it are shaped). The font is matplotlib's bundled DejaVu Sans, which has the Arabic
presentation forms; nothing has to be installed on the machine.
"""

from __future__ import annotations

import csv
import functools
import io
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import date

import arabic_reshaper

# The pure-Python algorithm mirrors brackets; the compiled bidi.get_display does not.
from bidi.algorithm import get_display

from replies import N_, _, current_language, ngettext

MAX_CHART_ROWS = 40
EXPIRED_COLOUR = "#d62728"
SOON_COLOUR = "#ff7f0e"
CALM_COLOUR = "#4c78a8"
SOON_DAYS = 7
FONT_FAMILY = "DejaVu Sans"
FIGURE_WIDTH_INCHES = 8.0
DPI = 100

# Direction marks and embeddings have done their work once the text is in visual order; a renderer
# that cannot shape would draw them as boxes or spaces.
LRE, RLE, POP_EMBEDDING = "\u202a", "\u202b", "\u202c"
_FIRST_STRONG_ISOLATE = re.compile("\u2068([^\u2069]*)\u2069")
_ISOLATES = {0x2066: LRE, 0x2067: RLE, 0x2068: None, 0x2069: POP_EMBEDDING}  # LRI, RLI, a stray FSI, PDI
_FIRST_LETTER = re.compile(r"[A-Za-z\u0600-\u06FF\u0750-\u077F\uFB50-\uFDFF\uFE70-\uFEFF]")
_BIDI_CONTROLS = dict.fromkeys([0x200E, 0x200F, 0x061C, *range(0x202A, 0x202F), *range(0x2066, 0x206A)])

ExpiryRow = Sequence  # (name_ar: str, iqama_expiry: date, days_left: int)


@functools.lru_cache(maxsize=1)
def _reshaper() -> arabic_reshaper.ArabicReshaper:
    # Enable only the ligatures the bundled font has a glyph for (otherwise a box is drawn).
    from matplotlib import font_manager

    font_path = font_manager.findfont(FONT_FAMILY, fallback_to_default=False)
    return arabic_reshaper.ArabicReshaper(configuration=arabic_reshaper.config_for_true_type_font(font_path))


def shape_for_display(text: str, *, rtl: bool = True) -> str:
    """Arabic text in visual order with joined letter forms, for renderers that cannot shape.

    Each line is a right-to-left paragraph (an Arabic interface), so a line that opens with a Latin
    word still reads from the right (`rtl=False`: a left-to-right paragraph, for an English interface);
    line order is kept; direction marks are removed once applied.
    """
    reshaper = _reshaper()
    base_dir = "R" if rtl else "L"
    return "\n".join(_reordered(reshaper.reshape(as_embeddings(line)), base_dir) for line in text.split("\n"))


def _reordered(line: str, base_dir: str) -> str:
    """python-bidi's visual order of `line`, direction marks removed. A character newer than Python's Unicode
    tables (🪪, Unicode 14) has no bidi class and python-bidi asserts on it: it is reordered as a neutral
    stand-in (a symbol of U+2600...) and put back."""
    unknown = sorted({char for char in line if not unicodedata.bidirectional(char)})
    free = (chr(code) for code in range(0x2600, 0x2700) if chr(code) not in line)
    stand_ins = dict(zip(unknown, free))
    back = {ord(stand_in): char for char, stand_in in stand_ins.items()}
    shown = get_display(
        line.translate({ord(char): stand_in for char, stand_in in stand_ins.items()}), base_dir=base_dir
    )
    return shown.translate(back).translate(_BIDI_CONTROLS)


def as_embeddings(text: str) -> str:
    """`text` with its isolates (which keep names apart on Telegram) as the embeddings they amount to:
    python-bidi 0.6 rejects isolates ("FSI not allowed here"); a first-strong isolate takes the direction
    of its first letter."""
    text = _FIRST_STRONG_ISOLATE.sub(
        lambda m: (RLE if starts_right_to_left(m.group(1)) else LRE) + m.group(1) + POP_EMBEDDING, text
    )
    return text.translate(_ISOLATES)


def starts_right_to_left(text: str) -> bool:
    """True when the first letter of `text` is Arabic (its paragraph reads from the right)."""
    first = _FIRST_LETTER.search(text)
    return bool(first) and not first.group().isascii()


def _display(text: str) -> str:
    """A chart text as matplotlib must be given it, in the reply language's direction."""
    return shape_for_display(text, rtl=current_language() == "ar")


def bar_colour(days_left: int) -> str:
    """Red for an expired iqama, orange when it expires within a week, otherwise a calm blue."""
    if days_left < 0:
        return EXPIRED_COLOUR
    if days_left <= SOON_DAYS:
        return SOON_COLOUR
    return CALM_COLOUR


def days_phrase(days: int) -> str:
    """A count of days with the noun agreeing with the number (يوم واحد، يومان، 3 أيام، 11 يومًا، 100 يوم;
    "3 days" in English)."""
    return ngettext("{n} day", "{n} days", days).format(n=days)


def _bar_label(days_left: int) -> str:
    if days_left < 0:
        return ngettext("Expired {n} day ago", "Expired {n} days ago", -days_left).format(n=-days_left)
    if days_left == 0:
        return _("Expiring today")
    return _("{days} left").format(days=days_phrase(days_left))


def expiring_iqamas_figure(rows: Iterable[ExpiryRow], title: str):
    """The chart as a matplotlib Figure (Agg canvas): one horizontal bar of days left per resident.

    Right-to-left layout: names on the right, bars growing leftwards, first row on top.
    Only the first MAX_CHART_ROWS rows are drawn, with a note saying how many were left out.
    Raises ValueError when there are no rows.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch

    rows = list(rows)
    if not rows:
        raise ValueError("expiring_iqamas_figure needs at least one row")
    shown = rows[:MAX_CHART_ROWS]
    if current_language() == "ar":
        # Shaped as one string so that an Arabic reader meets the name first (on the right).
        labels = [shape_for_display(f"{row[0]}  {row[1].isoformat()}") for row in shown]
    else:
        # The name alone is shaped: in one left-to-right line the date after an Arabic name would join its run.
        labels = [f"{shape_for_display(str(row[0]), rtl=False)}  {row[1].isoformat()}" for row in shown]
    days = [int(row[2]) for row in shown]
    truncated = len(rows) > len(shown)

    height = 1.6 + 0.34 * len(shown) + (0.3 if truncated else 0.0)
    fig = Figure(figsize=(FIGURE_WIDTH_INCHES, height), dpi=DPI, constrained_layout=True)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    positions = range(len(shown))
    ax.barh(positions, days, color=[bar_colour(d) for d in days], height=0.65)
    ax.set_yticks(list(positions))
    ax.set_yticklabels(labels, fontfamily=FONT_FAMILY, fontsize=9)
    ax.yaxis.tick_right()
    ax.set_ylim(len(shown) - 0.5, -0.5)  # first row on top

    low, high = min(0, *days), max(0, *days)
    padding = max(3.0, 0.3 * (high - low))
    # x grows leftwards: right-to-left reading; expired (negative) bars point towards the names.
    ax.set_xlim(high + padding if high > 0 else padding / 3, low - padding if low < 0 else -padding / 3)
    ax.axvline(0, color="#333333", linewidth=0.8)
    for position, value in zip(positions, days):
        towards_left = value >= 0
        ax.annotate(
            _display(_bar_label(value)),
            xy=(value, position),
            xytext=(-4 if towards_left else 4, 0),
            textcoords="offset points",
            ha="right" if towards_left else "left",
            va="center",
            fontsize=8,
            fontfamily=FONT_FAMILY,
        )
    x_label = _("Days left until the iqama expires")
    if truncated:
        x_label += "\n" + _(
            "The chart shows the first {shown} of {total}; the full list is in the attached CSV file."
        ).format(shown=MAX_CHART_ROWS, total=len(rows))
    ax.set_xlabel(_display(x_label), fontfamily=FONT_FAMILY)
    ax.grid(axis="x", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    ax.legend(
        handles=[
            Patch(color=EXPIRED_COLOUR, label=_display(_("Expired"))),
            Patch(color=SOON_COLOUR, label=_display(_("Within {days}").format(days=days_phrase(SOON_DAYS)))),
            Patch(color=CALM_COLOUR, label=_display(_("In more than {days}").format(days=days_phrase(SOON_DAYS)))),
        ],
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        ncol=3,
        frameon=False,
        prop={"family": FONT_FAMILY, "size": 9},
    )
    fig.suptitle(_display(title), fontfamily=FONT_FAMILY, fontsize=13)
    return fig


def png(figure) -> bytes:
    """PNG bytes of a matplotlib figure."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return buffer.getvalue()


def expiring_iqamas_chart(rows: Iterable[ExpiryRow], title: str) -> bytes:
    """PNG bytes of the expiring-iqamas chart (see `expiring_iqamas_figure`)."""
    return png(expiring_iqamas_figure(rows, title))


def _csv_cell(value) -> object:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    # A text cell starting like a formula would be evaluated by spreadsheet programs.
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@"):
        return "'" + value
    return value


def rows_to_csv(rows: Iterable[Sequence], header: Sequence[str]) -> bytes:
    """CSV bytes, UTF-8 with a byte-order mark so that Excel shows Arabic; dates in ISO form."""
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow(header)
    for row in rows:
        writer.writerow([_csv_cell(value) for value in row])
    return text.getvalue().encode("utf-8-sig")


# Parts of a monthly cost bar (cost forecast), bottom to top: (field index in a ForecastBarRow, label id,
# colour); the labels are catalogue ids (translate with `_()`).
FORECAST_PARTS = (
    (1, N_("Iqama fees"), "#4c78a8"),
    (2, N_("Expat levy on workers"), "#f58518"),
    (3, N_("Dependants' levy"), "#54a24b"),
    (4, N_("Late renewal fines"), "#d62728"),
)

ForecastBarRow = Sequence  # (label: str, iqama_fees: int, levy: int, dependants_levy: int, fines: int)


def cost_forecast_figure(rows: Iterable[ForecastBarRow], title: str):
    """The cost forecast as a matplotlib Figure (Agg canvas): one stacked bar per month (iqama fees, expat
    levy, dependants' levy, fines), the month's total above it. Right-to-left: the first month on the
    right. Raises ValueError when there are no rows."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    rows = list(rows)
    if not rows:
        raise ValueError("cost_forecast_figure needs at least one row")
    width = max(FIGURE_WIDTH_INCHES, 1.2 + 0.9 * len(rows))
    fig = Figure(figsize=(width, 5.2), dpi=DPI, constrained_layout=True)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    positions = list(range(len(rows)))
    bottoms = [0] * len(rows)
    for index, label, colour in FORECAST_PARTS:
        values = [int(row[index]) for row in rows]
        if not any(values):
            continue
        ax.bar(positions, values, bottom=bottoms, color=colour, width=0.65, label=_display(_(label)))
        bottoms = [b + v for b, v in zip(bottoms, values)]
    top = max(bottoms) or 1
    for position, total in zip(positions, bottoms):
        ax.annotate(
            f"{total:,}",
            xy=(position, total),
            xytext=(0, 3),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=8,
            fontfamily=FONT_FAMILY,
        )
    ax.set_ylim(0, top * 1.15)
    ax.set_xticks(positions)
    ax.set_xticklabels(
        [_display(str(row[0])) for row in rows],
        fontfamily=FONT_FAMILY,
        fontsize=8,
        rotation=30 if len(rows) > 6 else 0,
    )
    ax.set_xlim(len(rows) - 0.5, -0.5)  # first month on the right
    ax.yaxis.tick_right()
    ax.yaxis.set_label_position("right")
    ax.set_ylabel(_display(_("Saudi riyals")), fontfamily=FONT_FAMILY)
    ax.grid(axis="y", color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    if ax.get_legend_handles_labels()[0]:
        ax.legend(
            loc="lower center",
            bbox_to_anchor=(0.5, 1.0),
            ncol=4,
            frameon=False,
            prop={"family": FONT_FAMILY, "size": 9},
        )
    fig.suptitle(_display(title), fontfamily=FONT_FAMILY, fontsize=13)
    return fig


def cost_forecast_chart(rows: Iterable[ForecastBarRow], title: str) -> bytes:
    """PNG bytes of the cost forecast chart (see `cost_forecast_figure`)."""
    return png(cost_forecast_figure(rows, title))
