"""`label` and `diary`: a person's say over the analysis.

The rules only suggest. An advocate or officer confirms or rejects a label, and the victim links a
diary entry to what caused it; every decision is kept and audited, and the analysis uses the latest.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from casetrail.cli.console import console, print_json
from casetrail.cli.options import (
    ActorOption,
    CaseOption,
    JsonOption,
    PersonOption,
    linked_accounts,
    open_case,
)
from casetrail.render.terminal import text
from casetrail.store.decisions import decide, decisions, diary_links, link_diary, unlink_diary

label_app = typer.Typer(
    help="Confirm or reject the behaviour labels the analysis suggests.", no_args_is_help=True
)
diary_app = typer.Typer(help="Link diary entries to the events that caused them.", no_args_is_help=True)

EventArgument = Annotated[str, typer.Argument(help="The event's uid (from 'casetrail timeline --json').")]
CategoryArgument = Annotated[str, typer.Argument(help="The category, e.g. THREAT.VIOLENCE.")]
NoteOption = Annotated[str, typer.Option("--note", help="Why (kept with the decision).")]


def _decide(
    case: Path, uid: str, category: str, decision: str, note: str, actor: str | None, as_json: bool
) -> None:
    with open_case(case) as opened:
        made = decide(opened, uid, category, decision, actor or opened.producer.name, note)
    if as_json:
        print_json(made.to_json())
        return
    console.print(f"Recorded: {made.category} {made.decision} on event {made.uid[:12]}… by ", end="")
    console.print(text(made.by))


@label_app.command("confirm")
def label_confirm(
    uid: EventArgument,
    category: CategoryArgument,
    note: NoteOption = "",
    case: CaseOption = Path("."),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Confirm that an event shows this behaviour (also one the rules did not suggest)."""
    _decide(case, uid, category, "confirmed", note, actor, as_json)


@label_app.command("reject")
def label_reject(
    uid: EventArgument,
    category: CategoryArgument,
    note: NoteOption = "",
    case: CaseOption = Path("."),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Reject a suggested label; it stays on record, marked rejected, and stops counting."""
    _decide(case, uid, category, "rejected", note, actor, as_json)


@label_app.command("history")
def label_history(case: CaseOption = Path("."), as_json: JsonOption = False) -> None:
    """Every decision made about labels, oldest first."""
    with open_case(case) as opened:
        made = decisions(opened)
    if as_json:
        print_json({"decisions": [d.to_json() for d in made]})
        return
    if not made:
        console.print("No decisions yet.")
        return
    table = Table()
    for column in ("When", "Event", "Category", "Decision", "By", "Note"):
        table.add_column(column, overflow="fold")
    for d in made:
        table.add_row(d.decided_at[:16], d.uid[:12], d.category, d.decision, text(d.by), text(d.note))
    console.print(table)


@diary_app.command("link")
def diary_link(
    diary_uid: Annotated[str, typer.Argument(help="The diary entry's uid.")],
    causes: Annotated[list[str], typer.Argument(help="The uids of the events it is about.")],
    case: CaseOption = Path("."),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Link a diary entry to the events that caused what it records (fear, distress, changes made)."""
    with open_case(case) as opened:
        added = link_diary(opened, diary_uid, causes, actor or opened.producer.name)
    if as_json:
        print_json({"diary": diary_uid, "linked": causes, "new_links": added})
        return
    console.print(f"Linked the diary entry to {added} event(s).")


@diary_app.command("unlink")
def diary_unlink(
    diary_uid: Annotated[str, typer.Argument(help="The diary entry's uid.")],
    causes: Annotated[list[str], typer.Argument(help="The uids of the events to unlink.")],
    case: CaseOption = Path("."),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove links made by mistake (recorded in the audit log)."""
    with open_case(case) as opened:
        removed = unlink_diary(opened, diary_uid, causes, actor or opened.producer.name)
    if as_json:
        print_json({"diary": diary_uid, "removed": removed})
        return
    console.print(f"Removed {removed} link(s).")


@diary_app.command("links")
def diary_list(case: CaseOption = Path("."), as_json: JsonOption = False) -> None:
    """Every diary entry linked to events."""
    with open_case(case) as opened:
        links = diary_links(opened)
    found = {diary.hex(): [cause.hex() for cause in causes] for diary, causes in links.items()}
    if as_json:
        print_json({"links": found})
        return
    if not found:
        console.print("No diary entries are linked yet.")
    for diary, causes in found.items():
        console.print(Text(f"{diary[:12]}… → ").append(", ".join(c[:12] + "…" for c in causes)))


@diary_app.command("suggest")
def diary_suggest(
    person: PersonOption = None,
    case: CaseOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Suggest, for diary entries that record fear, distress or a change to daily life, the person's
    most serious events of the day before. Nothing is linked until you run 'diary link'."""
    from casetrail.analysis.diary_links import DiaryLinkSuggester
    from casetrail.analysis.pipeline import run_analysis

    with open_case(case) as opened:
        accounts = linked_accounts(opened, person)
        suggester = DiaryLinkSuggester()
        run_analysis(opened, accounts, [suggester])
        zone = opened.timezone
    if as_json:
        print_json({"suggestions": [s.to_json() for s in suggester.suggestions]})
        return
    if not suggester.suggestions:
        console.print(
            "No suggestions: no unlinked diary entry records fear, distress or a change, after contact."
        )
    for suggestion in suggester.suggestions:
        when = suggestion.diary.at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if suggestion.diary.at else "?"
        console.print(f"Diary entry of {when} ({', '.join(suggestion.impact)}) may be about:", style="bold")
        for cause, categories in suggestion.causes:
            at = cause.at.astimezone(zone).strftime("%Y-%m-%d %H:%M") if cause.at else "?"
            console.print(
                Text(f"  {at} ")
                .append(text(f"{cause.exhibit} {cause.locator}"))
                .append(f" {', '.join(categories)}")
            )
        uids = " ".join(cause.uid for cause, _ in suggestion.causes)
        console.print(f"  to link: casetrail diary link {suggestion.diary.uid} {uids}", style="dim")
