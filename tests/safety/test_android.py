"""Android package lists, `dumpsys package` and bug report zips read into exact inventories."""

from __future__ import annotations

import zipfile
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.errors import ArchiveTooLarge, InputError, UnsafeArchiveMember
from casetrail.ingest.limits import ImportLimits
from casetrail.ingest.source import Source
from casetrail.safety.android import (
    MAX_LINE,
    read_android,
    read_bugreport,
    read_dumpsys,
    read_package_list,
    sniff_kind,
)
from casetrail.safety.inventory import App, Capability, Inventory
from tests.safety.android_builders import (
    INSTALL_PERMISSIONS,
    MEMBER,
    SIDELOADED_PERMISSIONS,
    Spec,
    all_specs,
    bugreport_text,
    bugreport_zip,
    dumpsys_package,
    package_list,
    planted_packages,
)

SPY, VPN_APP = planted_packages()[0], planted_packages()[1]
WELLBEING = "com.google.android.apps.wellbeing"


def _source(path: Path, data: bytes, **limits: int) -> Source:
    path.write_bytes(data)
    return Source(path, ImportLimits(**limits)) if limits else Source(path)


def _dumpsys_app(spec: Spec, where: str) -> App:
    return App(
        package=spec.package,
        where=where,
        installer=spec.installer if spec.installer is not None or spec.system else "null",
        path=spec.code_path,
        uid=spec.uid,
        certificates=(spec.signature.upper(),),
        permissions=(*INSTALL_PERMISSIONS, *spec.runtime_granted),
        launcher=spec.launcher,
        system=spec.system,
        enabled=True,
        first_installed=spec.first_installed,
        last_updated=spec.last_updated,
        version=spec.version,
    )


# ------------------------------------------------------------------------------------------------
# Package lists


def test_package_list_gives_every_app_with_installer_path_and_uid(tmp_path: Path) -> None:
    specs = all_specs()
    text = package_list(specs)
    inventory = read_android(_source(tmp_path / "packages.txt", text.text().encode()))
    expected = [
        App(
            package=s.package,
            where=f"line {text.marks[s.package]}",
            installer=s.installer or "null",
            path=s.apk,
            uid=s.uid,
            system=s.system,
        )
        for s in specs
    ]
    assert inventory.apps == expected
    assert (inventory.source_kind, inventory.where, inventory.capabilities, inventory.notes) == (
        "android-package-list",
        "packages.txt",
        [],
        [],
    )
    assert len(inventory.apps) == 66
    planted = [inventory.app(p) for p in planted_packages()]
    assert [(a.installer, a.where) for a in planted if a] == [
        ("null", "line 62"),
        ("null", "line 63"),
        ("null", "line 64"),
        ("com.google.android.packageinstaller", "line 65"),
        ("null", "line 66"),
    ]


def test_package_list_path_with_equals_signs_and_the_short_forms() -> None:
    lines = [
        "package:/data/app/~~ab=c==/com.example.notes-x=y==/base.apk=com.example.notes  installer=null"
        " uid:10234",
        "package:com.example.plain",
        "package:/system/priv-app/Settings/Settings.apk=com.android.settings",
        "package:com.example.plain  installer=com.android.vending uid:10240",  # listed again: merged
        "Error: a shell message, not a package",
    ]
    inventory = read_package_list(lines, "list.txt")
    assert inventory.apps == [
        App(
            "com.example.notes",
            "line 1",
            installer="null",  # Android's word for "no installer": side-loaded or adb
            path="/data/app/~~ab=c==/com.example.notes-x=y==/base.apk",
            uid=10234,
            system=False,
        ),
        App("com.example.plain", "line 2", installer="com.android.vending", uid=10240),
        App("com.android.settings", "line 3", path="/system/priv-app/Settings/Settings.apk", system=True),
    ]
    assert inventory.notes == ["1 line(s) were not package entries and were left out (the first is line 5)."]


# ------------------------------------------------------------------------------------------------
# dumpsys package


def test_dumpsys_gives_apps_installers_launchers_and_granted_permissions(tmp_path: Path) -> None:
    specs = all_specs()
    text = dumpsys_package(specs)
    inventory = read_android(_source(tmp_path / "dumpsys.txt", text.text().encode()))
    assert inventory.source_kind == "android-dumpsys"
    assert inventory.apps == [_dumpsys_app(s, f"line {text.marks[s.package]}") for s in specs]
    assert inventory.capabilities == [] and inventory.notes == []


def test_dumpsys_planted_apps_exactly() -> None:
    text = dumpsys_package(all_specs())
    inventory = read_dumpsys(text.lines, "dumpsys.txt")
    spy = inventory.app(SPY)
    assert spy == App(
        package=SPY,
        where=f"line {text.marks[SPY]}",
        installer="null",
        path=f"/data/app/~~Q1w2e3==/{SPY}-R4t5y6==",
        uid=10300,
        certificates=("5E1F00AA",),
        permissions=(
            "android.permission.INTERNET",
            "android.permission.RECEIVE_BOOT_COMPLETED",
            "android.permission.READ_SMS",
            "android.permission.ACCESS_FINE_LOCATION",
            "android.permission.RECORD_AUDIO",
            "android.permission.READ_CALL_LOG",
        ),
        launcher=False,
        system=False,
        enabled=True,
        first_installed=datetime(2025, 4, 2, 23, 5),
        last_updated=datetime(2025, 4, 2, 23, 5),
        version="2.4.1",
    )
    assert [(a.package, a.launcher, a.permissions[2:]) for a in inventory.apps[-4:]] == [
        (planted_packages()[1], True, SIDELOADED_PERMISSIONS[:3]),
        (planted_packages()[2], True, SIDELOADED_PERMISSIONS[:2]),
        (planted_packages()[3], False, SIDELOADED_PERMISSIONS),
        (planted_packages()[4], True, SIDELOADED_PERMISSIONS[:3]),
    ]


def test_dumpsys_keeps_one_app_per_package_and_ignores_hidden_system_copies() -> None:
    inventory = read_dumpsys(dumpsys_package(all_specs()).lines, "d.txt")
    gmail = inventory.app("com.google.android.gm")
    assert [a.package for a in inventory.apps].count("com.google.android.gm") == 1
    assert gmail is not None and (gmail.version, gmail.certificates, gmail.uid) == (
        "1.0",
        ("43C4B509",),
        10010,
    )


def test_dumpsys_without_a_resolver_table_leaves_launcher_unknown() -> None:
    inventory = read_dumpsys(dumpsys_package(all_specs(), resolver=False).lines, "d.txt")
    assert {a.launcher for a in inventory.apps} == {None}


def test_old_resolver_table_without_categories_leaves_launcher_unknown_and_says_so() -> None:
    lines = [
        "Activity Resolver Table:",
        "  Non-Data Actions:",
        "      android.intent.action.MAIN:",
        "        dcdc2c com.example.a/.Main (2 filters)",
        "",
        "Packages:",
        "  Package [com.example.a] (1f):",
        "    userId=10100",
        "    signatures=PackageSignatures{419c1a18 [41bd1ee0]}",
        "    User 0: installed=true hidden=false stopped=false notLaunched=false enabled=3",
    ]
    inventory = read_dumpsys(lines, "old.txt")
    assert inventory.apps == [
        App("com.example.a", "line 7", uid=10100, certificates=("41BD1EE0",), launcher=None, enabled=False)
    ]
    assert inventory.notes == [
        "This Android version does not show which apps have an icon, so that is left unknown."
    ]


def test_device_owner_from_a_device_policy_dump() -> None:
    lines = [
        "Current Device Policy Manager state:",
        "  Device Owner:",
        "    admin=ComponentInfo{com.example.mdm/com.example.mdm.Receiver}",
        "    name=",
        "    package=com.example.mdm",
        "  Enabled Device Admins (User 0, provisioningState: 3):",
        "    com.example.mdm/.Receiver:",
        "      uid=10500",
        "  Profile Owner (User 10):",
        "    admin=ComponentInfo{com.example.work/.Admin}",
        "  restrictionsProvider=ComponentInfo{com.example.other/.Provider}",
    ]
    inventory = read_dumpsys(lines, "policy.txt")
    assert inventory.capabilities == [
        Capability(
            "device-admin",
            "com.example.mdm/com.example.mdm.Receiver",
            "line 3",
            "com.example.mdm",
            (("role", "device owner"),),
        ),
        Capability(
            "device-admin",
            "com.example.work/.Admin",
            "line 10",
            "com.example.work",
            (("role", "profile owner"),),
        ),
    ]
    assert inventory.apps == []


# ------------------------------------------------------------------------------------------------
# Bug reports


def _expected_capabilities(marks: dict[str, int]) -> list[Capability]:
    def at(mark: str) -> str:
        return f"{MEMBER} line {marks[mark]}"

    listener = f"{WELLBEING}/{WELLBEING}.screen.ui.NotificationListener"
    return [
        Capability(
            "accessibility",
            f"{SPY}/{SPY}.SyncService",
            at("accessibility"),
            SPY,
            (("state", "enabled"), ("setting", "enabled_accessibility_services")),
        ),
        Capability("device-admin", f"{SPY}/.AdminReceiver", at("admin"), SPY),
        Capability(
            "device-admin",
            "com.google.android.gms/.mdm.receivers.MdmDeviceAdminReceiver",
            at("gms-admin"),
            "com.google.android.gms",
        ),
        Capability(
            "notification-listener",
            f"{SPY}/{SPY}.NotifyService",
            at("listener"),
            SPY,
            (("setting", "enabled_notification_listeners"),),
        ),
        Capability(
            "notification-listener",
            listener,
            at("wellbeing"),
            WELLBEING,
            (("setting", "enabled_notification_listeners"),),
        ),
        Capability(
            "vpn",
            VPN_APP,
            at("vpn-setting"),
            VPN_APP,
            (("always-on", "yes"), ("setting", "always_on_vpn_app"), ("lockdown", "yes")),
        ),
    ]


def test_bugreport_gives_apps_powers_device_and_time(tmp_path: Path) -> None:
    specs = all_specs()
    text = bugreport_text(specs)
    path = bugreport_zip(tmp_path / "bugreport.zip", text.text())
    inventory = read_android(Source(path))
    assert inventory.capabilities == _expected_capabilities(text.marks)
    assert inventory.apps == [_dumpsys_app(s, f"{MEMBER} line {text.marks[s.package]}") for s in specs]
    assert (inventory.source_kind, inventory.where, inventory.taken_at) == (
        "android-bugreport",
        f"{MEMBER} inside bugreport.zip",
        datetime(2025, 6, 1, 10, 0, 0),
    )
    assert inventory.device == {
        "build": "TQ3A.230901.001",
        "fingerprint": "google/oriole/oriole:13/TQ3A.230901.001/10750268:user/release-keys",
        "bootloader": "slider-1.2-9152140",
        "android_version": "13",
        "security_patch": "2023-09-05",
        "brand": "google",
        "manufacturer": "Google",
        "model": "Pixel 6",
        "serial": "FAKE0SERIAL00001",
    }
    assert inventory.notes == []


def test_the_hidden_planted_app_holds_three_powers_and_no_icon(tmp_path: Path) -> None:
    inventory = read_android(Source(bugreport_zip(tmp_path / "b.zip", bugreport_text(all_specs()).text())))
    spy = inventory.app(SPY)
    assert spy is not None and spy.launcher is False
    assert sorted({c.kind for c in inventory.capabilities if c.package == SPY}) == [
        "accessibility",
        "device-admin",
        "notification-listener",
    ]
    assert [c.package for c in inventory.capabilities if c.kind == "vpn"] == [VPN_APP]


def test_bugreport_main_text_without_main_entry_is_found_by_name(tmp_path: Path) -> None:
    text = bugreport_text(all_specs()).text()
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(MEMBER, text)
        archive.writestr("version.txt", "2.0")
    with Source(path).archive() as safe:
        inventory = read_bugreport(safe, "RH/4")
    assert inventory.where == f"{MEMBER} inside RH/4" and len(inventory.apps) == 66


def test_plain_text_bugreport_and_a_powershell_utf16_copy_read_the_same(tmp_path: Path) -> None:
    text = bugreport_text(all_specs()).text()
    utf8 = read_android(_source(tmp_path / "bugreport.txt", text.encode()))
    utf16 = read_android(_source(tmp_path / "bugreport16.txt", text.replace("\n", "\r\n").encode("utf-16")))
    assert utf8.source_kind == utf16.source_kind == "android-bugreport"
    assert utf16.apps == utf8.apps and utf16.capabilities == utf8.capabilities
    assert utf8.capabilities[0].where.startswith("line ")


def test_sniff_kind() -> None:
    assert sniff_kind(b"package:com.whatsapp\n", None) == "android-package-list"
    assert sniff_kind(b"\xef\xbb\xbfActivity Resolver Table:\n", None) == "android-dumpsys"
    assert sniff_kind(b"DUMP OF SERVICE package:\n", None) == "android-dumpsys"
    assert sniff_kind(b"=====\n== dumpstate: 2025-06-01 10:00:00\n", None) == "android-bugreport"
    assert sniff_kind(b"", ["main_entry.txt", MEMBER]) == "android-bugreport"
    assert sniff_kind(b"", ["FS/bugreport-x.txt", "_chat.txt"]) is None
    assert sniff_kind(b"[07/01/2025, 10:00:00] Casey: hi\n", None) is None


# ------------------------------------------------------------------------------------------------
# Bad and hostile input


@pytest.mark.parametrize(
    ("data", "problem"),
    [
        (b"", "the file is empty"),
        (bytes(range(256)) * 8, "this is not Android phone data"),
        (b"Dear diary,\npackage: of sweets\n", "this is not Android phone data"),
    ],
)
def test_not_android_data_is_refused_plainly(tmp_path: Path, data: bytes, problem: str) -> None:
    with pytest.raises(InputError) as raised:
        read_android(_source(tmp_path / "x.txt", data))
    assert raised.value.file == "x.txt" and raised.value.problem.startswith(problem)
    assert "adb bugreport" in raised.value.problem


def test_truncated_bugreport_zip_is_refused_as_cut_short(tmp_path: Path) -> None:
    whole = bugreport_zip(tmp_path / "whole.zip", bugreport_text(all_specs()).text()).read_bytes()
    assert sniff_kind(whole[: len(whole) // 2][:4096], None) == "android-bugreport"  # still recognised
    with pytest.raises(InputError, match="cut short"):
        read_android(_source(tmp_path / "cut.zip", whole[: len(whole) // 2]))


def test_zip_that_is_not_a_bugreport_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "WhatsApp Chat.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("_chat.txt", "[07/01/2025, 10:00:00] Casey: hi\n")
    with pytest.raises(InputError, match="holds no Android bug report"):
        read_android(Source(path))


def test_bugreport_whose_main_text_is_missing_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("main_entry.txt", "bugreport-gone.txt")
        archive.writestr("version.txt", "2.0")
    with pytest.raises(InputError) as raised:
        read_android(Source(path))
    assert raised.value.place == "entry 'main_entry.txt'" and "not in the zip" in raised.value.problem


def test_bugreport_main_text_that_is_not_a_bugreport_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "b.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("main_entry.txt", MEMBER)
        archive.writestr(MEMBER, "just some words\n" * 10)
    with pytest.raises(InputError) as raised:
        read_android(Source(path))
    assert (raised.value.file, raised.value.place) == ("b.zip", f"entry {MEMBER!r}")


@pytest.mark.parametrize("name", ["../../evil.txt", "/abs.txt", "C:\\x.txt", "..\\x.txt"])
def test_g14_bugreport_with_unsafe_member_names_is_refused(tmp_path: Path, name: str) -> None:
    path = bugreport_zip(tmp_path / "b.zip", bugreport_text(all_specs()).text(), [(name, b"x")])
    before = sorted(p.name for p in tmp_path.rglob("*"))
    with pytest.raises(UnsafeArchiveMember) as raised:
        read_android(Source(path))
    assert (raised.value.file, raised.value.place) == ("b.zip", f"entry {name!r}")
    assert sorted(p.name for p in tmp_path.rglob("*")) == before


def test_g15_bugreport_bomb_member_stops_at_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "bomb.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("main_entry.txt", MEMBER)
        archive.writestr(MEMBER, b"DUMP OF SERVICE package:\n" + b"\0" * (20 << 20))
    source = Source(path, ImportLimits(max_member_bytes=1 << 20, ratio_floor_bytes=256 << 10))
    with pytest.raises(ArchiveTooLarge) as raised:
        read_android(source)
    assert raised.value.place == f"entry {MEMBER!r}"
    assert source.archive().produced <= (2 << 20) + 4096  # the limit, one read chunk and main_entry.txt


def test_a_5_mib_line_is_cut_and_noted_and_the_rest_is_read(tmp_path: Path) -> None:
    text = dumpsys_package(all_specs())
    long_at = text.marks[SPY] - 1  # just before the planted app's block
    lines = [*text.lines[:long_at], "    x=" + "A" * (5 << 20), *text.lines[long_at:]]
    data = "\n".join(lines).encode() + b"\n"
    inventory = read_android(_source(tmp_path / "d.txt", data))
    assert len(inventory.apps) == 66
    assert inventory.app(SPY) is not None and inventory.app(SPY).where == f"line {text.marks[SPY] + 1}"  # type: ignore[union-attr]
    assert inventory.notes == [f"line {long_at + 1} was longer than 1 MiB; only its start was read."]


def test_a_long_line_in_a_bugreport_is_cut_too(tmp_path: Path) -> None:
    text = bugreport_text(all_specs())
    lines = ["x" * (3 * MAX_LINE), *text.lines]
    path = bugreport_zip(tmp_path / "b.zip", "\n".join(lines) + "\n")
    inventory = read_android(Source(path))
    assert inventory.notes == [f"{MEMBER} line 1 was longer than 1 MiB; only its start was read."]
    assert inventory.capabilities[0].where == f"{MEMBER} line {text.marks['accessibility'] + 1}"


SAMPLES = (
    package_list(all_specs()[:8]).text().encode(),
    dumpsys_package(all_specs()[:3]).text().encode(),
)


def _mutate(data: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    body = bytearray(data[:cut])
    for offset, value in flips:
        if offset < len(body):
            body[offset] ^= value
    return bytes(body)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    blob=st.one_of(
        st.binary(max_size=300),
        st.builds(
            _mutate,
            st.sampled_from(SAMPLES),
            st.integers(0, 4000),
            st.lists(st.tuples(st.integers(0, 3999), st.integers(1, 255)), max_size=6),
        ),
        st.builds(lambda b: b"package:" + b, st.binary(max_size=100)),
        st.builds(lambda b: b"DUMP OF SERVICE device_policy:\n" + b, st.binary(max_size=200)),
    )
)
def test_g17_any_bytes_give_an_inventory_or_an_input_error(tmp_path: Path, blob: bytes) -> None:
    path = tmp_path / "phone.txt"
    try:
        inventory = read_android(_source(path, blob))
    except InputError as error:
        assert error.file == "phone.txt"
    else:
        assert isinstance(inventory, Inventory) and inventory.platform == "android"


def _small_bugreport(folder: Path) -> bytes:
    if not _SMALL:
        _SMALL.append(
            bugreport_zip(folder / "small.zip", bugreport_text(all_specs()[:2]).text()).read_bytes()
        )
    return _SMALL[0]


_SMALL: list[bytes] = []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    cut=st.integers(0, 6000), flips=st.lists(st.tuples(st.integers(0, 5999), st.integers(1, 255)), max_size=4)
)
def test_g17_damaged_bugreport_zips_give_an_inventory_or_an_input_error(
    tmp_path: Path, cut: int, flips: list[tuple[int, int]]
) -> None:
    whole = _small_bugreport(tmp_path)
    damaged = _mutate(whole, len(whole) - cut % len(whole), flips)
    try:
        read_android(_source(tmp_path / "b.zip", damaged))
    except InputError as error:
        assert error.file == "b.zip"
