"""An Android app file (APK) read into an ``Inventory`` of one app: its package name, its version, the
SHA-1 of every certificate it was signed with, and the SHA-256 of the file itself.

The signing certificate says who made an app whatever it is called, so an APK found on a phone or
sent to the victim can be recognised by the stalkerware indicators even under a new name. Nothing is
installed, run or unpacked: the binary manifest (AXML), the v1 signature files (``META-INF/*.RSA``,
``*.DSA``, ``*.EC``: PKCS #7) and the APK Signing Block (schemes v2 and v3, just before the zip's
central directory) are parsed by bounded readers that check every length against the bytes actually
there. The file may have been crafted, so any structure that does not hold raises ``InputError``
naming the file and the byte offset, never another exception.
"""

from __future__ import annotations

import hashlib
import re
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import PurePosixPath
from typing import IO

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import pkcs7

from casetrail.errors import InputError
from casetrail.ingest.archive import SafeZip
from casetrail.ingest.source import Source
from casetrail.safety.inventory import App, Inventory

APK = "android-apk"
MANIFEST = "AndroidManifest.xml"
MIB = 1024 * 1024
MAX_MANIFEST_BYTES = 4 * MIB  # real manifests are a few KiB to a few hundred KiB
MAX_SIGNATURE_FILE_BYTES = 1 * MIB  # a PKCS #7 file holds a few certificates
MAX_SIGNATURE_FILES = 16
MAX_SIGNING_BLOCK = 16 * MIB  # real blocks are a few KiB (plus padding to 4 KiB)
MAX_STRINGS = 200_000  # string pool entries
MAX_CHUNKS = 100_000  # AXML chunks looked at before the manifest tag
MAX_ITEMS = 256  # signers, certificates per signer, ID-value pairs
EXPECTED = "expected an Android app file (.apk): a zip holding AndroidManifest.xml and classes.dex"

#: APK Signing Block: its magic, and the IDs of the signature schemes whose signers carry certificates.
BLOCK_MAGIC = b"APK Sig Block 42"
SCHEMES = {0x7109871A: "v2", 0xF05368C0: "v3", 0x1B93AD61: "v3.1"}

_RES_XML, _STRING_POOL, _START_ELEMENT, _RESOURCE_MAP = 0x0003, 0x0001, 0x0102, 0x0180
_UTF8_FLAG = 0x100
_NO_INDEX = 0xFFFFFFFF
_TYPE_STRING = 0x03
_VERSION_NAME_ID = 0x0101021C  # android:versionName's resource id (names may be stripped)
_EOCD = b"PK\x05\x06"
_EOCD_SIZE = 22
_PACKAGE = re.compile(r"[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)*")
_SIGNATURE_FILE = re.compile(r"META-INF/[^/]+\.(?:RSA|DSA|EC)", re.IGNORECASE)
_ZIPPED_APP = re.compile(rb"PK\x03\x04.{26}(?:AndroidManifest\.xml|classes\.dex|resources\.arsc)", re.DOTALL)


@dataclass(frozen=True)
class Manifest:
    """What the binary manifest says (None when it does not say, or says it in a form not kept)."""

    package: str | None
    version: str | None


@dataclass
class Signers:
    """Certificate SHA-1s in the order first found, each with every place it was found."""

    places: dict[str, list[str]] = field(default_factory=dict)

    def add(self, digest: str, where: str) -> None:
        found = self.places.setdefault(digest, [])
        if where not in found:
            found.append(where)

    def digests(self) -> tuple[str, ...]:
        return tuple(self.places)

    def where(self) -> list[str]:
        return list(dict.fromkeys(place for places in self.places.values() for place in places))


# ---------------------------------------------------------------------------------------------------
# Recognising and reading an APK


def sniff_apk(head: bytes, names: list[str] | None) -> bool:
    """A zip holding an app's manifest and its code or resources (cheap; member names or first bytes).

    With ``names`` None (not a readable zip), a zip cut short is still recognised by the first
    member names in ``head``, so reading it gives a clear error instead of "unknown format".
    """
    if names is not None:
        return MANIFEST in names and ("classes.dex" in names or "resources.arsc" in names)
    return head.startswith(b"PK\x03\x04") and _ZIPPED_APP.search(head[:4096]) is not None


def read_apk(source: Source) -> Inventory:
    """The one app in an APK, with its signing certificates' SHA-1 and the file's SHA-256."""
    name = source.name
    if not source.is_zip():
        if sniff_apk(source.head(), None):
            raise InputError(name, None, "this app file is cut short (its end is missing): copy it again")
        raise InputError(name, None, f"this is not a zip archive; {EXPECTED}")
    archive = source.archive()
    names = archive.names()
    if not sniff_apk(b"", names):
        raise InputError(name, None, f"this zip is not an Android app; {EXPECTED}")
    inventory = Inventory(platform="android", source_kind=APK, where=name)
    manifest = parse_manifest(_member(archive, MANIFEST, MAX_MANIFEST_BYTES), name)
    signers = Signers()
    for member in _signature_files(names, inventory):
        for digest in v1_certificates(_member(archive, member, MAX_SIGNATURE_FILE_BYTES), name, member):
            signers.add(digest, member)
    with source.open() as handle:
        for digest, scheme in signing_block_certificates(handle, name):
            signers.add(digest, f"APK signing block ({scheme})")
        handle.seek(0)
        inventory.device["apk_sha256"] = _sha256(handle)
    inventory.apps.append(_app(manifest, signers, source, inventory))
    return inventory


def _app(manifest: Manifest, signers: Signers, source: Source, inventory: Inventory) -> App:
    package = manifest.package
    if package is None:
        package = PurePosixPath(source.name).stem or source.name
        inventory.notes.append(
            f"The app's package name could not be read from {MANIFEST}; the file name "
            f"\u201c{package}\u201d is used in its place."
        )
    if not signers.places:
        inventory.notes.append("The app carries no signing certificate that could be read.")
    where = MANIFEST
    if signers.places:
        where += "; signing certificates in " + ", ".join(signers.where())
    return App(package=package, where=where, certificates=signers.digests(), version=manifest.version)


def _member(archive: SafeZip, member: str, limit: int) -> bytes:
    """A member's bytes, at most ``limit`` (counted as they are produced, through SafeZip's limits)."""
    chunks: list[bytes] = []
    size = 0
    for chunk in archive.read_chunks(member):
        size += len(chunk)
        if size > limit:
            raise InputError(
                archive.display, f"entry {member!r}", f"is larger than {limit // MIB} MiB, which no app's is"
            )
        chunks.append(chunk)
    return b"".join(chunks)


def _signature_files(names: list[str], inventory: Inventory) -> list[str]:
    found = sorted(name for name in names if _SIGNATURE_FILE.fullmatch(name))
    if len(found) > MAX_SIGNATURE_FILES:
        inventory.notes.append(
            f"The app has {len(found)} signature files; only the first {MAX_SIGNATURE_FILES} were read."
        )
    return found[:MAX_SIGNATURE_FILES]


def _sha256(handle: IO[bytes]) -> str:
    digest = hashlib.sha256()
    while chunk := handle.read(MIB):
        digest.update(chunk)
    return digest.hexdigest()


def _sha1(der: bytes) -> str:
    """The certificate fingerprint the indicators list: SHA-1 of its DER bytes, upper-case hex."""
    return hashlib.sha1(der, usedforsecurity=False).hexdigest().upper()


# ---------------------------------------------------------------------------------------------------
# v1 signatures (JAR signing): PKCS #7 files in META-INF


def v1_certificates(data: bytes, file: str, member: str) -> list[str]:
    """SHA-1 of each certificate in a v1 signature file (PKCS #7, DER)."""
    try:
        certificates = pkcs7.load_der_pkcs7_certificates(data)
    except (ValueError, TypeError, UnsupportedAlgorithm):
        raise InputError(
            file, f"entry {member!r}", "the signature file cannot be read as a PKCS #7 signature"
        ) from None
    return [c.fingerprint(hashes.SHA1()).hex().upper() for c in certificates]  # noqa: S303


# ---------------------------------------------------------------------------------------------------
# Bounded little-endian reading


class _Bytes:
    """A window ``[start, end)`` of ``data`` whose reads are checked; ``base`` turns offsets into
    the file's (or the manifest's) own, for the error message."""

    def __init__(self, data: bytes, file: str, place: str, start: int = 0, end: int | None = None) -> None:
        self.data, self.file, self.place = data, file, place
        self.start, self.end = start, len(data) if end is None else end
        self.base = 0

    def fail(self, offset: int, problem: str) -> InputError:
        return InputError(self.file, f"{self.place}, byte {self.base + offset}", problem)

    def need(self, offset: int, size: int, what: str) -> None:
        if size < 0 or offset < self.start or offset + size > self.end:
            raise self.fail(offset, f"{what} runs past the end of its data (the file is damaged or crafted)")

    def u8(self, offset: int, what: str) -> int:
        self.need(offset, 1, what)
        return self.data[offset]

    def u16(self, offset: int, what: str) -> int:
        self.need(offset, 2, what)
        value: int = struct.unpack_from("<H", self.data, offset)[0]
        return value

    def u32(self, offset: int, what: str) -> int:
        self.need(offset, 4, what)
        value: int = struct.unpack_from("<I", self.data, offset)[0]
        return value

    def u64(self, offset: int, what: str) -> int:
        self.need(offset, 8, what)
        value: int = struct.unpack_from("<Q", self.data, offset)[0]
        return value

    def window(self, start: int, end: int) -> _Bytes:
        inner = _Bytes(self.data, self.file, self.place, start, end)
        inner.base = self.base
        return inner


# ---------------------------------------------------------------------------------------------------
# The binary manifest (AXML)


def parse_manifest(data: bytes, file: str) -> Manifest:
    """Package and version name from the first ``manifest`` tag of a binary AndroidManifest.xml."""
    raw = _Bytes(data, file, MANIFEST)
    if raw.u16(0, "the file header") != _RES_XML:
        raise raw.fail(0, "the manifest is not in Android's binary XML form (is this an app's source code?)")
    header_size, size = raw.u16(2, "the file header"), raw.u32(4, "the file header")
    if header_size < 8 or size < header_size or size > len(data):
        raise raw.fail(0, f"the manifest says it is {size} bytes long but has {len(data)}")
    document = raw.window(0, size)
    pool: _StringPool | None = None
    resources: _Bytes | None = None
    offset = header_size
    for _ in range(MAX_CHUNKS):
        if offset >= size:
            return Manifest(None, None)  # no start tag at all
        kind, chunk_header, chunk_size = _chunk(document, offset)
        chunk = document.window(offset, offset + chunk_size)
        if kind == _STRING_POOL and pool is None:
            pool = _StringPool(chunk, offset, chunk_header)
        elif kind == _RESOURCE_MAP and resources is None:
            resources = chunk.window(offset + chunk_header, offset + chunk_size)
        elif kind == _START_ELEMENT:
            if pool is None:
                raise raw.fail(offset, "a tag comes before the string pool it needs")
            return _manifest_tag(chunk, offset, chunk_header, pool, resources)
        offset += chunk_size
    raise raw.fail(offset, f"more than {MAX_CHUNKS} parts before the first tag")


def _chunk(document: _Bytes, offset: int) -> tuple[int, int, int]:
    kind = document.u16(offset, "a part's header")
    header, size = document.u16(offset + 2, "a part's header"), document.u32(offset + 4, "a part's header")
    if header < 8 or size < header or size % 4:
        raise document.fail(offset, f"a part has impossible sizes (header {header}, size {size})")
    document.need(offset, size, "a part")
    return kind, header, size


class _StringPool:
    """The manifest's strings, decoded one at a time when asked for (a crafted pool may be huge)."""

    def __init__(self, chunk: _Bytes, offset: int, header: int) -> None:
        if header < 28:
            raise chunk.fail(offset, "the string pool's header is too short")
        self.chunk, self.end = chunk, chunk.end
        self.count = chunk.u32(offset + 8, "the string pool's header")
        flags = chunk.u32(offset + 16, "the string pool's header")
        strings_start = chunk.u32(offset + 20, "the string pool's header")
        self.utf8 = bool(flags & _UTF8_FLAG)
        self.offsets = offset + header
        if self.count > MAX_STRINGS:
            raise chunk.fail(offset + 8, f"the string pool claims {self.count} strings (over {MAX_STRINGS})")
        chunk.need(self.offsets, 4 * self.count, "the string pool's index")
        self.strings = offset + strings_start
        if self.count and not (self.offsets + 4 * self.count <= self.strings < self.end):
            raise chunk.fail(offset + 20, "the string pool's text starts outside the pool")

    def get(self, index: int) -> str | None:
        if index == _NO_INDEX:
            return None
        if index >= self.count:
            raise self.chunk.fail(self.offsets, f"string {index} is asked for but the pool has {self.count}")
        start = self.strings + self.chunk.u32(self.offsets + 4 * index, "the string pool's index")
        return self._utf8(start) if self.utf8 else self._utf16(start)

    def _utf16(self, at: int) -> str:
        length = self.chunk.u16(at, "a string's length")
        at += 2
        if length & 0x8000:
            length = ((length & 0x7FFF) << 16) | self.chunk.u16(at, "a string's length")
            at += 2
        self.chunk.need(at, 2 * length, "a string")
        return self.chunk.data[at : at + 2 * length].decode("utf-16-le", "replace")

    def _utf8(self, at: int) -> str:
        for _ in range(2):  # the length in characters, then in bytes: each one or two bytes
            length = self.chunk.u8(at, "a string's length")
            at += 1
            if length & 0x80:
                length = ((length & 0x7F) << 8) | self.chunk.u8(at, "a string's length")
                at += 1
        self.chunk.need(at, length, "a string")
        return self.chunk.data[at : at + length].decode("utf-8", "replace")


def _manifest_tag(
    chunk: _Bytes, offset: int, header: int, pool: _StringPool, resources: _Bytes | None
) -> Manifest:
    """The attributes of the first tag, if it is ``manifest`` (every real manifest starts with it)."""
    ext = offset + header
    if pool.get(chunk.u32(ext + 4, "the tag")) != "manifest":
        return Manifest(None, None)
    start, size = chunk.u16(ext + 8, "the tag"), chunk.u16(ext + 10, "the tag")
    count = chunk.u16(ext + 12, "the tag")
    if size < 20:
        raise chunk.fail(ext + 10, f"the tag's attributes are {size} bytes each (at least 20 are needed)")
    chunk.need(ext + start, size * count, "the tag's attribute list")
    package = version = None
    for number in range(count):
        at = ext + start + number * size
        name_index = chunk.u32(at + 4, "an attribute")
        name = pool.get(name_index)
        if name in ("package", "versionName") or _resource_id(resources, name_index) == _VERSION_NAME_ID:
            value = _string_value(chunk, at, pool)
            if name == "package":
                package = value
            else:
                version = value
    return Manifest(_kept_package(package), _kept_version(version))


def _resource_id(resources: _Bytes | None, index: int) -> int | None:
    if resources is None or index >= (resources.end - resources.start) // 4:
        return None
    return resources.u32(resources.start + 4 * index, "the resource map")


def _string_value(chunk: _Bytes, at: int, pool: _StringPool) -> str | None:
    raw_index = chunk.u32(at + 8, "an attribute")
    if raw_index != _NO_INDEX:
        return pool.get(raw_index)
    if chunk.u8(at + 15, "an attribute") == _TYPE_STRING:
        return pool.get(chunk.u32(at + 16, "an attribute"))
    return None  # a number or a reference to a resource: not kept


def _kept_package(value: str | None) -> str | None:
    return value if value and len(value) <= 255 and _PACKAGE.fullmatch(value) else None


def _kept_version(value: str | None) -> str | None:
    value = (value or "").strip()
    return value if value and len(value) <= 128 and value.isprintable() else None


# ---------------------------------------------------------------------------------------------------
# The APK Signing Block (schemes v2, v3, v3.1)


def signing_block_certificates(handle: IO[bytes], file: str) -> list[tuple[str, str]]:
    """(SHA-1, scheme) of every signer's certificates in the APK Signing Block; [] when there is none
    (an app signed with v1 only)."""
    handle.seek(0, 2)
    size = handle.tell()
    central = _central_directory(handle, size, file)
    if central is None or central < 32:
        return []
    handle.seek(central - 24)
    footer = handle.read(24)
    if len(footer) != 24 or footer[8:] != BLOCK_MAGIC:
        return []
    block_size: int = struct.unpack_from("<Q", footer)[0]
    start = central - block_size - 8
    if block_size < 24 or block_size > MAX_SIGNING_BLOCK or start < 0:
        raise InputError(
            file, f"APK signing block, byte {central - 24}", f"the block claims {block_size} bytes"
        )
    handle.seek(start)
    block = _Bytes(handle.read(block_size + 8), file, "APK signing block")
    block.base = start
    if block.end != block_size + 8 or block.u64(0, "the block's size") != block_size:
        raise block.fail(0, "the block's two size fields differ")
    found: list[tuple[str, str]] = []
    for scheme_id, value in _pairs(block.window(8, block.end - 24)):
        scheme = SCHEMES.get(scheme_id)
        if scheme is not None:
            found.extend((digest, scheme) for digest in _scheme_certificates(value))
    return found


def _central_directory(handle: IO[bytes], size: int, file: str) -> int | None:
    """The central directory's offset from the end-of-central-directory record (None: zip64)."""
    tail_size = min(size, _EOCD_SIZE + 0xFFFF)
    handle.seek(size - tail_size)
    tail = handle.read(tail_size)
    at = tail.rfind(_EOCD)
    while at >= 0 and not _is_end_record(tail, at):
        at = tail.rfind(_EOCD, 0, at)
    if at < 0:
        raise InputError(file, None, "the zip's end record is missing")
    central: int = struct.unpack_from("<I", tail, at + 16)[0]
    if central == 0xFFFFFFFF:
        return None  # zip64, which Android does not allow for apps
    if central > size - tail_size + at:
        raise InputError(file, f"byte {size - tail_size + at}", "the zip's end record points past itself")
    return central


def _is_end_record(tail: bytes, at: int) -> bool:
    """The record's comment reaches exactly to the end of the file (the magic may appear in a comment)."""
    if at + _EOCD_SIZE > len(tail):
        return False
    comment: int = struct.unpack_from("<H", tail, at + 20)[0]
    return at + _EOCD_SIZE + comment == len(tail)


def _pairs(region: _Bytes) -> Iterator[tuple[int, _Bytes]]:
    """The block's ID-value pairs: each a u64 length, then a u32 ID and the value."""
    at = region.start
    for _ in range(MAX_ITEMS * 4):
        if at >= region.end:
            return
        length = region.u64(at, "a pair's length")
        if length < 4 or length > region.end - at - 8:
            raise region.fail(at, f"a pair claims {length} bytes")
        yield region.u32(at + 8, "a pair's ID"), region.window(at + 12, at + 8 + length)
        at += 8 + length
    raise region.fail(at, f"more than {MAX_ITEMS * 4} pairs")


def _prefixed(data: _Bytes, at: int, what: str) -> _Bytes:
    """A u32-length-prefixed item starting at ``at``."""
    length = data.u32(at, what)
    data.need(at + 4, length, what)
    return data.window(at + 4, at + 4 + length)


def _sequence(data: _Bytes, what: str) -> Iterator[_Bytes]:
    """The length-prefixed items filling ``data``."""
    at = data.start
    for _ in range(MAX_ITEMS):
        if at >= data.end:
            return
        item = _prefixed(data, at, f"a {what}")
        yield item
        at = item.end
    raise data.fail(at, f"more than {MAX_ITEMS} {what}s")


def _scheme_certificates(value: _Bytes) -> Iterator[str]:
    """signers → signer → signed data → (digests, certificates, …) → each certificate (DER)."""
    signers = _prefixed(value, value.start, "the signer list")
    for signer in _sequence(signers, "signer"):
        signed = _prefixed(signer, signer.start, "a signer's signed data")
        digests = _prefixed(signed, signed.start, "a signer's digest list")
        certificates = _prefixed(signed, digests.end, "a signer's certificate list")
        for certificate in _sequence(certificates, "certificate"):
            der = certificate.data[certificate.start : certificate.end]
            if not der.startswith(b"\x30"):
                raise certificate.fail(certificate.start, "a certificate is not in DER form")
            yield _sha1(der)
