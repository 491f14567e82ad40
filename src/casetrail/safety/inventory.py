"""What a phone's data says is on it: apps and the powers they hold, read from files a victim or an
advocate can get without special tools (an Android package list or bug report, an iPhone backup).

Readers (safety/android.py, safety/ios.py) turn a file into an ``Inventory``; matching
(safety/matching.py) compares it with the stalkerware indicators and casetrail's own lists. Every
app and power keeps ``where`` it was read, so a finding can be traced to the exact place in the
scanned file, like any other evidence.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

Platform = Literal["android", "ios", "network"]  # "network": a DNS or proxy log, not a phone
#: Powers an app (or a profile) can hold that monitoring software needs.
CapabilityKind = Literal[
    "device-admin",  # Android device administrator (can lock, wipe, resist removal)
    "accessibility",  # Android accessibility service (can read the screen, press buttons)
    "notification-listener",  # Android notification access (reads every notification)
    "vpn",  # a VPN app or always-on VPN (can see or redirect traffic)
    "usage-access",  # Android usage stats (which apps are used when)
    "configuration-profile",  # iOS configuration profile (proxy, VPN, certificates, restrictions)
    "device-management",  # iOS MDM enrolment / supervision (remote control of the phone)
]


@dataclass(frozen=True)
class App:
    """One installed app. ``package`` is the Android package name or the iOS bundle id."""

    package: str
    where: str  # place in the scanned file, e.g. "line 1203" or "Manifest.db Files, domain AppDomain-com.x"
    label: str | None = None  # the name shown to the user, when the file gives it
    installer: str | None = None  # e.g. com.android.vending; None or "null" when side-loaded
    path: str | None = None  # APK path (Android)
    uid: int | None = None
    certificates: tuple[str, ...] = ()  # signing certificate digests, upper-case hex, as the file gives them
    permissions: tuple[str, ...] = ()  # granted permissions, e.g. android.permission.READ_SMS
    launcher: bool | None = None  # has an icon in the app drawer (None: the file does not say)
    system: bool | None = None  # part of the phone's system image
    enabled: bool | None = None
    first_installed: datetime | None = None
    last_updated: datetime | None = None
    version: str | None = None


@dataclass(frozen=True)
class Capability:
    """A power held on the phone, by an app (``package``) or by a profile (``package`` None)."""

    kind: CapabilityKind
    name: str  # the component, service or profile name as the file gives it
    where: str
    package: str | None = None
    details: tuple[tuple[str, str], ...] = ()  # e.g. (("organisation", "Example Ltd"), ("payload", "VPN"))


@dataclass
class Inventory:
    platform: Platform
    source_kind: str  # "android-package-list", "android-dumpsys", "android-bugreport", "ios-backup"
    where: str  # the file read, as shown to the user (e.g. "bugreport-….txt inside RH/4")
    taken_at: datetime | None = None  # when the phone produced the data, if the file says
    device: dict[str, str] = field(default_factory=dict)  # model, OS version, serial etc. as given
    apps: list[App] = field(default_factory=list)
    capabilities: list[Capability] = field(default_factory=list)
    domains: list[tuple[str, str]] = field(
        default_factory=list
    )  # (domain or IP, where): logs, profiles' servers
    notes: list[str] = field(default_factory=list)  # what could not be read, in plain words

    def app(self, package: str) -> App | None:
        return next((a for a in self.apps if a.package == package), None)
