"""The lock-down steps: shipped files load, keep evidence first, say what may alert the other person,
use calm words, and a bad file is refused with the file and the step named."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from casetrail.rules import RulesError
from casetrail.safety.plan_steps import PlanFile, PlanStep, is_stale, load_plan_files, steps_for

PLATFORMS = {
    "general", "phone", "stalkerware", "google", "apple", "microsoft", "email", "whatsapp", "signal",
    "telegram", "instagram", "facebook", "messenger", "snapchat", "life360", "x", "discord",
}  # fmt: skip
# Words that tell a frightened person to withdraw, or blame them (docs: victims-experience.md, theme 2).
BANNED = (
    "just block", "stop looking", "switch off", "switch it off", "ignore", "your fault", "you should have",
    "why did you", "why didn't you", "overreact", "simply delete", "just delete", "delete the app",
    "change your number", "stay offline", "come off social media", "calm down",
)  # fmt: skip
# Steps that end another device's access or someone's view of where the person is.
ALERTING = ("linked-devices", "sessions", "location-sharing")


@pytest.fixture(scope="module")
def files() -> list[PlanFile]:
    return load_plan_files()


def _steps(files: list[PlanFile]) -> list[PlanStep]:
    return [step for plan in files for step in plan.steps]


def _texts(files: list[PlanFile]) -> list[tuple[str, str]]:
    """Every string a person will read, with where it came from."""
    found = []
    for plan in files:
        found.append((plan.platform, plan.name))
        for step in plan.steps:
            parts = [step.title, step.why, *step.how, step.preserve_first, step.may_reveal]
            found.extend((step.id, part) for part in parts if part)
    return found


def _banned_in(text: str) -> list[str]:
    lowered = " ".join(text.lower().replace("’", "'").split())
    return [phrase for phrase in BANNED if re.search(rf"\b{re.escape(phrase)}\b", lowered)]


def _sentence_lengths(text: str) -> list[int]:
    return [len(s.split()) for s in re.split(r"(?<=[.!?])\s+", text) if s.split()]


# -- the shipped files ----------------------------------------------------------------------------


def test_every_shipped_plan_file_loads_and_every_named_platform_has_one(files: list[PlanFile]) -> None:
    assert {plan.platform for plan in files} == PLATFORMS
    for plan in files:
        assert plan.source == f"{plan.platform}.yaml"
        assert 4 <= len(plan.steps) <= 8, plan.platform
        assert plan.version == "2026.11.1"
        assert [s.order for s in plan.steps] == sorted(s.order for s in plan.steps)
        assert all(s.id.startswith(f"{plan.platform}.") for s in plan.steps)
    ids = [s.id for s in _steps(files)]
    assert len(ids) == len(set(ids)) == 94
    assert {p.platform for p in files if p.always} == {"general", "phone", "stalkerware"}


def test_help_links_are_https_pages_on_every_platform(files: list[PlanFile]) -> None:
    for step in _steps(files):
        assert step.help is None or step.help.startswith("https://"), step.id
    without = {p.platform for p in files if all(s.help is None for s in p.steps)}
    assert without == set()
    assert all(s.help for s in next(p for p in files if p.platform == "x").steps)
    assert all(s.help for s in next(p for p in files if p.platform == "discord").steps)


def test_a_step_that_destroys_evidence_always_says_what_to_keep_first(files: list[PlanFile]) -> None:
    destroying = [s for s in _steps(files) if s.destroys_evidence]
    assert len(destroying) == 28
    for step in destroying:
        assert step.preserve_first is not None and " case" in step.preserve_first, step.id
    assert {"whatsapp.linked-devices", "stalkerware.options", "life360.leave-circle"} <= {
        s.id for s in destroying
    }


def test_evidence_is_kept_before_any_removal_of_a_monitoring_app(files: list[PlanFile]) -> None:
    plan = next(p for p in files if p.platform == "stalkerware")
    order = [s.id for s in plan.steps]
    assert order.index("stalkerware.keep-evidence") < order.index("stalkerware.options")
    assert order.index("stalkerware.talk-first") < order.index("stalkerware.options")
    assert order[0] == "stalkerware.leave-in-place"
    options = plan.steps[order.index("stalkerware.options")]
    assert options.destroys_evidence and options.preserve_first and options.may_reveal


def test_steps_that_may_alert_the_other_person_say_so(files: list[PlanFile]) -> None:
    alerting = {s.id: s for s in _steps(files) if s.id.partition(".")[2] in ALERTING}
    assert set(alerting) == {
        "whatsapp.linked-devices", "signal.linked-devices", "telegram.sessions", "google.sessions",
        "microsoft.sessions", "instagram.sessions", "facebook.sessions", "x.sessions", "discord.sessions",
        "email.sessions", "google.location-sharing", "apple.location-sharing", "whatsapp.location-sharing",
        "messenger.location-sharing", "snapchat.location-sharing", "life360.location-sharing",
    }  # fmt: skip
    assert [i for i, s in alerting.items() if s.may_reveal is None] == []


# -- the language check ---------------------------------------------------------------------------


def test_the_language_check_catches_withdrawal_and_blame() -> None:
    assert _banned_in("Just block them and stop looking.") == ["just block", "stop looking"]
    assert _banned_in("Why didn’t you switch it off?") == ["switch it off", "why didn't you"]
    assert _banned_in("Turn off forwarding to any number you do not recognise.") == []
    assert _sentence_lengths("One two three. Four five! Six?") == [3, 2, 1]


def test_no_advice_tells_a_person_to_withdraw_or_blames_them(files: list[PlanFile]) -> None:
    offending = [(where, phrase) for where, text in _texts(files) for phrase in _banned_in(text)]
    assert offending == []
    words = " ".join(text for _, text in _texts(files)).lower()
    assert re.search(r"\b(just|simply|obviously)\b", words) is None


def test_advice_reads_plainly(files: list[PlanFile]) -> None:
    lengths = [n for _, text in _texts(files) for n in _sentence_lengths(text)]
    assert len(lengths) > 500
    assert sum(lengths) / len(lengths) <= 25
    long = [(where, text) for where, text in _texts(files) if max(_sentence_lengths(text)) > 30]
    assert long == []
    for plan in files:
        for step in plan.steps:
            assert len(step.title.split()) <= 16, step.id
            assert all(len(line.split()) <= 30 for line in step.how), step.id


# -- choosing the files for a case ----------------------------------------------------------------


def test_steps_for_a_case_with_whatsapp_texts_and_a_gmail_address(files: list[PlanFile]) -> None:
    chosen = steps_for(files, {"whatsapp", "sms"}, {"gmail.com"})
    assert [plan.platform for plan, _ in chosen] == ["general", "phone", "stalkerware", "google", "whatsapp"]
    whatsapp = {plan.platform: steps for plan, steps in chosen}["whatsapp"]
    assert [s.id for s in whatsapp][:2] == ["whatsapp.save-chats", "whatsapp.linked-devices"]
    for _, steps in chosen:
        assert [s.order for s in steps] == sorted(s.order for s in steps)
        assert all(s.preserve_first for s in steps if s.destroys_evidence)


def test_domains_match_in_any_case_and_subdomains_and_unknown_facts_add_nothing(
    files: list[PlanFile],
) -> None:
    chosen = steps_for(files, {"WhatsApp "}, {"@GoogleMail.com", "mail.hotmail.co.uk", "example.org"})
    assert [p.platform for p, _ in chosen] == [
        "general", "phone", "stalkerware", "google", "microsoft", "whatsapp",
    ]  # fmt: skip
    assert [p.platform for p, _ in steps_for(files, set(), set())] == ["general", "phone", "stalkerware"]
    assert "google" not in [p.platform for p, _ in steps_for(files, {"sms"}, {"notgmail.com"})]
    in_person = [p.platform for p, _ in steps_for(files, {"in-person"}, set())]
    assert in_person == ["general", "phone", "stalkerware", "life360", "snapchat"]


# -- staleness ------------------------------------------------------------------------------------


def test_a_step_reviewed_more_than_a_year_ago_is_stale(files: list[PlanFile]) -> None:
    step = files[0].steps[0]
    today = date(2026, 11, 24)
    assert step.reviewed == today and not is_stale(step, today)
    assert is_stale(replace(step, reviewed=date(2025, 11, 1)), today)
    assert not is_stale(replace(step, reviewed=date(2025, 11, 24)), today)  # exactly 365 days
    assert is_stale(replace(step, reviewed=date(2025, 11, 23)), today)


# -- refusing a bad file --------------------------------------------------------------------------

GOOD = """\
format: casetrail-safety-plan
version: "1"
platform: whatsapp
name: WhatsApp
applies_when:
  channels: [whatsapp]
  account_domains: []
  always: false
reviewed: 2026-11-24
steps:
  - id: whatsapp.linked-devices
    title: "Check linked devices"
    why: "A linked computer reads your messages."
    how: ["Open WhatsApp.", "Tap Linked devices."]
    preserve_first: "Take a screenshot of the list."
    may_reveal: "Their WhatsApp Web stops working."
    destroys_evidence: true
    help: "https://faq.whatsapp.com/378279804439436/?helpref=search"
    order: 10
"""


def _load(tmp_path: Path, text: str, name: str = "whatsapp.yaml") -> list[PlanFile]:
    (tmp_path / name).write_text(text, encoding="utf-8")
    return load_plan_files(tmp_path)


def test_a_good_file_from_a_folder_loads_with_its_dates(tmp_path: Path) -> None:
    text = GOOD.replace("    order: 10", "    reviewed: '2025-11-01'\n    order: 10")
    (plan,) = _load(tmp_path, text)
    (step,) = plan.steps
    assert (plan.platform, plan.reviewed, step.reviewed) == (
        "whatsapp",
        date(2026, 11, 24),
        date(2025, 11, 1),
    )
    assert step.how == ("Open WhatsApp.", "Tap Linked devices.")
    assert is_stale(step, date(2026, 11, 24))


STEP = "whatsapp.linked-devices"
BAD = [  # (text in GOOD, replacement, the problem reported, the step named or None for a file-level key)
    ("    order: 10", "    order: 10\n    colour: red", "unknown key 'colour'", STEP),
    (
        '    preserve_first: "Take a screenshot of the list."',
        "    preserve_first: null",
        "preserve_first",
        STEP,
    ),
    (
        "- id: whatsapp.linked-devices",
        "- id: signal.linked-devices",
        "'id' must be 'whatsapp.<slug>'",
        "signal.linked-devices",
    ),
    ('    help: "https://faq', '    help: "http://faq', "https:// address", STEP),
    ("    order: 10", '    order: "first"', "'order': must be a whole number", STEP),
    ("    destroys_evidence: true", "    destroys_evidence: yes please", "must be true or false", STEP),
    ('    title: "Check linked devices"\n', "", "missing key 'title'", STEP),
    ('    how: ["Open WhatsApp.", "Tap Linked devices."]', "    how: []", "'how': must be a list", STEP),
    ("  channels: [whatsapp]", "  channels: [whatsap]", "unknown channel 'whatsap'", None),
    ("reviewed: 2026-11-24", "reviewed: 24/11/2026", "YYYY-MM-DD", None),
]


@pytest.mark.parametrize(("old", "new", "problem", "step"), BAD)
def test_a_bad_file_is_refused_naming_the_file_and_the_step(
    tmp_path: Path, old: str, new: str, problem: str, step: str | None
) -> None:
    assert old in GOOD
    with pytest.raises(RulesError) as raised:
        _load(tmp_path, GOOD.replace(old, new))
    message = str(raised.value)
    assert message.startswith("Safety plan file whatsapp.yaml") and problem in message
    if step is not None:
        assert f"whatsapp.yaml, step {step}" in message
    else:
        assert ", step " not in message


def test_a_file_level_mistake_is_refused_naming_the_file(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"signal\.yaml: 'platform' must be the file's name \('signal'\)"):
        _load(tmp_path, GOOD, name="signal.yaml")
    (tmp_path / "signal.yaml").unlink()
    never = GOOD.replace("  channels: [whatsapp]", "  channels: []")
    with pytest.raises(RulesError, match=r"whatsapp\.yaml, 'applies_when': the file would never be used"):
        _load(tmp_path, never)


def test_a_step_without_an_id_is_named_by_its_place(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match=r"whatsapp\.yaml, step 1: missing key 'id'"):
        _load(tmp_path, GOOD.replace("  - id: whatsapp.linked-devices\n    title:", "  - title:"))


def test_a_step_id_used_twice_is_refused(tmp_path: Path) -> None:
    # Ids start with their file's platform, and a platform is its file's name, so a repeat can only
    # happen inside one file.
    second = GOOD.split("steps:\n")[1]
    with pytest.raises(RulesError, match=r"step whatsapp\.linked-devices: the id is also used in whatsapp"):
        _load(tmp_path, GOOD + second)


def test_an_empty_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(RulesError, match="no plan files"):
        load_plan_files(tmp_path)


def test_g20_a_python_tag_in_a_safety_plan_file_is_refused_with_the_file_and_line(tmp_path: Path) -> None:
    evil = GOOD.replace("name: WhatsApp", 'name: !!python/object/apply:os.system ["echo owned"]')
    with pytest.raises(RulesError) as raised:
        _load(tmp_path, evil)
    message = str(raised.value)
    assert "whatsapp.yaml" in message and "line 4" in message and "data only" in message
