"""G-24 in all four outputs: bidi controls and invisible characters in names are shown as markers in
report.html, report.pdf, events.csv and the terminal, while the joiners real words need are kept.

A file called ``invoice<U+202E>fdp.exe`` reads as ``invoiceexe.pdf``; a handle with a zero-width space
looks like another account's. Both must be seen for what they are wherever a person reads the case.
Emoji sequences, Sinhala conjuncts and Persian words need ZWJ/ZWNJ, and WhatsApp writes LRM marks in
its own lines: in running text those are kept as written.
"""

from __future__ import annotations

import pytest

from casetrail.render.terminal import visible_identifier
from tests.pack.test_hostile_outputs import Outputs, make_outputs, squeezed

DISGUISED = "invoice\u202efdp.exe"
PLAIN = "@caseymarsh"
# The same handle with one invisible character in it: each must be told apart from PLAIN.
LOOK_ALIKES = {
    "ZWSP": "@casey\u200bmarsh",
    "ZWNJ": "@casey\u200cmarsh",
    "ZWJ": "@casey\u200dmarsh",
    "LRM": "@casey\u200emarsh",
    "RLM": "@casey\u200fmarsh",
    "ALM": "@casey\u061cmarsh",
    "WJ": "@casey\u2060marsh",
    "BOM": "@casey\ufeffmarsh",
    "SHY": "@casey\u00admarsh",
    "MVS": "@casey\u180emarsh",
    "INVISIBLE TIMES": "@casey\u2062marsh",
    "CGJ": "@casey\u034fmarsh",
    "TAG": "@casey\U000e0041marsh",
    "HANGUL FILLER": "@casey\u3164marsh",
    "LRI": "@casey\u2066marsh",
}
RUNNING_TEXT = {
    "emoji": "at work late again \U0001f469\u200d\U0001f4bb and \U0001f468\u200d\U0001f469\u200d\U0001f467",
    "sinhala": "ශ්\u200dරී ලංකා",
    "persian": "می\u200cخواهم ببینمت",
    "whatsapp": "\u200eimage omitted",
}
SENDERS = [DISGUISED, PLAIN, *LOOK_ALIKES.values()]


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Outputs:
    rows = [
        {"time": f"2025-05-01T08:{i:02d}:00Z", "channel": "instagram", "direction": "in",
         "from": sender, "to": "Robin Hale", "text": f"message {i} from a handle"}
        for i, sender in enumerate(SENDERS)
    ]  # fmt: skip
    rows += [
        {"time": f"2025-05-02T08:{i:02d}:00Z", "channel": "whatsapp", "direction": "in",
         "from": "Casey Marsh", "to": "Robin Hale", "text": words}
        for i, words in enumerate(RUNNING_TEXT.values())
    ]  # fmt: skip
    return make_outputs(tmp_path_factory.mktemp("invisible"), rows)


def senders_shown(outputs: Outputs) -> dict[str, list[str]]:
    """How each output shows the senders of the handle messages (every handle appears once)."""
    csv_senders = {row["text"]: row["sender"] for row in outputs.csv_rows}
    return {
        "csv": [csv_senders[f"message {i} from a handle"] for i in range(len(SENDERS))],
        "html": [text for element, text in outputs.html_text if element == "bdi" and "marsh" in text],
    }


def test_g24_a_disguised_file_name_shows_its_override_in_all_four_outputs(outputs: Outputs) -> None:
    shown = "invoice⟨U+202E⟩fdp.exe"
    assert ("bdi", shown) in outputs.html_text  # isolated in <bdi>, marker and all
    assert shown in outputs.pdf_text
    assert senders_shown(outputs)["csv"][0] == shown
    assert shown in outputs.terminal
    for text in (outputs.html, outputs.pdf_text, outputs.csv_raw, outputs.terminal):
        assert "\u202e" not in text


def test_g24_a_handle_with_a_zero_width_space_shows_the_marker_in_all_four_outputs(outputs: Outputs) -> None:
    shown = "@casey⟨U+200B⟩marsh"
    assert ("bdi", shown) in outputs.html_text
    assert shown in outputs.pdf_text
    assert senders_shown(outputs)["csv"][2] == "'" + shown  # and kept from being a formula
    assert shown in outputs.terminal
    for text in (outputs.html, outputs.pdf_text, outputs.csv_raw, outputs.terminal):
        assert "\u200b" not in text


@pytest.mark.parametrize("name", list(LOOK_ALIKES))
def test_g24_handles_differing_only_by_an_invisible_character_are_displayed_differently(
    outputs: Outputs, name: str
) -> None:
    look_alike = LOOK_ALIKES[name]
    marked = visible_identifier(look_alike)
    assert marked != PLAIN and "⟨U+" in marked
    assert ("bdi", marked) in outputs.html_text and ("bdi", PLAIN) in outputs.html_text
    assert squeezed(marked) in squeezed(outputs.pdf_text) and PLAIN in outputs.pdf_text
    assert marked in outputs.terminal and PLAIN in outputs.terminal
    shown = senders_shown(outputs)
    assert shown["csv"][SENDERS.index(look_alike)] == "'" + marked
    assert shown["csv"][1] == "'" + PLAIN
    assert len(set(shown["csv"])) == len(SENDERS)  # no two accounts look alike in the spreadsheet
    assert len(set(shown["html"])) == len(shown["html"])


def message_in_pdf(outputs: Outputs, number: int) -> str:
    """The appendix entry of the ``number``-th running-text message, as pdftotext gives it."""
    start = outputs.pdf_text.index(f"2025-05-02 09:{number:02d} Casey Marsh")
    end = outputs.pdf_text.find("\n2025-05-02", start + 1)
    return outputs.pdf_text[start : end if end > 0 else None]


@pytest.mark.parametrize("kind", list(RUNNING_TEXT))
def test_g24_joiners_that_words_need_are_kept_in_message_text(outputs: Outputs, kind: str) -> None:
    words = RUNNING_TEXT[kind]
    assert ("bdi", words) in outputs.html_text
    assert words in [row["text"] for row in outputs.csv_rows]
    assert words in outputs.terminal
    in_pdf = message_in_pdf(outputs, list(RUNNING_TEXT).index(kind))
    assert "⟨U+" not in in_pdf
    if kind in ("emoji", "sinhala"):  # drawn as one glyph, which pdftotext maps back with its joiner
        assert words in in_pdf
    else:  # ZWNJ and LRM shape or place letters and leave no glyph of their own to extract
        letters = words.replace("\u200c", "").replace("\u200e", "")
        extracted = in_pdf.replace("\u202b", "").replace("\u202c", "")  # pdftotext's own RTL marks
        assert squeezed(letters) in squeezed(extracted)


def test_g24_a_flag_in_a_name_is_kept_but_a_lone_tag_character_is_marked() -> None:
    scotland = "\U0001f3f4\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"
    assert visible_identifier(f"Casey {scotland}") == f"Casey {scotland}"
    assert visible_identifier("casey\U000e0041\U000e007f") == "casey⟨U+E0041⟩⟨U+E007F⟩"
    assert visible_identifier(f"{scotland}\U000e0041") == f"{scotland}⟨U+E0041⟩"
    assert visible_identifier("Casey Marsh") == "Casey Marsh"  # plain names are untouched
