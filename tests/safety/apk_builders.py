"""Android app files (APKs) built in the test: a binary manifest (AXML) written here, a v1 signature
(PKCS #7, detached) made with ``cryptography`` and an APK Signing Block (v2/v3) put together by hand.

The shapes follow the Android formats: the AXML writer makes a UTF-16 or UTF-8 string pool, a
resource map, a namespace and a ``manifest`` tag with typed attributes; the signing block sits just
before the zip's central directory, whose offset in the end record is moved to match.
"""

from __future__ import annotations

import io
import struct
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import pkcs7
from cryptography.x509.oid import NameOID

V2, V3 = 0x7109871A, 0xF05368C0
PADDING_ID = 0x42726577  # the "verity padding" pair real blocks carry
ANDROID_NS = "http://schemas.android.com/apk/res/android"
VERSION_CODE_ID, VERSION_NAME_ID = 0x0101021B, 0x0101021C


# ------------------------------------------------------------------------------------------------
# Certificates


@dataclass(frozen=True)
class Signer:
    key: ec.EllipticCurvePrivateKey
    certificate: x509.Certificate

    @property
    def der(self) -> bytes:
        return self.certificate.public_bytes(serialization.Encoding.DER)

    @property
    def sha1(self) -> str:
        return self.certificate.fingerprint(hashes.SHA1()).hex().upper()  # noqa: S303


def make_signer(name: str) -> Signer:
    """A self-signed certificate for a made-up developer."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    start = datetime(2024, 1, 1, tzinfo=UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=3650))
        .sign(key, hashes.SHA256())
    )
    return Signer(key, certificate)


def pkcs7_signature(signer: Signer, content: bytes = b"Signature-Version: 1.0\r\n") -> bytes:
    """A detached PKCS #7 signature in DER, as META-INF/CERT.RSA (or .EC) holds."""
    return (
        pkcs7.PKCS7SignatureBuilder()
        .set_data(content)
        .add_signer(signer.certificate, signer.key, hashes.SHA256())
        .sign(serialization.Encoding.DER, [pkcs7.PKCS7Options.DetachedSignature])
    )


# ------------------------------------------------------------------------------------------------
# Binary XML (AXML)


def _chunk(kind: int, header: bytes, body: bytes) -> bytes:
    """A chunk: type, header size, total size, the rest of the header, the body (padded to 4)."""
    body += b"\x00" * (-len(body) % 4)
    return struct.pack("<HHI", kind, 8 + len(header), 8 + len(header) + len(body)) + header + body


def _string_utf16(text: str) -> bytes:
    encoded = text.encode("utf-16-le")
    return struct.pack("<H", len(encoded) // 2) + encoded + b"\x00\x00"


def _string_utf8(text: str) -> bytes:
    encoded = text.encode("utf-8")
    return bytes([len(text), len(encoded)]) + encoded + b"\x00"


def string_pool(strings: list[str], utf8: bool = False) -> bytes:
    encode = _string_utf8 if utf8 else _string_utf16
    data, offsets = b"", []
    for text in strings:
        offsets.append(len(data))
        data += encode(text)
    index = b"".join(struct.pack("<I", o) for o in offsets)
    header = struct.pack("<IIIII", len(strings), 0, 0x100 if utf8 else 0, 28 + len(index), 0)
    return _chunk(0x0001, header, index + data)


@dataclass
class Attribute:
    name: str
    value: str | int
    namespace: str | None = ANDROID_NS
    raw: bool = True  # a string value also kept as its raw string (aapt does this)


@dataclass
class Axml:
    """A manifest's first tag and its attributes, written the way aapt2 does."""

    attributes: list[Attribute] = field(default_factory=list)
    tag: str = "manifest"
    utf8: bool = False
    resource_ids: dict[str, int] = field(
        default_factory=lambda: {"versionCode": VERSION_CODE_ID, "versionName": VERSION_NAME_ID}
    )
    strip_names: bool = False  # obfuscators blank attribute names, leaving the resource map

    def build(self) -> bytes:
        with_ids = [a.name for a in self.attributes if a.name in self.resource_ids]
        strings = [*with_ids]
        for value in [a.name for a in self.attributes] + ["android", ANDROID_NS, self.tag]:
            if value not in strings:
                strings.append(value)
        for attribute in self.attributes:
            if isinstance(attribute.value, str) and attribute.value not in strings:
                strings.append(attribute.value)
        shown = ["" if self.strip_names and s in with_ids else s for s in strings]
        pool = string_pool(shown, self.utf8)
        ids = b"".join(struct.pack("<I", self.resource_ids[name]) for name in with_ids)
        resource_map = _chunk(0x0180, b"", ids)
        node = struct.pack("<II", 1, 0xFFFFFFFF)
        namespace = _chunk(
            0x0100, node, struct.pack("<II", strings.index("android"), strings.index(ANDROID_NS))
        )
        attrs = b"".join(self._attribute(a, strings) for a in self.attributes)
        ext = struct.pack(
            "<IIHHHHHH", 0xFFFFFFFF, strings.index(self.tag), 20, 20, len(self.attributes), 0, 0, 0
        )
        start = _chunk(0x0102, node, ext + attrs)
        end = _chunk(0x0103, node, struct.pack("<II", 0xFFFFFFFF, strings.index(self.tag)))
        body = pool + resource_map + namespace + start + end
        return struct.pack("<HHI", 0x0003, 8, 8 + len(body)) + body

    @staticmethod
    def _attribute(attribute: Attribute, strings: list[str]) -> bytes:
        namespace = strings.index(ANDROID_NS) if attribute.namespace else 0xFFFFFFFF
        name = strings.index(attribute.name)
        if isinstance(attribute.value, str):
            index = strings.index(attribute.value)
            raw = index if attribute.raw else 0xFFFFFFFF
            return struct.pack("<IIIHBBI", namespace, name, raw, 8, 0, 0x03, index)
        return struct.pack("<IIIHBBI", namespace, name, 0xFFFFFFFF, 8, 0, 0x10, attribute.value)


def manifest(package: str = "com.example.notes", version: str = "2.4.1", **options: object) -> bytes:
    attributes = [
        Attribute("versionCode", 241),
        Attribute("versionName", version),
        Attribute("package", package, namespace=None),
    ]
    return Axml(attributes, **options).build()  # type: ignore[arg-type]


# ------------------------------------------------------------------------------------------------
# The APK Signing Block


def _lp(data: bytes) -> bytes:
    return struct.pack("<I", len(data)) + data


def _seq(items: list[bytes]) -> bytes:
    return b"".join(_lp(item) for item in items)


def v2_signer(certificates: list[bytes]) -> bytes:
    digests = _seq([struct.pack("<I", 0x0103) + _lp(b"\x11" * 32)])
    signed = _lp(digests) + _lp(_seq(certificates)) + _lp(b"")
    return _lp(signed) + _lp(_seq([struct.pack("<I", 0x0103) + _lp(b"\x22" * 64)])) + _lp(b"\x33" * 91)


def v3_signer(certificates: list[bytes]) -> bytes:
    digests = _seq([struct.pack("<I", 0x0103) + _lp(b"\x11" * 32)])
    signed = _lp(digests) + _lp(_seq(certificates)) + struct.pack("<II", 24, 0x7FFFFFFF) + _lp(b"")
    tail = _lp(_seq([struct.pack("<I", 0x0103) + _lp(b"\x22" * 64)])) + _lp(b"\x33" * 91)
    return _lp(signed) + struct.pack("<II", 24, 0x7FFFFFFF) + tail


def scheme_value(signers: list[bytes]) -> bytes:
    return _lp(_seq(signers))


def signing_block(pairs: list[tuple[int, bytes]]) -> bytes:
    body = b"".join(struct.pack("<QI", 4 + len(value), pair_id) + value for pair_id, value in pairs)
    size = len(body) + 8 + 16
    return struct.pack("<Q", size) + body + struct.pack("<Q", size) + b"APK Sig Block 42"


def insert_block(apk: bytes, block: bytes) -> bytes:
    """Put ``block`` just before the central directory and move the end record's offset to match."""
    at = apk.rfind(b"PK\x05\x06")
    central = struct.unpack_from("<I", apk, at + 16)[0]
    end = bytearray(apk[at:])
    struct.pack_into("<I", end, 16, central + len(block))
    return apk[:central] + block + apk[central:at] + bytes(end)


# ------------------------------------------------------------------------------------------------
# The APK


@dataclass
class Apk:
    """An APK's parts; ``build`` gives its bytes."""

    manifest: bytes | None = field(default_factory=manifest)
    v1: dict[str, bytes] = field(default_factory=dict)  # META-INF/CERT.RSA → PKCS #7
    block: bytes | None = None
    extra: dict[str, bytes] = field(default_factory=lambda: {"classes.dex": b"dex\n035\x00" + b"\x00" * 64})

    def build(self) -> bytes:
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            if self.manifest is not None:
                archive.writestr("AndroidManifest.xml", self.manifest)
            for name, data in self.extra.items():
                archive.writestr(name, data)
            archive.writestr("resources.arsc", b"\x02\x00\x0c\x00" + b"\x00" * 60, zipfile.ZIP_STORED)
            if self.v1:
                archive.writestr("META-INF/MANIFEST.MF", b"Manifest-Version: 1.0\r\n")
            for name, data in self.v1.items():
                archive.writestr(name, data)
        data = buffer.getvalue()
        return insert_block(data, self.block) if self.block is not None else data


def signed_apk(signer: Signer, package: str = "com.example.notes", *, v3: bool = False) -> bytes:
    """An APK signed the way apksigner signs today: v1, v2 (and v3) with the same certificate."""
    pairs = [(V2, scheme_value([v2_signer([signer.der])]))]
    if v3:
        pairs.append((V3, scheme_value([v3_signer([signer.der])])))
    pairs.append((PADDING_ID, b"\x00" * 100))
    return Apk(
        manifest=manifest(package),
        v1={"META-INF/CERT.EC": pkcs7_signature(signer)},
        block=signing_block(pairs),
    ).build()
