"""Android "SMS Backup & Restore" XML backups, sms-*.xml and calls-*.xml (docs/importers/sms-backup.md).

Backups can be several gigabytes, so the XML is read as a stream and each record is dropped once turned
into an event. defusedxml refuses DTDs and entities: a backup never needs them, and a hostile file could
use them to exhaust memory or read other files.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import IO, Any
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import iterparse

from casetrail.errors import InputError
from casetrail.importers.base import ImportContext, Importer, Sniff
from casetrail.ingest.source import Source
from casetrail.model.event import Channel, Direction, EmbeddedFile, Kind, Locator, ParsedEvent

ROOT_KINDS = {"smses": ("sms", "mms"), "calls": ("call",)}
_PROLOG = re.compile(rb"\A(?:\xef\xbb\xbf)?(?:\s+|<\?.*?\?>|<!--.*?-->)*<(smses|calls)[\s/>]", re.DOTALL)
_NAME = re.compile(r"\A(sms|calls)-.*\.xml\Z", re.IGNORECASE)
_INTEGER = re.compile(r"-?[0-9]{1,19}")
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SECONDS_BELOW = 100_000_000_000  # as milliseconds this is before March 1973: such values are seconds
EARLIEST_MS = 946_684_800_000  # 2000-01-01T00:00:00Z
NO_NAMES = {"", "null", "(unknown)"}
OWN_NUMBER = "insert-address-token"  # what the phone writes for its own number in an MMS

SMS_TYPES: dict[str, tuple[Direction, str | None]] = {
    "1": (Direction.INCOMING, None),
    "2": (Direction.OUTGOING, None),
    "3": (Direction.OUTGOING, "sms-draft"),
    "4": (Direction.OUTGOING, "sms-not-sent"),
    "5": (Direction.OUTGOING, "sms-send-failed"),
    "6": (Direction.OUTGOING, "sms-not-sent"),
}
MMS_BOXES: dict[str, tuple[Direction, str | None]] = {
    "1": (Direction.INCOMING, None),
    "2": (Direction.OUTGOING, None),
    "3": (Direction.OUTGOING, "sms-draft"),
    "4": (Direction.OUTGOING, "sms-not-sent"),
}
CALL_TYPES: dict[str, tuple[Direction, str]] = {
    "1": (Direction.INCOMING, "incoming"),
    "2": (Direction.OUTGOING, "outgoing"),
    "3": (Direction.INCOMING, "missed"),
    "4": (Direction.INCOMING, "voicemail"),
    "5": (Direction.INCOMING, "rejected"),
    "6": (Direction.INCOMING, "blocked"),
    "7": (Direction.INCOMING, "answered-elsewhere"),
}
PRESENTATION = {"1": "allowed", "2": "withheld", "3": "unknown", "4": "payphone"}
ADDR_FROM, ADDR_OTHERS = "137", ("151", "130", "129")


def _attr(elem: Element, name: str) -> str:
    """An attribute as text, with the app's literal "null" read as absent."""
    value = elem.get(name, "")
    return "" if value == "null" else value


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _when(raw: str) -> tuple[datetime | None, tuple[str, ...]]:
    """UTC time of a ``date`` attribute: epoch milliseconds, or seconds in some old backups (flagged).

    A time before 2000 cannot come from an Android phone, so it is left out (flagged) rather than put
    at the start of the timeline; the raw value stays in the event's source id.
    """
    if not _INTEGER.fullmatch(raw):
        return None, ("time-unreadable",)
    value, flags = int(raw), tuple[str, ...]()
    if value < SECONDS_BELOW:
        value, flags = value * 1000, ("time-in-seconds",)
    if value < EARLIEST_MS:
        return None, ("time-unreadable",)
    try:
        return _EPOCH + timedelta(milliseconds=value), flags
    except OverflowError:
        return None, ("time-unreadable",)


def _person(name: str, number: str) -> str | None:
    """A person as "Name (number)", or the number alone when the phone had no contact name for it."""
    if name.strip().lower() in NO_NAMES:
        return number or None
    return f"{name} ({number})" if number else name


def _sides(direction: Direction, person: str | None) -> dict[str, Any]:
    """Sender and recipients: the other person sent it, received it, or (direction unknown) neither."""
    if direction is Direction.INCOMING:
        return {"sender": person, "recipients": ()}
    if direction is Direction.OUTGOING and person is not None:
        return {"sender": None, "recipients": (person,)}
    return {"sender": None, "recipients": ()}


def _local_time(elem: Element) -> str:
    return _attr(elem, "readable_date") or elem.get("date", "")


def _timed(elem: Element, locator: Locator, flags: list[str], **fields: Any) -> ParsedEvent:
    """The event, timed by ``date`` (UTC) and showing ``readable_date`` as the phone did."""
    occurred, time_flags = _when(elem.get("date", ""))
    every = tuple(dict.fromkeys([*time_flags, *flags]))
    return ParsedEvent(
        occurred_at=occurred, local_time=_local_time(elem), locator=locator, flags=every, **fields
    )


def sms_event(elem: Element, locator: Locator) -> ParsedEvent:
    """One ``<sms>``: its type says whether it was received, sent or never left the phone."""
    address, body, kind = _attr(elem, "address"), elem.get("body", ""), elem.get("type", "")
    direction, flag = SMS_TYPES.get(kind, (Direction.UNKNOWN, "sms-type-unknown"))
    person = _person(_attr(elem, "contact_name"), address)
    details = {
        "source_id": f"sms|{address}|{elem.get('date', '')}|{kind}|{_sha256(body.encode())}",
        "address": address,
        "sms_type": kind,
    }
    if _attr(elem, "contact_name"):
        details["contact_name"] = _attr(elem, "contact_name")
    if _attr(elem, "subject"):
        details["subject"] = _attr(elem, "subject")
    return _timed(
        elem,
        locator,
        [flag] if flag else [],
        channel=Channel.SMS,
        kind=Kind.MESSAGE,
        direction=direction,
        text=body,
        **_sides(direction, person),
        details=details,
    )


def _decoded(data: str) -> bytes | None:
    try:
        return base64.b64decode("".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return None


def _part(part: Element, place: str) -> tuple[str, EmbeddedFile | None, bool]:
    """One non-text MMS part: its description (type, name, size, hash), the file to keep, and
    whether it was readable (data that is not base64 is described, not kept)."""
    content_type = _attr(part, "ct") or "unknown type"
    name = _attr(part, "name") or _attr(part, "cl") or _attr(part, "fn")
    shown = name or "no name"
    data, text = part.get("data"), _attr(part, "text")
    if data is None and not text:
        return f"{content_type}, {shown}, no data in the backup", None, True
    payload = text.encode() if data is None else _decoded(data)
    if payload is None:
        digest = _sha256((data or "").encode())
        return f"{content_type}, {shown}, data is not valid base64 (sha256 of the text {digest})", None, False
    kept = EmbeddedFile(place, name, payload, _attr(part, "ct") or None, place)
    return f"{content_type}, {shown}, {len(payload)} bytes, sha256 {_sha256(payload)}", kept, True


def _mms_content(elem: Element, locator: Locator) -> tuple[str, list[str], list[EmbeddedFile], bool]:
    """The MMS text (its text/plain parts joined), the other parts described and kept, and whether
    every part could be read."""
    texts: list[str] = []
    others: list[str] = []
    files: list[EmbeddedFile] = []
    readable = True
    for part in elem.iter("part"):
        content_type = _attr(part, "ct").lower()
        if content_type == "application/smil":
            continue  # the slide layout, not content
        if content_type == "text/plain" and part.get("data") is None:
            texts.append(_attr(part, "text"))
            continue
        summary, file, ok = _part(part, f"{locator}, part {len(others) + 1}")
        others.append(summary)
        files += [file] if file else []
        readable = readable and ok
    return "\n".join(t for t in texts if t), others, files, readable


def _mms_people(elem: Element, direction: Direction) -> tuple[str | None, tuple[str, ...]]:
    """Sender and recipients from ``<addr>`` (137 from; 151 to, 130 cc, 129 bcc) or the address attribute."""
    address, name = _attr(elem, "address"), _attr(elem, "contact_name")
    names = {} if "~" in address else {address: name}
    addrs = [(_attr(a, "address"), a.get("type", "")) for a in elem.iter("addr")]
    addrs = [(number, kind) for number, kind in addrs if number and number != OWN_NUMBER]
    sender: str | None = None
    if direction is Direction.INCOMING:
        sender = next((n for n, kind in addrs if kind == ADDR_FROM), None)
        sender = sender or (address if "~" not in address else None) or None
    others = [n for n, kind in addrs if kind in ADDR_OTHERS and n != sender]
    if not others and direction is not Direction.INCOMING:
        others = [n for n in address.split("~") if n]
    label = _person(names.get(sender, ""), sender) if sender else None
    return label, tuple(p for n in dict.fromkeys(others) if (p := _person(names.get(n, ""), n)))


def mms_event(elem: Element, locator: Locator) -> ParsedEvent:
    """One ``<mms>``: text parts become the text; pictures and other parts are described in the
    details and kept as exhibits inside the backup's exhibit."""
    box = elem.get("msg_box", "")
    direction, flag = MMS_BOXES.get(box, (Direction.UNKNOWN, "mms-box-unknown"))
    text, others, files, readable = _mms_content(elem, locator)
    sender, recipients = _mms_people(elem, direction)
    content = _sha256("\x1f".join([text, *others]).encode())
    details = {
        "source_id": f"mms|{_attr(elem, 'address')}|{elem.get('date', '')}|{box}|{content}",
        "address": _attr(elem, "address"),
        "msg_box": box,
    }
    for key, name in (("contact_name", "contact_name"), ("subject", "sub"), ("mms_id", "m_id")):
        if _attr(elem, name):
            details[key] = _attr(elem, name)
    details.update({f"part_{i}": summary for i, summary in enumerate(others, 1)})
    flags = [flag] if flag else []
    flags += [] if readable else ["attachment-unreadable"]
    event = _timed(
        elem,
        locator,
        flags,
        channel=Channel.SMS,
        kind=Kind.MESSAGE,
        direction=direction,
        sender=sender,
        recipients=recipients,
        text=text,
        details=details,
    )
    event.attachments = tuple(file.key for file in files)
    event.embedded = tuple(files)
    return event


def call_event(elem: Element, locator: Locator) -> ParsedEvent:
    """One ``<call>`` from the call log: who, which way, and how long."""
    number, kind, duration = _attr(elem, "number"), elem.get("type", ""), elem.get("duration", "")
    direction, call = CALL_TYPES.get(kind, (Direction.UNKNOWN, "unknown"))
    person = _person(_attr(elem, "contact_name"), number)
    presentation = PRESENTATION.get(elem.get("presentation", ""), "")
    flags = [] if kind in CALL_TYPES else ["call-type-unknown"]
    flags += ["number-withheld"] if presentation == "withheld" else []
    flags += [] if duration.isdecimal() and duration.isascii() else ["duration-unreadable"]
    details = {
        "source_id": f"call|{number}|{elem.get('date', '')}|{kind}|{duration}",
        "call": call,
        "call_type": kind,
        "duration_s": duration,
        "number": number,
    }
    if presentation:
        details["presentation"] = presentation
    if _attr(elem, "contact_name"):
        details["contact_name"] = _attr(elem, "contact_name")
    return _timed(
        elem,
        locator,
        flags,
        channel=Channel.PHONE,
        kind=Kind.CALL,
        direction=direction,
        **_sides(direction, person),
        text=f"{call} call" + (f", {duration} s" if "duration-unreadable" not in flags else ""),
        details=details,
    )


BUILDERS = {"sms": sms_event, "mms": mms_event, "call": call_event}


def _records(
    handle: IO[bytes], file: str, context: ImportContext, member: str | None = None
) -> Iterator[ParsedEvent]:
    """Events from the root's children as each one closes; each is then dropped to keep memory flat."""
    root: Element | None = None
    depth = 0
    seen: Counter[str] = Counter()
    for action, elem in iterparse(handle, events=("start", "end"), forbid_dtd=True):
        if action == "start":
            depth += 1
            if root is None:
                root = _check_root(elem, file, member)
            continue
        depth -= 1
        if depth != 1 or root is None:
            continue
        seen[elem.tag] += 1
        if elem.tag in ROOT_KINDS[root.tag]:
            yield BUILDERS[elem.tag](elem, Locator("element", f"{elem.tag} {seen[elem.tag]}", member))
        elem.clear()
        root.remove(elem)
    if root is not None:
        _note_counts(root, seen, context)


def _check_root(elem: Element, file: str, member: str | None) -> Element:
    if elem.tag not in ROOT_KINDS:
        problem = f"not an SMS Backup & Restore file (it starts with <{elem.tag}>)"
        raise InputError(file, _place(member, "line 1"), problem)
    return elem


def _note_counts(root: Element, seen: Counter[str], context: ImportContext) -> None:
    wanted = ROOT_KINDS[root.tag]
    found = sum(seen[kind] for kind in wanted)
    declared = root.get("count", "")
    if declared != str(found):
        context.note(
            f"The backup says it holds {declared or 'no count of'} records and {found} were found. "
            "Everything found was imported; the count written by the app is not always right."
        )
    skipped = sum(n for tag, n in seen.items() if tag not in wanted)
    if skipped:
        context.note(f"{skipped} element(s) that are not {' or '.join(wanted)} records were left out.")


def _as_utf8(head: bytes) -> bytes:
    """The first bytes as UTF-8, for recognising a backup someone re-saved as UTF-16."""
    for mark, encoding in ((b"\xff\xfe", "utf-16-le"), (b"\xfe\xff", "utf-16-be")):
        if head.startswith(mark):
            return head[2:].decode(encoding, "ignore").encode()
    if head[:2] == b"<\x00":
        return head.decode("utf-16-le", "ignore").encode()
    if head[:2] == b"\x00<":
        return head.decode("utf-16-be", "ignore").encode()
    return head


def _backup_member(source: Source) -> str | None:
    """The one ``sms-*.xml`` or ``calls-*.xml`` in a zipped backup, if there is exactly one."""
    found = [name for name in source.archive().names() if _NAME.match(name.rsplit("/", 1)[-1])]
    return found[0] if len(found) == 1 else None


def _place(member: str | None, where: str) -> str:
    return f"{member}, {where}" if member else where


class SmsBackupImporter(Importer):
    name = "sms-backup"
    version = "1"
    description = 'Android "SMS Backup & Restore" XML (sms-*.xml, calls-*.xml)'

    def sniff(self, source: Source) -> Sniff:
        if source.is_zip():
            member = _backup_member(source)
            return Sniff(0.9, f"a zipped backup ({member})") if member else Sniff.no()
        found = _PROLOG.match(_as_utf8(source.head(4096)))
        if found is None:
            return Sniff.no()
        root = found.group(1).decode()
        if _NAME.match(source.name):
            return Sniff(0.97, f"<{root}> root and an SMS Backup & Restore file name")
        return Sniff(0.9, f"<{root}> root of an SMS Backup & Restore file")

    def events(self, source: Source, context: ImportContext) -> Iterator[ParsedEvent]:
        member = _backup_member(source) if source.is_zip() else None
        with source.archive().open_member(member) if member else source.open() as handle:
            try:
                yield from _records(handle, source.name, context, member)
            except ParseError as error:
                line, column = error.position
                problem = "the file is not complete or not well-formed XML (perhaps cut off while copying)"
                raise InputError(
                    source.name, _place(member, f"line {line} column {column + 1}"), problem
                ) from None
            except LookupError as error:
                if isinstance(error, KeyError | IndexError):
                    raise  # a fault in this code, not in the file
                problem = f"the file declares a text encoding that cannot be read ({error})"
                raise InputError(source.name, _place(member, "line 1"), problem) from None
            except DefusedXmlException as error:
                problem = (
                    "the file declares a DTD or entities, which backups never contain, so it was not "
                    f"read ({error.__class__.__name__})"
                )
                raise InputError(source.name, member, problem) from None
