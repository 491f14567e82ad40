"""The offence-elements file: the shipped one loads, another jurisdiction's loads, bad files are refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from casetrail.analysis.offences import MAY_SUPPORT, NOT_SHOWN, packaged_rules, rules_from_path
from casetrail.rules import RulesError
from tests.analysis.offences.events import element, event, run, suspect

SCOTLAND = """\
format: casetrail-offence-elements
version: "0.1.0"
jurisdiction: Scotland (test file)
disclaimer: For the officer's consideration only; not legal advice.
offences:
  - id: cjla-s39
    title: Stalking
    statute: Criminal Justice and Licensing (Scotland) Act 2010, section 39
    in_force_from: 2010-12-13
    mode: either-way
    elements:
      - id: course-of-conduct
        text: Conduct on at least two occasions.
        evidence: {categories: [CONTACT.*, OFFLINE.PRESENCE], min_occasions: 2}
      - id: knew
        text: The person knew or ought to have known the conduct would cause fear or alarm.
        evidence: {derived: [IMPACT.STOP_REQUEST]}
  - id: old-offence
    title: An offence that ended
    statute: Test
    in_force_until: 2020-12-31
    mode: summary-only
    time_limit: {rule: six-months-from-latest}
    elements:
      - id: knew
        text: Knowledge.
        evidence: {derived: [IMPACT.STOP_REQUEST]}
"""


def test_the_shipped_file_loads_with_every_offence_in_the_brief() -> None:
    rules = packaged_rules()
    assert (rules.key, rules.jurisdiction) == ("offences-england-wales", "England and Wales")
    assert rules.version and "not legal advice" in rules.disclaimer
    ids = {o.id for o in rules.offences}
    expected = {"pha-s2", "pha-s2a", "pha-s4", "pha-s4a", "mca-s1", "ca-s127-1", "ca-s127-2", "osa-s179"}
    expected |= {"osa-s181", "soa-s66a", "soa-s66b-1", "soa-s66b-2", "soa-s66b-3", "soa-s66b-4", "cma-s1"}
    assert expected | {"breach-restraining-order", "breach-spo"} <= ids
    for offence in rules.offences:
        if offence.mode == "summary-only":
            assert offence.time_limit is not None, offence.id
        for row in offence.elements:
            assert offence.period.start is None or row.period.start is not None


def test_another_jurisdiction_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "offences-scotland.yaml"
    path.write_text(SCOTLAND, encoding="utf-8")
    rules = rules_from_path(path)
    assert (rules.key, rules.version) == ("offences-scotland", "0.1.0")
    report = run(
        [
            suspect("2025-01-01", "CONTACT.UNWANTED"),
            suspect("2025-01-02", "OFFLINE.PRESENCE"),
            event("victim", "2025-01-03", "IMPACT.STOP_REQUEST"),
        ],
        rules=rules,
    )
    assert report.to_json()["rules"] == {"file": "offences-scotland.yaml", "version": "0.1.0"}
    assert element(report, "cjla-s39", "course-of-conduct").status == MAY_SUPPORT
    assert element(report, "cjla-s39", "knew").status == MAY_SUPPORT
    # A stop request after an offence's last day says nothing about what was known while it applied.
    assert element(report, "old-offence", "knew").status == NOT_SHOWN
    early = run([event("victim", "2020-06-01", "IMPACT.STOP_REQUEST")], rules=rules, today=date(2021, 1, 1))
    assert element(early, "old-offence", "knew").status == MAY_SUPPORT


def test_a_file_with_a_python_tag_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.yaml"
    path.write_text(SCOTLAND.replace('version: "0.1.0"', "version: !!python/object/apply:os.getcwd []"))
    with pytest.raises(RulesError, match=r"evil\.yaml.*line 2"):
        rules_from_path(path)


def _broken(tmp_path: Path, old: str, new: str) -> Path:
    assert old in SCOTLAND
    path = tmp_path / "offences-broken.yaml"
    path.write_text(SCOTLAND.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "        text: Conduct on at least two occasions.\n",
            "",
            "offence cjla-s39, element course-of-conduct: 'text'",
        ),
        ("[CONTACT.*, OFFLINE.PRESENCE]", "[contact]", "element course-of-conduct, evidence: 'categories'"),
        ("min_occasions: 2", "min_occasions: 0", "element course-of-conduct, evidence: 'min_occasions'"),
        ("min_occasions: 2", "needs_linked_diary: true", "'needs_linked_diary' needs 'diary'"),
        ("{derived: [IMPACT.STOP_REQUEST]}", "{}", "offence cjla-s39, element knew, evidence: give"),
        ("in_force_from: 2010-12-13", "in_force_from: 13/12/2010", "offence cjla-s39: 'in_force_from'"),
        ("in_force_until: 2020-12-31", "in_force_from: 2021-01-01\n    in_force_until: 2020-12-31", "before"),
        ("mode: either-way", "mode: sometimes", "offence cjla-s39: 'mode'"),
        ("{rule: six-months-from-latest}", "{rule: s127-special}", "'long_stop_years'"),
        ("    statute: Test\n", "    statute: Test\n    penalty: 5 years\n", "unknown key 'penalty'"),
        ("id: old-offence", "id: cjla-s39", "two offences have the same id"),
        (
            "      - id: knew\n        text: The",
            "      - id: course-of-conduct\n        text: The",
            "same id",
        ),
        ("format: casetrail-offence-elements", "format: casetrail-other", "'format'"),
    ],
)
def test_a_bad_row_is_refused_and_named(tmp_path: Path, old: str, new: str, message: str) -> None:
    with pytest.raises(RulesError, match="offences-broken.yaml") as raised:
        rules_from_path(_broken(tmp_path, old, new))
    assert message in str(raised.value)
