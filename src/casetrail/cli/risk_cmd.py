"""`risk`: screening questions asked by a named person, with what the evidence suggests shown first.

The evidence only pre-marks items for the person to confirm or reject; the counts belong to the
person who answered, and a level is shown only where the instrument documents one (DASH).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, cast

import typer
from rich.prompt import Prompt as Ask
from rich.table import Table
from rich.text import Text

from casetrail.analysis.risk import (
    NOT_PREDICTION,
    PACKAGED,
    ROLES,
    AnswerSet,
    Instrument,
    ItemAnswer,
    Suggestion,
    answers_from_file,
    applies,
    load,
    load_path,
    packaged_instruments,
    premark,
    score,
    with_triggers,
)
from casetrail.analysis.risk_history import StoredScreening, history, latest, save_screening
from casetrail.cli.console import console, print_json
from casetrail.cli.options import CaseOption, JsonOption, linked_accounts, open_case
from casetrail.errors import CasetrailError
from casetrail.render.terminal import identifier, text
from casetrail.store.audit_log import utc_now
from casetrail.store.case import Case

risk_app = typer.Typer(
    help="Risk screening: DASH and S-DASH topics and digital risk topics, answered by a named person.",
    no_args_is_help=True,
)
InstrumentOption = Annotated[
    str | None,
    typer.Option("--instrument", help=f"Which screening: {', '.join(PACKAGED)}.", show_default=False),
]
RulesOption = Annotated[
    Path | None,
    typer.Option(
        "--rules", help="A screening file of your own (format casetrail-risk-instrument).", show_default=False
    ),
]
SHOWN_EXAMPLES = 3


def _instrument(instrument_id: str | None, rules: Path | None) -> Instrument:
    if rules is not None:
        return load_path(rules)
    if instrument_id is None:
        raise CasetrailError(f"Say which screening with --instrument ({', '.join(PACKAGED)}).")
    return load(instrument_id)


@risk_app.command("questions")
def questions(
    instrument: InstrumentOption = None, rules: RulesOption = None, as_json: JsonOption = False
) -> None:
    """The topics of each screening, why each matters, and where the official form is."""
    found = [_instrument(instrument, rules)] if instrument or rules else packaged_instruments()
    if as_json:
        print_json({"instruments": [i.to_json() for i in found], "note": NOT_PREDICTION})
        return
    for screening in found:
        console.print(Text(f"{screening.name} (version {screening.version})", style="bold"))
        console.print(Text("Official form: ").append(identifier(screening.official_form or "none")))
        console.print(text(screening.licence_note, style="dim"))
        if screening.when_to_use:
            console.print(Text("When to use: ").append(text(screening.when_to_use)))
        for item in screening.items:
            console.print(Text(f"  {item.id} ", style="bold").append(text(item.topic)))
            console.print(Text("      why: ", style="dim").append(text(item.why, style="dim")))
        console.print(text(screening.judgement))
        console.print()
    console.print(NOT_PREDICTION, style="dim")


def _premark(
    opened: Case, instrument: Instrument, person: str | None
) -> tuple[list[Suggestion], Suggestion | None, dict[str, str]]:
    accounts = linked_accounts(opened, person)
    from casetrail.analysis.pipeline import run_analysis  # the analysis is only needed here

    findings = run_analysis(opened, accounts)
    return premark(instrument, findings), applies(instrument, findings), findings.versions


def _show_suggestion(suggestion: Suggestion) -> None:
    console.print(Text(f"{suggestion.item} ", style="bold").append(text(suggestion.topic)))
    console.print(Text("  The evidence suggests: ").append(suggestion.suggested, style="yellow"))
    for reason in suggestion.reasons:
        console.print(Text("  because: ").append(text(reason)))
    for found in suggestion.evidence[:SHOWN_EXAMPLES]:
        ref = found.ref
        where = Text("    ").append(identifier(ref.exhibit or "no exhibit")).append(" ")
        where.append(identifier(ref.locator or "")).append(f" {ref.at:%Y-%m-%d %H:%M} UTC" if ref.at else "")
        if found.words:
            where.append(": ").append(text(" … ".join(found.words)))
        console.print(where)
    if len(suggestion.evidence) > SHOWN_EXAMPLES:
        console.print(f"    and {len(suggestion.evidence) - SHOWN_EXAMPLES} more (see --json)", style="dim")


def _ask(question: Text, choices: list[str]) -> str:
    try:
        return Ask.ask(question, choices=choices, console=console)
    except (EOFError, KeyboardInterrupt):
        raise CasetrailError("The questions were not finished. Nothing was saved.") from None


def _note() -> str:
    try:
        return Ask.ask(Text("  Note (optional)"), default="", show_default=False, console=console).strip()
    except (EOFError, KeyboardInterrupt):
        raise CasetrailError("The questions were not finished. Nothing was saved.") from None


def _interactive(instrument: Instrument, suggestions: list[Suggestion]) -> dict[str, ItemAnswer]:
    """Ask each topic; suggested items first, each confirmed or rejected by the person."""
    console.print(text(f"{instrument.name} (version {instrument.version})", style="bold"))
    console.print(Text("Official form: ").append(identifier(instrument.official_form or "none")))
    console.print(text(instrument.licence_note, style="dim"))
    console.print(NOT_PREDICTION, style="dim")
    if instrument.when_to_use:
        console.print(Text("When to use: ").append(text(instrument.when_to_use)))
    if instrument.before_asking:
        console.print(text(instrument.before_asking), style="dim")
    given: dict[str, ItemAnswer] = {}
    if suggestions:
        console.print(Text("First, what the evidence suggests. Please confirm or reject each.", style="bold"))
    for suggestion in suggestions:
        _show_suggestion(suggestion)
        decided = _ask(Text("  Confirm or reject?"), ["confirm", "reject"])
        answer = "yes" if decided == "confirm" else _ask(Text("  Your answer"), ["no", "dont-know", "skip"])
        given[suggestion.item] = _item_answer(suggestion.item, answer, _note())
    for item in instrument.items:
        if item.id in given:
            continue
        console.print(Text(f"{item.id} ", style="bold").append(text(item.topic)))
        console.print(Text("  why it matters: ", style="dim").append(text(item.why, style="dim")))
        answer = _ask(Text("  Answer"), ["yes", "no", "dont-know", "skip"])
        given[item.id] = _item_answer(item.id, answer, _note())
    return given


def _item_answer(item: str, answer: str, note: str) -> ItemAnswer:
    return ItemAnswer(item, None if answer == "skip" else cast(Any, answer), note)


def _check_file_details(details: dict[str, Any], by: str, role: str) -> None:
    for key, given in (("answered_by", by), ("role", role)):
        if key in details and details[key] is not None and str(details[key]).strip() != given.strip():
            raise CasetrailError(f"The answers file says {key} is {details[key]!r}, but you gave {given!r}.")


@risk_app.command("ask")
def ask(
    instrument: InstrumentOption = None,
    by: Annotated[str, typer.Option("--by", help="Who is answering (a name).", show_default=False)] = "",
    role: Annotated[
        str, typer.Option("--role", help=f"Their role: {', '.join(ROLES)}.", show_default=False)
    ] = "",
    person: Annotated[
        str | None,
        typer.Option(
            "--person", help="The linked person the screening is about (pre-marks from their contact)."
        ),
    ] = None,
    from_file: Annotated[
        Path | None,
        typer.Option(
            "--from", help="Answers from a file (format casetrail-risk-answers).", show_default=False
        ),
    ] = None,
    rules: RulesOption = None,
    trigger: Annotated[
        list[str] | None,
        typer.Option(
            "--trigger", help="Switch on a local trigger rule by id (repeatable).", show_default=False
        ),
    ] = None,
    variant: Annotated[
        str | None, typer.Option("--variant", help="Which published variant was used, when it has several.")
    ] = None,
    no_premark: Annotated[
        bool, typer.Option("--no-premark", help="Do not look at the evidence for suggestions.")
    ] = False,
    case: CaseOption = Path("."),
    as_json: JsonOption = False,
) -> None:
    """Answer a screening (interactively, or from a file), store it in the case, and show the result."""
    if not by.strip():
        raise CasetrailError(
            "Say who is answering with --by NAME: a screening is never scored without a person."
        )
    if role not in ROLES:
        raise CasetrailError(f"Say the role of the person answering with --role ({', '.join(ROLES)}).")
    if as_json and from_file is None:
        raise CasetrailError("--json needs --from FILE: interactive questions are asked on screen.")
    screening = _instrument(instrument, rules)
    if trigger:
        screening = with_triggers(screening, set(trigger))
    with open_case(case) as opened:
        suggestions, fits, versions = ([], None, {}) if no_premark else _premark(opened, screening, person)
        if from_file is not None:
            given, details = answers_from_file(from_file, screening)
            _check_file_details(details, by, role)
            variant = variant or (str(details["variant"]) if details.get("variant") else None)
        else:
            if fits is not None:
                console.print(
                    Text("The evidence suggests this screening fits: ").append(text("; ".join(fits.reasons)))
                )
            given = _interactive(screening, suggestions)
        if variant is not None and screening.variants and variant not in screening.variants:
            raise CasetrailError(f"Known variants of {screening.id}: {'; '.join(screening.variants)}.")
        marked = {s.item for s in suggestions}
        answers = AnswerSet(
            instrument=screening.id,
            version=screening.version,
            answered_by=" ".join(by.split()),
            role=role,
            answered_at=utc_now(),
            answers=tuple(ItemAnswer(a.item, a.answer, a.note, a.item in marked) for a in given.values()),
            about=person,
            variant=variant,
        )
        result = score(screening, answers)
        saved = save_screening(opened, result, {screening.id: screening.version, **versions})
    if as_json:
        print_json(
            {
                "saved": saved,
                **result.to_json(),
                "suggestions": [s.to_json() for s in suggestions],
                "when_to_use": fits.to_json() if fits else None,
            }
        )
        return
    console.print(f"Saved in the case (screening {saved}).", style="green")
    _show_result(result.to_json())
    _show_decisions(answers)


def _show_decisions(answers: AnswerSet) -> None:
    """What the person made of each suggestion, so no suggestion passes unseen."""
    for answer in answers.answers:
        if answer.premarked:
            decision = answer.decision or "not answered"
            console.print(f"  Suggested by the evidence: {answer.item}, {decision}.", style="dim")


def _show_result(result: dict[str, Any]) -> None:
    counts = result["counts"]
    who = text(f"{result['name']} (version {result['version']}), answered by ", style="bold")
    who.append(identifier(result["answered_by"])).append(f" ({result['role']}) at {result['answered_at']}")
    console.print(who)
    console.print(
        f"  yes {counts['yes']} · no {counts['no']} · don't know {counts['dont_know']} · "
        f"not answered {counts['unanswered']}"
    )
    level = result["level"]
    if level:
        console.print(Text(f"  {level['level']}: {level['action']}.", style="bold red"))
        console.print(text(f"  ({level['source']})", style="dim"))
    elif result["has_threshold"]:
        console.print("  The count is below the documented threshold. That is not a finding of low risk.")
    else:
        console.print("  This screening has no documented cut-off: the counts are not a level.")
    for prompt in result["prompts"]:
        line = Text("  For professional judgement: ", style="yellow").append(text(prompt["words"]))
        if prompt["rule_source"]:
            line.append(text(f" (local rule: {prompt['rule_source']})", style="dim"))
        console.print(line)
    for step in result["next"]:
        console.print(Text("  Next: ", style="bold").append(text(step["words"])))
    console.print(text(f"  {result['judgement']}"))
    console.print(text(f"  {result['note']}", style="dim"))


@risk_app.command("show")
def show(
    instrument: InstrumentOption = None, case: CaseOption = Path("."), as_json: JsonOption = False
) -> None:
    """The latest screening of each instrument (or of one), with its counts and prompts."""
    with open_case(case) as opened:
        found = latest(opened)
    chosen = [s for key, s in sorted(found.items()) if instrument is None or key == instrument]
    if as_json:
        print_json({"screenings": [s.to_json() for s in chosen]})
        return
    if not chosen:
        console.print("No screening stored yet. Start one with 'casetrail risk ask'.")
    for stored in chosen:
        _show_result(stored.result)
        for answer in stored.answers.answers:
            if answer.note:
                console.print(Text(f"    {answer.item} note: ", style="dim").append(text(answer.note)))


@risk_app.command("history")
def history_cmd(case: CaseOption = Path("."), as_json: JsonOption = False) -> None:
    """Every screening stored in the case, oldest first: who answered, in what role, when, and the counts."""
    with open_case(case) as opened:
        found = history(opened)
    if as_json:
        print_json({"screenings": [s.to_json() for s in found]})
        return
    if not found:
        console.print("No screening stored yet. Start one with 'casetrail risk ask'.")
        return
    table = Table(expand=True)
    for column in ("#", "Screening", "When (UTC)", "Answered by", "Yes / no / don't know", "Level"):
        table.add_column(column, overflow="fold")
    for stored in found:
        table.add_row(*_history_row(stored))
    console.print(table)


def _history_row(stored: StoredScreening) -> list[Text | str]:
    counts = stored.result["counts"]
    level = stored.result["level"]
    return [
        str(stored.id),
        identifier(f"{stored.instrument} {stored.version}"),
        stored.answered_at[:16].replace("T", " "),
        identifier(stored.answers.answered_by).append(f" ({stored.answers.role})"),
        f"{counts['yes']} / {counts['no']} / {counts['dont_know']}",
        level["level"] if level else "—",
    ]
