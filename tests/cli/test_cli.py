"""The command line as a person or a script uses it: each test runs `python -m casetrail` in a process.

Cases are made in-process by the `new_case` fixture (cheap key derivation recorded in their header,
so the commands open them quickly); only `demo` derives a key at production cost.
"""

from __future__ import annotations

import hashlib
import json
import re
import subprocess
import sys
import zipfile
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from casetrail.store.case import Case
from casetrail.store.diary import save_entry
from casetrail.store.importing import import_file
from tests.conftest import PASSPHRASE
from tests.helpers import android_lines, count_events, make_zip, run_cli, snapshot, write_chat

WIDE = {"COLUMNS": "400"}  # so Rich does not wrap messages and help at 80 columns
UNAMBIGUOUS = datetime(2025, 1, 13, 9, 0)  # day 13: the date order is certain, so nothing is flagged
PHOTO = b"\xff\xd8\xff\xe0 a photo, as far as anyone here is concerned"
IOS_CHAT = (
    "[07/01/2025, 10:00:00] Casey Marsh: \u200e<attached: photo.jpg>\r\n"
    "[07/01/2025, 10:01:00] Casey Marsh: I know where you are\r\n"
).encode()


def cli(
    *args: str | Path, env: dict[str, str] | None = None, **kwargs: Any
) -> subprocess.CompletedProcess[str]:
    return run_cli(*[str(a) for a in args], env={**WIDE, **(env or {})}, **kwargs)


def ok_json(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def root_of(case: Case) -> Path:
    return case.layout.root


def media_zip(folder: Path) -> Path:
    return make_zip(folder / "export.zip", [("_chat.txt", IOS_CHAT), ("photo.jpg", PHOTO)])


# -- the command itself ------------------------------------------------------------------------------


def test_casetrail_without_arguments_lists_the_commands() -> None:
    result = cli()

    assert result.returncode in (0, 2)  # Typer's no_args_is_help: help, then exit 0 or 2 by version
    shown = result.stdout + result.stderr
    assert "Usage:" in shown
    assert re.search(r"^\W*import\s+Import exports", shown, re.MULTILINE)
    assert re.search(r"^\W*timeline\s+Show the case's events", shown, re.MULTILINE)


def test_init_refuses_a_folder_that_already_holds_a_case(new_case: Case) -> None:
    root = root_of(new_case)
    before = snapshot(root)

    result = cli("init", "--case", root, "--name", "Robin Hale", "--initials", "RH")

    assert result.returncode == 1
    assert result.stderr == f"Error: {root} already holds a casetrail case.\n"
    assert snapshot(root) == before


def test_init_explains_initials_that_are_not_letters(tmp_path: Path) -> None:
    result = cli("init", "--case", tmp_path / "new", "--name", "Jo Smith", "--initials", "J5")

    assert result.returncode == 1
    assert result.stderr == "Error: Initials must be 1 to 4 letters, for exhibit references such as JS/1.\n"
    assert not (tmp_path / "new").exists()


# -- import ------------------------------------------------------------------------------------------


def test_import_json_reports_every_file_and_a_bad_file_does_not_stop_the_others(
    new_case: Case, tmp_path: Path
) -> None:
    chat = write_chat(tmp_path / "chat.txt", android_lines(10, start=UNAMBIGUOUS))
    missing = tmp_path / "missing.txt"
    notes = tmp_path / "notes.txt"
    notes.write_text("shopping list\nmilk\neggs\n", "utf-8")
    archive = media_zip(tmp_path)

    result = cli("import", "--json", "--case", root_of(new_case), chat, missing, notes, archive)

    assert result.returncode == 3, result.stderr
    report = json.loads(result.stdout)
    assert report[0] == {
        "file": "chat.txt",
        "importer": "whatsapp",
        "exhibit": "RH/1",
        "new_exhibits": ["RH/1"],
        "events_added": 10,
        "duplicates_skipped": 0,
        "flagged_records": [],
        "flagged_total": 0,
        "notes": [],
        "conversation": None,
        "conversations": 0,
        "newly_flagged_missing": 0,
        "newly_flagged_changed": 0,
        "newly_flagged_same_id": 0,
        "time_span": {"first": "2025-01-13T09:00:00Z", "last": "2025-01-13T10:03:00Z"},  # GMT: UTC
        "accounts_seen": ["Casey Marsh", "Robin Hale"],
        "accounts_capped": False,
    }
    assert report[1] == {"file": str(missing), "error": f"{missing}: no such file", "place": None}
    assert report[2] == {
        "file": str(notes),
        "error": "notes.txt: no importer recognises this file "
        "(tried: android-apk, android-phone-data, diary, discord, eml, generic, instagram, iphone-backup, "
        "mbox, messenger, network-log, screenshot, signal, sms-backup, telegram, whatsapp, x-archive)",
        "place": None,
    }
    zipped = report[3]
    assert (zipped["file"], zipped["exhibit"], zipped["new_exhibits"]) == (
        "export.zip",
        "RH/2",
        ["RH/2", "RH/3", "RH/4"],
    )
    assert (zipped["events_added"], zipped["duplicates_skipped"], zipped["flagged_total"]) == (2, 0, 2)
    assert zipped["flagged_records"] == [
        {"locator": "_chat.txt:line 1", "flags": ["date-order-ambiguous"]},
        {"locator": "_chat.txt:line 2", "flags": ["date-order-ambiguous"]},
    ]
    assert len(report) == 4
    assert count_events(new_case) == 12


# -- log ---------------------------------------------------------------------------------------------


def test_log_saves_plain_text_or_a_json_entry_from_stdin(new_case: Case) -> None:
    root = root_of(new_case)
    plain = "He rang from a withheld number, eleven times.\nI did not answer.\n"
    incident = {
        "occurred_at": "2025-03-15T08:10",
        "kind": "in-person-incident",
        "channel": "in-person",
        "where": "Bus stop outside work",
        "what_happened": "He was standing at my bus stop.",
        "witnesses": ["Sam Okafor"],
    }

    first = ok_json(
        cli("log", "--case", root, "--when", "2025-03-14T18:40", "--from-file", "-", "--json", stdin=plain)
    )
    second = ok_json(cli("log", "--case", root, "--from-file", "-", "--json", stdin=json.dumps(incident)))
    events = ok_json(cli("timeline", "--case", root, "--json"))["events"]

    assert (first["exhibit"], first["version"], second["exhibit"], second["version"]) == (
        "RH/1",
        1,
        "RH/2",
        1,
    )
    assert [e["uid"] for e in events] == [first["uid"], second["uid"]]
    typed, told = events
    assert (typed["kind"], typed["channel"], typed["local_time"], typed["text"]) == (
        "diary-entry",
        "other",
        "2025-03-14T18:40",
        "He rang from a withheld number, eleven times.\nI did not answer.",
    )
    assert typed["sources"] == [
        {"exhibit": "RH/1", "scheme": "json-pointer", "value": "/entries/0", "member": None}
    ]
    assert (told["kind"], told["channel"], told["local_time"], told["text"]) == (
        "in-person-incident",
        "in-person",
        "2025-03-15T08:10",
        "He was standing at my bus stop.",
    )
    assert (told["details"]["where"], told["details"]["witnesses"]) == ("Bus stop outside work", "Sam Okafor")


def test_log_help_offers_no_option_that_takes_the_entry_text() -> None:
    result = cli("log", "--help")

    assert result.returncode == 0
    options = set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", result.stdout))
    expected = {
        "--case",
        "--when",
        "--channel",
        "--kind",
        "--from-file",
        "--editor",
        "--amend",
        "--json",
        "--actor",
    }
    assert options == expected | {"--help"}


def test_log_amend_saves_a_second_version_that_keeps_what_was_not_changed(new_case: Case) -> None:
    root = root_of(new_case)
    entry = {
        "occurred_at": "2025-03-15T08:10",
        "kind": "in-person-incident",
        "channel": "in-person",
        "where": "Bus stop outside work",
        "what_happened": "He was standing at my bus stop.",
        "witnesses": ["Sam Okafor"],
    }
    original = save_entry(new_case, entry)
    corrected = "He was standing at my bus stop, then got on my bus."

    amended = ok_json(
        cli("log", "--case", root, "--amend", original.uid, "--from-file", "-", "--json", stdin=corrected)
    )
    shown = ok_json(cli("timeline", "--case", root, "--json"))["events"]
    every = ok_json(cli("timeline", "--case", root, "--json", "--all-versions"))["events"]

    assert (amended["exhibit"], amended["entry_id"], amended["version"]) == ("RH/2", original.entry_id, 2)
    assert [(e["uid"], e["text"], e["supersedes"]) for e in every] == [
        (original.uid, "He was standing at my bus stop.", None),
        (amended["uid"], corrected, original.uid),
    ]
    assert shown == [every[1]]
    new = every[1]
    assert (new["kind"], new["channel"], new["local_time"]) == (
        "in-person-incident",
        "in-person",
        "2025-03-15T08:10",
    )
    assert (new["details"]["where"], new["details"]["witnesses"], new["details"]["version"]) == (
        "Bus stop outside work",
        "Sam Okafor",
        "2",
    )


# -- timeline ----------------------------------------------------------------------------------------


@pytest.fixture
def story(new_case: Case, tmp_path: Path) -> Path:
    """30 messages every 4 hours from Mon 6 Jan 2025 09:00 (Robin Hale wrote every third, from m0; Casey
    Marsh the rest), and a phone call logged at 23:59 on 7 Jan, so it falls between m9 and m10."""
    import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(30, step_minutes=240)))
    save_entry(
        new_case,
        {
            "occurred_at": "2025-01-07T23:59",
            "kind": "call",
            "channel": "phone",
            "what_happened": "Withheld number again; silence, then breathing",
            "people": ["Casey Marsh"],
        },
    )
    return root_of(new_case)


def labels(events: list[dict[str, Any]]) -> list[str]:
    """m<N> for chat message number N, 'call' for the logged call."""
    found = [re.match(r"message number (\d+) ", e["text"]) for e in events]
    return [f"m{match[1]}" if match else "call" for match in found]


def timeline_json(case: Path, *options: str) -> list[dict[str, Any]]:
    events: list[dict[str, Any]] = ok_json(cli("timeline", "--case", case, "--json", *options))["events"]
    return events


def messages(*numbers: int) -> list[str]:
    return [f"m{n}" for n in numbers]


def test_timeline_json_gives_every_event_with_where_it_was_found(story: Path) -> None:
    events = timeline_json(story, "--page-size", "1000")

    assert labels(events) == [*messages(*range(10)), "call", *messages(*range(10, 30))]
    sources = [e["sources"] for e in events]
    assert sources[10] == [
        {"exhibit": "RH/2", "scheme": "json-pointer", "value": "/entries/0", "member": None}
    ]
    chat_sources = sources[:10] + sources[11:]
    assert all(len(s) == 1 and s[0]["exhibit"] == "RH/1" and s[0]["scheme"] == "line" for s in chat_sources)
    assert [s[0]["value"] for s in chat_sources[4:8]] == ["5", "6-7", "8", "9"]  # m5 has two lines


def test_timeline_until_a_date_includes_that_whole_day(story: Path) -> None:
    events = timeline_json(story, "--since", "2025-01-07", "--until", "2025-01-07")

    assert labels(events) == [*messages(4, 5, 6, 7, 8, 9), "call"]
    assert [e["occurred_at_utc"] for e in events][::6] == ["2025-01-07T01:00:00Z", "2025-01-07T23:59:00Z"]


def test_timeline_filters_by_channel(story: Path) -> None:
    assert labels(timeline_json(story, "--channel", "phone")) == ["call"]


def test_timeline_filters_by_person_ignoring_case(story: Path) -> None:
    events = timeline_json(story, "--person", "HALE", "--page-size", "1000")

    assert labels(events) == messages(*range(0, 30, 3))
    assert {e["sender"] for e in events} == {"Robin Hale"}


def test_timeline_filters_by_text_ignoring_case(story: Path) -> None:
    events = timeline_json(story, "--text", "NUMBER 2", "--page-size", "1000")

    assert labels(events) == messages(2, *range(20, 30))


def test_timeline_pages_continue_without_overlap(story: Path) -> None:
    first = ok_json(cli("timeline", "--case", story, "--json", "--page-size", "7"))
    second = ok_json(cli("timeline", "--case", story, "--json", "--page-size", "7", "--page", "2"))

    assert (first["page"], first["page_size"], second["page"]) == (1, 7, 2)
    assert labels(first["events"]) == messages(*range(7))
    assert labels(second["events"]) == [*messages(7, 8, 9), "call", *messages(10, 11, 12)]


def test_timeline_table_never_prints_raw_escape_codes(new_case: Case, tmp_path: Path) -> None:
    hostile = [
        "13/01/2025, 09:00 - Casey\x1b[8mMarsh: before \x1b[2J\x1b[31mred after",
        "13/01/2025, 09:01 - Casey Marsh: link \x1b]8;;http://example.invalid\x1b\\here\x1b]8;;\x1b\\",
        "13/01/2025, 09:02 - Casey Marsh: clipboard \x1b]52;c;aGVsbG8=\x07 and \x9b31m",
    ]
    import_file(new_case, write_chat(tmp_path / "hostile.txt", hostile))

    result = cli("timeline", "--case", root_of(new_case))

    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout and "\x9b" not in result.stdout and "\x07" not in result.stdout
    assert result.stdout.count("⟨U+001B⟩") == 8
    assert "Casey⟨U+001B⟩[8mMarsh" in result.stdout


# -- exhibits and verify -----------------------------------------------------------------------------


def test_exhibits_give_the_original_hashes_and_verify_passes(new_case: Case, tmp_path: Path) -> None:
    chat = write_chat(tmp_path / "chat.txt", android_lines(10, start=UNAMBIGUOUS))
    archive = media_zip(tmp_path)
    import_file(new_case, chat)
    import_file(new_case, archive)
    root = root_of(new_case)

    listed = ok_json(cli("exhibits", "--case", root, "--json"))
    report = ok_json(cli("verify", "--case", root, "--json"))

    with zipfile.ZipFile(archive) as opened:
        member = opened.read("_chat.txt")
    originals: list[tuple[str, bytes, str | None]] = [("chat.txt", chat.read_bytes(), None)]
    originals += [("export.zip", archive.read_bytes(), None)]
    originals += [("_chat.txt", member, "RH/2"), ("photo.jpg", PHOTO, "RH/2")]
    assert [(e["ref"], e["original_name"], e["sha256"], e["size"], e["inside"]) for e in listed] == [
        (f"RH/{n}", name, hashlib.sha256(data).hexdigest(), len(data), inside)
        for n, (name, data, inside) in enumerate(originals, start=1)
    ]
    assert report["ok"] is True
    assert [(c["check"], c["ok"]) for c in report["checks"]] == [
        ("database integrity", True),
        ("database encryption integrity", True),
        ("exhibits", True),
        ("audit log", True),
        ("orphan blobs", True),
    ]
    details = {c["check"]: c["detail"] for c in report["checks"]}
    assert details["exhibits"] == "4 of 4 exhibits match their recorded SHA-256"
    assert (
        details["audit log"] == "7 entries, chain intact, checkpoint matches"
    )  # created, 4 added, 2 imports


# -- demo --------------------------------------------------------------------------------------------


def test_demo_builds_a_verified_case_and_never_reuses_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "demo"

    first = ok_json(cli("demo", "--folder", folder, "--json", cwd=tmp_path))
    after_first = snapshot(folder)
    second = ok_json(cli("demo", "--folder", folder, "--json", cwd=tmp_path))

    assert first["folder"] == str(folder)
    assert [i["file"] for i in first["imports"]] == [
        "WhatsApp Chat with Casey Marsh.txt",
        "WhatsApp Chat - Casey (new number).zip",
        "WhatsApp Chat with Sam Okafor.txt",
        "sms-20250616090000.xml",
        "calls-20250616090000.xml",
        "All mail Including Spam and Trash.mbox",
        "Saw you at the gym.eml",
        "facebook-robinhale-2025-06-16.zip",
        "instagram-robin.hale.demo-2025-06-16.zip",
        "Screenshots.zip",
        "Telegram Desktop export 2025-06-16.zip",
        "DM with casey.m.again.zip",
        "package.zip",
        "twitter-2025-06-16-demo.zip",
        "signal-export.zip",
        "incidents-typed-up-by-advocate.casetrail.csv",
        "diary.json",
    ]
    assert sum(i["events_added"] for i in first["imports"]) == 859
    # The safety scan of Robin's phone: the file as exhibit RH/55, a summary event and one finding,
    # a made-up app from casetrail's demonstration indicators; and a plan with its first step done.
    safety = first["safety"]
    assert first["summary"]["events"] == 859 + 2 and first["summary"]["by_channel"]["device"] == 2
    assert safety["scan"]["exhibit"] == "RH/55" and safety["scan"]["file"] == "robin-phone-packages.txt"
    assert [words[:38] for words in safety["scan"]["findings"]] == ["TrackLite (fictional, casetrail demo) "]
    assert safety["plan"]["done"] == ["general.plan-with-someone"] and safety["plan"]["steps"] > 40
    assert {"WhatsApp", "Signal", "Telegram", "Instagram"} <= set(safety["plan"]["platforms"])
    assert first["imports"][6]["duplicates_skipped"] == 1  # the saved e-mail is also in the mailbox
    assert first["imports"][12]["duplicates_skipped"] == 1  # the stop request, in the DM export too
    assert first["verified"] is True
    # The analysis finds the story it was written with; nothing in the demo is flagged in advance.
    found = first["analysis"]
    for category in ("THREAT.VIOLENCE", "MONITORING.KNOWLEDGE", "THIRD_PARTY.CONTACT", "OFFLINE.PRESENCE"):
        assert found["behaviour"][category] > 0, category
    request = found["stop_requests"][0]
    assert request["at"].startswith("2025-02-19T20:12") and request["contacts_after"] > 300
    point = found["escalation_point"]
    assert point["direction"] == "up" and "2025-W10" <= point["week"] <= "2025-W19"
    assert second["folder"] == str(tmp_path / "demo-2")
    assert (second["summary"]["events"], second["verified"]) == (861, True)
    assert snapshot(folder) == after_first
    assert (tmp_path / "demo-2" / "case" / "case.json").is_file()


# -- where the case is -------------------------------------------------------------------------------


def test_the_case_folder_is_casetrail_case_else_the_current_folder(new_case: Case, tmp_path: Path) -> None:
    import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(3, start=UNAMBIGUOUS)))
    root = root_of(new_case)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()

    from_env = cli("exhibits", "--json", env={"CASETRAIL_CASE": str(root)}, cwd=elsewhere)
    from_cwd = cli("exhibits", "--json", cwd=root)
    neither = cli("exhibits", "--json", cwd=elsewhere)

    assert [e["original_name"] for e in ok_json(from_env)] == ["chat.txt"]
    assert [e["original_name"] for e in ok_json(from_cwd)] == ["chat.txt"]
    assert neither.returncode == 1
    assert (
        neither.stderr
        == "Error: . is not a casetrail case (no case.json). Create one with 'casetrail init'.\n"
    )


def test_log_with_editor_takes_the_text_from_the_editor_and_removes_the_draft(new_case, tmp_path):
    editor = tmp_path / "fake-editor.py"
    editor.write_text(
        "import sys, pathlib\n"
        "pathlib.Path(sys.argv[1]).write_text('Written in the editor.')\n"
        "pathlib.Path(sys.argv[0]).with_name('draft-path').write_text(sys.argv[1])\n"
    )
    root = str(new_case.layout.root)
    result = run_cli(
        "log", "--case", root, "--editor", "--json", "--channel", "phone",
        env={"EDITOR": f"{sys.executable} {editor}"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    draft = Path((tmp_path / "draft-path").read_text())
    assert not draft.exists()
    events = json.loads(run_cli("timeline", "--case", root, "--json").stdout)["events"]
    assert [(e["text"], e["channel"]) for e in events] == [("Written in the editor.", "phone")]


def test_init_json_reports_the_new_case(tmp_path):
    result = run_cli(
        "init", "--case", str(tmp_path / "c"), "--name", "Robin Hale", "--initials", "rh", "--json"
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["initials"] == "RH" and report["timezone"] == "Europe/London"
    assert json.loads((tmp_path / "c" / "case.json").read_text())["case_id"] == report["case_id"]


def test_actor_option_names_who_acted_in_the_audit_log(new_case, tmp_path):
    chat = write_chat(tmp_path / "chat.txt", android_lines(4))
    root = str(new_case.layout.root)
    result = run_cli("import", "--case", root, "--actor", "Jo Bloggs (advocate)", "--json", str(chat))
    assert result.returncode == 0, result.stderr
    with Case.open(new_case.layout.root, PASSPHRASE) as case, case.reader.connect() as conn:
        actors = [(e.action, e.actor) for e in case.audit.entries(conn)]
    assert actors == [
        ("case created", "Robin Hale"),
        ("exhibit added", "Jo Bloggs (advocate)"),
        ("events imported", "Jo Bloggs (advocate)"),
    ]
