"""`casetrail safety`: check phone data for stalkerware and monitoring, and a lock-down plan made for
the platforms in the case, with progress kept in the case (docs/safety.md)."""

from __future__ import annotations

import tempfile
import zipfile
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.text import Text

from casetrail.cli.console import console, print_json
from casetrail.cli.options import CaseOption, JsonOption, open_case
from casetrail.errors import CasetrailError
from casetrail.importers.registry import LoadedImporter, discover
from casetrail.render.terminal import identifier, text
from casetrail.store.case import Case
from casetrail.store.importing import import_file

if TYPE_CHECKING:  # the phone-data readers load only when a scan runs, not with every command
    from casetrail.safety.inventory import Inventory
    from casetrail.safety.matching import Finding

safety_app = typer.Typer(
    help="Check phone data for stalkerware and monitoring; a lock-down plan for the case's platforms.",
    no_args_is_help=True,
)
SCAN_IMPORTERS = ("android-phone-data", "iphone-backup", "android-apk", "network-log")
CONFIDENCE_WORDS = {"high": "almost certain", "medium": "likely, worth checking", "low": "possible"}


def _scan_importers() -> list[LoadedImporter]:
    found, _broken = discover()
    chosen = [loaded for loaded in found if loaded.importer.name in SCAN_IMPORTERS]
    if not chosen:
        raise CasetrailError("The phone-data readers are not installed with this copy of casetrail.")
    return chosen


def _backup_zip(case: Case, folder: Path, scratch: Path) -> Path:
    """The files casetrail reads from an iPhone backup folder, each byte for byte, in one zip in a
    scratch folder inside the case (nothing is written beside the backup; the zip goes once stored)."""
    from casetrail.safety.ios import needed_files

    target = scratch / f"{folder.name} (files read from the iPhone backup).zip"
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as archive:
        for name, path in needed_files(folder):
            archive.write(path, name)
    return target


def scan(
    path: Annotated[
        Path,
        typer.Argument(
            help="An Android package list, dumpsys or bug report zip, an app file (.apk), an iPhone "
            "backup folder, or a DNS or proxy log."
        ),
    ],
    demo_indicators: Annotated[
        bool, typer.Option("--demo-indicators", hidden=True, help="Use the demo's made-up indicators.")
    ] = False,
    case: CaseOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Check phone data for stalkerware, monitoring apps and profiles; the file and what was found
    are kept in the case as evidence."""
    from casetrail.importers.device_scan import SCAN_SCRATCH_PREFIX
    from casetrail.safety import indicators as known
    from casetrail.safety.events import summary_text
    from casetrail.safety.matching import SAFETY_FIRST, match

    chosen = known.demo_set() if demo_indicators else known.load_installed()
    if not path.exists():
        raise CasetrailError(f"{path}: no such file or folder.")
    with open_case(case) as opened:
        opened.layout.tmp.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=SCAN_SCRATCH_PREFIX, dir=opened.layout.tmp) as scratch:
            target = _backup_zip(opened, path, Path(scratch)) if path.is_dir() else path
            imported = import_file(opened, target, importers=_scan_importers(), indicators=chosen)
            # What this scan found, read again for showing (the import may have run in a child process).
            found = match(_inventory(imported.importer, target, Path(scratch)), chosen)
    if as_json:
        print_json({
            "exhibit": imported.exhibit,
            "events_added": imported.events_added,
            "indicators": found.indicators,
            "summary": summary_text(found),
            "findings": [finding.to_json() for finding in found.by_confidence()],
            "advice": SAFETY_FIRST,
        })  # fmt: skip
        return
    console.print(text(summary_text(found)))
    if chosen is None:
        console.print(
            "No stalkerware indicators are installed, so only casetrail's own checks ran. "
            "'casetrail safety update-indicators' fetches the public list."
        )
    _print_findings(found.by_confidence(), imported.exhibit)
    console.print(
        f"The scanned file is kept in the case as exhibit {imported.exhibit}, and what was found is in "
        "its timeline (channel 'device')."
    )


def _inventory(importer: str, target: Path, scratch: Path) -> Inventory:
    from casetrail.ingest.source import Source
    from casetrail.safety import android, apk, ios, netlog

    source = Source(target)
    try:
        if importer == "iphone-backup":
            return ios.read_ios(source, scratch)
        if importer == "android-apk":
            return apk.read_apk(source)
        if importer == "network-log":
            return netlog.read_netlog(source)
        return android.read_android(source)
    finally:
        source.close()


def _print_findings(findings: list[Finding], exhibit: str) -> None:
    from casetrail.safety.events import finding_text
    from casetrail.safety.matching import SAFETY_FIRST

    if not findings:
        console.print(
            "Nothing known was found. That is good news, but not proof: the lists cannot know every app, "
            "and someone may watch an account rather than the phone. The plan ('casetrail safety plan') "
            "covers accounts too."
        )
        return
    console.print(f"Found {len(findings)} thing{'s' if len(findings) != 1 else ''} to look at:", style="bold")
    for finding in findings:
        line = Text("- ") + text(finding_text(finding))
        line += Text(f" ({CONFIDENCE_WORDS[finding.confidence]})", style="dim")
        console.print(line)
        how = (
            Text("  recognised by ")
            + identifier(finding.matched_on)
            + Text("; ")
            + identifier(finding.source)
        )
        how += Text(f"; in {exhibit} ") + identifier(finding.where)
        how.stylize("dim")
        console.print(how)
    console.print(SAFETY_FIRST, style="bold yellow")


def case_facts(case: Case) -> tuple[set[str], set[str]]:
    """The channels the case holds and the e-mail domains its messages name."""
    from casetrail.store.people import account_book
    from casetrail.store.queries import summary

    channels = set(summary(case)["by_channel"])
    domains = {
        seen.id.split("@", 1)[1] for seen in account_book(case, ("email",)) if seen.id.startswith("email:")
    }
    return channels, domains


def plan(
    show_all: Annotated[
        bool, typer.Option("--all", help="Every platform's steps, not only this case's.")
    ] = False,
    case: CaseOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """A lock-down checklist for the platforms and accounts in the case, with what is done so far."""
    from casetrail.safety.plan_steps import is_stale, load_plan_files, steps_for
    from casetrail.store.safety_plan import standing

    files = load_plan_files()
    with open_case(case) as opened:
        channels, domains = case_facts(opened)
        marks = standing(opened)
    chosen = (
        [(f, sorted(f.steps, key=lambda s: s.order)) for f in files]
        if show_all
        else steps_for(files, channels, domains)
    )
    today = date.today()
    if as_json:
        print_json({"platforms": [
            {"platform": f.platform, "name": f.name, "steps": [
                {**_step_json(step), "status": marks[step.id].status if step.id in marks else "open",
                 "possibly_out_of_date": is_stale(step, today)}
                for step in steps]}
            for f, steps in chosen]})  # fmt: skip
        return
    console.print(
        "Your safety plan: steps for the accounts and apps in this case. Keep evidence first; some steps "
        "can be noticed by the other person, and each says so. Take them in the order that feels safe, "
        "with an advocate if you can. Menus differ between phones and app versions.",
    )
    done = 0
    total = 0
    for file, steps in chosen:
        console.print(f"\n[bold]{escape(file.name)}[/bold]")
        for step in steps:
            total += 1
            status = marks[step.id].status if step.id in marks else "open"
            done += status == "done"
            box = {"done": "[x]", "not-now": "[-]"}.get(status, "[ ]")
            console.print(f"{escape(box)} {escape(step.title)}  [dim]({step.id})[/dim]")
            if status == "done":
                continue
            console.print(f"    {escape(step.why)}", style="dim")
            if step.preserve_first:
                console.print(f"    First, keep evidence: {escape(step.preserve_first)}", style="yellow")
            for number, line in enumerate(step.how, start=1):
                console.print(f"    {number}. {escape(line)}")
            if step.may_reveal:
                console.print(f"    Could be noticed: {escape(step.may_reveal)}", style="dim")
            stale = " (checked over a year ago: the menus may have changed)" if is_stale(step, today) else ""
            console.print(f"    Help: {escape(step.help or 'no checked link yet')}{stale}", style="dim")
    console.print(f"\n{done} of {total} steps done.")
    console.print("Mark a step with: casetrail safety mark STEP done --by NAME", markup=False)


def _step_json(step: Any) -> dict[str, Any]:
    return {
        "id": step.id,
        "title": step.title,
        "why": step.why,
        "how": list(step.how),
        "preserve_first": step.preserve_first,
        "may_reveal": step.may_reveal,
        "destroys_evidence": step.destroys_evidence,
        "help": step.help,
        "reviewed": step.reviewed.isoformat(),
    }


def mark_step(
    step: Annotated[str, typer.Argument(help="The step's id, as 'casetrail safety plan' shows it.")],
    status: Annotated[str, typer.Argument(help="done, not-now (not safe or not possible yet) or open.")],
    by: Annotated[str, typer.Option("--by", help="Who is marking it.")],
    note: Annotated[str, typer.Option("--note", help="Anything worth remembering about it.")] = "",
    case: CaseOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Mark a step of the safety plan; every mark is kept, the latest stands."""
    from casetrail.safety.plan_steps import load_plan_files
    from casetrail.store.safety_plan import mark

    known = {s.id for f in load_plan_files() for s in f.steps}
    if step not in known:
        raise CasetrailError(f"No step {step!r} in the plan. 'casetrail safety plan --all' lists every step.")
    with open_case(case) as opened:
        marked = mark(opened, step, status, by, note)
    if as_json:
        print_json(marked.to_json())
        return
    console.print(f"Marked {escape(step)} as {status}.")


safety_app.command("scan")(scan)
safety_app.command("plan")(plan)
safety_app.command("mark")(mark_step)
