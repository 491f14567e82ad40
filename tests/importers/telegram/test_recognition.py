"""Recognition: Telegram's files are claimed by the Telegram importer, and no one else's are."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from casetrail.demo.telegram_export import write_account_zip
from casetrail.importers.registry import choose, discover
from casetrail.ingest.source import Source
from tests.helpers import make_zip
from tests.importers.telegram.support import IMPORTER

TELEGRAM = [
    "telegram/chat-miner/test_single_export.json",
    "telegram/chat-miner/test_batch_export.json",
    "telegram/chat-analytics/DM_2A_7M.json",
    "telegram/tg2md/export/result.json",
]


@pytest.mark.parametrize("sample", TELEGRAM)
def test_corpus_samples_choose_telegram(corpus: Callable[[str], Path], sample: str) -> None:
    loaded, _ = discover()
    chosen, sniff = choose(Source(corpus(sample)), loaded)
    assert chosen.importer.name == "telegram" and sniff.confidence >= 0.9


def test_the_demo_zip_chooses_telegram(tmp_path: Path) -> None:
    loaded, _ = discover()
    chosen, _ = choose(Source(write_account_zip(tmp_path / "e.zip").path), loaded)
    assert chosen.importer.name == "telegram"


def test_other_formats_are_not_claimed(corpus: Callable[[str], Path], tmp_path: Path) -> None:
    root = corpus("telegram").parent
    others = [p for p in root.rglob("*") if p.is_file() and "telegram" not in p.parts and p.suffix != ".md"]
    assert others
    claimed = [str(p.relative_to(root)) for p in others if IMPORTER.sniff(Source(p)).confidence > 0]
    assert claimed == []
    plain = make_zip(tmp_path / "x.zip", [("result.json", b'{"result": "ok"}')])
    assert IMPORTER.sniff(Source(plain)).confidence == 0
