"""`analyse`: the course of conduct in figures, for one linked person or for all incoming contact."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated, Any
from zoneinfo import ZoneInfo

import typer
from rich.text import Text

from casetrail.analysis.conduct import BURST_MIN, ConductFigures
from casetrail.analysis.findings import CategoryEvidence, Findings
from casetrail.analysis.four import Letter, four
from casetrail.analysis.pipeline import run_analysis
from casetrail.cli.console import console, print_json
from casetrail.cli.options import CaseOption, JsonOption, PersonOption, linked_accounts, open_case
from casetrail.errors import CasetrailError
from casetrail.render.terminal import identifier, text
from casetrail.store.analysis_runs import runs, save_run

RUN_KIND = "course-of-conduct"


def analyse(
    case: CaseOption = Path("."),
    person: PersonOption = None,
    as_json: JsonOption = False,
) -> None:
    """The course of conduct: figures, behaviour found, stop requests, escalation and FOUR (stored)."""
    with open_case(case) as opened:
        accounts = linked_accounts(opened, person)
        findings = run_analysis(opened, accounts)
        letters = four(findings)
        result = {
            "person": person,
            "accounts": sorted(accounts) if accounts else None,
            **findings.conduct.to_json(),
            "behaviour": {k: v.to_json() for k, v in sorted(findings.behaviour.items())},
            "diary": {k: v.to_json() for k, v in sorted(findings.diary.items())},
            "to_review": {k: v.to_json() for k, v in sorted(findings.to_review.items())},
            "stop_requests": [s.to_json() for s in findings.stop_requests],
            "contacts_after_first_stop_request": findings.contacts_after_first_stop,
            "escalation": findings.escalation.to_json() if findings.escalation else None,
            "four": [letter.to_json() for letter in letters],
            "rule_versions": findings.versions,
            "warnings": findings.warnings,
        }
        result["stored_as_run"] = save_run(opened, RUN_KIND, findings.versions, result)
    if as_json:
        print_json(result)
        return
    for warning in findings.warnings:
        console.print(warning, style="yellow")
    _show(findings.conduct, person, opened.timezone)
    _show_findings(findings, letters, opened.timezone)


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M") if moment else "?"


def _show(figures: ConductFigures, person: str | None, zone: ZoneInfo) -> None:
    who = Text("Contact from ").append(identifier(person)) if person else Text("All incoming contact")
    console.print(who.append(f" (times in {zone.key})"), style="bold")
    if not figures.contacts:
        console.print("No contact found.")
        return
    console.print(
        f"{figures.contacts:,} contacts from {_local(figures.first, zone)} to {_local(figures.last, zone)}, "
        f"on {figures.days_with_contact:,} different days."
    )
    for channel, count in figures.by_channel.most_common():
        first = _local(figures.first_on_channel.get(channel), zone)
        console.print(f"  {channel}: {count:,} (first {first})")
    if figures.longest_run:
        start, end, days = figures.longest_run
        console.print(f"Longest run of days in a row with contact: {days} ({start} to {end}).")
    console.print(f"At night (00:00-06:00): {figures.night:,} contacts.")
    if figures.busiest_hour:
        start, count = figures.busiest_hour
        console.print(f"Most in one hour: {count:,}, from {_local(start, zone)}.")
    if figures.bursts:
        console.print(f"Bursts of {BURST_MIN} or more in an hour: {len(figures.bursts)}.")
    if figures.longest_unanswered:
        start, end, count = figures.longest_unanswered
        console.print(
            f"Longest run without a reply: {count:,} contacts, {_local(start, zone)} to {_local(end, zone)} "
            f"(replies in all: {figures.replies:,})."
        )
    widest = max(figures.per_month.values())
    console.print("Contacts per month:")
    for month, count in sorted(figures.per_month.items()):
        console.print(f"  {month} {'█' * max(1, round(30 * count / widest))} {count:,}")


def _example(words: list[str], exhibit: str | None, locator: str | None) -> Text:
    shown = Text("    e.g. ")
    if words:
        shown.append(text(f"\u201c{words[0]}\u201d"))
        shown.append(" ")
    shown.append(f"[{exhibit or '?'}", style="cyan")
    if locator:
        shown.append(" ")
        shown.append(identifier(locator))
    return shown.append("]", style="cyan")


def _show_categories(title: str, found: dict[str, CategoryEvidence], days: bool = True) -> None:
    if not found:
        return
    console.print(title, style="bold")
    for category, evidence in sorted(found.items(), key=lambda kv: -kv[1].count):
        on_days = f" on {len(evidence.days):,} days" if days else ""
        console.print(f"  {category}: {evidence.count:,}{on_days}")
        first = evidence.examples[0] if evidence.examples else None
        if first and first.words:
            console.print(_example(first.words, first.ref.exhibit, first.ref.locator))


def _show_findings(findings: Findings, letters: list[Letter], zone: ZoneInfo) -> None:
    _show_categories(
        "\nBehaviour found in their messages (suggested by the rules; a person confirms):", findings.behaviour
    )
    _show_categories(
        "\nFor a person to read (not counted until confirmed with 'casetrail label'):",
        findings.to_review,
        days=False,
    )
    if findings.diary:
        console.print("\nIn the victim's diary:", style="bold")
        for category, evidence in sorted(findings.diary.items()):
            console.print(f"  {category}: {evidence.count:,} {'entry' if evidence.count == 1 else 'entries'}")
    if findings.stop_requests:
        console.print("\nRequests to stop, and the contact that followed:", style="bold")
        for stop in findings.stop_requests:
            console.print(
                f"  {_local(stop.ref.at, zone)} ({stop.ref.channel}, {stop.how}): "
                f"{stop.contacts_after:,} contacts after, on {len(stop.days_after):,} days "
                f"({stop.contacts_before_next:,} before the next request)"
                + (f"; new accounts: {len(stop.new_accounts_after)}" if stop.new_accounts_after else "")
            )
    point = findings.escalation.escalation_point if findings.escalation else None
    if point:
        measure = (
            "highest severity"
            if findings.escalation and point in findings.escalation.severity_changes
            else "contacts"
        )
        console.print(
            f"\nEscalation: from week {point.week} the weekly {measure} rose from {point.before:.1f} "
            f"to {point.after:.1f} on average (method: docs/analysis.md).",
            style="bold",
        )
    console.print("\nFOUR (for the officer's consideration):", style="bold")
    for letter in letters:
        console.print(f"  {letter.letter} - {letter.name}: {'shown' if letter.shown else 'not shown'}")
        for point_text in letter.points:
            console.print(f"      {point_text}")


def results(
    case: CaseOption = Path("."),
    kind: Annotated[
        str | None, typer.Option("--kind", help="Only this kind: course-of-conduct or offences.")
    ] = None,
    show: Annotated[
        int | None, typer.Option("--show", help="Print one stored result in full (JSON).")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The analysis results stored in the case: when, by whom, with which rule versions."""
    with open_case(case) as opened:
        stored = [run for k in ([kind] if kind else [RUN_KIND, "offences"]) for run in runs(opened, k)]
    stored.sort(key=lambda run: run.id)
    if show is not None:
        chosen = next((run for run in stored if run.id == show), None)
        if chosen is None:
            raise CasetrailError(f"No stored result {show}. See 'casetrail results'.")
        print_json({"id": chosen.id, "kind": chosen.kind, "run_at": chosen.run_at, "by": chosen.by,
                    "versions": chosen.versions, "result": chosen.result})  # fmt: skip
        return
    listed: list[dict[str, Any]] = [
        {"id": r.id, "kind": r.kind, "run_at": r.run_at, "by": r.by, "versions": r.versions} for r in stored
    ]
    if as_json:
        print_json({"results": listed})
        return
    if not listed:
        console.print("No results stored yet: run 'casetrail analyse' or 'casetrail offences'.")
    for row in listed:
        line = Text(f"{row['id']:>4}  {row['run_at'][:19]}  {row['kind']:<18} by ")
        console.print(line.append(identifier(str(row["by"]))))
        console.print(
            f"      rules: {', '.join(f'{k} {v}' for k, v in sorted(row['versions'].items()))}", style="dim"
        )
