"""G-26: spreadsheet exports cannot run formulas; G-24: hidden characters are shown in them."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from casetrail.pack.bundle import write_pack
from casetrail.render.csv_cells import identifier_cell, neutralised, number_cell, text_cell
from casetrail.store.case import Case
from casetrail.store.importing import import_file


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+44 7700 900123", "'+44 7700 900123"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("a=b", "a=b"),
        ("", ""),
        ("plain words", "plain words"),
    ],
)
def test_g26_a_cell_starting_like_a_formula_is_text(value: str, expected: str) -> None:
    assert neutralised(value) == expected


def test_g26_none_and_numbers_stay_as_they_are_and_quoting_round_trips() -> None:
    assert text_cell(None) == "" and number_cell(None) == "" and number_cell(12) == 12
    assert text_cell("\r=HYPERLINK(x)").startswith("⟨U+000D⟩")  # a CR is shown, so it cannot hide
    row = [number_cell(3), text_cell('a, "quoted"\nline'), identifier_cell("=cmd|' /C calc'!A0")]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\r\n").writerow(row)
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == [
        "3",
        'a, "quoted"\nline',
        "'=cmd|' /C calc'!A0",
    ]


def test_g26_the_events_csv_of_a_hostile_case_holds_no_formula(new_case: Case, tmp_path: Path) -> None:
    hostile = ['=HYPERLINK("http://x","click")', "+cmd", "@SUM(1)", "-1+1", "safe \u202eevil", "ok"]
    events = [
        {"time": f"2025-03-01T20:0{i}:00Z", "channel": "sms", "direction": "in", "from": text, "text": text}
        for i, text in enumerate(hostile)
    ]
    path = tmp_path / "typed.json"
    path.write_text(json.dumps({"casetrail_generic": 1, "events": events}), encoding="utf-8")
    import_file(new_case, path)
    folder, _result = write_pack(new_case, tmp_path / "pack", pdf=False)
    with (folder / "events.csv").open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["text"] for row in rows] == [
        "'=HYPERLINK(\"http://x\",\"click\")", "'+cmd", "'@SUM(1)", "'-1+1", "safe ⟨U+202E⟩evil", "ok",
    ]  # fmt: skip
    assert all(not cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row.values())
    exact = [json.loads(line)["text"] for line in (folder / "events.jsonl").read_text("utf-8").splitlines()]
    assert exact == hostile  # the JSON lines keep the exact words, escaped by JSON itself
