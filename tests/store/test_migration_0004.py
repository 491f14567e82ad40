"""G-45: revision 0004 moves events into sealed blocks with re-derived identities, and back again.

The revision 0003 data is written here with plain SQL and the sealing and dedup keys that version's
importer used, so these tests do not depend on today's importer or queries.
"""

from __future__ import annotations

import json
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

from casetrail.crypto.keys import keyed_hash
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent
from casetrail.model.timestamps import to_micros
from casetrail.store.case import Case, Producer
from casetrail.store.event_blocks import (
    BLOCK_SIZE,
    EVENT,
    SOURCE,
    IdentityMaker,
    event_record,
    open_records,
    seal_records,
    split_identities,
)
from casetrail.store.migrate import current_revision, downgrade_to, upgrade_to
from casetrail.store.tables import metadata
from tests.conftest import PASSPHRASE

MISSING = "missing-from-an-export"
START = datetime(2019, 1, 7, 8, 0, tzinfo=UTC)


# -- revision 0003 data, written as casetrail then wrote it ----------------------------------------


def unambiguous(*parts: str | None) -> str:
    return "".join("~" if part is None else f"{len(part)}:{part}" for part in parts)


class OldDeduper:
    """importing._Deduper at revision 0003."""

    def __init__(self, key: bytes, conversation: str | None) -> None:
        self.key = key
        self.conversation = conversation
        self.seen: OrderedDict[str, dict[str, int]] = OrderedDict()

    def identity(self, event: ParsedEvent) -> str:
        source_id = event.details.get("source_id")
        if source_id:
            return keyed_hash(self.key, json.dumps([event.channel, event.kind, "id", source_id]).encode())
        when = event.occurred_at.isoformat() if event.occurred_at else event.local_time
        counts = self.seen.get(when)
        if counts is None:
            counts = self.seen[when] = {}
            if len(self.seen) > 512:
                self.seen.popitem(last=False)
        else:
            self.seen.move_to_end(when)
        base = unambiguous(
            self.conversation, event.channel, event.kind, event.sender, when, event.text, *event.attachments
        )
        occurrence = counts.get(base, 0)
        counts[base] = occurrence + 1
        return keyed_hash(self.key, f"{base}#{occurrence}".encode())


class OldCase:
    """Writes revision 0003 rows: exhibits, imports and the events and sources of each import."""

    def __init__(self, case: Case, conn: Connection) -> None:
        self.case = case
        self.conn = conn
        self.key = case.keys.index
        self.by_key: dict[str, int] = {}
        self.locators: set[str] = set()
        self.created: dict[int, tuple[str | None, ParsedEvent]] = {}  # old id: conversation key, event
        self.exports: list[tuple[str | None, list[ParsedEvent]]] = []
        self.next_event = self.next_source = 1

    def exhibit(self, parent: int | None = None) -> int:
        number = int(self.conn.exec_driver_sql("SELECT count(*) FROM exhibits").scalar_one()) + 1
        content_key = keyed_hash(self.key, f"test exhibit {number}".encode())
        meta = self.case.fields.seal_json({"original_name": f"file {number}"}, f"exhibits.meta:{content_key}")
        self.conn.exec_driver_sql(
            "INSERT INTO exhibits (id, number, ref, content_key, size, parent_id, added_at, meta_enc) "
            "VALUES (?, ?, ?, ?, 1, ?, '2025-01-01T00:00:00Z', ?)",
            (number, number, f"RH/{number}", content_key, parent, meta),
        )
        return number

    def conversation(self, name: str) -> tuple[int, str]:
        key = keyed_hash(self.key, unambiguous("conversation", "whatsapp", name).encode())
        self.conn.exec_driver_sql("INSERT INTO conversations (conversation_key) VALUES (?)", (key,))
        return int(self.conn.exec_driver_sql("SELECT max(id) FROM conversations").scalar_one()), key

    def add_import(
        self,
        exhibit_id: int,
        events: list[ParsedEvent],
        chat: tuple[int, str] | None = None,
        members: dict[str, int] | None = None,
    ) -> list[int]:
        """importing.EventWriter at revision 0003; returns the event id each event landed on."""
        conversation_id, conversation_key = chat if chat else (None, None)
        import_id = 1 + int(self.conn.exec_driver_sql("SELECT count(*) FROM imports").scalar_one())
        times = [to_micros(e.occurred_at) for e in events if e.occurred_at]
        self.conn.exec_driver_sql(
            "INSERT INTO imports VALUES (?, '2025-01-01T00:00:00Z', 'test', '1', ?, 0, 0, ?, ?, ?)",
            (import_id, exhibit_id, conversation_id, min(times, default=None), max(times, default=None)),
        )
        self.exports.append((conversation_key, events))
        dedup = OldDeduper(self.key, conversation_key)
        landed = []
        for event in events:
            key = dedup.identity(event)
            if key not in self.by_key:
                self.by_key[key] = self._insert_event(event, key, import_id, conversation_id)
                self.created[self.by_key[key]] = (conversation_key, event)
                for name in event.attachments:
                    if members and name in members:
                        self.conn.exec_driver_sql(
                            "INSERT INTO event_attachments VALUES (?, ?)", (self.by_key[key], members[name])
                        )
            self._insert_source(self.by_key[key], exhibit_id, import_id, event.locator)
            landed.append(self.by_key[key])
        return landed

    def _insert_event(self, event: ParsedEvent, key: str, import_id: int, conversation_id: int | None) -> int:
        uid = str(uuid.uuid4())
        payload = {
            "sender": event.sender,
            "recipients": list(event.recipients),
            "text": event.text,
            "local_time": event.local_time,
            "attachments": list(event.attachments),
            "details": event.details,
        }
        event_id, self.next_event = self.next_event, self.next_event + 1
        self.conn.exec_driver_sql(
            "INSERT INTO events (id, uid, occurred_us, channel, kind, direction, flags, dedup_key, "
            "supersedes_id, import_id, payload_enc, conversation_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?, ?)",
            (
                *(event_id, uid, to_micros(event.occurred_at) if event.occurred_at else None),
                *(str(event.channel), str(event.kind), str(event.direction), ",".join(event.flags), key),
                *(import_id, self.case.fields.seal_json(payload, f"events.payload:{uid}"), conversation_id),
            ),
        )
        return event_id

    def _insert_source(self, event_id: int, exhibit_id: int, import_id: int, locator: Locator) -> None:
        place = unambiguous(str(exhibit_id), locator.scheme, locator.value, locator.member)
        locator_key = keyed_hash(self.key, place.encode())
        if locator_key in self.locators:
            return
        self.locators.add(locator_key)
        value = {"scheme": locator.scheme, "value": locator.value, "member": locator.member}
        sealed = self.case.fields.seal_json(value, f"event_sources.locator:{locator_key}")
        self.conn.exec_driver_sql(
            "INSERT INTO event_sources VALUES (?, ?, ?, ?, ?, ?)",
            (self.next_source, event_id, exhibit_id, import_id, locator_key, sealed),
        )
        self.next_source += 1

    def expunge(self, exhibit_id: int) -> None:
        """What store/expunge.py did to an exhibit whose events other exports also hold."""
        self.conn.exec_driver_sql("DELETE FROM event_sources WHERE exhibit_id = ?", (exhibit_id,))
        tombstone = keyed_hash(self.key, f"expunged|{exhibit_id}".encode())
        self.conn.exec_driver_sql(
            "UPDATE exhibits SET content_key = ?, size = 0 WHERE id = ?", (tombstone, exhibit_id)
        )


def message(
    minute: int | None,
    sender: str,
    text: str,
    line: int,
    member: str | None = None,
    local_time: str = "",
    **extra: Any,
) -> ParsedEvent:
    when = None if minute is None else START + timedelta(minutes=minute)
    return ParsedEvent(
        occurred_at=when,
        local_time=f"{when:%d/%m/%Y, %H:%M}" if when else local_time,
        channel=Channel.WHATSAPP,
        kind=Kind.MESSAGE,
        direction=Direction.OUTGOING if sender == "Robin Hale" else Direction.INCOMING,
        sender=sender,
        recipients=("Casey Marsh",) if sender == "Robin Hale" else ("Robin Hale",),
        text=text,
        locator=Locator("line", str(line), member),
        **extra,
    )


def diary(version: int, text: str) -> ParsedEvent:
    details = {"source_id": "entry-1" if version == 1 else f"entry-1#v{version}", "where": "the station"}
    if version > 1:
        details["version"] = str(version)
    return ParsedEvent(
        occurred_at=datetime(2019, 1, 6, 19, 0, tzinfo=UTC),
        local_time="2019-01-06T19:00",
        channel=Channel.IN_PERSON,
        kind=Kind.IN_PERSON_INCIDENT,
        direction=Direction.NOT_APPLICABLE,
        sender=None,
        recipients=(),
        text=text,
        locator=Locator("json-pointer", "/entries/0"),
        details=details,
    )


@pytest.fixture
def case_0003(tmp_path: Path) -> Iterator[tuple[Case, OldCase]]:
    """Two overlapping exports of one chat (the first with a photo), a diary entry and its amendment,
    and a message whose first export was expunged but a later export also holds."""
    case = Case.create(tmp_path / "case", PASSPHRASE, Producer("Robin Hale", "RH"))
    with case.writer.begin() as conn:
        downgrade_to(conn, "0003", case)
        old = OldCase(case, conn)
        chat = old.conversation("Casey Marsh")
        first, photo = old.exhibit(), old.exhibit()
        old.exhibit(parent=first)  # a member no event names
        export_a = [
            message(0, "Casey Marsh", "hello", 1, "chat.txt"),
            message(4, "Robin Hale", "ok", 2, "chat.txt"),
            message(4, "Robin Hale", "ok", 3, "chat.txt"),  # the same words in the same minute
            message(
                10,
                "Casey Marsh",
                "look",
                4,
                "chat.txt",
                attachments=("IMG-1.jpg",),
                flags=("undecodable-bytes",),
            ),
            message(None, "Casey Marsh", "odd date", 5, "chat.txt", local_time="31/02/2019, 08:15"),
            message(20, "Casey Marsh", "bye", 6, "chat.txt"),
        ]
        old.add_import(first, export_a, chat, {"IMG-1.jpg": photo})
        export_b = [
            message(0, "Casey Marsh", "hello", 1),
            message(4, "Robin Hale", "ok", 2),
            message(4, "Robin Hale", "ok", 3),
            message(20, "Casey Marsh", "bye", 4),
            message(30, "Casey Marsh", "new in B", 5),
        ]
        old.add_import(old.exhibit(), export_b, chat)
        [v1] = old.add_import(old.exhibit(), [diary(1, "followed me home")])
        [v2] = old.add_import(old.exhibit(), [diary(2, "followed me home from the station")])
        conn.exec_driver_sql("UPDATE events SET supersedes_id = ? WHERE id = ?", (v1, v2))
        gone = old.exhibit()
        old.add_import(
            gone, [message(60, "Casey Marsh", "late one", 1), message(20, "Casey Marsh", "bye", 2)], chat
        )
        old.add_import(old.exhibit(), [message(60, "Casey Marsh", "late one", 9)], chat)
        old.expunge(gone)
        conn.exec_driver_sql("UPDATE events SET flags = flags || ',' || ? WHERE id = 4", (MISSING,))
    yield case, old
    case.close()


# -- reading either revision ----------------------------------------------------------------------


def old_state(case: Case) -> dict[str, Any]:
    """Revision 0003 rows, payloads and locators opened (uids and nonces set aside)."""
    with case.reader.connect() as conn:
        events = []
        for row in conn.exec_driver_sql("SELECT * FROM events ORDER BY id").mappings():
            payload = case.fields.open_json(row["payload_enc"], f"events.payload:{row['uid']}")
            events.append({**{k: v for k, v in row.items() if k not in ("uid", "payload_enc")}, **payload})
        sources = []
        for row in conn.exec_driver_sql("SELECT * FROM event_sources ORDER BY id").mappings():
            place = case.fields.open_json(row["locator_enc"], f"event_sources.locator:{row['locator_key']}")
            sources.append(
                (row["id"], row["event_id"], row["exhibit_id"], row["import_id"], row["locator_key"], place)
            )
        attachments = conn.exec_driver_sql("SELECT * FROM event_attachments ORDER BY event_id").all()
    return {"events": events, "sources": sources, "attachments": [tuple(r) for r in attachments]}


def new_state(case: Case) -> dict[str, Any]:
    """Revision 0004 rows, every block's records opened."""
    with case.reader.connect() as conn:

        def table(sql: str) -> list[tuple[Any, ...]]:
            return [
                tuple(bytes(v) if isinstance(v, memoryview) else v for v in r)
                for r in conn.exec_driver_sql(sql)
            ]

        blocks = {}
        for row in conn.exec_driver_sql("SELECT * FROM event_blocks ORDER BY id").mappings():
            records = open_records(case.fields, row["id"], row["identities"], row["records_enc"])
            blocks[row["id"]] = {**{k: v for k, v in row.items() if k != "records_enc"}, "records": records}
        return {
            "blocks": blocks,
            "events": {r[0]: r[1:] for r in table("SELECT identity, block_id, slot, kind FROM events")},
            "sources": set(table("SELECT identity, exhibit_id, block_id, slot FROM event_sources")),
            "attachments": set(table("SELECT identity, exhibit_id FROM event_attachments")),
            "flags": set(table("SELECT identity, flag FROM event_flags")),
            "supersedes": set(table("SELECT identity, supersedes FROM event_supersedes")),
        }


def expected_identities(case: Case, old: OldCase) -> dict[int, bytes]:
    """IdentityMaker fed every old event in old-id order, a maker per conversation and channel."""
    makers: dict[tuple[str | None, str], IdentityMaker] = {}
    found = {}
    for event_id, (conversation_key, event) in sorted(old.created.items()):
        scope = (conversation_key, str(event.channel))
        maker = makers.setdefault(scope, IdentityMaker(case.keys.index, *scope))
        found[event_id] = maker.identity(event_record(event))
    return found


def reimport_identities(case: Case, old: OldCase) -> set[bytes]:
    """What importing each export again gives: a fresh maker per export (and channel)."""
    found = set()
    for conversation_key, events in old.exports:
        makers: dict[str, IdentityMaker] = {}
        for event in events:
            maker = makers.setdefault(
                event.channel, IdentityMaker(case.keys.index, conversation_key, event.channel)
            )
            found.add(maker.identity(event_record(event)))
    return found


#: Tables later revisions add: at 0004 they are rightly missing.
LATER_TABLES = {
    "people",
    "person_accounts",
    "event_keys",
    "label_decisions",
    "event_links",
    "analysis_runs",
    "risk_answers",
    "safety_plan_marks",
}


def _later(difference: Any) -> bool:
    """A table (or its index) that a later revision adds."""
    if difference[0] == "add_table":
        return difference[1].name in LATER_TABLES
    return difference[0] == "add_index" and difference[1].table.name in LATER_TABLES


def migrate(case: Case, revision: str) -> None:
    with case.writer.begin() as conn:
        if revision == "0004":
            upgrade_to(conn, revision, case)
        else:
            downgrade_to(conn, revision, case)


# -- tests ----------------------------------------------------------------------------------------


def test_g45_0004_gives_every_event_the_identity_a_new_import_would(case_0003: tuple[Case, OldCase]) -> None:
    case, old = case_0003
    migrate(case, "0004")
    state = new_state(case)
    expected = expected_identities(case, old)
    assert set(state["events"]) == set(expected.values()) == reimport_identities(case, old)
    assert len(expected) == 10
    assert expected[2] != expected[3]  # "ok", "ok" in one minute: occurrences 0 and 1
    kinds = [state["events"][expected[event_id]][2] for event_id in range(1, 11)]
    assert kinds == [*["message"] * 7, "in-person-incident", "in-person-incident", "message"]
    with case.reader.connect() as conn:
        tables = {r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")}
        assert not {t for t in tables if t.endswith(("_0003", "_0004"))}
        differences = compare_metadata(MigrationContext.configure(conn), metadata)
        assert [d for d in differences if not _later(d)] == []


def test_g45_0004_seals_each_event_in_a_block_of_its_import(case_0003: tuple[Case, OldCase]) -> None:
    case, old = case_0003
    before = old_state(case)
    migrate(case, "0004")
    state = new_state(case)
    identity = expected_identities(case, old)
    first_source: dict[int, tuple[int | None, int, dict[str, Any]]] = {}
    for _id, event_id, exhibit_id, import_id, _key, place in before["sources"]:
        first_source.setdefault(event_id, (exhibit_id, import_id, place))
    # Event 10's own export was expunged: its record has no place, its block no exhibit.
    first_source[10] = (None, 5, {"scheme": None, "value": None, "member": None})
    blocks = state["blocks"]
    for row in before["events"]:
        block_id, slot, kind = state["events"][identity[row["id"]]]
        block = blocks[block_id]
        exhibit_id, import_id, place = first_source[row["id"]]
        own_flags = [f for f in row["flags"].split(",") if f and f != MISSING]
        assert block["records"][slot] == [
            *(EVENT, place["scheme"], place["value"], place["member"], row["occurred_us"], row["local_time"]),
            *(kind, row["direction"], row["sender"], row["recipients"], row["text"], own_flags),
            *(row["details"], row["attachments"]),
        ]
        where = (block["import_id"], block["exhibit_id"], block["conversation_id"], block["channel"])
        assert where == (import_id, exhibit_id, row["conversation_id"], row["channel"])
        assert import_id == row["import_id"]
    for block_id, block in blocks.items():
        records = block["records"]
        at = {s: i for i, (b, s, _kind) in state["events"].items() if b == block_id}
        at.update({s: i for i, _exhibit, b, s in state["sources"] if b == block_id})
        assert split_identities(block["identities"]) == [at[slot] for slot in range(len(records))]
        times = [r[4] for r in records if r[0] == EVENT and r[4] is not None]
        assert (block["first_us"], block["last_us"]) == ((min(times), max(times)) if times else (None, None))
        assert block["untimed"] == sum(1 for r in records if r[0] == EVENT and r[4] is None)
    assert [len(b["records"]) for b in blocks.values()] == [6, 1, 1, 1, 1, 4, 1]
    assert (blocks[1]["first_us"], blocks[1]["last_us"], blocks[1]["untimed"]) == (
        to_micros(START),
        to_micros(START + timedelta(minutes=20)),
        1,
    )
    assert (blocks[6]["first_us"], blocks[6]["last_us"], blocks[6]["untimed"]) == (None, None, 0)


def test_g45_0004_keeps_further_sources_flags_versions_and_attachments(
    case_0003: tuple[Case, OldCase],
) -> None:
    case, old = case_0003
    migrate(case, "0004")
    state = new_state(case)
    identity = expected_identities(case, old)
    # Export B (exhibit 4, import 2) holds events 1, 2, 3 and 6 of export A; export D (exhibit 8,
    # import 6) holds event 10, whose own export (exhibit 7) was expunged.
    found = {
        (i, e): state["blocks"][b]["records"][s] + [state["blocks"][b]["import_id"]]
        for i, e, b, s in state["sources"]
    }
    assert found == {
        (identity[1], 4): [SOURCE, "line", "1", None, 2],
        (identity[2], 4): [SOURCE, "line", "2", None, 2],
        (identity[3], 4): [SOURCE, "line", "3", None, 2],
        (identity[6], 4): [SOURCE, "line", "4", None, 2],
        (identity[10], 8): [SOURCE, "line", "9", None, 6],
    }
    assert state["flags"] == {(identity[4], MISSING)}
    assert state["supersedes"] == {(identity[9], identity[8])}
    assert state["attachments"] == {(identity[4], 2)}


def test_g45_0004_down_gives_back_the_0003_rows_and_up_again_the_same_blocks(
    case_0003: tuple[Case, OldCase],
) -> None:
    case, _old = case_0003
    before = old_state(case)
    migrate(case, "0004")
    up = new_state(case)
    migrate(case, "0003")
    with case.reader.connect() as conn:
        assert current_revision(conn) == "0003"
    after = old_state(case)
    assert after["events"] == before["events"]  # dedup keys too: made as revision 0003 made them
    assert after["attachments"] == before["attachments"]
    assert sorted(s[1:] for s in after["sources"]) == sorted(s[1:] for s in before["sources"])
    assert [s[0] for s in after["sources"]] == list(range(1, len(after["sources"]) + 1))
    assert [s[1] for s in after["sources"]] == sorted(s[1] for s in after["sources"])  # event, then source
    migrate(case, "0004")
    again = new_state(case)
    assert again == up


def test_g45_0004_counts_occurrences_exactly_across_exports_whose_times_go_back(tmp_path: Path) -> None:
    """IdentityMaker forgets counters after 512 times; the migration must not (two exports of 1,100
    minutes: without exact counts the second "ok" of a minute would take the first one's identity)."""
    minutes = 1100
    with Case.create(tmp_path / "case", PASSPHRASE, Producer("Robin Hale", "RH")) as case:
        with case.writer.begin() as conn:
            downgrade_to(conn, "0003", case)
            old = OldCase(case, conn)
            chat = old.conversation("Casey Marsh")
            old.add_import(
                old.exhibit(), [message(m, "Robin Hale", "ok", m + 1) for m in range(minutes)], chat
            )
            twice = [message(m // 2, "Robin Hale", "ok", m + 1) for m in range(2 * minutes)]
            old.add_import(old.exhibit(), twice, chat)
        before = old_state(case)
        assert len(before["events"]) == 2 * minutes
        naive = IdentityMaker(case.keys.index, chat[1], "whatsapp")
        in_order = [event for _id, (_key, event) in sorted(old.created.items())]
        naive_ids = {naive.identity(event_record(e)) for e in in_order}
        assert len(naive_ids) < 2 * minutes
        migrate(case, "0004")
        up = new_state(case)
        assert set(up["events"]) == reimport_identities(case, old)
        assert len(up["events"]) == 2 * minutes
        sizes = [(b["import_id"], len(b["records"]), b["records"][0][0]) for b in up["blocks"].values()]
        full, rest = BLOCK_SIZE, minutes - BLOCK_SIZE  # a block per 1,000 records of an import
        assert sizes == [
            *((1, full, EVENT), (1, rest, EVENT), (2, full, EVENT), (2, rest, EVENT)),
            *((2, full, SOURCE), (2, rest, SOURCE)),
        ]
        migrate(case, "0003")
        assert old_state(case)["events"] == before["events"]
        migrate(case, "0004")
        assert new_state(case) == up


def test_g45_0004_refuses_to_convert_events_without_the_case(case_0003: tuple[Case, OldCase]) -> None:
    case, _old = case_0003
    with pytest.raises(RuntimeError, match="needs the open case"), case.writer.begin() as conn:
        upgrade_to(conn, "0004")
    with case.reader.connect() as conn:
        assert current_revision(conn) == "0003"
    migrate(case, "0004")
    with pytest.raises(RuntimeError, match="needs the open case"), case.writer.begin() as conn:
        downgrade_to(conn, "0003")
    with case.reader.connect() as conn:
        assert current_revision(conn) == "0004"


def test_g45_0004_down_keeps_events_that_0003_could_not_tell_apart(new_case: Case) -> None:
    """Blocks may hold what revision 0003 had one row for: an export read twice in different ways (two
    events at one place) or a diary entry read at two times (one source id). Nothing is lost but the
    second place, which revision 0003 could not hold either."""
    case = new_case
    ok, entry = message(4, "Robin Hale", "ok", 2), diary(1, "followed me home")
    readings = [
        (ok, entry),
        (replace(ok, occurred_at=START + timedelta(hours=4)), replace(entry, occurred_at=START)),
    ]
    with case.writer.begin() as conn:
        exhibit = OldCase(case, conn).exhibit()
        for import_id, events in enumerate(readings, start=1):
            conn.exec_driver_sql(
                "INSERT INTO imports VALUES (?, '2025-01-01', 'test', '1', ?, 1, 0, NULL, NULL, NULL)",
                (import_id, exhibit),
            )
            for event in events:
                block_id = int(conn.exec_driver_sql("SELECT count(*) FROM event_blocks").scalar_one()) + 1
                when = to_micros(event.occurred_at) if event.occurred_at else None
                record = event_record(event)
                identity = IdentityMaker(case.keys.index, None, event.channel).identity(record)
                sealed = seal_records(case.fields, block_id, identity, [record])
                conn.exec_driver_sql(
                    "INSERT INTO event_blocks VALUES (?, ?, ?, NULL, ?, ?, ?, 0, ?, ?)",
                    (block_id, import_id, exhibit, str(event.channel), when, when, identity, sealed),
                )
                conn.exec_driver_sql(
                    "INSERT INTO events VALUES (?, ?, 0, ?)", (identity, block_id, str(event.kind))
                )
    up = new_state(case)
    migrate(case, "0003")
    down = old_state(case)
    assert [e["text"] for e in down["events"]] == ["ok", "followed me home"] * 2
    assert len({e["dedup_key"] for e in down["events"]}) == 4
    basis = json.dumps(["in-person", "in-person-incident", "id", "entry-1"]).encode()
    assert down["events"][1]["dedup_key"] == keyed_hash(case.keys.index, basis)
    assert [s[:3] for s in down["sources"]] == [(1, 1, exhibit), (2, 2, exhibit)]
    migrate(case, "0004")
    again = new_state(case)
    assert again["events"] == up["events"]
    lost = [again["blocks"][b]["records"][s][1:4] for b, s, _kind in again["events"].values() if b > 2]
    assert lost == [[None, None, None]] * 2
