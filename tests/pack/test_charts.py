"""The pack's charts: safe to inline (nothing runs or is fetched), complete, repeatable, readable if long."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET  # parses our own charts, never outside input
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import matplotlib
import pytest

from casetrail.analysis.conduct import ConductFigures, Contact, conduct_figures
from casetrail.analysis.escalation import Escalation, escalation
from casetrail.pack import charts

LONDON = ZoneInfo("Europe/London")
MONDAY = datetime(2025, 3, 3, 12, 0, tzinfo=UTC)  # 2025-W10, noon in London (GMT)
SVG = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"


def incoming(at: datetime, channel: str = "sms") -> Contact:
    return Contact(at, channel, "message", True, "phone:+447700900587")


def figures_of(contacts: list[Contact]) -> ConductFigures:
    return conduct_figures(sorted(contacts, key=lambda c: c.at), LONDON)


def ids(svg: str, prefix: str) -> list[str]:
    found = (e.get("id", "") for e in ET.fromstring(svg).iter())  # noqa: S314 - our own output
    return [name for name in found if name.startswith(prefix)]


def assert_inert(svg: str) -> None:
    """Inline-ready and self-contained: an <svg> root, no script or foreign content, only inner references."""
    assert svg.startswith("<svg")
    root = ET.fromstring(svg)  # noqa: S314 - it parses as XML
    assert root.tag == f"{SVG}svg"
    tags = {element.tag.removeprefix(SVG) for element in root.iter()}
    assert not tags & {"script", "foreignObject", "image", "iframe", "a"}
    for element in root.iter():
        for name, value in element.attrib.items():
            if name in {XLINK_HREF, "href"}:
                assert value.startswith("#"), value
            assert not name.startswith("on"), name
            for target in re.findall(r"url\(([^)]*)\)", value):
                assert target.startswith("#"), target
    assert "<text" not in svg  # glyphs are outlines: nothing depends on the viewer's fonts
    assert "<!DOCTYPE" not in svg and "<?xml" not in svg


def week_of(monday: datetime, weeks: int) -> datetime:
    return monday + timedelta(weeks=weeks)


def test_contacts_per_week_stacks_a_bar_per_channel_and_week_with_a_gap_for_quiet_weeks() -> None:
    stream = [
        incoming(MONDAY, "whatsapp"),
        incoming(MONDAY + timedelta(hours=1), "sms"),
        incoming(MONDAY + timedelta(hours=2), "sms"),
        incoming(week_of(MONDAY, 2), "phone"),  # 2025-W11 has no contact
        incoming(week_of(MONDAY, 2) + timedelta(hours=1), "sms"),
    ]
    svg = charts.contacts_per_week(figures_of(stream))
    assert svg is not None
    assert_inert(svg)
    # stacked in the fixed channel order: WhatsApp, then SMS, then phone
    assert ids(svg, "bar-") == [
        "bar-whatsapp-2025-W10",
        "bar-sms-2025-W10",
        "bar-sms-2025-W12",
        "bar-phone-2025-W12",
    ]
    for words in ("Contacts per week, by channel", "WhatsApp", "Text (SMS)", "Phone call", "2025-W11"):
        assert f"<!-- {words} -->" in svg  # matplotlib notes each drawn string beside its outline
    assert "Europe/London" in svg
    assert ET.fromstring(svg).get("id") == "chart-contacts-per-week"  # noqa: S314 - our own output


def test_channel_order_and_styles_are_fixed_and_distinct() -> None:
    assert charts.CHANNEL_ORDER[:3] == ("whatsapp", "sms", "phone")
    assert set(charts.CHANNEL_NAMES) == set(charts.CHANNEL_ORDER)
    styles = [charts._channel_style(c) for c in charts.CHANNEL_ORDER]
    assert len(set(styles)) == len(styles)  # colour and hatching together tell every channel apart


def test_a_channel_outside_the_list_is_still_drawn_after_the_known_ones() -> None:
    stream = [incoming(MONDAY, "pager"), incoming(MONDAY + timedelta(hours=1), "email")]
    svg = charts.contacts_per_week(figures_of(stream))
    assert svg is not None
    assert ids(svg, "bar-") == ["bar-email-2025-W10", "bar-pager-2025-W10"]


def test_heatmap_has_a_cell_per_busy_hour_and_counts_when_few() -> None:
    stream = [
        incoming(MONDAY),
        incoming(MONDAY + timedelta(minutes=10)),
        incoming(MONDAY + timedelta(days=6)),
    ]
    svg = charts.weekday_hour_heatmap(figures_of(stream))
    assert svg is not None
    assert_inert(svg)
    assert sorted(ids(svg, "cell-")) == ["cell-0-12", "cell-6-12"]  # Monday and Sunday, 12:00 in London
    assert sorted(ids(svg, "count-")) == ["count-0-12", "count-6-12"]
    assert "<!-- Monday -->" in svg and "<!-- Sunday -->" in svg and "<!-- 23 -->" in svg
    assert "<!-- Contacts -->" in svg  # the colour bar's label


def test_heatmap_hours_are_local_time() -> None:
    summer = datetime(2025, 6, 2, 23, 30, tzinfo=UTC)  # Tuesday 00:30 in London (BST)
    svg = charts.weekday_hour_heatmap(figures_of([incoming(summer)]))
    assert svg is not None
    assert ids(svg, "cell-") == ["cell-1-00"]


def test_heatmap_drops_the_counts_when_the_grid_is_busy() -> None:
    stream = [incoming(MONDAY + timedelta(hours=h)) for h in range(charts.ANNOTATE_MAX_CELLS + 10)]
    svg = charts.weekday_hour_heatmap(figures_of(stream))
    assert svg is not None
    assert len(ids(svg, "cell-")) == charts.ANNOTATE_MAX_CELLS + 10
    assert ids(svg, "count-") == []


def rising_case() -> Escalation:
    """Ten quiet weeks of one mild contact, then eight weeks of many, more serious ones."""
    start = date(2025, 1, 6)  # 2025-W02
    per_day: dict[date, int] = {}
    severity: dict[date, int] = {}
    for week in range(18):
        day = start + timedelta(weeks=week)
        per_day[day] = 1 if week < 10 else 12
        severity[day] = 2 if week < 10 else 8
    return escalation(per_day, severity, "test")


def test_escalation_marks_the_point_with_its_week_and_draws_every_week() -> None:
    result = rising_case()
    point = result.escalation_point
    assert point is not None and point.week == "2025-W12"
    svg = charts.escalation(result)
    assert svg is not None
    assert_inert(svg)
    assert len(ids(svg, "bar-contacts-")) == 18
    assert ids(svg, "line-severity") == ["line-severity"]
    assert ids(svg, "mark-") == ["mark-escalation-2025-W12"]
    assert "<!-- escalation: 2025-W12 -->" in svg
    assert "Highest severity (0-10)" in svg


def test_other_change_points_are_marked_as_changes() -> None:
    result = rising_case()
    calm = result.frequency_changes[0]
    result.frequency_changes.append(type(calm)("2025-W16", 12.0, 3.0, 2.0))  # a fall later on
    svg = charts.escalation(result)
    assert svg is not None
    assert ids(svg, "mark-") == ["mark-change-2025-W16", "mark-escalation-2025-W12"]
    assert "<!-- change: 2025-W16 -->" in svg


def test_nothing_to_draw_gives_none() -> None:
    empty = ConductFigures(LONDON)
    assert charts.contacts_per_week(empty) is None
    assert charts.weekday_hour_heatmap(empty) is None
    assert charts.escalation(Escalation()) is None
    assert charts.escalation(None) is None
    replies_only = figures_of([Contact(MONDAY, "sms", "message", False)])
    assert charts.contacts_per_week(replies_only) is None


def test_same_input_same_bytes_whatever_the_users_matplotlib_settings() -> None:
    stream = [incoming(MONDAY + timedelta(hours=5 * n), ("sms", "email")[n % 2]) for n in range(40)]
    figures = figures_of(stream)
    first = [
        charts.contacts_per_week(figures),
        charts.weekday_hour_heatmap(figures),
        charts.escalation(rising_case()),
    ]
    with matplotlib.rc_context({"svg.fonttype": "none", "lines.linewidth": 7.0, "svg.hashsalt": None}):
        again = [
            charts.contacts_per_week(figures),
            charts.weekday_hour_heatmap(figures),
            charts.escalation(rising_case()),
        ]
    assert first == again
    assert all(chart is not None for chart in first)


@pytest.fixture(scope="module")
def ten_years() -> ConductFigures:
    contacts = [
        incoming(week_of(MONDAY, week) + timedelta(hours=7 * (week % 20)), charts.CHANNEL_ORDER[week % 13])
        for week in range(520)
        if week % 9  # some quiet weeks
    ]
    return figures_of(contacts)


def test_a_ten_year_case_keeps_its_axes_readable(ten_years: ConductFigures) -> None:
    svg = charts.contacts_per_week(ten_years)
    assert svg is not None
    assert_inert(svg)
    assert ids(svg, "bar-") == []  # beyond two years: one filled outline per channel instead of bars
    assert len(ids(svg, "band-")) == 13
    assert (
        4 <= len(ids(svg, "chart-contacts-per-week-xtick_")) <= charts.MAX_WEEK_LABELS
    )  # week labels thinned


def test_a_ten_year_escalation_and_heatmap_render(ten_years: ConductFigures) -> None:
    weekly = escalation(dict(ten_years.per_day), dict.fromkeys(ten_years.per_day, 3), "test")
    svg = charts.escalation(weekly)
    assert svg is not None
    assert_inert(svg)
    assert ids(svg, "band-contacts") == ["band-contacts"]
    assert len(ids(svg, "xtick_")) <= charts.MAX_WEEK_LABELS
    heatmap = charts.weekday_hour_heatmap(ten_years)
    assert heatmap is not None
    assert_inert(heatmap)


def test_charts_inlined_in_one_page_share_no_id_and_every_reference_resolves() -> None:
    stream = [incoming(MONDAY + timedelta(hours=5 * n), ("sms", "email")[n % 2]) for n in range(40)]
    figures = figures_of(stream)
    drawn = [
        charts.contacts_per_week(figures),
        charts.weekday_hour_heatmap(figures),
        charts.escalation(rising_case()),
    ]
    page = "".join(svg for svg in drawn if svg)
    ids = re.findall(r'\bid="([^"]+)"', page)
    assert len(ids) > 100 and len(ids) == len(set(ids))
    references = set(re.findall(r'(?:url\(#|href="#)([^")]+)', page))
    assert references and references <= set(ids)
