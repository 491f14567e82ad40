"""Benchmark: generate a large export (WhatsApp, SMS, mbox, Messenger) and time its import into a new case.

The import runs in a separate process that first unlocks the case (Argon2id, 256 MiB: a fixed
cost, excluded from the timing and, on Linux, from the peak memory by resetting the peak after it),
then times ``import_file`` end to end: parse, de-duplicate, seal, store, audit, commit. Run it at two
sizes to see that memory does not grow with the file:

    .venv/bin/python bench/import_1m.py --messages 10000
    .venv/bin/python bench/import_1m.py --messages 1000000
    .venv/bin/python bench/import_1m.py --format sms --messages 1000000
    .venv/bin/python bench/import_1m.py --format mbox --messages 100000
    .venv/bin/python bench/import_1m.py --format messenger --messages 1000000

``--reader inline`` or ``--reader child`` forces where the file is parsed (store/feed.py); the
default lets casetrail choose (a child process for files of 4 MiB and more). Figures are recorded
in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from casetrail.demo import write_large_sms_backup, write_large_whatsapp_export
from casetrail.demo.discord_export import write_large_dce
from casetrail.demo.email_export import write_large_mbox
from casetrail.demo.generic_export import write_large_generic_csv
from casetrail.demo.meta_export import write_large_thread
from casetrail.demo.signal_export import write_large_signal_text
from casetrail.demo.telegram_export import write_large_telegram
from casetrail.demo.x_export import write_large_x_dms
from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file

#: Each format's file name (as its export names it) and a writer of N generated messages.
WRITERS: dict[str, tuple[str, Callable[[Path, int], int]]] = {
    "whatsapp": ("WhatsApp Chat with Casey Marsh.txt", write_large_whatsapp_export),
    "sms": ("sms-20250601090000.xml", write_large_sms_backup),
    "mbox": ("All mail Including Spam and Trash.mbox", write_large_mbox),
    "messenger": ("message_1.json", lambda path, count: write_large_thread(path, "messenger", count)),
    "telegram": ("result.json", write_large_telegram),
    "discord": ("DM with casey.m.again [1290044455566677788].json", write_large_dce),
    "x": ("direct-messages.js", write_large_x_dms),
    "signal": ("signal-chat.txt", lambda path, count: write_large_signal_text(path, count).events),
    "generic": ("typed-up.casetrail.csv", lambda path, count: write_large_generic_csv(path, count).events),
}
PASSPHRASE = "benchmark passphrase"  # noqa: S105  (throw-away benchmark case)


def _peak_kib() -> int | None:
    """This process's peak resident memory since the last reset (Linux), else None."""
    status = Path("/proc/self/status")
    if not status.exists():
        return None
    for line in status.read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return None


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def inner(case_dir: Path, export: Path) -> None:
    """In the measured process: unlock, reset the peak, import, report."""
    with Case.open(case_dir, PASSPHRASE) as case:
        reset = _reset_peak()
        started = time.perf_counter()
        result = import_file(case, export)
        elapsed = time.perf_counter() - started
    report = {
        "seconds": elapsed,
        "events": result.events_added,
        "peak_kib": _peak_kib() if reset else None,
        "reader_child_peak_kib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss or None,
    }
    print(json.dumps(report))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--format", choices=list(WRITERS), default="whatsapp")
    parser.add_argument("--reader", choices=["auto", "inline", "child"], default="auto")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    parser.add_argument("--inner", nargs=2, metavar=("CASE", "EXPORT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.inner:
        inner(Path(args.inner[0]), Path(args.inner[1]))
        return
    work = Path(tempfile.mkdtemp(prefix="casetrail-bench-"))
    try:
        started = time.perf_counter()
        name, write = WRITERS[args.format]
        export = work / name
        written = write(export, args.messages)
        size_mib = export.stat().st_size / 2**20
        print(
            f"generated {written:,} messages ({size_mib:,.1f} MiB) in {time.perf_counter() - started:.1f} s"
        )
        with Case.create(work / "case", PASSPHRASE, Producer("Bench Mark", "BM")):
            pass
        env = {**os.environ, "CASETRAIL_IMPORT_READER": args.reader}
        command = [sys.executable, __file__, "--inner", str(work / "case"), str(export)]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, check=True, capture_output=True, text=True)
        whole = time.perf_counter() - started
        report = json.loads(done.stdout)
        rate = written / report["seconds"]
        print(f"imported in {report['seconds']:.2f} s: {rate:,.0f} messages/s")
        print(f"the whole process, with start-up and unlocking: {whole:.1f} s")
        if report["peak_kib"]:
            print(f"peak memory of the import, after unlocking: {report['peak_kib'] / 1024:,.0f} MiB")
        if report["reader_child_peak_kib"] and args.reader != "inline":
            print(f"peak memory of the reader process: {report['reader_child_peak_kib'] / 1024:,.0f} MiB")
        folder_mib = sum(p.stat().st_size for p in (work / "case").rglob("*") if p.is_file()) / 2**20
        print(f"case folder: {folder_mib:,.1f} MiB")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
