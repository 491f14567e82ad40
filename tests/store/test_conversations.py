"""Exports of one chat: identity across exports, and messages missing from the middle of a later one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from sqlalchemy import func, select

from casetrail.store.case import Case
from casetrail.store.expunge import expunge
from casetrail.store.importing import CHANGED, MISSING, REREAD, import_file
from casetrail.store.queries import TimelineFilter, timeline
from casetrail.store.tables import event_keys
from tests.helpers import android_lines, count_events, write_chat

LINES = android_lines(80)  # one message every 7 minutes, some multi-line


def export(folder: Path, name: str, indexes: list[int]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    return write_chat(folder / name, [LINES[i] for i in indexes])


def flagged(case: Case) -> list[str]:
    return [e.text for e in timeline(case, TimelineFilter(), limit=None) if MISSING in e.flags]


def test_exports_named_by_whatsapp_share_a_conversation_and_de_duplicate(
    new_case: Case, tmp_path: Path
) -> None:
    first = import_file(new_case, export(tmp_path, "WhatsApp Chat with Casey Marsh.txt", list(range(60))))
    second = import_file(
        new_case, export(tmp_path, "WhatsApp Chat with Casey Marsh (1).txt", list(range(40, 80)))
    )
    assert (first.conversation, second.conversation) == ("Casey Marsh", "Casey Marsh")
    assert (second.events_added, second.duplicates) == (20, 20)
    assert count_events(new_case) == 80


def test_the_same_words_at_the_same_minute_in_two_chats_stay_two_events(
    new_case: Case, tmp_path: Path
) -> None:
    import_file(new_case, export(tmp_path, "WhatsApp Chat with Casey Marsh.txt", [0, 1, 2]))
    other = import_file(new_case, export(tmp_path, "WhatsApp Chat with Walking Group.txt", [0, 1, 2]))
    assert other.events_added == 3
    assert count_events(new_case) == 6


def test_a_message_missing_from_the_middle_of_a_later_export_is_flagged(
    new_case: Case, tmp_path: Path
) -> None:
    name = "WhatsApp Chat with Casey Marsh.txt"
    import_file(new_case, export(tmp_path / "a", name, list(range(60))))
    later = [i for i in range(80) if i != 30]
    result = import_file(new_case, export(tmp_path / "b", name, later))
    assert result.missing_flagged == 1
    assert any("not in every export" in note for note in result.notes)
    assert flagged(new_case) == [LINES[30].split(": ", 1)[1]]
    assert count_events(new_case) == 80  # nothing is removed


def test_the_flag_does_not_depend_on_the_order_of_imports(new_case: Case, tmp_path: Path) -> None:
    name = "WhatsApp Chat with Casey Marsh.txt"
    newer = import_file(new_case, export(tmp_path / "b", name, [i for i in range(80) if i != 30]))
    older = import_file(new_case, export(tmp_path / "a", name, list(range(60))))
    assert (newer.missing_flagged, older.missing_flagged) == (0, 1)
    assert flagged(new_case) == [LINES[30].split(": ", 1)[1]]


def test_an_export_that_starts_later_or_ends_earlier_is_not_a_deletion(
    new_case: Case, tmp_path: Path
) -> None:
    name = "WhatsApp Chat with Casey Marsh.txt"
    import_file(new_case, export(tmp_path / "a", name, list(range(0, 50))))
    result = import_file(new_case, export(tmp_path / "b", name, list(range(30, 80))))
    assert result.missing_flagged == 0
    assert flagged(new_case) == []


def test_a_renamed_export_joins_its_chat_when_told_which_it_is(new_case: Case, tmp_path: Path) -> None:
    import_file(new_case, export(tmp_path, "WhatsApp Chat with Casey Marsh.txt", list(range(40))))
    unnamed = import_file(new_case, export(tmp_path, "casey-2025.txt", list(range(20, 60))))
    assert (unnamed.conversation, unnamed.events_added) == (None, 40)  # unknown chat: nothing merged by guess
    told = import_file(
        new_case, export(tmp_path, "casey-backup.txt", list(range(20, 70))), conversation="Casey Marsh"
    )
    assert (told.conversation, told.events_added, told.duplicates) == ("Casey Marsh", 30, 20)


def test_a_message_edited_or_deleted_between_exports_keeps_both_readings(
    new_case: Case, tmp_path: Path
) -> None:
    name = "WhatsApp Chat with Casey Marsh.txt"
    older = [LINES[i] for i in range(40)]
    newer = list(older)
    head, _words = LINES[10].split(": ", 1)  # same minute, same sender, new words
    newer[10] = f"{head}: I never said that <This message was edited>"
    head, _words = LINES[20].split(": ", 1)
    newer[20] = f"{head}: This message was deleted"
    del newer[25]  # simply gone: missing, not changed
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
    import_file(new_case, write_chat(tmp_path / "a" / name, older))
    result = import_file(new_case, write_chat(tmp_path / "b" / name, newer))

    assert result.changed_flagged == 4
    assert any("Both versions are kept" in note for note in result.notes)
    shown = timeline(new_case, TimelineFilter(), limit=None)
    changed = [(e.text, e.kind) for e in shown if CHANGED in e.flags]
    assert changed == [
        (LINES[10].split(": ", 1)[1], "message"),
        ("I never said that <This message was edited>", "message"),
        (LINES[20].split(": ", 1)[1], "message"),
        ("This message was deleted", "deleted-message"),
    ]
    assert all(MISSING in e.flags for e in shown if CHANGED in e.flags)
    assert [e.text for e in shown if MISSING in e.flags and CHANGED not in e.flags] == [
        LINES[25].split(": ", 1)[1]
    ]


def test_two_readings_under_one_message_id_are_both_kept_and_flagged(
    new_case: Case, corpus: Callable[[str], Path]
) -> None:
    # Two copies of <dupe001@test.com> with different bodies (the corpus' edge_cases.mbox): not one
    # message found twice, so neither is merged away; both are flagged, whichever came first.
    result = import_file(new_case, corpus("mbox/TakeoutReader/edge_cases.mbox"))
    assert (result.events_added, result.reread_flagged) == (3, 2)
    assert any("same-id-other-content" in note for note in result.notes)
    shown = timeline(new_case, TimelineFilter(), limit=None)
    flagged = sorted(e.text.splitlines()[-1] for e in shown if REREAD in e.flags)
    assert flagged == ["This is the duplicate - same Message-ID, different label.", "This is the first copy."]


def test_expunging_removes_the_message_keys_with_the_events(
    new_case: Case, corpus: Callable[[str], Path]
) -> None:
    result = import_file(new_case, corpus("mbox/TakeoutReader/edge_cases.mbox"))
    with new_case.reader.connect() as conn:
        assert conn.execute(select(func.count()).select_from(event_keys)).scalar_one() == 3  # 3 Message-IDs
    expunge(new_case, result.exhibit, "imported by mistake")
    with new_case.reader.connect() as conn:
        assert conn.execute(select(func.count()).select_from(event_keys)).scalar_one() == 0
