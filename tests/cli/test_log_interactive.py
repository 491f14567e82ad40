"""`casetrail log` as a person uses it: in a terminal, answering one question at a time."""

from __future__ import annotations

import json
import os
import select
import subprocess
import sys
import termios
import time
from pathlib import Path

from casetrail.store.case import Case
from tests.conftest import PASSPHRASE
from tests.helpers import files_containing, run_cli


class Terminal:
    """Drive a command through a pseudo-terminal, as tmux or a person at a keyboard would."""

    def __init__(self, *args: str) -> None:
        self.master, slave = os.openpty()
        env = {k: v for k, v in os.environ.items() if not k.startswith("CASETRAIL_")}
        env["COLUMNS"] = "200"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "casetrail", *args], stdin=slave, stdout=slave, stderr=slave, env=env
        )
        os.close(slave)
        self.screen = b""

    def expect(self, text: str, timeout: float = 20) -> None:
        end = time.monotonic() + timeout
        while text.encode() not in self.screen:
            assert time.monotonic() < end, (
                f"never saw {text!r}; screen:\n{self.screen.decode(errors='replace')}"
            )
            ready, _, _ = select.select([self.master], [], [], 0.2)
            if ready:
                try:
                    self.screen += os.read(self.master, 4096)
                except OSError:
                    break

    def type(self, text: str) -> None:
        os.write(self.master, (text + "\n").encode())

    def type_secret(self, text: str, timeout: float = 10) -> None:
        """Wait until the program has turned echo off (it flushes pending input when it does)."""
        end = time.monotonic() + timeout
        while termios.tcgetattr(self.master)[3] & termios.ECHO:
            assert time.monotonic() < end, "echo was never turned off for the passphrase"
            time.sleep(0.02)
        self.type(text)

    def finish(self) -> int:
        code = self.proc.wait(timeout=30)
        os.close(self.master)
        return code


def test_log_asks_each_question_and_saves_the_entry(new_case: Case) -> None:
    root = str(new_case.layout.root)
    secret_text = "They were waiting outside my work, by the blue door."
    term = Terminal("log", "--case", root)
    term.expect("Case passphrase")
    term.type_secret(PASSPHRASE)
    for prompt, answer in [
        ("When did it happen?", "2025-03-14 18:40"),
        ("How did it happen", "in-person"),
        ("full stop", f"{secret_text}\nThey followed me to the bus stop.\n."),
        ("Where did it happen", "Outside work"),
        ("Who was involved", "Casey Marsh"),
        ("Did anyone else see", "Sam Okafor, a driver"),
        ("How did it make you feel", "frightened"),
        ("changed anything", "I leave by the back door now"),
    ]:
        term.expect(prompt)
        term.type(answer)
    term.expect("Saved")
    assert term.finish() == 0
    assert PASSPHRASE.encode() not in term.screen  # typed with echo off
    events = json.loads(run_cli("timeline", "--case", root, "--json").stdout)["events"]
    [event] = events
    assert event["kind"] == "in-person-incident"
    assert event["channel"] == "in-person"
    assert event["local_time"] == "2025-03-14T18:40"
    assert event["occurred_at_utc"] == "2025-03-14T18:40:00Z"
    assert event["text"] == f"{secret_text}\nThey followed me to the bus stop."
    assert event["details"]["witnesses"] == "Sam Okafor; a driver"
    assert event["details"]["how_it_made_me_feel"] == "frightened"
    assert files_containing(Path(root), secret_text) == []


def test_log_asks_again_when_the_date_is_not_a_date(new_case: Case) -> None:
    root = str(new_case.layout.root)
    term = Terminal("log", "--case", root, "--channel", "phone")
    term.expect("Case passphrase")
    term.type_secret(PASSPHRASE)
    term.expect("When did it happen?")
    term.type("last tuesday")
    term.expect("is not a date and time")
    term.type("2025-03-11")
    term.expect("full stop")
    term.type("A call from a withheld number.\n.")
    for _ in range(5):
        term.expect("?")
        term.type("")
    term.expect("Saved")
    assert term.finish() == 0
    [event] = json.loads(run_cli("timeline", "--case", root, "--json").stdout)["events"]
    assert event["local_time"] == "2025-03-11"
    assert "time-not-given" in event["flags"]
