"""The report as HTML, from one Jinja2 template: the same HTML becomes report.pdf.

Autoescaping is on and never switched off for evidence (G-21): messages, names, file names and
places go through filters that also make control, bidi and invisible characters visible (G-24). The
only markup inserted as is, is casetrail's own: its stylesheet and the charts it draws from counts.
"""

from __future__ import annotations

from datetime import datetime
from importlib import resources
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from casetrail.pack.redact import Redactor
from casetrail.render.terminal import visible, visible_identifier
from casetrail.store.event_blocks import locator_text


def _when(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "time not known"


def environment(redactor: Redactor | None = None) -> Environment:
    """The template's environment; with a redactor, every evidence value passes through it first."""
    env = Environment(
        loader=PackageLoader("casetrail.pack", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    if redactor is None:
        env.filters["t"] = visible
        env.filters["id"] = visible_identifier
    else:
        env.filters["t"] = lambda value: visible(redactor.text(value or ""))
        env.filters["id"] = lambda value: visible_identifier(redactor.name(value or ""))
    env.filters["when"] = _when
    env.filters["locator"] = locator_text
    return env


def stylesheet() -> str:
    """casetrail's own print stylesheet (pack/assets/report.css), or a minimal one."""
    asset = resources.files("casetrail.pack").joinpath("assets", "report.css")
    return asset.read_text(encoding="utf-8") if asset.is_file() else "body { font-family: sans-serif; }"


def render_html(
    context: dict[str, Any], charts: list[tuple[str, str]] | None = None, redactor: Redactor | None = None
) -> str:
    """The report's HTML. ``charts`` are (title, SVG) pairs drawn by casetrail from counts only."""
    template = environment(redactor).get_template("report.html.j2")
    own_charts = [(title, Markup(svg)) for title, svg in charts or []]  # noqa: S704 (casetrail's own SVG)
    return template.render(**context, css=Markup(stylesheet()), charts=own_charts)  # noqa: S704 (own CSS)
