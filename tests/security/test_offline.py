"""G-49: casetrail talks to no one unless asked; import and the demo work with the network refused."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest

from casetrail.demo import generate_demo_files
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.queries import summary


def test_g49_the_suite_refuses_network_connections() -> None:
    with pytest.raises(OSError, match="disabled"):
        socket.create_connection(("127.0.0.1", 9))
    with pytest.raises(OSError, match="disabled"), socket.socket() as sock:
        sock.connect(("127.0.0.1", 9))


def test_g49_demo_generation_and_import_work_offline(new_case: Case, tmp_path: Path) -> None:
    files = generate_demo_files(tmp_path / "exports")
    for path in files.paths:
        import_file(new_case, path)
    assert summary(new_case)["events"] == files.expected_events
