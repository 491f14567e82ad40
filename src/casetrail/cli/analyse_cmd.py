"""`analyse`: the course of conduct in figures, for one linked person or for all incoming contact."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.text import Text

from casetrail.analysis.conduct import BURST_MIN, ConductFigures, conduct_figures
from casetrail.analysis.contacts import contacts
from casetrail.cli.console import console, print_json
from casetrail.cli.options import CaseOption, JsonOption, open_case
from casetrail.errors import CasetrailError
from casetrail.render.terminal import identifier
from casetrail.store.people import accounts_of_person


def analyse(
    case: CaseOption = Path("."),
    person: Annotated[
        str | None,
        typer.Option(
            "--person", help="A person linked with 'casetrail person link' (default: all incoming contact)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Count the course of conduct: contacts per day, week and month, runs of days, bursts, night contact."""
    with open_case(case) as opened:
        accounts = None
        if person:
            accounts = accounts_of_person(opened, person)
            if accounts is None:
                raise CasetrailError(
                    "No one of that name is linked. See 'casetrail person list', or link accounts first."
                )
        figures = conduct_figures(contacts(opened, accounts), opened.timezone)
    if as_json:
        print_json(
            {"person": person, "accounts": sorted(accounts) if accounts else None, **figures.to_json()}
        )
        return
    _show(figures, person, opened.timezone)


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "?"


def _show(figures: ConductFigures, person: str | None, zone: ZoneInfo) -> None:
    who = Text("Contact from ").append(identifier(person)) if person else Text("All incoming contact")
    console.print(who.append(f" (times in {zone.key})"), style="bold")
    if not figures.contacts:
        console.print("No contact found.")
        return
    console.print(
        f"{figures.contacts:,} contacts from {_local(figures.first, zone)} to {_local(figures.last, zone)}, "
        f"on {figures.days_with_contact:,} different days."
    )
    for channel, count in figures.by_channel.most_common():
        first = _local(figures.first_on_channel.get(channel), zone)
        console.print(f"  {channel}: {count:,} (first {first})")
    if figures.longest_run:
        start, end, days = figures.longest_run
        console.print(f"Longest run of days in a row with contact: {days} ({start} to {end}).")
    console.print(f"At night (00:00-06:00): {figures.night:,} contacts.")
    if figures.busiest_hour:
        start, count = figures.busiest_hour
        console.print(f"Most in one hour: {count:,}, from {_local(start, zone)}.")
    if figures.bursts:
        console.print(f"Bursts of {BURST_MIN} or more in an hour: {len(figures.bursts)}.")
    if figures.longest_unanswered:
        start, end, count = figures.longest_unanswered
        console.print(
            f"Longest run without a reply: {count:,} contacts, {_local(start, zone)} to {_local(end, zone)} "
            f"(replies in all: {figures.replies:,})."
        )
    widest = max(figures.per_month.values())
    console.print("Contacts per month:")
    for month, count in sorted(figures.per_month.items()):
        console.print(f"  {month} {'█' * max(1, round(30 * count / widest))} {count:,}")
