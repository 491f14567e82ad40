"""The shipped screenings load, say where they come from, and are checked like any rule file."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from casetrail.analysis.risk import FORMAT, PACKAGED, instrument_from, load, load_path, packaged_instruments
from casetrail.errors import CasetrailError
from casetrail.rules import RulesError, packaged


def test_each_shipped_screening_loads_with_its_source_and_version() -> None:
    found = {i.id: i for i in packaged_instruments()}
    assert set(found) == {"dash", "s-dash", "digital"}
    assert [len(found[i].items) for i in ("dash", "s-dash", "digital")] == [24, 11, 13]
    assert [item.id for item in found["digital"].items] == [f"D{n}" for n in range(1, 14)]
    assert found["dash"].item("dash-08").id == "dash-08" and found["s-dash"].items[0].id == "sdash-01"
    for screening in found.values():
        assert re.fullmatch(r"\d{4}\.\d+\.\d+", screening.version)
        assert screening.official_form and screening.official_form.startswith("http")
        assert screening.licence_note and screening.judgement and screening.source.get("authors")
    assert "Laura Richards" in found["dash"].source["authors"]
    assert "Sheridan" in found["s-dash"].source["authors"]


def test_only_dash_documents_a_threshold_and_it_is_safelives_fourteen() -> None:
    dash = load("dash")
    assert dash.threshold is not None and dash.threshold.yes_at_least == 14
    assert "SafeLives" in dash.threshold.source and "MARAC" in dash.threshold.action
    assert load("s-dash").threshold is None and load("digital").threshold is None
    assert "never lowers" in dash.judgement


def test_dash_stalking_topic_links_to_the_stalking_screening() -> None:
    [link] = load("dash").links
    assert (link.when_yes, link.instrument) == ("dash-08", "s-dash")
    assert "stalking screening" in link.words


def test_sdash_says_when_to_use_it_and_which_variants_exist() -> None:
    sdash = load("s-dash")
    assert (
        sdash.when_to_use
        and "two or more incidents" in sdash.when_to_use
        and "frightened" in sdash.when_to_use
    )
    assert any("VS-DASH" in variant for variant in sdash.variants)


def test_local_triggers_are_off_by_default_and_name_their_source() -> None:
    triggers = [t for i in packaged_instruments() for t in i.triggers]
    assert len(triggers) >= 5
    assert all(not t.enabled and t.source for t in triggers)


def test_an_unknown_id_is_a_clear_error() -> None:
    with pytest.raises(CasetrailError, match="no screening called 'sash'"):
        load("sash")


def _document(**changes: object) -> dict[str, object]:
    document = packaged(PACKAGED["s-dash"], FORMAT)
    document.update(changes)
    return document


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "ours.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    return path


def test_a_service_can_load_its_own_file(tmp_path: Path) -> None:
    ours = load_path(_write(tmp_path, _document(id="force-x", name="Force X stalking questions")))
    assert ours.id == "force-x" and len(ours.items) == 11


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"colour": "red"}, "unknown key 'colour'"),
        ({"answers": ["yes", "no"]}, "answers: must be"),
        ({"items": []}, "items: must be a non-empty list"),
        ({"source": "someone"}, "source: must say who"),
    ],
)
def test_a_bad_instrument_is_refused_naming_the_file(change: dict[str, object], message: str) -> None:
    with pytest.raises(RulesError, match=re.escape(message)) as raised:
        instrument_from(_document(**change), "ours.yaml")
    assert "ours.yaml" in str(raised.value)


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ({"topic": "A question?", "why": "Because."}, "item 1 id: must be text"),
        ({"id": "x1", "topic": 7, "why": "Because."}, "item x1 topic: must be text"),
        ({"id": "x1", "topic": "Q?", "why": "B.", "weight": 3}, "item x1: unknown key 'weight'"),
        ({"id": "x1", "topic": "Q " * 80, "why": "B."}, "item x1 topic: keep it under 120"),
        ({"id": "x1", "topic": "Q?", "why": "B.", "suggested_by": [{"figure": "moon"}]}, "figure 'moon'"),
        ({"id": "x1", "topic": "Q?", "why": "B.", "suggested_by": [{"behaviour": "threat"}]}, "not a behav"),
        ({"id": "x1", "topic": "Q?", "why": "B.", "suggested_by": [{"behaviour": "A.B", "diary": "C.D"}]},
         "exactly one of"),
        ({"id": "x1", "topic": "Q?", "why": "B.", "suggested_by": [{"figure": "night", "at_least": 0}]},
         "at_least: must be a whole number"),
    ],
)  # fmt: skip
def test_a_bad_item_is_refused_naming_the_file_and_item(item: dict[str, object], message: str) -> None:
    with pytest.raises(RulesError, match=re.escape(message)) as raised:
        instrument_from(_document(items=[item]), "ours.yaml")
    assert str(raised.value).startswith("Rule file ours.yaml, item")


def test_repeated_item_ids_and_bad_triggers_are_refused() -> None:
    item = {"id": "x1", "topic": "Q?", "why": "B."}
    with pytest.raises(RulesError, match="item x1: the id is used twice"):
        instrument_from(_document(items=[item, item]), "ours.yaml")
    trigger = {"id": "t", "source": "here", "prompt": "think", "when": {"any_yes": ["nope"]}}
    with pytest.raises(RulesError, match="trigger 1 when any_yes"):
        instrument_from(_document(triggers=[trigger]), "ours.yaml")
    with pytest.raises(RulesError, match="enabled: must be true or false"):
        instrument_from(_document(triggers=[{**trigger, "enabled": "yes please"}]), "ours.yaml")


def test_a_python_tag_in_a_screening_file_is_refused_and_never_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    path = tmp_path / "evil.yaml"
    path.write_text(
        'format: casetrail-risk-instrument\nversion: "1"\n'
        f'id: !!python/object/apply:os.system ["touch {marker}"]\n',
        encoding="utf-8",
    )
    with pytest.raises(RulesError, match=r"Rule file evil\.yaml \(line 3"):
        load_path(path)
    assert not marker.exists()


def test_a_file_of_another_format_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="'format' must be 'casetrail-risk-instrument'"):
        load_path(_write(tmp_path, {**_document(), "format": "casetrail-lexicon"}))
