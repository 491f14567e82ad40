"""`import`: detect each file's format, import it atomically, report counts (and JSON for scripts)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from casetrail.cli.console import console, errors, print_json, say_error
from casetrail.cli.options import ActorOption, CaseOption, JsonOption, open_case
from casetrail.errors import CaseBusy, InputError
from casetrail.importers.registry import discover
from casetrail.render.terminal import identifier
from casetrail.store.importing import ImportResult, import_file


def import_files(
    paths: Annotated[list[Path], typer.Argument(help="Export files to import (.txt, .zip, diary .json).")],
    case: CaseOption = Path("."),
    as_json: JsonOption = False,
    actor: ActorOption = None,
) -> None:
    """Import exports into the case. Each file is all-or-nothing; originals are never changed."""
    importers, broken = discover()
    for plugin in broken:
        errors.print(f"Importer plugin {plugin.name!r} could not be loaded and was skipped: ", end="")
        errors.print(identifier(plugin.error))
    report: list[dict[str, Any]] = []
    failed = 0
    with open_case(case) as opened:
        for path in paths:
            try:
                if not path.is_file():
                    raise InputError(str(path), None, "no such file")
                result = _import_one(opened, path, importers, quiet=as_json, actor=actor)
            except CaseBusy:
                raise
            except InputError as error:
                failed += 1
                report.append({"file": str(path), "error": str(error), "place": error.place})
                if not as_json:
                    say_error(f"{error} — nothing from this file was imported.")
                continue
            report.append(result.to_json())
            if not as_json:
                _show(result)
    if as_json:
        print_json(report)
    if failed:
        raise typer.Exit(3)


def _import_one(opened: Any, path: Path, importers: Any, *, quiet: bool, actor: str | None) -> ImportResult:
    if quiet:
        return import_file(opened, path, importers=importers, actor=actor)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        TextColumn("{task.completed:,} events"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        # The description is parsed as Rich markup, so the (hostile) file name is escaped for it too.
        task = progress.add_task(f"Importing {escape(identifier(path.name).plain)}", total=None)
        return import_file(
            opened, path, importers=importers, progress=lambda n: progress.advance(task, n), actor=actor
        )


def _show(result: ImportResult) -> None:
    console.print(identifier(result.file), end="")
    console.print(
        f": {result.events_added:,} events added, {result.duplicates:,} already in the case "
        f"(exhibit {result.exhibit}; {len(result.new_exhibits)} new exhibit(s); read as {result.importer})"
    )
    if result.flagged_total:
        console.print(f"  {result.flagged_total:,} event(s) carry a flag worth checking (see timeline).")
    for note in result.notes:
        console.print("  Note: ", end="")
        console.print(identifier(note))
