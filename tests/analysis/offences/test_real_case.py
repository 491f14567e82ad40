"""Offence elements from the real analysis pass over a small imported case, diary links included."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from casetrail.analysis.offences import MAY_SUPPORT, NOT_SHOWN, OffenceEvidence, packaged_rules
from casetrail.analysis.pipeline import run_analysis
from casetrail.store.case import Case
from casetrail.store.decisions import link_diary
from casetrail.store.importing import import_file
from casetrail.store.people import accounts_of_person, link
from casetrail.store.queries import TimelineFilter, timeline
from tests.analysis.lexicon_fixture import make_classifier
from tests.analysis.offences.events import element, offence
from tests.analysis.offences.test_cli import app
from tests.conftest import PASSPHRASE


def sms(time: str, sender: str, text: str, direction: str = "incoming", **extra: str) -> dict[str, Any]:
    return {"time": time, "channel": "sms", "direction": direction, "from": sender, "text": text, **extra}


def entry(time: str, text: str) -> dict[str, Any]:
    return {
        "time": time,
        "channel": "in-person",
        "kind": "in-person-incident",
        "direction": "n/a",
        "text": text,
    }


STORY = [
    sms("2025-03-01T20:00:00Z", "+447700900587", "I saw you at the gym"),
    sms("2025-03-01T20:05:00Z", "+447700900142", "Please stop messaging me", "outgoing", to="+447700900587"),
    sms("2025-03-01T21:00:00Z", "+447700900587", "I'll hurt you"),
    entry("2025-03-02T09:00:00Z", "I changed my number because of his message"),
    entry("2025-03-04T10:00:00Z", "Casey was waiting outside my work"),
    sms("2025-03-05T09:00:00Z", "+447700900913", "New number. I will kill you"),
    sms("2025-03-06T09:00:00Z", "+447700900274", "Are you okay?"),  # a friend: not the person
]


def test_the_real_pass_feeds_the_offence_elements(new_case: Case, tmp_path: Path) -> None:
    path = tmp_path / "story.json"
    path.write_text(json.dumps({"casetrail_generic": 1, "events": STORY}), encoding="utf-8")
    import_file(new_case, path)
    link(new_case, "Casey Marsh", ["+447700900587", "+447700900913"])
    rows = timeline(new_case, TimelineFilter())
    changed = next(r for r in rows if r.text and r.text.startswith("I changed my number"))
    threat = next(r for r in rows if r.text == "I'll hurt you")
    link_diary(new_case, changed.uid, [threat.uid], "Robin Hale")

    evidence = OffenceEvidence(packaged_rules(), new_case.timezone)
    accounts = accounts_of_person(new_case, "Casey Marsh")
    run_analysis(new_case, accounts, consumers=[evidence], classifier=make_classifier())
    report = evidence.finish(date(2025, 8, 20))

    conduct = element(report, "pha-s2", "course-of-conduct")
    assert conduct.status == MAY_SUPPORT and conduct.count == 4  # three messages and the diary's incident
    knew = element(report, "pha-s2", "knew-or-ought-to-know")
    assert knew.derived == {"IMPACT.STOP_REQUEST": 1, "CONTACT.AFTER_STOP": 2, "CONTACT.NEW_ACCOUNT": 1}
    behaviours = {g.name[-2]: g.count for g in element(report, "pha-s2a", "stalking-behaviours").groups}
    assert behaviours["d"] == 1 and behaviours["e"] == 1 and behaviours["b"] == 2  # two threats
    effect = element(report, "pha-s4a", "serious-alarm-or-distress-with-substantial-effect")
    assert effect.status == MAY_SUPPORT
    (diary_entry,) = effect.diary
    assert diary_entry.own_words["what_happened"] == "I changed my number because of his message"
    assert [link.ref.uid for link in diary_entry.linked if link.ref] == [threat.uid]
    assert element(report, "osa-s181", "threat-of-death-or-serious-harm").status == MAY_SUPPORT
    assert element(report, "pha-s4", "fear-on-two-occasions").status == NOT_SHOWN  # no fear recorded
    limit = offence(report, "pha-s2").limit
    assert limit is not None and limit.latest_event == date(2025, 3, 5) and limit.state == "near"


def test_the_command_on_a_real_case(new_case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "story.json"
    path.write_text(json.dumps({"casetrail_generic": 1, "events": STORY}), encoding="utf-8")
    import_file(new_case, path)
    link(new_case, "Casey Marsh", ["+447700900587", "+447700900913"])
    root = str(new_case.layout.root)
    new_case.close()
    monkeypatch.setenv("CASETRAIL_PASSPHRASE", PASSPHRASE)
    shown = CliRunner().invoke(app, ["offences", "--case", root, "--person", "Casey Marsh", "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["accounts"] == ["phone:+447700900587", "phone:+447700900913"]
    assert "offences-england-wales" in data["versions"] and len(data["versions"]) > 1
    conduct = next(o for o in data["offences"] if o["id"] == "pha-s2")["elements"][0]
    assert conduct["status"] == "may-support" and conduct["count"] >= 3
