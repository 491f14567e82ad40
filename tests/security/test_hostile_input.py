"""G-14, G-15, G-17, G-18: archives and malformed files cannot write outside the case or half-import."""

from __future__ import annotations

import functools
import os
import struct
import tempfile
import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.errors import ArchiveTooLarge, InputError, UnsafeArchiveMember
from casetrail.importers.registry import discover
from casetrail.ingest.archive import SafeZip
from casetrail.ingest.limits import ImportLimits
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, timeline
from tests.helpers import android_lines, make_zip, table_hashes, tree_listing

CHAT = b"[07/01/2025, 10:00:00] Casey Marsh: hello\r\n"


def symlink_member() -> zipfile.ZipInfo:
    info = zipfile.ZipInfo("photo.jpg")
    info.external_attr = 0o120777 << 16
    return info


UNSAFE: dict[str, tuple[str | zipfile.ZipInfo, bytes]] = {
    "parent": ("../x.jpg", b"x"),
    "absolute": ("/abs.jpg", b"x"),
    "drive": ("C:\\x.jpg", b"x"),
    "backslash-parent": ("..\\x.jpg", b"x"),
    "nul": ("a\x00b.jpg", b"x"),
    "symlink": (symlink_member(), b"/etc/passwd"),
}


@pytest.mark.parametrize("kind", [*UNSAFE, "duplicate"])
def test_g14_unsafe_archive_members_are_refused(new_case: Case, tmp_path: Path, kind: str) -> None:
    work = tmp_path / "work"
    work.mkdir()
    archive = work / "export.zip"
    if kind == "nul":  # zipfile cuts names at NUL when writing, so patch the bytes afterwards
        make_zip(archive, [("_chat.txt", CHAT), ("a\x01b.jpg", b"x")])
        archive.write_bytes(archive.read_bytes().replace(b"a\x01b.jpg", b"a\x00b.jpg"))
    elif kind == "duplicate":
        with pytest.warns(UserWarning, match="Duplicate name"):
            make_zip(archive, [("_chat.txt", CHAT), ("_chat.txt", CHAT)])
    else:
        make_zip(archive, [("_chat.txt", CHAT), UNSAFE[kind]])
    before_tables = table_hashes(new_case)
    before_tree = tree_listing(tmp_path)
    cwd = Path.cwd()
    os.chdir(work)
    try:
        with pytest.raises(UnsafeArchiveMember) as raised:
            import_file(new_case, archive)
    finally:
        os.chdir(cwd)
    assert "export.zip" in str(raised.value) and "entry" in str(raised.value)
    assert table_hashes(new_case) == before_tables
    new_files = tree_listing(tmp_path) - before_tree
    assert all(name.startswith("case/") for name in new_files), new_files


def limits(**overrides: int) -> ImportLimits:
    base = {
        "max_member_bytes": 1 << 20,
        "max_total_bytes": 4 << 20,
        "max_members": 1000,
        "max_ratio": 100,
        "ratio_floor_bytes": 256 << 10,
    }
    return ImportLimits(**{**base, **overrides})


def test_g15_highly_compressible_member_stops_at_the_limit(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "bomb.zip", [("_chat.txt", CHAT), ("big.bin", b"\0" * (50 << 20))])
    with SafeZip(archive, "bomb.zip", limits()) as safe, pytest.raises(ArchiveTooLarge, match="big.bin"):
        for _ in safe.read_chunks("big.bin"):
            pass
    assert safe.produced <= (1 << 20) + (1 << 20)  # the limit plus at most one read chunk


def test_g15_too_many_members(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "many.zip", [("_chat.txt", CHAT)] + [(f"e{i}", b"") for i in range(10_000)])
    with pytest.raises(ArchiveTooLarge, match="10001 entries"):
        SafeZip(archive, "many.zip", limits())


def test_g15_under_declared_size_is_counted_from_real_bytes(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "liar.zip", [("_chat.txt", CHAT), ("liar.bin", b"A" * (3 << 20))])
    data = bytearray(archive.read_bytes())
    # Rewrite the declared uncompressed size (local header and central directory) to 10 bytes.
    local = data.index(b"liar.bin") - 30
    central = data.rindex(b"liar.bin") - 46
    assert data[local : local + 4] == b"PK\x03\x04" and data[central : central + 4] == b"PK\x01\x02"
    struct.pack_into("<I", data, local + 22, 10)
    struct.pack_into("<I", data, central + 24, 10)
    archive.write_bytes(bytes(data))
    with SafeZip(archive, "liar.zip", limits()) as safe:
        assert [m.declared_size for m in safe.members() if m.name == "liar.bin"] == [10]
        with pytest.raises((ArchiveTooLarge, InputError)):
            for _ in safe.read_chunks("liar.bin"):
                pass
        assert safe.produced <= 2 << 20


def test_g15_overlapping_entries_are_refused(tmp_path: Path) -> None:
    archive = make_zip(tmp_path / "overlap.zip", [("_chat.txt", CHAT), ("b.bin", b"B" * 1000)])
    data = bytearray(archive.read_bytes())
    central = data.index(b"PK\x01\x02", data.index(b"PK\x01\x02") + 4)  # second central entry
    struct.pack_into("<I", data, central + 42, 0)  # point it at the first member's local header
    archive.write_bytes(bytes(data))
    with pytest.raises((ArchiveTooLarge, InputError), match="overlap|header"):
        SafeZip(archive, "overlap.zip", limits())


def test_g15_nested_archives_are_kept_sealed_not_expanded(new_case: Case, tmp_path: Path) -> None:
    inner = make_zip(
        tmp_path / "inner.zip",
        [("deep.zip", make_zip(tmp_path / "deep.zip", [("x", b"\0" * (8 << 20))]).read_bytes())],
    )
    outer = make_zip(tmp_path / "outer.zip", [("_chat.txt", CHAT), ("inner.zip", inner.read_bytes())])
    result = import_file(new_case, outer)
    assert len(result.new_exhibits) == 3  # outer, _chat.txt, inner.zip: nothing inside inner.zip is opened


def test_g15_import_error_names_the_member_and_leaves_the_case_unchanged(
    new_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CASETRAIL_LIMIT_MEMBER_BYTES", str(1 << 20))
    archive = make_zip(tmp_path / "bomb.zip", [("_chat.txt", CHAT), ("big.bin", b"\0" * (20 << 20))])
    before = table_hashes(new_case)
    with pytest.raises(ArchiveTooLarge, match="big.bin"):
        import_file(new_case, archive)
    assert table_hashes(new_case) == before


IMPORTERS, _ = discover()
SAMPLE_CHAT = "\n".join(android_lines(12)).encode()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    blob=st.one_of(
        st.binary(max_size=400),
        st.builds(
            lambda cut, flips: _mutate(SAMPLE_CHAT, cut, flips),
            st.integers(0, len(SAMPLE_CHAT)),
            st.lists(st.tuples(st.integers(0, len(SAMPLE_CHAT) - 1), st.integers(1, 255)), max_size=6),
        ),
    ),
    suffix=st.sampled_from([".txt", ".json", ".zip", ""]),
)
def test_g17_any_bytes_import_cleanly_or_fail_cleanly(
    new_case: Case, tmp_path: Path, blob: bytes, suffix: str
) -> None:
    path = tmp_path / f"input{suffix}"
    path.write_bytes(blob)
    before = table_hashes(new_case)
    try:
        import_file(new_case, path, importers=IMPORTERS)
    except InputError as error:
        assert error.file == path.name
        assert table_hashes(new_case) == before


def _mutate(data: bytes, cut: int, flips: list[tuple[int, int]]) -> bytes:
    body = bytearray(data[:cut] if cut > 20 else data)
    for offset, value in flips:
        if offset < len(body):
            body[offset] ^= value
    return bytes(body)


def test_g17_every_registered_importer_is_covered() -> None:
    assert {loaded.importer.name for loaded in IMPORTERS} >= {
        "whatsapp",
        "diary",
        "sms-backup",
        "eml",
        "mbox",
        "messenger",
        "instagram",
        "telegram",
        "discord",
        "x-archive",
        "signal",
        "generic",
        "screenshot",
    }


ENCODINGS = [
    ("utf-8", ""),
    ("utf-8", "\ufeff"),
    ("utf-16-le", "\ufeff"),
    ("utf-16-be", "\ufeff"),
    ("utf-16-le", ""),
]


@pytest.mark.parametrize(("encoding", "bom"), ENCODINGS)
def test_g18_the_same_chat_in_every_encoding_gives_identical_events(
    tmp_path: Path, encoding: str, bom: str
) -> None:
    from casetrail.store.case import Case as CaseType
    from casetrail.store.case import Producer
    from tests.conftest import PASSPHRASE

    lines = android_lines(20)
    lines[3] += " — café ☕ 犬"
    results = []
    for variant, (enc, mark) in (("reference", ("utf-8", "")), ("variant", (encoding, bom))):
        with CaseType.create(tmp_path / variant, PASSPHRASE, Producer("Robin Hale", "RH")) as case:
            path = tmp_path / f"{variant}.txt"
            path.write_bytes((mark + "\n".join(lines) + "\n").encode(enc))
            import_file(case, path)
            results.append(
                [
                    (e.occurred_at, e.sender, e.text, e.flags)
                    for e in timeline(case, TimelineFilter(), limit=None)
                ]
            )
    assert results[0] == results[1]
    assert len(results[0]) == 20


def test_g18_an_invalid_byte_is_replaced_and_flagged_at_its_line(new_case: Case, tmp_path: Path) -> None:
    lines = [line.encode() for line in android_lines(6)]
    lines[4] = lines[4].replace(b"message", b"mess\xffage")
    path = tmp_path / "damaged.txt"
    path.write_bytes(b"\n".join(lines) + b"\n")
    import_file(new_case, path)
    events = timeline(new_case, TimelineFilter(), limit=None)
    flagged = [e for e in events if "undecodable-bytes" in e.flags]
    assert len(flagged) == 1
    assert "\ufffd" in flagged[0].text
    assert flagged[0].sources[0]["value"] == "5"


@functools.cache
def format_samples() -> tuple[tuple[str, bytes], ...]:
    """One small file of every format the demo writes (name, bytes), to mutate below."""
    from casetrail.demo import generate_demo_files

    with tempfile.TemporaryDirectory() as folder:
        files = generate_demo_files(Path(folder) / "exports")
        small = [path for path in files.paths if path.stat().st_size < 300_000]
        return tuple((path.name, path.read_bytes()) for path in small)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pick=st.integers(0, 1000),
    cut=st.floats(0.05, 1.0),
    flips=st.lists(st.tuples(st.floats(0, 1), st.integers(1, 255)), max_size=8),
)
def test_g17_mutated_files_of_every_format_import_cleanly_or_fail_cleanly(
    new_case: Case, tmp_path: Path, pick: int, cut: float, flips: list[tuple[float, int]]
) -> None:
    samples = format_samples()
    name, data = samples[pick % len(samples)]
    body = bytearray(data[: max(1, int(len(data) * cut))])
    for where, value in flips:
        body[min(int(where * len(body)), len(body) - 1)] ^= value
    path = tmp_path / f"mutated-{pick}-{name}"
    path.write_bytes(bytes(body))
    before = table_hashes(new_case)
    try:
        import_file(new_case, path, importers=IMPORTERS)
    except InputError as error:
        assert error.file == path.name
        assert table_hashes(new_case) == before
