"""`log`: the victim's diary. Free text comes from prompts, the editor, a file or stdin, never argv.

Text typed on the command line would stay in shell history, where anyone sharing the computer could
read it; so the only options here are the non-private ones (when, channel, kind).
"""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer

from casetrail.cli.console import console, print_json
from casetrail.cli.options import ActorOption, CaseOption, JsonOption, open_case
from casetrail.errors import CasetrailError
from casetrail.importers.diary import KINDS
from casetrail.model.event import Channel
from casetrail.store.diary import latest_version, save_entry

PROMPTS = (
    ("where", "Where did it happen (a place, an app, a website)?"),
    ("people", "Who was involved (names or account names, separated by commas)?"),
    ("witnesses", "Did anyone else see or hear it (separated by commas)?"),
    ("how_it_made_me_feel", "How did it make you feel? (optional)"),
    ("impact", "Has it changed anything you do day to day? (optional)"),
)
LISTS = {"people", "witnesses"}


def _read_editor(initial: str) -> str:
    """Open $EDITOR on a private temp file, in memory-backed storage where the system has it.

    The file is removed as soon as the editor closes; docs/threat-model.md notes that editors may
    keep their own swap or backup copies.
    """
    shm = Path("/dev/shm")  # noqa: S108  (private mkstemp file in RAM, removed after use)
    folder = str(shm) if shm.is_dir() else None
    editor = shlex.split(os.environ.get("VISUAL") or os.environ.get("EDITOR") or "nano")
    handle, name = tempfile.mkstemp(prefix="casetrail-", suffix=".txt", dir=folder)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(initial)
        subprocess.run([*editor, name], check=False)
        return Path(name).read_text("utf-8").strip()
    finally:
        Path(name).unlink(missing_ok=True)


def _read_multiline(prompt: str) -> str:
    console.print(f"{prompt} Type as much as you need; finish with a line containing only a full stop (.).")
    lines: list[str] = []
    for line in sys.stdin:
        if line.rstrip("\r\n") == ".":
            break
        lines.append(line.rstrip("\r\n"))
    return "\n".join(lines).strip()


def _from_file(source: str) -> dict[str, Any]:
    raw = sys.stdin.read() if source == "-" else Path(source).read_text("utf-8")
    stripped = raw.strip()
    if stripped.startswith("{"):
        try:
            entry = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise CasetrailError(f"{source}: line {exc.lineno}: not valid JSON ({exc.msg})") from None
        if not isinstance(entry, dict):
            raise CasetrailError(f"{source}: expected one diary entry as a JSON object")
        return entry
    return {"what_happened": stripped}


def log(
    case: CaseOption = Path("."),
    when: Annotated[
        str | None, typer.Option("--when", help="When it happened, e.g. 2025-03-14T18:40 (default: now).")
    ] = None,
    channel: Annotated[
        str | None, typer.Option("--channel", help="in-person, phone, whatsapp, instagram, …")
    ] = None,
    kind: Annotated[
        str | None, typer.Option("--kind", help="in-person-incident, diary-entry, call, login-alert, …")
    ] = None,
    from_file: Annotated[
        str | None, typer.Option("--from-file", help="Read the entry from a file, or - for stdin.")
    ] = None,
    editor: Annotated[
        bool, typer.Option("--editor", help="Write what happened in your text editor.")
    ] = False,
    amend: Annotated[
        str | None, typer.Option("--amend", help="Add a new version of the entry with this id.")
    ] = None,
    as_json: JsonOption = False,
    actor: ActorOption = None,
) -> None:
    """Record something that happened. Saved entries are never changed, only amended by a new version."""
    with open_case(case) as opened:
        entry: dict[str, Any] = {}
        if amend:
            _, payload = latest_version(opened, amend)
            details = payload.get("details", {})
            entry = {k: v for k, v in details.items() if k in {"where", "how_it_made_me_feel", "impact"}}
            entry.update({k: [p.strip() for p in details[k].split(";")] for k in LISTS if details.get(k)})
            entry["what_happened"] = payload.get("text", "")
            entry["occurred_at"] = payload.get("local_time")
            entry["channel"], entry["kind"] = payload["channel"], payload["kind"]  # keep them when amending
        interactive = from_file is None and sys.stdin.isatty()
        if from_file is not None:
            entry.update(_from_file(from_file))
        if when:
            entry["occurred_at"] = normalise_when(when)
        elif interactive:
            entry["occurred_at"] = _ask_when(entry.get("occurred_at"))
        entry.setdefault("occurred_at", datetime.now().strftime("%Y-%m-%dT%H:%M"))
        entry["channel"] = channel or entry.get("channel") or (_ask_channel() if interactive else "other")
        entry["kind"] = (
            kind
            or entry.get("kind")
            or ("diary-entry" if entry["channel"] != "in-person" else "in-person-incident")
        )
        if kind and kind not in KINDS:
            raise CasetrailError(f"Unknown kind {kind!r}; choose one of: {', '.join(KINDS)}.")
        if editor:
            entry["what_happened"] = _read_editor(str(entry.get("what_happened", "")))
        elif not entry.get("what_happened") or (amend and interactive):
            entry["what_happened"] = _read_multiline("What happened?") or entry.get("what_happened", "")
        if interactive:
            for key, question in PROMPTS:
                current = entry.get(key, [] if key in LISTS else "")
                shown = ", ".join(current) if isinstance(current, list) else current
                answer = typer.prompt(question, default=shown, show_default=bool(shown))
                entry[key] = (
                    [p.strip() for p in answer.split(",") if p.strip()] if key in LISTS else answer.strip()
                )
        saved = save_entry(opened, entry, supersedes=amend, actor=actor)
    if as_json:
        print_json(
            {"uid": saved.uid, "exhibit": saved.exhibit, "entry_id": saved.entry_id, "version": saved.version}
        )
        return
    console.print(f"Saved (exhibit {saved.exhibit}, entry {saved.uid}, version {saved.version}).")
    console.print(
        "If you report this, the police may share what you record with the prosecution and, in court, "
        "with the defence. Writing things down as they happen is what makes them count."
    )


def normalise_when(value: str) -> str:
    """Accept '2025-03-14 18:40', '2025-03-14T18:40' or a date alone; return the ISO form stored."""
    text = value.strip().replace(" ", "T", 1)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise CasetrailError(f"{value!r} is not a date and time like 2025-03-14 18:40.") from None
    if len(text) == 10:
        return moment.strftime("%Y-%m-%d")
    return moment.strftime("%Y-%m-%dT%H:%M:%S" if moment.second else "%Y-%m-%dT%H:%M")


def _ask_when(current: str | None) -> str:
    default = current or datetime.now().strftime("%Y-%m-%d %H:%M")
    while True:
        answer = str(
            typer.prompt(
                "When did it happen? (for example 2025-03-14 18:40, or just the date)", default=default
            )
        )
        try:
            return normalise_when(answer)
        except CasetrailError as problem:
            console.print(str(problem))


def _ask_channel() -> str:
    choices = [c.value for c in Channel]
    while True:
        answer = str(typer.prompt(f"How did it happen ({', '.join(choices)})?", default="in-person")).strip()
        if answer in choices:
            return answer
        console.print("Please choose one of the listed words.")
