"""`safety update-indicators` and `safety indicators`: install the stalkerware indicators and show
which set is in use. The only commands that may use the network (G-49); they need no case."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.text import Text

from casetrail.cli.console import console, print_json
from casetrail.cli.options import JsonOption
from casetrail.render.terminal import identifier

if TYPE_CHECKING:  # the indicators' parser loads only when one of these commands runs
    from casetrail.safety.indicators import IndicatorSet, UpdateResult

UPDATE_HINT = "casetrail safety update-indicators"


def update_indicators_cmd(
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from",
            help="Install from a copy of ioc.yaml (or a folder holding it and samples.csv) "
            "instead of downloading: for a computer without internet.",
        ),
    ] = None,
    sha256: Annotated[
        str | None,
        typer.Option(
            "--sha256", help="Only accept the file if its SHA-256 is this (from a source you trust)."
        ),
    ] = None,
    url: Annotated[
        str | None,
        typer.Option("--url", hidden=True, help="Another HTTPS address for ioc.yaml (advanced)."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Download the public stalkerware indicators (or install a copy with --from), check them and keep
    them with today's date. If anything fails, the indicators you had stay in use."""
    from casetrail.safety.indicators import DEFAULT_URL, update_indicators

    result = update_indicators(url or DEFAULT_URL, expected_sha256=sha256, from_file=from_file)
    if as_json:
        print_json(result.to_json())
        return
    _show_update(result)


def _show_update(result: UpdateResult) -> None:
    installed = result.installed
    console.print(f"Installed {len(installed.apps):,} stalkerware apps from ", end="")
    console.print(identifier(installed.source), end="")
    console.print(f", fetched {installed.fetched_at:%Y-%m-%d %H:%M} UTC.")
    if installed.samples:
        console.print(f"  Also {len(installed.samples):,} known app files (samples.csv).")
    console.print(f"  SHA-256 of ioc.yaml: {installed.sha256}", soft_wrap=True)
    if result.previous is None:
        console.print("  This is the first set installed on this computer.")
    elif result.changed:
        console.print(f"  The set from {result.previous.fetched_at:%Y-%m-%d} is kept as the previous one.")
    else:
        console.print("  The list has not changed since the last update; its date is now today's.")
    console.print(f"  Source: {installed.attribution}.")


def indicators_status_cmd(as_json: JsonOption = False) -> None:
    """Show which stalkerware indicators are installed, how old they are and where they came from."""
    from casetrail.safety.indicators import STALE_AFTER_DAYS, load_installed

    now = datetime.now(UTC)
    current = load_installed()
    if as_json:
        print_json(_status_json(current, now))
        return
    if current is None:
        console.print(
            "No stalkerware indicators are installed on this computer yet. "
            f"Run '{UPDATE_HINT}' to get them (or add --from FILE to install a copy you have)."
        )
        return
    age = current.age_days(now)
    console.print(f"Stalkerware indicators: {len(current.apps):,} apps, from ", end="")
    console.print(identifier(current.source))
    console.print(f"  Fetched {current.fetched_at:%Y-%m-%d} ({_days(age)} ago).")
    console.print(f"  SHA-256 of ioc.yaml: {current.sha256}", soft_wrap=True)
    console.print(f"  Source: {current.attribution}.")
    if current.stale(now):
        console.print(
            Text(
                f"  They may be out of date (older than {STALE_AFTER_DAYS} days): new stalkerware "
                f"appears all the time. Run '{UPDATE_HINT}' when it is safe to go online."
            )
        )


def _days(count: int) -> str:
    return "1 day" if count == 1 else f"{count:,} days"


def _status_json(current: IndicatorSet | None, now: datetime) -> dict[str, Any]:
    if current is None:
        return {"installed": None}
    return {
        "installed": current.to_json(),
        "age_days": current.age_days(now),
        "may_be_out_of_date": current.stale(now),
    }
