"""The public stalkerware indicators: read them safely, keep them with their date, update them on request.

The indicators come from Echap's community list (github.com/AssoEchap/stalkerware-indicators, CC-BY-4.0):
for each known stalkerware app, its names, Android package names, signing certificates and the domains
and addresses it talks to. casetrail never fetches them by itself (G-49): ``update_indicators`` runs
only when someone asks, downloads over HTTPS from the named source, checks the size, the format and
(when given) a pinned SHA-256, and swaps the new set in atomically, keeping the previous one; anything
that fails leaves the set already installed in use (G-50).

A downloaded file is hostile input like any evidence: it is size-capped before parsing, YAML anchors and
aliases are refused, and values are read as plain text from the YAML node tree (never constructed as
objects), so a crafted file can neither run code nor blow up in memory.
"""

from __future__ import annotations

import csv
import hashlib
import http.client
import io
import ipaddress
import json
import os
import re
import secrets
import shutil
import ssl
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path
from typing import IO, Any, Literal

import yaml

from casetrail.errors import CasetrailError, InputError

DEFAULT_URL = "https://raw.githubusercontent.com/AssoEchap/stalkerware-indicators/master/ioc.yaml"
DEFAULT_SAMPLES_URL = "https://raw.githubusercontent.com/AssoEchap/stalkerware-indicators/master/samples.csv"
ATTRIBUTION = "Echap stalkerware-indicators (CC-BY-4.0)"
DEMO_ATTRIBUTION = "casetrail's fictional demo indicators (made up; no real app)"
META_FORMAT = "casetrail-indicators/1"
MIB = 1024 * 1024
MAX_IOC_BYTES = 20 * MIB  # the real file is about 100 KB
MAX_SAMPLES_BYTES = 50 * MIB  # about 350 KB today
MAX_META_BYTES = 64 * 1024
MAX_TEXT_CHARS = 512  # any one name, package, domain or URL
DOWNLOAD_TIMEOUT_SECONDS = 30
STALE_AFTER_DAYS = 90
DATA_DIR_ENV = "CASETRAIL_DATA_DIR"

_SCALAR_TAGS = frozenset(
    f"tag:yaml.org,2002:{name}" for name in ("str", "int", "float", "bool", "null", "timestamp")
)
_NULL_TAG = "tag:yaml.org,2002:null"
_PACKAGE = re.compile(r"[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*")
_HOSTNAME = re.compile(r"[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?(?:\.[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?)*")
_HEX = re.compile(r"[0-9A-F]{40}|[0-9A-F]{64}")  # SHA-1 (what the list holds) or SHA-256
_SHA256 = re.compile(r"[0-9a-f]{64}")
_SAMPLES_HEADER = ["SHA256", "Package Name", "Certificate", "Version", "App"]


class IndicatorError(CasetrailError):
    """An indicator update or the installed set could not be used; the message says why in plain words."""


@dataclass(frozen=True)
class IndicatorApp:
    """One stalkerware app as the indicators describe it (one entry of ioc.yaml)."""

    name: str
    type: str  # "stalkerware" for every entry today
    names: tuple[str, ...] = ()  # other names it is sold under
    packages: tuple[str, ...] = ()  # Android package names
    certificates: tuple[str, ...] = ()  # SHA-1 of the APK signing certificate, upper-case hex
    certificate_organizations: tuple[str, ...] = ()  # organisation named in its signing certificate
    websites: tuple[str, ...] = ()
    distribution: tuple[str, ...] = ()  # where it is downloaded from (hostnames, sometimes URLs)
    c2_ips: tuple[str, ...] = ()  # command-and-control addresses
    c2_domains: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sample:
    """One known APK of an app (samples.csv): its SHA-256, package and signing certificate."""

    sha256: str
    package: str
    certificate: str
    version: str
    app: str


@dataclass(frozen=True)
class IndicatorSet:
    """A dated set of indicators with lookups. ``fictional`` marks casetrail's own demo set."""

    apps: tuple[IndicatorApp, ...]
    source: str  # the URL or file it came from
    fetched_at: datetime  # UTC
    sha256: str  # of the raw ioc.yaml bytes
    fictional: bool = False
    samples: tuple[Sample, ...] = ()
    samples_sha256: str | None = None
    _packages: dict[str, IndicatorApp] = field(init=False, repr=False, compare=False)
    _certificates: dict[str, IndicatorApp] = field(init=False, repr=False, compare=False)
    _domains: dict[str, IndicatorApp] = field(init=False, repr=False, compare=False)
    _ips: dict[str, IndicatorApp] = field(init=False, repr=False, compare=False)
    _apks: dict[str, IndicatorApp] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        packages: dict[str, IndicatorApp] = {}
        certificates: dict[str, IndicatorApp] = {}
        domains: dict[str, IndicatorApp] = {}
        ips: dict[str, IndicatorApp] = {}
        for app in self.apps:  # the first app to name an indicator keeps it (three packages are shared)
            _index(packages, app.packages, app)
            _index(certificates, app.certificates, app)
            _index(ips, app.c2_ips, app)
            # URL entries (a GitHub project page) are kept but not matched: the host alone says nothing.
            hosts = (d for d in (*app.websites, *app.distribution, *app.c2_domains) if "/" not in d)
            _index(domains, hosts, app)
        apks = self._index_samples(packages, certificates)
        for name, value in (("_packages", packages), ("_certificates", certificates)):
            object.__setattr__(self, name, value)
        for name, value in (("_domains", domains), ("_ips", ips), ("_apks", apks)):
            object.__setattr__(self, name, value)

    def _index_samples(
        self, packages: dict[str, IndicatorApp], certificates: dict[str, IndicatorApp]
    ) -> dict[str, IndicatorApp]:
        by_name: dict[str, IndicatorApp] = {}
        for app in self.apps:
            for name in (app.name, *app.names):
                by_name.setdefault(name.casefold(), app)
        apks: dict[str, IndicatorApp] = {}
        for sample in self.samples:
            # samples.csv and ioc.yaml are edited separately upstream: a sample of an app the list no
            # longer names is left out, since no finding could say what it is.
            owner = by_name.get(sample.app.casefold())
            if owner is None:
                continue
            _index(packages, [sample.package] if sample.package else [], owner)
            _index(certificates, [sample.certificate] if sample.certificate else [], owner)
            apks.setdefault(sample.sha256, owner)
        return apks

    @property
    def attribution(self) -> str:
        return DEMO_ATTRIBUTION if self.fictional else ATTRIBUTION

    def describe(self) -> str:
        """Whose list this is and exactly which copy: the ``source`` a finding records."""
        if self.fictional:
            return DEMO_ATTRIBUTION
        return f"{ATTRIBUTION}, fetched {self.fetched_at:%Y-%m-%d}, SHA-256 {self.sha256}"

    def by_package(self, package: str) -> IndicatorApp | None:
        """The app an Android package name belongs to (exact: package names are case-sensitive)."""
        return self._packages.get(package.strip())

    def by_certificate(self, digest: str) -> IndicatorApp | None:
        """The app signed with this certificate (SHA-1 hex; colons, spaces and case are ignored)."""
        return self._certificates.get(normalise_certificate(digest))

    def by_domain(self, domain: str) -> IndicatorApp | None:
        """The app a domain or IP address belongs to. A subdomain of a listed domain matches
        (``cdn.copy9.com`` for ``copy9.com``); case and a final dot are ignored; IPs match exactly."""
        value = domain.strip().rstrip(".").casefold()
        ip = _as_ip(value.strip("[]"))
        if ip is not None:
            return self._ips.get(ip)
        labels = value.split(".")
        for start in range(len(labels)):
            app = self._domains.get(".".join(labels[start:]))
            if app is not None:
                return app
        return None

    def by_apk_sha256(self, digest: str) -> IndicatorApp | None:
        """The app a known APK file (by its SHA-256) belongs to; needs samples.csv."""
        return self._apks.get(digest.strip().lower())

    def age_days(self, now: datetime | None = None) -> int:
        """Whole days since the set was fetched."""
        return ((now or datetime.now(UTC)) - self.fetched_at).days

    def stale(self, now: datetime | None = None) -> bool:
        """Older than ``STALE_AFTER_DAYS``: new stalkerware appears all the time."""
        return not self.fictional and self.age_days(now) > STALE_AFTER_DAYS

    def to_json(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "fetched_at": self.fetched_at.isoformat(),
            "sha256": self.sha256,
            "apps": len(self.apps),
            "samples": len(self.samples),
            "samples_sha256": self.samples_sha256,
            "fictional": self.fictional,
            "attribution": self.attribution,
        }


@dataclass(frozen=True)
class UpdateResult:
    installed: IndicatorSet
    previous: IndicatorSet | None  # the set in use before (None on a first install)

    @property
    def changed(self) -> bool:
        return self.previous is None or self.previous.sha256 != self.installed.sha256

    def to_json(self) -> dict[str, Any]:
        return {
            "installed": self.installed.to_json(),
            "previous": self.previous.to_json() if self.previous else None,
            "changed": self.changed,
        }


def _index(target: dict[str, IndicatorApp], keys: Iterable[str], app: IndicatorApp) -> None:
    for key in keys:
        target.setdefault(key, app)


def _as_ip(value: str) -> str | None:
    try:
        return ipaddress.ip_address(value).compressed
    except ValueError:
        return None


def normalise_certificate(digest: str) -> str:
    """Upper-case hex without separators, the way the indicators write certificate digests."""
    return re.sub(r"[\s:]", "", digest).upper()


# --- parsing -----------------------------------------------------------------------------------------


def parse_ioc(raw: bytes, where: str) -> list[IndicatorApp]:
    """Read an Echap ``ioc.yaml`` (raw bytes) into apps, or raise ``InputError`` naming ``where`` and the
    entry and field at fault. Size is checked before any parsing; anchors and aliases are refused."""
    if len(raw) > MAX_IOC_BYTES:
        raise InputError(where, None, f"is larger than {MAX_IOC_BYTES // MIB} MiB; not an indicator file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise InputError(where, f"byte {error.start}", "is not UTF-8 text") from None
    try:
        _refuse_aliases(text, where)
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        place = f"line {mark.line + 1}" if mark else None
        raise InputError(where, place, error.problem or "is not valid YAML") from None
    except yaml.YAMLError:
        raise InputError(where, None, "is not valid YAML") from None
    if not isinstance(root, yaml.SequenceNode):
        raise InputError(where, None, "expected a list of apps at the top")
    apps = [_app(node, where, number) for number, node in enumerate(root.value, start=1)]
    if not apps:
        raise InputError(where, None, "lists no apps")
    return apps


_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _refuse_aliases(text: str, where: str) -> None:
    """Anchors and aliases make a small file expand into a huge one (a "billion laughs" bomb); the
    real list uses none, so any is refused before the document is built."""
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            line = event.start_mark.line + 1 if event.start_mark else 0
            raise InputError(where, f"line {line}", "uses YAML anchors or aliases, which are not accepted")


def _place(node: yaml.Node, number: int, name: str | None, part: str | None = None) -> str:
    entry = f"entry {number}" + (f" ({name})" if name else "")
    return f"line {node.start_mark.line + 1}, {entry}" + (f", field '{part}'" if part else "")


Check = Callable[[str], str | None]


def _app(node: yaml.Node, where: str, number: int) -> IndicatorApp:
    if not isinstance(node, yaml.MappingNode):
        raise InputError(where, _place(node, number, None), "each app must be a mapping of fields")
    fields = _mapping(node, where, _place(node, number, None))
    name = _required(fields, "name", node, where, number, None)

    def listed(key: str, check: Check | None = None) -> tuple[str, ...]:
        found = fields.get(key)
        if found is None:
            return ()
        place = _place(found, number, name, key)
        values = _texts(found, where, place)
        return _checked(values, check, where, place) if check else values

    # ``certificate_cname_re`` holds regular expressions; one from a downloaded file could be made to
    # run for hours, so it is neither compiled nor kept (certificate digests and organisations are).
    c2 = fields.get("c2")
    ips, domains = _c2(c2, where, number, name) if c2 is not None else ((), ())
    return IndicatorApp(
        name=name,
        type=_required(fields, "type", node, where, number, name),
        names=listed("names"),
        packages=listed("packages", _package),
        certificates=listed("certificates", _certificate),
        certificate_organizations=listed("certificate_organizations"),
        websites=listed("websites", _site),
        distribution=listed("distribution", _site),
        c2_ips=ips,
        c2_domains=domains,
    )


def _required(
    fields: dict[str, yaml.Node], key: str, node: yaml.Node, where: str, number: int, name: str | None
) -> str:
    found = fields.get(key)
    if found is None:
        raise InputError(where, _place(node, number, name), f"the app has no '{key}'")
    return _text(found, where, _place(found, number, name, key))


def _c2(node: yaml.Node, where: str, number: int, name: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    if _is_null(node):
        return (), ()
    place = _place(node, number, name, "c2")
    if not isinstance(node, yaml.MappingNode):
        raise InputError(where, place, "must be a mapping with 'ips' and 'domains'")
    ips: list[str] = []
    domains: list[str] = []
    for key, value in _mapping(node, where, place).items():
        at = _place(value, number, name, f"c2.{key}")
        if key in ("ips", "ip"):  # the real file spells it "ip" twice
            ips.extend(_checked(_texts(value, where, at), _as_ip, where, at))
        elif key == "domains":
            domains.extend(_checked(_texts(value, where, at), _host, where, at))
        else:
            raise InputError(where, at, "is not a known c2 field")
    return tuple(ips), tuple(domains)


def _mapping(node: yaml.MappingNode, where: str, place: str) -> dict[str, yaml.Node]:
    """Keys as text. Unknown fields are allowed (the list gains fields over time); repeats are not."""
    result: dict[str, yaml.Node] = {}
    for key_node, value_node in node.value:
        key = _text(key_node, where, place)
        if key in result:
            raise InputError(where, place, f"the field '{key}' appears twice")
        result[key] = value_node
    return result


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == _NULL_TAG


def _texts(node: yaml.Node, where: str, place: str) -> tuple[str, ...]:
    if _is_null(node):  # "names:" with nothing after it
        return ()
    if not isinstance(node, yaml.SequenceNode):
        raise InputError(where, place, "must be a list")
    return tuple(_text(item, where, place) for item in node.value)


def _text(node: yaml.Node, where: str, place: str) -> str:
    """A scalar's text exactly as written: ``on`` stays "on", digits stay digits (nothing is typed)."""
    if not isinstance(node, yaml.ScalarNode) or node.tag not in _SCALAR_TAGS:
        raise InputError(where, place, "must be plain text")
    value = str(node.value).strip()
    if not value or node.tag == _NULL_TAG:
        raise InputError(where, place, "is empty")
    if len(value) > MAX_TEXT_CHARS or not value.isprintable():
        raise InputError(where, place, "is too long or holds control characters")
    return value


def _checked(values: Iterable[str], check: Check, where: str, place: str) -> tuple[str, ...]:
    result = []
    for value in values:
        normal = check(value)
        if normal is None:
            raise InputError(where, place, f"{value!r} is not in the expected form")
        result.append(normal)
    return tuple(result)


def _package(value: str) -> str | None:
    return value if _PACKAGE.fullmatch(value) else None


def _certificate(value: str) -> str | None:
    normal = normalise_certificate(value)
    return normal if _HEX.fullmatch(normal) else None


def _host(value: str) -> str | None:
    normal = value.rstrip(".").casefold()
    return normal if _HOSTNAME.fullmatch(normal) else None


def _site(value: str) -> str | None:
    """A hostname, or a web address (kept as written, never matched)."""
    parts = urllib.parse.urlsplit(value)
    if parts.scheme in ("http", "https") and parts.hostname and _host(parts.hostname):
        return value
    return _host(value) or _as_ip(value)


def parse_samples(raw: bytes, where: str) -> list[Sample]:
    """Read Echap's ``samples.csv`` (known APKs). Rows without a package or certificate are kept for
    their APK hash."""
    if len(raw) > MAX_SAMPLES_BYTES:
        raise InputError(where, None, f"is larger than {MAX_SAMPLES_BYTES // MIB} MiB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(where, f"byte {error.start}", "is not UTF-8 text") from None
    rows = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(rows, None)
        if header != _SAMPLES_HEADER:
            raise InputError(where, "line 1", "expected the columns " + ",".join(_SAMPLES_HEADER))
        return [_sample(row, where, rows.line_num) for row in rows if row]
    except csv.Error as error:
        raise InputError(where, f"line {rows.line_num}", f"is not valid CSV ({error})") from None


def _sample(row: list[str], where: str, line: int) -> Sample:
    if len(row) != len(_SAMPLES_HEADER):
        raise InputError(where, f"line {line}", f"expected {len(_SAMPLES_HEADER)} columns")
    digest, package, certificate, version, app = (value.strip() for value in row)
    if not _SHA256.fullmatch(digest.lower()):
        raise InputError(where, f"line {line}", "the SHA256 column is not a SHA-256 hash")
    if package and _package(package) is None:
        raise InputError(where, f"line {line}", f"{package!r} is not a package name")
    if certificate and _certificate(certificate) is None:
        raise InputError(where, f"line {line}", "the Certificate column is not a hex digest")
    if not app or len(app) > MAX_TEXT_CHARS or not app.isprintable() or not version.isprintable():
        raise InputError(where, f"line {line}", "the App or Version column is empty or not plain text")
    return Sample(digest.lower(), package, _certificate(certificate) or "", version[:MAX_TEXT_CHARS], app)


# --- the demo set --------------------------------------------------------------------------------------

DEMO_FETCHED_AT = datetime(2026, 1, 1, tzinfo=UTC)  # fixed, so the demo is the same on every run


def demo_set() -> IndicatorSet:
    """casetrail's own fictional set (one made-up app) for the demo; never mixed with a real set."""
    raw = resources.files("casetrail.safety").joinpath("data", "demo-indicators.yaml").read_bytes()
    return IndicatorSet(
        apps=tuple(parse_ioc(raw, "demo-indicators.yaml")),
        source="casetrail demo (fictional)",
        fetched_at=DEMO_FETCHED_AT,
        sha256=hashlib.sha256(raw).hexdigest(),
        fictional=True,
    )


# --- where the installed set lives --------------------------------------------------------------------


def data_dir() -> Path:
    """casetrail's per-user data folder: ``$CASETRAIL_DATA_DIR``, else the platform's usual place."""
    chosen = os.environ.get(DATA_DIR_ENV)
    if chosen:
        return Path(chosen)
    home = Path.home()
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA") or home / "AppData" / "Local")
    elif sys.platform == "darwin":
        base = home / "Library" / "Application Support"
    else:
        xdg = os.environ.get("XDG_DATA_HOME", "")
        base = Path(xdg) if xdg and Path(xdg).is_absolute() else home / ".local" / "share"
    return base / "casetrail"


def indicators_dir(data: Path | None = None) -> Path:
    return (data or data_dir()) / "indicators"


IOC_NAME, SAMPLES_NAME, META_NAME = "ioc.yaml", "samples.csv", "meta.json"


def load_installed(
    data: Path | None = None, *, which: Literal["current", "previous"] = "current"
) -> IndicatorSet | None:
    """The installed set (or the one kept before it), None when there is none. After an update was
    cut off between its renames, the previous set is the one in use."""
    root = indicators_dir(data)
    folder = root / which
    if which == "current" and not folder.is_dir() and (root / "previous").is_dir():
        folder = root / "previous"
    if not folder.is_dir():
        return None
    return _load_folder(folder)


def _load_folder(folder: Path) -> IndicatorSet:
    try:
        meta = json.loads(_read_capped_file(folder / META_NAME, MAX_META_BYTES))
        raw = _read_capped_file(folder / IOC_NAME, MAX_IOC_BYTES)
        samples_raw = (
            _read_capped_file(folder / SAMPLES_NAME, MAX_SAMPLES_BYTES)
            if (folder / SAMPLES_NAME).exists()
            else None
        )
        fetched_at = datetime.fromisoformat(meta["fetched_at"]).astimezone(UTC)
        source, expected, samples_expected = str(meta["source"]), meta["sha256"], meta.get("samples_sha256")
    except (OSError, ValueError, KeyError, TypeError, InputError):
        raise _damaged(folder, "a file is missing or cannot be read") from None
    if hashlib.sha256(raw).hexdigest() != expected or (
        samples_raw is not None and hashlib.sha256(samples_raw).hexdigest() != samples_expected
    ):
        raise _damaged(folder, "its files do not match the fingerprints recorded when it was installed")
    try:
        apps = parse_ioc(raw, str(folder / IOC_NAME))
        samples = parse_samples(samples_raw, str(folder / SAMPLES_NAME)) if samples_raw is not None else []
    except InputError as error:
        raise _damaged(folder, str(error)) from None
    return IndicatorSet(
        tuple(apps), source, fetched_at, expected, samples=tuple(samples), samples_sha256=samples_expected
    )


def _damaged(folder: Path, why: str) -> IndicatorError:
    return IndicatorError(
        f"The stalkerware indicators in {folder} cannot be used ({why}). "
        "Run 'casetrail safety update-indicators' to install them again."
    )


def _read_capped_file(path: Path, limit: int) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(limit + 1)
    if len(data) > limit:
        raise InputError(str(path), None, f"is larger than {limit} bytes")
    return data


# --- update -------------------------------------------------------------------------------------------


def update_indicators(
    url: str = DEFAULT_URL,
    *,
    expected_sha256: str | None = None,
    from_file: Path | None = None,
    now: datetime | None = None,
    samples_url: str | None = None,
    data: Path | None = None,
) -> UpdateResult:
    """Fetch (or, with ``from_file``, read) the indicators, check them and install them atomically.

    ``from_file`` is an ``ioc.yaml`` or a folder holding one (and optionally ``samples.csv``): for
    machines without internet. ``expected_sha256`` pins the ``ioc.yaml`` bytes. With the default URL
    ``samples.csv`` is fetched from the same repository (``samples_url`` overrides). Any failure raises
    ``IndicatorError`` and leaves the installed set as it was.
    """
    root = indicators_dir(data)
    pinned = _pinned(expected_sha256, root)
    if from_file is not None:
        raw, samples_raw, source = _read_local(from_file, root)
    else:
        raw = _download(url, MAX_IOC_BYTES, root)
        wanted_samples = samples_url or (DEFAULT_SAMPLES_URL if url == DEFAULT_URL else None)
        samples_raw = _download(wanted_samples, MAX_SAMPLES_BYTES, root) if wanted_samples else None
        source = url
    digest = hashlib.sha256(raw).hexdigest()
    if pinned is not None and digest != pinned:
        raise _failed(
            root, f"The indicator file's SHA-256 is {digest}, not the {pinned} you gave, so it was refused."
        )
    try:
        apps = parse_ioc(raw, IOC_NAME)
        samples = parse_samples(samples_raw, SAMPLES_NAME) if samples_raw is not None else []
    except InputError as error:
        raise _failed(root, f"The indicator file is not in the expected format: {error}.") from None
    fetched_at = (now or datetime.now(UTC)).astimezone(UTC)
    samples_digest = hashlib.sha256(samples_raw).hexdigest() if samples_raw is not None else None
    installed = IndicatorSet(
        tuple(apps), source, fetched_at, digest, samples=tuple(samples), samples_sha256=samples_digest
    )
    previous = _current_or_none(data)
    same = previous and (previous.sha256, previous.samples_sha256) == (digest, samples_digest)
    if same and (root / "current").is_dir():
        _refresh_date(root, installed)  # the same list: keep the older one as "previous"
    else:
        _install(root, raw, samples_raw, installed)
    return UpdateResult(installed, previous)


def _current_or_none(data: Path | None) -> IndicatorSet | None:
    try:
        return load_installed(data)
    except IndicatorError:
        return None  # a damaged set is replaced, not kept as a fallback


def _pinned(expected: str | None, root: Path) -> str | None:
    if expected is None:
        return None
    normal = expected.strip().lower()
    if not _SHA256.fullmatch(normal):
        raise _failed(root, "The SHA-256 given is not 64 hexadecimal characters.")
    return normal


def _kept(root: Path) -> str:
    try:
        current = load_installed(root.parent)
    except IndicatorError:
        return "The indicators already on this computer are damaged: please install them again."
    if current is None:
        return "No indicators were installed."
    return f"Nothing was changed: the indicators installed on {current.fetched_at:%Y-%m-%d} are still in use."


def _failed(root: Path, why: str) -> IndicatorError:
    return IndicatorError(f"{why} {_kept(root)}")


def _read_local(path: Path, root: Path) -> tuple[bytes, bytes | None, str]:
    folder = path if path.is_dir() else None
    ioc = folder / IOC_NAME if folder else path
    try:
        raw = _read_capped_file(ioc, MAX_IOC_BYTES)
        samples_path = folder / SAMPLES_NAME if folder else None
        samples = (
            _read_capped_file(samples_path, MAX_SAMPLES_BYTES)
            if samples_path and samples_path.is_file()
            else None
        )
    except InputError as error:
        raise _failed(root, f"{error.file} {error.problem}.") from None
    except OSError as error:
        raise _failed(root, f"{ioc} cannot be read ({error.strerror or type(error).__name__}).") from None
    return raw, samples, str(ioc.resolve())


class _Refused(Exception):
    """A download refused for a reason the person is told (turned into ``IndicatorError``)."""


def _https_problem(url: str) -> str | None:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return None
    return f"Indicators are only downloaded over HTTPS, so {url[:200]!r} was not used."


def check_url(url: str) -> None:
    """Only HTTPS, with the system's certificate checks; raises ``IndicatorError`` otherwise."""
    problem = _https_problem(url)
    if problem:
        raise IndicatorError(problem)


class _HttpsOnlyRedirect(urllib.request.HTTPRedirectHandler):
    """Follows a redirect only to another HTTPS address."""

    max_redirections = 5

    def redirect_request(
        self,
        req: urllib.request.Request,
        fp: IO[bytes],
        code: int,
        msg: str,
        headers: http.client.HTTPMessage,
        newurl: str,
    ) -> urllib.request.Request | None:
        problem = _https_problem(newurl)
        if problem:
            raise _Refused(f"The server sent casetrail elsewhere. {problem}")
        return super().redirect_request(req, fp, code, msg, headers, newurl)


def _tls_context() -> ssl.SSLContext:
    """Certificates and host names checked against the system's trusted authorities."""
    return ssl.create_default_context()


def _opener() -> urllib.request.OpenerDirector:
    """An HTTPS handler only: no http:, file:, ftp: or data: URLs, whatever a redirect says."""
    opener = urllib.request.OpenerDirector()
    handlers: list[urllib.request.BaseHandler] = [
        urllib.request.ProxyHandler(),  # a proxy the person's system names is honoured
        urllib.request.HTTPSHandler(context=_tls_context()),
        _HttpsOnlyRedirect(),
        urllib.request.HTTPDefaultErrorHandler(),
        urllib.request.HTTPErrorProcessor(),
    ]
    for handler in handlers:
        opener.add_handler(handler)
    return opener


def _download(url: str, limit: int, root: Path) -> bytes:
    """The body at ``url``, at most ``limit`` bytes, complete (Content-Length honoured)."""
    host = urllib.parse.urlsplit(url).hostname or url[:200]
    try:
        problem = _https_problem(url)
        if problem:
            raise _Refused(problem)
        request = urllib.request.Request(  # noqa: S310  (the scheme is checked just above)
            url, headers={"User-Agent": "casetrail", "Accept-Encoding": "identity"}
        )
        with _opener().open(request, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
            return _read_body(response, limit, host)
    except _Refused as refused:
        raise _failed(root, str(refused)) from None
    except urllib.error.HTTPError as error:
        raise _failed(
            root, f"{host} answered {error.code} ({error.reason}) instead of the indicators."
        ) from None
    except urllib.error.URLError as error:
        raise _failed(root, f"casetrail cannot reach {host} ({_reason(error.reason)}).") from None
    except (OSError, http.client.HTTPException) as error:
        raise _failed(root, f"casetrail cannot reach {host} ({_reason(error)}).") from None


def _reason(error: object) -> str:
    if isinstance(error, ssl.SSLError):
        return "its secure connection could not be checked"
    if isinstance(error, TimeoutError):
        return "no answer in time"
    return str(error)[:200] or type(error).__name__


def _read_body(response: Any, limit: int, host: str) -> bytes:
    too_large = f"The file from {host} is larger than {limit // MIB} MiB, so it was refused."
    declared = response.headers.get("Content-Length")
    expected: int | None = None
    if declared is not None:
        if not declared.strip().isdigit():
            raise _Refused(f"{host} sent an invalid length for the file, so it was refused.")
        expected = int(declared)
        if expected > limit:
            raise _Refused(too_large)
    chunks, received = [], 0
    while chunk := response.read(64 * 1024):
        received += len(chunk)
        if received > limit:
            raise _Refused(too_large)
        chunks.append(chunk)
    if expected is not None and received != expected:
        raise _Refused(
            f"The download from {host} was cut short ({received:,} of {expected:,} bytes arrived), "
            "so it was refused."
        )
    return b"".join(chunks)


# --- atomic install -----------------------------------------------------------------------------------


def _move(source: Path, target: Path) -> None:
    """One rename of the swap (a seam for the crash tests)."""
    os.replace(source, target)


def _install(root: Path, raw: bytes, samples_raw: bytes | None, installed: IndicatorSet) -> None:
    """Write the new set beside the old one, then rename: a crash leaves the old set or the new one.

    Steps: new files into ``.incoming-*`` (fsynced); ``previous`` out of the way; ``current`` becomes
    ``previous``; ``.incoming-*`` becomes ``current``. Between the last two, ``load_installed`` uses
    ``previous``, which is the old set.
    """
    try:
        root.mkdir(parents=True, exist_ok=True)
        _clean_leftovers(root)
        incoming = root / f".incoming-{secrets.token_hex(6)}"
        incoming.mkdir()
        _write(incoming / IOC_NAME, raw)
        if samples_raw is not None:
            _write(incoming / SAMPLES_NAME, samples_raw)
        _write(incoming / META_NAME, _meta(installed))
        _fsync_dir(incoming)
        _swap(root, incoming)
    except OSError as error:
        raise _failed(
            root, f"The new indicators could not be saved in {root} ({error.strerror or error})."
        ) from None
    _clean_leftovers(root)


def _meta(installed: IndicatorSet) -> bytes:
    return json.dumps(
        {"format": META_FORMAT, "attribution": ATTRIBUTION, **installed.to_json()}, indent=2
    ).encode()


def _refresh_date(root: Path, installed: IndicatorSet) -> None:
    """Record the new fetch date of an unchanged list: one atomic rename of meta.json."""
    current = root / "current"
    temporary = current / f".meta-{secrets.token_hex(6)}.json"
    try:
        _write(temporary, _meta(installed))
        _move(temporary, current / META_NAME)
        _fsync_dir(current)
    except OSError as error:
        temporary.unlink(missing_ok=True)
        raise _failed(
            root, f"The new date could not be saved in {root} ({error.strerror or error})."
        ) from None


def _swap(root: Path, incoming: Path) -> None:
    current, previous = root / "current", root / "previous"
    if current.is_dir():
        if previous.exists():
            _move(previous, root / f".old-{secrets.token_hex(6)}")
        _move(current, previous)
    # else: an earlier swap stopped after moving ``current`` aside: ``previous`` is the set in use and stays
    _move(incoming, current)
    _fsync_dir(root)


def _clean_leftovers(root: Path) -> None:
    for leftover in root.glob(".*"):
        if leftover.is_dir() and leftover.name.startswith((".incoming-", ".old-")):
            shutil.rmtree(leftover, ignore_errors=True)


def _write(path: Path, data: bytes) -> None:
    with path.open("xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _fsync_dir(path: Path) -> None:
    if sys.platform == "win32":
        return  # directories cannot be opened for fsync there; renames are still atomic
    descriptor = os.open(path, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)
