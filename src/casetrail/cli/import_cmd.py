"""`import`: detect each file's format, import it atomically, report counts (and JSON for scripts)."""

from __future__ import annotations

import sys
from collections.abc import Callable
from enum import StrEnum
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


class DateOrder(StrEnum):
    DAY_FIRST = "day-first"
    MONTH_FIRST = "month-first"
    YEAR_FIRST = "year-first"


Asker = Callable[[str, list[str]], str]


def import_files(
    paths: Annotated[
        list[Path],
        typer.Argument(help="Export files (WhatsApp .txt or .zip, SMS Backup & Restore .xml, diary .json)."),
    ],
    case: CaseOption = Path("."),
    as_json: JsonOption = False,
    actor: ActorOption = None,
    date_order: Annotated[
        DateOrder | None,
        typer.Option(
            "--date-order",
            help=(
                "How the exports write dates like 03/04/2025, when the file cannot show it. Without it, "
                "you are asked in a terminal; elsewhere the usual order for the case time zone is used "
                "and every event is flagged date-order-ambiguous. A file that contradicts it is refused."
            ),
            show_default=False,
        ),
    ] = None,
    conversation: Annotated[
        str | None,
        typer.Option(
            "--conversation",
            help=(
                "Which chat these files are exports of, when they were renamed (WhatsApp's own file names "
                "already say). Exports of one chat de-duplicate against each other."
            ),
        ),
    ] = None,
) -> None:
    """Import exports into the case. Each file is all-or-nothing; originals are never changed."""
    order = None if date_order is None else str(date_order)
    interactive = order is None and sys.stdin.isatty()
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
                options = {"actor": actor, "date_order": order, "conversation": conversation}
                result = _import_one(opened, path, importers, options, quiet=as_json, interactive=interactive)
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


def _import_one(
    opened: Any,
    path: Path,
    importers: Any,
    options: dict[str, Any],
    *,
    quiet: bool,
    interactive: bool,
) -> ImportResult:
    if quiet:
        ask = _asker(None) if interactive else None
        return import_file(opened, path, importers=importers, ask=ask, **options)
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
            opened,
            path,
            importers=importers,
            progress=lambda n: progress.advance(task, n),
            ask=_asker(progress) if interactive else None,
            **options,
        )


def _asker(progress: Progress | None) -> Asker:
    """Put an importer's question to the person at the terminal (on stderr, so --json stays clean)."""

    def ask(question: str, choices: list[str]) -> str:
        if progress is not None:
            progress.stop()
        try:
            errors.print(identifier(question))
            answer: str = typer.prompt(
                f"Type {' or '.join(choices)}",
                value_proc=lambda value: _pick(value, choices),
                err=True,
            )
            return answer
        finally:
            if progress is not None:
                progress.start()

    return ask


def _pick(value: str, choices: list[str]) -> str:
    """The choice typed (any letter case), or its number in the list; anything else is asked again."""
    typed = value.strip().lower()
    if typed in choices:
        return typed
    if typed.isdigit() and 1 <= int(typed) <= len(choices):
        return choices[int(typed) - 1]
    raise typer.BadParameter(f"please type one of: {', '.join(choices)}")


_ACCOUNTS_SHOWN = 8  # names on the summary line; --json lists them all


def _show(result: ImportResult) -> None:
    console.print(identifier(result.file), end="")
    console.print(
        f": {result.events_added:,} events added, {result.duplicates:,} already in the case "
        f"(exhibit {result.exhibit}; {len(result.new_exhibits)} new exhibit(s); read as {result.importer})"
    )
    if result.first and result.last:
        console.print(f"  From {result.first:%Y-%m-%d %H:%M} to {result.last:%Y-%m-%d %H:%M} (UTC).")
    if result.accounts:
        more = " (and more)" if result.accounts_capped else ""
        shown = ", ".join(result.accounts[:_ACCOUNTS_SHOWN])
        rest = (
            f", and {len(result.accounts) - _ACCOUNTS_SHOWN:,} more"
            if len(result.accounts) > _ACCOUNTS_SHOWN
            else ""
        )
        console.print(f"  {len(result.accounts):,}{more} account(s): ", end="")
        console.print(identifier(shown + rest))
    if result.flagged_total:
        console.print(f"  {result.flagged_total:,} event(s) carry a flag worth checking (see timeline).")
    for note in result.notes:
        console.print("  Note: ", end="")
        console.print(identifier(note))
