"""Through the store: discovery, attachments kept as exhibits, and copies of a message de-duplicated."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from casetrail.demo.email_export import demo_emails, write_eml, write_mbox
from casetrail.importers.registry import choose, discover
from casetrail.ingest.source import Source
from casetrail.store.case import Case
from casetrail.store.importing import import_file
from casetrail.store.queries import TimelineFilter, timeline
from tests.helpers import count_events

Corpus = Callable[[str], Path]


def test_registry_chooses_eml_and_mbox(corpus: Corpus) -> None:
    loaded, broken = discover()
    assert broken == []
    for sample, name in (
        ("eml/eml_parser/sample.eml", "eml"),
        ("eml/eml_parser/github_issue_48.eml", "eml"),
        ("mbox/TakeoutReader/sample.mbox", "mbox"),
        ("mbox/TakeoutReader/empty.mbox", "mbox"),
    ):
        chosen, _ = choose(Source(corpus(sample)), loaded)
        assert chosen.importer.name == name, sample


def test_attachments_become_exhibits_inside_the_file(new_case: Case, corpus: Corpus) -> None:
    result = import_file(new_case, corpus("eml/eml_parser/sample_attachments.eml"))
    assert (result.importer, result.events_added) == ("eml", 1)
    assert len(result.new_exhibits) == 4  # the .eml, then its three attachments
    (event,) = timeline(new_case, TimelineFilter(), limit=None)
    assert event.attachments == result.new_exhibits[1:]
    assert event.sources[0]["exhibit"] == result.new_exhibits[0]
    assert (event.sources[0]["scheme"], event.sources[0]["value"]) == ("line", "1-233")


def test_mailbox_then_loose_copies_are_duplicates(new_case: Case, tmp_path: Path) -> None:
    emails = demo_emails()
    write_mbox(tmp_path / "Takeout.mbox", emails)
    first = import_file(new_case, tmp_path / "Takeout.mbox")
    assert (first.importer, first.events_added, first.duplicates) == ("mbox", 4, 0)
    loose = import_file(new_case, write_eml(tmp_path / "saved.eml", emails[3]))
    assert (loose.importer, loose.events_added, loose.duplicates) == ("eml", 0, 1)
    relabelled = [*emails[:2], *(replace(e, labels=("Inbox", "Starred")) for e in emails[2:])]
    write_mbox(tmp_path / "Takeout-2.mbox", relabelled)
    again = import_file(new_case, tmp_path / "Takeout-2.mbox")
    assert (again.events_added, again.duplicates) == (0, 4)
    assert count_events(new_case) == 4


def test_corpus_mailboxes(new_case: Case, corpus: Corpus) -> None:
    assert import_file(new_case, corpus("mbox/TakeoutReader/empty.mbox")).events_added == 0
    assert import_file(new_case, corpus("mbox/TakeoutReader/sample.mbox")).events_added == 3
    # Two messages share a Message-ID but not their text: both are kept (docs/importers/email.md).
    edge = import_file(new_case, corpus("mbox/TakeoutReader/edge_cases.mbox"))
    assert (edge.events_added, edge.duplicates) == (3, 0)
    assert (import_file(new_case, corpus("mbox/TakeoutReader/edge_cases.mbox")).duplicates) == 3


def test_same_headers_other_body_are_two_events(new_case: Case, corpus: Corpus) -> None:
    import_file(new_case, corpus("eml/eml_parser/sample.eml"))
    other = import_file(new_case, corpus("eml/eml_parser/sample_body_data.eml"))
    assert (other.events_added, other.duplicates) == (1, 0)
