"""G-41: an import killed at any moment leaves the case consistent, holding all or none of it."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, list_exhibits, timeline
from casetrail.store.verify import verify_case
from tests.conftest import PASSPHRASE
from tests.helpers import android_lines, count_events, files_containing, make_zip, tree_listing, write_chat

CANARY = "Crash-canary-ŧ-5521"
MESSAGES = 6000
CHECKPOINTS = ["blob-written:1", "blob-written:3", "batch-written:1", "batch-written:2", "before-commit:1"]
RANDOM_RUNS = int(os.environ.get("CASETRAIL_CRASH_RUNS", "30"))
COMPARE_EVERY = 3  # re-running the import to completion is the slow part; check it on every third run


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A baseline case with one import, and a large export (zip with media) to import into copies of it."""
    from casetrail.crypto import kdf

    kdf.set_default_params(kdf.KdfParams(memory_kib=64, iterations=1, parallelism=1))
    root = tmp_path_factory.mktemp("crash")
    exports = root / "exports"
    exports.mkdir()
    base = write_chat(exports / "base.txt", android_lines(50))
    lines = [line.replace("\n", "\r\n") for line in android_lines(MESSAGES)]
    chat = "\r\n".join(f"[{ln[:10]}, {ln[12:17]}:00] {ln[20:]}" for ln in lines) + "\r\n"
    chat += f"[01/03/2025, 10:00:00] Casey Marsh: {CANARY}\r\n"
    media = [(f"photo-{i}.jpg", os.urandom(150_000)) for i in range(4)]
    big = make_zip(exports / "big.zip", [("_chat.txt", chat.encode()), *media])
    case = root / "baseline"
    with Case.create(case, PASSPHRASE, Producer("Robin Hale", "RH")) as opened:
        import_file(opened, base)
    reference = root / "reference"
    shutil.copytree(case, reference)
    with Case.open(reference, PASSPHRASE) as opened:
        import_file(opened, big)
    return {"root": root, "baseline": case, "reference": reference, "big": big}


def _import(
    case: Path, export: Path, crash_at: str | None = None, reader: str = "inline"
) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    env["CASETRAIL_PASSPHRASE"] = PASSPHRASE
    env["CASETRAIL_IMPORT_READER"] = reader  # the file is read here, or by a child process (store/feed.py)
    if crash_at:
        env["CASETRAIL_CRASH_AT"] = crash_at
    command = [sys.executable, "-m", "casetrail", "import", "--json", "--case", str(case), str(export)]
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def state(case: Case) -> tuple[list[tuple[str, str]], list[tuple[Any, ...]]]:
    exhibits = [(e.ref, e.sha256) for e in list_exhibits(case)]
    events = [
        (e.occurred_at, e.sender, e.text, tuple(e.attachments))
        for e in timeline(case, TimelineFilter(), limit=None)
    ]
    return exhibits, events


def check_consistent(folder: Path, world: dict[str, Path], outside_before: set[str]) -> None:
    with Case.open(folder, PASSPHRASE) as case:
        with case.reader.connect() as conn:
            assert conn.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA cipher_integrity_check").all() == []
        report = verify_case(case)
        assert report.ok, [c for c in report.checks if not c.ok]
        with Case.open(world["reference"], PASSPHRASE) as reference:
            assert count_events(case) in {50, count_events(reference)}
    assert files_containing(folder, CANARY) == []
    outside = {p for p in tree_listing(world["root"]) if not p.startswith(folder.name)}
    assert outside == outside_before


def finish_and_compare(folder: Path, world: dict[str, Path]) -> None:
    proc = _import(folder, world["big"])
    assert proc.wait(timeout=300) == 0
    with Case.open(folder, PASSPHRASE) as crashed, Case.open(world["reference"], PASSPHRASE) as reference:
        assert state(crashed) == state(reference)
        verify_case(crashed, repair=True)
        assert verify_case(crashed).ok


def _fresh_copy(world: dict[str, Path], name: str) -> tuple[Path, set[str]]:
    folder = world["root"] / name
    shutil.copytree(world["baseline"], folder)
    outside = {p for p in tree_listing(world["root"]) if not p.startswith(folder.name)}
    return folder, outside


@pytest.mark.parametrize("reader", ["inline", "child"])
@pytest.mark.parametrize("checkpoint", CHECKPOINTS)
def test_g41_kill_at_each_named_checkpoint(world: dict[str, Path], checkpoint: str, reader: str) -> None:
    folder, outside = _fresh_copy(world, f"named-{reader}-" + checkpoint.replace(":", "-"))
    proc = _import(folder, world["big"], crash_at=checkpoint, reader=reader)
    assert proc.wait(timeout=300) == -9, proc.stderr.read() if proc.stderr else ""
    check_consistent(folder, world, outside)
    finish_and_compare(folder, world)


def test_g41_kill_at_random_moments(world: dict[str, Path]) -> None:
    started = time.monotonic()
    probe, _ = _fresh_copy(world, "timing")
    assert _import(probe, world["big"]).wait(timeout=300) == 0
    duration = time.monotonic() - started
    rng = random.Random(41)
    outcomes = set()
    for run in range(RANDOM_RUNS):
        folder, outside = _fresh_copy(world, f"random-{run}")
        proc = _import(folder, world["big"], reader=("inline", "child")[run % 2])
        time.sleep(rng.uniform(0.0, duration * 1.1))
        proc.kill()
        proc.wait(timeout=60)
        check_consistent(folder, world, outside)
        with Case.open(folder, PASSPHRASE) as case:
            outcomes.add(count_events(case))
        if run % COMPARE_EVERY == 0:
            finish_and_compare(folder, world)
        shutil.rmtree(folder)
    assert outcomes  # every run ended in one of the two allowed states (checked above)
