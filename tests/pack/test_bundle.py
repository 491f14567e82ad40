"""The pack's bundle: every exhibit byte for byte under its reference, the timeline, the manifest."""

from __future__ import annotations

import csv
import hashlib
import json
from pathlib import Path

import pytest

from casetrail.demo import generate_demo_files
from casetrail.demo.suspect import SUSPECT_NAME, suspect_accounts
from casetrail.errors import CasetrailError
from casetrail.pack import bundle
from casetrail.pack.bundle import exhibit_file_name, write_pack
from casetrail.pack.pdf import pdf_to_png
from casetrail.pack.verify import verify_pack
from casetrail.store.case import Case
from casetrail.store.expunge import expunge
from casetrail.store.importing import import_file
from casetrail.store.people import accounts_of_person, link
from casetrail.store.queries import TimelineFilter, list_exhibits, summary, timeline
from tests.helpers import android_lines, write_chat


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_the_demo_pack_holds_every_exhibit_and_event_with_its_hashes(new_case: Case, tmp_path: Path) -> None:
    for path in generate_demo_files(tmp_path / "exports").paths:
        import_file(new_case, path)
    link(new_case, SUSPECT_NAME, suspect_accounts())
    linked = accounts_of_person(new_case, SUSPECT_NAME)
    folder, result = write_pack(new_case, tmp_path / "pack", linked, SUSPECT_NAME)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    held = list(list_exhibits(new_case))
    assert [e["ref"] for e in manifest["exhibits"]] == [e.ref for e in held]
    assert result.exhibits == len(held) == 54 and result.withheld == 0
    for entry, exhibit in zip(manifest["exhibits"], held, strict=True):
        assert entry["sha256"] == exhibit.sha256 and entry["size"] == exhibit.size
        assert sha256(folder / entry["file"]) == exhibit.sha256  # byte for byte
        assert entry["file"].startswith(f"exhibits/{exhibit.ref.replace('/', '-')}")
        assert entry["original_name"] == exhibit.original_name and entry["acquired_by"] == "Robin Hale"
    inside = [e for e in manifest["exhibits"] if e["inside"]]
    assert inside and all(e["inside"].startswith("RH/") for e in inside)
    events = summary(new_case)["events"]
    lines = (folder / "events.jsonl").read_text("utf-8").splitlines()
    assert len(lines) == events == result.events == manifest["files"]["events.jsonl"]["events"] == 859
    with (folder / "events.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == events
    first = json.loads(lines[0])
    assert rows[0]["uid"] == first["uid"] and rows[0]["exhibit"] == first["sources"][0]["exhibit"]
    assert manifest["files"]["events.csv"]["sha256"] == sha256(folder / "events.csv")
    assert manifest["files"]["events.jsonl"]["sha256"] == sha256(folder / "events.jsonl")
    assert any("THREAT.VIOLENCE" in row["behaviour"] for row in rows)
    assert manifest["audit"]["entries"] > 54 and len(manifest["audit"]["head"]) == 64
    assert manifest["case"]["initials"] == "RH" and manifest["tool"]["name"] == "casetrail"
    assert result.fingerprint == sha256(folder / "manifest.json")
    assert (tmp_path / "pack.zip").is_file()
    report = (folder / "report.html").read_text("utf-8")
    assert manifest["files"]["report.html"]["sha256"] == sha256(folder / "report.html")
    assert report.count('<tr data-ref="RH/') == 54
    chronology = report.split('id="chronology"')[1].split("</section>")[0]
    assert chronology.count("<tr>") > 30 and "first contact on whatsapp" in chronology
    assert "threat of violence" in chronology and "request to stop" in chronology
    assert "Please stop contacting me. I do not want any contact." in report  # the appendix has every message
    for chart in ("chart-contacts-per-week", "chart-weekday-hour", "chart-escalation"):
        assert f'id="{chart}"' in report
    assert verify_pack(folder, expect=result.fingerprint).ok
    # report.pdf is the same report, printed: a person can look at its pages (G-22 is in test_pdf.py).
    assert manifest["files"]["report.pdf"]["sha256"] == sha256(folder / "report.pdf")
    pages = pdf_to_png((folder / "report.pdf").read_bytes(), tmp_path / "pages", dpi=30)
    assert len(pages) > 20 and all(page.stat().st_size > 1000 for page in pages[:3])


def test_an_expunged_exhibit_is_listed_as_withheld(new_case: Case, tmp_path: Path) -> None:
    import_file(new_case, write_chat(tmp_path / "one.txt", android_lines(5)))
    import_file(new_case, write_chat(tmp_path / "two.txt", android_lines(5, step_minutes=9)))
    expunge(new_case, "RH/1", "sent by mistake")
    folder, result = write_pack(new_case, tmp_path / "pack", pdf=False)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    gone, kept = manifest["exhibits"]
    assert gone["included"] is False and gone["withheld_because"] == "expunged from the case"
    assert "file" not in gone and kept["included"] is True
    assert sorted(p.name for p in (folder / "exhibits").iterdir()) == ["RH-2.txt"]
    assert (result.exhibits, result.withheld, result.events) == (
        1,
        1,
        len(timeline(new_case, TimelineFilter())),
    )


def test_nothing_is_left_half_written(
    new_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(5)))

    def broken(*_args: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(bundle, "write_events", broken)
    with pytest.raises(OSError, match="disk full"):
        write_pack(new_case, tmp_path / "pack", pdf=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["case", "chat.txt"]  # no pack, no partial
    monkeypatch.undo()
    write_pack(new_case, tmp_path / "pack", pdf=False)
    with pytest.raises(CasetrailError, match="already exists"):
        write_pack(new_case, tmp_path / "pack", pdf=False)


@pytest.mark.parametrize(
    ("ref", "name", "expected"),
    [
        ("RH/1", "WhatsApp Chat with Casey.txt", "RH-1.txt"),
        ("RH/12", "../../etc/passwd", "RH-12"),
        ("RH/3", "photo.JPEG", "RH-3.jpeg"),
        ("RH/4", "invoice\u202efdp.exe", "RH-4.exe"),
        ("RH/5", "no extension", "RH-5"),
        ("RH/6", "x.t\x00xt", "RH-6"),
    ],
)
def test_exhibit_files_are_named_by_reference_never_by_the_hostile_name(
    ref: str, name: str, expected: str
) -> None:
    assert exhibit_file_name(ref, name) == expected


def test_an_exhibit_can_be_withheld_and_is_listed_with_its_hash(new_case: Case, tmp_path: Path) -> None:
    import_file(new_case, write_chat(tmp_path / "one.txt", android_lines(5)))
    import_file(new_case, write_chat(tmp_path / "two.txt", android_lines(5, step_minutes=9)))
    folder, result = write_pack(new_case, tmp_path / "pack", withhold=frozenset({"RH/2"}), pdf=False)
    manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
    kept, held = manifest["exhibits"]
    assert kept["included"] is True and held["included"] is False
    assert held["withheld_because"] == "withheld by the person who made this pack"
    assert held["sha256"] == sha256(tmp_path / "two.txt") and "file" not in held
    assert sorted(p.name for p in (folder / "exhibits").iterdir()) == ["RH-1.txt"]
    assert (result.exhibits, result.withheld) == (1, 1)
    assert "not in this pack: withheld by the person who made this pack" in (
        folder / "report.html"
    ).read_text("utf-8")
    assert verify_pack(folder, expect=result.fingerprint).ok
    with pytest.raises(CasetrailError, match="No exhibit RH/9"):
        write_pack(new_case, tmp_path / "other", withhold=frozenset({"RH/9"}), pdf=False)


def test_the_case_records_every_pack_made_from_it(new_case: Case, tmp_path: Path) -> None:
    import_file(new_case, write_chat(tmp_path / "one.txt", android_lines(5)))
    folder, result = write_pack(new_case, tmp_path / "pack", pdf=False)
    with new_case.reader.connect() as conn:
        last = list(new_case.audit.entries(conn))[-1]
    assert (last.action, last.actor) == ("pack made", "Robin Hale")
    assert last.details["manifest_sha256"] == result.fingerprint
    assert (last.details["exhibits"], last.details["events"]) == (1, 5)
    recorded = json.loads((folder / "manifest.json").read_text("utf-8"))["audit"]["entries"]
    assert last.seq == recorded + 1  # the pack holds the log as it was; the entry about it comes next
