"""`passphrase change` and `expunge`: looking after a case over the years it is kept.

Neither takes anything secret or sensitive on the command line (shell history, process listings):
the new passphrase comes from a hidden prompt or $CASETRAIL_NEW_PASSPHRASE, and the reason for an
expunge from a file or stdin.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from casetrail.cli.console import console, print_json
from casetrail.cli.options import ActorOption, CaseOption, JsonOption, open_case, read_secret
from casetrail.errors import CasetrailError
from casetrail.render.terminal import identifier
from casetrail.store.expunge import expunge as expunge_exhibit
from casetrail.store.expunge import plan_expunge
from casetrail.store.rekey import change_passphrase

NEW_PASSPHRASE_ENV = "CASETRAIL_NEW_PASSPHRASE"  # noqa: S105  (a variable name, not a secret)

passphrase_app = typer.Typer(help="Change the passphrase that unlocks a case.", no_args_is_help=True)


def _read_new_passphrase() -> str:
    return read_secret(NEW_PASSPHRASE_ENV, "New passphrase", what="new passphrase", confirm=True)


@passphrase_app.command("change")
def change(
    case: CaseOption = Path("."),
    as_json: JsonOption = False,
    stronger: Annotated[
        bool,
        typer.Option("--stronger", help="Also raise the key-stretching cost to today's recommended level."),
    ] = False,
) -> None:
    """Change the passphrase (asks for the current one, then the new one twice)."""
    with open_case(case) as opened:
        params = change_passphrase(opened, _read_new_passphrase(), stronger=stronger)
    if as_json:
        print_json({"case": str(case), "passphrase_changed": True, "kdf": params.to_dict()})
        return
    console.print("Passphrase changed. From now on, open this case with the new passphrase.")
    console.print(
        "Your evidence was not re-encrypted, so a copy of case.json saved before today still opens "
        "with the old passphrase. If you keep such copies, replace them with new ones."
    )


def _read_reason(source: str) -> str:
    raw = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
    return raw.strip()


def expunge(
    ref: Annotated[str, typer.Argument(help="The exhibit reference, e.g. RH/2.", show_default=False)],
    reason_from_file: Annotated[
        str,
        typer.Option(
            "--reason-from-file",
            help="Why it is removed, for the (encrypted) audit log: a file, or - for stdin.",
            show_default=False,
        ),
    ],
    case: CaseOption = Path("."),
    as_json: JsonOption = False,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation.")] = False,
    actor: ActorOption = None,
) -> None:
    """Permanently remove an exhibit you want gone, and the events found only in it."""
    reason = _read_reason(reason_from_file)
    if not reason:
        raise CasetrailError("Please give a reason for the audit log (it is stored encrypted).")
    with open_case(case) as opened:
        with opened.reader.connect() as conn:
            plan = plan_expunge(opened, conn, ref)
        if not yes:
            _confirm(plan.ref, plan.original_name, len(plan.members), len(plan.dropped))
        done = expunge_exhibit(opened, ref, reason, actor)
    if as_json:
        print_json(done.to_json())
        return
    console.print(
        f"{done.ref} has been expunged: {len(done.dropped)} events found only in it were removed", end=""
    )
    console.print(f", and {len(done.members)} files inside it." if done.members else ".")
    if done.kept_members:
        console.print(f"Kept, because another export also holds them: {', '.join(done.kept_members)}.")
    console.print("Other exhibits keep their references. The audit log records the removal and your reason.")
    if not done.wal_cleared:
        console.print(
            "Another casetrail command was reading the case, so old copies of changed pages are still "
            "in case.db-wal (encrypted). They are cleared the next time the case is written."
        )


def _confirm(ref: str, name: str, members: int, event_count: int) -> None:
    if not sys.stdin.isatty():
        raise CasetrailError("To expunge without a terminal, add --yes. Nothing was changed.")
    console.print(f"This permanently removes {ref} (", end="")
    console.print(identifier(name), end="")
    inside = f", the {members} files inside it" if members else ""
    console.print(f"){inside} and {event_count} events found only in it. It cannot be undone.")
    if not typer.confirm("Expunge it?", default=False):
        raise CasetrailError("Nothing was changed.")
