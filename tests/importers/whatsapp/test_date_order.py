"""Date order is never guessed silently: the person's stated order, their answer, or a flagged default.

All names and messages are invented placeholders.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from casetrail.errors import InputError
from casetrail.importers.base import ImportContext
from casetrail.importers.whatsapp.importer import WhatsAppImporter
from casetrail.model.event import ParsedEvent
from tests.helpers import make_zip
from tests.importers.whatsapp.support import read_events

LONDON = ZoneInfo("Europe/London")
IMPORTER = WhatsAppImporter()

# Every day and month is 12 or less: the file cannot show its order.
AMBIGUOUS = (
    "03/04/2025, 10:00 - Casey Marsh: where were you\n"
    "03/04/2025, 10:05 - Robin Hale: leave me alone\n"
    "05/06/2025, 22:30 - Casey Marsh: I saw your car\n"
)
# Line 3 has 13 in the first field: the file is day-first.
DAY_FIRST = (
    "03/04/2025, 10:00 - Casey Marsh: where were you\n"
    "continued\n"
    "13/04/2025, 22:30 - Casey Marsh: I saw your car\n"
)


class Asker:
    """Records every question and answers with a fixed choice."""

    def __init__(self, answer: str) -> None:
        self.answer = answer
        self.calls: list[tuple[str, list[str]]] = []

    def __call__(self, question: str, choices: list[str]) -> str:
        self.calls.append((question, choices))
        return self.answer


def write(tmp_path: Path, text: str, name: str = "chat.txt") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def run(path: Path, **options: object) -> tuple[list[ParsedEvent], ImportContext]:
    context = ImportContext(LONDON, **options)  # type: ignore[arg-type]
    return read_events(path, context), context


def utc(year: int, month: int, day: int, hour: int, minute: int) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def test_without_an_order_or_a_question_the_default_is_flagged(tmp_path):
    events, context = run(write(tmp_path, AMBIGUOUS))
    assert events[0].occurred_at == utc(2025, 4, 3, 9, 0)  # day-first for London: 3 April, BST
    assert all(e.flags == ("date-order-ambiguous",) for e in events)
    assert len(context.notes) == 1
    assert "day-first" in context.notes[0]
    assert "date-order-ambiguous" in context.notes[0]


@pytest.mark.parametrize(
    ("order", "first", "last"),
    [
        ("month-first", utc(2025, 3, 4, 10, 0), utc(2025, 5, 6, 21, 30)),  # 4 March GMT; 6 May BST
        ("day-first", utc(2025, 4, 3, 9, 0), utc(2025, 6, 5, 21, 30)),
    ],
)
def test_the_order_given_is_used_without_a_flag(tmp_path, order, first, last):
    events, context = run(write(tmp_path, AMBIGUOUS), date_order=order)
    assert (events[0].occurred_at, events[-1].occurred_at) == (first, last)
    assert all(e.flags == () for e in events)
    assert context.notes == [f"chat.txt: dates read as {order} as you asked."]


def test_an_order_the_file_agrees_with_needs_no_note(tmp_path):
    events, context = run(write(tmp_path, DAY_FIRST), date_order="day-first")
    assert events[-1].occurred_at == utc(2025, 4, 13, 21, 30)
    assert context.notes == []
    assert all(e.flags == () for e in events)


def test_an_order_the_file_contradicts_is_refused_naming_the_line(tmp_path):
    with pytest.raises(InputError) as caught:
        run(write(tmp_path, DAY_FIRST), date_order="month-first")
    assert caught.value.place == "line 3"
    assert "13/04/2025" in caught.value.problem
    assert "month-first" in caught.value.problem
    assert str(caught.value).startswith("chat.txt (line 3): ")


def test_the_contradiction_names_the_member_inside_a_zip(tmp_path):
    path = make_zip(tmp_path / "export.zip", [("_chat.txt", DAY_FIRST.encode())])
    with pytest.raises(InputError) as caught:
        run(path, date_order="month-first")
    assert caught.value.place == "_chat.txt:line 3"


def test_the_first_contradicting_line_is_named_not_the_first_distinct_date(tmp_path):
    text = "12/01/2025, 10:00 - A: x\n01/25/2025, 10:00 - A: y\n01/13/2025, 10:00 - A: z\n"
    with pytest.raises(InputError) as caught:
        run(write(tmp_path, text), date_order="day-first")
    assert caught.value.place == "line 2"


def test_year_first_on_a_day_first_file_is_refused(tmp_path):
    with pytest.raises(InputError) as caught:
        run(write(tmp_path, "14/02/2021, 09:00 - A: x\n"), date_order="year-first")
    assert caught.value.place == "line 1"


def test_day_first_on_a_year_first_file_is_refused(tmp_path):
    with pytest.raises(InputError) as caught:
        run(write(tmp_path, "2021/02/01, 09:00 - A: x\n"), date_order="day-first")
    assert caught.value.place == "line 1"


def test_a_date_impossible_in_every_order_is_flagged_not_refused(tmp_path):
    text = "13/02/2021, 09:00 - A: x\n30/02/2021, 09:00 - A: y\n"
    events, _ = run(write(tmp_path, text), date_order="day-first")
    assert [e.flags for e in events] == [(), ("invalid-date",)]


def test_a_self_contradicting_file_is_refused_for_either_order(tmp_path):
    text = "13/01/2025, 10:00 - A: x\n01/14/2025, 10:00 - A: y\n"
    for order, line in (("day-first", "line 2"), ("month-first", "line 1")):
        with pytest.raises(InputError) as caught:
            run(write(tmp_path, text), date_order=order)
        assert caught.value.place == line


def test_an_unknown_order_is_refused(tmp_path):
    with pytest.raises(InputError, match="unknown date order 'dd/mm'"):
        run(write(tmp_path, AMBIGUOUS), date_order="dd/mm")


# --- asking -------------------------------------------------------------------------------------------


def test_an_ambiguous_file_is_asked_about_once_and_the_answer_used(tmp_path):
    ask = Asker("month-first")
    events, context = run(write(tmp_path, AMBIGUOUS), ask=ask)
    assert len(ask.calls) == 1
    question, choices = ask.calls[0]
    assert choices == ["day-first", "month-first"]
    assert "03/04/2025 could be 3 April 2025 or 4 March 2025" in question
    assert "05/06/2025 could be 5 June 2025 or 6 May 2025" in question
    assert question.startswith("chat.txt: ")
    assert events[0].occurred_at == utc(2025, 3, 4, 10, 0)
    assert all(e.flags == () for e in events)
    assert context.notes == ["chat.txt: dates read as month-first as you answered."]


def test_each_ambiguous_file_is_asked_about_once(tmp_path):
    ask = Asker("day-first")
    run(write(tmp_path, AMBIGUOUS, "one.txt"), ask=ask)
    run(write(tmp_path, AMBIGUOUS.replace("Casey", "Sam"), "two.txt"), ask=ask)
    assert [q.split(":")[0] for q, _ in ask.calls] == ["one.txt", "two.txt"]


def test_a_file_that_shows_its_order_is_not_asked_about(tmp_path):
    ask = Asker("month-first")
    events, context = run(write(tmp_path, DAY_FIRST), ask=ask)
    assert ask.calls == []
    assert events[-1].occurred_at == utc(2025, 4, 13, 21, 30)
    assert context.notes == []


def test_a_given_order_wins_over_asking(tmp_path):
    ask = Asker("day-first")
    events, _ = run(write(tmp_path, AMBIGUOUS), ask=ask, date_order="month-first")
    assert ask.calls == []
    assert events[0].occurred_at == utc(2025, 3, 4, 10, 0)


def test_a_self_contradicting_file_is_not_asked_about_and_stays_flagged(tmp_path):
    ask = Asker("day-first")
    text = "13/01/2025, 10:00 - A: x\n01/14/2025, 10:00 - A: y\n"
    events, context = run(write(tmp_path, text), ask=ask)
    assert ask.calls == []
    assert all("date-order-ambiguous" in e.flags for e in events)
    assert len(context.notes) == 1


def test_a_file_whose_dates_read_the_same_both_ways_is_not_asked_about(tmp_path):
    ask = Asker("month-first")
    events, _ = run(write(tmp_path, "01/01/2025, 10:00 - A: x\n02/02/2025, 10:00 - A: y\n"), ask=ask)
    assert ask.calls == []
    assert all(e.flags == ("date-order-ambiguous",) for e in events)


def test_an_answer_that_is_not_a_choice_is_refused(tmp_path):
    with pytest.raises(InputError, match="not one of day-first, month-first"):
        run(write(tmp_path, AMBIGUOUS), ask=Asker("year-first"))


def test_the_question_shows_dates_from_the_file_earliest_lines_first(tmp_path):
    ask = Asker("day-first")
    dates = ("01/01/2025", "02/03/2025", "04/05/2025", "06/07/2025")
    text = "".join(f"{day}, 10:00 - A: x\n" for day in dates)
    run(write(tmp_path, text), ask=ask)
    question = ask.calls[0][0]
    assert "02/03/2025 could be 2 March 2025 or 3 February 2025" in question
    assert "04/05/2025 could be 4 May 2025 or 5 April 2025" in question
    assert "06/07/2025" not in question
