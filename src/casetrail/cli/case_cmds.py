"""`init`, `exhibits` and `verify`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from casetrail.cli.console import console, print_json
from casetrail.cli.options import CaseOption, JsonOption, open_case, read_passphrase
from casetrail.render.terminal import identifier
from casetrail.store.case import Case, Producer, check_initials, check_region
from casetrail.store.queries import list_exhibits
from casetrail.store.verify import verify_case


def _initials_of(name: str) -> str:
    return "".join(part[0] for part in name.split() if part[:1].isalpha()).upper()[:4] or "X"


def init(
    case: CaseOption = Path("."),
    name: Annotated[
        str | None, typer.Option("--name", help="Who produces the exhibits (you, usually).")
    ] = None,
    initials: Annotated[
        str | None, typer.Option("--initials", help="For exhibit references, e.g. JS/1.")
    ] = None,
    as_json: JsonOption = False,
    timezone: Annotated[
        str, typer.Option("--timezone", help="Time zone the exports were made in.")
    ] = "Europe/London",
    region: Annotated[
        str | None,
        typer.Option(
            "--region",
            help="Country for phone numbers written without a country code, e.g. GB "
            "(default: the time zone's country).",
        ),
    ] = None,
) -> None:
    """Create a new encrypted case folder."""
    name = name or typer.prompt("Your name (the person producing these exhibits)")
    initials = check_initials(
        initials or typer.prompt("Initials for exhibit references", default=_initials_of(name))
    )
    passphrase = read_passphrase(confirm=True)
    if region:
        region = check_region(region)
    with Case.create(case, passphrase, Producer(name.strip(), initials), timezone, region=region) as created:
        case_id = created.keys.case_id
        region = created.region
    if as_json:
        print_json(
            {
                "case": str(case),
                "case_id": case_id,
                "initials": initials,
                "timezone": timezone,
                "region": region,
            }
        )
        return
    console.print("Case created in ", end="")
    console.print(identifier(str(case)), end="")
    console.print(f". Exhibits will be numbered {initials}/1, {initials}/2, …")
    console.print("Keep the passphrase safe: without it, nobody (including casetrail) can open this case.")


def exhibits(case: CaseOption = Path("."), as_json: JsonOption = False) -> None:
    """List every exhibit with its reference and SHA-256."""
    with open_case(case) as opened:
        items = list(list_exhibits(opened))
    if as_json:
        print_json([item.to_json() for item in items])
        return
    table = Table(title=f"{len(items)} exhibits")
    for column in ("Ref", "Original name", "Inside", "Size", "SHA-256"):
        table.add_column(column)
    for item in items:
        table.add_row(
            item.ref, identifier(item.original_name), item.inside or "", f"{item.size:,}", item.sha256
        )
    console.print(table)


def verify(
    case: CaseOption = Path("."),
    as_json: JsonOption = False,
    repair: Annotated[
        bool, typer.Option("--repair", help="Remove stored files left by interrupted imports.")
    ] = False,
) -> None:
    """Re-hash every exhibit and walk the audit chain; exits non-zero on any mismatch."""
    with open_case(case) as opened:
        report = verify_case(opened, repair=repair)
    if as_json:
        print_json({"ok": report.ok, "checks": [c.to_json() for c in report.checks]})
    else:
        for check in report.checks:
            mark = "[green]ok[/]  " if check.ok else "[bold red]FAIL[/]"
            subject = f" {check.subject}:" if check.subject else ""
            console.print(f"{mark} {check.name}{subject} ", end="")
            console.print(identifier(check.detail))
        console.print("All checks passed." if report.ok else "[bold red]Verification failed.[/]")
    if not report.ok:
        raise typer.Exit(2)
