"""The JSON form: ``{"casetrail_generic": 1, "events": [...]}``, streamed."""

from __future__ import annotations

import json
import tracemalloc
from pathlib import Path

import pytest

from casetrail.demo.generic_export import write_generic_csv, write_generic_json
from casetrail.errors import InputError
from tests.importers.generic.support import confidence, read, write


def test_the_json_demo_gives_the_same_events_as_the_csv(tmp_path: Path) -> None:
    from_json = read(write_generic_json(tmp_path / "e.json").path)
    from_csv = read(write_generic_csv(tmp_path / "e.csv").path)
    assert [str(e.locator) for e in from_json] == [f"json-pointer /events/{n}" for n in range(5)]
    strip = [
        (e.occurred_at, e.kind, e.channel, e.sender, e.recipients, e.text, e.flags, e.details)
        for e in from_json
    ]
    assert strip == [
        (e.occurred_at, e.kind, e.channel, e.sender, e.recipients, e.text, e.flags, e.details)
        for e in from_csv
    ]
    assert confidence(tmp_path / "e.json") == 0.97


def test_field_types(tmp_path: Path) -> None:
    events = [
        {"time": "2025-01-01T10:00Z", "id": 17, "text": 5, "to": ["A", "B"], "extra": True, "n": 1.5},
        {"time": 5, "from": ["x"], "to": [1], "nested": {"a": 1}, "attachment": "a.jpg;b.jpg"},
    ]
    path = write(
        tmp_path / "e.json", json.dumps({"casetrail_generic": 1, "other": [{"x": [1]}], "events": events})
    )
    first, second = read(path)
    assert first.details == {"extra": "true", "n": "1.5", "source_id": "generic||17"}
    assert (first.text, first.recipients) == ("5", ("A", "B"))
    assert second.details["unreadable_fields"] == "from, to, nested"  # a number as time: time-unreadable
    assert second.occurred_at is None and {
        "time-unreadable",
        "field-unreadable",
        "attachment-missing",
    } <= set(second.flags)


@pytest.mark.parametrize(
    ("text", "place", "problem"),
    [
        ('{"casetrail_generic": 2, "events": []}', None, "version 2"),
        ('{"events": [], "casetrail_generic": 1}', "json-pointer /events", "must come before"),
        ('{"casetrail_generic": 1, "events": {}}', "json-pointer /events", "not a list"),
        ('{"casetrail_generic": 1, "events": [{}, 5]}', "json-pointer /events/1", "not a JSON object"),
        ('{"casetrail_generic": 1}', "json-pointer /events", "no 'events' list"),
        ('{"casetrail_generic": 1, "events": [{"time": "x"', "json-pointer /events/0", "JSON"),
        ('{"casetrail_generic": 1, "casetrail_generic": 1, "events": []}', None, "appears twice"),
        ("[1]", None, "not a JSON object"),
    ],
)
def test_errors_name_the_place(tmp_path: Path, text: str, place: str | None, problem: str) -> None:
    with pytest.raises(InputError, match=problem) as caught:
        read(write(tmp_path / "e.json", text))
    assert (caught.value.file, caught.value.place) == ("e.json", place)


def test_deep_nesting_stops_early(tmp_path: Path) -> None:
    path = write(
        tmp_path / "e.json",
        '{"casetrail_generic": 1, "events": [{"x": ' + "[" * 100_000 + "]" * 100_000 + "}]}",
    )
    tracemalloc.start()
    try:
        with pytest.raises(InputError, match="nested more than"):
            read(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 16_000_000


def test_a_long_number_is_refused_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path / "e.json", '{"casetrail_generic": 1, "events": [{"time": ' + "7" * 5000 + "}]}")
    with pytest.raises(InputError) as caught:
        read(path)
    assert caught.value.place == "json-pointer /events/0"


def test_long_digit_runs_inside_text_are_read(tmp_path: Path) -> None:
    document = {"casetrail_generic": 1, "events": [{"time": "2025-01-01", "text": "1" * 6000}]}
    (event,) = read(write(tmp_path / "e.json", json.dumps(document)))
    assert event.text == "1" * 6000
