"""The genuine samples in the shared corpus (expected values from MANIFEST.md and the peers' tests)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from casetrail.importers.registry import choose, discover
from casetrail.ingest.source import Source
from casetrail.model.event import Channel, Direction, Kind
from tests.importers.meta.support import IMPORTERS, read

Corpus = Callable[[str], Path]
CHAT_ANALYTICS = "messenger/chat-analytics/2A_7M.json"
CHAT_MINER_MESSENGER = "messenger/chat-miner/testlog.json"
CHAT_MINER_INSTAGRAM = "instagram/chat-miner/test_export.json"


def utc(millis: int) -> datetime:
    return datetime.fromtimestamp(millis / 1000, UTC)


def test_chat_analytics_sample_with_a_bom(corpus: Corpus) -> None:
    path = corpus(CHAT_ANALYTICS)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    events = read(path)
    assert len(events) == 7
    assert Counter(e.sender for e in events) == {"Alice": 2, "Bob": 5}
    times = [e.occurred_at for e in events if e.occurred_at is not None]
    assert len(times) == 7
    assert (min(times), max(times)) == (utc(1415147240411), utc(1415147732056))
    assert times == sorted(times, reverse=True)  # file order: newest first, kept
    assert [e.locator.value for e in events] == [f"/messages/{i}" for i in range(7)]
    assert all(e.locator.scheme == "json-pointer" and e.locator.member is None for e in events)
    assert {e.conversation for e in events} == {"inbox/alice_aaaaaaaaaa"}
    assert {e.channel for e in events} == {Channel.MESSENGER}
    assert all(e.kind is Kind.MESSAGE and e.direction is Direction.UNKNOWN for e in events)
    assert [e.text for e in events[:3]] == ["Hello", "Whats up!", "you what"]
    assert events[0].local_time == "1415147732056"
    assert events[0].recipients == ("Bob",) and events[1].recipients == ("Alice",)
    media = {e.text.split(":")[0] for e in events[3:]}
    assert media == {"[file", "[audio", "[sticker", "[photo"}
    # A bare JSON file carries no media: each is named in the details and flagged.
    assert all("attachment-missing" in e.flags for e in events[3:])
    assert events[3].details["missing_media"] == "messages/inbox/alice_aaaaaaaaaa/files/blabla.docx"
    assert events[3].details["ip"] == "1.1.1.1"
    # Identities rest on what a message says and its media uris, which every export writes alike.
    assert all(e.details["source_id"].startswith("meta|") for e in events)


def test_chat_miner_messenger_identical_timestamps_keep_file_order(corpus: Corpus) -> None:
    events = read(corpus(CHAT_MINER_MESSENGER))
    assert [(e.sender, e.text) for e in events] == [
        ("Allan Smith", "Hello John"),
        ("John Doe", "Hello Allan"),
    ]
    assert {e.occurred_at for e in events} == {utc(1668628203612)}
    assert [e.locator.value for e in events] == ["/messages/0", "/messages/1"]
    # No participants, title or thread_path: the people who wrote name the thread.
    assert {e.conversation for e in events} == {"people:Allan Smith, John Doe"}
    assert events[0].recipients == ("John Doe",)
    assert all(e.details.get("type") is None for e in events)  # "Generic" is the ordinary case


def test_chat_miner_instagram(corpus: Corpus) -> None:
    events = read(corpus(CHAT_MINER_INSTAGRAM), "instagram")
    assert [(e.occurred_at, e.sender, e.text) for e in events] == [
        (utc(1579294140000), "John Doe", "Hello Jane!"),
        (utc(1577186580000), "Jane Doe", "Hello John!"),
    ]
    assert {e.channel for e in events} == {Channel.INSTAGRAM}


def test_each_sample_goes_to_the_right_importer(corpus: Corpus) -> None:
    loaded, _ = discover()
    for sample, expected in (
        (CHAT_ANALYTICS, "messenger"),
        (CHAT_MINER_MESSENGER, "messenger"),
        (CHAT_MINER_INSTAGRAM, "instagram"),
    ):
        chosen, sniff = choose(Source(corpus(sample)), loaded)
        assert chosen.importer.name == expected, (sample, sniff)
        assert sniff.confidence >= 0.9


def test_the_other_importer_gives_way_but_reads_the_same_events(corpus: Corpus) -> None:
    path = corpus(CHAT_MINER_INSTAGRAM)
    assert IMPORTERS["messenger"].sniff(Source(path)).confidence < 0.5
    # The path names the app, so even the Messenger importer files these under Instagram.
    assert {e.channel for e in read(path, "messenger")} == {Channel.INSTAGRAM}
