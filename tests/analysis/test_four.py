"""FOUR: the evidence listed under each letter, and letters not shown when the evidence is not there."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from casetrail.analysis.conduct import Contact, conduct_figures
from casetrail.analysis.evidence import EventRef, LabelledEvent
from casetrail.analysis.findings import CategoryEvidence, Findings, StopRequest
from casetrail.analysis.four import four
from casetrail.analysis.labels import Label

LONDON = ZoneInfo("Europe/London")
START = datetime(2025, 1, 6, 12, tzinfo=UTC)


def ref(at: datetime, side: str = "suspect") -> EventRef:
    return EventRef(f"{at:%Y%m%d%H%M%S}", at, "sms", "message", side, "RH/1", "line 3")  # type: ignore[arg-type]


def evidence(category: str, words: str, count: int) -> CategoryEvidence:
    found = CategoryEvidence(category)
    for i in range(count):
        at = START + timedelta(days=i)
        label = Label(category, words, "text", 0, len(words), f"{category}#1", "rules:test@1")
        found.add(LabelledEvent(ref(at), (label,)), at.date())
    return found


def test_each_letter_lists_its_evidence_with_exhibits() -> None:
    contacts = [
        Contact(START + timedelta(days=d, hours=h), "sms", "message", True) for d in range(40) for h in (0, 8)
    ]
    contacts += [Contact(START + timedelta(days=3, minutes=m), "phone", "call", True) for m in range(12)]
    findings = Findings(conduct_figures(sorted(contacts, key=lambda c: c.at), LONDON))
    findings.behaviour = {
        "FIXATION.DECLARATION": evidence("FIXATION.DECLARATION", "we are meant to be together", 4),
        "MONITORING.KNOWLEDGE": evidence("MONITORING.KNOWLEDGE", "I saw you at the gym", 3),
        "CONTACT.UNWANTED": evidence("CONTACT.UNWANTED", "answer me", 5),
        "CONTACT.NEW_ACCOUNT": evidence("CONTACT.NEW_ACCOUNT", "", 1),
    }
    stop = StopRequest(ref(START + timedelta(days=10), "victim"), ["stop messaging me"], "asked", 55)
    stop.new_accounts_before_next = ["phone:+447700900913"]
    findings.stop_requests = [stop]
    fixated, obsessive, unwanted, repeated = four(findings)
    assert [letter.letter for letter in (fixated, obsessive, unwanted, repeated)] == ["F", "O", "U", "R"]
    assert all(letter.shown for letter in (fixated, obsessive, unwanted, repeated))
    assert any("over 39 days" in point for point in fixated.points)
    assert any("4 messages declare" in point for point in fixated.points)
    assert fixated.examples[0].words == ["we are meant to be together"]
    assert fixated.examples[0].ref.exhibit == "RH/1" and fixated.examples[0].ref.locator == "line 3"
    assert any("burst" in point for point in obsessive.points)
    assert any("3 messages show monitoring" in point for point in obsessive.points)
    assert any("55 contacts followed" in point for point in unwanted.points)
    assert any("1 account(s) or number(s) not used before" in point for point in unwanted.points)
    assert unwanted.examples[0].words == ["stop messaging me"]
    assert any("on 40 different days" in point for point in repeated.points)
    assert any("40 days in a row" in point for point in repeated.points)
    assert fixated.to_json()["examples"][0]["exhibit"] == "RH/1"


def test_a_single_message_shows_no_letter() -> None:
    findings = Findings(conduct_figures([Contact(START, "sms", "message", True)], LONDON))
    letters = four(findings)
    assert [letter.shown for letter in letters] == [False, False, False, False]
    assert all(letter.points == [] for letter in letters)


def test_night_contact_and_a_long_silence_count() -> None:
    night = [Contact(START.replace(hour=2) + timedelta(days=d), "sms", "message", True) for d in range(12)]
    findings = Findings(conduct_figures(night, LONDON))
    _fixated, obsessive, unwanted, repeated = four(findings)
    assert any("12 contacts between midnight and 6 am" in point for point in obsessive.points)
    assert any("12 contacts in a row with no reply" in point for point in unwanted.points)
    assert repeated.shown
