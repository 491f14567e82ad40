"""A pack of part of the case (dates, channels, people), a redacted pack for sharing, and intimate
images left out unless asked for."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from casetrail.demo import generate_demo_files
from casetrail.demo.cast import FRIEND, GYM_STAFF, NEIGHBOUR
from casetrail.demo.suspect import SUSPECT_NAME, suspect_accounts
from casetrail.errors import CasetrailError
from casetrail.model.accounts import event_accounts
from casetrail.pack import bundle
from casetrail.pack.bundle import write_pack
from casetrail.pack.redact import Redactor
from casetrail.pack.scope import PackScope
from casetrail.pack.verify import verify_pack
from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from casetrail.store.people import accounts_of_person, link
from casetrail.store.queries import TimelineFilter, list_exhibits, timeline
from tests.conftest import PASSPHRASE
from tests.helpers import make_zip


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Case, frozenset[str]]]:
    from casetrail.crypto import kdf

    kdf.set_default_params(kdf.KdfParams(memory_kib=64, iterations=1, parallelism=1))
    root = tmp_path_factory.mktemp("demo")
    case = Case.create(root / "case", PASSPHRASE, Producer("Robin Hale", "RH"))
    for path in generate_demo_files(root / "exports").paths:
        import_file(case, path)
    link(case, SUSPECT_NAME, suspect_accounts())
    linked = accounts_of_person(case, SUSPECT_NAME)
    assert linked is not None
    yield case, linked
    case.close()


def _jsonl(folder: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in (folder / "events.jsonl").read_text("utf-8").splitlines()]


def _manifest(folder: Path) -> dict[str, Any]:
    return dict(json.loads((folder / "manifest.json").read_text("utf-8")))


def test_a_pack_of_one_channel_holds_its_events_and_only_the_exhibits_they_come_from(
    demo: tuple[Case, frozenset[str]], tmp_path: Path
) -> None:
    case, linked = demo
    scope = PackScope(channels=("sms",))
    folder, result = write_pack(case, tmp_path / "sms", linked, SUSPECT_NAME, pdf=False, scope=scope)
    events = _jsonl(folder)
    expected = timeline(case, TimelineFilter(channels=["sms"]), limit=None)
    assert [e["uid"] for e in events] == [e.uid for e in expected] and len(events) > 20
    manifest = _manifest(folder)
    used = {s["exhibit"] for e in events for s in e["sources"]} | {
        a for e in events for a in e["attachments"]
    }
    for entry in manifest["exhibits"]:
        if entry["ref"] in used or entry["inside"] in used:
            assert entry["included"] is True, entry["ref"]
        else:
            assert entry["withheld_because"] == bundle.OUT_OF_SCOPE, entry["ref"]
    assert 0 < result.exhibits < len(manifest["exhibits"])
    assert manifest["scope"] == {
        "since": None,
        "until": None,
        "channels": ["sms"],
        "people": [],
        "redacted": False,
    }
    report = (folder / "report.html").read_text("utf-8")
    assert "This pack covers part of the case: channels: sms." in report
    channels = report.split("<th>Channels</th><td>")[1].split("</td>")[0]
    assert channels.startswith("sms ") and ";" not in channels  # the figures are about the pack's part
    assert verify_pack(folder, expect=result.fingerprint).ok


def test_a_pack_of_a_period_holds_exactly_the_events_in_it(
    demo: tuple[Case, frozenset[str]], tmp_path: Path
) -> None:
    case, linked = demo
    zone = case.timezone
    since, until = datetime(2025, 3, 1, tzinfo=zone), datetime(2025, 4, 1, tzinfo=zone)
    everything = timeline(case, TimelineFilter(), limit=None)
    inside = [e for e in everything if e.occurred_at and since <= e.occurred_at < until]
    assert 0 < len(inside) < len(everything)
    folder, _ = write_pack(
        case, tmp_path / "march", linked, SUSPECT_NAME, pdf=False, scope=PackScope(since=since, until=until)
    )
    assert [e["uid"] for e in _jsonl(folder)] == [e.uid for e in inside]
    report = (folder / "report.html").read_text("utf-8")
    assert "from 2025-03-01" in report and "up to 2025-03-31 23:59" in report


def test_a_pack_of_one_persons_contact_keeps_their_events_and_the_diary(
    demo: tuple[Case, frozenset[str]], tmp_path: Path
) -> None:
    case, linked = demo
    scope = PackScope(people=(SUSPECT_NAME,), accounts=linked)
    folder, _ = write_pack(case, tmp_path / "casey", linked, SUSPECT_NAME, pdf=False, scope=scope)
    events = _jsonl(folder)
    diary = [e for e in events if e["direction"] == "n/a" and e["sender"] is None]
    assert diary and len(events) < len(timeline(case, TimelineFilter(), limit=None))
    for event in events:
        if event["direction"] == "n/a" and event["sender"] is None:
            continue
        named = event_accounts(event["channel"], event["sender"], event["recipients"], event["details"], "GB")
        assert any(a.id in linked for a in named), event["uid"]
    assert "contact with: Casey Marsh (and the diary)" in (folder / "report.html").read_text("utf-8")


def _third_party_strings() -> list[str]:
    found = []
    for person in (FRIEND, GYM_STAFF, NEIGHBOUR):
        digits = person.phone.replace(" ", "")
        found += [person.name, person.name.split()[1], person.email, digits, "0" + digits[3:]]
    return found


def test_a_redacted_pack_names_no_third_party_and_carries_no_original(
    demo: tuple[Case, frozenset[str]], tmp_path: Path
) -> None:
    case, linked = demo
    plain, _ = write_pack(case, tmp_path / "plain", linked, SUSPECT_NAME, pdf=False)
    folder, result = write_pack(case, tmp_path / "shared", linked, SUSPECT_NAME, pdf=False, redact=True)
    texts = {
        name: (folder / name).read_text("utf-8") for name in ("events.csv", "events.jsonl", "report.html")
    }
    texts["manifest.json"] = (folder / "manifest.json").read_text("utf-8")
    plain_text = (plain / "events.jsonl").read_text("utf-8") + (plain / "report.html").read_text("utf-8")
    for needle in _third_party_strings():
        if needle.casefold() in plain_text.casefold():  # the control: the plain pack names them
            for name, text in texts.items():
                assert needle.casefold() not in text.casefold(), (needle, name)
    assert sum(needle.casefold() in plain_text.casefold() for needle in _third_party_strings()) >= 6
    for name, text in texts.items():
        if name != "manifest.json":
            assert "[third party 1]" in text and "Casey Marsh" in text, name
    assert "Robin Hale" in texts["report.html"] and "Redacted for sharing" in texts["report.html"]
    assert list((folder / "exhibits").iterdir()) == [] and result.exhibits == 0
    manifest = _manifest(folder)
    assert all(e["withheld_because"] == bundle.REDACTED for e in manifest["exhibits"])
    assert [e["sha256"] for e in manifest["exhibits"]] == [e.sha256 for e in list_exhibits(case)]
    assert manifest["scope"]["redacted"] is True
    assert len(_jsonl(folder)) == len(_jsonl(plain))  # every event is there, with other people hidden
    assert verify_pack(folder, expect=result.fingerprint).ok


def test_each_third_party_keeps_one_label_through_the_pack(
    demo: tuple[Case, frozenset[str]], tmp_path: Path
) -> None:
    case, linked = demo
    folder, _ = write_pack(case, tmp_path / "shared", linked, SUSPECT_NAME, pdf=False, redact=True)
    plain, _ = write_pack(case, tmp_path / "plain", linked, SUSPECT_NAME, pdf=False)
    with (folder / "events.csv").open(newline="", encoding="utf-8") as handle:
        shared_rows = list(csv.DictReader(handle))
    with (plain / "events.csv").open(newline="", encoding="utf-8") as handle:
        plain_rows = list(csv.DictReader(handle))
    labels: dict[str, set[str]] = {}
    for before, after in zip(plain_rows, shared_rows, strict=True):
        if before["sender"] != after["sender"]:
            labels.setdefault(before["sender"], set()).add(after["sender"])
    assert labels and all(len(shown) == 1 for shown in labels.values())
    assert len({next(iter(shown)) for shown in labels.values()}) == len(labels)  # no two people share one


def test_a_redacted_pack_needs_the_person_it_is_about(new_case: Case, tmp_path: Path) -> None:
    with pytest.raises(CasetrailError, match="needs --person"):
        write_pack(new_case, tmp_path / "pack", pdf=False, redact=True)
    assert not (tmp_path / "pack").exists()


def test_the_redactor_replaces_names_handles_numbers_and_addresses_in_running_text() -> None:
    keep = frozenset({"phone:+447700900587", "email:casey@example.com"})
    parties = [
        ({"phone:+447700900274", "email:sam.o@example.org"}, {"Sam Okafor"}),
        ({"telegram:id:77"}, {"Jo Bloggs"}),
    ]
    redactor = Redactor(keep, parties, {"Casey Marsh", "Robin Hale"}, "GB")
    said = (
        "Sam Okafor told me. Okafor again, SAM too. Ring 07700 900274 or 07700 900999, not +44 7700 900587; "
        "mail sam@example.org or casey@example.com. Jo Bloggs knows. Sample, Samuel and 2025-03-01 stay."
    )
    assert redactor.text(said) == (
        "[third party 1] told me. [third party 1] again, [third party 1] too. Ring [third party 1] or "
        "[number withheld], not +44 7700 900587; mail [e-mail address withheld] or casey@example.com. "
        "[third party 2] knows. Sample, Samuel and 2025-03-01 stay."
    )
    assert redactor.label("Sam Okafor (+44 7700 900274)", "sms") == "[third party 1]"
    assert redactor.name("signal-export/samokafor/data.json") == "signal-export/[third party 1]/data.json"
    assert redactor.label("Casey Marsh", "whatsapp") == "Casey Marsh"


def _intimate_case(case: Case, tmp_path: Path) -> None:
    chat = (
        "01/03/2025, 10:00 - Casey Marsh: IMG-20250301-WA0001.jpg (file attached)\n"
        "I've sent your nudes to everyone at your work\n"
        "01/03/2025, 10:05 - Casey Marsh: IMG-20250301-WA0002.jpg (file attached)\n"
        "the view from the bus\n"
        "01/03/2025, 10:09 - Robin Hale: Please stop contacting me\n"
    )
    export = make_zip(
        tmp_path / "WhatsApp Chat with Casey Marsh.zip",
        [
            ("WhatsApp Chat with Casey Marsh.txt", chat.encode()),
            ("IMG-20250301-WA0001.jpg", b"\xff\xd8\xff\xe0 one"),
            ("IMG-20250301-WA0002.jpg", b"\xff\xd8\xff\xe0 two"),
        ],
    )
    import_file(case, export)


def test_an_image_attached_to_a_message_about_intimate_images_is_left_out_unless_included(
    new_case: Case, tmp_path: Path
) -> None:
    _intimate_case(new_case, tmp_path)
    names = {e.original_name: e.ref for e in list_exhibits(new_case)}
    intimate, ordinary, archive = names["IMG-20250301-WA0001.jpg"], names["IMG-20250301-WA0002.jpg"], "RH/1"
    folder, result = write_pack(new_case, tmp_path / "pack", pdf=False)
    entries = {e["ref"]: e for e in _manifest(folder)["exhibits"]}
    assert entries[intimate]["withheld_because"] == bundle.INTIMATE and "file" not in entries[intimate]
    # The export holding it would carry it too, so it stays out as well, saying why.
    assert entries[archive]["withheld_because"] == f"holds {intimate}, which is left out ({bundle.INTIMATE})"
    assert entries[ordinary]["included"] is True
    chat = names["WhatsApp Chat with Casey Marsh.txt"]  # the chat inside the export travels on its own
    assert sorted(p.name for p in (folder / "exhibits").iterdir()) == sorted(
        [chat.replace("/", "-") + ".txt", ordinary.replace("/", "-") + ".jpg"]
    )
    report = (folder / "report.html").read_text("utf-8")
    assert "<img" not in report and "may be an intimate image" in report
    assert verify_pack(folder, expect=result.fingerprint).ok
    carried, _ = write_pack(new_case, tmp_path / "carried", pdf=False, include=frozenset({intimate}))
    entries = {e["ref"]: e for e in _manifest(carried)["exhibits"]}
    assert entries[intimate]["included"] is True and entries[archive]["included"] is True
    with pytest.raises(CasetrailError, match="No exhibit RH/99"):
        write_pack(new_case, tmp_path / "other", pdf=False, include=frozenset({"RH/99"}))


def test_the_pack_command_takes_the_scope_options(demo: tuple[Case, frozenset[str]], tmp_path: Path) -> None:
    from tests.helpers import run_cli

    case, _ = demo
    out = tmp_path / "cli-pack"
    result = run_cli(
        "pack", "--case", str(case.layout.root), "--out", str(out), "--no-encrypt", "--person", SUSPECT_NAME,
        "--since", "2025-03-01", "--until", "2025-03-31", "--channel", "whatsapp", "--only", SUSPECT_NAME,
        "--json",
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    manifest = _manifest(out)
    assert manifest["scope"]["channels"] == ["whatsapp"] and manifest["scope"]["people"] == [SUSPECT_NAME]
    events = _jsonl(out)
    assert events and all(e["channel"] == "whatsapp" for e in events)
    assert all(e["occurred_at_utc"].startswith("2025-03") for e in events)


def test_the_report_lists_the_checks_of_the_victims_phone(new_case: Case, tmp_path: Path) -> None:
    from casetrail.demo.phone_scan_export import write_package_list
    from casetrail.safety.indicators import demo_set

    import_file(new_case, write_package_list(tmp_path / "phone"), indicators=demo_set())
    folder, _ = write_pack(new_case, tmp_path / "pack", pdf=False)
    report = (folder / "report.html").read_text("utf-8")
    section = report.split('id="phone-scans"')[1].split("</section>")[0]
    assert "Safety scan of Android phone data (package list): 19 apps" in section
    assert "TrackLite (fictional, casetrail demo) (stalkerware) is installed" in section
    assert "high: package name com.example.tracklite.demo" in section and "RH/1" in section
    summary = report.split('id="summary"')[1].split("</section>")[0]
    assert "Checks of the victim's phone</th><td>1 scan(s); 1 finding(s), the most certain:" in summary
    sms_only, _ = write_pack(new_case, tmp_path / "sms", pdf=False, scope=PackScope(channels=("sms",)))
    assert 'id="phone-scans"' not in (sms_only / "report.html").read_text("utf-8")
