"""Each item's evidence signals, one at a time: met, it pre-marks the item; not met, it does not."""

from __future__ import annotations

import pytest

from casetrail.analysis.findings import CategoryEvidence, Findings
from casetrail.analysis.risk import SUGGESTED, Instrument, Item, Signal, Suggestion, applies, load, premark
from tests.analysis.risk.build import empty, findings_below, findings_for, with_category, with_figure

INSTRUMENTS = {name: load(name) for name in ("dash", "s-dash", "digital")}
CASES = [
    pytest.param(instrument, item, signal, id=f"{item.id}-{signal.kind}-{signal.name}")
    for instrument in INSTRUMENTS.values()
    for item in instrument.items
    for signal in item.suggested_by
]


def suggested(instrument: Instrument, findings: Findings) -> dict[str, Suggestion]:
    return {s.item: s for s in premark(instrument, findings)}


@pytest.mark.parametrize(("instrument", "item", "signal"), CASES)
def test_each_signal_premarks_its_item(instrument: Instrument, item: Item, signal: Signal) -> None:
    found = premark(instrument, findings_for(signal))
    mine = [s for s in found if s.item == item.id]
    assert len(mine) == 1
    assert mine[0].suggested == SUGGESTED and mine[0].reasons and mine[0].topic == item.topic


@pytest.mark.parametrize(("instrument", "item", "signal"), CASES)
def test_a_near_miss_does_not_premark_the_item(instrument: Instrument, item: Item, signal: Signal) -> None:
    found = premark(instrument, findings_below(signal))
    assert item.id not in {s.item for s in found}


def test_nothing_is_premarked_without_evidence() -> None:
    for instrument in INSTRUMENTS.values():
        assert premark(instrument, empty()) == []


def test_every_packaged_signal_is_tested() -> None:
    # Items that evidence can never suggest (injury, pregnancy...) are asked, never pre-marked.
    assert len(CASES) >= 40
    dash = INSTRUMENTS["dash"]
    assert not dash.item("dash-15").suggested_by and not dash.item("dash-01").suggested_by


def test_a_suggestion_names_its_events_with_exhibit_and_place() -> None:
    findings = with_category("THREAT.VIOLENCE", times=3)
    [threat] = [s for s in premark(INSTRUMENTS["s-dash"], findings) if s.item == "sdash-06"]
    assert threat.reasons == ("3 event(s) from the person labelled THREAT.VIOLENCE, on 3 day(s)",)
    assert [e.ref.uid for e in threat.evidence] == ["ev0", "ev1", "ev2"]
    assert threat.evidence[0].ref.exhibit == "RH/1" and threat.evidence[0].ref.locator == "message 0"
    assert threat.evidence[0].words == ("some words",)
    assert threat.to_json()["evidence"][0]["exhibit"] == "RH/1"


def test_a_group_signal_matches_every_category_in_the_group() -> None:
    findings = with_category("THREAT.SELF_HARM_COERCION")
    findings.behaviour["THREAT.OTHER"] = with_category("THREAT.OTHER").behaviour["THREAT.OTHER"]
    [d12] = [s for s in premark(INSTRUMENTS["digital"], findings) if s.item == "D12"]
    assert len(d12.reasons) == 2 and "THREAT.OTHER" in d12.reasons[0]


def test_an_empty_category_does_not_premark() -> None:
    findings = empty()
    findings.behaviour["THREAT.VIOLENCE"] = CategoryEvidence("THREAT.VIOLENCE")
    assert premark(INSTRUMENTS["s-dash"], findings) == []


def test_contact_after_a_stop_request_points_at_the_request_and_the_first_contact_after() -> None:
    [d11] = [
        s for s in premark(INSTRUMENTS["digital"], with_figure("contacts_after_stop", 7)) if s.item == "D11"
    ]
    assert "7 contacts after 1 request(s)" in d11.reasons[0]
    assert [e.ref.uid for e in d11.evidence] == ["ev90", "ev91"]


def test_night_contact_needs_five_for_the_digital_item() -> None:
    assert "D11" not in {s.item for s in premark(INSTRUMENTS["digital"], with_figure("night", 4))}
    assert "D11" in {s.item for s in premark(INSTRUMENTS["digital"], with_figure("night", 5))}


def test_more_often_compares_the_latest_28_days_with_the_28_before() -> None:
    [dash10] = premark(INSTRUMENTS["dash"], with_figure("more_often", 3))
    assert dash10.item == "dash-10" and dash10.reasons == (
        "5 contacts in the latest 28 days of contact, 2 in the 28 days before",
    )
    assert premark(INSTRUMENTS["dash"], with_figure("more_often", 0)) == []


def test_sdash_when_to_use_is_suggested_by_two_incidents_or_fear() -> None:
    sdash = INSTRUMENTS["s-dash"]
    assert applies(sdash, empty()) is None
    assert applies(sdash, with_figure("two_or_more_incidents", 1)) is None
    fits = applies(sdash, with_figure("two_or_more_incidents", 2))
    assert fits is not None and fits.reasons == ("contact on 2 different days",)
    assert applies(sdash, with_category("IMPACT.FEAR_OF_VIOLENCE", diary=True)) is not None
    assert applies(INSTRUMENTS["dash"], with_figure("two_or_more_incidents", 5)) is None


def test_diary_impact_counts_only_from_the_diary() -> None:
    fear = with_category("IMPACT.FEAR_OF_VIOLENCE", diary=True)
    assert {"dash-02", "dash-03"} <= set(suggested(INSTRUMENTS["dash"], fear))
    told = with_category("IMPACT.FEAR_OF_VIOLENCE")  # the same words on the person's side
    assert not {"dash-02", "dash-03"} & set(suggested(INSTRUMENTS["dash"], told))
