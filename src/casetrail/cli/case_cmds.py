"""`init`, `exhibits` and `verify`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from casetrail.cli.console import console, print_json
from casetrail.cli.options import CaseOption, JsonOption, open_case, read_passphrase, read_secret
from casetrail.render.terminal import identifier
from casetrail.store.case import Case, Producer, check_initials, check_region
from casetrail.store.queries import list_exhibits
from casetrail.store.verify import EARLIER_PACK, EarlierPack, verify_case


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
    pack: Annotated[
        Path | None,
        typer.Option(
            "--pack",
            help="An earlier pack of this case (folder, zip or age file): the case's audit log must "
            "still begin with the entries it recorded.",
        ),
    ] = None,
    identity: Annotated[
        Path | None, typer.Option("--identity", help="The age private key file, for an encrypted --pack.")
    ] = None,
) -> None:
    """Re-hash every exhibit and walk the audit chain; exits non-zero on any mismatch.

    With --pack, also check that the case still holds every audit entry an earlier pack recorded.
    """
    earlier, about_pack = _read_pack(pack, identity) if pack is not None else (None, {})
    with open_case(case) as opened:
        report = verify_case(opened, repair=repair, earlier=earlier)
    if as_json:
        result: dict[str, Any] = {"ok": report.ok, "checks": [c.to_json() for c in report.checks]}
        if earlier is not None:
            pack_checks = [c.ok for c in report.checks if c.name == EARLIER_PACK]
            result["pack"] = {**about_pack, "ok": bool(pack_checks) and all(pack_checks)}
        print_json(result)
    else:
        for check in report.checks:
            mark = "[green]ok[/]  " if check.ok else "[bold red]FAIL[/]"
            subject = f" {check.subject}:" if check.subject else ""
            console.print(f"{mark} {check.name}{subject} ", end="")
            console.print(identifier(check.detail))
        console.print("All checks passed." if report.ok else "[bold red]Verification failed.[/]")
    if not report.ok:
        raise typer.Exit(2)


def _read_pack(path: Path, identity: Path | None) -> tuple[EarlierPack, dict[str, Any]]:
    """The audit entries an earlier pack recorded, and what to say about it in --json.

    Read before the case is opened, so a pack that cannot be read stops the command early.
    """
    from casetrail.cli.pack_cmds import PACK_PASSPHRASE_ENV
    from casetrail.pack.verify import AGE_MAGIC, read_pack_audit

    passphrase = None
    if identity is None and path.is_file():
        with path.open("rb") as probe:
            if probe.read(len(AGE_MAGIC)) == AGE_MAGIC:
                passphrase = read_secret(PACK_PASSPHRASE_ENV, "The pack's passphrase", what="pack passphrase")
    recorded = read_pack_audit(path, identity, passphrase)
    about = {
        "path": str(path),
        "manifest_sha256": recorded.manifest_sha256,
        "entries": recorded.size,
        "merkle_root": recorded.root,
    }
    return EarlierPack(path.name, recorded.case_id, recorded.entries, recorded.root, recorded.problems), about
