"""The stalkerware indicators: careful parsing, lookups, the dated store, and verified atomic updates
(G-50) that are the only network use in casetrail (G-49).

The real list is Echap's ioc.yaml copied into ../shared/data for tests. Updates are tested against a
local HTTPS server with a certificate made in the test, so the production code path (HTTPS only, the
certificate checked) is the one exercised.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import http.server
import ipaddress
import json
import socket
import ssl
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import typer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from typer.testing import CliRunner

from casetrail.cli.safety_indicators_cmd import indicators_status_cmd, update_indicators_cmd
from casetrail.errors import InputError
from casetrail.safety import indicators
from casetrail.safety.indicators import (
    ATTRIBUTION,
    DEFAULT_URL,
    MAX_IOC_BYTES,
    IndicatorError,
    IndicatorSet,
    check_url,
    data_dir,
    demo_set,
    load_installed,
    parse_ioc,
    parse_samples,
    update_indicators,
)

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "stalkerware-indicators"
REAL_CREATE_CONNECTION = socket.create_connection  # captured before the no_network fixture runs
REAL_CONNECT = socket.socket.connect
OLD_DAY = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
NEW_DAY = datetime(2026, 6, 21, 9, 30, tzinfo=UTC)

SMALL_IOC = b"""\
- name: FakeSpy
  type: stalkerware
  packages:
  - com.fakespy.one
"""
BOMB = b"""\
- name: &a lol
  type: stalkerware
  names: [*a, *a, *a, *a, *a, *a, *a, *a, *a]
"""


def shared(name: str) -> bytes:
    path = SHARED / name
    if not path.exists():
        raise FileNotFoundError(f"shared indicator copy missing: {path}")
    return path.read_bytes()


@pytest.fixture(scope="module")
def real_set() -> IndicatorSet:
    raw = shared("ioc.yaml")
    return IndicatorSet(
        tuple(parse_ioc(raw, "ioc.yaml")),
        "test copy",
        NEW_DAY,
        hashlib.sha256(raw).hexdigest(),
        samples=tuple(parse_samples(shared("samples.csv"), "samples.csv")),
    )


@pytest.fixture
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    monkeypatch.setenv("CASETRAIL_DATA_DIR", str(folder))
    return folder


# --- parsing and lookups ------------------------------------------------------------------------------


def test_the_shared_copy_parses_into_147_apps(real_set: IndicatorSet) -> None:
    assert len(real_set.apps) == 147
    truth = real_set.by_package("com.thetruth")
    assert truth is not None and truth.name == "TheTruthSpy"
    assert truth.type == "stalkerware"
    assert "Copy9" in truth.names
    assert truth.c2_ips[0] == "69.64.74.239"
    assert real_set.by_package("com.whatsapp") is None
    assert real_set.by_package("com.thetruth.x") is None  # packages match exactly


def test_certificate_lookup_ignores_case_and_separators(real_set: IndicatorSet) -> None:
    for written in (
        "31A6ECECD97CF39BC4126B8745CD94A7C30BF81C",
        "31a6ecECd97cf39bc4126b8745cd94a7c30bf81c",
        "31:A6:EC:EC:D9:7C:F3:9B:C4:12:6B:87:45:CD:94:A7:C3:0B:F8:1C",
    ):
        app = real_set.by_certificate(written)
        assert app is not None and app.name == "TheTruthSpy"
    assert real_set.by_certificate("00" * 20) is None


def test_domain_lookup_matches_subdomains_case_and_exact_ips(real_set: IndicatorSet) -> None:
    def name(domain: str) -> str | None:
        app = real_set.by_domain(domain)
        return app.name if app else None

    assert name("copy9.com") == "TheTruthSpy"
    assert name("cdn.images.COPY9.com.") == "TheTruthSpy"
    assert name("notcopy9.com") is None
    assert name("copy9.com.evil.example") is None
    assert name("69.64.74.239") == "TheTruthSpy"
    assert name("69.64.74.23") is None
    # A web address in 'distribution' (a GitHub project) is kept but github.com itself is no finding.
    assert name("github.com") is None
    androrat = next(a for a in real_set.apps if a.name == "AndroRat")
    assert "https://github.com/karma9874/AndroRAT" in androrat.distribution


def test_the_c2_ip_spelling_in_the_real_file_is_read(real_set: IndicatorSet) -> None:
    app = real_set.by_domain("72.167.46.196")  # MobiStealth writes 'ip:' instead of 'ips:'
    assert app is not None and app.name == "MobiStealth"


def test_certificate_organisations_are_kept_and_name_regexes_are_not(real_set: IndicatorSet) -> None:
    shield = next(a for a in real_set.apps if a.name == "KidsShield")
    assert shield.certificate_organizations == ("Tesline-Service SRL",)
    assert not any("[0-9]{2}" in value for value in shield.names + shield.certificate_organizations)


def test_samples_add_certificates_packages_and_apk_hashes(real_set: IndicatorSet) -> None:
    # Only in samples.csv, under "Spyzie": one of the other names of the list's Cocospy entry.
    certificate, package = "6055A39E818E8135831FB8F479BDA305832D86F0", "com.parentcontrol.production"
    assert not any(certificate in a.certificates or package in a.packages for a in real_set.apps)
    app = real_set.by_certificate(certificate)
    assert app is not None and app.name == "Cocospy" and "Spyzie" in app.names
    assert real_set.by_package(package) is app
    assert real_set.by_apk_sha256("63762E5FF7BC93EE68424D698E65A0F247DC594C78AF298F6796B541BC208364") is app
    assert len(real_set.samples) == 3228


def test_values_are_read_as_written_not_typed() -> None:
    raw = (
        b"- name: yes\n  type: stalkerware\n  packages: [on, com.x]\n  certificates: ['" + b"1" * 40 + b"']\n"
    )
    (app,) = parse_ioc(raw, "ioc.yaml")
    assert (app.name, app.packages, app.certificates) == ("yes", ("on", "com.x"), ("1" * 40,))


@pytest.mark.parametrize(
    ("raw", "place", "problem"),
    [
        (b"name: x\n", None, "expected a list of apps at the top"),
        (b"[]\n", None, "lists no apps"),
        (b"- just text\n", "line 1, entry 1", "each app must be a mapping of fields"),
        (b"- type: stalkerware\n", "line 1, entry 1", "the app has no 'name'"),
        (b"- name: A\n", "line 1, entry 1 (A)", "the app has no 'type'"),
        (
            b"- name: A\n  type: s\n  packages: com.a\n",
            "line 3, entry 1 (A), field 'packages'",
            "must be a list",
        ),
        (
            b"- name: A\n  type: s\n  packages: [com.a, 'not a package']\n",
            "line 3, entry 1 (A), field 'packages'",
            "'not a package' is not in the expected form",
        ),
        (
            b"- name: A\n  type: s\n  certificates: [XYZ]\n",
            "line 3, entry 1 (A), field 'certificates'",
            "'XYZ' is not in the expected form",
        ),
        (
            b"- name: A\n  type: s\n  c2:\n    hosts: [a.com]\n",
            "line 4, entry 1 (A), field 'c2.hosts'",
            "is not a known c2 field",
        ),
        (
            b"- name: A\n  type: s\n  c2:\n    ips: [999.1.1.1]\n",
            "line 4, entry 1 (A), field 'c2.ips'",
            "'999.1.1.1' is not in the expected form",
        ),
        (b"- name: A\n  name: B\n  type: s\n", "line 1, entry 1", "the field 'name' appears twice"),
        (
            b"- name: !!python/object:os.system x\n  type: s\n",
            "line 1, entry 1, field 'name'",
            "must be plain text",
        ),
        (
            b'- name: "A\\u202eB"\n  type: s\n',
            "line 1, entry 1, field 'name'",
            "is too long or holds control characters",
        ),
    ],
)
def test_schema_errors_name_the_entry_and_field(raw: bytes, place: str | None, problem: str) -> None:
    with pytest.raises(InputError) as caught:
        parse_ioc(raw, "ioc.yaml")
    assert (caught.value.file, caught.value.place, caught.value.problem) == ("ioc.yaml", place, problem)


def test_broken_yaml_names_the_line() -> None:
    with pytest.raises(InputError) as caught:
        parse_ioc(b"- name: [unclosed\n", "ioc.yaml")
    assert caught.value.place == "line 2"
    assert caught.value.problem in (
        "did not find expected ',' or ']'",  # libyaml's words
        "expected ',' or ']', but got '<stream end>'",  # PyYAML's own, where libyaml is missing
    )


def test_the_size_cap_is_checked_before_parsing() -> None:
    with pytest.raises(InputError) as caught:
        parse_ioc(b"#" * (MAX_IOC_BYTES + 1), "ioc.yaml")
    assert caught.value.problem == "is larger than 20 MiB; not an indicator file"


def test_anchors_and_aliases_are_refused() -> None:
    with pytest.raises(InputError) as caught:
        parse_ioc(BOMB, "ioc.yaml")
    assert (caught.value.place, caught.value.problem) == (
        "line 1",
        "uses YAML anchors or aliases, which are not accepted",
    )


def test_samples_csv_errors_name_the_line() -> None:
    header = b"SHA256,Package Name,Certificate,Version,App\r\n"
    with pytest.raises(InputError) as caught:
        parse_samples(header + b"abc,com.a,,1,A\r\n", "samples.csv")
    assert (caught.value.place, caught.value.problem) == ("line 2", "the SHA256 column is not a SHA-256 hash")
    with pytest.raises(InputError) as caught:
        parse_samples(b"hash,package\r\n", "samples.csv")
    assert caught.value.place == "line 1"


def test_the_demo_set_is_fictional_and_never_installed(data: Path) -> None:
    demo = demo_set()
    assert demo.fictional is True
    assert [a.name for a in demo.apps] == ["TrackLite (fictional, casetrail demo)"]
    assert demo.by_package("com.example.tracklite.demo") is demo.apps[0]
    assert demo.by_domain("api.tracklite-demo.example.net") is demo.apps[0]
    assert demo.by_domain("192.0.2.44") is demo.apps[0]
    assert demo.by_certificate("0DE0DE0DE0DE0DE0DE0DE0DE0DE0DE0DE0DE0DE0") is demo.apps[0]
    assert demo.describe() == "casetrail's fictional demo indicators (made up; no real app)"
    assert "fictional" in demo.attribution and demo.stale(datetime(2030, 1, 1, tzinfo=UTC)) is False
    assert load_installed() is None and not data.exists()


def test_the_demo_app_is_not_in_the_real_list(real_set: IndicatorSet) -> None:
    app = demo_set().apps[0]
    assert real_set.by_package(app.packages[0]) is None
    assert real_set.by_certificate(app.certificates[0]) is None
    assert real_set.by_domain(app.c2_domains[0]) is None


def test_the_data_folder_follows_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("CASETRAIL_DATA_DIR", str(tmp_path / "chosen"))
    assert data_dir() == tmp_path / "chosen"
    monkeypatch.delenv("CASETRAIL_DATA_DIR")
    monkeypatch.setattr(sys, "platform", "linux")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "xdg" / "casetrail"
    monkeypatch.setenv("XDG_DATA_HOME", "relative/is/ignored")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir() == tmp_path / "home" / ".local" / "share" / "casetrail"


# --- a local HTTPS server -------------------------------------------------------------------------------


@dataclass
class Reply:
    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    length: int | None = None  # the Content-Length sent (default: the true length)


@dataclass
class FakeServer:
    base: str
    routes: dict[str, Reply]
    hits: list[str]

    def url(self, path: str) -> str:
        return f"{self.base}{path}"


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, made here (nothing is fetched or stored in the repo)."""
    folder = tmp_path_factory.mktemp("tls")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "casetrail test server")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "cert.pem", folder / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def _handler(routes: dict[str, Reply], hits: list[str]) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            hits.append(self.path)
            reply = routes.get(self.path, Reply(b"not here", status=404))
            self.send_response(reply.status)
            self.send_header(
                "Content-Length", str(reply.length if reply.length is not None else len(reply.body))
            )
            for key, value in reply.headers.items():
                self.send_header(key, value)
            self.end_headers()
            self.wfile.write(reply.body)  # a short body then a closed connection: a truncated download

        def log_message(self, format: str, *args: object) -> None:
            pass

    return Handler


def _serve(
    tls: tuple[Path, Path] | None, routes: dict[str, Reply], hits: list[str]
) -> http.server.HTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(routes, hits))
    if tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
        server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True).start()
    return server


@pytest.fixture
def network_for_this_test(no_network: None, monkeypatch: pytest.MonkeyPatch) -> None:
    """Opt in to connections (G-49: only the update's tests do), to 127.0.0.1 only, with no proxy."""

    def local_only(address: tuple[str, int], *args: object, **kwargs: object) -> socket.socket:
        assert address[0] == "127.0.0.1", f"a test tried to reach {address[0]}"
        return REAL_CREATE_CONNECTION(address, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(socket, "create_connection", local_only)
    monkeypatch.setattr(socket.socket, "connect", REAL_CONNECT)
    for name in ("http_proxy", "https_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def https_server(
    network_for_this_test: None, tls_files: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch
) -> Iterator[FakeServer]:
    routes: dict[str, Reply] = {}
    hits: list[str] = []
    server = _serve(tls_files, routes, hits)
    # Trust the test certificate (and only it), as the system's authorities are trusted in real use.
    monkeypatch.setattr(
        indicators, "_tls_context", lambda: ssl.create_default_context(cafile=str(tls_files[0]))
    )
    yield FakeServer(f"https://127.0.0.1:{server.server_address[1]}", routes, hits)
    server.shutdown()
    server.server_close()


@pytest.fixture
def http_server(network_for_this_test: None) -> Iterator[FakeServer]:
    routes: dict[str, Reply] = {}
    hits: list[str] = []
    server = _serve(None, routes, hits)
    yield FakeServer(f"http://127.0.0.1:{server.server_address[1]}", routes, hits)
    server.shutdown()
    server.server_close()


def _install_old(data: Path) -> IndicatorSet:
    """The set a person already has: the small one-app list, installed on OLD_DAY."""
    source = data.parent / "old-ioc.yaml"
    source.write_bytes(SMALL_IOC)
    return update_indicators(from_file=source, now=OLD_DAY).installed


def _assert_old_set_in_use(data: Path, old: IndicatorSet) -> None:
    now = load_installed()
    assert now is not None
    assert (now.sha256, now.fetched_at, [a.name for a in now.apps]) == (old.sha256, OLD_DAY, ["FakeSpy"])
    assert sorted(p.name for p in (data / "indicators").iterdir()) == ["current"]


# --- G-50: verified, atomic updates ---------------------------------------------------------------------


def test_g50_a_good_update_is_installed_dated_and_the_old_set_kept(
    data: Path, https_server: FakeServer
) -> None:
    old = _install_old(data)
    raw = shared("ioc.yaml")
    https_server.routes["/ioc.yaml"] = Reply(raw)
    https_server.routes["/samples.csv"] = Reply(shared("samples.csv"))
    result = update_indicators(
        https_server.url("/ioc.yaml"),
        samples_url=https_server.url("/samples.csv"),
        expected_sha256=hashlib.sha256(raw).hexdigest().upper(),
        now=NEW_DAY,
    )
    current, previous = load_installed(), load_installed(which="previous")
    assert current is not None and previous is not None
    assert (len(current.apps), current.fetched_at, current.sha256) == (
        147,
        NEW_DAY,
        hashlib.sha256(raw).hexdigest(),
    )
    assert current.source == https_server.url("/ioc.yaml") and len(current.samples) == 3228
    assert current.describe() == (
        f"Echap stalkerware-indicators (CC-BY-4.0), fetched 2026-06-21, SHA-256 {current.sha256}"
    )
    assert (previous.sha256, previous.fetched_at) == (old.sha256, OLD_DAY)
    assert result.changed and result.previous is not None and result.previous.sha256 == old.sha256
    meta = json.loads((data / "indicators" / "current" / "meta.json").read_text())
    assert meta["fetched_at"] == "2026-06-21T09:30:00+00:00" and meta["apps"] == 147
    assert meta["sha256"] == current.sha256 and meta["attribution"] == ATTRIBUTION
    assert (data / "indicators" / "current" / "ioc.yaml").read_bytes() == raw
    assert sorted(p.name for p in (data / "indicators").iterdir()) == ["current", "previous"]
    assert https_server.hits == ["/ioc.yaml", "/samples.csv"]


def test_g50_a_truncated_download_leaves_the_old_set(data: Path, https_server: FakeServer) -> None:
    old = _install_old(data)
    raw = shared("ioc.yaml")
    https_server.routes["/ioc.yaml"] = Reply(raw[:5000], length=len(raw))
    with pytest.raises(IndicatorError) as caught:
        update_indicators(https_server.url("/ioc.yaml"), now=NEW_DAY)
    assert str(caught.value) == (
        f"The download from 127.0.0.1 was cut short (5,000 of {len(raw):,} bytes arrived), so it was "
        "refused. Nothing was changed: the indicators installed on 2026-03-01 are still in use."
    )
    _assert_old_set_in_use(data, old)


def test_g50_a_file_whose_hash_does_not_match_leaves_the_old_set(
    data: Path, https_server: FakeServer
) -> None:
    old = _install_old(data)
    tampered = shared("ioc.yaml").replace(b"com.thetruth\n", b"com.innocent.app\n")
    https_server.routes["/ioc.yaml"] = Reply(tampered)
    pinned = hashlib.sha256(shared("ioc.yaml")).hexdigest()
    with pytest.raises(IndicatorError) as caught:
        update_indicators(https_server.url("/ioc.yaml"), expected_sha256=pinned, now=NEW_DAY)
    assert str(caught.value) == (
        f"The indicator file's SHA-256 is {hashlib.sha256(tampered).hexdigest()}, not the {pinned} you gave, "
        "so it was refused. Nothing was changed: the indicators installed on 2026-03-01 are still in use."
    )
    _assert_old_set_in_use(data, old)


@pytest.mark.parametrize(
    ("reply", "why"),
    [
        (
            Reply(BOMB),
            "The indicator file is not in the expected format: ioc.yaml (line 1): uses YAML anchors or "
            "aliases, which are not accepted.",
        ),
        (
            Reply(b"- x\n", length=MAX_IOC_BYTES + 1),
            "The file from 127.0.0.1 is larger than 20 MiB, so it was refused.",
        ),
        (
            Reply(b"<html>Sign in to continue</html>"),
            "The indicator file is not in the expected format: ioc.yaml: expected a list of apps at the top.",
        ),
        (Reply(b"gone", status=404), "127.0.0.1 answered 404 (Not Found) instead of the indicators."),
    ],
    ids=["alias-bomb", "oversize", "not-the-list", "not-found"],
)
def test_g50_a_bomb_or_bad_file_leaves_the_old_set(
    data: Path, https_server: FakeServer, reply: Reply, why: str
) -> None:
    old = _install_old(data)
    https_server.routes["/ioc.yaml"] = reply
    with pytest.raises(IndicatorError) as caught:
        update_indicators(https_server.url("/ioc.yaml"), now=NEW_DAY)
    assert (
        str(caught.value)
        == f"{why} Nothing was changed: the indicators installed on 2026-03-01 are still in use."
    )
    _assert_old_set_in_use(data, old)


def test_g50_a_redirect_off_https_is_refused(
    data: Path, https_server: FakeServer, http_server: FakeServer
) -> None:
    old = _install_old(data)
    http_server.routes["/ioc.yaml"] = Reply(SMALL_IOC.replace(b"FakeSpy", b"Planted"))
    https_server.routes["/ioc.yaml"] = Reply(status=302, headers={"Location": http_server.url("/ioc.yaml")})
    with pytest.raises(IndicatorError) as caught:
        update_indicators(https_server.url("/ioc.yaml"), now=NEW_DAY)
    assert str(caught.value) == (
        "The server sent casetrail elsewhere. Indicators are only downloaded over HTTPS, so "
        f"'{http_server.url('/ioc.yaml')}' was not used. "
        "Nothing was changed: the indicators installed on 2026-03-01 are still in use."
    )
    assert http_server.hits == []
    _assert_old_set_in_use(data, old)


def test_g50_a_redirect_to_https_is_followed(data: Path, https_server: FakeServer) -> None:
    https_server.routes["/old"] = Reply(status=301, headers={"Location": https_server.url("/ioc.yaml")})
    https_server.routes["/ioc.yaml"] = Reply(SMALL_IOC)
    result = update_indicators(https_server.url("/old"), now=NEW_DAY)
    assert [a.name for a in result.installed.apps] == ["FakeSpy"] and result.previous is None
    assert https_server.hits == ["/old", "/ioc.yaml"]


def test_g50_plain_http_and_other_schemes_are_refused_without_a_connection(
    data: Path, http_server: FakeServer
) -> None:
    http_server.routes["/ioc.yaml"] = Reply(SMALL_IOC)
    for url in (
        http_server.url("/ioc.yaml"),
        "file:///etc/passwd",
        "ftp://example.net/ioc.yaml",
        "https:///x",
    ):
        with pytest.raises(IndicatorError) as caught:
            update_indicators(url)
        assert str(caught.value) == (
            f"Indicators are only downloaded over HTTPS, so {url!r} was not used. "
            "No indicators were installed."
        )
    assert http_server.hits == []
    assert load_installed() is None
    check_url(DEFAULT_URL)  # the default source passes


def test_g50_a_certificate_that_is_not_trusted_is_refused(
    data: Path, https_server: FakeServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(indicators, "_tls_context", ssl.create_default_context)  # the system's authorities
    https_server.routes["/ioc.yaml"] = Reply(SMALL_IOC)
    with pytest.raises(IndicatorError) as caught:
        update_indicators(https_server.url("/ioc.yaml"))
    assert str(caught.value) == (
        "casetrail cannot reach 127.0.0.1 (its secure connection could not be checked). "
        "No indicators were installed."
    )
    assert load_installed() is None


def test_g50_install_from_a_file_works_offline_with_the_same_checks(data: Path, tmp_path: Path) -> None:
    # No server and the autouse no_network fixture in place: nothing here may use the network.
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "ioc.yaml").write_bytes(shared("ioc.yaml"))
    (copy / "samples.csv").write_bytes(shared("samples.csv"))
    digest = hashlib.sha256(shared("ioc.yaml")).hexdigest()
    result = update_indicators(from_file=copy, expected_sha256=digest, now=NEW_DAY)
    installed = load_installed()
    assert installed is not None and installed.sha256 == digest and len(installed.samples) == 3228
    assert installed.source == str((copy / "ioc.yaml").resolve()) and result.previous is None
    (tmp_path / "bomb.yaml").write_bytes(BOMB)
    with pytest.raises(IndicatorError, match=r"anchors or aliases.*installed on 2026-06-21 are still in use"):
        update_indicators(from_file=tmp_path / "bomb.yaml")
    with pytest.raises(IndicatorError, match=r"SHA-256 is .* not the 0{64} you gave"):
        update_indicators(from_file=copy / "ioc.yaml", expected_sha256="0" * 64)
    with pytest.raises(IndicatorError, match=r"^The SHA-256 given is not 64 hexadecimal characters\."):
        update_indicators(from_file=copy / "ioc.yaml", expected_sha256="abc")
    again = load_installed()
    assert again is not None and again.fetched_at == NEW_DAY


def test_g50_the_same_list_again_only_moves_its_date(data: Path, tmp_path: Path) -> None:
    old = _install_old(data)
    copy = tmp_path / "ioc.yaml"
    copy.write_bytes(SMALL_IOC.replace(b"FakeSpy", b"OtherSpy"))
    first = update_indicators(from_file=copy, now=OLD_DAY + timedelta(days=1))
    again = update_indicators(from_file=copy, now=NEW_DAY)
    assert first.changed is True and again.changed is False
    current, previous = load_installed(), load_installed(which="previous")
    assert current is not None and previous is not None
    assert (current.sha256, current.fetched_at) == (first.installed.sha256, NEW_DAY)
    assert (previous.sha256, previous.fetched_at) == (old.sha256, OLD_DAY)  # the different, older list
    assert sorted(p.name for p in (data / "indicators" / "current").iterdir()) == ["ioc.yaml", "meta.json"]


@pytest.mark.parametrize("crash_at", [1, 2, 3])
def test_g50_a_crash_during_the_swap_leaves_the_old_or_the_new_set(
    data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, crash_at: int
) -> None:
    _install_old(data)
    newer = tmp_path / "newer.yaml"
    newer.write_bytes(SMALL_IOC.replace(b"FakeSpy", b"NewerSpy"))
    update_indicators(from_file=newer, now=OLD_DAY + timedelta(days=1))  # now there is a previous set too
    newest = tmp_path / "newest.yaml"
    newest.write_bytes(SMALL_IOC.replace(b"FakeSpy", b"NewestSpy"))
    moves: list[tuple[str, str]] = []
    real_move = indicators._move

    def crashing_move(source: Path, target: Path) -> None:
        moves.append((source.name[:5], target.name[:5]))
        if len(moves) == crash_at:
            raise KeyboardInterrupt("the computer lost power")
        real_move(source, target)

    monkeypatch.setattr(indicators, "_move", crashing_move)
    with pytest.raises(KeyboardInterrupt):
        update_indicators(from_file=newest, now=NEW_DAY)
    assert moves[-1] == [("previ", ".old-"), ("curre", "previ"), (".inco", "curre")][crash_at - 1]
    in_use = load_installed()
    assert in_use is not None and [a.name for a in in_use.apps] == ["NewerSpy"]  # the old set: never half
    monkeypatch.setattr(indicators, "_move", real_move)
    update_indicators(from_file=newest, now=NEW_DAY)  # the next update finishes the job and tidies up
    final = load_installed()
    assert final is not None and [a.name for a in final.apps] == ["NewestSpy"]
    assert sorted(p.name for p in (data / "indicators").iterdir()) == ["current", "previous"]


def test_g50_an_installed_set_that_was_changed_on_disk_is_not_used(data: Path) -> None:
    _install_old(data)
    ioc = data / "indicators" / "current" / "ioc.yaml"
    ioc.write_bytes(SMALL_IOC.replace(b"com.fakespy.one", b"com.fakespy.two"))
    with pytest.raises(IndicatorError) as caught:
        load_installed()
    assert str(caught.value) == (
        f"The stalkerware indicators in {ioc.parent} cannot be used (its files do not match the fingerprints "
        "recorded when it was installed). Run 'casetrail safety update-indicators' to install them again."
    )


# --- G-49: the update is the only network use -------------------------------------------------------------


def test_g49_only_the_indicator_update_opens_a_connection(data: Path) -> None:
    # Without opting in, the suite's no_network fixture refuses the connection: the update says so in
    # plain words, raises no traceback-style error, and installs nothing.
    with pytest.raises(IndicatorError) as caught:
        update_indicators(now=NEW_DAY)
    assert str(caught.value) == (
        "casetrail cannot reach raw.githubusercontent.com (network access is disabled in tests). "
        "No indicators were installed."
    )
    assert load_installed() is None


# --- the commands -----------------------------------------------------------------------------------------


def _cli() -> typer.Typer:
    app = typer.Typer()
    app.command("update-indicators")(update_indicators_cmd)
    app.command("indicators")(indicators_status_cmd)
    return app


def test_commands_install_from_a_file_and_show_the_status(data: Path, tmp_path: Path) -> None:
    runner = CliRunner()
    assert "No stalkerware indicators are installed" in runner.invoke(_cli(), ["indicators"]).output
    copy = tmp_path / "ioc.yaml"
    copy.write_bytes(shared("ioc.yaml"))
    digest = hashlib.sha256(shared("ioc.yaml")).hexdigest()
    shown = runner.invoke(
        _cli(), ["update-indicators", "--from", str(copy), "--sha256", digest], env={"COLUMNS": "300"}
    )
    assert shown.exit_code == 0, shown.output
    assert "Installed 147 stalkerware apps from " in shown.output
    assert f"SHA-256 of ioc.yaml: {digest}" in shown.output
    assert "Source: Echap stalkerware-indicators (CC-BY-4.0)." in shown.output
    status = runner.invoke(_cli(), ["indicators", "--json"])
    report = json.loads(status.output)
    assert (report["installed"]["apps"], report["installed"]["sha256"], report["age_days"]) == (
        147,
        digest,
        0,
    )
    assert report["may_be_out_of_date"] is False


def test_a_set_older_than_90_days_may_be_out_of_date(data: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ioc.yaml"
    copy.write_bytes(SMALL_IOC)
    update_indicators(from_file=copy, now=datetime.now(UTC) - timedelta(days=120))
    shown = CliRunner().invoke(_cli(), ["indicators"], env={"COLUMNS": "300"})
    assert "Fetched " in shown.output and "(120 days ago)" in shown.output
    assert "They may be out of date (older than 90 days)" in shown.output


def test_the_update_command_reports_a_failure_as_a_casetrail_error(data: Path) -> None:
    shown = CliRunner().invoke(_cli(), ["update-indicators", "--url", "http://example.net/ioc.yaml"])
    assert isinstance(shown.exception, IndicatorError)  # app.main prints it calmly, without a traceback
    assert load_installed() is None


def test_dates_are_kept_in_utc(data: Path, tmp_path: Path) -> None:
    copy = tmp_path / "ioc.yaml"
    copy.write_bytes(SMALL_IOC)
    paris = dt.timezone(timedelta(hours=2))
    result = update_indicators(from_file=copy, now=datetime(2026, 6, 21, 11, 30, tzinfo=paris))
    assert result.installed.fetched_at == NEW_DAY and result.installed.fetched_at.tzinfo == UTC
