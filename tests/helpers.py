"""Helpers shared by tests: synthetic chats, CLI runs in a real process, folder snapshots and scans."""

from __future__ import annotations

import base64
import hashlib
import os
import subprocess
import sys
import zipfile
from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, text

from casetrail.store.case import Case
from casetrail.store.tables import metadata
from tests.conftest import PASSPHRASE

SENDERS = ("Casey Marsh", "Robin Hale")


def android_lines(
    count: int, start: datetime = datetime(2025, 1, 6, 9, 0), step_minutes: int = 7
) -> list[str]:
    """A synthetic Android-layout chat: one header line per message, some multi-line."""
    lines = []
    for i in range(count):
        when = start + timedelta(minutes=step_minutes * i)
        sender = SENDERS[i % 3 == 0]
        body = f"message number {i} about nothing in particular"
        if i % 17 == 5:
            body += "\nand a second line"
        lines.append(f"{when:%d/%m/%Y, %H:%M} - {sender}: {body}")
    return lines


def write_chat(path: Path, lines: list[str], encoding: str = "utf-8", newline: str = "\n") -> Path:
    path.write_bytes(newline.join(lines).replace("\n", newline).encode(encoding) + newline.encode(encoding))
    return path


def make_zip(path: Path, members: Sequence[tuple[str | zipfile.ZipInfo, bytes]]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return path


def run_cli(
    *args: str,
    passphrase: str | None = PASSPHRASE,
    stdin: str | None = None,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run casetrail in a real process, as a person or a script would."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
    if passphrase is not None:
        environment["CASETRAIL_PASSPHRASE"] = passphrase
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "casetrail", *args],
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        env=environment,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def snapshot(folder: Path) -> dict[str, tuple[int, str, int]]:
    """(size, sha256, mtime) of every file, to prove a command changed nothing."""
    result = {}
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            result[str(path.relative_to(folder))] = (
                len(data),
                hashlib.sha256(data).hexdigest(),
                path.stat().st_mtime_ns,
            )
    return result


def encodings_of(needle: str) -> list[bytes]:
    raw = needle.encode("utf-8")
    return [raw, needle.encode("utf-16-le"), needle.encode("utf-16-be"), base64.b64encode(raw)]


def files_containing(folder: Path, needle: str) -> list[str]:
    """Every file under ``folder`` holding ``needle`` in UTF-8, UTF-16 (LE/BE) or base64."""
    forms = encodings_of(needle)
    hits = []
    for path in folder.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            if any(form in data for form in forms):
                hits.append(str(path))
    return hits


def table_hashes(case: Case) -> dict[str, str]:
    """A hash of every table's rows: equal before and after means the case is unchanged."""
    hashes = {}
    with case.reader.connect() as conn:
        for table in metadata.sorted_tables:
            digest = hashlib.sha256()
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
            hashes[table.name] = digest.hexdigest()
    return hashes


def count_events(case: Case) -> int:
    with case.reader.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM events")).scalar_one())


def tree_listing(folder: Path) -> set[str]:
    return {str(p.relative_to(folder)) for p in folder.rglob("*")}


def rows(case: Case) -> dict[str, dict[str, list[Any]]]:
    """Every table's rows by column, read with plain SQL so it works at any revision."""
    out: dict[str, dict[str, list[Any]]] = {}
    with case.reader.connect() as conn:
        names = [r[0] for r in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'")]
        for name in names:
            if name == "alembic_version":
                continue
            columns = [r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info({name})")]
            without_rowid = (
                "WITHOUT ROWID"
                in str(
                    conn.exec_driver_sql("SELECT sql FROM sqlite_master WHERE name = ?", (name,)).scalar()
                ).upper()
            )
            order = ", ".join(str(i + 1) for i in range(len(columns))) if without_rowid else "rowid"
            data = conn.exec_driver_sql(f"SELECT * FROM {name} ORDER BY {order}").all()  # noqa: S608
            out[name] = {col: [row[i] for row in data] for i, col in enumerate(columns)}
    return out


def same_data(
    before: dict[str, dict[str, list[Any]]],
    after: dict[str, dict[str, list[Any]]],
    only: dict[str, set[str]] | None = None,
) -> bool:
    """Equal in every table and column both sides have (or only those in ``only``): a revision may add
    or drop a table or a column, and what it dropped on the way down comes back empty; rows in the
    tables and columns that stay are never lost."""
    tables = set(before) & set(after) & (set(only) if only is not None else set(before))
    return all(
        before[t][c] == after[t][c]
        for t in tables
        for c in (set(before[t]) & set(after[t]) & (only[t] if only is not None else set(before[t])))
    )
