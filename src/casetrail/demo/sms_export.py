"""Android "SMS Backup & Restore" XML, written the way the app writes it, for demos and benchmarks."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr
from zoneinfo import ZoneInfo

from casetrail.demo.cast import Person
from casetrail.demo.whatsapp_export import ChatMessage

_RECEIVED, _SENT = "1", "2"


def _row(message: ChatMessage, them: Person, zone: ZoneInfo) -> str:
    """One ``<sms>`` element; the phone's clock time becomes epoch milliseconds in its zone."""
    local = message.at.replace(tzinfo=zone)
    millis = int(local.timestamp()) * 1000 + local.microsecond // 1000
    kind = _RECEIVED if message.sender == them.whatsapp_name else _SENT
    readable = f"{message.at:%d %b %Y %H:%M:%S}".lstrip("0")
    return (
        f'  <sms protocol="0" address="{them.phone}" date="{millis}" type="{kind}" subject="null" '
        f'body={quoteattr(message.text)} toa="null" sc_toa="null" service_center="null" read="1" '
        f'status="-1" locked="0" date_sent="{millis if kind == _RECEIVED else 0}" sub_id="1" '
        f'readable_date="{readable}" contact_name={quoteattr(them.name)} />\n'
    )


def write_sms_backup(
    path: Path, messages: Iterable[ChatMessage], count: int, them: Person, zone: str = "Europe/London"
) -> int:
    """Stream ``count`` messages with ``them`` into an ``sms-*.xml`` backup; system lines are skipped.

    Returns how many ``<sms>`` elements were written (the ``count`` attribute says the same).
    """
    tz = ZoneInfo(zone)
    written = 0
    created = datetime(2025, 6, 1, 9, 0, tzinfo=tz)
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n")
        out.write("<!--File Created By SMS Backup & Restore v10.20.002 on 01/06/2025 09:00:00-->\n")
        out.write(
            f'<smses count="{count}" backup_set="demo" backup_date="{int(created.timestamp()) * 1000}">\n'
        )
        for message in messages:
            if message.sender is None:
                continue
            out.write(_row(message, them, tz))
            written += 1
            if written == count:
                break
        out.write("</smses>\n")
    if written != count:
        raise ValueError(f"asked for {count} messages, got {written}")
    return written


#: Call log ``type`` values the app writes.
CALL_TYPES = {"incoming": 1, "outgoing": 2, "missed": 3, "voicemail": 4, "rejected": 5, "blocked": 6}


@dataclass(frozen=True, slots=True)
class Call:
    """One call-log row: when (the phone's clock), with whom, which kind, how long in seconds."""

    at: datetime
    who: Person
    kind: str
    duration: int = 0


def write_call_log(path: Path, calls: Iterable[Call], zone: str = "Europe/London") -> int:
    """Write a ``calls-*.xml`` call log as the app does; returns how many calls were written."""
    tz = ZoneInfo(zone)
    rows = []
    for call in calls:
        local = call.at.replace(tzinfo=tz)
        millis = int(local.timestamp()) * 1000
        readable = f"{call.at:%d %b %Y %H:%M:%S}".lstrip("0")
        rows.append(
            f'  <call number="{call.who.phone}" duration="{call.duration}" date="{millis}" '
            f'type="{CALL_TYPES[call.kind]}" presentation="1" subscription_id="1" post_dial_digits="" '
            f'subscription_component_name="demo" readable_date="{readable}" '
            f"contact_name={quoteattr(call.who.name)} />\n"
        )
    with path.open("w", encoding="utf-8", newline="\n") as out:
        out.write("<?xml version='1.0' encoding='UTF-8' standalone='yes' ?>\n")
        out.write("<!--File Created By SMS Backup & Restore v10.20.002 on 16/06/2025 09:00:00-->\n")
        out.write(f'<calls count="{len(rows)}" backup_set="demo">\n')
        out.writelines(rows)
        out.write("</calls>\n")
    return len(rows)
