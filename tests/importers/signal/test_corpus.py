"""The corpus sample (chat-miner's Signal text export), and no quarrel with WhatsApp over any sample.

Expected values: MANIFEST.md's Signal table (peer chat-miner, test_signal.py against target.json).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import pytest

from casetrail.importers.registry import choose, discover
from casetrail.importers.whatsapp.importer import WhatsAppImporter
from casetrail.ingest.source import Source
from casetrail.model.event import Direction, Kind
from tests.conftest import CORPUS
from tests.importers.signal.support import LONDON, confidence, read

SAMPLE = "signal/chat-miner/test_export.txt"
WHATSAPP_SAMPLES = sorted(
    str(path.relative_to(CORPUS))
    for path in (CORPUS / "whatsapp").rglob("*")
    if path.suffix in (".txt", ".zip")
)


def test_the_chat_miner_sample_gives_its_two_messages(corpus: Callable[[str], Path]) -> None:
    events = read(corpus(SAMPLE), LONDON)
    assert [(e.sender, e.text) for e in events] == [("Jane Doe", "Hello John!"), ("John Doe", "Hello\nJane!")]
    # Winter dates: London wall-clock time equals UTC.
    assert [e.occurred_at for e in events] == [
        datetime(2019, 12, 24, 12, 23, tzinfo=UTC),
        datetime(2020, 1, 17, 21, 49, tzinfo=UTC),
    ]
    assert [e.local_time for e in events] == ["2019-12-24, 12:23", "2020-01-17, 21:49"]
    assert [str(e.locator) for e in events] == ["line 1", "line 2-3"]
    assert {e.kind for e in events} == {Kind.MESSAGE}
    assert {e.direction for e in events} == {Direction.UNKNOWN}
    assert all(e.conversation is None and not e.flags for e in events)


def test_the_sample_goes_to_signal_not_whatsapp(corpus: Callable[[str], Path]) -> None:
    loaded, _ = discover()
    source = Source(corpus(SAMPLE))
    chosen, sniff = choose(source, loaded)
    assert chosen.importer.name == "signal"
    assert sniff.confidence > WhatsAppImporter().sniff(source).confidence


@pytest.mark.parametrize("sample", WHATSAPP_SAMPLES)
def test_no_whatsapp_sample_is_claimed(sample: str) -> None:
    assert confidence(CORPUS / sample) == 0.0


def test_every_whatsapp_sample_was_checked() -> None:
    assert len(WHATSAPP_SAMPLES) >= 8


def test_no_other_corpus_file_is_claimed() -> None:
    others = [
        p for p in CORPUS.rglob("*") if p.is_file() and p.suffix not in (".md",) and "signal" not in p.parts
    ]
    assert len(others) > 50
    assert [str(p) for p in others if confidence(p) > 0] == []
