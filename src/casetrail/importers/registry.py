"""Importer discovery through the ``casetrail.importers`` entry points (built-ins use the same door).

Each importer is recorded with its distribution and version, so the audit log can say exactly which
code read each file; an importer that fails to load is reported, never allowed to crash the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points

from casetrail.errors import UnknownFormat
from casetrail.importers.base import Importer, Sniff
from casetrail.ingest.source import Source

GROUP = "casetrail.importers"


@dataclass(frozen=True)
class ImporterOrigin:
    entry_point: str
    distribution: str
    version: str


@dataclass(frozen=True)
class LoadedImporter:
    importer: Importer
    origin: ImporterOrigin


@dataclass(frozen=True)
class BrokenImporter:
    name: str
    error: str


def discover() -> tuple[list[LoadedImporter], list[BrokenImporter]]:
    """All importers in name order (deterministic), plus any that could not be loaded."""
    loaded: list[LoadedImporter] = []
    broken: list[BrokenImporter] = []
    for ep in sorted(entry_points(group=GROUP), key=lambda e: e.name):
        try:
            cls = ep.load()
            importer = cls()
            if not isinstance(importer, Importer):
                raise TypeError("not a casetrail Importer")
        except Exception as error:  # a third-party plugin must not take the CLI down
            broken.append(BrokenImporter(ep.name, f"{error.__class__.__name__}: {error}"))
            continue
        dist = ep.dist
        origin = ImporterOrigin(
            ep.value, dist.name if dist else "unknown", dist.version if dist else "unknown"
        )
        loaded.append(LoadedImporter(importer, origin))
    return loaded, broken


def choose(source: Source, importers: list[LoadedImporter]) -> tuple[LoadedImporter, Sniff]:
    """The importer most confident that it reads this file; UnknownFormat if none does."""
    best: tuple[LoadedImporter, Sniff] | None = None
    for candidate in importers:
        sniff = candidate.importer.sniff(source)
        if sniff.confidence > 0 and (best is None or sniff.confidence > best[1].confidence):
            best = (candidate, sniff)
    if best is None:
        names = ", ".join(c.importer.name for c in importers) or "none installed"
        raise UnknownFormat(source.name, None, f"no importer recognises this file (tried: {names})")
    return best
