"""Benchmark: generate a large WhatsApp export and time `casetrail import` of it.

Prints messages per second and the import process's peak resident memory. Run it at two sizes to
see that memory does not grow with the file (streaming):

    .venv/bin/python bench/import_whatsapp_1m.py --messages 100000
    .venv/bin/python bench/import_whatsapp_1m.py --messages 1000000

Figures are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from casetrail.demo import write_large_whatsapp_export
from casetrail.store.case import Case, Producer

PASSPHRASE = "benchmark passphrase"  # noqa: S105  (throw-away benchmark case)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1_000_000)
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="casetrail-bench-"))
    try:
        export = work / "WhatsApp Chat with Casey Marsh.txt"
        started = time.perf_counter()
        written = write_large_whatsapp_export(export, args.messages)
        generated = time.perf_counter() - started
        size_mib = export.stat().st_size / 2**20
        print(f"generated {written:,} messages ({size_mib:,.1f} MiB) in {generated:.1f} s")
        with Case.create(work / "case", PASSPHRASE, Producer("Bench Mark", "BM")):
            pass
        env = {**os.environ, "CASETRAIL_PASSPHRASE": PASSPHRASE}
        case = str(work / "case")
        command = [sys.executable, "-m", "casetrail", "import", "--json", "--case", case, str(export)]
        started = time.perf_counter()
        subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
        elapsed = time.perf_counter() - started
        peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        rate = written / elapsed
        print(f"imported in {elapsed:.1f} s: {rate:,.0f} messages/s; peak memory {peak_mib:,.0f} MiB")
        db_mib = sum(p.stat().st_size for p in (work / "case").rglob("*") if p.is_file()) / 2**20
        print(f"case folder: {db_mib:,.1f} MiB")
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
