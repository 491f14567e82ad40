"""Phone data as evidence: an Android package list or bug report, or the files of an iPhone backup.

A safety scan (``casetrail safety scan``) imports the file like any export: it becomes an exhibit,
byte for byte, and what the scan read and found become events on the ``device`` channel, each
pointing at its place in the file. The stalkerware indicators come with the scan (ImportContext);
without them (a plain ``casetrail import``) the installed set is used, else only casetrail's own
checks run, and the summary event says which.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from pathlib import Path

from casetrail.errors import InputError
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.ingest.source import Source
from casetrail.model.event import ParsedEvent
from casetrail.safety import android, apk, ios, netlog
from casetrail.safety.events import scan_events
from casetrail.safety.inventory import Inventory
from casetrail.safety.matching import Indicators, match

#: Temporary folders in the case's tmp/ holding a backup's plain files while a scan reads them;
#: removed at once, and by the next open of the case if a scan was killed (store/case.py).
SCAN_SCRATCH_PREFIX = "scan-"


def _indicators(context: ImportContext) -> Indicators | None:
    if context.indicators is not None:
        return context.indicators
    from casetrail.safety.indicators import load_installed

    return load_installed()


def _events(inventory: Inventory, context: ImportContext) -> Iterator[ParsedEvent]:
    result = match(inventory, _indicators(context))
    for note in inventory.notes:
        context.note(note)
    yield from scan_events(result, context.timezone)


def _names(source: Source) -> list[str] | None:
    """The zip's member names (an unsafe or damaged zip is refused here, as by every importer)."""
    return source.archive().names() if source.is_zip() else None


class AndroidPhoneDataImporter(Importer):
    name = "android-phone-data"
    version = "1"
    description = "Android package list (adb shell pm list packages / dumpsys package) or bug report zip"

    def sniff(self, source: Source) -> Sniff:
        kind = android.sniff_kind(source.head(), _names(source))
        return Sniff(0.9, f"looks like an {kind}") if kind else Sniff.no()

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        yield from _events(android.read_android(source), context)

    def archive_members(self, source: Source) -> list[str]:
        return []  # a bug report's hundreds of internal files are read, not kept one by one


class IphoneBackupImporter(Importer):
    name = "iphone-backup"
    version = "1"
    description = "the files of a local iPhone backup (Manifest.db, Info.plist, profiles), as a zip"

    def sniff(self, source: Source) -> Sniff:
        names = _names(source)
        if names is None:
            return Sniff.no()
        return (
            Sniff(0.9, "holds an iPhone backup's Manifest.db")
            if ios.sniff_ios(source.head(), names)
            else Sniff.no()
        )

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        if context.scratch is None:  # nothing is ever written beside the original
            raise InputError(source.name, None, "an iPhone backup is read inside a case; import it into one")
        context.scratch.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(prefix=SCAN_SCRATCH_PREFIX, dir=context.scratch) as scratch:
            inventory = ios.read_ios(source, Path(scratch))
        yield from _events(inventory, context)

    def archive_members(self, source: Source) -> list[str]:
        return []  # the backup's files are casetrail's own selection, kept together in the one zip


class AndroidApkImporter(Importer):
    name = "android-apk"
    version = "1"
    description = "an Android app file (.apk): its package, signing certificates and file fingerprint"

    def sniff(self, source: Source) -> Sniff:
        found = apk.sniff_apk(source.head(), _names(source))
        return Sniff(0.9, "holds an Android app's manifest and code") if found else Sniff.no()

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        yield from _events(apk.read_apk(source), context)

    def archive_members(self, source: Source) -> list[str]:
        return []  # the app file stays one exhibit


class NetworkLogImporter(Importer):
    name = "network-log"
    version = "1"
    description = "a DNS or proxy log (dnsmasq/Pi-hole, NextDNS CSV, AdGuard Home, Squid) or a list of names"

    def sniff(self, source: Source) -> Sniff:
        if source.is_zip():
            return Sniff.no()
        kind = netlog.sniff_netlog(source.head(netlog.HEAD_BYTES))
        if kind is None:
            return Sniff.no()
        # A bare list of names is the weakest guess: a list of package names reads as names too.
        return Sniff(0.4 if kind == netlog.PLAIN else 0.85, f"looks like a {netlog.LABELS[kind]}")

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        yield from _events(netlog.read_netlog(source), context)
