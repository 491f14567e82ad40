"""From what a phone's data shows to findings a person can act on, each saying how sure it is.

Three kinds of finding, most certain first:
- **known stalkerware**: an app, signing certificate or domain named in the public stalkerware
  indicators (high confidence; the indicators are community-kept, so the source is always named);
- **monitoring of an iPhone**: a device-management (MDM) profile, supervision by an organisation, or a
  profile that installs a certificate, VPN or proxy (medium: an employer or school may be expected);
- **dual-use apps and suspicious powers**: family locators, remote-access tools and the like from
  casetrail's own list, and an app that holds the powers monitoring software needs (device
  administrator, accessibility, notification access) while hiding its icon or having been installed
  from outside an app store (low or medium: many of these have innocent uses).

A finding never says what to do first except to keep evidence and talk to someone: removing an app
can alert the person who installed it and destroys what shows they did (docs/safety.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Literal, Protocol

from casetrail.rules import packaged
from casetrail.safety.inventory import App, Capability, Inventory

Level = Literal["known-stalkerware", "device-management", "dual-use", "suspicious-powers"]
Confidence = Literal["high", "medium", "low"]
DUAL_USE_FILE = "safety-dual-use.yaml"
# The powers monitoring software needs on Android, and what each lets an app do, in plain words.
POWERS = {
    "device-admin": "resist being removed and lock or wipe the phone (device administrator)",
    "accessibility": "read what is on the screen and press buttons (accessibility service)",
    "notification-listener": "read every notification, including message previews (notification access)",
    "vpn": "see or redirect the phone's internet traffic (VPN)",
    "usage-access": "see which apps are used and when (usage access)",
}
PERMISSIONS = {
    "android.permission.READ_SMS": "read text messages",
    "android.permission.RECEIVE_SMS": "read text messages as they arrive",
    "android.permission.READ_CALL_LOG": "read the call log",
    "android.permission.RECORD_AUDIO": "record sound",
    "android.permission.CAMERA": "take photos or video",
    "android.permission.ACCESS_FINE_LOCATION": "know where the phone is",
    "android.permission.ACCESS_BACKGROUND_LOCATION": "know where the phone is, all the time",
    "android.permission.READ_CONTACTS": "read the contacts",
    "android.permission.PROCESS_OUTGOING_CALLS": "see the numbers called",
}
# What an iPhone configuration profile can do, by the detail the iPhone reader sets to "yes".
PROFILE_POWERS = {
    "root_certificate": "read secure web traffic (a root certificate)",
    "vpn": "send internet traffic through someone else's server (VPN)",
    "proxy": "send web traffic through someone else's server (proxy)",
    "mdm": "manage the phone remotely (MDM)",
}
# What a hidden forwarder or recorder asks for: an app with no icon, from outside a store, holding one
# of these has little innocent reason to.
HIDDEN_FORWARDER_PERMISSIONS = (
    "android.permission.READ_SMS", "android.permission.RECEIVE_SMS", "android.permission.READ_CALL_LOG",
    "android.permission.RECORD_AUDIO", "android.permission.ACCESS_BACKGROUND_LOCATION",
)  # fmt: skip
MONITORING_POWERS = ("device-admin", "accessibility", "notification-listener")
STORES = (
    "com.android.vending",
    "com.amazon.venezia",
    "com.sec.android.app.samsungapps",
    "com.huawei.appmarket",
)
SAFETY_FIRST = (
    "Before removing anything: removing an app or profile may alert the person who put it there, and "
    "it destroys evidence of what they did. Keep this scan in the case, take photos of the app's "
    "settings screens, and talk to an advocate or the police about when and how to remove it safely."
)


class KnownApp(Protocol):
    """An app the indicators name."""

    @property
    def name(self) -> str: ...

    @property
    def type(self) -> str: ...


class Indicators(Protocol):
    """A stalkerware indicator set (safety/indicators.py)."""

    @property
    def fictional(self) -> bool: ...

    def describe(self) -> str: ...

    def by_package(self, package: str) -> KnownApp | None: ...

    def by_certificate(self, digest: str) -> KnownApp | None: ...

    def by_domain(self, domain: str) -> KnownApp | None: ...

    def by_apk_sha256(self, digest: str) -> KnownApp | None: ...


@dataclass(frozen=True)
class Finding:
    level: Level
    confidence: Confidence
    title: str  # what was found, in plain words
    where: str  # the place in the scanned file
    matched_on: str  # how it was recognised
    source: str  # whose list or check recognised it
    package: str | None = None
    can_do: tuple[str, ...] = ()  # what it can do, in plain words

    def to_json(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "confidence": self.confidence,
            "title": self.title,
            "package": self.package,
            "can_do": list(self.can_do),
            "matched_on": self.matched_on,
            "source": self.source,
            "where": self.where,
        }


@dataclass(frozen=True)
class DualUse:
    name: str
    kind: str  # "family locator", "remote access", …
    can_do: str
    packages: frozenset[str]


@dataclass
class ScanResult:
    inventory: Inventory
    findings: list[Finding] = field(default_factory=list)
    indicators: str | None = None  # which indicator set was used, or None when none is installed

    def by_confidence(self) -> list[Finding]:
        rank = {"high": 0, "medium": 1, "low": 2}
        return sorted(self.findings, key=lambda f: (rank[f.confidence], f.title))


@cache
def dual_use_apps() -> tuple[DualUse, ...]:
    """casetrail's own list of apps with innocent uses that can also be used to watch someone."""
    data = packaged(DUAL_USE_FILE, "casetrail-dual-use-apps")
    return tuple(
        DualUse(str(entry["name"]), str(entry["kind"]), str(entry["can_do"]), frozenset(entry["packages"]))
        for entry in data["apps"]
    )


def _powers(capabilities: Iterable[Capability]) -> dict[str, list[Capability]]:
    held: dict[str, list[Capability]] = {}
    for capability in capabilities:
        if capability.package:
            held.setdefault(capability.package, []).append(capability)
    return held


def _can_do(app: App | None, powers: list[Capability]) -> tuple[str, ...]:
    words = [POWERS[p.kind] for p in powers if p.kind in POWERS]
    if app is not None:
        words += [PERMISSIONS[p] for p in app.permissions if p in PERMISSIONS]
    return tuple(dict.fromkeys(words))


def _known(app: App, indicators: Indicators) -> tuple[KnownApp, str] | None:
    found = indicators.by_package(app.package)
    if found is not None:
        return found, f"package name {app.package}"
    for digest in app.certificates:
        found = indicators.by_certificate(digest)
        if found is not None:
            return found, f"signing certificate {digest}"
    return None


def _side_loaded(app: App) -> bool:
    return app.system is not True and app.installer is not None and app.installer not in STORES


def _suspicious(app: App, powers: list[Capability]) -> Finding | None:
    """An app holding monitoring powers while hiding its icon or installed from outside a store."""
    if app.system:
        return None
    held = sorted({p.kind for p in powers if p.kind in MONITORING_POWERS})
    hidden = app.launcher is False
    outside = _side_loaded(app)
    spying = sorted(set(app.permissions) & set(HIDDEN_FORWARDER_PERMISSIONS))
    if not held and hidden and outside and spying:  # a hidden SMS forwarder or recorder
        return Finding(
            "suspicious-powers", "low",
            f"{app.label or app.package} has no icon, was installed from outside an app store, and can "
            + " and ".join(PERMISSIONS[p] for p in spying),
            app.where, "no icon in the app list, installed from outside an app store, " + ", ".join(spying),
            "casetrail's check of the powers apps hold", app.package, _can_do(app, powers),
        )  # fmt: skip
    if not held or not (hidden or outside or len(held) >= 2):
        return None
    reasons = [POWERS[kind].split(" (")[-1].rstrip(")") for kind in held]
    if hidden:
        reasons.append("no icon in the app list")
    if outside:
        reasons.append("installed from outside an app store")
    confidence: Confidence = "medium" if hidden and len(held) >= 2 else "low"
    return Finding(
        "suspicious-powers",
        confidence,
        f"{app.label or app.package} holds powers that monitoring software uses",
        app.where,
        ", ".join(reasons),
        "casetrail's check of the powers apps hold",
        app.package,
        _can_do(app, powers),
    )


def _profiles(inventory: Inventory) -> list[Finding]:
    found = []
    for capability in inventory.capabilities:
        details = dict(capability.details)
        organisation = (
            details.get("organisation") or details.get("organization") or "an organisation not named"
        )
        if capability.kind == "device-management":
            how = details.get("how")
            title = {"supervision": f"This iPhone is supervised by {organisation}",
                     "MDM enrolment": f"This iPhone is enrolled in device management (MDM) by {organisation}",
                     }.get(how or "", f"This iPhone is managed or supervised by {organisation}")  # fmt: skip
            found.append(Finding(
                "device-management", "medium", title,
                capability.where, capability.name,
                "casetrail's check of the iPhone's configuration", None,
                ("install and remove apps, change settings and see information about the phone remotely",),
            ))  # fmt: skip
        elif capability.kind == "configuration-profile":
            powers = [words for key, words in PROFILE_POWERS.items() if details.get(key) == "yes"]
            if powers:
                found.append(Finding(
                    "device-management", "medium",
                    f"A configuration profile \u201c{capability.name}\u201d from {organisation}",
                    capability.where, "profile payloads: " + (details.get("payload_types") or "not listed"),
                    "casetrail's check of the iPhone's configuration", None, tuple(powers),
                ))  # fmt: skip
    return found


def match(inventory: Inventory, indicators: Indicators | None) -> ScanResult:
    """Every finding the inventory supports, each once, the most certain kind first per app."""
    result = ScanResult(inventory, indicators=indicators.describe() if indicators else None)
    held = _powers(inventory.capabilities)
    dual = {package: entry for entry in dual_use_apps() for package in entry.packages}
    for app in inventory.apps:
        powers = held.get(app.package, [])
        known = _known(app, indicators) if indicators else None
        if known is not None and indicators is not None:
            indicator, how = known
            installed = "is installed" if inventory.source_kind != "android-apk" else "(this app file)"
            title = f"{indicator.name} ({indicator.type}) {installed}"
            if indicators.fictional:
                title += " (a made-up app from casetrail's demonstration indicators)"
            result.findings.append(Finding(
                "known-stalkerware", "high", title, app.where, how, indicators.describe(),
                app.package, _can_do(app, powers),
            ))  # fmt: skip
            continue
        if app.package in dual:
            entry = dual[app.package]
            result.findings.append(Finding(
                "dual-use", "low", f"{entry.name} ({entry.kind}) is installed", app.where,
                f"package name {app.package}", "casetrail's list of dual-use apps", app.package,
                (entry.can_do, *_can_do(app, powers)),
            ))  # fmt: skip
            continue
        suspicious = _suspicious(app, powers)
        if suspicious is not None:
            result.findings.append(suspicious)
    digest = inventory.device.get("apk_sha256")
    known_file = indicators.by_apk_sha256(digest) if indicators and digest else None
    if known_file is not None and indicators is not None and not result.findings:
        result.findings.append(Finding(
            "known-stalkerware", "high", f"{known_file.name} ({known_file.type}) (this app file)",
            inventory.where, f"file SHA-256 {digest}", indicators.describe(),
            inventory.apps[0].package if inventory.apps else None,
        ))  # fmt: skip
    who = "A device on this network" if inventory.platform == "network" else "The phone"
    for domain, where in inventory.domains:
        known_domain = indicators.by_domain(domain) if indicators else None
        if known_domain is not None and indicators is not None:
            result.findings.append(Finding(
                "known-stalkerware", "high", f"{who} looked up a server of {known_domain.name}", where,
                f"domain {domain}", indicators.describe(),
            ))  # fmt: skip
    result.findings.extend(_profiles(inventory))
    return result
