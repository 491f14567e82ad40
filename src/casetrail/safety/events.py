"""A safety scan as timeline events: one saying what was read, one per finding, each pointing at the
place in the scanned file, so a scan is evidence like any message ("on 3 June the phone held …").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC
from zoneinfo import ZoneInfo

from casetrail.ingest.localtime import to_utc
from casetrail.model.event import Channel, Direction, Kind, Locator, ParsedEvent
from casetrail.safety.matching import Finding, ScanResult

PLATFORM_WORDS = {"android": "Android phone", "ios": "iPhone", "network": "network"}
SOURCE_WORDS = {
    "android-package-list": "package list",
    "android-dumpsys": "package dump",
    "android-bugreport": "bug report",
    "ios-backup": "backup",
    "android-apk": "app file",
    "network-log": "DNS or proxy log",
}
_LINE = re.compile(r"\A(?:(?P<member>.+?)[: ]\s*)?line (?P<value>\d+(?:-\d+)?)\Z")


def locator_of(where: str) -> Locator:
    """``"line 12"`` or ``"bugreport.txt line 12"`` as a line locator; anything else as an entry."""
    found = _LINE.match(where.strip())
    if found:
        return Locator("line", found.group("value"), found.group("member") or None)
    return Locator("entry", where)


def summary_text(result: ScanResult) -> str:
    inventory = result.inventory
    facts = inventory.device
    system = facts.get("os_version") or (
        f"Android {facts['android_version']}" if facts.get("android_version") else ""
    )
    device = ", ".join(v for v in (facts.get("model", ""), system) if v)
    what = f"{PLATFORM_WORDS.get(inventory.platform, inventory.platform)} data"
    source = SOURCE_WORDS.get(inventory.source_kind, inventory.source_kind)
    found = len(result.findings)
    counted = (
        f"{len(inventory.domains)} names looked up"
        if inventory.platform == "network"
        else f"{len(inventory.apps)} apps, {len(inventory.capabilities)} powers or profiles"
    )
    return (
        f"Safety scan of {what} ({source}{', ' + device if device else ''}): {counted}, "
        f"{'no findings' if not found else f'{found} finding' + ('s' if found != 1 else '')}."
    )


def finding_text(finding: Finding) -> str:
    text = finding.title + "."
    if finding.can_do:
        text += " It can " + "; ".join(finding.can_do) + "."
    return text


def scan_events(result: ScanResult, zone: ZoneInfo) -> Iterator[ParsedEvent]:
    """The scan's summary, then its findings, most certain first; all at the time the phone made
    the data when the file says (a phone's clock is local time), else without a time."""
    inventory = result.inventory
    taken = inventory.taken_at
    occurred = None
    flags: tuple[str, ...] = ()
    if taken is not None and taken.tzinfo is not None:
        occurred = taken.astimezone(UTC)
    elif taken is not None:
        occurred, flags = to_utc(taken, zone)
    else:
        flags = ("time-not-in-file",)
    local = taken.isoformat(timespec="seconds") if taken else "not given in the file"
    details = {
        "platform": inventory.platform,
        "source_kind": inventory.source_kind,
        "apps": str(len(inventory.apps)),
        "powers": str(len(inventory.capabilities)),
        "findings": str(len(result.findings)),
        "indicators": result.indicators or "none installed (run 'casetrail safety update-indicators')",
        **{f"device_{key}": value for key, value in sorted(inventory.device.items())},
    }
    if inventory.notes:
        details["notes"] = " ".join(inventory.notes)

    def event(kind: Kind, text: str, where: str, extra: dict[str, str]) -> ParsedEvent:
        return ParsedEvent(
            occurred_at=occurred,
            local_time=local,
            channel=Channel.DEVICE,
            kind=kind,
            direction=Direction.NOT_APPLICABLE,
            sender=None,
            recipients=(),
            text=text,
            locator=locator_of(where),
            flags=flags,
            details=extra,
        )

    yield event(Kind.DEVICE_SCAN, summary_text(result), inventory.where or "whole file", details)
    for finding in result.by_confidence():
        extra = {
            "level": finding.level,
            "confidence": finding.confidence,
            "matched_on": finding.matched_on,
            "source": finding.source,
        }
        if finding.package:
            extra["package"] = finding.package
        yield event(Kind.SAFETY_FINDING, finding_text(finding), finding.where, extra)
