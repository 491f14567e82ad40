"""`offences`: the events that may be relevant to each element of each offence, for the officer.

The result is stored in the case with the rule file's version, so what was shown on a given day can be
shown again after the rules change. Every evidence-derived string goes through render.terminal.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import typer
from rich.text import Text

from casetrail.analysis.findings import Example
from casetrail.analysis.offences import (
    MAY_SUPPORT,
    NEEDS_ENQUIRY,
    STATUS_TEXT,
    DiaryEntry,
    ElementEvidence,
    OffenceEvidence,
    OffenceResult,
    OffencesReport,
    TimeLimit,
    packaged_rules,
    rules_from_path,
)
from casetrail.analysis.pipeline import run_analysis
from casetrail.cli.console import console, print_json
from casetrail.cli.options import CaseOption, JsonOption, PersonOption, linked_accounts, open_case
from casetrail.render.terminal import identifier, text
from casetrail.store.analysis_runs import save_run

SHOWN_EXAMPLES = 3
SHOWN_DIARY = 5
OWN_WORDS = (
    ("what_happened", "What happened"),
    ("how_it_made_me_feel", "How it made me feel"),
    ("impact", "Impact"),
)
DERIVED_NAMES = {
    "IMPACT.STOP_REQUEST": "requests to stop",
    "CONTACT.AFTER_STOP": "contacts after a request to stop",
    "CONTACT.NEW_ACCOUNT": "first contacts from a new account after a request to stop",
}


def offences(
    case: CaseOption = Path("."),
    person: PersonOption = None,
    rules_file: Annotated[
        Path | None,
        typer.Option(
            "--rules", help="Another jurisdiction's offence-elements file (default: England and Wales)."
        ),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Show the events that may be relevant to each part of each offence: material for the officer's
    consideration, not legal advice. The result is kept in the case."""
    rules = rules_from_path(rules_file) if rules_file else packaged_rules()
    with open_case(case) as opened:
        accounts = linked_accounts(opened, person)
        evidence = OffenceEvidence(rules, opened.timezone)
        findings = run_analysis(opened, accounts, consumers=[evidence])
        report = evidence.finish(datetime.now(opened.timezone).date())
        versions = {**findings.versions, rules.key: rules.version}
        result = {"person": person, "accounts": findings.accounts, "versions": versions, **report.to_json()}
        run_id = save_run(opened, "offences", versions, result)
    if as_json:
        print_json({"run": run_id, **result})
        return
    _show(report, person, run_id)


def _show(report: OffencesReport, person: str | None, run_id: int) -> None:
    console.print(text(report.rules.disclaimer), style="italic")
    who = Text("Events from ").append(identifier(person)) if person else Text("All incoming events")
    who.append(
        f", against the offences of {report.rules.jurisdiction} (rules version {report.rules.version})."
    )
    console.print(who, style="bold")
    console.print(f"Dates are in {report.timezone}. Stored in the case as run {run_id}.")
    if report.undated:
        console.print(
            f"{report.undated:,} events have no usable date and could not be placed against the law."
        )
    zone = ZoneInfo(report.timezone)
    for offence in report.offences:
        _show_offence(offence, zone)


def _show_offence(offence: OffenceResult, zone: ZoneInfo) -> None:
    rule = offence.rule
    console.print()
    console.print(text(f"{rule.title} ({rule.statute})"), style="bold")
    until = f" until {rule.period.end}" if rule.period.end else ""
    since = f"from {rule.period.start}" if rule.period.start else "with no start date"
    console.print(f"  Applies to events {since}{until}; {rule.mode}.")
    if not offence.conduct_days and not any(e.count or e.diary_count for e in offence.elements):
        console.print("  Nothing in the events held points to this offence.")
        return
    if offence.conduct_days:
        console.print(
            f"  Events from the person that may be relevant: {min(offence.conduct_days)} to "
            f"{max(offence.conduct_days)}, on {_n(len(offence.conduct_days), 'day')}."
        )
    for element in offence.elements:
        _show_element(element, zone)
    if offence.limit and offence.limit.state != "none":
        _show_limit(offence.limit)
    for note in rule.notes:
        console.print(text(f"  Note: {note}"), style="dim")


def _show_element(element: ElementEvidence, zone: ZoneInfo) -> None:
    rule = element.rule
    style = {MAY_SUPPORT: "green", NEEDS_ENQUIRY: "yellow"}.get(element.status, "")
    line = Text("  • ").append(text(rule.text))
    if rule.alternative:
        line.append(text(f" [{rule.alternative}]", style="dim"))
    console.print(line)
    counts = _counts(element)
    console.print(Text("      ").append(f"{_status(element)}: ", style=style).append(counts))
    for group in element.groups:
        if group.count:
            console.print(
                Text("      - ")
                .append(text(group.name))
                .append(f": {group.count:,} on {_n(len(group.days), 'day')}")
            )
    for category, count in sorted(element.derived.items()):
        console.print(f"      - {DERIVED_NAMES.get(category, category)}: {count:,}")
    if element.outside_period:
        console.print(
            f"      ({element.outside_period:,} events fall outside the dates this part applies to.)"
        )
    for example in element.examples[:SHOWN_EXAMPLES]:
        console.print(Text("      ").append(_reference(example, zone)))
    for entry in element.diary[:SHOWN_DIARY]:
        _show_diary(entry, zone)
    if element.diary_count > SHOWN_DIARY:
        console.print(f"      … and {element.diary_count - SHOWN_DIARY} more diary entries (see --json).")
    for extra in (element.hint, element.rule.evidence.note, element.rule.evidence.caveat):
        if extra:
            console.print(text(f"      {extra}"), style="dim")


def _counts(element: ElementEvidence) -> str:
    counts = (
        f"{_n(element.count, 'event')} on {_n(len(element.days), 'day')}" if element.count else "no events"
    )
    if element.diary_count:
        counts += f"; {element.diary_count:,} in the victim's own words"
    if element.rule.evidence.needs_linked_diary:
        counts += f"; {_n(element.occasions, 'occasion')} shown by the diary"
    return counts


def _n(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def _status(element: ElementEvidence) -> str:
    return STATUS_TEXT[element.status].capitalize()


def _reference(example: Example, zone: ZoneInfo) -> Text:
    ref = example.ref
    line = identifier(ref.exhibit or "no exhibit").append(" ").append(identifier(ref.locator or ""))
    if ref.at:
        line.append(f" ({ref.at.astimezone(zone):%Y-%m-%d %H:%M}, ").append(identifier(ref.channel)).append(
            ")"
        )
    if example.words:
        line.append(": ").append(text("“" + "”, “".join(example.words) + "”"))
    return line


def _show_diary(entry: DiaryEntry, zone: ZoneInfo) -> None:
    when = f"{entry.ref.at.astimezone(zone):%Y-%m-%d}" if entry.ref.at else "undated"
    source = "Diary" if entry.ref.side == "diary" else "Your message"
    console.print(Text(f"      {source}, {when} (").append(identifier(entry.ref.exhibit or "")).append("):"))
    if entry.words and not entry.own_words:
        console.print(Text("        ").append(text("“" + "”, “".join(entry.words) + "”")))
    for key, label in OWN_WORDS:
        if entry.own_words.get(key):
            console.print(Text(f"        {label}: ").append(text(entry.own_words[key])))
    if entry.records_conduct:
        console.print("        This entry itself records what the person did.")
    elif not entry.linked:
        console.print("        Not linked to an event yet.")
    for link in entry.linked:
        if link.ref is None:
            console.print(
                Text("        Linked to an event not among those analysed (")
                .append(identifier(link.uid))
                .append(").")
            )
        else:
            where = (
                identifier(link.ref.exhibit or "no exhibit")
                .append(" ")
                .append(identifier(link.ref.locator or ""))
            )
            tail = "" if link.in_period else " (outside the dates this part applies to)"
            console.print(Text("        Linked to ").append(where).append(tail))


def _show_limit(limit: TimeLimit) -> None:
    style = {"passed": "bold", "near": "bold yellow"}.get(limit.state, "")
    console.print(text(f"  Time limit: {limit.words}"), style=style)
    if limit.note:
        console.print(text(f"  {limit.note}"), style="dim")
