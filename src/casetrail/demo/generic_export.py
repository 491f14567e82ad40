"""Fictional files in casetrail's generic format, as an advocate would type them up.

A CSV of in-person incidents and of messages from a dating app that has no export (copied by hand
from screenshots), the same as a zip with a photo beside it, a JSON version, and a large CSV for
benchmarks. The dating app, like everyone in it, is invented.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from casetrail.demo.cast import EX_PARTNER, FRIEND, GYM_STAFF, VICTIM
from casetrail.demo.whatsapp_export import ZIP_TIME, tiny_jpeg

MARKER = "# casetrail generic v1"
HEADER = (
    "time",
    "channel",
    "kind",
    "direction",
    "from",
    "to",
    "text",
    "attachment",
    "id",
    "notes",
    "witness",
)
PHOTO = "photos/car-park-2025-03-08.jpg"
APP = "Sparkmatch (dating app)"


@dataclass(frozen=True)
class GenericExport:
    """What a writer wrote, and the number of events an import of it must give."""

    path: Path
    events: int
    attachments: tuple[str, ...] = ()


def demo_rows() -> list[dict[str, str]]:
    """In-person incidents and typed-up dating-app messages; one row per event."""
    casey, robin = EX_PARTNER.name, VICTIM.name
    return [
        {
            "time": "2025-03-01T18:40:00",
            "channel": "in-person",
            "kind": "in-person-incident",
            "from": casey,
            "text": f"Casey was waiting by the entrance of the gym on Station Road when {robin} left.",
            "notes": "Typed up by the advocate from Robin's account on 2025-03-02.",
            "witness": GYM_STAFF.name,
        },
        {
            "time": "2025-03-08T07:55:00+00:00",
            "channel": "in-person",
            "kind": "in-person-incident",
            "from": casey,
            "text": "Casey's car parked next to Robin's in the car park on Mill Lane,\nengine running.",
            "attachment": PHOTO,
            "notes": "Robin took the photo from the bus stop.",
        },
        {
            "time": "2025-03-10T22:14:00",
            "channel": APP,
            "kind": "message",
            "direction": "incoming",
            "from": "casey_new_profile",
            "to": robin,
            "text": "Thought you'd hide on here? Cute photos.",
            "id": "sparkmatch-msg-0001",
            "notes": "Copied from screenshot 1 of 3.",
        },
        {
            "time": "2025-03-10T22:16:00",
            "channel": APP,
            "kind": "message",
            "direction": "incoming",
            "from": "casey_new_profile",
            "to": robin,
            "text": '=HYPERLINK("https://example.com/robin","look who I found")',
            "id": "sparkmatch-msg-0002",
            "notes": "The message was a link; written as the app showed it.",
        },
        {
            "time": "2025-03-11",
            "channel": "in-person",
            "kind": "in-person-incident",
            "from": casey,
            "to": f"{robin}; {FRIEND.name}",
            "text": "Casey walked past Sam's house twice in the evening (exact time not known).",
            "witness": FRIEND.name,
        },
    ]


def _csv_text(rows: list[dict[str, str]]) -> str:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([MARKER] + [""] * (len(HEADER) - 1))  # as a spreadsheet saves cell A1
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow([row.get(column, "") for column in HEADER])
    return out.getvalue()


def write_generic_csv(path: Path) -> GenericExport:
    """The demo rows as a CSV (UTF-8 with BOM and CRLF, as a spreadsheet saves it): 5 events."""
    rows = demo_rows()
    path.write_bytes(b"\xef\xbb\xbf" + _csv_text(rows).encode("utf-8"))
    return GenericExport(path, len(rows))


def write_generic_zip(path: Path) -> GenericExport:
    """The CSV and the photo one row names, zipped: 5 events, one with an attachment."""
    rows = demo_rows()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("incidents.casetrail.csv", ZIP_TIME), _csv_text(rows).encode())
        archive.writestr(zipfile.ZipInfo(PHOTO, ZIP_TIME), tiny_jpeg((90, 90, 110), "fictional demo photo"))
    return GenericExport(path, len(rows), (PHOTO,))


def write_generic_json(path: Path) -> GenericExport:
    """The demo rows in the JSON form (``to`` as a list): 5 events."""
    events: list[dict[str, object]] = []
    for row in demo_rows():
        event: dict[str, object] = dict(row)
        if "to" in row:
            event["to"] = [name.strip() for name in row["to"].split(";")]
        events.append(event)
    document = {"casetrail_generic": 1, "events": events}
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return GenericExport(path, len(events))


def write_large_generic_csv(path: Path, count: int) -> GenericExport:
    """``count`` rows of typed-up messages, written row by row (flat memory)."""
    start = datetime(2024, 1, 1, 8, 0)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow([MARKER])
        writer.writerow(("time", "channel", "direction", "from", "to", "text", "id"))
        for number in range(count):
            at = start + timedelta(minutes=2 * number)
            text = f"message {number} typed up from a screenshot"
            if number % 11 == 3:
                text += "\nwith a second line"
            writer.writerow(
                (at.isoformat(), APP, "incoming", "casey_new_profile", VICTIM.name, text, f"msg-{number}")
            )
    return GenericExport(path, count)
