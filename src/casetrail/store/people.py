"""People and the accounts they use: linked by a person, suggested by casetrail, never linked silently.

An officer needs "everything from him", not "everything from +44 7700 900123". The accounts come from
the events themselves (model/accounts.py); a person (the suspect, usually) is linked to the ones
someone has confirmed are theirs, and the timeline can then be asked for that person.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, select

from casetrail.crypto.keys import keyed_hash
from casetrail.errors import CasetrailError
from casetrail.model.accounts import event_accounts, parse_account
from casetrail.model.timestamps import from_micros
from casetrail.store.audit_log import utc_now
from casetrail.store.case import Case
from casetrail.store.exhibits import inserted_id
from casetrail.store.queries import BlockReader
from casetrail.store.tables import event_blocks, people, person_accounts


@dataclass
class AccountSeen:
    """An account as the events show it: how often, on which channels, under which names, when."""

    id: str
    events: int = 0
    channels: Counter[str] = field(default_factory=Counter)
    names: Counter[str] = field(default_factory=Counter)
    first_us: int | None = None
    last_us: int | None = None
    person: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "account": self.id,
            "events": self.events,
            "channels": dict(self.channels),
            "names": [name for name, _count in self.names.most_common()],
            "first": _iso(from_micros(self.first_us)),
            "last": _iso(from_micros(self.last_us)),
            "person": self.person,
        }


@dataclass(frozen=True)
class Suggestion:
    """Accounts that may belong to one person, and why; a person decides."""

    accounts: tuple[str, ...]
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"accounts": list(self.accounts), "reason": self.reason}


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat().replace("+00:00", "Z") if moment else None


def _folded(name: str) -> str:
    """A name as compared: case and runs of spaces do not matter."""
    return " ".join(name.casefold().split())


def _name_key(case: Case, name: str) -> str:
    return keyed_hash(case.keys.index, b"person|" + _folded(name).encode())


def _account_key(case: Case, account: str) -> str:
    return keyed_hash(case.keys.index, b"account|" + account.encode())


def linked_people(case: Case, conn: Connection | None = None) -> dict[str, list[str]]:
    """Every person with the accounts linked to them (names as first written)."""
    if conn is None:
        with case.reader.connect() as reading:
            return linked_people(case, reading)
    names = {
        row.id: str(case.fields.open_json(row.name_enc, f"people.name:{row.name_key}"))
        for row in conn.execute(select(people)).all()
    }
    found: dict[str, list[str]] = {name: [] for name in names.values()}
    for row in conn.execute(select(person_accounts)).all():
        account = str(case.fields.open_json(row.account_enc, f"person_accounts.account:{row.account_key}"))
        found[names[row.person_id]].append(account)
    return {name: sorted(accounts) for name, accounts in found.items()}


def accounts_of_person(case: Case, name: str) -> frozenset[str] | None:
    """The accounts linked to a person, or None when no person has that name (found by keyed name)."""
    with case.reader.connect() as conn:
        person_id = conn.execute(
            select(people.c.id).where(people.c.name_key == _name_key(case, name))
        ).scalar()
        if person_id is None:
            return None
        rows = conn.execute(select(person_accounts).where(person_accounts.c.person_id == person_id)).all()
    return frozenset(
        str(case.fields.open_json(row.account_enc, f"person_accounts.account:{row.account_key}"))
        for row in rows
    )


def link(case: Case, name: str, specs: list[str], actor: str | None = None) -> list[str]:
    """Link accounts to a person (created on first use); returns the account ids linked.

    An account already linked to someone else is refused: unlink it first, so a mistaken link is
    always a visible, audited step.
    """
    name = " ".join(name.split())
    if not name:
        raise CasetrailError("Please give the person's name.")
    accounts = _parse_all(case, specs)
    with case.write() as conn:
        key = _name_key(case, name)
        person_id = conn.execute(select(people.c.id).where(people.c.name_key == key)).scalar()
        if person_id is None:
            sealed = case.fields.seal_json(name, f"people.name:{key}")
            person_id = inserted_id(
                conn.execute(people.insert().values(name_key=key, name_enc=sealed, added_at=utc_now()))
            )
        for account in accounts:
            account_key = _account_key(case, account)
            owner = conn.execute(
                select(person_accounts.c.person_id).where(person_accounts.c.account_key == account_key)
            ).scalar()
            if owner == person_id:
                continue
            if owner is not None:
                raise CasetrailError(
                    f"{account} is already linked to someone else. Unlink it first "
                    "('casetrail person unlink'). Nothing was changed."
                )
            sealed = case.fields.seal_json(account, f"person_accounts.account:{account_key}")
            conn.execute(
                person_accounts.insert().values(
                    account_key=account_key, person_id=person_id, account_enc=sealed, linked_at=utc_now()
                )
            )
        case.audit.append(
            conn, "accounts linked", actor or case.producer.name, {"person": name, "accounts": accounts}
        )
    return accounts


def unlink(case: Case, specs: list[str], actor: str | None = None) -> list[str]:
    """Unlink accounts from whoever they were linked to; returns those that were linked."""
    accounts = _parse_all(case, specs)
    removed: list[str] = []
    with case.write() as conn:
        for account in accounts:
            outcome = conn.execute(
                delete(person_accounts).where(person_accounts.c.account_key == _account_key(case, account))
            )
            if outcome.rowcount:
                removed.append(account)
        if removed:
            case.audit.append(conn, "accounts unlinked", actor or case.producer.name, {"accounts": removed})
    return removed


def _parse_all(case: Case, specs: list[str]) -> list[str]:
    if not specs:
        raise CasetrailError("Please name at least one account (a number, an address or CHANNEL:HANDLE).")
    try:
        return list(dict.fromkeys(parse_account(spec, case.region) for spec in specs))
    except ValueError as error:
        raise CasetrailError(f"{error}. Nothing was changed.") from None


def account_book(case: Case, channels: tuple[str, ...] = ()) -> list[AccountSeen]:
    """Every account the case's events name (on ``channels``, or all), most active first (one pass
    over every block)."""
    region = case.region
    seen: dict[str, AccountSeen] = {}
    owners = {account: person for person, accounts in linked_people(case).items() for account in accounts}
    query = select(event_blocks.c.id, event_blocks.c.channel)
    if channels:
        query = query.where(event_blocks.c.channel.in_(channels))
    with case.reader.connect() as conn:
        reader = BlockReader(case, conn)
        for block_id, channel in conn.execute(query).all():
            for event in reader.events(block_id):
                for account in event_accounts(channel, event.sender, event.recipients, event.details, region):
                    entry = seen.get(account.id)
                    if entry is None:
                        entry = seen[account.id] = AccountSeen(account.id, person=owners.get(account.id))
                    entry.events += 1
                    entry.channels[channel] += 1
                    if account.name:
                        entry.names[account.name] += 1
                    if event.occurred_us is not None:
                        moment = event.occurred_us
                        entry.first_us = moment if entry.first_us is None else min(entry.first_us, moment)
                        entry.last_us = moment if entry.last_us is None else max(entry.last_us, moment)
    return sorted(seen.values(), key=lambda a: (-a.events, a.id))


def suggest_links(book: list[AccountSeen]) -> list[Suggestion]:
    """Accounts that may be one person's: the same name shown, or the same e-mail local part.

    Only suggestions: accounts already linked to the same person are left out, and nothing is linked.
    """
    groups: dict[tuple[str, str], set[str]] = defaultdict(set)
    for account in book:
        handle = account.id.split(":", 1)[1]
        if account.id.startswith("email:"):
            groups[("the same e-mail name before the @", handle.split("@", 1)[0].casefold())].add(account.id)
        elif not account.id.startswith("phone:"):
            groups[("the same name shown", _folded(handle))].add(account.id)
        for name in account.names:
            groups[("the same name shown", _folded(name))].add(account.id)
    owner = {account.id: account.person for account in book}
    found: list[Suggestion] = []
    for (reason, value), accounts in sorted(groups.items()):
        if len(accounts) < 2 or not value:
            continue
        people_linked = {owner[a] for a in accounts}
        if len(people_linked) == 1 and None not in people_linked:
            continue  # already one person's
        found.append(Suggestion(tuple(sorted(accounts)), f"{reason}: {value!r}"))
    return found
