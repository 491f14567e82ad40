"""The full timeline as files an officer's tools open: ``events.csv`` (a spreadsheet, made safe) and
``events.jsonl`` (exact values, one event a line), each event with the exhibit and place it came from
and the behaviour labels the analysis suggests.

Both are written while the timeline streams, a chunk at a time, so a case of a million events never
sits in memory.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, Any

import orjson

from casetrail.analysis.classifiers import installed
from casetrail.analysis.labelling import label_rows
from casetrail.analysis.labels import stands
from casetrail.pack.redact import Redactor
from casetrail.render.csv_cells import identifier_cell, number_cell, text_cell
from casetrail.store.case import Case
from casetrail.store.decisions import standing_decisions
from casetrail.store.event_blocks import locator_text
from casetrail.store.queries import TimelineEvent, TimelineFilter, stream_timeline

COLUMNS = (
    "number", "uid", "occurred_at_utc", "local_time", "channel", "kind", "direction", "sender",
    "recipients", "text", "flags", "attachments", "exhibit", "locator", "other_sources", "behaviour",
)  # fmt: skip
CHUNK = 500


#: Categories whose messages' attachments may be intimate images: left out of a pack unless included.
INTIMATE = ("IMAGE.SHARED", "IMAGE.THREAT_TO_SHARE", "SEXUAL.UNWANTED_CONTENT")
#: JSON keys whose values are casetrail's own (ids, categories, rule names), never redacted.
OWN_KEYS = frozenset(
    {"number", "uid", "occurred_at", "channel", "kind", "direction", "exhibit", "supersedes", "side",
     "category", "status", "decision", "rule", "lexicon", "version", "source", "field", "start", "end",
     "reason", "voice", "conversation", "attachments", "flags", "line", "offset", "member_index"}
)  # fmt: skip


@dataclass(frozen=True)
class ExportCounts:
    events: int
    csv_sha256: str
    jsonl_sha256: str
    exhibits_used: frozenset[str] = frozenset()  # every exhibit an event in the pack came from or attaches
    maybe_intimate: frozenset[str] = frozenset()  # attachments of messages about intimate images


def _chunks(events: Iterator[TimelineEvent]) -> Iterator[list[TimelineEvent]]:
    chunk: list[TimelineEvent] = []
    for event in events:
        chunk.append(event)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


class _Hashing:
    """A text file that hashes what is written to it, so the manifest needs no second read."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.digest = hashlib.sha256()

    def write(self, data: bytes) -> None:
        self.digest.update(data)
        self.handle.write(data)


def _csv_row(number: int, event: TimelineEvent, labelled: dict[str, Any]) -> list[str | int]:
    first = event.sources[0] if event.sources else {}
    behaviour = sorted(
        {label["category"] for label in labelled["labels"] if stands(label["status"], label["decision"])}
    )
    return [
        number_cell(number),
        event.uid,
        event.occurred_at.isoformat().replace("+00:00", "Z") if event.occurred_at else "",
        text_cell(event.local_time),
        event.channel,
        event.kind,
        event.direction,
        identifier_cell(event.sender),
        identifier_cell("; ".join(event.recipients)),
        text_cell(event.text),
        text_cell("; ".join(event.flags)),
        "; ".join(event.attachments),
        str(first.get("exhibit", "")),
        identifier_cell(locator_text(first)) if first else "",
        identifier_cell("; ".join(f"{s['exhibit']} {locator_text(s)}" for s in event.sources[1:])),
        "; ".join(behaviour),
    ]


def _redacted(event: TimelineEvent, redactor: Redactor) -> TimelineEvent:
    channel = event.channel
    return replace(
        event,
        sender=redactor.label(event.sender, channel),
        recipients=[redactor.label(r, channel) or "" for r in event.recipients],
        text=redactor.text(event.text or ""),
        details=redactor.value(event.details),
        sources=[redactor.value(source, OWN_KEYS) for source in event.sources],
    )


def _used(event: TimelineEvent, labelled: dict[str, Any], used: set[str], intimate: set[str]) -> None:
    used.update(str(source["exhibit"]) for source in event.sources if source.get("exhibit"))
    used.update(event.attachments)
    if event.attachments and any(label["category"] in INTIMATE for label in labelled["labels"]):
        intimate.update(event.attachments)


def write_events(
    case: Case,
    folder: Path,
    linked: frozenset[str] | None = None,
    scope: TimelineFilter | None = None,
    redactor: Redactor | None = None,
) -> ExportCounts:
    """Write events.csv and events.jsonl into ``folder`` (the events in ``scope``, redacted when a
    redactor is given); return how many events, their hashes and the exhibits they use."""
    classifier = installed()
    decisions = standing_decisions(case)
    total = 0
    used: set[str] = set()
    intimate: set[str] = set()
    with (folder / "events.csv").open("wb") as raw_csv, (folder / "events.jsonl").open("wb") as raw_jsonl:
        hashed_csv, hashed_jsonl = _Hashing(raw_csv), _Hashing(raw_jsonl)
        text_out = _TextSink(hashed_csv)
        writer = csv.writer(text_out, lineterminator="\r\n")  # RFC 4180
        writer.writerow(COLUMNS)
        text_out.flush()
        for chunk in _chunks(stream_timeline(case, scope or TimelineFilter())):
            for event, labelled in zip(
                chunk, label_rows(case, chunk, linked, classifier, decisions), strict=True
            ):
                total += 1
                _used(event, labelled, used, intimate)
                if redactor is not None:
                    event, labelled = _redacted(event, redactor), redactor.value(labelled, OWN_KEYS)
                writer.writerow(_csv_row(total, event, labelled))
                record = {"number": total, **event.to_json(), **labelled}
                hashed_jsonl.write(orjson.dumps(record) + b"\n")
            text_out.flush()
    return ExportCounts(
        total,
        hashed_csv.digest.hexdigest(),
        hashed_jsonl.digest.hexdigest(),
        frozenset(used),
        frozenset(intimate),
    )


class _TextSink:
    """What csv.writer writes to: text gathered and passed on as UTF-8 bytes a chunk at a time."""

    def __init__(self, target: _Hashing) -> None:
        self.target = target
        self.parts: list[str] = []

    def write(self, text: str) -> int:
        self.parts.append(text)
        return len(text)

    def flush(self) -> None:
        if self.parts:
            self.target.write("".join(self.parts).encode("utf-8"))
            self.parts = []
