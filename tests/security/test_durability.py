"""G-42, G-43: durable writes in the right order; one writer at a time; readers never see half."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, timeline
from tests.conftest import PASSPHRASE
from tests.helpers import android_lines, count_events, write_chat


def test_g42_pragmas_read_back(new_case: Case) -> None:
    with new_case.writer.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA synchronous")).scalar() == 2
        assert conn.execute(text("PRAGMA secure_delete")).scalar() == 1
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
    with new_case.reader.connect() as conn:
        assert conn.execute(text("PRAGMA query_only")).scalar() == 1


def test_g42_order_for_a_real_blob(new_case: Case, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    calls: list[tuple[str, str]] = []
    real_fsync, real_replace = os.fsync, os.replace

    def fsync(fd: int) -> None:
        calls.append(("fsync", os.readlink(f"/proc/self/fd/{fd}")))
        real_fsync(fd)

    def replace(src: str, dst: str) -> None:
        calls.append(("replace", str(dst)))
        real_replace(src, dst)

    monkeypatch.setattr(os, "fsync", fsync)
    monkeypatch.setattr(os, "replace", replace)
    data = b"exhibit bytes"
    sha = hashlib.sha256(data).hexdigest()
    new_case.blobs.put(sha, len(data), [data])
    target = new_case.blobs.path_for(sha)
    kinds = [kind for kind, _ in calls]
    assert kinds[:3] == ["fsync", "replace", "fsync"]
    assert calls[0][1].startswith(str(new_case.layout.tmp))
    assert calls[1][1] == str(target)
    assert calls[2][1] == str(target.parent)


def test_g43_two_concurrent_imports_equal_two_sequential_ones(tmp_path: Path) -> None:
    a = write_chat(tmp_path / "a.txt", android_lines(3000))
    b = write_chat(tmp_path / "b.txt", android_lines(3000, step_minutes=11))
    with Case.create(tmp_path / "par", PASSPHRASE, Producer("Robin Hale", "RH")):
        pass
    env = {**os.environ, "CASETRAIL_PASSPHRASE": PASSPHRASE}
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "casetrail", "import", "--json", "--case", str(tmp_path / "par"), str(p)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for p in (a, b)
    ]
    for proc in procs:
        assert proc.wait(timeout=300) == 0, proc.stderr.read() if proc.stderr else ""
    with Case.create(tmp_path / "seq", PASSPHRASE, Producer("Robin Hale", "RH")) as seq:
        import_file(seq, a)
        import_file(seq, b)
        expected = [(e.occurred_at, e.sender, e.text) for e in timeline(seq, TimelineFilter(), limit=None)]
    with Case.open(tmp_path / "par", PASSPHRASE) as par:
        got = [(e.occurred_at, e.sender, e.text) for e in timeline(par, TimelineFilter(), limit=None)]
    assert sorted(got, key=repr) == sorted(expected, key=repr)  # same events, whichever import ran first


def test_g43_a_reader_sees_the_old_or_the_new_state_never_half(new_case: Case, tmp_path: Path) -> None:
    export = write_chat(tmp_path / "big.txt", android_lines(20_000))
    before = count_events(new_case)
    env = {**os.environ, "CASETRAIL_PASSPHRASE": PASSPHRASE}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "casetrail",
            "import",
            "--json",
            "--case",
            str(new_case.layout.root),
            str(export),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    seen = set()
    while proc.poll() is None:
        seen.add(count_events(new_case))
        time.sleep(0.01)
    assert proc.returncode == 0
    seen.add(count_events(new_case))
    assert seen <= {before, before + 20_000}
    assert before + 20_000 in seen
