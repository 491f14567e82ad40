"""The generic format: events an advocate typed up (from a spreadsheet, or a platform without an
exporter) as CSV or JSON, specified in ``docs/importers/generic.md``.

A file is only recognised by the marker the format requires (a first line ``# casetrail generic v1``
in CSV, a first key ``"casetrail_generic"`` in JSON) or a name ending ``.casetrail.csv``, so random
spreadsheets and other JSON exports are never claimed. A zip may hold one such file and the files
its rows name as attachments.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from functools import partial
from typing import IO, ClassVar

from casetrail.errors import ArchiveTooLarge, InputError, UnsafeArchiveMember
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.importers.generic_csv import MARKER, csv_events
from casetrail.importers.generic_fields import Origin
from casetrail.importers.generic_json import json_events
from casetrail.ingest.archive import SafeZip, is_metadata_member
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent

_SNIFF_BYTES = 4096
_MAX_CANDIDATES = 8  # data files whose first bytes a zip's sniff reads, at most
_BOM = b"\xef\xbb\xbf"
_JSON_MARKER = re.compile(rb'\A\s*\{\s*"casetrail_generic"\s*:')
_JSON_ANYWHERE = re.compile(rb'"casetrail_generic"\s*:')
_CSV_SUFFIX = ".casetrail.csv"
_JSON_SUFFIX = ".casetrail.json"


def _first_line(head: bytes) -> str:
    return head.removeprefix(_BOM).split(b"\n", 1)[0].decode("utf-8", "replace").rstrip("\r")


def recognise(head: bytes, name: str) -> tuple[float, str, str | None]:
    """Confidence, reason and form (``csv`` or ``json``) from a file's first bytes and its name."""
    body = head.removeprefix(_BOM)
    lower = name.lower()
    if _JSON_MARKER.match(body):
        return 0.97, "a JSON object opening with the casetrail_generic key", "json"
    if lower.endswith(_JSON_SUFFIX) and _JSON_ANYWHERE.search(body):
        return 0.9, "a .casetrail.json file with the casetrail_generic key", "json"
    line = _first_line(head)
    cells = line.split(",")
    if MARKER.fullmatch(cells[0]) and not any(cell.strip() for cell in cells[1:]):
        return 0.97, "the first line is the '# casetrail generic' marker", "csv"
    if lower.endswith(_CSV_SUFFIX) and "time" in {cell.strip().strip('"').lower() for cell in cells}:
        return 0.9, "a .casetrail.csv file whose header has a time column", "csv"
    return 0.0, "no casetrail generic marker", None


def _candidates(archive: SafeZip) -> list[str]:
    names = [n for n in archive.names() if not is_metadata_member(n)]
    return [n for n in names if n.lower().endswith((".csv", ".json"))]


def _member_head(archive: SafeZip, name: str) -> bytes:
    with archive.open_member(name) as stream:
        return stream.read(_SNIFF_BYTES)


def data_members(archive: SafeZip) -> list[tuple[str, str]]:
    """The zip's generic data files with their form (reads the first bytes of a few .csv/.json)."""
    found: list[tuple[str, str]] = []
    for name in _candidates(archive)[:_MAX_CANDIDATES]:
        confidence, _reason, form = recognise(_member_head(archive, name), name.rsplit("/", 1)[-1])
        if confidence > 0 and form is not None:
            found.append((name, form))
    return found


class GenericImporter(Importer):
    """casetrail's own documented CSV/JSON format, for evidence no other importer reads."""

    name: ClassVar[str] = "generic"
    version: ClassVar[str] = "1"
    description: ClassVar[str] = (
        "casetrail generic format: CSV or JSON events typed up from any source (or a zip)"
    )

    def sniff(self, source: Source) -> Sniff:
        try:
            if source.is_zip():
                found = data_members(source.archive())
                if len(found) != 1:
                    return Sniff.no(f"{len(found)} casetrail generic files in the archive (one is needed)")
                return Sniff(0.95, f"the archive holds one generic {found[0][1].upper()} file, {found[0][0]}")
            confidence, reason, _form = recognise(source.head(_SNIFF_BYTES), source.name)
        except (UnsafeArchiveMember, ArchiveTooLarge):
            raise
        except InputError as exc:
            return Sniff.no(exc.problem)
        except (OSError, ValueError, EOFError) as exc:
            return Sniff.no(f"cannot be read ({exc})")
        return Sniff(confidence, reason) if confidence > 0 else Sniff.no(reason)

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        opener: Callable[[], IO[bytes]] = source.open
        if source.is_zip():
            archive = source.archive()
            found = data_members(archive)
            if len(found) != 1:
                problem = f"the archive must hold exactly one casetrail generic file; it holds {len(found)}"
                raise InputError(source.name, None, problem)
            member, form = found[0]
            opener = partial(archive.open_member, member)
            folder = member.rpartition("/")[0]
            origin = Origin(source.name, member, folder, frozenset(archive.names()), context.timezone)
        else:
            head = source.head(_SNIFF_BYTES)
            found_form = recognise(head, source.name)[2]
            form = found_form or (
                "json" if head.removeprefix(_BOM).lstrip().startswith((b"{", b"[")) else "csv"
            )
            origin = Origin(source.name, None, "", frozenset(), context.timezone)
        if form == "json":
            yield from json_events(opener, origin)
            return
        with opener() as stream:
            yield from csv_events(stream, origin)
