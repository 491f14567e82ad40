"""G-45: every schema revision upgrades and downgrades, with data, and older cases are migrated on request."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, text

from casetrail.store.case import Case, Producer
from casetrail.store.db import make_engine
from casetrail.store.importing import import_file
from casetrail.store.migrate import (
    SchemaOutdated,
    current_revision,
    downgrade_to,
    head_revision,
    revisions_oldest_first,
    upgrade_to,
)
from casetrail.store.queries import TimelineFilter, timeline
from casetrail.store.verify import verify_case
from tests.conftest import PASSPHRASE
from tests.helpers import android_lines, count_events, rows, run_cli, same_data, snapshot, write_chat

REVISIONS = revisions_oldest_first()
#: Tables whose rows a trip down and up leaves byte for byte (0004 re-seals the events in between).
UNSEALED_AGAIN = {"case_info", "exhibits", "imports", "conversations", "audit_log"}


def schema(conn: Connection) -> list[tuple[Any, ...]]:
    """Every table, index and trigger, except Alembic's own bookkeeping table (emptied at base)."""
    rows = conn.exec_driver_sql(
        "SELECT type, name, tbl_name, sql FROM sqlite_master "
        "WHERE name NOT LIKE '%alembic_version%' ORDER BY type, name"
    ).all()
    return [tuple(row) for row in rows]


def older_case(root: Path, revision: str = "0001") -> Path:
    """A case with some evidence, taken back to an older schema revision."""
    with Case.create(root, PASSPHRASE, Producer("Robin Hale", "RH")) as case:
        import_file(case, write_chat(root.parent / "chat.txt", android_lines(300)))
        with case.writer.begin() as conn:
            downgrade_to(conn, revision, case)
    return root


def test_g45_there_is_a_single_line_of_revisions_ending_at_the_head() -> None:
    assert [s.revision for s in REVISIONS][-1] == head_revision()
    assert [s.down_revision for s in REVISIONS] == [None, *[s.revision for s in REVISIONS[:-1]]]
    assert len(REVISIONS) >= 2


@pytest.mark.parametrize("script", REVISIONS, ids=lambda s: s.revision)
def test_g45_each_revision_up_then_down_leaves_the_schema_exactly_as_it_was(
    tmp_path: Path, script: Any
) -> None:
    engine = make_engine(tmp_path / "schema.db", os.urandom(32))
    below = script.down_revision or "base"
    try:
        with engine.begin() as conn:
            if script.down_revision:
                upgrade_to(conn, script.down_revision)
            before = schema(conn)
            upgrade_to(conn, script.revision)
            assert current_revision(conn) == script.revision
            assert schema(conn) != before  # the revision really changes something
            downgrade_to(conn, below)
            assert current_revision(conn) == script.down_revision
            assert schema(conn) == before
    finally:
        engine.dispose()


def test_g45_base_to_head_to_base_to_head_gives_the_schema_of_a_new_case(
    new_case: Case, tmp_path: Path
) -> None:
    with new_case.reader.connect() as conn:
        fresh = schema(conn)
    engine = make_engine(tmp_path / "roundtrip.db", os.urandom(32))
    try:
        with engine.begin() as conn:
            upgrade_to(conn, "head")
            downgrade_to(conn, "base")
            assert schema(conn) == []
            assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 0
            upgrade_to(conn, "head")
            assert schema(conn) == fresh
    finally:
        engine.dispose()


def test_g45_data_survives_going_down_and_back_up_through_every_revision_that_keeps_tables(
    new_case: Case, tmp_path: Path
) -> None:
    import_file(new_case, write_chat(tmp_path / "chat.txt", android_lines(500)))
    hashes = rows(new_case)
    shown = [e.to_json() for e in timeline(new_case, TimelineFilter(), limit=None)]
    with new_case.reader.connect() as conn:
        head_schema = schema(conn)
    keeping = [s for s in REVISIONS if s.down_revision is not None]  # going below 0001 drops every table
    unsealed = {table: set(columns) for table, columns in hashes.items() if table in UNSEALED_AGAIN}
    for script in reversed(keeping):
        with new_case.writer.begin() as conn:
            downgrade_to(conn, script.down_revision, new_case)
        with new_case.reader.connect() as conn:
            assert current_revision(conn) == script.down_revision
        assert same_data(hashes, rows(new_case), only=unsealed)
    lowest = {table: set(columns) for table, columns in rows(new_case).items() if table in unsealed}
    for script in keeping:
        with new_case.writer.begin() as conn:
            upgrade_to(conn, script.revision, new_case)
        assert same_data(hashes, rows(new_case), only=lowest)
    with new_case.reader.connect() as conn:
        assert current_revision(conn) == head_revision()
        assert schema(conn) == head_schema
    assert count_events(new_case) == 500
    # Revision 0004 re-seals every event on the way down and up: what they say must not change.
    assert [e.to_json() for e in timeline(new_case, TimelineFilter(), limit=None)] == shown
    assert verify_case(new_case).ok


def test_g45_time_ranges_are_read_from_the_identity_key(new_case: Case) -> None:
    with new_case.reader.connect() as conn:
        plan = conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN SELECT block_id FROM events WHERE identity >= x'00' AND identity < x'ff'"
        ).all()
    assert [row[3] for row in plan] == ["SEARCH events USING PRIMARY KEY (identity>? AND identity<?)"]


def test_g45_opening_an_older_case_asks_for_migrate_and_changes_nothing(tmp_path: Path) -> None:
    root = older_case(tmp_path / "case")
    before = snapshot(root)
    with pytest.raises(SchemaOutdated) as raised:
        Case.open(root, PASSPHRASE)
    assert f"Run 'casetrail migrate --case {root}'" in str(raised.value)
    result = run_cli("timeline", "--case", str(root), env={"COLUMNS": "1000"})
    assert result.returncode == 7
    assert "made by an older version of casetrail (schema 0001" in result.stderr
    assert "Nothing was changed." in result.stderr
    assert snapshot(root) == before


def test_g45_migrate_brings_an_older_case_to_the_head_with_an_audit_entry(tmp_path: Path) -> None:
    root = older_case(tmp_path / "case")
    with Case.open(root, PASSPHRASE, allow_old_schema=True) as case:
        hashes = rows(case)
    result = run_cli("migrate", "--case", str(root), "--json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == {
        "case": str(root),
        "from": "0001",
        "to": head_revision(),
        "changed": True,
    }
    with Case.open(root, PASSPHRASE) as case:
        with case.reader.connect() as conn:
            assert current_revision(conn) == head_revision()
            last = list(case.audit.entries(conn))[-1]
        assert (last.action, last.details) == ("schema migrated", {"from": "0001", "to": head_revision()})
        after = rows(case)
        kept = {table: set(hashes[table]) for table in UNSEALED_AGAIN - {"audit_log"} if table in hashes}
        assert same_data(hashes, after, only=kept)
        shown = timeline(case, TimelineFilter(), limit=None)
        assert [e.text for e in shown] == [line.split(": ", 1)[1] for line in android_lines(300)]
        assert verify_case(case).ok
    again = run_cli("migrate", "--case", str(root), "--json")
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout)["changed"] is False
