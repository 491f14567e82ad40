"""One analysis pass over a real case: sides, stop requests and what followed, derived labels,
people's decisions, diary links and the stored result."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from casetrail.analysis.evidence import LabelledEvent
from casetrail.analysis.pipeline import run_analysis
from casetrail.store.analysis_runs import latest_run, runs, save_run
from casetrail.store.case import Case
from casetrail.store.decisions import decide, decisions, diary_links, link_diary
from casetrail.store.importing import import_file
from casetrail.store.people import accounts_of_person, link
from casetrail.store.queries import TimelineFilter, timeline
from tests.analysis.lexicon_fixture import make_classifier

CLASSIFIER = make_classifier()


def event(time: str, sender: str, text: str, direction: str = "incoming", **extra: str) -> dict[str, Any]:
    return {"time": time, "channel": "sms", "direction": direction, "from": sender, "text": text, **extra}


ME, CASEY = "+447700900142", "+447700900587"
STORY = [
    event("2025-03-01T20:00:00Z", "+447700900587", "I saw you at the gym"),
    event("2025-03-01T20:05:00Z", ME, "Please stop messaging me", "outgoing", to=CASEY),
    event("2025-03-01T20:20:00Z", ME, "Leave me alone", "outgoing", to=CASEY),
    event("2025-03-01T21:00:00Z", "+447700900587", "I'll hurt you"),
    event("2025-03-02T09:00:00Z", "+447700900587", "Answer me"),
    event("2025-03-03T09:00:00Z", "+447700900913", "New number. I will kill you"),
    event("2025-03-04T09:00:00Z", "+447700900274", "Are you okay?"),  # a friend: not the person
    {"time": "2025-03-04T10:00:00Z", "channel": "in-person", "kind": "in-person-incident", "direction": "n/a",
     "text": "Casey was waiting outside my work"},
    event("2025-03-05T09:00:00Z", "+447700900587", "I'll hurt you, you're pathetic"),
]  # fmt: skip


@pytest.fixture
def story_case(new_case: Case, tmp_path: Path) -> Case:
    path = tmp_path / "story.json"
    path.write_text(json.dumps({"casetrail_generic": 1, "events": STORY}), encoding="utf-8")
    import_file(new_case, path)
    link(new_case, "Casey Marsh", ["+447700900587", "+447700900913"])
    return new_case


def analyse(case: Case, consumers: list[Any] | None = None) -> Any:
    return run_analysis(case, accounts_of_person(case, "Casey Marsh"), consumers or [], CLASSIFIER)


class Collect:
    def __init__(self) -> None:
        self.events: list[LabelledEvent] = []

    def add(self, labelled: LabelledEvent) -> None:
        self.events.append(labelled)


def test_the_stop_request_and_the_contact_after_it(story_case: Case) -> None:
    findings = analyse(story_case)
    (stop,) = findings.stop_requests  # the second request within the hour is the same occasion
    assert stop.how == "asked" and stop.words == ["stop messaging me"] and len(stop.also) == 1
    assert stop.contacts_after == 4 and len(stop.days_after) == 4
    assert stop.channels_after == {"sms": 4}
    assert stop.new_accounts_after == ["phone:+447700900913"]
    assert stop.first_after is not None and stop.first_after.at is not None
    assert stop.first_after.at.isoformat().startswith("2025-03-01T21:00")
    assert findings.contacts_after_first_stop == 4


def test_sides_and_derived_labels_reach_every_consumer(story_case: Case) -> None:
    collected = Collect()
    findings = analyse(story_case, [collected])
    sides = [e.ref.side for e in collected.events]
    assert sides == [
        "suspect",
        "victim",
        "victim",
        "suspect",
        "suspect",
        "suspect",
        "other",
        "diary",
        "suspect",
    ]
    after = [e for e in collected.events if e.has("CONTACT.AFTER_STOP")]
    assert len(after) == 4 and all(e.ref.side == "suspect" for e in after)
    assert [e.ref.account for e in collected.events if e.has("CONTACT.NEW_ACCOUNT")] == [
        "phone:+447700900913"
    ]
    assert findings.behaviour["THREAT.VIOLENCE"].count == 3
    assert len(findings.behaviour["THREAT.VIOLENCE"].days) == 3
    assert findings.behaviour["MONITORING.KNOWLEDGE"].count == 1
    assert "IMPACT.STOP_REQUEST" not in findings.behaviour  # the victim's words are not the person's conduct
    assert findings.diary["OFFLINE.PRESENCE"].count == 1
    diary = next(e for e in collected.events if e.ref.side == "diary")
    assert diary.own_words == {"what_happened": "Casey was waiting outside my work"}
    assert all(e.ref.exhibit and e.ref.locator for e in collected.events)
    assert findings.conduct.contacts == 5 and findings.conduct.replies == 2


def test_a_rejected_label_stops_counting_and_a_confirmed_one_is_added(story_case: Case) -> None:
    rows = timeline(story_case, TimelineFilter())
    threat = next(r for r in rows if r.text == "I'll hurt you")
    answer = next(r for r in rows if r.text == "Answer me")
    decide(story_case, threat.uid, "THREAT.VIOLENCE", "rejected", "Officer A", "said in a film quote")
    decide(story_case, answer.uid, "contact.unwanted", "confirmed", "Officer A")
    findings = analyse(story_case)
    assert findings.behaviour["THREAT.VIOLENCE"].count == 2
    assert findings.behaviour["CONTACT.UNWANTED"].count == 1
    made = decisions(story_case)
    assert [(d.category, d.decision, d.by) for d in made] == [
        ("THREAT.VIOLENCE", "rejected", "Officer A"), ("CONTACT.UNWANTED", "confirmed", "Officer A"),
    ]  # fmt: skip
    decide(story_case, threat.uid, "THREAT.VIOLENCE", "confirmed", "Officer B")  # the latest stands
    assert analyse(story_case).behaviour["THREAT.VIOLENCE"].count == 3
    assert len(decisions(story_case)) == 3  # the rejection stays on record


def test_diary_entries_carry_their_links(story_case: Case) -> None:
    rows = timeline(story_case, TimelineFilter())
    diary = next(r for r in rows if r.kind == "in-person-incident")
    threat = next(r for r in rows if r.text == "I'll hurt you")
    assert link_diary(story_case, diary.uid, [threat.uid, threat.uid], "Robin") == 1
    assert diary_links(story_case) == {bytes.fromhex(diary.uid): [bytes.fromhex(threat.uid)]}
    collected = Collect()
    analyse(story_case, [collected])
    entry = next(e for e in collected.events if e.ref.side == "diary")
    assert entry.linked == (threat.uid,)


def test_results_are_stored_with_the_rule_versions(story_case: Case) -> None:
    findings = analyse(story_case)
    assert findings.versions["behaviour-en-test.yaml"] == "test-1"
    assert "severity.yaml" in findings.versions
    first = save_run(story_case, "course-of-conduct", findings.versions, findings.to_json())
    save_run(story_case, "course-of-conduct", findings.versions, {"again": True})
    stored = runs(story_case, "course-of-conduct")
    assert stored[0].id == first and len(stored) == 2
    assert stored[0].result["stop_requests"][0]["contacts_after"] == 4
    assert stored[0].versions == findings.versions and stored[0].by == story_case.producer.name
    latest = latest_run(story_case, "course-of-conduct")
    assert latest is not None and latest.result == {"again": True}


def test_without_a_person_incoming_is_the_other_side(story_case: Case) -> None:
    findings = run_analysis(story_case, None, (), CLASSIFIER)
    assert findings.conduct.contacts == 6  # the friend's message counts too: nobody is named
    assert findings.stop_requests[0].contacts_after == 5


def test_each_request_counts_all_contact_after_it_and_up_to_the_next(new_case: Case, tmp_path: Path) -> None:
    story = [
        *STORY[:6],
        event("2025-03-03T12:00:00Z", ME, "Leave me alone", "outgoing", to=CASEY),
        *STORY[6:],
    ]
    path = tmp_path / "story.json"
    path.write_text(json.dumps({"casetrail_generic": 1, "events": story}), encoding="utf-8")
    import_file(new_case, path)
    link(new_case, "Casey Marsh", ["+447700900587", "+447700900913"])
    first, second = analyse(new_case).stop_requests
    assert (first.contacts_after, first.contacts_before_next) == (4, 3)
    assert (second.contacts_after, second.contacts_before_next) == (1, 1)
    assert first.new_accounts_after == ["phone:+447700900913"] and second.new_accounts_after == []
    assert len(first.days_after) == 4 and len(second.days_after) == 1
    assert first.to_json()["contacts_before_next_request"] == 3


def test_a_label_for_review_counts_only_once_a_person_confirms_it(new_case: Case, tmp_path: Path) -> None:
    story = [*STORY, event("2025-03-06T09:00:00Z", CASEY, "I'd never hurt you... unless you leave me")]
    path = tmp_path / "story.json"
    path.write_text(json.dumps({"casetrail_generic": 1, "events": story}), encoding="utf-8")
    import_file(new_case, path)
    link(new_case, "Casey Marsh", [CASEY, "+447700900913"])
    findings = analyse(new_case)
    assert findings.behaviour["THREAT.VIOLENCE"].count == 3
    assert findings.to_review["THREAT.VIOLENCE"].count == 1
    assert findings.to_review["THREAT.VIOLENCE"].examples[0].words == ["I'd never hurt you"]
    hedged = next(r for r in timeline(new_case, TimelineFilter()) if r.text.startswith("I'd never"))
    decide(new_case, hedged.uid, "THREAT.VIOLENCE", "confirmed", "Officer A")
    again = analyse(new_case)
    assert again.behaviour["THREAT.VIOLENCE"].count == 4 and "THREAT.VIOLENCE" not in again.to_review
