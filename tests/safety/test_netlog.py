"""DNS and proxy logs read into the names they show, matched against the real stalkerware indicators:
in every form, exactly the planted names are found, each at its first line; hostile files fail cleanly
or are read around; nothing is ever looked up or connected to."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import random
import socket
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from casetrail.errors import InputError
from casetrail.ingest.source import Source
from casetrail.safety.indicators import IndicatorSet, parse_ioc
from casetrail.safety.matching import match
from casetrail.safety.netlog import (
    ADGUARD,
    DNSMASQ,
    LABELS,
    NETLOG,
    NEXTDNS,
    PLAIN,
    SQUID,
    Seen,
    normalise_host,
    read_lines,
    read_netlog,
    scan_netlog,
    sniff_netlog,
    url_host,
)
from tests.safety.android_builders import IOC

ORDINARY = (
    "www.google.com", "clients4.google.com", "mail.google.com", "www.youtube.com", "i.ytimg.com",
    "graph.facebook.com", "www.instagram.com", "scontent.cdninstagram.com", "web.whatsapp.com",
    "mmg.whatsapp.net", "api.spotify.com", "open.spotify.com", "www.bbc.co.uk", "static.files.bbci.co.uk",
    "www.theguardian.com", "i.guim.co.uk", "outlook.office365.com", "login.microsoftonline.com",
    "www.apple.com", "gateway.icloud.com", "time.apple.com", "captive.apple.com",
    "connectivitycheck.gstatic.com", "fonts.gstatic.com", "www.amazon.co.uk", "m.media-amazon.com",
    "www.netflix.com", "occ-0-56-55.1.nflxso.net", "api.twitter.com", "pbs.twimg.com", "www.reddit.com",
    "i.redd.it", "www.wikipedia.org", "upload.wikimedia.org", "signal.org", "chat.signal.org",
    "web.telegram.org", "discord.com", "cdn.discordapp.com", "www.nhs.uk", "www.gov.uk",
    "assets.publishing.service.gov.uk", "www.tesco.com", "www.nationalrail.co.uk", "duckduckgo.com",
    "weather.service.msn.com", "play.googleapis.com", "firebaseinstallations.googleapis.com",
    "dns.google", "cloudflare-dns.com",
)  # fmt: skip
START = datetime(2025, 6, 1, 10, 0, 0, tzinfo=UTC)
FETCHED = datetime(2026, 6, 21, tzinfo=UTC)


@functools.cache
def _ioc() -> dict[str, dict[str, object]]:
    return {entry["name"]: entry for entry in yaml.safe_load(IOC.read_text("utf-8"))}


def planted() -> tuple[str, str]:
    """A listed website, and a name under a listed command-and-control domain (a subdomain)."""
    website = _ioc()["HelloSpy"]["websites"][0]  # type: ignore[index]
    c2 = _ioc()["OwnSpy"]["c2"]["domains"][0]  # type: ignore[index]
    return str(website), f"upload.{c2}"


SPY_SITE, SPY_SUB = planted()


@pytest.fixture(scope="module")
def real_set() -> IndicatorSet:
    raw = IOC.read_bytes()
    return IndicatorSet(
        tuple(parse_ioc(raw, "ioc.yaml")), "test copy", FETCHED, hashlib.sha256(raw).hexdigest()
    )


# ------------------------------------------------------------------------------------------------
# Logs built here: ordinary names, the planted two in the middle, then some repeated


@dataclass(frozen=True)
class Query:
    name: str
    when: datetime


def queries() -> list[Query]:
    names = [*ORDINARY[:30], SPY_SITE, *ORDINARY[30:], SPY_SUB, *ORDINARY[:10], SPY_SITE, ORDINARY[3]]
    return [Query(name, START + timedelta(minutes=7 * n)) for n, name in enumerate(names)]


@dataclass
class Log:
    lines: list[str]
    query_lines: list[int]  # the line number (from 1) of each query, in order

    def data(self) -> bytes:
        return ("\n".join(self.lines) + "\n").encode()

    def first_line(self, name: str) -> int:
        return min(line for q, line in zip(queries(), self.query_lines, strict=True) if q.name == name)


def _syslog_time(when: datetime) -> str:
    return f"{when:%b} {when.day:2d} {when:%H:%M:%S}"


def dnsmasq_log() -> Log:
    lines = [f"{_syslog_time(START)} dnsmasq[812]: started, version 2.89 cachesize 10000"]
    numbers = []
    for n, q in enumerate(queries()):
        stamp = _syslog_time(q.when)
        serial = f"{n + 40} 192.168.1.20/{50000 + n} " if n % 5 == 0 else ""  # log-queries=extra
        lines.append(
            f"{stamp} dnsmasq[812]: {serial}query[{'AAAA' if n % 2 else 'A'}] {q.name} from 192.168.1.20"
        )
        numbers.append(len(lines))
        lines.append(f"{stamp} dnsmasq[812]: forwarded {q.name} to 9.9.9.9")
        lines.append(f"{stamp} dnsmasq[812]: reply {q.name} is 203.0.113.{n % 250}")
        if n == 12:
            lines.append(f"{stamp} dnsmasq[812]: gravity blocked ads.example.net is 0.0.0.0")
            lines.append(f"{stamp} kernel: [ 1234.5] usb 1-1: new high-speed USB device")
    return Log(lines, numbers)


NEXTDNS_HEADER = (
    "timestamp,domain,query_type,dnssec,protocol,client_ip,status,reasons,destination_country,"
    "root_domain,device_id,device_name,device_model,device_local_ip,matched_name,client_name"
)


def nextdns_log() -> Log:
    lines, numbers = [NEXTDNS_HEADER], []
    for n, q in enumerate(queries()):
        root = ".".join(q.name.split(".")[-2:])
        device = '"Sam\'s phone, personal"' if n % 3 else "Sam's laptop"
        lines.append(
            f"{q.when:%Y-%m-%dT%H:%M:%S}.{n:03d}Z,{q.name},A,false,DNS-over-HTTPS,198.51.100.7,,,GB,"
            f"{root},7A3B2C,{device},Apple iPhone,192.168.1.20,,"
        )
        numbers.append(len(lines))
    return Log(lines, numbers)


def adguard_log() -> Log:
    lines, numbers = [], []
    for n, q in enumerate(queries()):
        entry = {
            "IP": "192.168.1.20",
            "T": f"{q.when.astimezone(UTC):%Y-%m-%dT%H:%M:%S}.{n:09d}+01:00",
            "QH": q.name,
            "QT": "A",
            "QC": "IN",
            "CP": "",
            "Upstream": "https://dns10.quad9.net:443/dns-query",
            "Answer": base64.b64encode(bytes(range(n % 40, n % 40 + 48))).decode(),
            "Result": {},
            "Elapsed": 1984088 + n,
        }
        lines.append(json.dumps(entry, separators=(",", ":")))
        numbers.append(len(lines))
    return Log(lines, numbers)


def squid_log() -> Log:
    lines, numbers = [], []
    for n, q in enumerate(queries()):
        stamp = f"{q.when.timestamp():.3f}"
        if n % 2:
            request = f"TCP_TUNNEL/200 4512 CONNECT {q.name}:443 - HIER_DIRECT/203.0.113.9 -"
            lines.append(f"{stamp}    {40 + n} 192.168.1.20 {request}")
        else:
            request = (
                f"TCP_MISS/200 1048 GET http://{q.name}/index.html?id={n} - HIER_DIRECT/203.0.113.9 text/html"
            )
            lines.append(f"{stamp}   {n + 3} 192.168.1.20 {request}")
        numbers.append(len(lines))
    return Log(lines, numbers)


def plain_list() -> Log:
    lines, numbers = ["# names exported from the router, June 2025", ""], []
    for n, q in enumerate(queries()):
        lines.append(
            f"https://{q.name}/login" if n % 4 == 0 else (q.name.upper() + "." if n % 7 == 0 else q.name)
        )
        numbers.append(len(lines))
    return Log(lines, numbers)


BUILDERS: dict[str, Callable[[], Log]] = {
    DNSMASQ: dnsmasq_log,
    NEXTDNS: nextdns_log,
    ADGUARD: adguard_log,
    SQUID: squid_log,
    PLAIN: plain_list,
}
TIMES: dict[str, Callable[[Query, int], str | None]] = {
    DNSMASQ: lambda q, n: _syslog_time(q.when),
    NEXTDNS: lambda q, n: f"{q.when:%Y-%m-%dT%H:%M:%S}.{n:03d}Z",
    ADGUARD: lambda q, n: f"{q.when:%Y-%m-%dT%H:%M:%S}.{n:09d}+01:00",
    SQUID: lambda q, n: q.when.isoformat(),
    PLAIN: lambda q, n: None,
}


def _source(path: Path, data: bytes) -> Source:
    path.write_bytes(data)
    return Source(path)


# ------------------------------------------------------------------------------------------------
# Every form: exactly the planted names are found


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_each_log_finds_exactly_the_planted_names_at_their_first_line(
    tmp_path: Path, real_set: IndicatorSet, kind: str
) -> None:
    log = BUILDERS[kind]()
    data = log.data()
    assert sniff_netlog(data[:4096]) == kind
    inventory = read_netlog(_source(tmp_path / "log.txt", data))
    assert (inventory.platform, inventory.source_kind, inventory.where) == ("network", NETLOG, "log.txt")
    assert inventory.device == {"log_format": LABELS[kind]}
    assert inventory.notes == []
    assert [name for name, _ in inventory.domains] == list(dict.fromkeys(q.name for q in queries()))
    findings = match(inventory, real_set).findings
    assert sorted((f.level, f.confidence, f.matched_on, f.where) for f in findings) == sorted(
        [
            ("known-stalkerware", "high", f"domain {SPY_SITE}", f"line {log.first_line(SPY_SITE)}"),
            ("known-stalkerware", "high", f"domain {SPY_SUB}", f"line {log.first_line(SPY_SUB)}"),
        ]
    )
    assert {f.title for f in findings} == {
        "A device on this network looked up a server of HelloSpy",
        "A device on this network looked up a server of OwnSpy",
    }


@pytest.mark.parametrize("kind", list(BUILDERS))
def test_first_and_last_time_and_count_of_each_name(tmp_path: Path, kind: str) -> None:
    log = BUILDERS[kind]()
    seen = scan_netlog(_source(tmp_path / "log.txt", log.data())).seen
    times = [(n, q) for n, q in enumerate(queries()) if q.name == SPY_SITE]
    (first_n, first), (last_n, last) = times
    assert seen[SPY_SITE] == Seen(
        log.first_line(SPY_SITE), TIMES[kind](first, first_n), TIMES[kind](last, last_n), 2
    )
    assert seen[ORDINARY[3]].count == 3


def test_ordinary_log_raises_no_alarm(real_set: IndicatorSet) -> None:
    lines = [
        f"Jun  1 10:00:{n % 60:02d} dnsmasq[9]: query[A] {name} from 10.0.0.2"
        for n, name in enumerate(ORDINARY)
    ]
    scan = read_lines(lines, DNSMASQ, "quiet.log")
    assert len(scan.inventory.domains) == 50
    assert match(scan.inventory, real_set).findings == []


# ------------------------------------------------------------------------------------------------
# Names


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("WWW.Example.COM.", "www.example.com"),
        ("_dns.resolver.arpa", "_dns.resolver.arpa"),
        ("xn--bcher-kva.example", "xn--bcher-kva.example"),
        ("Bücher.example", "bücher.example"),
        ("2001:DB8::0:1", "2001:db8::1"),
        ("[2001:db8::1]", "2001:db8::1"),
        ("203.0.113.7", "203.0.113.7"),
        ("exa mple.com", None),
        ("evil\u202egpj.com", None),
        ("a..b.com", None),
        ("x" * 64 + ".com", None),
        ("a." * 127 + "com", None),
        ("example.com/path", None),
        ("", None),
        (".", None),
    ],
)
def test_names_are_lower_cased_kept_as_text_and_odd_ones_refused(text: str, expected: str | None) -> None:
    assert normalise_host(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("https://user:pw@Cdn.Example.net:8443/x?y=1", "cdn.example.net"),
        ("http://[2001:db8::1]:8080/", "2001:db8::1"),
        ("api.example.net:443", "api.example.net"),
        ("[2001:db8::2]:443", "2001:db8::2"),
        ("example.org/some/path", "example.org"),
        ("http://[broken/", None),
        ("ftp://", None),
    ],
)
def test_hosts_are_taken_from_addresses(text: str, expected: str | None) -> None:
    assert url_host(text) == expected


# ------------------------------------------------------------------------------------------------
# Hostile and odd files


def test_binary_junk_is_not_taken_for_a_log(tmp_path: Path) -> None:
    junk = random.Random(7).randbytes(64 * 1024)
    assert sniff_netlog(junk[:4096]) is None
    with pytest.raises(InputError) as caught:
        read_netlog(_source(tmp_path / "junk.bin", junk))
    assert (caught.value.file, caught.value.place) == ("junk.bin", None)
    assert caught.value.problem.startswith("this is not a DNS or proxy log; expected a DNS or proxy log")


@pytest.mark.parametrize(
    "text",
    [
        "Dear Sam,\nI saw the car outside again this morning.\nIt was there at 8.\n",
        "date,who,what\n2025-06-01,Casey,texted 14 times\n",
        "package:com.whatsapp\npackage:com.android.chrome\n",
        "Jun  1 10:00:01 sshd[22]: Accepted publickey for sam from 192.168.1.9\n",
        '{"name": "not a query log"}\n',
    ],
    ids=["letter", "other-csv", "android-package-list", "other-syslog", "other-json"],
)
def test_text_that_is_not_a_log_is_not_sniffed(tmp_path: Path, text: str) -> None:
    assert sniff_netlog(text.encode()) is None
    with pytest.raises(InputError):
        read_netlog(_source(tmp_path / "notes.txt", text.encode()))


def test_empty_file_is_refused_saying_so(tmp_path: Path) -> None:
    with pytest.raises(InputError) as caught:
        read_netlog(_source(tmp_path / "empty.log", b""))
    assert caught.value.problem.startswith("the file is empty;")


def test_a_5_mb_line_is_cut_and_the_names_after_it_still_found(
    tmp_path: Path, real_set: IndicatorSet
) -> None:
    log = dnsmasq_log()
    long_line = "Jun  1 10:00:00 dnsmasq[812]: query[A] " + "x" * (5 * 1024 * 1024) + " from 1.2.3.4"
    lines = [*log.lines[:10], long_line, *log.lines[10:]]
    inventory = read_netlog(_source(tmp_path / "pihole.log", ("\n".join(lines) + "\n").encode()))
    assert inventory.notes == [
        "Line 11 was longer than 1 MiB; only its start was read.",
        "1 line(s) could not be read as entries of a dnsmasq or Pi-hole DNS log and were left out "
        "(the first is line 11).",
    ]
    found = {f.matched_on for f in match(inventory, real_set).findings}
    assert found == {f"domain {SPY_SITE}", f"domain {SPY_SUB}"}


def test_nul_runs_from_a_power_cut_are_read_around(tmp_path: Path, real_set: IndicatorSet) -> None:
    log = dnsmasq_log()
    data = log.data()
    at = data.index(b"\n", len(data) // 3) + 1
    damaged = data[:at] + b"\x00" * 8192 + data[at:]
    inventory = read_netlog(_source(tmp_path / "pihole.log", damaged))
    assert {f.matched_on for f in match(inventory, real_set).findings} == {
        f"domain {SPY_SITE}",
        f"domain {SPY_SUB}",
    }


def test_utf16_log_from_windows_is_read(tmp_path: Path) -> None:
    data = "\ufeff".encode("utf-16-le") + plain_list().data().decode().encode("utf-16-le")
    assert sniff_netlog(data[:4096]) == PLAIN
    inventory = read_netlog(_source(tmp_path / "names.txt", data))
    assert SPY_SUB in {name for name, _ in inventory.domains}


def test_unreadable_entries_are_left_out_and_counted(tmp_path: Path) -> None:
    lines = [*plain_list().lines, "not a name at all", "\x07\x08", "also not one"]
    inventory = read_netlog(_source(tmp_path / "names.txt", ("\n".join(lines) + "\n").encode()))
    assert inventory.notes == [
        f"3 line(s) could not be read as entries of a list of names or web addresses and were left out "
        f"(the first is line {len(lines) - 2})."
    ]


def test_distinct_names_are_capped_with_a_note() -> None:
    lines = [f"host{n}.example.net" for n in range(25)] + ["host3.example.net"]
    scan = read_lines(lines, PLAIN, "many.txt", max_domains=10)
    assert [name for name, _ in scan.inventory.domains] == [f"host{n}.example.net" for n in range(10)]
    assert scan.seen["host3.example.net"].count == 2
    assert scan.inventory.notes == [
        "The log names more than 10 different addresses; only the first 10 were checked "
        "(15 later line(s) naming others, from line 11, were not)."
    ]


def test_log_with_no_queries_says_nothing_could_be_checked() -> None:
    lines = ["Jun  1 10:00:01 dnsmasq[812]: started, version 2.89 cachesize 10000"]
    scan = read_lines(lines, DNSMASQ, "pihole.log")
    assert (scan.inventory.domains, scan.inventory.notes) == (
        [],
        ["No addresses were found in this log, so nothing could be checked."],
    )


def test_g49_a_log_is_read_without_resolving_any_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    asked: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        asked.append(args)
        raise OSError("name lookups are disabled in this test")

    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr"):
        monkeypatch.setattr(socket, name, refuse)
    inventory = read_netlog(_source(tmp_path / "squid.log", squid_log().data()))
    assert len(inventory.domains) == 52 and asked == []


# ------------------------------------------------------------------------------------------------
# Any input: a result or InputError, never another exception (G-17)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2048))
def test_g17_sniffing_any_bytes_never_fails(data: bytes) -> None:
    assert sniff_netlog(data) in (None, *LABELS)


_LINE = st.one_of(
    st.text(max_size=200),
    st.sampled_from(dnsmasq_log().lines + adguard_log().lines + squid_log().lines + nextdns_log().lines),
    st.builds(lambda a, b: a[: len(a) // 2] + b, st.sampled_from(adguard_log().lines), st.text(max_size=40)),
)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(list(LABELS)), st.lists(_LINE, max_size=30))
def test_g17_any_lines_of_any_kind_are_read_without_error(kind: str, lines: list[str]) -> None:
    scan = read_lines(lines, kind, "fuzz.log")
    for name, where in scan.inventory.domains:
        assert normalise_host(name) == name and where.startswith("line ")
