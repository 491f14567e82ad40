"""The genuine corpus files (twitter-to-sqlite's archive sample): prefixes, the owner, and no events.

The corpus has no direct-message or tweets file (a GAP, see support.py); these files test what the
genuine archive does show: the ``window.YTD.<name>.part0 =`` prefix, ``account.js`` and files that
hold no messages.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from casetrail.importers.x_archive.reading import prefix_of
from casetrail.ingest.source import Source
from casetrail.model.event import Direction
from tests.helpers import make_zip
from tests.importers.x_archive.support import IMPORTER, dm, dm_file, read_with_notes

DATA = "twitter/twitter-to-sqlite/data"
# file → (prefix name, records, per the manifest)
FILES = {
    "account.js": ("account", 1),
    "account-suspension.js": ("account_suspension", 0),
    "app.js": ("app", 1),
    "follower.js": ("follower", 2),
    "following.js": ("following", 2),
    "saved-search.js": ("saved_search", 2),
}


@pytest.mark.parametrize(("name", "expected"), FILES.items())
def test_each_file_is_recognised_by_its_prefix_and_gives_no_events(
    corpus: Callable[[str], Path], name: str, expected: tuple[str, int]
) -> None:
    path = corpus(f"{DATA}/{name}")
    assert prefix_of(path.read_bytes()[:4096]) == (expected[0], 0)
    assert IMPORTER.sniff(Source(path)).confidence == 0.8
    events, notes = read_with_notes(path)
    assert events == []
    if name == "account.js":
        assert notes == [
            "The archive belongs to @simonw (id 12497) (account.js): their messages and tweets are "
            "outgoing, everyone else's incoming."
        ]
    else:
        assert notes == [
            f"{name}: {expected[1]} record(s) of {expected[0]!r}, which are not messages or tweets; "
            "nothing was imported from it."
        ]


def test_the_corpus_account_owns_messages_in_the_same_zip(
    corpus: Callable[[str], Path], tmp_path: Path
) -> None:
    members = [(f"data/{name}", corpus(f"{DATA}/{name}").read_bytes()) for name in FILES]
    # The messages file is built (no genuine one exists), between simonw (12497) and someone else.
    messages = dm_file(
        tmp_path / "dm.js",
        [
            dm("to you", sender="12497", recipient="555", number=1),
            dm("to simonw", sender="555", recipient="12497"),
        ],
        conversation="555-12497",
    )
    path = make_zip(
        tmp_path / "twitter-2020-01-01-abc.zip",
        [*members, ("data/direct-messages.js", messages.read_bytes())],
    )
    assert IMPORTER.sniff(Source(path)).confidence == 0.9
    events, notes = read_with_notes(path)
    assert [(e.sender, e.recipients, e.direction) for e in events] == [
        ("@simonw", ("id 555",), Direction.OUTGOING),
        ("id 555", ("@simonw",), Direction.INCOMING),
    ]
    assert {e.conversation for e in events} == {"555-12497"}
    assert any("6 other data file(s)" not in note and "other data file(s)" in note for note in notes)


def test_a_zip_of_only_the_corpus_files_gives_no_events(
    corpus: Callable[[str], Path], tmp_path: Path
) -> None:
    members = [(f"data/{name}", corpus(f"{DATA}/{name}").read_bytes()) for name in FILES]
    path = make_zip(tmp_path / "archive.zip", members)
    assert IMPORTER.sniff(Source(path)).confidence == 0.6
    events, notes = read_with_notes(path)
    assert events == []
    assert notes[0].startswith("The archive belongs to @simonw")
    assert notes[-1].startswith("5 other data file(s) (account-suspension.js, app.js, follower.js")
