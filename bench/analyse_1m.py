"""Benchmark: analyse a large case (labels, stop requests, figures, escalation, FOUR) in one pass.

Builds a WhatsApp case of N generated messages (or reuses one with ``--case``), links the sender's
account to a person, then times ``run_analysis`` and FOUR after the case is unlocked (the Argon2id
unlock is a fixed cost, excluded from the timing and, on Linux, from the peak memory):

    .venv/bin/python bench/analyse_1m.py --messages 100000
    .venv/bin/python bench/analyse_1m.py --messages 1000000 --keep /tmp/analyse-1m

Figures are recorded in docs/benchmarks.md (the issue's target: a million events in under 60 s).
"""

from __future__ import annotations

import argparse
import resource
import shutil
import tempfile
import time
from pathlib import Path

from casetrail.analysis.four import four
from casetrail.analysis.pipeline import run_analysis
from casetrail.demo import write_large_whatsapp_export
from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from casetrail.store.people import accounts_of_person, link

PASSPHRASE = "benchmark passphrase"  # noqa: S105  (throw-away benchmark case)
PERSON = "Casey Marsh"


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _peak_mib() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build(case_dir: Path, messages: int) -> None:
    with tempfile.TemporaryDirectory() as scratch:
        export = Path(scratch) / "WhatsApp Chat with Casey Marsh.txt"
        write_large_whatsapp_export(export, messages)
        started = time.perf_counter()
        with Case.create(case_dir, PASSPHRASE, Producer("Bench", "BN")) as case:
            import_file(case, export)
            link(case, PERSON, ["whatsapp:Casey Marsh"])
        print(f"built the case ({messages:,} messages) in {time.perf_counter() - started:.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--case", type=Path, help="an existing benchmark case to analyse again")
    parser.add_argument("--keep", type=Path, help="build the case here and keep it")
    args = parser.parse_args()
    temporary = None
    case_dir = args.case
    if case_dir is None:
        if args.keep:
            case_dir = args.keep
        else:
            temporary = Path(tempfile.mkdtemp(prefix="casetrail-analyse-"))
            case_dir = temporary / "case"
        build(case_dir, args.messages)
    try:
        with Case.open(case_dir, PASSPHRASE) as case:
            reset = _reset_peak()
            started = time.perf_counter()
            findings = run_analysis(case, accounts_of_person(case, PERSON))
            letters = four(findings)
            elapsed = time.perf_counter() - started
        events = findings.conduct.contacts + findings.conduct.replies
        print(f"analysed {events:,} contacts and replies in {elapsed:.2f} s ({events / elapsed:,.0f}/s)")
        labelled = {category: evidence.count for category, evidence in findings.behaviour.items()}
        print(f"labels: {sum(labelled.values()):,} in {len(labelled)} categories; "
              f"stop requests: {len(findings.stop_requests)}; FOUR shown: "
              f"{''.join(letter.letter for letter in letters if letter.shown)}")  # fmt: skip
        if reset:
            print(f"peak memory of the analysis, after unlocking: {_peak_mib():,.0f} MiB")
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)


if __name__ == "__main__":
    main()
