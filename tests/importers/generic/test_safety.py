"""Hostile and broken input for both forms and zips; flat memory on a large CSV."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from casetrail.demo.generic_export import write_generic_csv, write_generic_json, write_large_generic_csv
from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.ingest.source import Source
from tests.helpers import make_zip
from tests.importers.generic.support import IMPORTER, LONDON
from tests.importers.hostile import events_and_peak, mutations

CHUNKS = [
    b",",
    b'"',
    b"\n",
    b"\r",
    b"\xff",
    b"\x00",
    b"{",
    b"}",
    b"[",
    b"]",
    b":",
    b"null",
    b"9" * 700,
    b"[" * 60,
    b'"events": 5',
]


def _valid(tmp: Path) -> tuple[bytes, bytes]:
    return write_generic_csv(tmp / "c.csv").path.read_bytes(), write_generic_json(
        tmp / "j.json"
    ).path.read_bytes()


def mutated(valid: bytes) -> st.SearchStrategy[bytes]:
    return mutations(valid, CHUNKS)


def check(path: Path, member: str | None) -> None:
    try:
        IMPORTER.sniff(Source(path))
        events = list(IMPORTER.events(Source(path), ImportContext(timezone=LONDON)))
    except InputError as error:
        assert error.file == path.name
        if member is not None and error.place is not None and "entry" in error.place:
            assert member in error.place
    else:
        assert all(isinstance(e.text, str) for e in events)


def _fixtures() -> tuple[bytes, bytes]:
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        return _valid(Path(folder))


CSV, JSON = _fixtures()


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(raw=st.one_of(mutated(CSV), mutated(JSON)))
def test_corrupted_files_give_events_or_input_error(tmp_path: Path, raw: bytes) -> None:
    path = tmp_path / "e.casetrail.csv"
    path.write_bytes(raw)
    check(path, None)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    raw=st.one_of(mutated(CSV), mutated(JSON)), name=st.sampled_from(["e.casetrail.csv", "e.casetrail.json"])
)
def test_corrupted_files_in_a_zip_name_the_member(tmp_path: Path, raw: bytes, name: str) -> None:
    path = make_zip(tmp_path / "e.zip", [(name, raw), ("photos/a.jpg", b"jpeg")])
    check(path, name)


def test_memory_stays_flat_on_a_large_csv(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    write_large_generic_csv(path, 20_000)
    assert path.stat().st_size > 2_000_000
    count, peak = events_and_peak(IMPORTER, Source(path), ImportContext(timezone=LONDON))
    assert count == 20_000
    assert peak < 1_000_000
