"""`demo`: build a fictional case from generated exports, import it, and show what casetrail makes of it."""

from __future__ import annotations

import os
import sys
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.panel import Panel
from rich.text import Text

from casetrail.analysis.diary_links import DiaryLinkSuggester
from casetrail.analysis.findings import Findings
from casetrail.analysis.pipeline import run_analysis
from casetrail.cli.console import console, print_json
from casetrail.cli.options import PASSPHRASE_ENV, JsonOption
from casetrail.importers.registry import discover
from casetrail.render.terminal import identifier, text
from casetrail.store.case import Case, Producer
from casetrail.store.decisions import link_diary
from casetrail.store.importing import import_file
from casetrail.store.people import accounts_of_person, link
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


def _found(findings: Findings, person: str) -> dict[str, Any]:
    """What the analysis found in the demo, in a few numbers (all found by the rules, none planted)."""
    point = findings.escalation.escalation_point if findings.escalation else None
    return {
        "person": person,
        "contacts": findings.conduct.contacts,
        "behaviour": {category: e.count for category, e in sorted(findings.behaviour.items())},
        "stop_requests": [
            {
                "at": s.ref.at.isoformat() if s.ref.at else None,
                "channel": s.ref.channel,
                "how": s.how,
                "contacts_after": s.contacts_after,
            }
            for s in findings.stop_requests
        ],
        "escalation_point": point.to_json() if point else None,
    }


def _show_found(found: dict[str, Any]) -> None:
    behaviour = found["behaviour"]
    console.print(f"\nWhat the analysis found in {found['contacts']:,} contacts from {found['person']}:")
    for category in ("THREAT.VIOLENCE", "MONITORING.KNOWLEDGE", "THIRD_PARTY.CONTACT", "OFFLINE.PRESENCE"):
        console.print(f"  {category}: {behaviour.get(category, 0):,} events")
    for stop in found["stop_requests"][:3]:
        console.print(f"  A request to stop on {stop['at'][:10]} ({stop['channel']}): "
                      f"{stop['contacts_after']:,} contacts after it")  # fmt: skip
    point = found["escalation_point"]
    if point:
        console.print(
            f"  Escalation from week {point['week']} (weekly level {point['before']} -> {point['after']})."
        )
    console.print("  See it all with: casetrail analyse --person 'Casey Marsh'")


def _safety(case: Case, exports: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The demo's phone scan, matched against casetrail's made-up demonstration indicators (never
    the real ones), and the safety plan made for the case, with its first step ticked off."""
    from casetrail.cli.safety_cmds import case_facts
    from casetrail.demo.phone_scan_export import write_package_list
    from casetrail.safety.indicators import demo_set
    from casetrail.safety.plan_steps import load_plan_files, steps_for
    from casetrail.store.safety_plan import mark

    packages = write_package_list(exports)
    scanners = [loaded for loaded in discover()[0] if loaded.importer.name == "android-phone-data"]
    imported = import_file(case, packages, importers=scanners, indicators=demo_set())
    findings = [e.text for e in timeline(case, TimelineFilter(kinds=["safety-finding"]), limit=None)]
    plan = steps_for(load_plan_files(), *case_facts(case))
    first = plan[0][1][0]
    mark(case, first.id, "done", "Robin Hale", "with the advocate, on the first visit")
    steps = sum(len(steps) for _file, steps in plan)
    return (
        {"file": imported.file, "exhibit": imported.exhibit, "findings": findings},
        {"platforms": [f.name for f, _steps in plan], "steps": steps, "done": [first.id]},
    )


def _show_safety(scan: dict[str, Any], plan: dict[str, Any]) -> None:
    found = len(scan["findings"])
    console.print(
        f"\nSafety scan of Robin's phone ({scan['file']}, exhibit {scan['exhibit']}): "
        f"{found} finding{'s' if found != 1 else ''}."
    )
    for words in scan["findings"]:
        console.print(Text("  ") + text(words))
    console.print(
        f"Safety plan: {plan['steps']} steps for the {len(plan['platforms'])} platforms and services in "
        f"the case; {len(plan['done'])} marked done. See 'casetrail safety plan'."
    )


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
    from casetrail.demo.suspect import SUSPECT_NAME, suspect_accounts

    root = _free_folder(folder)
    exports, case_dir = root / "exports", root / "case"
    files = generate_demo_files(exports, seed=seed, scale=scale)
    passphrase = os.environ.get(PASSPHRASE_ENV) or DEMO_PASSPHRASE
    results = []
    with Case.create(case_dir, passphrase, Producer("Robin Hale", "RH")) as case:
        importers, _ = discover()
        for path in files.paths:
            results.append(import_file(case, path, importers=importers))
        link(case, SUSPECT_NAME, suspect_accounts(), actor="Robin Hale")
        accounts = accounts_of_person(case, SUSPECT_NAME)
        suggester = DiaryLinkSuggester()
        run_analysis(case, accounts, [suggester])
        for suggestion in suggester.suggestions:  # as Robin would, after reading each suggestion
            causes = [cause.uid for cause, _categories in suggestion.causes]
            link_diary(case, suggestion.diary.uid, causes, "Robin Hale")
        findings = run_analysis(case, accounts)
        scan, plan = _safety(case, exports)
        facts = summary(case)
        report = verify_case(case)
        events = timeline(case, TimelineFilter(kinds=["message"]), limit=None)
    found = _found(findings, SUSPECT_NAME)
    if as_json:
        print_json({"folder": str(root), "imports": [r.to_json() for r in results], "summary": facts,
                    "verified": report.ok, "analysis": found,
                    "safety": {"scan": scan, "plan": plan}})  # fmt: skip
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
    _show_found(found)
    _show_safety(scan, plan)
    console.print(f"Integrity check: {'passed' if report.ok else 'FAILED'}.")
    console.print(f"\nThe case is in [bold]{case_dir}[/] (exports it was built from: {exports}).")
    shown = "$" + PASSPHRASE_ENV if os.environ.get(PASSPHRASE_ENV) else f"'{DEMO_PASSPHRASE}'"
    program = sys.argv[0] if "/" in sys.argv[0] and not sys.argv[0].endswith(".py") else "casetrail"
    console.print(f"Its passphrase is {shown}. Try: {program} timeline --case {case_dir}")
    if not report.ok:
        raise typer.Exit(2)
