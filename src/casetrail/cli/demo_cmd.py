"""`demo`: build a fictional case from generated exports, import it, and show what casetrail makes of it."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel

from casetrail.cli.console import console, print_json
from casetrail.cli.options import PASSPHRASE_ENV, JsonOption
from casetrail.importers.registry import discover
from casetrail.render.terminal import identifier
from casetrail.store.case import Case, Producer
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineEvent, TimelineFilter, summary, timeline
from casetrail.store.verify import verify_case

DEMO_PASSPHRASE = "demo passphrase - not for real cases"  # noqa: S105  (synthetic demo only)


def _free_folder(base: Path) -> Path:
    candidate, n = base, 1
    while candidate.exists():
        n += 1
        candidate = base.with_name(f"{base.name}-{n}")
    return candidate


def _show_months(events: list[TimelineEvent]) -> None:
    """Messages per month from the most frequent sender: the shape of the course of conduct."""
    senders = Counter(e.sender for e in events if e.sender)
    if not senders:
        return
    sender, total = senders.most_common(1)[0]
    months = Counter(e.occurred_at.strftime("%Y-%m") for e in events if e.sender == sender and e.occurred_at)
    console.print("\nMessages per month from ", end="")
    console.print(identifier(sender), end="")
    console.print(f" ({total:,} in all):")
    widest = max(months.values())
    for month, count in sorted(months.items()):
        console.print(f"  {month} {'█' * max(1, round(30 * count / widest))} {count:,}")


def demo(
    folder: Annotated[Path, typer.Option("--folder", help="Where to put the demo (a new folder).")] = Path(
        "casetrail-demo"
    ),
    seed: Annotated[int, typer.Option("--seed", help="Random seed for the fictional story.")] = 2025,
    scale: Annotated[int, typer.Option("--scale", min=1, help="Multiply the number of messages.")] = 1,
    as_json: JsonOption = False,
) -> None:
    """Create a fictional case (an ex-partner whose contact escalates), import it and summarise it."""
    from casetrail.demo import generate_demo_files  # the generator is only needed here

    root = _free_folder(folder)
    exports, case_dir = root / "exports", root / "case"
    files = generate_demo_files(exports, seed=seed, scale=scale)
    passphrase = os.environ.get(PASSPHRASE_ENV) or DEMO_PASSPHRASE
    results = []
    with Case.create(case_dir, passphrase, Producer("Robin Hale", "RH")) as case:
        importers, _ = discover()
        for path in files.paths:
            results.append(import_file(case, path, importers=importers))
        facts = summary(case)
        report = verify_case(case)
        events = timeline(case, TimelineFilter(kinds=["message"]), limit=None)
    if as_json:
        print_json({"folder": str(root), "imports": [r.to_json() for r in results], "summary": facts,
                    "verified": report.ok})  # fmt: skip
        return
    console.print(Panel.fit("casetrail demo: a fictional case, generated on this computer", style="bold"))
    for result in results:
        again = f" (and {result.duplicates:,} already in the case)" if result.duplicates else ""
        console.print(f"  {result.file}: {result.events_added:,} events{again}, exhibit {result.exhibit}")
    console.print(
        f"\n{facts['events']:,} events from {facts['first'][:10] if facts['first'] else '?'} to "
        f"{facts['last'][:10] if facts['last'] else '?'}, in {facts['exhibits']} exhibits."
    )
    for channel, count in sorted(facts["by_channel"].items()):
        console.print(f"  {channel}: {count:,}")
    _show_months(events)
    console.print(f"Integrity check: {'passed' if report.ok else 'FAILED'}.")
    console.print(f"\nThe case is in [bold]{case_dir}[/] (exports it was built from: {exports}).")
    shown = "$" + PASSPHRASE_ENV if os.environ.get(PASSPHRASE_ENV) else f"'{DEMO_PASSPHRASE}'"
    program = sys.argv[0] if "/" in sys.argv[0] and not sys.argv[0].endswith(".py") else "casetrail"
    console.print(f"Its passphrase is {shown}. Try: {program} timeline --case {case_dir}")
    if not report.ok:
        raise typer.Exit(2)
