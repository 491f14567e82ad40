"""Suggested links from diary entries to the person's events of the day before."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from casetrail.analysis.diary_links import DiaryLinkSuggester
from casetrail.analysis.evidence import EventRef, LabelledEvent
from casetrail.analysis.labels import Label, Side

START = datetime(2025, 5, 11, 12, tzinfo=UTC)


def labelled(hours: float, side: Side, *categories: str, linked: tuple[str, ...] = ()) -> LabelledEvent:
    at = START + timedelta(hours=hours)
    ref = EventRef(f"uid-{hours}", at, "whatsapp", "message", side, "RH/1", f"line {int(hours * 10)}")
    labels = tuple(Label(c, "w", "text", 0, 1, f"{c}#1", "rules:test@1") for c in categories)
    return LabelledEvent(ref, labels, linked=linked)


def test_the_most_serious_events_of_the_day_before_are_suggested() -> None:
    suggester = DiaryLinkSuggester()
    stream = [
        labelled(-30, "suspect", "THREAT.VIOLENCE"),  # more than a day before: not suggested
        labelled(0, "suspect", "CONTACT.UNWANTED"),
        labelled(1, "suspect", "MONITORING.KNOWLEDGE"),
        labelled(2, "suspect", "THREAT.VIOLENCE"),
        labelled(3, "suspect"),  # no label: not suggested
        labelled(4, "victim", "IMPACT.STOP_REQUEST"),
        labelled(5, "suspect", "FIXATION.DECLARATION"),
        labelled(6, "diary", "IMPACT.FEAR_OF_VIOLENCE", "IMPACT.ROUTINE_CHANGE"),
        labelled(7, "diary", "IMPACT.FEAR_OF_VIOLENCE", linked=("uid-2",)),  # already linked
        labelled(8, "diary", "OFFLINE.PRESENCE"),  # no impact recorded
    ]
    for event in stream:
        suggester.add(event)
    (suggestion,) = suggester.suggestions
    assert suggestion.diary.uid == "uid-6"
    assert suggestion.impact == ["IMPACT.FEAR_OF_VIOLENCE", "IMPACT.ROUTINE_CHANGE"]
    assert [cause.uid for cause, _ in suggestion.causes] == ["uid-2", "uid-1", "uid-5"]
    assert suggestion.to_json()["causes"][0]["categories"] == ["THREAT.VIOLENCE"]


def test_no_suggestion_without_contact_before() -> None:
    suggester = DiaryLinkSuggester()
    suggester.add(labelled(0, "diary", "IMPACT.SERIOUS_DISTRESS"))
    assert suggester.suggestions == []
