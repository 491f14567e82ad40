"""G-20: rule files (lexicons, severity, risk questions, offence elements) are data and cannot run code."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from casetrail.analysis.behaviour import build_lexicon, packaged_documents
from casetrail.rules import RulesError, from_path, parse_rules

PACKAGE = Path(__file__).resolve().parents[2] / "src" / "casetrail"
RULES = PACKAGE / "rules" / "data"
TAGGED = [
    '!!python/object/apply:os.system ["echo owned"]',
    "!!python/name:builtins.eval",
    '!!python/object/new:subprocess.Popen [["true"]]',
]


@pytest.mark.parametrize("payload", TAGGED)
def test_g20_a_python_tag_in_a_rule_file_is_refused_with_a_clear_error(payload: str, tmp_path: Path) -> None:
    text = f'format: casetrail-behaviour-lexicon\nversion: "1"\ncategories: {payload}\n'
    with pytest.raises(RulesError) as raised:
        parse_rules(text, "behaviour-en-evil.yaml", "casetrail-behaviour-lexicon")
    message = str(raised.value)
    assert "behaviour-en-evil.yaml" in message and "line 3" in message and "data only" in message
    context = [d for d in packaged_documents() if "-context" in d[0]]
    with pytest.raises(RulesError):
        build_lexicon([*context, ("behaviour-en-evil.yaml", text)])
    path = tmp_path / "offences-elsewhere.yaml"
    path.write_text(
        f'format: casetrail-offence-elements\nversion: "1"\noffences: {payload}\n', encoding="utf-8"
    )
    with pytest.raises(RulesError, match="offences-elsewhere.yaml"):
        from_path(path, "casetrail-offence-elements")


def test_g20_every_shipped_rule_file_is_plain_data() -> None:
    files = sorted(RULES.rglob("*.yaml"))
    assert len(files) >= 3
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"(^|[\s\[{,:])!", text.replace("'!", "").replace('"!', "")), path.name
        document = parse_rules(text, path.name, str(parse_rules_format(text)))
        assert document["version"]


def parse_rules_format(text: str) -> str:
    found = re.search(r"^format:\s*(\S+)", text, re.MULTILINE)
    assert found, "every rule file names its format"
    return found.group(1)


def _own_pipe(path: Path, line: str) -> bool:
    """The import feed's pipe between casetrail's own two processes (as multiprocessing itself does):
    it never carries a file's bytes, only questions, reports and errors casetrail made."""
    if path.relative_to(PACKAGE).as_posix() != "store/feed.py" or "eval(" in line or "exec(" in line:
        return False
    return "loads" not in line or "our own" in line or "cannot be rebuilt" in line


def test_g20_the_package_never_loads_data_unsafely() -> None:
    unsafe = re.compile(
        r"yaml\.(load|unsafe_load|full_load|load_all)\((?![^)]*SafeLoader)|\bpickle\b|\bmarshal\.loads"
        r"|(?<![\w.])eval\(|(?<![\w.])exec\(|Loader=yaml\.(Loader|UnsafeLoader|FullLoader)"
    )
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if unsafe.search(line) and not _own_pipe(path, line):
                offenders.append(f"{path.relative_to(PACKAGE)}:{number}: {line.strip()}")
    assert offenders == []
    assert (
        unsafe.search("yaml.load(text)") and unsafe.search("pickle.loads(x)") and unsafe.search("eval(code)")
    )
    assert not unsafe.search("yaml.safe_load(text)") and not unsafe.search("literal_eval(x)")
