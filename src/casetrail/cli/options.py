"""Options shared by every command, and how a case is unlocked from the command line."""

from __future__ import annotations

import os
import sys
from datetime import datetime, timedelta
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer

from casetrail.errors import CasetrailError
from casetrail.ingest.localtime import to_utc
from casetrail.store.case import Case
from casetrail.store.people import accounts_of_person

PASSPHRASE_ENV = "CASETRAIL_PASSPHRASE"  # noqa: S105  (a variable name, not a secret)

CaseOption = Annotated[
    Path,
    typer.Option(
        "--case",
        envvar="CASETRAIL_CASE",
        help="Case folder (default: $CASETRAIL_CASE, else the current folder).",
        show_default=False,
    ),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable JSON output.")]
PersonOption = Annotated[
    str | None,
    typer.Option(
        "--person", help="A person linked with 'casetrail person link' (default: all incoming contact)."
    ),
]
ActorOption = Annotated[
    str | None,
    typer.Option("--actor", help="Who is doing this, for the audit log (default: the case's producer)."),
]


def read_secret(variable: str, prompt: str, *, what: str, confirm: bool = False) -> str:
    """A secret from an environment variable (scripts, tests) or a hidden prompt; never from an option."""
    from_env = os.environ.get(variable)
    if from_env:
        return from_env
    if not sys.stdin.isatty():
        raise CasetrailError(
            f"No {what}: run this in a terminal to be asked for it, or set {variable}. Nothing was changed."
        )
    value: str = typer.prompt(prompt, hide_input=True, confirmation_prompt=confirm)
    return value


def read_passphrase(*, confirm: bool = False) -> str:
    """The case passphrase; when choosing a new one (``confirm``), at least 8 characters."""
    passphrase = read_secret(PASSPHRASE_ENV, "Case passphrase", what="passphrase", confirm=confirm)
    if confirm and len(passphrase) < 8:
        raise CasetrailError("Please choose a passphrase of at least 8 characters (several words is best).")
    return passphrase


def open_case(path: Path) -> Case:
    return Case.open(path, read_passphrase())


def linked_accounts(case: Case, person: str | None) -> frozenset[str] | None:
    """The accounts linked to ``person``; None when no person is named (all incoming contact)."""
    if not person:
        return None
    accounts = accounts_of_person(case, person)
    if accounts is None:
        raise CasetrailError(
            "No one of that name is linked. See 'casetrail person list', or link accounts first."
        )
    return accounts


def parse_moment(value: str | None, zone: ZoneInfo, *, end: bool = False) -> datetime | None:
    """A date (whole day) or date and time, in the case's time zone."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CasetrailError(f"{value!r} is not a date like 2025-03-14 or 2025-03-14T18:40.") from None
    if end:  # an inclusive end: the whole day for a date, the exact moment otherwise
        moment += timedelta(days=1) if len(value) <= 10 else timedelta(microseconds=1)
    return to_utc(moment, zone)[0] if moment.tzinfo is None else moment
