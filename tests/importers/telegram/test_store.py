"""Through the store: found by its entry point, re-imports de-duplicated, the photo linked."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from casetrail.demo.telegram_export import CASEY_ID, casey_chat, write_account_zip
from casetrail.importers.registry import discover
from casetrail.store.case import Case
from casetrail.store.importing import CHANGED, REREAD, import_file
from casetrail.store.queries import TimelineFilter, timeline
from tests.helpers import count_events


def test_the_importer_loads_through_its_entry_point() -> None:
    loaded, broken = discover()
    assert broken == []
    names = {item.importer.name: item.origin.entry_point for item in loaded}
    assert names["telegram"] == "casetrail.importers.telegram.importer:TelegramImporter"


def test_account_zip_imports_once_with_its_photo(tmp_path: Path, new_case: Case) -> None:
    written = write_account_zip(tmp_path / "Telegram export.zip")
    result = import_file(new_case, written.path)
    assert (result.importer, result.events_added, result.duplicates) == ("telegram", written.events, 0)
    assert result.conversations == 2
    assert len(result.new_exhibits) == 3  # the zip, result.json and the photo
    events = timeline(new_case, TimelineFilter(), limit=None)
    photos = [e for e in events if e.attachments]
    assert len(photos) == 1
    again = import_file(new_case, written.path)
    assert (again.events_added, again.duplicates) == (0, written.events)
    assert count_events(new_case) == written.events


def test_a_later_single_chat_export_with_an_edit_is_the_same_chat(tmp_path: Path, new_case: Case) -> None:
    written = write_account_zip(tmp_path / "export.zip")
    import_file(new_case, written.path)
    chat = casey_chat()
    chat["messages"][2]["text"] = "I know where you were today"  # edited again after the first export
    chat["messages"][2]["text_entities"] = [{"type": "plain", "text": chat["messages"][2]["text"]}]
    chat["messages"].append(
        {
            "id": 108,
            "type": "message",
            "date": "2025-04-21T09:00:00",
            "date_unixtime": "1745222400",
            "from": "Casey Marsh",
            "from_id": f"user{CASEY_ID}",
            "text": "Answer me",
            "text_entities": [],
        }
    )
    single = tmp_path / "result.json"
    single.write_text(json.dumps(chat, ensure_ascii=False, indent=1), encoding="utf-8")
    result = import_file(new_case, single)
    # Message 108 is new, and so is the edited reading of message 3 (same id, other words): both
    # readings are kept, each flagged as changed between the exports; the other six are found again.
    assert (result.events_added, result.duplicates) == (2, 6)
    assert result.changed_flagged == 2
    readings = [e for e in timeline(new_case, TimelineFilter(), limit=None) if CHANGED in e.flags]
    assert [e.details["message_id"] for e in readings] == [str(chat["messages"][2]["id"])] * 2
    assert "I know where you were today" in [e.text for e in readings]
    assert result.reread_flagged == 2 and all(REREAD in e.flags for e in readings)  # by Telegram's id too
    with zipfile.ZipFile(written.path) as archive:
        assert written.photo_member in archive.namelist()
