"""The lock-down steps of a safety plan, held as data files per platform (rules/data/safety-plan).

Advice changes when platforms change their menus, and an advocate or a force may want to add a
platform, so the steps are data rather than code: read with the rules' safe YAML loader (G-20) and
checked strictly, so a mistyped key or a step that could destroy evidence without first saying how
to keep it is refused with the file and the step named, never shown to a frightened person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from importlib import resources
from importlib.resources.abc import Traversable
from typing import Any

from casetrail.model.event import Channel
from casetrail.rules import RulesError, parse_rules

FORMAT = "casetrail-safety-plan"
FOLDER = "safety-plan"
#: A step reviewed longer ago than this may describe menus that have since changed.
STALE_AFTER_DAYS = 365

_FILE_KEYS = {"format", "version", "platform", "name", "applies_when", "reviewed", "steps"}
_APPLIES_KEYS = {"channels", "account_domains", "always"}
_STEP_REQUIRED = {
    "id", "title", "why", "how", "preserve_first", "may_reveal", "destroys_evidence", "help", "order",
}  # fmt: skip
_STEP_KEYS = _STEP_REQUIRED | {"reviewed"}
_PLATFORM = re.compile(r"^[a-z0-9]+(-[a-z0-9]+)*$")
_DOMAIN = re.compile(r"^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$")
_URL = re.compile(r"^https://[a-z0-9.-]+\.[a-z]{2,}(/\S*)?$")
_CHANNELS = frozenset(c.value for c in Channel)


@dataclass(frozen=True, slots=True)
class PlanStep:
    """One thing a person can do, with what to keep first and what the other person might notice."""

    id: str  # "<platform>.<slug>", unique across all files; progress marks in the case refer to it
    platform: str
    title: str
    why: str
    how: tuple[str, ...]
    preserve_first: str | None  # what to save before changing anything; None when nothing is lost
    may_reveal: str | None  # what the other person might notice; None when nothing shows
    destroys_evidence: bool
    help: str | None  # the platform's own help page; None when no checked link is known yet
    reviewed: date
    order: int


@dataclass(frozen=True, slots=True)
class PlanFile:
    """One platform's steps and the case facts that make them part of a person's plan."""

    platform: str
    name: str
    version: str
    reviewed: date
    channels: frozenset[str]
    account_domains: frozenset[str]
    always: bool
    steps: tuple[PlanStep, ...]  # lowest order first
    source: str  # the file name, for messages

    def applies(self, channels: Iterable[str], account_domains: Iterable[str]) -> bool:
        """Whether the case's timeline channels or e-mail domains make this file part of the plan."""
        if self.always:
            return True
        if self.channels & {c.strip().lower() for c in channels}:
            return True
        return any(_domain_matches(d, self.account_domains) for d in account_domains)


def load_plan_files(folder: Traversable | None = None) -> list[PlanFile]:
    """Every plan file in ``folder`` (default: the files shipped with casetrail), checked together."""
    root = folder if folder is not None else resources.files("casetrail.rules").joinpath("data", FOLDER)
    entries = sorted((e for e in root.iterdir() if e.name.endswith(".yaml")), key=lambda e: e.name)
    if not entries:
        raise RulesError(f"Safety plan folder {root.name}: no plan files (*.yaml) found.")
    files = [_plan_file(e.name, e.read_text(encoding="utf-8")) for e in entries]
    _check_unique_ids(files)
    return files


def steps_for(
    files: Iterable[PlanFile], channels: set[str], account_domains: set[str]
) -> list[tuple[PlanFile, list[PlanStep]]]:
    """The files that apply to a case, with their steps in order.

    Files that apply to everyone come first (general, phone, what to do if an app is found), then the
    platforms the case involves, each group by platform name, so a plan reads the same every time.
    """
    chosen = [f for f in files if f.applies(channels, account_domains)]
    chosen.sort(key=lambda f: (not f.always, f.platform))
    return [(f, sorted(f.steps, key=lambda s: (s.order, s.id))) for f in chosen]


def is_stale(step: PlanStep, today: date) -> bool:
    """A step last reviewed more than a year ago is shown as possibly out of date."""
    return (today - step.reviewed).days > STALE_AFTER_DAYS


# -- reading and checking -------------------------------------------------------------------------


def _plan_file(name: str, text: str) -> PlanFile:
    document = parse_rules(text, name, FORMAT)
    where = f"Safety plan file {name}"
    _only_keys(document, _FILE_KEYS, _FILE_KEYS, where)
    platform = _text(document["platform"], f"{where}, 'platform'")
    stem = name.removesuffix(".yaml")
    if platform != stem or not _PLATFORM.match(platform):
        raise RulesError(f"{where}: 'platform' must be the file's name ({stem!r}) in lower case.")
    reviewed = _date(document["reviewed"], f"{where}, 'reviewed'")
    channels, domains, always = _applies_when(document["applies_when"], where)
    steps = document["steps"]
    if not isinstance(steps, list) or not steps:
        raise RulesError(f"{where}: 'steps' must be a list of at least one step.")
    parsed = tuple(_step(raw, platform, reviewed, where, n) for n, raw in enumerate(steps, 1))
    return PlanFile(
        platform=platform,
        name=_text(document["name"], f"{where}, 'name'"),
        version=str(document["version"]),
        reviewed=reviewed,
        channels=channels,
        account_domains=domains,
        always=always,
        steps=tuple(sorted(parsed, key=lambda s: (s.order, s.id))),
        source=name,
    )


def _applies_when(value: Any, where: str) -> tuple[frozenset[str], frozenset[str], bool]:
    here = f"{where}, 'applies_when'"
    if not isinstance(value, dict):
        raise RulesError(f"{here}: must be a mapping with channels, account_domains and always.")
    _only_keys(value, _APPLIES_KEYS, _APPLIES_KEYS, here)
    channels = frozenset(_words(value["channels"], f"{here}, 'channels'"))
    unknown = sorted(channels - _CHANNELS)
    if unknown:
        raise RulesError(f"{here}: unknown channel {unknown[0]!r}; known: {', '.join(sorted(_CHANNELS))}.")
    domains = frozenset(_words(value["account_domains"], f"{here}, 'account_domains'"))
    bad = sorted(d for d in domains if not _DOMAIN.match(d))
    if bad:
        raise RulesError(f"{here}: {bad[0]!r} is not an e-mail domain in lower case (e.g. gmail.com).")
    always = _flag(value["always"], f"{here}, 'always'")
    if not (always or channels or domains):
        raise RulesError(f"{here}: the file would never be used; name a channel or a domain, or set always.")
    return channels, domains, always


def _step(raw: Any, platform: str, file_reviewed: date, where: str, number: int) -> PlanStep:
    label = raw.get("id") if isinstance(raw, dict) else None
    here = f"{where}, step {label}" if isinstance(label, str) and label else f"{where}, step {number}"
    if not isinstance(raw, dict):
        raise RulesError(f"{here}: must be a mapping.")
    _only_keys(raw, _STEP_REQUIRED, _STEP_KEYS, here)
    step_id = _text(raw["id"], f"{here}, 'id'")
    prefix, _, slug = step_id.partition(".")
    if prefix != platform or not _PLATFORM.match(slug):
        raise RulesError(f"{here}: 'id' must be '{platform}.<slug>' in lower case with hyphens.")
    how = raw["how"]
    if not isinstance(how, list) or not how:
        raise RulesError(f"{here}, 'how': must be a list of at least one short step.")
    destroys = _flag(raw["destroys_evidence"], f"{here}, 'destroys_evidence'")
    preserve = _optional_text(raw["preserve_first"], f"{here}, 'preserve_first'")
    if destroys and preserve is None:
        raise RulesError(f"{here}: a step that destroys evidence must say in 'preserve_first' what to keep.")
    order = raw["order"]
    if not isinstance(order, int) or isinstance(order, bool):
        raise RulesError(f"{here}, 'order': must be a whole number.")
    return PlanStep(
        id=step_id,
        platform=platform,
        title=_text(raw["title"], f"{here}, 'title'"),
        why=_text(raw["why"], f"{here}, 'why'"),
        how=tuple(_text(line, f"{here}, 'how' line {n}") for n, line in enumerate(how, 1)),
        preserve_first=preserve,
        may_reveal=_optional_text(raw["may_reveal"], f"{here}, 'may_reveal'"),
        destroys_evidence=destroys,
        help=_help(raw["help"], f"{here}, 'help'"),
        reviewed=_date(raw["reviewed"], f"{here}, 'reviewed'") if "reviewed" in raw else file_reviewed,
        order=order,
    )


def _check_unique_ids(files: list[PlanFile]) -> None:
    seen: dict[str, str] = {}
    for plan in files:
        for step in plan.steps:
            if step.id in seen:
                raise RulesError(
                    f"Safety plan file {plan.source}, step {step.id}: the id is also used in {seen[step.id]}."
                )
            seen[step.id] = plan.source


def _only_keys(mapping: Mapping[Any, Any], required: set[str], allowed: set[str], where: str) -> None:
    unknown = sorted(str(k) for k in mapping if k not in allowed)
    if unknown:
        raise RulesError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}.")
    missing = sorted(required - set(mapping))
    if missing:
        raise RulesError(f"{where}: missing key {missing[0]!r}.")


def _text(value: Any, where: str) -> str:
    """Text, with runs of spaces and line breaks made single spaces (YAML folded text)."""
    if not isinstance(value, str) or not value.strip():
        raise RulesError(f"{where}: must be text.")
    return " ".join(value.split())


def _optional_text(value: Any, where: str) -> str | None:
    return None if value is None else _text(value, where)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise RulesError(f"{where}: must be true or false.")
    return value


def _words(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise RulesError(f"{where}: must be a list of names (it may be empty: []).")
    return list(value)


def _date(value: Any, where: str) -> date:
    """A date written as 2026-11-24 (YAML reads it as a date) or as that text in quotes."""
    if type(value) is date:  # a datetime (2026-11-24 10:00) is refused: a review is a day
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise RulesError(f"{where}: must be a date written as YYYY-MM-DD.")


def _help(value: Any, where: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _URL.match(value):
        raise RulesError(f"{where}: must be an https:// address of the platform's own help page, or null.")
    return value


def _domain_matches(domain: str, known: frozenset[str]) -> bool:
    """``mail.example.com`` and ``@Example.com`` both match ``example.com``."""
    cleaned = domain.strip().lower().lstrip("@").rstrip(".")
    return any(cleaned == k or cleaned.endswith(f".{k}") for k in known)
