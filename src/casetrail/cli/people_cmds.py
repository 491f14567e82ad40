"""`person` and `accounts`: join the many accounts one person uses, by a person's decision."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from casetrail.cli.console import console, print_json
from casetrail.cli.options import ActorOption, CaseOption, JsonOption, open_case
from casetrail.render.terminal import identifier
from casetrail.store.people import account_book, link, linked_people, suggest_links, unlink

person_app = typer.Typer(
    help="Link the accounts one person uses (numbers, addresses, handles) so they can be seen together.",
    no_args_is_help=True,
)
AccountsArgument = Annotated[
    list[str],
    typer.Argument(
        help="Accounts: a phone number, an e-mail address, or CHANNEL:HANDLE (e.g. instagram:some.name). "
        "'casetrail accounts' lists those in the case.",
        show_default=False,
    ),
]


@person_app.command("link")
def person_link(
    name: Annotated[str, typer.Argument(help="The person's name, as you want it shown.")],
    accounts: AccountsArgument,
    case: CaseOption = Path("."),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Link accounts to a person (created if new). Each link is recorded in the audit log."""
    with open_case(case) as opened:
        linked = link(opened, name, accounts, actor)
    if as_json:
        print_json({"person": " ".join(name.split()), "linked": linked})
        return
    console.print(Text("Linked to ").append(identifier(" ".join(name.split()))).append(":"))
    for account in linked:
        console.print(Text("  ").append(identifier(account)))


@person_app.command("unlink")
def person_unlink(
    accounts: AccountsArgument,
    case: CaseOption = Path("."),
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Remove accounts from the person they were linked to (recorded in the audit log)."""
    with open_case(case) as opened:
        removed = unlink(opened, accounts, actor)
    if as_json:
        print_json({"unlinked": removed})
        return
    if not removed:
        console.print("None of those accounts was linked to anyone. Nothing was changed.")
    for account in removed:
        console.print(Text("Unlinked ").append(identifier(account)))


@person_app.command("list")
def person_list(case: CaseOption = Path("."), as_json: JsonOption = False) -> None:
    """Everyone accounts have been linked to, with their accounts."""
    with open_case(case) as opened:
        found = linked_people(opened)
    if as_json:
        print_json({"people": [{"name": n, "accounts": a} for n, a in found.items()]})
        return
    if not found:
        console.print("No one yet. Link accounts with 'casetrail person link NAME ACCOUNT…'.")
    for name, accounts in found.items():
        console.print(identifier(name))
        for account in accounts:
            console.print(Text("  ").append(identifier(account)))


@person_app.command("suggest")
def person_suggest(case: CaseOption = Path("."), as_json: JsonOption = False) -> None:
    """Accounts that may belong to one person. Nothing is linked until you link it."""
    with open_case(case) as opened:
        suggestions = suggest_links(account_book(opened))
    if as_json:
        print_json({"suggestions": [s.to_json() for s in suggestions]})
        return
    if not suggestions:
        console.print("No likely links found.")
        return
    for suggestion in suggestions:
        console.print(Text("Maybe one person (").append(identifier(suggestion.reason)).append("):"))
        for account in suggestion.accounts:
            console.print(Text("  ").append(identifier(account)))
    console.print("To link them: casetrail person link NAME ACCOUNT…", style="dim")


def accounts(case: CaseOption = Path("."), as_json: JsonOption = False) -> None:
    """Every account the case's events name: how often, on which channels, and whose it is."""
    with open_case(case) as opened:
        book = account_book(opened)
    if as_json:
        print_json({"accounts": [entry.to_json() for entry in book]})
        return
    if not book:
        console.print("No accounts yet: import some exports first.")
        return
    table = Table(expand=True)
    table.add_column("Account", overflow="fold", ratio=2)
    table.add_column("Events", justify="right")
    table.add_column("Channels", overflow="fold")
    table.add_column("Names shown", overflow="fold", ratio=1)
    table.add_column("Person", overflow="fold")
    for entry in book:
        names = ", ".join(name for name, _count in entry.names.most_common(3))
        table.add_row(
            identifier(entry.id),
            str(entry.events),
            ", ".join(entry.channels),
            identifier(names) if names else Text("—", style="dim"),
            identifier(entry.person) if entry.person else Text("—", style="dim"),
        )
    console.print(table)
