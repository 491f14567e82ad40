"""Shared by the importer tests: how a valid file is damaged, and how memory is watched on a big one."""

from __future__ import annotations

import tracemalloc

from hypothesis import strategies as st

from casetrail.importers.base import ImportContext, Importer
from casetrail.ingest.source import Source


@st.composite
def mutations(draw: st.DrawFn, valid: bytes, chunks: list[bytes]) -> bytes:
    """``valid`` with bytes cut, replaced or inserted (wrong types too), or now and then random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=300))
    data = bytearray(valid)
    for _ in range(draw(st.integers(1, 5))):
        at = draw(st.integers(0, len(data)))
        action = draw(st.sampled_from(["cut", "replace", "insert", "flip"]))
        chunk = draw(st.sampled_from(chunks))
        if action == "cut":
            del data[at:]
        elif action == "flip" and at < len(data):
            data[at] ^= draw(st.integers(1, 255))
        elif action == "replace":
            data[at : at + len(chunk)] = chunk
        else:
            data[at:at] = chunk
    return bytes(data)


def events_and_peak(importer: Importer, source: Source, context: ImportContext) -> tuple[int, int]:
    """How many events an importer streams from a file, and the peak of Python memory meanwhile."""
    tracemalloc.start()
    try:
        count = sum(1 for _ in importer.events(source, context))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return count, peak
