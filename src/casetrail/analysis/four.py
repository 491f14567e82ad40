"""FOUR: is the behaviour Fixated, Obsessive, Unwanted and Repeated? The evidence for each, in the
words investigators use, with the exhibits behind it.

FOUR is the College of Policing's prompt to "think stalking first". casetrail does not decide it: it
lists what the evidence shows under each letter, so an officer can see the pattern at a glance and
record their own view. A letter is "shown" when at least one of its plain tests below is met.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from casetrail.analysis.findings import Example, Findings

#: The tests behind each letter (docs/analysis.md repeats them in plain words).
FIXATED_MIN_DAYS = 28  # contact over four weeks or more
OBSESSIVE_NIGHT_MIN = 5
REPEATED_MIN_DAYS = 2  # the legal minimum for a course of conduct is two occasions
SHOWN_REQUESTS = 5  # requests to stop described one by one; the rest are counted


@dataclass
class Letter:
    letter: str
    name: str
    shown: bool = False
    points: list[str] = field(default_factory=list)
    examples: list[Example] = field(default_factory=list)

    def note(self, point: str, examples: list[Example] | None = None) -> None:
        self.shown = True
        self.points.append(point)
        for example in examples or []:
            if len(self.examples) < 8 and example not in self.examples:
                self.examples.append(example)

    def to_json(self) -> dict[str, Any]:
        return {
            "letter": self.letter,
            "name": self.name,
            "shown": self.shown,
            "points": self.points,
            "examples": [e.to_json() for e in self.examples],
        }


def _examples(findings: Findings, *categories: str, limit: int = 3) -> list[Example]:
    found: list[Example] = []
    for category in categories:
        evidence = findings.behaviour.get(category)
        if evidence:
            found.extend(evidence.examples[:limit])
    return found


def four(findings: Findings) -> list[Letter]:
    """The four letters, each with what the evidence shows for it."""
    return [_fixated(findings), _obsessive(findings), _unwanted(findings), _repeated(findings)]


def _fixated(findings: Findings) -> Letter:
    conduct, behaviour = findings.conduct, findings.behaviour
    fixated = Letter("F", "Fixated")
    if conduct.first and conduct.last and (conduct.last - conduct.first).days >= FIXATED_MIN_DAYS:
        span = (conduct.last - conduct.first).days
        fixated.note(
            f"Contact continued over {span} days ({conduct.first:%d %b %Y} to {conduct.last:%d %b %Y})."
        )
    if (declarations := behaviour.get("FIXATION.DECLARATION")) is not None:
        fixated.note(
            f"{declarations.count} messages declare love, insist on a relationship or claim a grievance.",
            _examples(findings, "FIXATION.DECLARATION"),
        )
    if len(conduct.by_channel) >= 3:
        fixated.note(f"The contact came through {len(conduct.by_channel)} different channels.")
    return fixated


def _obsessive(findings: Findings) -> Letter:
    conduct, behaviour = findings.conduct, findings.behaviour
    obsessive = Letter("O", "Obsessive")
    if conduct.bursts:
        biggest = max(conduct.bursts, key=lambda b: b.count)
        obsessive.note(
            f"{len(conduct.bursts)} burst(s) of 10 or more contacts within an hour; the largest had "
            f"{biggest.count}, from {biggest.start.astimezone(conduct.zone):%d %b %Y %H:%M}."
        )
    if conduct.night >= OBSESSIVE_NIGHT_MIN:
        obsessive.note(f"{conduct.night} contacts between midnight and 6 am.")
    if conduct.per_day:
        day, most = max(conduct.per_day.items(), key=lambda item: (item[1], item[0]))
        if most >= 10:
            obsessive.note(f"Up to {most} contacts in one day ({day:%d %b %Y}).")
    monitoring = ["MONITORING.KNOWLEDGE", "MONITORING.LOCATION", "ACCESS.ACCOUNT", "ACCESS.DEVICE"]
    watched = sum(behaviour[c].count for c in monitoring if c in behaviour)
    if watched:
        obsessive.note(
            f"{watched} messages show monitoring: knowing where the victim was, what they did or wore, "
            "or access to their accounts or devices.",
            _examples(findings, *monitoring),
        )
    return obsessive


def _unwanted(findings: Findings) -> Letter:
    conduct, behaviour = findings.conduct, findings.behaviour
    unwanted = Letter("U", "Unwanted")
    what = {
        "asked": "asked for no contact",
        "blocked": "blocked",
        "police warning": "recorded a police warning",
    }
    for stop in findings.stop_requests[:SHOWN_REQUESTS]:
        when = stop.ref.at.astimezone(conduct.zone).strftime("%d %b %Y %H:%M") if stop.ref.at else "?"
        later = f" ({stop.contacts_before_next} before the next request)"
        unwanted.note(
            f"On {when} the victim {what.get(stop.how, 'asked for no contact')} ({stop.ref.channel}); "
            f"{stop.contacts_after} contacts followed, on {len(stop.days_after)} days"
            + (later if stop.contacts_before_next != stop.contacts_after else "")
            + ".",
            [Example(stop.ref, stop.words)],
        )
    if len(findings.stop_requests) > SHOWN_REQUESTS:
        unwanted.note(
            f"{len(findings.stop_requests) - SHOWN_REQUESTS} further requests to stop (see the list)."
        )
    new_accounts = {a for stop in findings.stop_requests for a in stop.new_accounts_before_next}
    if new_accounts:
        unwanted.note(
            f"{len(new_accounts)} account(s) or number(s) not used before made contact after a request "
            "to stop.",
            _examples(findings, "CONTACT.NEW_ACCOUNT"),
        )
    if conduct.longest_unanswered and conduct.longest_unanswered[2] >= 10:
        start, end, count = conduct.longest_unanswered
        unwanted.note(
            f"{count} contacts in a row with no reply ({start.astimezone(conduct.zone):%d %b %Y} to "
            f"{end.astimezone(conduct.zone):%d %b %Y})."
        )
    if (pressing := behaviour.get("CONTACT.UNWANTED")) is not None:
        unwanted.note(
            f"{pressing.count} messages demand a response or complain of being ignored.",
            _examples(findings, "CONTACT.UNWANTED"),
        )
    return unwanted


def _repeated(findings: Findings) -> Letter:
    conduct = findings.conduct
    repeated = Letter("R", "Repeated")
    if conduct.days_with_contact >= REPEATED_MIN_DAYS:
        repeated.note(f"{conduct.contacts} contacts on {conduct.days_with_contact} different days.")
    if conduct.longest_run and conduct.longest_run[2] >= 3:
        start_day, end_day, days = conduct.longest_run
        repeated.note(f"Contact on {days} days in a row ({start_day:%d %b %Y} to {end_day:%d %b %Y}).")
    return repeated
