"""`timeline`: every event in time order, filtered and paged, each with where it came from."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from casetrail.analysis.classifiers import installed
from casetrail.analysis.labelling import label_rows
from casetrail.cli.console import console, print_json
from casetrail.cli.options import CaseOption, JsonOption, open_case, parse_moment
from casetrail.render.terminal import identifier, text
from casetrail.store.decisions import standing_decisions
from casetrail.store.people import accounts_of_person
from casetrail.store.queries import TimelineEvent, TimelineFilter
from casetrail.store.queries import timeline as read_timeline


def timeline(
    case: CaseOption = Path("."),
    since: Annotated[str | None, typer.Option("--since", help="From this date (YYYY-MM-DD[THH:MM]).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Up to and including this date.")] = None,
    channel: Annotated[list[str] | None, typer.Option("--channel", help="Only these channels.")] = None,
    kind: Annotated[list[str] | None, typer.Option("--kind", help="Only these kinds of event.")] = None,
    person: Annotated[
        str | None,
        typer.Option(
            "--person",
            help="A person linked with 'casetrail person link' (all their accounts), "
            "else any sender or recipient containing this.",
        ),
    ] = None,
    contains: Annotated[str | None, typer.Option("--text", help="Message text contains this.")] = None,
    page: Annotated[int, typer.Option("--page", min=1, help="Page number.")] = 1,
    page_size: Annotated[int, typer.Option("--page-size", min=1, max=100000)] = 50,
    all_versions: Annotated[
        bool, typer.Option("--all-versions", help="Include amended diary versions.")
    ] = False,
    as_json: JsonOption = False,
) -> None:
    """Show the case's events in time order."""
    with open_case(case) as opened:
        zone = opened.timezone
        linked = accounts_of_person(opened, person) if person else None
        filt = TimelineFilter(
            since=parse_moment(since, zone),
            until=parse_moment(until, zone, end=True),
            channels=channel or [],
            kinds=kind or [],
            person=person if linked is None else None,
            text=contains,
            all_versions=all_versions,
            accounts=linked,
            region=opened.region,
        )
        rows = read_timeline(opened, filt, offset=(page - 1) * page_size, limit=page_size)
        labelled = label_rows(opened, rows, linked, installed(), standing_decisions(opened))
    if as_json:
        events = [{**e.to_json(), **found} for e, found in zip(rows, labelled, strict=True)]
        print_json({"page": page, "page_size": page_size, "events": events})
        return
    show(rows, zone, page, page_size, console, labelled)


def show(
    rows: list[TimelineEvent],
    zone: ZoneInfo,
    page: int,
    page_size: int,
    console: Console,
    labelled: list[dict[str, Any]] | None = None,
) -> None:
    """Print one page as a table; every evidence field goes through render.terminal."""
    if not rows:
        console.print("No events match." if page == 1 else "No more events.")
        return
    table = Table(show_lines=False, expand=True)
    table.add_column("When / how", no_wrap=True, min_width=16)
    table.add_column("From", max_width=24, overflow="fold")
    table.add_column("What", ratio=3, min_width=24, overflow="fold")
    table.add_column("Source", max_width=16, overflow="fold")
    for number, event in enumerate(rows):
        when = event.occurred_at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if event.occurred_at else "?"
        what = text(event.text)
        if event.attachments:
            what.append(f"  [attachment {', '.join(event.attachments)}]", style="cyan")
        if event.flags:
            what.append(f"  ({', '.join(event.flags)})", style="yellow")
        if event.supersedes:
            what.append("  (amended entry)", style="yellow")
        categories = [
            label["category"]
            for label in (labelled[number]["labels"] if labelled else [])
            if label["decision"] != "rejected"
        ]
        if categories:
            what.append(f"  [{', '.join(dict.fromkeys(categories))}]", style="magenta")
        source = event.sources[0] if event.sources else {}
        where = Text(source.get("exhibit", ""))
        if source:
            where.append(" ")
            member = f"{source['member']} " if source.get("member") else ""
            where.append(identifier(f"{member}{source.get('scheme')} {source.get('value')}"))
        from_who = identifier(event.sender) if event.sender else Text("—", style="dim")
        how = Text(f"{when}\n{event.channel}\n{event.kind}")
        how.stylize("dim", len(when) + 1)
        table.add_row(how, from_who, what, where)
    console.print(table)
    more = "next page: --page " + str(page + 1) if len(rows) == page_size else "end of timeline"
    console.print(f"Page {page} ({len(rows)} events; times in {zone.key}; {more})", style="dim")
