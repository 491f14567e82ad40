"""Each element rule on hand-made streams: what may support it, and what does not."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from casetrail.analysis.evidence import EventRef, LabelledEvent
from casetrail.analysis.labels import Side
from casetrail.analysis.offences import (
    EXAMPLES_EACH,
    MAY_SUPPORT,
    NEEDS_ENQUIRY,
    NOT_SHOWN,
    ElementRule,
    packaged_rules,
)
from tests.analysis.offences.events import diary, element, event, label, offence, run, suspect

OWN = {
    "what_happened": "He was waiting by my car again.",
    "how_it_made_me_feel": "Shaking, I thought he would hurt me.",
    "impact": "I have stopped driving to work and get a lift now.",
}


# --- course of conduct ---------------------------------------------------------------------------------


def test_course_of_conduct_needs_two_occasions_one_day_is_not_enough() -> None:
    same_day = run(
        [suspect("2025-03-03", "CONTACT.UNWANTED"), suspect("2025-03-03", "ABUSE.INSULT", hour=18)]
    )
    found = element(same_day, "pha-s2", "course-of-conduct")
    assert (found.status, found.count, found.occasions) == (NOT_SHOWN, 2, 1)
    assert found.hint and "needs at least 2" in found.hint
    two_days = run([suspect("2025-03-03", "CONTACT.UNWANTED"), suspect("2025-03-05", "CONTACT.UNWANTED")])
    assert element(two_days, "pha-s2", "course-of-conduct").status == MAY_SUPPORT
    assert element(two_days, "pha-s2", "course-of-conduct").occasions == 2


def test_occasions_are_days_in_the_case_time_zone() -> None:
    # 23:00 and 23:30 UTC on 1 June are 00:00 and 00:30 on 2 June in London (BST): one day, one occasion.
    late = [
        suspect("2025-06-01", "CONTACT.UNWANTED", hour=23),
        suspect("2025-06-02", "CONTACT.UNWANTED", hour=0),
    ]
    assert element(run(late), "pha-s2", "course-of-conduct").occasions == 1
    assert element(run(late, zone=ZoneInfo("UTC")), "pha-s2", "course-of-conduct").occasions == 2


def test_victim_and_unknown_side_events_are_not_the_persons_conduct() -> None:
    report = run(
        [event("victim", "2025-03-03", "ABUSE.INSULT"), event("unknown", "2025-03-04", "ABUSE.INSULT")]
    )
    assert element(report, "pha-s2", "course-of-conduct").count == 0


def test_a_rejected_label_is_not_evidence() -> None:
    rejected = label("ABUSE.INSULT", decision="rejected")
    report = run([suspect("2025-03-03", labels=[rejected]), suspect("2025-03-04", labels=[rejected])])
    assert element(report, "pha-s2", "amounts-to-harassment").status == NOT_SHOWN
    # The messages themselves are still contact from the person.
    assert element(report, "pha-s2", "course-of-conduct").status == MAY_SUPPORT


def test_every_contact_counts_as_conduct_even_without_a_label() -> None:
    calls = [suspect("2025-03-03"), suspect("2025-03-04"), suspect("2025-03-04", hour=13)]
    report = run(calls)
    assert element(report, "pha-s2", "course-of-conduct").count == 3
    assert element(report, "ca-s127-2", "persistent-use").status == MAY_SUPPORT
    assert element(report, "pha-s2", "amounts-to-harassment").status == NOT_SHOWN
    assert element(report, "pha-s2a", "stalking-behaviours").status == NOT_SHOWN
    assert offence(report, "pha-s2").in_period == 3


# --- amounts to harassment ------------------------------------------------------------------------------


def test_harassment_from_the_persons_words_or_the_victims_diary() -> None:
    insult = run([suspect("2025-03-03", "ABUSE.INSULT", words="worthless")])
    found = element(insult, "pha-s2", "amounts-to-harassment")
    assert found.status == MAY_SUPPORT and found.examples[0].words == ["worthless"]
    distress = run([diary("2025-03-03", "IMPACT.SERIOUS_DISTRESS", own_words=OWN)])
    found = element(distress, "pha-s2", "amounts-to-harassment")
    assert found.status == MAY_SUPPORT and found.diary[0].own_words == OWN
    plain = run([suspect("2025-03-03", "FIXATION.DECLARATION")])
    assert element(plain, "pha-s2", "amounts-to-harassment").status == NOT_SHOWN


def test_conduct_recorded_in_the_diary_counts_as_the_persons_conduct() -> None:
    report = run(
        [
            diary("2025-03-03", "OFFLINE.PRESENCE", words="waiting outside my work"),
            diary("2025-03-07", "OFFLINE.PRESENCE", "IMPACT.SERIOUS_DISTRESS", words="followed me home"),
        ]
    )
    assert element(report, "pha-s2a", "course-of-conduct").status == MAY_SUPPORT
    behaviours = element(report, "pha-s2a", "stalking-behaviours")
    assert behaviours.examples[0].ref.side == "diary" and behaviours.examples[0].words == [
        "waiting outside my work"
    ]
    # The impact label in the same entry is the victim's account of it, kept apart from the conduct.
    harassment = element(report, "pha-s2", "amounts-to-harassment")
    assert (harassment.count, harassment.diary_count) == (2, 1)


# --- knew or ought to know ------------------------------------------------------------------------------


def test_knowledge_from_stop_requests_and_contact_after_them() -> None:
    report = run(
        [
            event("victim", "2025-02-19", "IMPACT.STOP_REQUEST", words="do not contact me again"),
            suspect("2025-02-19", "CONTACT.AFTER_STOP", "CONTACT.UNWANTED", hour=20),
            suspect("2025-02-25", "CONTACT.AFTER_STOP", "CONTACT.NEW_ACCOUNT"),
            event("system", "2025-02-26", "IMPACT.STOP_REQUEST", words="You blocked this contact"),
        ]
    )
    found = element(report, "pha-s2a", "knew-or-ought-to-know")
    assert found.status == MAY_SUPPORT
    assert found.derived == {"IMPACT.STOP_REQUEST": 2, "CONTACT.AFTER_STOP": 2, "CONTACT.NEW_ACCOUNT": 1}
    assert found.examples[0].words == ["do not contact me again"]


def test_no_knowledge_without_a_stop_request_or_contact_after_one() -> None:
    report = run(
        [
            suspect("2025-02-19", "CONTACT.UNWANTED"),
            event(
                "unknown", "2025-02-19", "IMPACT.STOP_REQUEST"
            ),  # side not known: not taken as the victim's
        ]
    )
    assert element(report, "pha-s2", "knew-or-ought-to-know").status == NOT_SHOWN


# --- s2A behaviours -------------------------------------------------------------------------------------


def test_stalking_behaviours_are_counted_by_the_s2a_list() -> None:
    report = run(
        [
            suspect("2025-04-01", "OFFLINE.PRESENCE", words="outside your house"),
            suspect("2025-04-02", "MONITORING.KNOWLEDGE", words="nice dress at the party"),
            suspect("2025-04-03", "IMPERSONATION"),
            suspect("2025-04-04", "CONTACT.UNWANTED"),
        ]
    )
    found = element(report, "pha-s2a", "stalking-behaviours")
    assert found.status == MAY_SUPPORT and found.count == 4
    groups = {g.name.split(" (")[-1].rstrip(")"): g.count for g in found.groups}
    assert groups == {"a": 1, "b": 1, "c": 1, "d": 1, "e": 1, "f": 1, "g": 2}
    assert found.examples[0].words == ["outside your house"]


def test_behaviour_outside_the_s2a_list_is_not_a_stalking_behaviour() -> None:
    report = run([suspect("2025-04-01", "FLASHING.IMAGES"), suspect("2025-04-02", "FLASHING.IMAGES")])
    assert element(report, "pha-s2a", "stalking-behaviours").status == NOT_SHOWN
    assert element(report, "pha-s4a", "course-of-conduct-amounting-to-stalking").status == NOT_SHOWN
    # A message is contact (b), whatever else it shows: threats count as well as unwanted contact.
    threats = run([suspect("2025-04-01", "THREAT.VIOLENCE"), suspect("2025-04-02", "FIXATION.DECLARATION")])
    assert element(threats, "pha-s4a", "course-of-conduct-amounting-to-stalking").status == MAY_SUPPORT


# --- fear of violence on two occasions (s4, s4A(1)(b)(i)) -----------------------------------------------


def _threat_and_fear(day: str, uid: str) -> list[LabelledEvent]:
    return [
        suspect(day, "THREAT.VIOLENCE", uid=uid, words="you won't see next week"),
        diary(day, "IMPACT.FEAR_OF_VIOLENCE", hour=21, own_words=OWN, linked=[uid]),
    ]


def test_fear_on_two_occasions_from_linked_diary_entries() -> None:
    report = run(_threat_and_fear("2025-05-01", "t1") + _threat_and_fear("2025-05-09", "t2"))
    for offence_id in ("pha-s4", "pha-s4a"):
        found = element(report, offence_id, "fear-on-two-occasions")
        assert found.status == MAY_SUPPORT and found.occasions == 2
        assert [link.ref.uid for entry in found.diary for link in entry.linked if link.ref] == ["t1", "t2"]
        assert found.diary[0].own_words["how_it_made_me_feel"] == OWN["how_it_made_me_feel"]


def test_fear_on_one_occasion_is_not_enough() -> None:
    found = element(run(_threat_and_fear("2025-05-01", "t1")), "pha-s4", "fear-on-two-occasions")
    assert found.status == NOT_SHOWN and found.occasions == 1
    assert found.hint and "needs at least 2" in found.hint


def test_fear_in_the_diary_counts_only_when_linked_to_the_persons_events() -> None:
    unlinked = [
        suspect("2025-05-01", "THREAT.VIOLENCE"),
        suspect("2025-05-09", "THREAT.VIOLENCE"),
        diary("2025-05-01", "IMPACT.FEAR_OF_VIOLENCE"),
        diary("2025-05-09", "IMPACT.FEAR_OF_VIOLENCE"),
    ]
    found = element(run(unlinked), "pha-s4", "fear-on-two-occasions")
    assert found.status == NOT_SHOWN and found.diary_count == 2
    assert found.hint and "linking an entry" in found.hint
    # Linked to the victim's own message, not the person's: shown, but not an occasion.
    own = [
        event("victim", "2025-05-01", uid="v1"),
        diary("2025-05-01", "IMPACT.FEAR_OF_VIOLENCE", linked=["v1"]),
    ]
    found = element(run(own), "pha-s4", "fear-on-two-occasions")
    assert found.occasions == 0 and found.diary[0].linked[0].ref is None


def test_a_diary_entry_may_come_before_the_event_it_is_linked_to() -> None:
    stream = [
        diary("2025-05-01", "IMPACT.FEAR_OF_VIOLENCE", hour=8, linked=["later-1"]),
        suspect("2025-05-01", "THREAT.VIOLENCE", hour=9, uid="later-1"),
        diary("2025-05-03", "IMPACT.FEAR_OF_VIOLENCE", hour=8, linked=["later-2"]),
        suspect("2025-05-03", "OFFLINE.PRESENCE", hour=9, uid="later-2"),
    ]
    found = element(run(stream), "pha-s4", "fear-on-two-occasions")
    assert found.status == MAY_SUPPORT and found.occasions == 2


def test_a_diary_entry_recording_the_act_and_the_fear_is_its_own_occasion() -> None:
    stream = [
        diary("2025-05-01", "OFFLINE.PRESENCE", "IMPACT.FEAR_OF_VIOLENCE", own_words=OWN),
        diary("2025-05-04", "OFFLINE.PRESENCE", "IMPACT.FEAR_OF_VIOLENCE"),
    ]
    found = element(run(stream), "pha-s4", "fear-on-two-occasions")
    assert found.status == MAY_SUPPORT and found.occasions == 2
    assert found.diary[0].records_conduct and found.diary[0].linked == []


def test_the_victims_own_messages_about_fear_are_shown_but_are_not_occasions() -> None:
    stream = [
        suspect("2025-05-01", "THREAT.VIOLENCE"),
        event("victim", "2025-05-01", "IMPACT.FEAR_OF_VIOLENCE", words="you are scaring me", hour=13),
    ]
    found = element(run(stream), "pha-s4", "fear-on-two-occasions")
    assert found.diary_count == 1 and found.diary[0].words == ["you are scaring me"]
    assert found.occasions == 0 and found.status == NOT_SHOWN


def test_knowing_it_would_cause_fear_each_time() -> None:
    found = element(
        run([suspect("2025-05-01", "THREAT.VIOLENCE")]), "pha-s4", "knew-or-ought-to-know-each-time"
    )
    assert found.status == MAY_SUPPORT
    found = element(run([suspect("2025-05-01", "ABUSE.INSULT")]), "pha-s4", "knew-or-ought-to-know-each-time")
    assert found.status == NOT_SHOWN


# --- s4A(1)(b)(ii): serious alarm or distress with a substantial adverse effect -------------------------


def test_substantial_adverse_effect_shown_entry_by_entry_in_own_words() -> None:
    stream = [
        suspect("2025-06-01", "OFFLINE.PRESENCE", uid="car"),
        diary(
            "2025-06-02",
            "IMPACT.ROUTINE_CHANGE",
            words="stopped driving to work",
            own_words=OWN,
            linked=["car"],
        ),
        diary(
            "2025-06-20",
            "IMPACT.ROUTINE_CHANGE",
            words="changed my number",
            own_words={"impact": "New number."},
        ),
    ]
    found = element(run(stream), "pha-s4a", "serious-alarm-or-distress-with-substantial-effect")
    assert found.status == MAY_SUPPORT and found.diary_count == 2
    first, second = found.to_json()["diary"]
    assert first["own_words"] == OWN and first["words"] == ["stopped driving to work"]
    assert first["linked"][0]["event"]["exhibit"] == "RH/1" and first["linked"][0]["in_period"]
    assert second["linked"] == [] and second["own_words"] == {"impact": "New number."}


def test_no_substantial_adverse_effect_without_diary_entries() -> None:
    found = element(
        run([suspect("2025-06-01", "OFFLINE.PRESENCE")]),
        "pha-s4a",
        "serious-alarm-or-distress-with-substantial-effect",
    )
    assert found.status == NOT_SHOWN and found.diary == []


# --- rules in force on each event's date ----------------------------------------------------------------


def test_30_january_2024_is_the_old_threat_limb_and_31_january_the_new_offence() -> None:
    before = run([suspect("2024-01-30", "THREAT.VIOLENCE")])
    assert element(before, "mca-s1", "threat").status == MAY_SUPPORT
    assert element(before, "osa-s181", "threat-of-death-or-serious-harm").status == NOT_SHOWN
    assert offence(before, "osa-s181").in_period == 0
    after = run([suspect("2024-01-31", "THREAT.VIOLENCE")])
    assert element(after, "mca-s1", "threat").status == NOT_SHOWN
    assert element(after, "mca-s1", "threat").outside_period == 1
    assert element(after, "osa-s181", "threat-of-death-or-serious-harm").status == MAY_SUPPORT


def test_the_date_is_the_local_date() -> None:
    # 23:30 UTC on 30 January is already 31 January in Tokyo.
    late = event("suspect", "2024-01-30", "THREAT.VIOLENCE", hour=23)
    report = run([late], zone=ZoneInfo("Asia/Tokyo"))
    assert element(report, "osa-s181", "threat-of-death-or-serious-harm").status == MAY_SUPPORT
    assert element(report, "mca-s1", "threat").status == NOT_SHOWN


def test_stalking_offences_begin_on_25_november_2012() -> None:
    report = run([suspect("2012-11-23", "OFFLINE.PRESENCE"), suspect("2012-11-24", "OFFLINE.PRESENCE")])
    assert element(report, "pha-s2", "course-of-conduct").status == MAY_SUPPORT
    assert element(report, "pha-s2a", "course-of-conduct").status == NOT_SHOWN
    assert element(report, "pha-s2a", "course-of-conduct").outside_period == 2


def test_image_offences_change_on_31_january_2024_and_threats_to_disclose_began_in_2021() -> None:
    early = run([suspect("2021-06-28", "IMAGE.THREAT_TO_SHARE")])
    assert element(early, "cjca-s33", "threatened-to-disclose").status == NOT_SHOWN
    mid = run([suspect("2023-06-01", "IMAGE.THREAT_TO_SHARE")])
    assert element(mid, "cjca-s33", "threatened-to-disclose").status == MAY_SUPPORT
    assert element(mid, "soa-s66b-4", "threat-to-share").status == NOT_SHOWN
    late = run([suspect("2024-02-01", "IMAGE.THREAT_TO_SHARE")])
    assert element(late, "soa-s66b-4", "threat-to-share").status == MAY_SUPPORT
    assert element(late, "cjca-s33", "threatened-to-disclose").status == NOT_SHOWN


# --- what casetrail cannot show -------------------------------------------------------------------------


def test_elements_casetrail_cannot_show_always_need_enquiry() -> None:
    report = run([suspect("2024-03-01", "REPUTATION", words="she steals from work")])
    knew_false = element(report, "osa-s179", "knew-false")
    assert knew_false.status == NEEDS_ENQUIRY and knew_false.count == 1
    assert knew_false.rule.evidence.note and "enquiry" in knew_false.rule.evidence.note
    assert element(run([]), "osa-s179", "knew-false").status == NEEDS_ENQUIRY
    statuses = {e["status_text"] for o in report.to_json()["offences"] for e in o["elements"]}
    assert statuses <= {"evidence that may support it", "not shown in the events held", "needs enquiry"}
    assert "met" not in " ".join(statuses).split()


# --- examples are bounded -------------------------------------------------------------------------------


def test_counts_are_exact_and_examples_are_the_first_and_latest() -> None:
    start = date(2025, 1, 1)
    stream = [suspect(start + timedelta(days=i), "CONTACT.UNWANTED", words=f"m{i}") for i in range(100)]
    found = element(run(stream), "pha-s2", "course-of-conduct")
    assert found.count == 100 and found.occasions == 100
    assert [e.words[0] for e in found.examples] == ["m0", "m1", "m2", "m97", "m98", "m99"]
    assert len(found.examples) == 2 * EXAMPLES_EACH
    example = found.to_json()["examples"][0]
    assert (
        example["exhibit"] == "RH/1" and example["locator"].startswith("line ") and example["words"] == ["m0"]
    )


def test_undated_events_are_counted_not_placed() -> None:
    ref = EventRef("u1", None, "sms", "message", "suspect", "RH/1", "line 1")
    report = run([LabelledEvent(ref, (label("THREAT.VIOLENCE"),))])
    assert report.undated == 1 and element(report, "osa-s181", "threat-of-death-or-serious-harm").count == 0


# --- every element row of the shipped file: a stream that fits it, and one that does not ----------------


def _day_in(rule: ElementRule, offset: int) -> date:
    start = rule.period.start or date(2020, 1, 1)
    day = start + timedelta(days=10 + offset)
    assert rule.period.contains(day)
    return day


def _concrete(pattern: str) -> str:
    return pattern.replace(".*", ".ANY")


def _fitting(rule: ElementRule) -> list[LabelledEvent]:
    evidence, stream = rule.evidence, []
    for i in range(evidence.min_occasions):
        day = _day_in(rule, i)
        conduct = [_concrete(c) for c in evidence.conduct[:1]] or ["CONTACT.UNWANTED"]
        stream.append(suspect(day, *conduct, uid=f"s{i}"))
        if evidence.diary:
            stream.append(diary(day, _concrete(evidence.diary[0]), hour=20, linked=[f"s{i}"]))
        if evidence.derived:
            stream.append(event("victim", day, _concrete(evidence.derived[0]), hour=21))
    return stream


ROWS = [(o.id, e) for o in packaged_rules().offences for e in o.elements]


@pytest.mark.parametrize(("offence_id", "rule"), ROWS, ids=[f"{o}/{e.id}" for o, e in ROWS])
def test_each_element_row(offence_id: str, rule: ElementRule) -> None:
    expected = NEEDS_ENQUIRY if rule.evidence.note else MAY_SUPPORT
    assert element(run(_fitting(rule)), offence_id, rule.id).status == expected
    side: Side = "victim" if rule.evidence.any_contact else "suspect"  # any contact from the person counts
    unrelated = [event(side, _day_in(rule, i), "UNRELATED.CATEGORY") for i in range(3)]
    expected = NEEDS_ENQUIRY if rule.evidence.note else NOT_SHOWN
    assert element(run(unrelated), offence_id, rule.id).status == expected


def test_an_event_dated_now_is_placed() -> None:
    now = datetime.now(UTC)
    report = run([suspect(now.date(), "ABUSE.INSULT")], today=now.date())
    assert element(report, "mca-s1", "indecent-or-grossly-offensive").status == MAY_SUPPORT
