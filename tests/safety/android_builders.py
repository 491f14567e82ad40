"""Synthetic Android phone data for tests: a package list, `dumpsys package` and a bug report zip.

Shapes follow real Android output (Android 10-14); the apps are common real apps plus planted
monitoring apps whose package names come from the stalkerware indicator data. Every builder records
the line number of each thing a reader must find (``marks``), so tests can assert exact ``where``s.
"""

from __future__ import annotations

import functools
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import yaml

IOC = Path(__file__).resolve().parents[3] / "shared" / "data" / "stalkerware-indicators" / "ioc.yaml"
#: Apps in the indicator data to plant, one package each (the first the data lists for that app).
PLANTED_APPS = ("TheTruthSpy", "Cocospy", "OwnSpy", "Hoverwatch", "LetMeSpy")
MEMBER = "bugreport-oriole-TQ3A.230901.001-2025-06-01-10-00-00.txt"
SIDELOADED_PERMISSIONS = (
    "android.permission.READ_SMS",
    "android.permission.ACCESS_FINE_LOCATION",
    "android.permission.RECORD_AUDIO",
    "android.permission.READ_CALL_LOG",
)
INSTALL_PERMISSIONS = ("android.permission.INTERNET", "android.permission.RECEIVE_BOOT_COMPLETED")


def planted_packages() -> list[str]:
    """The first listed package of each app in PLANTED_APPS, read from the indicator data."""
    return list(_planted())


@functools.cache
def _planted() -> tuple[str, ...]:
    entries = {entry["name"]: entry for entry in yaml.safe_load(IOC.read_text("utf-8"))}
    return tuple(entries[name]["packages"][0] for name in PLANTED_APPS)


@dataclass
class Spec:
    """One app as the phone knows it."""

    package: str
    installer: str | None
    uid: int
    system: bool = False
    launcher: bool = True
    version: str = "1.0"
    runtime_granted: tuple[str, ...] = ()
    signature: str = "43c4b509"
    users: tuple[int, ...] = (0,)
    enabled_state: int = 0
    first_installed: datetime = datetime(2024, 3, 1, 9, 30, 0)
    last_updated: datetime = datetime(2025, 5, 20, 8, 15, 0)

    @property
    def code_path(self) -> str:
        """The folder ``dumpsys package`` gives as codePath."""
        if self.system:
            return f"/product/app/{self.package.rsplit('.', 1)[-1]}"
        return f"/data/app/~~Q1w2e3==/{self.package}-R4t5y6=="

    @property
    def apk(self) -> str:
        """The APK ``pm list packages -f`` shows (its path holds '=' signs)."""
        name = self.package.rsplit(".", 1)[-1]
        return f"{self.code_path}/{name}.apk" if self.system else f"{self.code_path}/base.apk"


_SYSTEM = (
    "com.google.android.gm",
    "com.google.android.apps.maps",
    "com.android.chrome",
    "com.google.android.youtube",
    "com.google.android.apps.photos",
    "com.android.vending",
    "com.google.android.gms",
    "com.android.settings",
    "com.google.android.dialer",
    "com.google.android.apps.messaging",
    "com.google.android.calendar",
    "com.google.android.contacts",
    "com.google.android.apps.wellbeing",
)
_NO_ICON = ("com.android.systemui", "com.google.android.inputmethod.latin", "com.google.android.gms")
_STORE = (
    "com.whatsapp",
    "com.instagram.android",
    "com.facebook.katana",
    "com.facebook.orca",
    "com.snapchat.android",
    "com.zhiliaoapp.musically",
    "org.telegram.messenger",
    "org.thoughtcrime.securesms",
    "com.twitter.android",
    "com.spotify.music",
    "com.netflix.mediaclient",
    "com.amazon.mShop.android.shopping",
    "com.ubercab",
    "com.booking",
    "com.airbnb.android",
    "com.microsoft.teams",
    "com.microsoft.office.outlook",
    "com.linkedin.android",
    "com.pinterest",
    "com.reddit.frontpage",
    "com.discord",
    "com.skype.raider",
    "us.zoom.videomeetings",
    "com.google.android.apps.meetings",
    "com.dropbox.android",
    "com.microsoft.skydrive",
    "com.paypal.android.p2pmobile",
    "com.revolut.revolut",
    "com.monzo.android",
    "uk.co.hsbc.hsbcukmobilebanking",
    "com.duolingo",
    "com.shazam.android",
    "com.tinder",
    "com.bumble.app",
    "com.life360.android.safetymapd",
    "com.strava",
    "com.fitbit.FitbitMobile",
    "com.google.android.apps.fitness",
    "bbc.iplayer.android",
    "bbc.mobile.news.uk",
    "com.deliveroo.orderapp",
    "com.ubercab.eats",
    "com.justeat.app.uk",
    "com.trainline.trainline",
    "com.citymapper.app.release",
    "com.nianticlabs.pokemongo",
)


def common_specs() -> list[Spec]:
    """About 60 ordinary apps: preinstalled Google apps and apps from the Play Store."""
    specs = [Spec(p, None, 10010 + i, system=True, launcher=p not in _NO_ICON) for i, p in enumerate(_SYSTEM)]
    specs += [Spec(p, None, 10090 + i, system=True, launcher=False) for i, p in enumerate(_NO_ICON[:2])]
    specs += [Spec(p, "com.android.vending", 10200 + i) for i, p in enumerate(_STORE)]
    specs[0] = Spec(specs[0].package, None, specs[0].uid, system=True, users=(0, 10))  # also a work profile
    return specs


def planted_specs() -> list[Spec]:
    """Planted apps: side-loaded; the first hides its icon, the second also runs an always-on VPN."""
    names = planted_packages()
    return [
        Spec(
            package,
            None if index != 3 else "com.google.android.packageinstaller",
            10300 + index,
            launcher=index not in (0, 3),
            version=f"{index + 2}.4.1",
            runtime_granted=SIDELOADED_PERMISSIONS[: 4 - index % 3],
            signature=f"5e1f0{index}aa",
            users=(0, 10) if index == 0 else (0,),
            first_installed=datetime(2025, 4, 2 + index, 23, 5, 0),
            last_updated=datetime(2025, 4, 2 + index, 23, 5, 0),
        )
        for index, package in enumerate(names)
    ]


def all_specs() -> list[Spec]:
    return common_specs() + planted_specs()


@dataclass
class Text:
    """Lines being written, with the line number of each marked one."""

    lines: list[str] = field(default_factory=list)
    marks: dict[str, int] = field(default_factory=dict)

    def add(self, *lines: str, mark: str | None = None) -> None:
        if mark is not None:
            self.marks[mark] = len(self.lines) + 1
        self.lines.extend(lines)

    def extend(self, other: Text) -> None:
        offset = len(self.lines)
        self.marks.update({key: number + offset for key, number in other.marks.items()})
        self.lines.extend(other.lines)

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


def package_list(specs: list[Spec]) -> Text:
    """``adb shell pm list packages -f -i -U``."""
    out = Text()
    for spec in specs:
        installer = spec.installer or "null"
        out.add(f"package:{spec.apk}={spec.package}  installer={installer} uid:{spec.uid}", mark=spec.package)
    return out


def _resolver(specs: list[Spec]) -> Text:
    out = Text()
    out.add("Activity Resolver Table:", "  Non-Data Actions:", "      android.intent.action.MAIN:")
    for index, spec in enumerate(specs):
        if spec.launcher:
            out.add(
                f"        {index + 0x1A2B:x} {spec.package}/.MainActivity filter {index + 0x3C4D:x}",
                '          Action: "android.intent.action.MAIN"',
                '          Category: "android.intent.category.LAUNCHER"',
            )
    out.add("      android.intent.action.VIEW:")
    for index, spec in enumerate(specs):
        out.add(
            f"        {index + 0x5E6F:x} {spec.package}/.ShareActivity filter {index + 0x7A8B:x}",
            '          Action: "android.intent.action.VIEW"',
            '          Category: "android.intent.category.DEFAULT"',
        )
    out.add(
        "",
        "Receiver Resolver Table:",  # a LAUNCHER category here gives no icon
        "  Non-Data Actions:",
        "      android.app.action.DEVICE_ADMIN_ENABLED:",
        f"        9f9f9f {planted_packages()[0]}/.AdminReceiver filter 8e8e8e",
        '          Action: "android.app.action.DEVICE_ADMIN_ENABLED"',
        '          Category: "android.intent.category.LAUNCHER"',
        "",
        "Key Set Manager:",
        f"  [{specs[0].package}]",
        "      Signing KeySets: 33",
        "",
    )
    return out


def _package_block(spec: Spec, index: int) -> Text:
    out = Text()
    flags = "[ SYSTEM HAS_CODE ALLOW_CLEAR_USER_DATA ]" if spec.system else "[ HAS_CODE ALLOW_BACKUP ]"
    out.add(f"  Package [{spec.package}] ({index + 0x9000:x}):", mark=spec.package)
    out.add(
        f"    userId={spec.uid}",
        f"    pkg=Package{{{index + 0x4000:x} {spec.package}}}",
        f"    codePath={spec.code_path}",
        "    primaryCpuAbi=arm64-v8a",
        "    versionCode=4021 minSdk=26 targetSdk=33",
        f"    versionName={spec.version}",
        f"    flags={flags}",
        f"    timeStamp={spec.last_updated:%Y-%m-%d %H:%M:%S}",
        f"    lastUpdateTime={spec.last_updated:%Y-%m-%d %H:%M:%S}",
    )
    if spec.installer is not None or not spec.system:
        out.add(f"    installerPackageName={spec.installer or 'null'}")
    out.add(
        f"    signatures=PackageSignatures{{{index + 0x6000:x} version:2, signatures:[{spec.signature}], "
        "past signatures:[]}",
        "    installPermissionsFixed=true",
        f"    pkgFlags={flags}",
        "    requested permissions:",
        *(f"      {p}" for p in (*INSTALL_PERMISSIONS, *SIDELOADED_PERMISSIONS, "android.permission.CAMERA")),
        "    install permissions:",
        *(f"      {p}: granted=true" for p in INSTALL_PERMISSIONS),
    )
    for user in spec.users:
        out.add(
            f"    User {user}: ceDataInode=4001 installed=true hidden=false suspended=false "
            f"distractionFlags=0 stopped=false notLaunched=false enabled={spec.enabled_state} instant=false "
            "virtual=false",
            f"      firstInstallTime={spec.first_installed:%Y-%m-%d %H:%M:%S}",
            "      gids=[3003]",
            "      runtime permissions:",
            *(
                f"        {p}: granted=true, flags=[ USER_SET|USER_SENSITIVE_WHEN_GRANTED]"
                for p in spec.runtime_granted
            ),
            "        android.permission.CAMERA: granted=false, flags=[ USER_SENSITIVE_WHEN_DENIED]",
        )
    return out


def dumpsys_package(specs: list[Spec], resolver: bool = True) -> Text:
    """``adb shell dumpsys package``: resolver table, then every package, then hidden system packages."""
    out = _resolver(specs) if resolver else Text()
    out.add("Packages:")
    for index, spec in enumerate(specs):
        out.extend(_package_block(spec, index))
    out.add("", "Hidden system packages:")  # an older copy of an updated app: its facts are not the app's
    old = Spec(specs[0].package, None, 1, system=True, version="0.1-factory", signature="deadbeef")
    hidden = _package_block(old, 999)
    hidden.marks.clear()
    out.extend(hidden)
    out.add("", "Queries:", "  system apps queryable: false", "", "Dexopt state:", f"  [{specs[0].package}]")
    return out


def _section(out: Text, name: str, body: list[str], marks: dict[str, int]) -> None:
    """A bug report service section with its separator and duration lines."""
    out.add("-" * 79, f"DUMP OF SERVICE {name}:")
    start = len(out.lines)
    out.marks.update({key: number + start for key, number in marks.items()})
    out.lines.extend(body)
    out.add(f"--------- 0.012s was the duration of dumpsys {name}, ending at: 2025-06-01 10:00:09")


def _marked(lines: list[str | tuple[str, str]]) -> tuple[list[str], dict[str, int]]:
    """Lines, some given as (mark, line), and the 1-based number of each mark."""
    body: list[str] = []
    marks: dict[str, int] = {}
    for item in lines:
        if isinstance(item, tuple):
            marks[item[0]] = len(body) + 1
            item = item[1]
        body.append(item)
    return body, marks


def bugreport_text(specs: list[Spec]) -> Text:
    """A bug report's main text: header, properties and the services that hold apps' powers."""
    spy, vpn = planted_packages()[0], planted_packages()[1]
    out = Text()
    out.add(
        "========================================================",
        "== dumpstate: 2025-06-01 10:00:00",
        "========================================================",
        "",
        "Build: TQ3A.230901.001",
        "Build fingerprint: 'google/oriole/oriole:13/TQ3A.230901.001/10750268:user/release-keys'",
        "Bootloader: slider-1.2-9152140",
        "Radio: g5123b-116954-230511-B-10112789",
        "Bugreport format version: 2.0",
        "",
        "------ SYSTEM PROPERTIES (getprop) ------",
        "[ro.build.version.release]: [13]",
        "[ro.build.version.security_patch]: [2023-09-05]",
        "[ro.product.brand]: [google]",
        "[ro.product.manufacturer]: [Google]",
        "[ro.product.model]: [Pixel 6]",
        "[ro.serialno]: [FAKE0SERIAL00001]",
        "------ 0.021s was the duration of 'SYSTEM PROPERTIES' ------",
    )
    for name, lines in _services(spy, vpn):
        body, marks = _marked(lines)
        _section(out, name, body, marks)
    package = dumpsys_package(specs)
    out.add("-" * 79, "DUMP OF SERVICE package:")
    out.extend(package)
    out.add("--------- 1.204s was the duration of dumpsys package, ending at: 2025-06-01 10:00:12")
    body, marks = _marked(_settings(spy, vpn))
    _section(out, "settings", body, marks)
    body, marks = _marked(_vpn(vpn))
    _section(out, "vpn_management", body, marks)
    out.add(
        "-" * 79,
        "DUMP OF SERVICE wifi:",
        "Wi-Fi is enabled",
        "------ 0.1s was the duration of 'DUMPSYS' ------",
    )
    return out


def _services(spy: str, vpn: str) -> list[tuple[str, list[str | tuple[str, str]]]]:
    wellbeing = "com.google.android.apps.wellbeing"
    return [
        (
            "accessibility",
            [
                "ACCESSIBILITY MANAGER (dumpsys accessibility)",
                "",
                "currentUserId=0",
                "User state[",
                "     attributes:{id=0, touchExplorationEnabled=false, installedServiceCount=2}",
                "     installed services: {",
                "      0 : com.google.android.marvin.talkback/.TalkBackService  (A11yTool)",
                f"      1 : {spy}/{spy}.SyncService",
                "     }",
                "     Bound services:{Service[label=Sync, feedbackType[FEEDBACK_GENERIC], capabilities=1, "
                "eventTypes=TYPES_ALL_MASK, notificationTimeout=0, requestA11yBtn=false]}",
                ("accessibility", f"     Enabled services:{{{{{spy}/{spy}.SyncService}}}}"),
                "     Binding services:{}",
                "     Crashed services:{}",
            ],
        ),
        (
            "device_policy",
            [
                "Current Device Policy Manager state:",
                "  Immutable state:",
                "    mHasFeature=true",
                "  Enabled Device Admins (User 0, provisioningState: 3):",
                ("admin", f"    {spy}/.AdminReceiver:"),
                "      uid=10300",
                "      testOnlyAdmin=false",
                "      policies:",
                "        wipe-data",
                "        force-lock",
                "        watch-login",
                ("gms-admin", "    com.google.android.gms/.mdm.receivers.MdmDeviceAdminReceiver:"),
                "      uid=10016",
                "      policies:",
                "        wipe-data",
                "  mPasswordOwner=-1",
                "  restrictionsProvider=ComponentInfo{com.google.android.gms/.restrictions.Provider}",
            ],
        ),
        (
            "notification",
            [
                "Current Notification Manager state:",
                "  Notification listeners:",
                "    Allowed notification listeners:",
                ("listener", f"      {spy}/{spy}.NotifyService (user: 0 isPrimary: true)"),
                (
                    "wellbeing",
                    f"      {wellbeing}/{wellbeing}.screen.ui.NotificationListener (user: 0 isPrimary: true)",
                ),
                "    All notification listeners (2) enabled for current profiles:",
                f"      ComponentInfo{{{spy}/{spy}.NotifyService}}",
                f"      ComponentInfo{{{wellbeing}/{wellbeing}.screen.ui.NotificationListener}}",
                "    Live notification listeners (1):",
                f"      ComponentInfo{{{spy}/{spy}.NotifyService}} (user 0): "
                "android.service.notification.INotificationListener$Stub$Proxy@7a1b2c3",
                "    Snoozed notification listeners (0):",
                "  Notification assistant services:",
                "    Allowed notification assistant services:",
                "      com.android.ext.services/android.ext.services.notification.Assistant (user: 0)",
            ],
        ),
    ]


def _settings(spy: str, vpn: str) -> list[str | tuple[str, str]]:
    wellbeing = "com.google.android.apps.wellbeing"
    return [
        "GLOBAL SETTINGS (user 0)",
        "_id:2070 name:adb_wifi_enabled pkg:android value:0 default:0 defaultSystemSet:true",
        "",
        "SECURE SETTINGS (user 0)",
        "_id:240 name:accessibility_enabled pkg:android value:1 default:0 defaultSystemSet:true",
        f"_id:241 name:enabled_accessibility_services pkg:com.android.settings value:{spy}/{spy}.SyncService "
        "default:null defaultSystemSet:true",
        f"_id:250 name:enabled_notification_listeners pkg:android value:{spy}/{spy}.NotifyService:"
        f"{wellbeing}/.screen.ui.NotificationListener default:null",
        ("vpn-setting", f"_id:260 name:always_on_vpn_app pkg:android value:{vpn} default:null"),
        "_id:261 name:always_on_vpn_lockdown pkg:android value:1 default:null",
    ]


def _vpn(vpn: str) -> list[str | tuple[str, str]]:
    return [
        "VPNs:",
        f"  0: {vpn}",
        f"    Active package name: {vpn}",
        "    Active vpn type: 1",
        "    mEventChanges (most recent first):",
        "      2025-05-30T21:14:02 - [LockdownAlwaysOn] Mode changed: lockdown=true alwaysOn=true calling "
        "from 1000",
        "      2025-05-30T21:10:00 - [LockdownAlwaysOn] Mode changed: lockdown=false alwaysOn=false calling "
        "from 1000",
        "  10: null",
    ]


def bugreport_zip(
    path: Path, text: str, extra: list[tuple[str | zipfile.ZipInfo, bytes]] | None = None
) -> Path:
    """A bug report zip as `adb bugreport` writes it: main_entry.txt names the main text."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("version.txt", "2.0")
        archive.writestr("main_entry.txt", MEMBER)
        archive.writestr(MEMBER, text)
        archive.writestr("dumpstate_board.txt", "board facts\n")
        archive.writestr("FS/data/misc/logd/logcat", "01-01 00:00:00.000 I boot\n")
        archive.writestr("proto/activity.proto", b"\x08\x01")
        for name, data in extra or []:
            archive.writestr(name, data)
    return path
