"""Findings from an inventory: known stalkerware by package, certificate or domain; dual-use apps;
apps holding monitoring powers while hiding; iPhone management; and no alarm on ordinary phones."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from casetrail.model.event import Channel, Kind
from casetrail.safety.events import locator_of, scan_events
from casetrail.safety.inventory import App, Capability, Inventory
from casetrail.safety.matching import dual_use_apps, match

PLAY = "com.android.vending"
COMMON = (
    "com.whatsapp", "com.google.android.gm", "com.instagram.android", "com.facebook.katana",
    "com.spotify.music", "com.google.android.apps.maps", "org.telegram.messenger", "com.bbc.sounds",
    "uk.co.nationalrail.google", "com.android.chrome", "com.microsoft.office.outlook", "com.snapchat.android",
)  # fmt: skip


@dataclass(frozen=True)
class Known:
    name: str
    type: str


class FakeIndicators:
    fictional = False

    def __init__(self) -> None:
        self.packages = {"com.thetruth": Known("TheTruthSpy", "stalkerware")}
        self.certificates = {"31A6ECECD97CF39BC4126B8745CD94A7C30BF81C": Known("TheTruthSpy", "stalkerware")}
        self.domains = {"copy9.com": Known("TheTruthSpy", "stalkerware")}

    def describe(self) -> str:
        return "test indicators"

    def by_package(self, package: str) -> Known | None:
        return self.packages.get(package)

    def by_certificate(self, digest: str) -> Known | None:
        return self.certificates.get(digest.upper())

    def by_domain(self, domain: str) -> Known | None:
        return next((k for d, k in self.domains.items() if domain == d or domain.endswith("." + d)), None)

    def by_apk_sha256(self, digest: str) -> Known | None:
        return Known("TheTruthSpy", "stalkerware") if digest == "ab" * 32 else None


def ordinary_phone() -> Inventory:
    apps = [App(p, f"line {n}", installer=PLAY, launcher=True, system=False) for n, p in enumerate(COMMON, 1)]
    apps.append(App("com.android.systemui", "line 90", installer=None, launcher=False, system=True))
    apps.append(App("com.x8bit.bitwarden", "line 91", installer=PLAY, launcher=True, system=False))
    powers = [
        Capability("accessibility", "com.x8bit.bitwarden/.Accessibility", "line 400", "com.x8bit.bitwarden"),
        Capability(
            "notification-listener", "com.android.systemui/.Listener", "line 410", "com.android.systemui"
        ),
        Capability(
            "device-admin", "com.google.android.gms/.FindMyDevice", "line 420", "com.google.android.gms"
        ),
    ]
    return Inventory("android", "android-bugreport", "bugreport.txt", apps=apps, capabilities=powers)


def test_an_ordinary_phone_raises_no_alarm() -> None:
    result = match(ordinary_phone(), FakeIndicators())
    assert result.findings == []
    assert result.indicators == "test indicators"


def test_known_stalkerware_is_found_by_package_certificate_and_domain_with_what_it_can_do() -> None:
    inventory = ordinary_phone()
    inventory.apps += [
        App("com.thetruth", "line 120", installer="null", launcher=False, system=False,
            permissions=("android.permission.READ_SMS", "android.permission.ACCESS_FINE_LOCATION")),
        App("com.renamed.app", "line 130", installer="null", system=False,
            certificates=("31a6ececd97cf39bc4126b8745cd94a7c30bf81c",)),
    ]  # fmt: skip
    inventory.capabilities.append(
        Capability("accessibility", "com.thetruth/.Svc", "line 500", "com.thetruth")
    )
    inventory.domains.append(("api.copy9.com", "dns.log line 7"))
    found = {
        (f.level, f.confidence, f.package, f.matched_on, f.where)
        for f in match(inventory, FakeIndicators()).findings
    }
    assert found == {
        ("known-stalkerware", "high", "com.thetruth", "package name com.thetruth", "line 120"),
        ("known-stalkerware", "high", "com.renamed.app",
         "signing certificate 31a6ececd97cf39bc4126b8745cd94a7c30bf81c", "line 130"),
        ("known-stalkerware", "high", None, "domain api.copy9.com", "dns.log line 7"),
    }  # fmt: skip
    first = next(f for f in match(inventory, FakeIndicators()).findings if f.package == "com.thetruth")
    assert first.title == "TheTruthSpy (stalkerware) is installed"
    assert first.can_do == (
        "read what is on the screen and press buttons (accessibility service)",
        "read text messages",
        "know where the phone is",
    )


def test_without_indicators_only_casetrails_own_checks_run() -> None:
    inventory = ordinary_phone()
    inventory.apps.append(App("com.thetruth", "line 120", installer="null", launcher=True, system=False))
    assert match(inventory, None).findings == []
    assert match(inventory, None).indicators is None


def test_dual_use_apps_are_reported_with_low_confidence() -> None:
    inventory = ordinary_phone()
    inventory.apps.append(App("com.life360.android.safetymapd", "line 140", installer=PLAY, launcher=True))
    (finding,) = match(inventory, FakeIndicators()).findings
    assert (finding.level, finding.confidence) == ("dual-use", "low")
    assert finding.title == "Life360 (family locator) is installed"
    assert finding.can_do == ("share the phone's location with everyone in its circles, all the time",)
    assert all(entry.packages and entry.can_do for entry in dual_use_apps())


def test_monitoring_powers_on_a_hidden_side_loaded_app_are_suspicious() -> None:
    inventory = ordinary_phone()
    inventory.apps.append(
        App("com.android.sys.update", "line 150", installer="null", launcher=False, system=False)
    )
    for kind in ("device-admin", "accessibility", "notification-listener"):
        inventory.capabilities.append(
            Capability(kind, "com.android.sys.update/.S", "line 600", "com.android.sys.update")
        )
    (finding,) = match(inventory, FakeIndicators()).findings
    assert (finding.level, finding.confidence, finding.package) == (
        "suspicious-powers",
        "medium",
        "com.android.sys.update",
    )
    assert finding.matched_on == (
        "accessibility service, device administrator, notification access, no icon in the app list, "
        "installed from outside an app store"
    )


def test_one_power_on_a_store_app_with_an_icon_is_not_an_alarm_but_two_hidden_are() -> None:
    inventory = ordinary_phone()
    inventory.apps.append(
        App("com.example.keyboard", "line 160", installer=PLAY, launcher=True, system=False)
    )
    inventory.capabilities.append(Capability("accessibility", "k/.A", "line 700", "com.example.keyboard"))
    assert match(inventory, FakeIndicators()).findings == []
    inventory.apps.append(App("com.example.hidden", "line 170", installer=PLAY, launcher=False, system=False))
    inventory.capabilities.append(
        Capability("notification-listener", "h/.N", "line 710", "com.example.hidden")
    )
    (finding,) = match(inventory, FakeIndicators()).findings
    assert (finding.package, finding.confidence) == ("com.example.hidden", "low")


def test_an_iphone_management_profile_is_a_finding_and_a_wifi_profile_is_not() -> None:
    inventory = Inventory("ios", "ios-backup", "backup.zip")
    inventory.capabilities += [
        Capability("configuration-profile", "Remote support", "profile-1.stub", None,
                   (("organisation", "Example Remote Admin"), ("mdm", "yes"), ("root_certificate", "yes"),
                    ("payload_types", "com.apple.mdm, com.apple.security.root"))),
        Capability("configuration-profile", "Home Wi-Fi", "profile-2.stub", None,
                   (("organisation", "Robin"), ("payload_types", "com.apple.wifi.managed"))),
        Capability("device-management", "supervised", "CloudConfigurationDetails.plist", None,
                   (("organisation", "Example Remote Admin"),)),
    ]  # fmt: skip
    titles = sorted(f.title for f in match(inventory, None).findings)
    assert titles == [
        "A configuration profile \u201cRemote support\u201d from Example Remote Admin",
        "This iPhone is managed or supervised by Example Remote Admin",
    ]


def test_a_scan_becomes_a_summary_event_and_one_event_per_finding() -> None:
    inventory = ordinary_phone()
    inventory.taken_at = datetime(2025, 6, 1, 10, 0)
    inventory.device = {"model": "Pixel 7", "os_version": "Android 14"}
    inventory.apps.append(App("com.thetruth", "bugreport.txt line 120", installer="null", system=False))
    events = list(scan_events(match(inventory, FakeIndicators()), ZoneInfo("Europe/London")))
    summary, finding = events
    assert summary.kind == Kind.DEVICE_SCAN and summary.channel == Channel.DEVICE
    assert summary.text == (
        "Safety scan of Android phone data (bug report, Pixel 7, Android 14): 15 apps, 3 powers or profiles, "
        "1 finding."
    )
    assert summary.occurred_at is not None and summary.occurred_at.isoformat() == "2025-06-01T09:00:00+00:00"
    assert finding.kind == Kind.SAFETY_FINDING and finding.details["confidence"] == "high"
    assert finding.text == "TheTruthSpy (stalkerware) is installed."
    assert str(finding.locator) == "bugreport.txt:line 120"


def test_places_in_a_scanned_file_become_locators() -> None:
    assert str(locator_of("line 12")) == "line 12"
    assert str(locator_of("bugreport-x.txt line 9-10")) == "bugreport-x.txt:line 9-10"
    assert (
        str(locator_of("Manifest.db Files, domain AppDomain-com.x"))
        == "entry Manifest.db Files, domain AppDomain-com.x"
    )


def test_a_hidden_side_loaded_app_that_reads_messages_is_possible_stalkerware() -> None:
    inventory = ordinary_phone()
    sms = ("android.permission.RECEIVE_SMS", "android.permission.INTERNET")
    hidden = App(
        "com.sync.helper", "line 180", installer="null", launcher=False, system=False, permissions=sms
    )
    shown = App(
        "com.example.sms.backup", "line 181", installer=PLAY, launcher=True, system=False, permissions=sms
    )
    inventory.apps += [hidden, shown]  # a store app with an icon is not flagged
    (finding,) = match(inventory, FakeIndicators()).findings
    assert (finding.level, finding.confidence, finding.package) == (
        "suspicious-powers",
        "low",
        "com.sync.helper",
    )
    assert finding.title == (
        "com.sync.helper has no icon, was installed from outside an app store, and can read text messages "
        "as they arrive"
    )
