"""G-24 (terminal part), G-25, G-28: evidence cannot drive the terminal and never reaches logs."""

from __future__ import annotations

import io
import logging
import re
from pathlib import Path

import pytest
from rich.console import Console

from casetrail.cli import timeline_cmd
from casetrail.render.terminal import visible, visible_identifier
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, timeline
from tests.helpers import write_chat

HOSTILE = [
    "\x1b[2J",
    "\x1b]8;;http://x\x1b\\link\x1b]8;;\x1b\\",
    "\x1b]52;c;aGVsbG8=\x07",
    "\x9b31m",
    "line\roverwrite",
    "[bold red]x[/]",
]


def hostile_case(case: Case, tmp_path: Path) -> None:
    lines = [
        f"0{i + 1}/02/2025, 10:0{i} - Casey\u202eMarsh: before {payload} after"
        for i, payload in enumerate(HOSTILE)
    ]
    import_file(case, write_chat(tmp_path / "hostile.txt", lines))


def render(case: Case, *, colour: bool) -> str:
    buffer = io.StringIO()
    console = Console(
        file=buffer, force_terminal=colour, color_system="truecolor" if colour else None, width=200
    )
    timeline_cmd.show(timeline(case, TimelineFilter()), case.timezone, 1, 50, console)
    return buffer.getvalue()


def test_g25_no_control_bytes_reach_a_plain_terminal(new_case: Case, tmp_path: Path) -> None:
    hostile_case(new_case, tmp_path)
    out = render(new_case, colour=False)
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]", out)
    assert "[bold red]x[/]" in out
    assert "⟨U+001B⟩" in out and "⟨U+009B⟩" in out and "⟨U+000D⟩" in out
    assert "Casey⟨U+202E⟩Marsh" in out  # G-24: a bidi override inside a name is shown, not obeyed


def test_g25_with_colour_every_escape_is_a_colour_code(new_case: Case, tmp_path: Path) -> None:
    hostile_case(new_case, tmp_path)
    out = render(new_case, colour=True)
    for match in re.finditer("\x1b", out):
        assert re.match(r"\x1b\[[0-9;]*m", out[match.start() :]), repr(
            out[match.start() : match.start() + 12]
        )
    assert "\x9b" not in out and "\x07" not in out


def test_g24_bidi_and_zero_width_are_visible_in_names() -> None:
    assert visible_identifier("invoice\u202efdp.exe") == "invoice⟨U+202E⟩fdp.exe"
    assert visible_identifier("casey\u200bmarsh") != visible_identifier("caseymarsh")
    assert visible("👩\u200d💻 مرحبا\u200e") == "👩\u200d💻 مرحبا\u200e"  # running text keeps what words need


def test_g28_logs_hold_no_evidence(new_case: Case, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    canary = "Log-canary-7781-ø"
    caplog.set_level(logging.DEBUG)
    lines = [f"01/02/2025, 10:00 - {canary}: {canary}", "01/02/2025, 10:01 - Casey: line\r\ninjected"]
    import_file(new_case, write_chat(tmp_path / f"{canary}.txt", lines))
    timeline(new_case, TimelineFilter(text=canary))
    assert canary not in caplog.text
    assert all("\n" not in record.getMessage() for record in caplog.records)


def test_g25_json_output_escapes_c1_and_bidi_and_keeps_the_value(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from casetrail.cli.console import print_json

    value = {"text": "x\x9b31m \u202eabc \x1b[2J é 犬"}
    print_json(value)
    out = capsys.readouterr().out
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", out)
    assert json.loads(out) == value


def test_g28_the_analysis_logs_no_evidence(
    new_case: Case, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from casetrail.analysis.four import four
    from casetrail.analysis.pipeline import run_analysis
    from casetrail.store.analysis_runs import save_run

    canary = "Analysis-canary-5512-ø"
    caplog.set_level(logging.DEBUG)
    lines = [
        f"01/02/2025, 10:00 - {canary}: I saw you at the gym {canary}",
        f"01/02/2025, 10:01 - Robin: please stop messaging me {canary}",
        f"02/02/2025, 10:01 - {canary}: I will hurt you\r\n{canary}",
    ]
    import_file(new_case, write_chat(tmp_path / "chat.txt", lines))
    findings = run_analysis(new_case, None)
    four(findings)
    save_run(new_case, "course-of-conduct", findings.versions, findings.to_json())
    assert canary not in caplog.text
    assert all("\n" not in record.getMessage() for record in caplog.records)
