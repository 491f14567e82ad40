"""The genuine samples in the shared corpus, against MANIFEST.md's Telegram table."""

from __future__ import annotations

import zipfile
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from casetrail.importers.base import ImportContext
from casetrail.ingest.source import Source
from casetrail.model.event import Direction, Kind
from tests.importers.telegram.support import IMPORTER, read

Corpus = Callable[[str], Path]


def test_chat_miner_single_and_batch_give_the_same_two_messages(corpus: Corpus) -> None:
    single = read(corpus("telegram/chat-miner/test_single_export.json"))
    batch = read(corpus("telegram/chat-miner/test_batch_export.json"))
    for events in (single, batch):
        assert [e.sender for e in events] == ["Author 1", "Author 2"]
        assert [e.occurred_at for e in events] == [
            datetime(2018, 12, 5, 10, 39, 10, tzinfo=UTC),
            datetime(2018, 12, 5, 10, 49, 24, tzinfo=UTC),
        ]
        # The peer (target.json) puts a space between the entities; Telegram's own text has none.
        assert [e.text for e in events] == ["Minimal Message", "Link:https://telegram.org/"]
        assert all(e.direction is Direction.UNKNOWN and not e.flags for e in events)
    assert [e.locator.value for e in batch] == ["/chats/list/0/messages/0", "/chats/list/0/messages/1"]
    assert {e.conversation for e in batch} == {"name:Chatname"}  # no chat id in this sample


def test_chat_analytics_dm_mixes_local_and_utc_times(corpus: Corpus) -> None:
    context = ImportContext(ZoneInfo("America/Sao_Paulo"))  # UTC-3, as the sample's call shows
    events = read(corpus("telegram/chat-analytics/DM_2A_7M.json"), context)
    assert len(events) == 8
    messages = [e for e in events if e.kind is Kind.MESSAGE]
    assert Counter(e.sender for e in messages) == {"Bob": 2, "Alice": 4}
    assert [e.kind for e in events if e.kind is not Kind.MESSAGE] == [Kind.SYSTEM, Kind.CALL]
    call = events[-1]
    assert call.occurred_at == datetime(2023, 8, 11, 2, 11, 2, tzinfo=UTC)
    assert call.details["call_duration_s"] == "56" and call.details["call"] == "answered"
    assert call.local_time == "2023-08-10T23:11:02" and "time-from-local-clock" not in call.flags
    local_only = [e for e in events if "time-from-local-clock" in e.flags]
    assert [e.details["message_id"] for e in local_only] == ["2675", "3644", "3645"]
    assert events[1].occurred_at == datetime(2019, 7, 12, 19, 55, 32, tzinfo=UTC)  # 16:55:32 at UTC-3
    assert events[1].text == "https://google.com 👀"
    assert [e.flags for e in events if "attachment-not-exported" in e.flags] == [
        ("attachment-not-exported",)
    ] * 2
    assert {e.conversation for e in events} == {"700000000"}
    assert events[2].recipients == ("Bob",) and events[1].recipients == ("Alice",)
    assert events[3].details["source_id"].startswith("telegram|700000000|3662|")


def test_tg2md_channel_alone(corpus: Corpus) -> None:
    context = ImportContext(ZoneInfo("UTC"))
    events = read(corpus("telegram/tg2md/export/result.json"), context)
    assert len(events) == 19
    assert Counter(e.kind for e in events) == {Kind.POST: 18, Kind.SYSTEM: 1}
    assert {e.sender for e in events} == {"test"}
    assert events[0].local_time == "2020-11-12T12:53:52" and events[-1].local_time == "2021-07-14T19:20:23"
    assert sum("edited" in e.flags for e in events) == 5
    assert all("time-from-local-clock" in e.flags for e in events)
    assert sum("attachment-missing" in e.flags for e in events) == 9  # a lone file carries no media
    assert any("Import the zip" in note for note in context.notes)
    assert "text link [http://example.com/]\n\nexample.com" in events[11].text


def test_tg2md_channel_zipped_with_its_media(corpus: Corpus, tmp_path: Path) -> None:
    folder = corpus("telegram/tg2md/export")
    path = tmp_path / "export.zip"
    with zipfile.ZipFile(path, "w") as archive:
        for file in sorted(folder.rglob("*")):
            if file.is_file():
                archive.write(file, "ChatExport_2021-07-14/" + file.relative_to(folder).as_posix())
    assert IMPORTER.sniff(Source(path)).confidence >= 0.9
    events = read(path)
    assert len(events) == 19
    linked = Counter(member.split("/", 1)[1] for e in events for member in e.attachments)
    assert linked == {
        "photos/photo_1@12-11-2020_12-57-31.jpg": 2,
        "voice_messages/audio_1@12-11-2020_13-01-05.ogg": 1,
        "files/test-sound.ogg": 1,
        "files/dice.svg": 1,
        "files/dice.svg_thumb.jpg": 1,
    }
    missing = [e for e in events if "attachment-missing" in e.flags]
    assert [e.details["missing_media"] for e in missing] == ["photos/photo_3@14-07-2021_18-52-46.jpg"] * 3 + [
        "files/LICENSE.md"
    ]
    assert {e.locator.member for e in events} == {"ChatExport_2021-07-14/result.json"}
