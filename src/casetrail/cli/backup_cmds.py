"""`backup`, `restore` and `migrate`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from casetrail.cli.console import console, print_json
from casetrail.cli.options import CaseOption, JsonOption, read_passphrase
from casetrail.render.terminal import identifier
from casetrail.store.backup import create_backup, restore_backup
from casetrail.store.case import Case
from casetrail.store.migrate import migrate_case

OutOption = Annotated[
    Path,
    typer.Option(
        "--out", help="Backup file to write (a new file, outside the case folder).", show_default=False
    ),
]
BackupArgument = Annotated[Path, typer.Argument(help="A backup file made by 'casetrail backup'.")]


def backup(out: OutOption, case: CaseOption = Path("."), as_json: JsonOption = False) -> None:
    """Write an encrypted, consistent copy of the case to one file (safe while the case is in use)."""
    with Case.open(case, read_passphrase(), allow_old_schema=True) as opened:
        result = create_backup(opened, out)
    if as_json:
        print_json(result.to_json())
        return
    console.print("Backup written to ", end="")
    console.print(identifier(str(result.path)), end="")
    console.print(
        f": {result.exhibits} exhibits, audit log of {result.audit_size} entries, {result.size:,} bytes."
    )
    console.print("It stays encrypted: the case passphrase is needed to restore it.")


def restore(backup_file: BackupArgument, case: CaseOption = Path("."), as_json: JsonOption = False) -> None:
    """Restore a backup into a new, empty case folder, then verify it."""
    result = restore_backup(backup_file, case, read_passphrase())
    if as_json:
        print_json(result.to_json())
        return
    console.print("Case restored into ", end="")
    console.print(identifier(str(result.path)), end="")
    console.print(
        f" and verified: {result.exhibits} exhibits, audit log of {result.audit_size} entries intact."
    )
    if result.needs_migration:
        console.print(
            "This backup comes from an older casetrail version; run 'casetrail migrate' on the restored "
            "case before using it."
        )


def migrate(case: CaseOption = Path("."), as_json: JsonOption = False) -> None:
    """Update the case to this casetrail version's schema, in one step that is safe to interrupt."""
    with Case.open(case, read_passphrase(), allow_old_schema=True) as opened:
        result = migrate_case(opened)
    if as_json:
        print_json({"case": str(case), **result.to_json()})
        return
    if result.changed:
        console.print(f"The case was updated from schema {result.before} to {result.after}.")
    else:
        console.print(f"The case is already up to date (schema {result.after}). Nothing was changed.")
