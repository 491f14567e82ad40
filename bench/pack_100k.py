"""Benchmark: write the evidence pack (exhibits, events.csv, events.jsonl, report.html and
report.pdf, manifest, zip, age) of a large case. Builds a WhatsApp case of N generated messages, or
reuses one with ``--case``; ``--redact`` makes the redacted pack for sharing:

    .venv/bin/python bench/pack_100k.py --messages 100000 [--redact]
    .venv/bin/python bench/pack_100k.py --case /tmp/analyse-1m

Figures are recorded in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import shutil
import tempfile
import time
from pathlib import Path

from casetrail.pack import age_files
from casetrail.pack.bundle import write_pack
from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from casetrail.store.people import accounts_of_person, link

PASSPHRASE = "benchmark passphrase"  # noqa: S105  (throw-away benchmark case)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument(
        "--case", type=Path, help="an existing benchmark case (passphrase as bench/analyse_1m)"
    )
    parser.add_argument("--redact", action="store_true", help="the redacted pack (about Casey Marsh)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="casetrail-pack-bench-") as scratch:
        work = Path(scratch)
        case_dir = args.case
        if case_dir is None:
            from casetrail.demo import write_large_whatsapp_export

            export = work / "WhatsApp Chat with Casey Marsh.txt"
            write_large_whatsapp_export(export, args.messages)
            case_dir = work / "case"
            with Case.create(case_dir, PASSPHRASE, Producer("Bench", "BN")) as case:
                import_file(case, export)
        with Case.open(case_dir, PASSPHRASE) as case:
            linked, person = None, None
            if args.redact:
                person = "Casey Marsh"
                link(case, person, ["whatsapp:Casey Marsh"])
                linked = accounts_of_person(case, person)
            started = time.perf_counter()
            folder, result = write_pack(case, work / "pack", linked, person, redact=args.redact)
            written = time.perf_counter()
            age_files.encrypt(work / "pack.zip", work / "pack.zip.age", passphrase=PASSPHRASE)
            done = time.perf_counter()
        size = sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())
        print(f"pack of {result.events:,} events and {result.exhibits} exhibits ({size / 2**20:,.1f} MiB): "
              f"{written - started:.2f} s; age encryption {done - written:.2f} s")  # fmt: skip
        shutil.rmtree(folder, ignore_errors=True)


if __name__ == "__main__":
    main()
