"""`casetrail safety`: a scan keeps the file and its findings in the case; the plan is made from the
case and its progress kept there."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from casetrail.safety.indicators import update_indicators
from casetrail.safety.matching import dual_use_apps
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, list_exhibits, timeline
from casetrail.store.safety_plan import marks
from tests.conftest import PASSPHRASE
from tests.helpers import run_cli
from tests.safety.android_builders import (
    IOC,
    all_specs,
    bugreport_text,
    bugreport_zip,
    common_specs,
    package_list,
    planted_packages,
)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    """A per-user data folder holding the shared copy of the public indicators, installed offline."""
    data = tmp_path / "user-data"
    update_indicators(from_file=IOC, data=data)
    return data


def safety(case: Case, data: Path, *args: str | Path) -> subprocess.CompletedProcess[str]:
    return run_cli(
        "safety", *[str(a) for a in args], "--case", str(case.layout.root),
        env={"CASETRAIL_DATA_DIR": str(data), "COLUMNS": "200"},
    )  # fmt: skip


def ok(result: subprocess.CompletedProcess[str]) -> Any:
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_a_bug_report_scan_finds_every_planted_app_and_keeps_the_file_and_findings(
    new_case: Case, data_dir: Path, tmp_path: Path
) -> None:
    report = bugreport_zip(tmp_path / "bugreport.zip", bugreport_text(all_specs()).text())
    found = ok(safety(new_case, data_dir, "scan", report, "--json"))
    known = {f["package"] for f in found["findings"] if f["level"] == "known-stalkerware"}
    assert known == set(planted_packages())
    for finding in found["findings"]:
        if finding["level"] == "known-stalkerware":
            assert finding["confidence"] == "high" and "Echap" in finding["source"]
        else:  # the family locator among the ordinary apps
            assert (finding["level"], finding["confidence"], finding["package"]) == (
                "dual-use", "low", "com.life360.android.safetymapd",
            )  # fmt: skip
    spy = next(f for f in found["findings"] if f["package"] == planted_packages()[0])
    assert "read every notification, including message previews (notification access)" in spy["can_do"]
    assert spy["where"].startswith("bugreport-oriole") and " line " in spy["where"]
    assert found["exhibit"] == "RH/1" and found["advice"].startswith("Before removing anything")
    (exhibit,) = list_exhibits(new_case)
    assert exhibit.original_name == "bugreport.zip"  # the whole report, byte for byte, one exhibit
    events = timeline(new_case, TimelineFilter(channels=["device"]), limit=None)
    assert [e.kind for e in events] == ["device-scan"] + ["safety-finding"] * len(found["findings"])
    assert events[0].local_time == "2025-06-01T10:00:00" and events[0].details["device_model"] == "Pixel 6"
    assert {e.sources[0]["exhibit"] for e in events} == {"RH/1"}


def test_an_ordinary_phone_gives_no_finding(new_case: Case, data_dir: Path, tmp_path: Path) -> None:
    dual = {package for entry in dual_use_apps() for package in entry.packages}
    ordinary = [spec for spec in common_specs() if spec.package not in dual]
    assert len(ordinary) > 50
    report = bugreport_zip(tmp_path / "bugreport.zip", bugreport_text(ordinary).text())
    found = ok(safety(new_case, data_dir, "scan", report, "--json"))
    assert found["findings"] == []
    plain = safety(new_case, data_dir, "scan", tmp_path / "bugreport.zip")
    assert "Nothing known was found. That is good news, but not proof" in " ".join(plain.stdout.split())


def test_a_package_list_scan_speaks_plainly_and_puts_evidence_first(
    new_case: Case, data_dir: Path, tmp_path: Path
) -> None:
    listing = tmp_path / "packages.txt"
    listing.write_text(package_list(all_specs()).text(), encoding="utf-8")
    shown = safety(new_case, data_dir, "scan", listing)
    assert shown.returncode == 0, shown.stderr
    words = " ".join(shown.stdout.split())
    assert "Found 6 things to look at:" in words and "(almost certain)" in words and "(possible)" in words
    assert words.index("Before removing anything") > words.index("Found 6 things")
    assert "kept in the case as exhibit RH/1" in words


def test_without_indicators_the_scan_says_so_and_runs_its_own_checks(new_case: Case, tmp_path: Path) -> None:
    report = bugreport_zip(tmp_path / "bugreport.zip", bugreport_text(all_specs()).text())
    found = ok(safety(new_case, tmp_path / "empty-data", "scan", report, "--json"))
    assert found["indicators"] is None
    # casetrail's own checks: the hidden app with three powers, the other hidden side-loaded one that
    # reads messages, and the family locator; the two planted apps with icons go unseen without the list
    levels = sorted((f["level"], f["package"]) for f in found["findings"])
    hidden = [spec.package for spec in all_specs() if spec.launcher is False and not spec.system]
    assert levels == sorted(
        [("dual-use", "com.life360.android.safetymapd")] + [("suspicious-powers", p) for p in hidden]
    )
    assert len(hidden) == 2


def test_a_file_that_is_not_phone_data_is_refused_and_nothing_changes(
    new_case: Case, data_dir: Path, tmp_path: Path
) -> None:
    other = tmp_path / "notes.txt"
    other.write_text("shopping: milk, bread\n", encoding="utf-8")
    result = safety(new_case, data_dir, "scan", other)
    assert result.returncode != 0 and "notes.txt" in result.stderr and "Traceback" not in result.stderr
    assert list(list_exhibits(new_case)) == []


def test_the_plan_follows_the_case_and_keeps_progress(new_case: Case, data_dir: Path, tmp_path: Path) -> None:
    chat = tmp_path / "WhatsApp Chat with Casey Marsh.txt"
    chat.write_text("01/03/2025, 10:00 - Casey Marsh: hello\n", encoding="utf-8")
    import_file(new_case, chat)
    plan = ok(safety(new_case, data_dir, "plan", "--json"))
    platforms = [p["platform"] for p in plan["platforms"]]
    assert platforms == ["general", "phone", "stalkerware", "whatsapp"]
    step = plan["platforms"][3]["steps"][0]
    assert step["status"] == "open" and step["help"] and step["reviewed"]
    marked = ok(
        safety(
            new_case,
            data_dir,
            "mark",
            step["id"],
            "done",
            "--by",
            "Robin Hale",
            "--note",
            "with PC Lane",
            "--json",
        )
    )
    assert (marked["status"], marked["by"]) == ("done", "Robin Hale")
    ok(safety(new_case, data_dir, "mark", step["id"], "open", "--by", "Robin Hale", "--json"))
    ok(safety(new_case, data_dir, "mark", step["id"], "done", "--by", "Robin Hale", "--json"))
    again = ok(safety(new_case, data_dir, "plan", "--json"))
    assert again["platforms"][3]["steps"][0]["status"] == "done"
    assert [m.status for m in marks(new_case)] == ["done", "open", "done"]  # every mark kept
    shown = safety(new_case, data_dir, "plan")
    assert "[x]" in shown.stdout and "1 of" in shown.stdout
    everything = ok(safety(new_case, data_dir, "plan", "--all", "--json"))
    assert len(everything["platforms"]) > len(plan["platforms"])


def test_marking_an_unknown_step_or_status_is_refused(new_case: Case, data_dir: Path) -> None:
    unknown = safety(new_case, data_dir, "mark", "whatsapp.no-such-step", "done", "--by", "Robin")
    assert unknown.returncode != 0 and "No step 'whatsapp.no-such-step'" in unknown.stderr
    status = safety(new_case, data_dir, "mark", "general.safe-device", "finished", "--by", "Robin")
    assert status.returncode != 0 and "done, not-now, open" in status.stderr
    assert marks(new_case) == []


def test_an_iphone_backup_folder_is_scanned_and_its_management_profile_found(
    new_case: Case, data_dir: Path, tmp_path: Path
) -> None:
    from tests.safety.ios_builders import build_backup

    backup = build_backup(tmp_path / "00008030-000A1B2C3D4E5F")
    before = sorted(p.relative_to(backup) for p in backup.rglob("*"))
    found = ok(safety(new_case, data_dir, "scan", backup, "--json"))
    titles = [f["title"] for f in found["findings"]]
    assert any("Example Remote Admin" in title for title in titles)
    assert {f["level"] for f in found["findings"]} == {"device-management"}
    (exhibit,) = list_exhibits(new_case)
    assert exhibit.original_name == "00008030-000A1B2C3D4E5F (files read from the iPhone backup).zip"
    assert sorted(p.relative_to(backup) for p in backup.rglob("*")) == before  # nothing written beside it
    tmp = new_case.layout.tmp
    assert not tmp.exists() or list(tmp.iterdir()) == []  # the plain copies are gone
    events = timeline(new_case, TimelineFilter(channels=["device"]), limit=None)
    assert events[0].kind == "device-scan" and "iPhone data (backup" in events[0].text


def test_a_killed_scans_plain_files_are_removed_when_the_case_is_next_opened(new_case: Case) -> None:
    import os
    import time

    leftover = new_case.layout.tmp / "scan-killed"
    leftover.mkdir(parents=True)
    (leftover / "Manifest.db").write_bytes(b"SQLite format 3\0")
    recent = new_case.layout.tmp / "scan-running"
    recent.mkdir()
    hour_ago = time.time() - 3700
    os.utime(leftover, (hour_ago, hour_ago))
    Case.open(new_case.layout.root, PASSPHRASE).close()
    assert not leftover.exists() and recent.exists()  # a scan still running keeps its files


def test_an_app_file_and_a_dns_log_are_scanned_into_the_case(
    new_case: Case, data_dir: Path, tmp_path: Path
) -> None:
    from tests.safety.apk_builders import make_signer, signed_apk
    from tests.safety.test_netlog import dnsmasq_log, planted

    app = tmp_path / "update.apk"
    app.write_bytes(signed_apk(make_signer("someone"), package=planted_packages()[0]))
    found = ok(safety(new_case, data_dir, "scan", app, "--json"))
    (finding,) = found["findings"]
    assert finding["level"] == "known-stalkerware" and finding["title"].endswith("(this app file)")
    assert found["summary"].startswith("Safety scan of Android phone data (app file")
    log = tmp_path / "pihole.log"
    log.write_bytes(dnsmasq_log().data())
    found = ok(safety(new_case, data_dir, "scan", log, "--json"))
    looked_up = {f["matched_on"] for f in found["findings"]}
    assert looked_up == {f"domain {name}" for name in planted()}
    assert all(
        f["title"].startswith("A device on this network looked up a server of") for f in found["findings"]
    )
    assert found["summary"].startswith("Safety scan of network data (DNS or proxy log")
    assert [e.original_name for e in list_exhibits(new_case)] == ["update.apk", "pihole.log"]


def test_g01_a_safety_scan_leaves_no_plain_text_in_the_case(
    new_case: Case, data_dir: Path, tmp_path: Path
) -> None:
    """The device's name (and, on Android, a hidden app's package) reach the scan's events: sealed,
    like every event; the backup's files copied for reading are gone."""
    import plistlib

    from tests.helpers import files_containing
    from tests.safety.ios_builders import build_backup, info_plist

    canary = "Zq7canary-ÆØÅ-ключ-犬"
    info = plistlib.loads(info_plist())
    info["Device Name"] = f"Robin's iPhone {canary}"
    backup = build_backup(tmp_path / "backup", info=plistlib.dumps(info))
    ok(safety(new_case, data_dir, "scan", backup, "--json"))
    events = timeline(new_case, TimelineFilter(channels=["device"]), limit=None)
    assert canary in events[0].details["device_name"]  # it is in the case, readable with the passphrase
    package = "com.zq7canarypkg.helper"
    listing = tmp_path / "packages.txt"
    listing.write_text(
        f"package:/data/app/~~x==/{package}-y==/base.apk={package}  installer=null uid:10400\n"
    )
    ok(safety(new_case, data_dir, "scan", listing, "--json"))
    root = new_case.layout.root
    assert files_containing(root, canary) == [] and files_containing(root, "zq7canarypkg") == []
