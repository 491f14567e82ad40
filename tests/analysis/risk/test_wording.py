"""Our topics are our own short words: not the published forms, and not the research notes either."""

from __future__ import annotations

import difflib
import hashlib
import re
from pathlib import Path

from casetrail.analysis.risk import TOPIC_LIMIT, packaged_instruments

HERE = Path(__file__).resolve().parent
DOMAIN = Path(__file__).resolve().parents[4] / "shared" / "domain" / "risk-screening.md"


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+", text.lower())


def _digest(words: list[str]) -> str:
    return hashlib.sha256(" ".join(words).encode()).hexdigest()[:16]


def _published() -> set[str]:
    lines = (HERE / "published_wording.sha256").read_text(encoding="utf-8").splitlines()
    return {line for line in lines if line and not line.startswith("#")}


def _domain_labels() -> list[str]:
    """The topic labels in the domain notes (DASH list, S-DASH list, digital table)."""
    text = DOMAIN.read_text(encoding="utf-8")
    dash_line = text.split("**Question topics (SafeLives 24")[1].split("**Thresholds")[0]
    dash = [re.sub(r"^\W*\d+\s+", "", part).strip() for part in dash_line.split("·")]
    sdash_part = text.split("## 2. S-DASH")[1].split("## 3.")[0]
    sdash = re.findall(r"^\s+\d+\.\s+(.+)$", sdash_part, flags=re.MULTILINE)
    digital = re.findall(r"^\| D\d+ ([^|]+)\|", text, flags=re.MULTILINE)
    return [label for label in dash + sdash + digital if len(label) > 10]


def test_topics_are_short_questions() -> None:
    for instrument in packaged_instruments():
        for item in instrument.items:
            assert len(item.topic) < TOPIC_LIMIT, item.id
            assert item.topic.endswith("?"), item.id
            assert len(item.why) < 130, item.id


def test_no_topic_matches_the_published_wording_in_whole_or_in_any_five_words() -> None:
    published = _published()
    assert len(published) > 200
    for instrument in packaged_instruments():
        for item in instrument.items:
            words = _words(item.topic)
            assert _digest(words) not in published, item.id
            runs = {_digest(words[i : i + 5]) for i in range(len(words) - 4)}
            assert not runs & published, item.id


def test_topics_are_not_the_domain_notes_reworded_lightly() -> None:
    labels = _domain_labels()
    assert len(labels) >= 40  # the notes were found and parsed
    for instrument in packaged_instruments():
        for item in instrument.items:
            for label in labels:
                ratio = difflib.SequenceMatcher(None, item.topic.lower(), label.lower()).ratio()
                assert ratio < 0.75, (item.id, label)
