"""Events sealed in blocks: identities, time order across blocks, and the no-lookup fast path."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent
from casetrail.store import importing
from casetrail.store.case import Case
from casetrail.store.event_blocks import (
    IdentityMaker,
    event_record,
    identity_range,
    identity_time,
    time_prefix,
)
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, timeline
from casetrail.store.tables import event_blocks, event_sources
from tests.helpers import android_lines, count_events, write_chat

KEY = bytes(range(32))


def message(sender: str | None, text: str, minute: int | None = 0, kind: Kind = Kind.MESSAGE) -> ParsedEvent:
    when = None if minute is None else datetime(2025, 1, 6, 9, minute, tzinfo=UTC)
    return ParsedEvent(
        when,
        "06/01/2025, 09:00",
        Channel.WHATSAPP,
        kind,
        Direction.UNKNOWN,
        sender,
        (),
        text,
        Locator("line", "1"),
    )


def micros(event: ParsedEvent) -> int | None:
    return None if event.occurred_at is None else int(event.occurred_at.timestamp()) * 1_000_000


def identities(events: list[ParsedEvent], conversation: str | None = "chat") -> list[bytes]:
    maker = IdentityMaker(KEY, conversation, "whatsapp")
    return [maker.identity(event_record(event)) for event in events]


def test_identical_messages_in_one_minute_stay_two_events_and_a_second_export_matches_them() -> None:
    chat = [message("Casey", "ok"), message("Casey", "ok"), message("Robin", "ok")]
    first, again = identities(chat), identities(chat)
    assert len(set(first)) == 3
    assert first == again  # the same export read twice gives the same identities


def test_identities_sort_by_time_and_events_without_a_time_come_first() -> None:
    late, early, untimed = identities([message("A", "x", 30), message("A", "x", 5), message("A", "x", None)])
    assert untimed < early < late
    assert identity_time(early) == micros(message("A", "x", 5))
    assert identity_time(untimed) is None
    low, high = identity_range(micros(message("A", "x", 5)), micros(message("A", "x", 30)))
    assert low <= early < high and not late < high and not low <= untimed


@pytest.mark.parametrize(
    ("one", "other"),
    [
        (("a\x1fb", "c"), ("a", "b\x1fc")),  # the separator inside a field cannot move a boundary
        (("a", "b"), ("a", "b\x1f")),
        (("Casey", "ok"), ("Casey", "ok ")),
    ],
)
def test_different_content_never_shares_an_identity(one: tuple[str, str], other: tuple[str, str]) -> None:
    assert identities([message(*one)]) != identities([message(*other)])


def test_the_conversation_channel_and_kind_are_part_of_the_identity() -> None:
    event = message("Casey", "ok")
    assert identities([event], "chat one") != identities([event], "chat two")
    assert identities([event]) != identities([message("Casey", "ok", kind=Kind.DELETED)])
    other_channel = IdentityMaker(KEY, "chat", "sms").identity(event_record(event))
    assert [other_channel] != identities([event])


def test_time_prefix_keeps_the_order_of_times_before_1970() -> None:
    assert time_prefix(-5) < time_prefix(0) < time_prefix(5)


def test_the_timeline_is_in_time_order_across_many_overlapping_blocks(
    new_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(importing, "BLOCK_SIZE", 4)
    start = datetime(2025, 1, 6, 9, 0)
    import_file(new_case, write_chat(tmp_path / "WhatsApp Chat with Casey.txt", android_lines(40, start, 7)))
    import_file(new_case, write_chat(tmp_path / "WhatsApp Chat with Sam.txt", android_lines(50, start, 5)))
    with new_case.reader.connect() as conn:
        assert conn.execute(select(func.count()).select_from(event_blocks)).scalar_one() == 10 + 13
    shown = timeline(new_case, TimelineFilter(), limit=None)
    assert len(shown) == 90
    times = [e.occurred_at for e in shown]
    assert times == sorted(times)  # type: ignore[type-var]
    middle = timeline(
        new_case,
        TimelineFilter(
            since=datetime(2025, 1, 6, 10, 0, tzinfo=UTC), until=datetime(2025, 1, 6, 11, 0, tzinfo=UTC)
        ),
        limit=None,
    )
    assert [e.occurred_at for e in middle] == [t for t in times if t and 10 <= t.hour < 11]
    page_two = timeline(new_case, TimelineFilter(), offset=30, limit=30)
    assert [e.uid for e in page_two] == [e.uid for e in shown[30:60]]


def test_an_overlapping_export_adds_only_source_records_for_what_it_shares(
    new_case: Case, tmp_path: Path
) -> None:
    lines = android_lines(30)
    import_file(new_case, write_chat(tmp_path / "WhatsApp Chat with Casey.txt", lines[:20]))
    later = import_file(new_case, write_chat(tmp_path / "WhatsApp Chat with Casey (2).txt", lines[10:]))
    assert (later.events_added, later.duplicates) == (10, 10)
    again = import_file(new_case, write_chat(tmp_path / "WhatsApp Chat with Casey (3).txt", lines[10:]))
    assert (again.events_added, again.duplicates, again.exhibit) == (0, 20, later.exhibit)
    with new_case.reader.connect() as conn:
        assert conn.execute(select(func.count()).select_from(event_sources)).scalar_one() == 10
    assert count_events(new_case) == 30
    shown = timeline(new_case, TimelineFilter(), limit=None)
    assert [len(e.sources) for e in shown] == [1] * 10 + [2] * 10 + [1] * 10


def test_an_identity_collision_inside_one_file_falls_back_to_lookups(
    new_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With counters forgotten, a repeat of an earlier minute's message gets the same identity: the
    fast path's insert is refused, rolled back to its savepoint and redone with lookups."""
    monkeypatch.setattr(IdentityMaker, "RECENT_TIMES", 1)
    chat = [
        "06/01/2025, 09:00 - Casey Marsh: ok",
        "06/01/2025, 09:05 - Casey Marsh: later",
        "06/01/2025, 09:06 - Casey Marsh: later still",
        "06/01/2025, 09:00 - Casey Marsh: ok",
        "06/01/2025, 09:10 - Casey Marsh: last",
    ]
    result = import_file(new_case, write_chat(tmp_path / "chat.txt", chat))
    assert (result.events_added, result.duplicates) == (4, 1)
    texts = [e.text for e in timeline(new_case, TimelineFilter(), limit=None)]
    assert texts == ["ok", "later", "later still", "last"]


def test_a_record_holding_bytes_that_are_not_text_is_sealed_with_a_replacement() -> None:
    """Found by the G-17 fuzz run: a lone surrogate (a byte read with surrogateescape) in an event
    could not be encoded, and the import failed with an unexpected error."""
    from casetrail.crypto.fields import FieldCipher
    from casetrail.store.event_blocks import open_records, seal_records

    fields = FieldCipher(bytes(32))
    records: list[Any] = [
        [
            0,
            None,
            None,
            None,
            1,
            "x",
            "message",
            "incoming",
            "Cas\udcc3ey",
            [],
            "t\ud800",
            [],
            {"k": "\udcff"},
            [],
        ]
    ]
    sealed = seal_records(fields, 7, b"\x01" * 24, records)
    opened = open_records(fields, 7, b"\x01" * 24, sealed)
    assert opened[0][8] == "Cas\ufffdey" and opened[0][10] == "t?" and opened[0][12] == {"k": "\ufffd"}
    assert fields.open_json(fields.seal_json({"name": "a\udcc3"}, "p"), "p") == {"name": "a\ufffd"}
