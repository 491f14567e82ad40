"""DNS and web proxy logs read into an ``Inventory`` of the addresses a phone (or a home network) looked up.

Stalkerware sends what it collects to its makers' servers, so their names in a router's DNS log are a
sign of it even when the phone itself cannot be examined. Five common forms are read: a dnsmasq or
Pi-hole log, a NextDNS log export (CSV), an AdGuard Home ``querylog.json``, a Squid ``access.log`` and
a plain list of names or web addresses, one a line.

Logs can be hundreds of megabytes and may have been crafted, so they are read as a stream, line by
line, each cut at ``MAX_LINE`` bytes; every different name is kept once, lower-case and without a
final dot, with the line it first appears on; non-ASCII names stay as written. Nothing is ever
looked up: a name is text, never resolved.
"""

from __future__ import annotations

import csv
import ipaddress
import json
import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from casetrail.errors import InputError
from casetrail.ingest.source import Source
from casetrail.safety.android import MAX_LINE, TextLines
from casetrail.safety.inventory import Inventory

NETLOG = "network-log"
HEAD_BYTES = 4096
MAX_DOMAINS = 200_000  # different names kept; a home network's month of DNS has a few thousand
MAX_NAME = 253  # the longest a DNS name can be
DNSMASQ, NEXTDNS, ADGUARD, SQUID, PLAIN = "dnsmasq", "nextdns-csv", "adguard-json", "squid", "plain-list"
LABELS = {
    DNSMASQ: "dnsmasq or Pi-hole DNS log",
    NEXTDNS: "NextDNS log export (CSV)",
    ADGUARD: "AdGuard Home query log (querylog.json)",
    SQUID: "Squid proxy access log",
    PLAIN: "list of names or web addresses",
}
EXPECTED = (
    "expected a DNS or proxy log: a dnsmasq or Pi-hole log, a NextDNS log export (.csv), an AdGuard "
    "Home querylog.json, a Squid access.log, or a list of names or web addresses, one a line"
)

_DNSMASQ_TAG = re.compile(r"\b(?:dnsmasq|pihole-FTL)(?:\[\d+\])?: ")
_DNSMASQ_QUERY = re.compile(r"(?:\d+ \S+ )?query\[[A-Za-z0-9]+\] (\S+) from ")  # after the tag
_SQUID = re.compile(
    r"\s*(?P<time>\d{1,12}(?:\.\d{1,9})?)\s+-?\d+\s+\S+\s+[A-Z_]+/\d{3}\s+\d+\s+"
    r"(?P<method>[A-Za-z_-]+)\s+(?P<url>\S+)"
)
_ADGUARD_HOST = re.compile(r'"QH"\s*:\s*"((?:[^"\\]|\\.){1,1024})"')
_ADGUARD_TIME = re.compile(r'"T"\s*:\s*"([^"\\]{1,64})"')
_ASCII_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*")
_SCHEME = re.compile(r"[a-z][a-z0-9+.-]{0,20}://", re.IGNORECASE)


@dataclass(slots=True)
class Seen:
    """One name in the log: the line it first appears on, its first and last times as the log gives
    them (None when the format has no times), and how many lines name it."""

    line: int
    first: str | None
    last: str | None
    count: int = 1


@dataclass
class NetlogScan:
    """What a log gave: the inventory to match, and when each name was seen."""

    inventory: Inventory
    seen: dict[str, Seen] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------
# Recognising a log


def sniff_netlog(head: bytes) -> str | None:
    """Which kind of log this is, from its first bytes (cheap; None: not one)."""
    text = head[:HEAD_BYTES]
    for bom in (b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff"):
        text = text.removeprefix(bom)
    # NULs are dropped, as when reading: a UTF-16 log, or a log after a power cut, holds them
    lines = text.decode("utf-8", "replace").replace("\x00", "").splitlines()
    if len(head) >= HEAD_BYTES and len(lines) > 1:
        lines = lines[:-1]  # the last line is probably cut off by the head's size
    content = [line.strip() for line in lines if line.strip()]
    if not content:
        return None
    return _kind_of(content)


def _kind_of(lines: list[str]) -> str | None:
    first = lines[0]
    if first.startswith("{") and '"QH"' in first:
        return ADGUARD
    if _DNSMASQ_TAG.search(first):
        return DNSMASQ
    if _SQUID.match(first):
        return SQUID
    if _csv_columns(first) is not None:
        return NEXTDNS
    entries = [line for line in lines if not line.startswith("#")][:20]
    hosts = [_plain_host(line) for line in entries]
    if entries and all(hosts) and any("." in host or ":" in host for host in hosts if host):
        return PLAIN
    return None


def _csv_columns(header: str) -> tuple[int, int | None] | None:
    """(domain column, time column) of a log export's header, or None when it is not one."""
    if "," not in header or len(header) > 4096:
        return None
    try:
        names = [name.strip().lower() for name in next(csv.reader([header]))]
    except (csv.Error, StopIteration):
        return None
    if "domain" not in names:
        return None
    time = next((names.index(n) for n in ("timestamp", "time", "date") if n in names), None)
    return names.index("domain"), time


# ---------------------------------------------------------------------------------------------------
# Reading a log


def read_netlog(source: Source) -> Inventory:
    """Every different name a log shows, each with the line it first appears on."""
    return scan_netlog(source).inventory


def scan_netlog(source: Source, *, max_domains: int = MAX_DOMAINS) -> NetlogScan:
    """``read_netlog`` with the first and last time each name was seen."""
    head = source.head(HEAD_BYTES)
    kind = sniff_netlog(head)
    if kind is None:
        problem = "the file is empty" if not head.strip() else "this is not a DNS or proxy log"
        raise InputError(source.name, None, f"{problem}; {EXPECTED}")
    with source.open() as stream:
        return read_lines(TextLines(stream), kind, source.name, max_domains=max_domains)


def read_lines(lines: Iterable[str], kind: str, where: str, *, max_domains: int = MAX_DOMAINS) -> NetlogScan:
    """Read a log of ``kind`` (see ``sniff_netlog``) from its lines."""
    if kind not in LABELS:
        raise ValueError(f"unknown log kind {kind!r}")
    inventory = Inventory(
        platform="network", source_kind=NETLOG, where=where, device={"log_format": LABELS[kind]}
    )
    collector = _Collector(max_domains)
    parse = _line_reader(kind)
    for number, line in enumerate(lines, 1):
        if len(line) > MAX_LINE:
            line = line[:MAX_LINE]
        entry = parse(line)
        if isinstance(entry, _Skip):
            continue
        if entry is None:
            collector.unreadable += 1
            collector.first_unreadable = collector.first_unreadable or number
            continue
        host, time = entry
        collector.add(host, number, time)
    _notes(inventory, collector, kind, lines)
    inventory.domains = [(host, f"line {seen.line}") for host, seen in collector.seen.items()]
    return NetlogScan(inventory, collector.seen)


class _Skip:
    """A line that is rightly not an entry (a header, a comment, another program's line)."""


_SKIP = _Skip()
Entry = tuple[str, str | None] | _Skip | None  # (name, time), a line to pass over, or an unreadable one


@dataclass
class _Collector:
    limit: int
    seen: dict[str, Seen] = field(default_factory=dict)
    unreadable: int = 0  # lines that should have been entries but could not be read
    first_unreadable: int | None = None
    dropped: int = 0  # lines naming a new name after the limit was reached
    first_dropped: int | None = None

    def add(self, host: str, number: int, time: str | None) -> None:
        seen = self.seen.get(host)
        if seen is not None:
            seen.count += 1
            if time is not None:
                seen.last = time
        elif len(self.seen) < self.limit:
            self.seen[host] = Seen(number, time, time)
        else:
            self.dropped += 1
            self.first_dropped = self.first_dropped or number


def _notes(inventory: Inventory, collector: _Collector, kind: str, lines: Iterable[str]) -> None:
    notes = inventory.notes
    cut = lines.cut if isinstance(lines, TextLines) else []
    notes.extend(f"Line {number} was longer than 1 MiB; only its start was read." for number in cut[:20])
    if len(cut) > 20:
        notes.append(f"{len(cut) - 20} more over-long line(s) were read only in part.")
    if collector.unreadable:
        notes.append(
            f"{collector.unreadable:,} line(s) could not be read as entries of a {LABELS[kind]} and "
            f"were left out (the first is line {collector.first_unreadable})."
        )
    if collector.dropped:
        notes.append(
            f"The log names more than {collector.limit:,} different addresses; only the first "
            f"{collector.limit:,} were checked ({collector.dropped:,} later line(s) naming others, from "
            f"line {collector.first_dropped}, were not)."
        )
    if not collector.seen:
        notes.append("No addresses were found in this log, so nothing could be checked.")


# ---------------------------------------------------------------------------------------------------
# One line of each kind


def _line_reader(kind: str) -> Callable[[str], Entry]:
    if kind == NEXTDNS:
        return _CsvLines().entry
    return {DNSMASQ: _dnsmasq, ADGUARD: _adguard, SQUID: _squid, PLAIN: _plain}[kind]


def _dnsmasq(line: str) -> Entry:
    """``Jun  1 10:00:01 dnsmasq[123]: query[A] api.example.net from 192.168.1.20``; other lines
    (forwarded, reply, cached, blocked) repeat the name queried and are passed over."""
    if "query[" not in line:
        return _SKIP
    tag = _DNSMASQ_TAG.search(line)
    if tag is None:
        return _SKIP
    found = _DNSMASQ_QUERY.match(line, tag.end())
    host = normalise_host(found.group(1)) if found else None
    return (host, line[: tag.start()].strip()[:64] or None) if host else None


def _adguard(line: str) -> Entry:
    """One JSON object a line: ``{"T":"2025-06-01T10:00:01.1+01:00","QH":"api.example.net",…}``."""
    if not line.strip():
        return _SKIP
    found = _ADGUARD_HOST.search(line)
    if found is None:
        return None
    try:
        text = json.loads(f'"{found.group(1)}"')
    except ValueError:
        return None
    host = normalise_host(text)
    time = _ADGUARD_TIME.search(line)
    return (host, time.group(1) if time else None) if host else None


def _squid(line: str) -> Entry:
    """``1717236001.123    45 192.168.1.20 TCP_TUNNEL/200 3456 CONNECT api.example.net:443 - …``"""
    if not line.strip():
        return _SKIP
    found = _SQUID.match(line)
    if found is None:
        return None
    host = url_host(found.group("url"))
    return (host, _epoch(found.group("time"))) if host else None


def _epoch(text: str) -> str | None:
    try:
        return datetime.fromtimestamp(float(text), UTC).isoformat()
    except (ValueError, OverflowError, OSError):
        return None


class _CsvLines:
    """A log export: a header naming a ``domain`` column (and a ``timestamp``), then one query a row."""

    def __init__(self) -> None:
        self.columns: tuple[int, int | None] | None = None

    def entry(self, line: str) -> Entry:
        if not line.strip():
            return _SKIP
        if self.columns is None:
            self.columns = _csv_columns(line.lstrip("\ufeff"))
            return _SKIP if self.columns is not None else None
        try:
            row = next(csv.reader([line]))
        except (csv.Error, StopIteration):
            return None
        domain, time = self.columns
        if len(row) <= domain:
            return None
        host = normalise_host(row[domain])
        when = row[time].strip()[:64] if time is not None and len(row) > time else ""
        return (host, when or None) if host else None


def _plain(line: str) -> Entry:
    text = line.strip()
    if not text or text.startswith("#"):
        return _SKIP
    host = _plain_host(text)
    return (host, None) if host else None


def _plain_host(text: str) -> str | None:
    return url_host(text) if _SCHEME.match(text) or "/" in text else normalise_host(_without_port(text))


# ---------------------------------------------------------------------------------------------------
# Names


def url_host(text: str) -> str | None:
    """The host of a web address, a ``host:port`` (a proxy's CONNECT) or a ``host/path``."""
    text = text.strip()
    if _SCHEME.match(text):
        try:
            host = urllib.parse.urlsplit(text).hostname
        except ValueError:
            return None
        return normalise_host(host) if host else None
    return normalise_host(_without_port(text.split("/", 1)[0]))


def _without_port(text: str) -> str:
    if text.startswith("[") and "]" in text:
        return text[1 : text.index("]")]  # [2001:db8::1]:443
    host, colon, port = text.rpartition(":")
    return host if colon and port.isdigit() and ":" not in host else text


def normalise_host(text: str) -> str | None:
    """A DNS name in lower case without a final dot, or an IP address; None when ``text`` is neither.

    Names outside ASCII are kept as written (never converted or looked up); their letters and
    digits are allowed, while spaces, control characters and punctuation are not.
    """
    value = text.strip().rstrip(".").lower()
    if value.startswith("[") and value.endswith("]"):
        value = value[1:-1]  # an IPv6 address as web addresses write it
    if not value or len(value) > MAX_NAME:
        return None
    try:
        return ipaddress.ip_address(value).compressed
    except ValueError:
        pass
    if _ASCII_NAME.fullmatch(value):
        return value if all(len(label) <= 63 for label in value.split(".")) else None
    labels = value.split(".")
    if all(0 < len(label) <= 63 and all(_name_char(ch) for ch in label) for label in labels):
        return value
    return None


def _name_char(ch: str) -> bool:
    return ch.isalnum() or ch in "-_" if ch.isascii() else ch.isalnum()
