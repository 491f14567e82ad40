"""The evidence pack's charts, drawn as self-contained SVG to be inlined in the report.

An officer reads the pattern faster from a picture than from a table, and the report is printed, often in
grey: so colours are the Okabe-Ito set (safe for colour-blind readers) and each channel also has its own
hatching, heat-map shades are one sequential scale, and text is drawn as outlines so no font is needed.

Only casetrail's own figures reach a chart (channel enum values, ISO week names, counts), never message
text or names. Charts are built on ``matplotlib.figure.Figure`` (no pyplot state). The same input gives
the same bytes: fixed style, fixed SVG id salt, no date, so a pack can be rebuilt and compared.
Each drawn bar or cell carries an SVG id (``bar-...``, ``cell-...``) that tests and readers can count.
"""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from itertools import pairwise
from typing import Any, NamedTuple

import matplotlib
import matplotlib.style
from matplotlib.axes import Axes
from matplotlib.cm import ScalarMappable
from matplotlib.colors import BoundaryNorm, ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch, Rectangle
from matplotlib.ticker import MaxNLocator
from matplotlib.typing import RcKeyType

from casetrail.analysis.conduct import ConductFigures
from casetrail.analysis.escalation import Escalation
from casetrail.model.event import Channel

# Okabe & Ito (2008) colours, black replaced by grey so hatching stays visible.
ORANGE, SKY, GREEN, YELLOW, BLUE, VERMILLION, PURPLE, GREY = (
    "#E69F00",
    "#56B4E9",
    "#009E73",
    "#F0E442",
    "#0072B2",
    "#D55E00",
    "#CC79A7",
    "#999999",
)
_COLOURS = (BLUE, ORANGE, GREEN, VERMILLION, SKY, PURPLE, YELLOW, GREY)
# Line hatchings only: dot and star hatchings cost thousands of outlines in an SVG.
_HATCHES = ("", "///", "\\\\\\", "xxx", "---", "|||", "+++", "/", "\\", "x", "-", "|", "+")

# The stacking and legend order: the order of the Channel enum, so charts of different cases compare.
CHANNEL_ORDER: tuple[str, ...] = tuple(channel.value for channel in Channel)
CHANNEL_NAMES = {
    "whatsapp": "WhatsApp",
    "sms": "Text (SMS)",
    "phone": "Phone call",
    "email": "Email",
    "messenger": "Messenger",
    "instagram": "Instagram",
    "telegram": "Telegram",
    "x": "X (Twitter)",
    "discord": "Discord",
    "signal": "Signal",
    "social-media": "Other social media",
    "in-person": "In person",
    "device": "Phone scan",  # never a contact, so never in a chart; named for completeness
    "other": "Other",
}

LONG_CASE_WEEKS = 104  # beyond two years, weekly bars would be thinner than a hairline
MAX_WEEK_LABELS = 12  # more would overlap on an A4-wide chart
ANNOTATE_MAX_CELLS = 40  # above this many busy cells the counts would crowd the heat map
WIDTH_INCHES = 6.5  # within the text width of an A4 page with the report's margins

_RC: dict[RcKeyType, Any] = {
    "svg.hashsalt": "casetrail-charts",  # ids from a fixed salt, not a random one: same input, same bytes
    "svg.fonttype": "path",  # glyphs as outlines: no font needed where the report is opened
    "svg.image_inline": True,
    "font.family": "DejaVu Sans",  # ships with matplotlib, so the outlines are the same everywhere
    "font.size": 8.0,
    "axes.titlesize": 10.0,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "hatch.linewidth": 0.6,
    "hatch.color": "#FFFFFF",
    "path.simplify": True,
}
# rc_context changes matplotlib's process-wide settings for its duration: one chart at a time.
_LOCK = threading.Lock()


@contextmanager
def _style() -> Iterator[None]:
    """matplotlib's defaults plus ours, whatever the user's matplotlibrc says."""
    with _LOCK, matplotlib.style.context("default"), matplotlib.rc_context(_RC):
        yield


def _svg(name: str, draw: Callable[[Figure], None], height: float) -> str:
    """The chart as an SVG element with root id ``chart-<name>``.

    Every id matplotlib made in it (groups, clip boxes, glyphs) is prefixed with the chart's name,
    with the references to it, so the charts inlined in one page never share an id; casetrail's own
    ids for bars, cells and marks are left as they are."""
    with _style(), matplotlib.rc_context({"svg.id": f"chart-{name}"}):
        figure = Figure(figsize=(WIDTH_INCHES, height), layout="constrained")
        draw(figure)
        buffer = io.StringIO()
        figure.savefig(buffer, format="svg", metadata={"Date": None})
    document = buffer.getvalue()
    svg = document[document.index("<svg") :]  # no XML declaration or DOCTYPE: ready to inline in HTML
    return _own_ids(svg, f"chart-{name}")


_ID_OR_REFERENCE = re.compile(r'(\bid="|url\(#|href="#)([^")]+)')


#: The ids casetrail gives the parts of its charts (set_gid), unique across the charts already.
_OWN_IDS = ("band-", "bar-", "cell-", "count-", "line-", "mark-", "label-")


def _own_ids(svg: str, root: str) -> str:
    """Prefix every id matplotlib made, and every reference to one, with ``root``."""
    ids = {
        found
        for found in re.findall(r'\bid="([^"]+)"', svg)
        if found != root and not found.startswith(_OWN_IDS)
    }

    def prefixed(match: re.Match[str]) -> str:
        name = match.group(2)
        return match.group(1) + (f"{root}-{name}" if name in ids else name)

    return _ID_OR_REFERENCE.sub(prefixed, svg)


def _monday(week: str) -> date:
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def _week_name(monday: date) -> str:
    year, week, _ = monday.isocalendar()
    return f"{year}-W{week:02d}"


def _all_weeks(weeks: set[str]) -> list[str]:
    """Every ISO week from the first to the last given, so quiet weeks show as gaps, not vanish."""
    start, end = min(map(_monday, weeks)), max(map(_monday, weeks))
    return [_week_name(start + timedelta(weeks=n)) for n in range((end - start).days // 7 + 1)]


def _week_axis(axes: Axes, weeks: list[str], label: str) -> None:
    """A labelled tick every 1, 2, 4, 8, 13, 26, 52... weeks: readable from a month to ten years."""
    step = next((s for s in (1, 2, 4, 8, 13, 26, 52, 104, 208) if len(weeks) / s <= MAX_WEEK_LABELS), 520)
    ticks = list(range(0, len(weeks), step))
    axes.set_xticks(ticks, [weeks[i] for i in ticks], rotation=45, ha="right", rotation_mode="anchor")
    axes.set_xlim(-0.6, len(weeks) - 0.4)
    axes.set_xlabel(label)


def _channel_style(channel: str) -> tuple[str, str]:
    """A fixed colour and hatching per channel; unknown channels share the last style."""
    position = CHANNEL_ORDER.index(channel) if channel in CHANNEL_ORDER else len(CHANNEL_ORDER) - 1
    return _COLOURS[position % len(_COLOURS)], _HATCHES[position % len(_HATCHES)]


def _ordered_channels(channels: set[str]) -> list[str]:
    known = [c for c in CHANNEL_ORDER if c in channels]
    return known + sorted(channels - set(CHANNEL_ORDER))


class _Layer(NamedTuple):
    name: str  # for the SVG ids
    values: list[int]  # one per week
    colour: str
    hatch: str
    label: str  # for the legend


def _channel_layer(channel: str, values: list[int]) -> _Layer:
    return _Layer(channel, values, *_channel_style(channel), CHANNEL_NAMES.get(channel, channel))


def _stacked(axes: Axes, weeks: list[str], layers: list[_Layer]) -> None:
    """Stacked weekly layers: a bar per week with contact (ids ``bar-<layer>-<week>``) up to two years;
    for longer cases one filled step outline per layer (id ``band-<layer>``): readable, and fast."""
    base = [0] * len(weeks)
    for name, values, colour, hatch, label in layers:
        top = [b + v for b, v in zip(base, values, strict=True)]
        if len(weeks) > LONG_CASE_WEEKS:
            edges = [x - 0.5 for x in range(len(weeks) + 1)]
            band = axes.stairs(
                top, edges, baseline=base, fill=True, color=colour, hatch=hatch, linewidth=0, label=label
            )
            band.set_gid(f"band-{name}")
        else:
            drawn = [x for x, v in enumerate(values) if v > 0]
            bars = axes.bar(
                drawn,
                [values[x] for x in drawn],
                bottom=[base[x] for x in drawn],
                width=0.8,
                color=colour,
                hatch=hatch,
                linewidth=0,
                label=label,
            )
            for bar, x in zip(bars, drawn, strict=True):
                bar.set_gid(f"bar-{name}-{weeks[x]}")
        base = top


def contacts_per_week(figures: ConductFigures) -> str | None:
    """Stacked bars: contacts in each ISO week of the case's time zone, one colour and hatch per channel."""
    counts = {key: n for key, n in figures.per_week_channel.items() if n > 0}
    if not counts:
        return None
    weeks = _all_weeks({week for week, _ in counts})
    position = {week: i for i, week in enumerate(weeks)}
    layers: dict[str, list[int]] = {c: [0] * len(weeks) for c in _ordered_channels({c for _, c in counts})}
    for (week, channel), n in counts.items():
        layers[channel][position[week]] = n

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        _stacked(axes, weeks, [_channel_layer(c, values) for c, values in layers.items()])
        _week_axis(axes, weeks, f"ISO week (weeks start on Monday, time zone {figures.zone.key})")
        axes.set_ylabel("Contacts")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_title("Contacts per week, by channel", loc="left")
        axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False, title="Channel")

    return _svg("contacts-per-week", draw, 3.4)


def _levels(highest: int) -> list[int]:
    """At most seven whole-number shade boundaries from 1 to the busiest cell: few shades print apart."""
    step = max(1, -(-highest // 7))
    return [*range(1, highest + 1, step), highest + 1] if highest > 1 else [1, 2]


def weekday_hour_heatmap(figures: ConductFigures) -> str | None:
    """Heat map of contacts by weekday (rows, Monday first) and hour of day in the case's time zone."""
    counts = {key: n for key, n in figures.per_weekday_hour.items() if n > 0}
    if not counts:
        return None
    levels = _levels(max(counts.values()))
    shades = len(levels) - 1
    # the palest shade stays well darker than an empty hour's background, in colour and in grey
    palette = ListedColormap(
        [
            matplotlib.colormaps["cividis_r"](0.25 + 0.75 * i / (shades - 1) if shades > 1 else 0.6)
            for i in range(shades)
        ]
    )
    norm = BoundaryNorm(levels, palette.N)
    annotate = len(counts) <= ANNOTATE_MAX_CELLS
    days = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        for (day, hour), n in sorted(counts.items()):
            colour = palette(norm(n))
            cell = Rectangle((hour, day), 1, 1, facecolor=colour, edgecolor="white", linewidth=0.5)
            cell.set_gid(f"cell-{day}-{hour:02d}")
            axes.add_patch(cell)
            if annotate:
                red, green, blue, _ = colour
                dark = 0.299 * red + 0.587 * green + 0.114 * blue < 0.5
                shown = axes.text(
                    hour + 0.5,
                    day + 0.5,
                    str(n),
                    ha="center",
                    va="center",
                    fontsize=6.5,
                    color="white" if dark else "black",
                )
                shown.set_gid(f"count-{day}-{hour:02d}")
        axes.set_xlim(0, 24)
        axes.set_ylim(7, 0)  # Monday at the top
        axes.set_xticks([h + 0.5 for h in range(24)], [f"{h:02d}" for h in range(24)])
        axes.set_yticks([d + 0.5 for d in range(7)], days)
        axes.tick_params(length=0)
        axes.set_facecolor("#F4F4F4")  # empty hours: a light grey, distinct from the palest shade
        for side in axes.spines.values():
            side.set_visible(False)
        axes.set_xlabel(f"Hour of day (00 = midnight to 1 am), time zone {figures.zone.key}")
        axes.set_title("When contact came: weekday and hour", loc="left")
        bar = figure.colorbar(ScalarMappable(norm, palette), ax=axes, label="Contacts", pad=0.02)
        if bar.solids is not None:
            bar.solids.set_rasterized(False)  # keep the scale vector, never an embedded image
        bands = list(pairwise(levels))  # each shade covers the counts low..high-1
        bar.set_ticks(
            [(low + high) / 2 for low, high in bands],
            labels=[str(low) if high - low == 1 else f"{low}-{high - 1}" for low, high in bands],
        )
        bar.ax.tick_params(length=0)

    return _svg("weekday-hour", draw, 3.0)


def escalation(escalation: Escalation | None) -> str | None:
    """Weekly contacts as bars, the week's highest severity as a line, and the change points marked.

    Takes ``Findings.escalation`` as it is: None (no analysis of it) draws nothing."""
    if escalation is None or not escalation.weeks:
        return None
    weeks = escalation.weeks
    position = {week: i for i, week in enumerate(weeks)}
    point = escalation.escalation_point
    others = sorted(
        {c.week for c in (*escalation.frequency_changes, *escalation.severity_changes)}
        - ({point.week} if point else set())
    )

    def draw(figure: Figure) -> None:
        axes = figure.add_subplot()
        xs = range(len(weeks))
        _stacked(axes, weeks, [_Layer("contacts", escalation.contacts, SKY, "", "Contacts in the week")])
        axes.set_ylabel("Contacts per week")
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        _week_axis(axes, weeks, "ISO week (weeks start on Monday)")
        seriousness = axes.twinx()
        (line,) = seriousness.step(
            xs,
            escalation.severity,
            where="mid",
            color=VERMILLION,
            linewidth=1.6,
            label="Highest severity in the week (0-10)",
        )
        line.set_gid("line-severity")
        seriousness.set_ylim(0, 10.5)
        seriousness.set_ylabel("Highest severity (0-10)")
        marks = [(week, "change", "--", "#555555", 1.0) for week in others]
        if point is not None:
            marks.append((point.week, "escalation", "-", "#000000", 1.6))
        for week, word, style, colour, width in marks:
            x = position[week] - 0.5  # the change point is the first week of the new level
            rule = axes.axvline(x, linestyle=style, color=colour, linewidth=width)
            rule.set_gid(f"mark-{word}-{week}")
            label = axes.text(
                x,
                0.98,
                f"{word}: {week}",
                transform=axes.get_xaxis_transform(),
                rotation=90,
                ha="right",
                va="top",
                fontsize=7,
                color=colour,
                bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5},
            )
            label.set_gid(f"label-{word}-{week}")
        handles = [Patch(facecolor=SKY, label="Contacts in the week"), line]
        figure.legend(handles=handles, loc="outside lower center", ncols=2, frameon=False)
        axes.set_title("Escalation over time", loc="left")

    return _svg("escalation", draw, 3.6)
