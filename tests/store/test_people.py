"""People and accounts: links made by a person, suggestions never applied, the timeline per person."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from casetrail.errors import CasetrailError
from casetrail.store.audit_log import AuditEntry
from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from casetrail.store.people import (
    account_book,
    accounts_of_person,
    link,
    linked_people,
    suggest_links,
    unlink,
)
from casetrail.store.queries import TimelineFilter, timeline
from casetrail.store.tables import people, person_accounts
from tests.conftest import PASSPHRASE
from tests.helpers import files_containing, run_cli, write_chat
from tests.importers.sms_backup.support import backup, sms

T0 = 1_740_000_000_000


def read_entries(case: Case) -> list[AuditEntry]:
    with case.reader.connect() as conn:
        return list(case.audit.entries(conn))


def casey_everywhere(case: Case, folder: Path) -> None:
    """Casey writes by SMS from two numbers (one saved under her name) and on WhatsApp."""
    texts = [
        sms(T0, "first", address="07700900123", name="Casey Marsh"),
        sms(T0 + 60_000, "second", address="+44 7700 900123", name="Casey Marsh"),
        sms(T0 + 120_000, "from the new number", address="+447700900456", name="(Unknown)"),
        sms(T0 + 180_000, "from a friend", address="+447700900999", name="Sam Okafor"),
    ]
    import_file(case, backup(folder / "sms-1.xml", "smses", texts))
    chat = ["19/02/2025, 21:30 - Casey Marsh: on whatsapp now", "19/02/2025, 21:31 - Robin Hale: please stop"]
    import_file(case, write_chat(folder / "WhatsApp Chat with Casey Marsh.txt", chat))


def test_the_case_region_reads_national_numbers(tmp_path: Path) -> None:
    with Case.create(tmp_path / "gb", PASSPHRASE, Producer("Robin Hale", "RH")) as case:
        assert case.region == "GB"  # from Europe/London
    with Case.create(tmp_path / "us", PASSPHRASE, Producer("Robin Hale", "RH"), "UTC", region="us") as case:
        assert case.region == "US"
    with pytest.raises(CasetrailError, match="country code"):
        Case.create(tmp_path / "bad", PASSPHRASE, Producer("Robin Hale", "RH"), region="XX")


def test_account_book_joins_one_number_however_it_was_written(new_case: Case, tmp_path: Path) -> None:
    casey_everywhere(new_case, tmp_path)
    book = {entry.id: entry for entry in account_book(new_case)}
    assert set(book) == {
        "phone:+447700900123",
        "phone:+447700900456",
        "phone:+447700900999",
        "whatsapp:Casey Marsh",
        "whatsapp:Robin Hale",
    }
    casey = book["phone:+447700900123"]
    assert (casey.events, dict(casey.channels), list(casey.names)) == (2, {"sms": 2}, ["Casey Marsh"])
    assert casey.first_us is not None and casey.last_us == casey.first_us + 60_000_000


def test_suggestions_are_only_suggestions(new_case: Case, tmp_path: Path) -> None:
    casey_everywhere(new_case, tmp_path)
    suggestions = suggest_links(account_book(new_case))
    assert [(s.accounts, s.reason) for s in suggestions] == [
        (("phone:+447700900123", "whatsapp:Casey Marsh"), "the same name shown: 'casey marsh'")
    ]
    assert linked_people(new_case) == {}  # nothing was linked by suggesting


def test_link_then_timeline_for_the_person(new_case: Case, tmp_path: Path) -> None:
    casey_everywhere(new_case, tmp_path)
    linked = link(new_case, "Casey  Marsh", ["07700 900123", "+447700900456", "whatsapp:Casey Marsh"])
    assert linked == ["phone:+447700900123", "phone:+447700900456", "whatsapp:Casey Marsh"]
    accounts = accounts_of_person(new_case, "casey marsh")
    assert accounts is not None
    shown = timeline(new_case, TimelineFilter(accounts=accounts, region="GB"), limit=None)
    assert [e.text for e in shown] == ["first", "second", "from the new number", "on whatsapp now"]
    assert not suggest_links(account_book(new_case))  # all already hers
    entries = [e for e in read_entries(new_case) if e.action == "accounts linked"]
    assert [e.details["person"] for e in entries] == ["Casey Marsh"]


def test_an_account_belongs_to_one_person_and_unlinking_is_recorded(new_case: Case) -> None:
    link(new_case, "Casey Marsh", ["07700 900123"])
    link(new_case, "Casey Marsh", ["+44 7700 900123"])  # the same account again: nothing new
    with pytest.raises(CasetrailError, match="already linked to someone else"):
        link(new_case, "Jordan Vale", ["+447700900123", "jordan@example.org"])
    assert linked_people(new_case) == {"Casey Marsh": ["phone:+447700900123"]}  # all or nothing
    assert unlink(new_case, ["07700900123", "nobody@example.org"]) == ["phone:+447700900123"]
    link(new_case, "Jordan Vale", ["+447700900123"])
    assert linked_people(new_case) == {"Casey Marsh": [], "Jordan Vale": ["phone:+447700900123"]}
    assert [e.action for e in read_entries(new_case)][-3:] == [
        "accounts linked",
        "accounts unlinked",
        "accounts linked",
    ]


def test_names_and_accounts_are_sealed(new_case: Case) -> None:
    link(new_case, "Quillon Vantablack", ["quillon.vantablack@example.org"])
    with new_case.reader.connect() as conn:
        assert conn.execute(select(people)).first() is not None
        assert conn.execute(select(person_accounts)).first() is not None
    new_case.close()
    assert files_containing(new_case.layout.root, "Quillon") == []
    assert files_containing(new_case.layout.root, "vantablack") == []


def test_cli_person_link_list_suggest_accounts_and_timeline(new_case: Case, tmp_path: Path) -> None:
    casey_everywhere(new_case, tmp_path)
    root = str(new_case.layout.root)
    new_case.close()

    def ok(*args: str) -> dict[str, object]:
        result = run_cli(*args, "--case", root, "--json")
        assert result.returncode == 0, result.stderr
        loaded: dict[str, object] = json.loads(result.stdout)
        return loaded

    suggested = ok("person", "suggest")
    assert suggested["suggestions"] == [
        {
            "accounts": ["phone:+447700900123", "whatsapp:Casey Marsh"],
            "reason": "the same name shown: 'casey marsh'",
        }
    ]
    ok("person", "link", "Casey Marsh", "07700 900123", "whatsapp:Casey Marsh")
    assert ok("person", "list")["people"] == [
        {"name": "Casey Marsh", "accounts": ["phone:+447700900123", "whatsapp:Casey Marsh"]}
    ]
    listed = ok("accounts")["accounts"]
    assert isinstance(listed, list) and listed[0]["person"] == "Casey Marsh"
    events = ok("timeline", "--person", "casey marsh")["events"]
    assert isinstance(events, list)
    assert [e["text"] for e in events] == ["first", "second", "on whatsapp now"]
    refused = run_cli("person", "link", "Someone", "not an account", "--case", root)
    assert refused.returncode != 0 and "CHANNEL:HANDLE" in refused.stderr


def test_names_and_accounts_reach_the_terminal_escaped(new_case: Case) -> None:
    root = str(new_case.layout.root)
    new_case.close()
    hostile = "Casey\u202eMarsh\x1b[2J"
    linked = run_cli("person", "link", hostile, "whatsapp:Casey\u200bM", "--case", root)
    listed = run_cli("person", "list", "--case", root)
    for shown in (linked, listed):
        assert shown.returncode == 0, shown.stderr
        assert "\u202e" not in shown.stdout and "\x1b" not in shown.stdout and "\u200b" not in shown.stdout
    as_json = json.loads(run_cli("person", "list", "--case", root, "--json").stdout)
    assert as_json["people"][0]["name"] == hostile  # the value itself is kept exactly
