"""`pack` and `verify-pack`: the evidence bundle for an officer, and the check anyone can run on it."""

from __future__ import annotations

import tempfile
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from casetrail.cli.console import console, print_json
from casetrail.cli.options import (
    CaseOption,
    JsonOption,
    PersonOption,
    linked_accounts,
    open_case,
    parse_moment,
    read_secret,
)
from casetrail.errors import CasetrailError
from casetrail.render.terminal import identifier
from casetrail.store.case import Case

if TYPE_CHECKING:
    from casetrail.pack.scope import PackScope

PACK_PASSPHRASE_ENV = "CASETRAIL_PACK_PASSPHRASE"  # noqa: S105  (a variable name, not a secret)
UNPROTECTED = (
    "This pack is NOT encrypted: anyone who gets these files can read every message and see every "
    "photo in them. Keep them somewhere safe, and delete copies you no longer need."
)


def pack(
    out: Annotated[Path, typer.Option("--out", help="Where to write the pack (a new file or folder).")],
    recipient: Annotated[
        list[str] | None,
        typer.Option("--recipient", help="An officer's age public key (age1…); can be given more than once."),
    ] = None,
    no_encrypt: Annotated[
        bool, typer.Option("--no-encrypt", help="Write a plain folder and a zip of it, unprotected.")
    ] = False,
    person: PersonOption = None,
    withhold: Annotated[
        list[str] | None,
        typer.Option(
            "--withhold",
            help="Leave this exhibit (and any inside it) out, e.g. an intimate image; "
            "it is listed with its hash.",
        ),
    ] = None,
    include: Annotated[
        list[str] | None,
        typer.Option(
            "--include",
            help="Carry this exhibit although it may be an intimate image (left out unless asked for).",
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only from this date (YYYY-MM-DD[THH:MM]).")
    ] = None,
    until: Annotated[str | None, typer.Option("--until", help="Only up to and including this date.")] = None,
    channel: Annotated[list[str] | None, typer.Option("--channel", help="Only these channels.")] = None,
    only: Annotated[
        list[str] | None,
        typer.Option("--only", help="Only contact with this linked person (and the diary); repeatable."),
    ] = None,
    redact: Annotated[
        bool,
        typer.Option(
            "--redact",
            help="Replace other people's names and numbers, and leave out every original, for sharing "
            "with an advocate or a platform (needs --person).",
        ),
    ] = False,
    case: CaseOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Write the evidence pack: every exhibit byte for byte, the timeline (CSV and JSON lines), the
    report (HTML and PDF) and a manifest of SHA-256 hashes; encrypted with age unless --no-encrypt."""
    from casetrail.pack import age_files  # the PDF and chart libraries load only when a pack is made
    from casetrail.pack.bundle import write_pack

    passphrase = None
    if not no_encrypt and not recipient:
        passphrase = read_secret(
            PACK_PASSPHRASE_ENV, "A passphrase for the pack (tell the officer it separately)",
            what="pack passphrase", confirm=True,
        )  # fmt: skip
    held_back = frozenset(ref.strip().upper() for ref in withhold or [])
    carried = frozenset(ref.strip().upper() for ref in include or [])
    with open_case(case) as opened:
        linked = linked_accounts(opened, person)
        scope = _scope(opened, since, until, channel or [], only or [])
        if no_encrypt:
            _folder, result = write_pack(
                opened, out, linked, person, held_back, scope=scope, include=carried, redact=redact
            )
        else:
            if out.exists():
                raise CasetrailError(f"{out} already exists. Choose a new name; nothing was written.")
            with tempfile.TemporaryDirectory(prefix=".casetrail-pack-", dir=out.parent) as scratch:
                folder, plain = write_pack(
                    opened,
                    Path(scratch) / "pack",
                    linked,
                    person,
                    held_back,
                    scope=scope,
                    include=carried,
                    redact=redact,
                )
                zipped = folder.with_name(folder.name + ".zip")
                age_files.encrypt(zipped, out, recipients=recipient, passphrase=passphrase)
            # The plain copy was in the temporary folder, removed on leaving it.
            result = replace(plain, folder=None, zip_path=None, encrypted=out)
    if as_json:
        print_json({**result.to_json(), "encrypted_with": "none" if no_encrypt else "age"})
        return
    where = result.encrypted or result.folder
    console.print(f"Pack written: {where} ({result.exhibits} exhibits, {result.events:,} events", end="")
    console.print(f", {result.withheld} withheld)." if result.withheld else ").")
    if no_encrypt:
        console.print(f"Also as one zip: {result.zip_path}")
        console.print(UNPROTECTED, style="bold yellow")
    else:
        console.print("Encrypted with age: open it with 'age -d' and the key or passphrase.")
    console.print("Manifest fingerprint (SHA-256), to note down and give the officer separately:")
    console.print(f"  {result.fingerprint}")


def _scope(
    case: Case, since: str | None, until: str | None, channels: list[str], only: list[str]
) -> PackScope:
    from casetrail.pack.scope import PackScope

    accounts: set[str] = set()
    for name in only:
        accounts |= linked_accounts(case, name) or frozenset()
    zone = case.timezone
    return PackScope(
        since=parse_moment(since, zone),
        until=parse_moment(until, zone, end=True),
        channels=tuple(channels),
        people=tuple(only),
        accounts=frozenset(accounts),
    )


def verify_pack_cmd(
    bundle: Annotated[Path, typer.Argument(help="A pack folder, its zip, or the age-encrypted zip.")],
    identity: Annotated[
        Path | None, typer.Option("--identity", help="The age private key file, for an encrypted pack.")
    ] = None,
    expect: Annotated[
        str | None, typer.Option("--expect", help="The manifest fingerprint noted when the pack was made.")
    ] = None,
    against: Annotated[
        Path | None,
        typer.Option(
            "--against", help="An earlier pack of the same case: its audit log must be this one's start."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Check a pack against its manifest: every exhibit and file re-hashed. No case passphrase needed."""
    from casetrail.pack.verify import AGE_MAGIC, verify_pack

    passphrase = None
    if identity is None and bundle.is_file():
        with bundle.open("rb") as probe:
            if probe.read(len(AGE_MAGIC)) == AGE_MAGIC:
                passphrase = read_secret(PACK_PASSPHRASE_ENV, "The pack's passphrase", what="pack passphrase")
    result = verify_pack(bundle, identity=identity, passphrase=passphrase, expect=expect, against=against)
    if as_json:
        print_json(result.to_json())
    else:
        checked = f"{result.exhibits_checked} exhibits and {result.files_checked} files checked"
        if result.ok:
            console.print(f"The pack matches its manifest ({checked}).", style="green")
        else:
            console.print(f"The pack does NOT match its manifest ({checked}):", style="bold red")
            for problem in result.problems:
                console.print(identifier(f"  {problem}"))
        console.print(f"Manifest fingerprint: {result.manifest_sha256}")
    if not result.ok:
        raise typer.Exit(3)
