"""G-45: a migration killed at any moment leaves the case at the old revision or the new one, and usable."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from casetrail.store.migrate import current_revision, downgrade_to, head_revision
from casetrail.store.queries import TimelineFilter, timeline
from casetrail.store.verify import verify_case
from tests.conftest import PASSPHRASE
from tests.helpers import android_lines, rows, same_data, write_chat

OLD = "0001"
RANDOM_RUNS = 4
#: Tables a migration keeps byte for byte (revision 0004 re-seals the events themselves).
UNSEALED = {"case_info", "exhibits", "imports", "conversations"}


def _same_evidence(before: dict[str, Any], after: dict[str, Any]) -> bool:
    only = {table: set(columns) for table, columns in before.items() if table in UNSEALED}
    return same_data(before, after, only=only)


def _texts(root: Path) -> list[str]:
    with Case.open(root, PASSPHRASE) as case:
        return [e.text for e in timeline(case, TimelineFilter(), limit=None)]


EXPECTED = [line.split(": ", 1)[1] for line in android_lines(300)]


def _schema_and_revision(root: Path) -> tuple[str | None, list[tuple[Any, ...]], dict[str, Any]]:
    with Case.open(root, PASSPHRASE, allow_old_schema=True) as case:
        assert verify_case(case).ok
        with case.reader.connect() as conn:
            revision = current_revision(conn)
            master = conn.exec_driver_sql(
                "SELECT type, name, sql FROM sqlite_master ORDER BY type, name"
            ).all()
        data = {k: v for k, v in rows(case).items() if k != "audit_log"}
    return revision, [tuple(r) for r in master], data


def _older_case(root: Path) -> Path:
    with Case.create(root, PASSPHRASE, Producer("Robin Hale", "RH")) as case:
        import_file(case, write_chat(root.parent / f"{root.name}.txt", android_lines(300)))
        with case.writer.begin() as conn:
            downgrade_to(conn, OLD, case)
    return root


def _migrate(root: Path, crash_at: str | None = None) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    env["CASETRAIL_PASSPHRASE"] = PASSPHRASE
    if crash_at:
        env["CASETRAIL_CRASH_AT"] = crash_at
    command = [sys.executable, "-m", "casetrail", "migrate", "--json", "--case", str(root)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


@pytest.mark.parametrize("point", ["migration-upgraded:1", "migration-audited:1"])
def test_g45_a_migration_killed_before_commit_leaves_the_old_revision_whole(
    tmp_path: Path, point: str
) -> None:
    root = _older_case(tmp_path / "case")
    before = _schema_and_revision(root)
    proc = _migrate(root, crash_at=point)
    assert proc.wait(timeout=120) == -9, proc.stderr.read() if proc.stderr else ""
    assert _schema_and_revision(root) == before
    assert before[0] == OLD
    assert "ix_events_channel_occurred_us" not in repr(before[1])
    assert _migrate(root).wait(timeout=120) == 0
    revision, master, data = _schema_and_revision(root)
    assert revision == head_revision()
    assert _same_evidence(before[2], data)
    assert "ix_events_channel_occurred_us" not in repr(master) and "event_blocks" in repr(master)
    assert _texts(root) == EXPECTED


def test_g45_a_migration_killed_at_random_moments_is_all_or_nothing(tmp_path: Path) -> None:
    template = _older_case(tmp_path / "template")
    old = _schema_and_revision(template)
    started = time.monotonic()
    assert _migrate(template).wait(timeout=120) == 0
    duration = time.monotonic() - started
    new = _schema_and_revision(template)
    assert old[0] != new[0]
    rng = random.Random(45)
    seen = set()
    for run in range(RANDOM_RUNS):
        root = _older_case(tmp_path / f"run-{run}")
        before = _schema_and_revision(root)
        assert before[:2] == old[:2]
        proc = _migrate(root)
        time.sleep(rng.uniform(0.0, duration * 1.1))
        proc.kill()
        proc.wait(timeout=60)
        state = _schema_and_revision(root)
        assert (state[0], state[1]) in [(old[0], old[1]), (new[0], new[1])]
        assert _same_evidence(before[2], state[2])
        seen.add(state[0])
        assert _migrate(root).wait(timeout=120) == 0
        assert _schema_and_revision(root)[:2] == new[:2]
        assert _texts(root) == EXPECTED
    assert seen <= {OLD, head_revision()}
