"""An APK read into one app: package and version from the binary manifest, the SHA-1 of every signing
certificate (v1 PKCS #7, APK Signing Block v2/v3) and the file's SHA-256; hostile files fail cleanly."""

from __future__ import annotations

import hashlib
import io
import struct
import tempfile
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.errors import InputError
from casetrail.ingest.limits import ImportLimits
from casetrail.ingest.source import Source
from casetrail.safety import apk as apk_module
from casetrail.safety.apk import (
    APK,
    MANIFEST,
    Manifest,
    parse_manifest,
    read_apk,
    signing_block_certificates,
    sniff_apk,
)
from casetrail.safety.indicators import IndicatorSet, parse_ioc
from casetrail.safety.inventory import App
from casetrail.safety.matching import match
from tests.safety.android_builders import IOC, planted_packages
from tests.safety.apk_builders import (
    V2,
    V3,
    Apk,
    Attribute,
    Axml,
    Signer,
    make_signer,
    manifest,
    pkcs7_signature,
    scheme_value,
    signed_apk,
    signing_block,
    v2_signer,
    v3_signer,
)

FETCHED = datetime(2026, 6, 21, tzinfo=UTC)
SIGNER = make_signer("Example Notes Ltd")
ROTATED = make_signer("Example Notes Ltd (2025 key)")
BLOCK = "APK signing block"


def _source(path: Path, data: bytes, **limits: int) -> Source:
    path.write_bytes(data)
    return Source(path, ImportLimits(**limits)) if limits else Source(path)


def _central(data: bytes) -> int:
    at = data.rfind(b"PK\x05\x06")
    central: int = struct.unpack_from("<I", data, at + 16)[0]
    return central


def _error(source: Source) -> InputError:
    with pytest.raises(InputError) as caught:
        read_apk(source)
    return caught.value


# ------------------------------------------------------------------------------------------------
# What an APK gives


def test_apk_gives_package_version_each_certificate_once_and_the_file_hash(tmp_path: Path) -> None:
    data = signed_apk(SIGNER, "com.example.notes", v3=True)
    inventory = read_apk(_source(tmp_path / "notes.apk", data))
    assert (inventory.platform, inventory.source_kind, inventory.where) == ("android", APK, "notes.apk")
    assert inventory.apps == [
        App(
            package="com.example.notes",
            where=(
                "AndroidManifest.xml; signing certificates in META-INF/CERT.EC, "
                "APK signing block (v2), APK signing block (v3)"
            ),
            certificates=(SIGNER.sha1,),
            version="2.4.1",
        )
    ]
    assert inventory.device == {"apk_sha256": hashlib.sha256(data).hexdigest()}
    assert inventory.notes == []
    assert len(SIGNER.sha1) == 40 and SIGNER.sha1 == SIGNER.sha1.upper()


def test_v1_only_app_gives_the_certificate_of_its_signature_file(tmp_path: Path) -> None:
    data = Apk(v1={"META-INF/CERT.RSA": pkcs7_signature(SIGNER)}).build()
    (app,) = read_apk(_source(tmp_path / "old.apk", data)).apps
    assert (app.certificates, app.where) == (
        (SIGNER.sha1,),
        "AndroidManifest.xml; signing certificates in META-INF/CERT.RSA",
    )


def test_rotated_key_and_second_signer_each_give_their_certificate_in_order(tmp_path: Path) -> None:
    third = make_signer("Co-signer")
    block = signing_block(
        [
            (V2, scheme_value([v2_signer([SIGNER.der]), v2_signer([third.der])])),
            (V3, scheme_value([v3_signer([ROTATED.der, SIGNER.der])])),
        ]
    )
    (app,) = read_apk(_source(tmp_path / "a.apk", Apk(block=block).build())).apps
    assert app.certificates == (SIGNER.sha1, third.sha1, ROTATED.sha1)
    assert (
        app.where
        == "AndroidManifest.xml; signing certificates in APK signing block (v2), APK signing block (v3)"
    )


@pytest.mark.parametrize(
    "options", [{"utf8": True}, {"strip_names": True}, {"utf8": True, "strip_names": True}], ids=str
)
def test_manifest_read_from_utf8_pools_and_from_stripped_attribute_names(options: dict[str, bool]) -> None:
    assert parse_manifest(manifest("org.example.a_b2", "7.0 beta", **options), "x.apk") == Manifest(
        "org.example.a_b2", "7.0 beta"
    )


def test_package_and_version_given_only_as_typed_values_are_read() -> None:
    attributes = [
        Attribute("versionName", "3.1", raw=False),
        Attribute("package", "com.example.typed", namespace=None, raw=False),
    ]
    assert parse_manifest(Axml(attributes).build(), "x.apk") == Manifest("com.example.typed", "3.1")


@pytest.mark.parametrize(
    "axml",
    [
        Axml([Attribute("versionName", "1.0")]).build(),  # no package attribute
        Axml([Attribute("package", "com.example.x", namespace=None)], tag="application").build(),
        Axml([Attribute("package", "../../etc/passwd", namespace=None)]).build(),
        Axml([Attribute("package", "com.example.\u202etxt", namespace=None)]).build(),
    ],
    ids=["no-package", "not-a-manifest-tag", "path-as-package", "control-character"],
)
def test_unreadable_package_uses_the_file_name_and_says_so(tmp_path: Path, axml: bytes) -> None:
    data = Apk(manifest=axml, v1={"META-INF/CERT.RSA": pkcs7_signature(SIGNER)}).build()
    inventory = read_apk(_source(tmp_path / "Update Service.apk", data))
    assert inventory.apps[0].package == "Update Service"
    assert inventory.notes == [
        "The app's package name could not be read from AndroidManifest.xml; the file name "
        "\u201cUpdate Service\u201d is used in its place."
    ]


def test_unsigned_app_is_read_and_the_missing_signature_noted(tmp_path: Path) -> None:
    inventory = read_apk(_source(tmp_path / "u.apk", Apk().build()))
    assert inventory.apps == [App("com.example.notes", "AndroidManifest.xml", version="2.4.1")]
    assert inventory.notes == ["The app carries no signing certificate that could be read."]


# ------------------------------------------------------------------------------------------------
# Matching


@pytest.fixture(scope="module")
def real_set() -> IndicatorSet:
    raw = IOC.read_bytes()
    return IndicatorSet(
        tuple(parse_ioc(raw, "ioc.yaml")), "test copy", FETCHED, hashlib.sha256(raw).hexdigest()
    )


def test_stalkerware_apk_is_found_by_its_package_name(tmp_path: Path, real_set: IndicatorSet) -> None:
    spy = planted_packages()[0]
    inventory = read_apk(_source(tmp_path / "sys.apk", signed_apk(SIGNER, spy)))
    findings = match(inventory, real_set).findings
    assert [(f.level, f.confidence, f.matched_on, f.package) for f in findings] == [
        ("known-stalkerware", "high", f"package name {spy}", spy)
    ]
    assert findings[0].title == "TheTruthSpy (stalkerware) (this app file)"


def test_renamed_stalkerware_is_found_by_its_signing_certificate(tmp_path: Path) -> None:
    listed = f"- name: Made Up Spy\n  type: stalkerware\n  certificates:\n  - {SIGNER.sha1}\n".encode()
    indicators = IndicatorSet(tuple(parse_ioc(listed, "ioc.yaml")), "test", FETCHED, "0" * 64)
    data = Apk(manifest=manifest("com.android.system.update"), block=signed_block(SIGNER)).build()
    findings = match(read_apk(_source(tmp_path / "update.apk", data)), indicators).findings
    assert [(f.matched_on, f.where) for f in findings] == [
        (
            f"signing certificate {SIGNER.sha1}",
            "AndroidManifest.xml; signing certificates in APK signing block (v2)",
        )
    ]


def test_ordinary_app_raises_no_alarm(tmp_path: Path, real_set: IndicatorSet) -> None:
    inventory = read_apk(_source(tmp_path / "notes.apk", signed_apk(SIGNER, "com.example.notes", v3=True)))
    assert match(inventory, real_set).findings == []


def signed_block(signer: Signer) -> bytes:
    return signing_block([(V2, scheme_value([v2_signer([signer.der])]))])


# ------------------------------------------------------------------------------------------------
# Recognising an APK


def test_sniff_needs_the_manifest_and_code_or_resources() -> None:
    assert sniff_apk(b"", ["AndroidManifest.xml", "classes.dex"]) is True
    assert sniff_apk(b"", ["AndroidManifest.xml", "resources.arsc", "META-INF/CERT.RSA"]) is True
    assert sniff_apk(b"", ["AndroidManifest.xml"]) is False
    assert sniff_apk(b"", ["classes.dex", "META-INF/MANIFEST.MF"]) is False
    assert sniff_apk(b"", ["base/manifest/AndroidManifest.xml", "base/dex/classes.dex"]) is False
    data = signed_apk(SIGNER)
    assert sniff_apk(data[:4096], None) is True  # a copy cut short is still recognised by its first names
    assert sniff_apk(b"PK\x03\x04" + b"\x00" * 100, None) is False
    assert sniff_apk(b"hello", None) is False


# ------------------------------------------------------------------------------------------------
# Hostile and damaged files


def test_not_a_zip_and_a_zip_that_is_not_an_app_are_refused(tmp_path: Path) -> None:
    error = _error(_source(tmp_path / "photo.apk", b"\xff\xd8\xff\xe0" + b"\x00" * 200))
    assert (error.file, error.place) == ("photo.apk", None)
    assert error.problem.startswith("this is not a zip archive; expected an Android app file")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n")
        archive.writestr("com/example/Main.class", b"\xca\xfe\xba\xbe")
    error = _error(_source(tmp_path / "tool.jar", buffer.getvalue()))
    assert error.problem.startswith("this zip is not an Android app")


def test_app_cut_short_is_refused_with_a_plain_reason(tmp_path: Path) -> None:
    data = signed_apk(SIGNER)
    error = _error(_source(tmp_path / "half.apk", data[: len(data) // 2]))
    assert error.problem == "this app file is cut short (its end is missing): copy it again"


def test_text_manifest_from_source_code_is_refused_at_byte_0(tmp_path: Path) -> None:
    text = b'<?xml version="1.0"?><manifest package="com.example"/>'
    error = _error(_source(tmp_path / "src.apk", Apk(manifest=text).build()))
    assert (error.file, error.place) == ("src.apk", "AndroidManifest.xml, byte 0")
    assert "not in Android's binary XML form" in error.problem


def test_huge_string_count_is_refused_naming_its_byte(tmp_path: Path) -> None:
    axml = bytearray(manifest())
    struct.pack_into("<I", axml, 16, 0x0FFFFFFF)  # file header (8) + pool's string count (8)
    error = _error(_source(tmp_path / "a.apk", Apk(manifest=bytes(axml)).build()))
    assert (error.place, error.problem) == (
        "AndroidManifest.xml, byte 16",
        "the string pool claims 268435455 strings (over 200000)",
    )


def test_lying_sizes_in_the_manifest_are_refused(tmp_path: Path) -> None:
    axml = bytearray(manifest())
    struct.pack_into("<I", axml, 4, len(axml) + 100)
    with pytest.raises(InputError) as caught:
        parse_manifest(bytes(axml), "a.apk")
    assert (caught.value.place, caught.value.problem) == (
        "AndroidManifest.xml, byte 0",
        f"the manifest says it is {len(axml) + 100} bytes long but has {len(axml)}",
    )
    axml = bytearray(manifest())
    struct.pack_into("<I", axml, 12, 0x7FFFFFF0)  # the string pool's own size
    with pytest.raises(InputError) as caught:
        parse_manifest(bytes(axml), "a.apk")
    assert caught.value.place == "AndroidManifest.xml, byte 8"
    assert caught.value.problem == "a part runs past the end of its data (the file is damaged or crafted)"


def test_string_offset_outside_the_pool_is_refused() -> None:
    axml = bytearray(manifest())
    strings_start = struct.unpack_from("<I", axml, 28)[0]
    struct.pack_into("<I", axml, 36, 0x00FFFFFF)  # the first string's offset (index at 8 + 28)
    assert strings_start > 0
    with pytest.raises(InputError) as caught:
        parse_manifest(bytes(axml), "a.apk")
    assert (
        caught.value.problem
        == "a string's length runs past the end of its data (the file is damaged or crafted)"
    )


def test_oversized_manifest_is_refused_before_it_is_read_whole(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(apk_module, "MAX_MANIFEST_BYTES", 1024)
    data = Apk(manifest=manifest() + b"\x00" * 4096).build()
    error = _error(_source(tmp_path / "big.apk", data))
    assert (error.place, error.problem) == (
        "entry 'AndroidManifest.xml'",
        "is larger than 0 MiB, which no app's is",
    )


def test_g15_manifest_bomb_is_stopped_by_the_archive_limits(tmp_path: Path) -> None:
    data = Apk(manifest=manifest() + b"\x00" * (3 * 1024 * 1024)).build()
    error = _error(_source(tmp_path / "bomb.apk", data, max_member_bytes=1024 * 1024))
    assert (error.place, error.problem) == (
        "entry 'AndroidManifest.xml'",
        "entry expands beyond 1048576 bytes",
    )


def test_damaged_signature_file_is_refused_naming_it(tmp_path: Path) -> None:
    data = Apk(v1={"META-INF/CERT.RSA": b"\x30\x82\x01\x00not pkcs7"}).build()
    error = _error(_source(tmp_path / "a.apk", data))
    assert (error.place, error.problem) == (
        "entry 'META-INF/CERT.RSA'",
        "the signature file cannot be read as a PKCS #7 signature",
    )


def test_signing_block_claiming_more_than_the_file_holds_is_refused(tmp_path: Path) -> None:
    data = bytearray(Apk(block=signed_block(SIGNER)).build())
    central = _central(bytes(data))
    struct.pack_into("<Q", data, central - 24, 1 << 40)
    error = _error(_source(tmp_path / "a.apk", bytes(data)))
    assert (error.place, error.problem) == (
        f"{BLOCK}, byte {central - 24}",
        f"the block claims {1 << 40} bytes",
    )


def test_signing_block_with_differing_size_fields_is_refused(tmp_path: Path) -> None:
    block = bytearray(signed_block(SIGNER))
    struct.pack_into("<Q", block, 0, 12)
    plain = Apk().build()
    start = _central(plain)
    error = _error(_source(tmp_path / "a.apk", Apk(block=bytes(block)).build()))
    assert (error.place, error.problem) == (f"{BLOCK}, byte {start}", "the block's two size fields differ")


def test_pair_with_lying_length_is_refused_naming_its_byte(tmp_path: Path) -> None:
    body = struct.pack("<QI", 1_000_000, V2) + b"\x00" * 40
    size = len(body) + 24
    block = struct.pack("<Q", size) + body + struct.pack("<Q", size) + b"APK Sig Block 42"
    start = _central(Apk().build())
    error = _error(_source(tmp_path / "a.apk", Apk(block=block).build()))
    assert (error.place, error.problem) == (f"{BLOCK}, byte {start + 8}", "a pair claims 1000000 bytes")


def test_certificate_length_past_its_signer_is_refused(tmp_path: Path) -> None:
    signer = bytearray(v2_signer([SIGNER.der]))
    # signer: len(signed) | len(digests) digests | len(certs) | len(cert 1) …: make cert 1 claim 64 KiB
    digests_length = struct.unpack_from("<I", signer, 4)[0]
    struct.pack_into("<I", signer, 8 + digests_length + 4, 65_536)
    block = signing_block([(V2, scheme_value([bytes(signer)]))])
    start = _central(Apk().build())
    error = _error(_source(tmp_path / "a.apk", Apk(block=block).build()))
    # block size 8, pair header 12, signer list 4, signer 4, signed data 4, digests, certificates 4, cert 4
    assert error.place == f"{BLOCK}, byte {start + 8 + 12 + 4 + 4 + 4 + 4 + digests_length + 4 + 4}"
    assert error.problem == "a certificate runs past the end of its data (the file is damaged or crafted)"


def test_certificate_that_is_not_der_is_refused(tmp_path: Path) -> None:
    block = signing_block([(V2, scheme_value([v2_signer([b"-----BEGIN CERTIFICATE-----"])]))])
    error = _error(_source(tmp_path / "a.apk", Apk(block=block).build()))
    assert error.problem == "a certificate is not in DER form"


def test_unknown_pairs_and_padding_are_passed_over() -> None:
    block = signing_block([(0x504B4453, b"\x01" * 30), (V2, scheme_value([v2_signer([SIGNER.der])]))])
    data = Apk(block=block).build()
    assert signing_block_certificates(io.BytesIO(data), "a.apk") == [(SIGNER.sha1, "v2")]
    assert signing_block_certificates(io.BytesIO(Apk().build()), "a.apk") == []


# ------------------------------------------------------------------------------------------------
# Any bytes: a result or InputError, never another exception (G-17)


def _mutations() -> st.SearchStrategy[bytes]:
    base = manifest()
    flips = st.lists(st.tuples(st.integers(0, len(base) - 1), st.integers(0, 255)), min_size=1, max_size=8)
    flipped = flips.map(lambda changes: _apply(base, changes))
    cut = st.integers(0, len(base)).map(lambda n: base[:n])
    return st.one_of(st.binary(max_size=600), flipped, cut)


def _apply(base: bytes, changes: list[tuple[int, int]]) -> bytes:
    data = bytearray(base)
    for at, value in changes:
        data[at] = value
    return bytes(data)


@settings(max_examples=400, deadline=None)
@given(_mutations())
def test_g17_any_manifest_bytes_give_a_manifest_or_input_error(data: bytes) -> None:
    try:
        result = parse_manifest(data, "fuzz.apk")
    except InputError as error:
        assert error.file == "fuzz.apk" and error.place is not None and "byte " in error.place
    else:
        assert isinstance(result, Manifest)


_SIGNED = signed_apk(SIGNER, v3=True)
_BLOCK_SIZE = struct.unpack_from("<Q", _SIGNED, _central(_SIGNED) - 24)[0]
_BLOCK_AT = _central(_SIGNED) - _BLOCK_SIZE - 8


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 1400), st.integers(0, 255)), min_size=1, max_size=6))
def test_g17_any_signing_block_gives_certificates_or_input_error(changes: list[tuple[int, int]]) -> None:
    data = bytearray(_SIGNED)
    end = _central(_SIGNED)
    for at, value in changes:
        data[min(_BLOCK_AT + at, end - 1)] = value  # inside the signing block
    try:
        found = signing_block_certificates(io.BytesIO(bytes(data)), "fuzz.apk")
    except InputError as error:
        assert error.file == "fuzz.apk"
    else:
        assert all(len(digest) == 40 for digest, _ in found)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_SIGNED) - 1), st.integers(0, 255)), min_size=1, max_size=6))
def test_g17_any_damage_to_an_apk_gives_an_inventory_or_input_error(changes: list[tuple[int, int]]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        source = Source(Path(folder) / "fuzz.apk")
        source.path.write_bytes(_apply(_SIGNED, changes))
        try:
            inventory = read_apk(source)
        except InputError as error:
            assert error.file == "fuzz.apk"
        else:
            assert len(inventory.apps) == 1 and inventory.apps[0].where.startswith(MANIFEST)
        finally:
            source.close()
