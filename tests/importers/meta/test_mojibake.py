"""Meta's byte-per-character text is repaired; genuine latin-1 text is left alone."""

from __future__ import annotations

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from casetrail.demo.meta_export import mojibake
from casetrail.importers.meta.mojibake import repair


@pytest.mark.parametrize(
    ("written", "meant"),
    [
        ("caf\u00c3\u00a9", "café"),
        ("\u00f0\u009f\u0098\u00a0", "😠"),
        ("Zo\u00c3\u00ab \u00e7\u008a\u00ac", "Zoë 犬"),
        ("plain ascii", "plain ascii"),
        ("", ""),
    ],
)
def test_repairs_utf8_bytes_written_as_characters(written: str, meant: str) -> None:
    assert repair(written) == meant


@pytest.mark.parametrize(
    "genuine",
    ["café", "naïve façade", "£5 ±2 µ", "already 😠 repaired", "Ã", "mixed Ã© and ✨"],
)
def test_text_that_is_not_utf8_bytes_is_kept(genuine: str) -> None:
    assert repair(genuine) == genuine


@given(st.text())
def test_any_text_survives_the_round_trip(text: str) -> None:
    assert repair(mojibake(text)) == text


@given(st.text(alphabet=st.characters(max_codepoint=0xFF)))
def test_latin1_text_that_does_not_decode_as_utf8_is_unchanged(text: str) -> None:
    try:
        text.encode("latin-1").decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        assume(False)  # it reads as UTF-8 bytes, so it is (by the format's rule) Meta's encoding
    assert repair(text) == text
